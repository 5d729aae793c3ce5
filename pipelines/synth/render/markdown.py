"""Markdown renderings of a fixture.

ragged      GFM pipe tables, a merged cell printed once where it starts (rows as long as
            their cells: "| 行政许可 | 1375 |"), blanks empty cells
bare        the same without leading/trailing pipes (GFM allows it), blanks printed "/"
html_tables pandoc's gfm output for tables with merged cells: raw HTML <table> blocks
            inside the Markdown (headings "#", paragraphs)

Not rendered into the corpus: `padded(truth)`, the markdownify/markitdown style where a
colspan becomes the text followed by empty cells ("| 行政许可 | 1375 | | |"): a reader cannot
tell such an empty cell from a blank one, see tests/test_format_markdown.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipelines.synth.layout import LDoc, LTable, layout
from pipelines.synth.render.html import _table


def _esc(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _pipe_table(t: LTable, bare: bool = False) -> list[str]:
    out = []
    for i, row in enumerate(t.rows):
        cells = [_esc(c.text) for c in row]
        line = " | ".join(cells)
        if bare and len(cells) == 1:
            line += " |"  # a one-cell row needs a pipe to stay in the table
        out.append(line if bare else f"| {line} |")
        if i == 0:
            rule = " | ".join("---" for _ in range(t.n_cols))
            out.append(rule if bare else f"| {rule} |")
    return out


def _padded_table(t: LTable) -> list[str]:
    out = []
    for i, row in enumerate(t.rows):
        line = "|"
        for c in row:
            line += f" {_esc(c.text)} |" + " |" * (c.colspan - 1)
        out.append(line)
        if i == 0:
            out.append("|" + " --- |" * t.n_cols)
    return out


def _markdown(doc: LDoc, table: Callable[[LTable], list[str]], heading: bool = True) -> str:
    lines = [f"# {doc.title}", ""]
    for b in doc.blocks:
        if isinstance(b, str):
            is_heading = heading and b[:2] in ("一、", "二、", "三、", "四、", "五、", "六、")
            lines += [f"## {b}" if is_heading else b, ""]
        else:
            lines += [*table(b), ""]
    return "\n".join(lines)


def ragged(truth: dict[str, Any]) -> bytes:
    return _markdown(layout(truth), _pipe_table).encode("utf-8")


def bare(truth: dict[str, Any]) -> bytes:
    return _markdown(layout(truth, blank="/"), lambda t: _pipe_table(t, bare=True), heading=False).encode("utf-8")


def html_tables(truth: dict[str, Any]) -> bytes:
    return _markdown(layout(truth), lambda t: _table(t, lambda c: c.text, "<table>").split("\n")).encode("utf-8")


def padded(truth: dict[str, Any]) -> bytes:
    return _markdown(layout(truth), _padded_table).encode("utf-8")


VARIANTS = {
    "ragged": ("md", ragged),
    "bare": ("md", bare),
    "html_tables": ("md", html_tables),
}
