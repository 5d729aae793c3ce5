"""Plain-text renderings of a fixture: tab-separated, space-aligned, and one value per line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines.synth.layout import LDoc, LTable, layout


def _lines(doc: LDoc, row_text: Callable[[list[str]], list[str]]) -> list[str]:
    lines = [doc.title, ""]
    for block in doc.blocks:
        if isinstance(block, str):
            lines.append(block)
            continue
        for row in _grid_rows(block):
            lines.extend(row_text(row))
    return lines


def _grid_rows(table: LTable) -> list[list[str]]:
    """Each row's cell texts as printed left to right (a merged cell once, where it starts)."""
    return [[c.text for c in row] for row in table.rows]


def tabs(truth: dict[str, Any]) -> bytes:
    return "\n".join(_lines(layout(truth), lambda cells: ["\t".join(cells)])).encode("utf-8")


def spaces(truth: dict[str, Any]) -> bytes:
    # Blanks printed "/" so that no cell is empty: space-aligned text cannot show an empty cell.
    return "\n".join(_lines(layout(truth, blank="/"), lambda cells: ["    ".join(cells)])).encode("utf-8")


def one_per_line(truth: dict[str, Any]) -> bytes:
    # What a text extraction without layout prints: every cell on its own line; blanks as "—".
    return "\n".join(_lines(layout(truth, blank="—"), lambda cells: [c for c in cells if c])).encode("gb18030")


VARIANTS = {
    "tabs": ("txt", tabs),
    "spaces": ("txt", spaces),
    "one_per_line": ("txt", one_per_line),
}
