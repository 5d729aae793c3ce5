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
from functools import lru_cache

from ..grid import Cell, Grid, GridRow, is_value_token, label_key
from ..template import HEADER_MARKERS, SECTION_HEADINGS, SHORT_HEADINGS
from .settings import AlignSettings


@dataclass(slots=True)
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
# What every numbered heading starts with: a row without it holds none (most rows; checked first).
_NUMERAL_HINT = re.compile(
    "[" + "".join(dict.fromkeys(numeral for _s, numeral, _p in SECTION_HEADINGS)) + r"]\s*[、.．]"
)


@lru_cache(maxsize=1 << 16)  # a pure function of the label key: a city prints the same rows in every report
def _heading_in(key: str) -> str | None:
    """The section whose heading phrase the key holds (SECTION_HEADINGS order), None if none."""
    for section, _numeral, phrase in SECTION_HEADINGS:
        if phrase in key:
            return section
    return None


@lru_cache(maxsize=1 << 16)
def _marker_in(key: str) -> str | None:
    """The section whose header markers the key holds (HEADER_MARKERS order), None if none."""
    for section, markers in HEADER_MARKERS:
        if all(m in key for m in markers):
            return section
    return None


def _full_heading(grow: GridRow, settings: AlignSettings, key: str) -> str | None:
    if len(grow.cells) <= settings.heading_max_cells and len(key) <= settings.heading_max_chars:
        return _heading_in(key)
    return None


def _split_run_in(grow: GridRow, settings: AlignSettings, text: str) -> list[tuple[GridRow, str | None]]:
    """A text row holding a numbered heading after other text, or text after it, split there:
    [(row, section the row opens or None)]."""
    if not settings.run_in_headings or grow.positional or len(grow.cells) > settings.heading_max_cells:
        return [(grow, None)]
    if _NUMERAL_HINT.search(text) is None:
        return [(grow, None)]
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


def _text_facts(text: str) -> tuple[str, str | None, bool, str | None, str | None]:
    """What split_sections asks of a row's text: (its label key, the section whose heading phrase
    the key holds, whether a numbered heading may start in the text, the section whose header
    markers the key holds, the section the key names as a short heading). Kept for texts of a
    table row's length (a city prints the same rows in every report; a long paragraph is not
    worth keeping)."""
    if len(text) > 500:
        return _text_facts_of(text)
    return _kept_text_facts(text)


def _text_facts_of(text: str) -> tuple[str, str | None, bool, str | None, str | None]:
    key = label_key(text)
    return key, _heading_in(key), _NUMERAL_HINT.search(text) is not None, _marker_in(key), SHORT_HEADINGS.get(key)


_kept_text_facts = lru_cache(maxsize=1 << 16)(_text_facts_of)


def split_sections(grid: Grid, settings: AlignSettings) -> list[Line]:
    """Every row of the grid as a Line with its section (None outside the tables)."""
    # (row, the heading it is, the section its header markers name, the section its key names as a
    # short heading): each row's text and key made once
    rows: list[tuple[GridRow, str | None, str | None, str | None]] = []
    max_cells, max_chars, run_in = settings.heading_max_cells, settings.heading_max_chars, settings.run_in_headings
    kept, facts_of = _kept_text_facts, _text_facts_of
    full: set[str] = set()  # the sections whose full heading is printed
    for grow in grid.rows:
        cells = grow.cells
        text = cells[0].text if len(cells) == 1 else grow.text  # (grow.text of one cell is its text)
        key, heading_in, numeral_hint, marker, short = kept(text) if len(text) <= 500 else facts_of(text)  # _text_facts
        few_cells = len(cells) <= max_cells
        heading = heading_in if few_cells and len(key) <= max_chars else None  # _full_heading
        if heading:
            rows.append((grow, heading, marker, short))
            full.add(heading)
        elif not (run_in and few_cells and not grow.positional and numeral_hint):
            rows.append((grow, None, marker, short))  # no run-in heading can be in it (_split_run_in's own checks)
        else:
            split = _split_run_in(grow, settings, text)
            if len(split) == 1 and split[0][0] is grow:
                rows.append((grow, split[0][1], marker, short))
                if split[0][1]:
                    full.add(split[0][1])
            else:
                for part, h in split:
                    part_key = label_key(part.text)
                    rows.append((part, h, _marker_in(part_key), SHORT_HEADINGS.get(part_key)))
                    if h:
                        full.add(h)
    lines: list[Line] = []
    section: str | None = None
    for i, (grow, heading, marker_in, short) in enumerate(rows):
        if heading is None and marker_in is None and short is None:
            lines.append(Line(i, grow, section))  # (most rows: no heading, no header markers)
            continue
        line = Line(i, grow)
        if heading is None:
            # a table's header row: its key holds the section's header markers, it has several
            # cells (one cell is no header row) and none of them is a value
            marker = (
                marker_in
                if marker_in is not None
                and len(grow.cells) > 1
                and not any(c.text.strip() and is_value_token(c.text) for c in grow.cells)
                else None
            )
            if marker and marker != section:
                # a table's header row where its heading is missing: the row itself is read as
                # the table's header, so it belongs to the section it opens
                section = marker
                line.note("header row opens the table")
            if short and len(grow.cells) <= max_cells and short not in full:
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
