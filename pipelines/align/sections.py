"""Stage 2: which table each row of the document belongs to.

A section opens at its heading (二、主动公开政府信息情况 …), also where the heading runs into the
paragraph before it or the text after it (the row is split there), at a table's own header
row where the heading is missing, or at a short name (a sheet called 依申请公开) in a document
that prints no full heading of that section. 五、存在的主要问题 (or 六) closes the tables.
Rows outside the tables belong to no section and are never read as cells.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..grid import Cell, Grid, GridRow, is_value_token, label_key
from ..template import HEADER_MARKERS, SECTION_HEADINGS, SHORT_HEADINGS
from .settings import AlignSettings


@dataclass
class Line:
    """One row of the document with what the aligner made of it (printed by `ogi parse --grid`)."""

    index: int
    grow: GridRow
    section: str | None = None
    role: str = ""  # heading, header, row, label, values, structure, text, empty, …
    row: str | None = None  # the template row it was read as, if any
    notes: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        self.notes.append(text)


def _heading_pattern(numeral: str, phrase: str) -> re.Pattern[str]:
    """The heading with its numeral, any whitespace or punctuation between its characters."""
    gap = r"[\s、，,.．:：]*"
    return re.compile(numeral + r"\s*[、.．]\s*" + gap.join(re.escape(ch) for ch in phrase))


_NUMBERED = [(section, _heading_pattern(numeral, phrase)) for section, numeral, phrase in SECTION_HEADINGS]


def _full_heading(grow: GridRow, settings: AlignSettings) -> str | None:
    key = label_key(grow.text)
    if len(grow.cells) <= settings.heading_max_cells and len(key) <= settings.heading_max_chars:
        for section, _numeral, phrase in SECTION_HEADINGS:
            if phrase in key:
                return section
    return None


def _header_marker(grow: GridRow) -> str | None:
    if len(grow.cells) > 1 and not any(c.text.strip() and is_value_token(c.text) for c in grow.cells):
        key = label_key(grow.text)
        for section, markers in HEADER_MARKERS:
            if all(m in key for m in markers):
                return section
    return None


def _split_run_in(grow: GridRow, settings: AlignSettings) -> list[tuple[GridRow, str | None]]:
    """A text row holding a numbered heading after other text, or text after it, split there:
    [(row, section the row opens or None)]."""
    if not settings.run_in_headings or grow.positional or len(grow.cells) > settings.heading_max_cells:
        return [(grow, None)]
    text = grow.text
    hits = sorted((m.start(), m.end(), section) for section, p in _NUMBERED for m in p.finditer(text))
    if not hits:
        return [(grow, None)]
    out: list[tuple[GridRow, str | None]] = []
    pos = 0
    for start, end, section in hits:
        if start < pos:
            continue
        if text[pos:start].strip():
            out.append((_text_row(text[pos:start], grow, "before heading"), None))
        out.append((_text_row(text[start:end], grow, "heading"), section))
        pos = end
    if text[pos:].strip():
        out.append((_text_row(text[pos:], grow, "after heading"), None))
    return out


def _text_row(text: str, grow: GridRow, part: str) -> GridRow:
    src = f"{grow.source} ({part})"
    return GridRow([Cell(text.strip(), 0, src)], positional=False, source=src)


def split_sections(grid: Grid, settings: AlignSettings) -> list[Line]:
    """Every row of the grid as a Line with its section (None outside the tables)."""
    rows: list[tuple[GridRow, str | None]] = []
    for grow in grid.rows:
        heading = _full_heading(grow, settings)
        if heading:
            rows.append((grow, heading))
        else:
            rows.extend(_split_run_in(grow, settings))
    full = {section for _, section in rows if section}
    lines: list[Line] = []
    section: str | None = None
    for i, (grow, heading) in enumerate(rows):
        line = Line(i, grow)
        if heading is None:
            marker = _header_marker(grow)
            if marker and marker != section:
                # a table's header row where its heading is missing: the row itself is read as
                # the table's header, so it belongs to the section it opens
                section = marker
                line.note("header row opens the table")
            key = label_key(grow.text)
            short = SHORT_HEADINGS.get(key) if len(grow.cells) <= settings.heading_max_cells else None
            if short and short not in full:
                heading = short
        if heading is not None:
            section = None if heading == "end" else heading
            line.role = "heading"
            line.section = section
            line.note(f"heading: {heading}")
        else:
            line.section = section
        lines.append(line)
    return lines
