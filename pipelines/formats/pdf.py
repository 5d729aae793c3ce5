"""PDFs with a text layer: table cells from ruling lines, other text as gap-split lines.

Tables drawn with ruling lines become positional rows: every cell box is a cell, an
empty box is a blank cell, a merged box is one cell (pdfplumber reports the covered
positions as None and we drop them). Text outside the tables becomes lines ordered by
their position on the page, split into cells at wide horizontal gaps.
"""

from __future__ import annotations

import bisect
import ctypes
import itertools
import re
import struct
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from statistics import median
from typing import Any

import pypdfium2.raw as pdfium_c

from ..grid import Cell, Grid, GridRow, is_page_mark, is_value_token
from ..limits import MAX_PDF_PAGE_OBJECTS, MAX_PDF_PAGES, MAX_PDF_STREAM_BYTES
from ..model import ParseError
from .pdf_streams import PDFLimit, _inflate, check_streams

_LINE_TOLERANCE = 3.0  # points: words whose tops differ less are on one line
_VALUE_COL0 = 64  # grid column of the first value column of an unruled table


def _word_lines(words: list[dict]) -> list[list[dict]]:
    """Words grouped into printed lines: a word joins the line its vertical extent overlaps by
    at least half its height (digits set in a Latin fallback font sit a few points lower than
    the CJK glyphs beside them: by their tops alone "2022" would fall onto a line of its own)."""
    lines: list[list[dict]] = []
    spans: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        top, bottom = w["top"], w["bottom"]
        if lines:
            lo, hi = spans[-1]
            overlap = min(hi, bottom) - max(lo, top)
            if abs(lo - top) <= _LINE_TOLERANCE or overlap >= 0.5 * min(bottom - top, hi - lo):
                lines[-1].append(w)
                spans[-1] = (min(lo, top), max(hi, bottom))
                continue
        lines.append([w])
        spans.append((top, bottom))
    for line in lines:
        line.sort(key=lambda w: w["x0"])
    return lines


@dataclass
class _Field:
    text: str
    x0: float
    x1: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


@dataclass
class _Line:
    top: float
    bottom: float
    fields: list[_Field]
    char_w: float
    no: int
    words: list[_Field]

    @cached_property  # (asked again and again while zones are found; a line's fields do not change)
    def values(self) -> list[_Field]:
        return [f for f in self.fields if f.text.strip() and is_value_token(f.text)]


def _fields(line: list[dict]) -> tuple[list[_Field], float]:
    """A line's words grouped into fields: a gap wider than two characters splits fields, and so
    does any gap between two numbers (numbers of two narrow adjacent cells, "13" and "40", stand
    closer than two characters; joined they would read 1340)."""
    char_w = median((w["x1"] - w["x0"]) / max(len(w["text"]), 1) for w in line)
    groups: list[list[dict]] = [[line[0]]]
    for w in line[1:]:
        prev = groups[-1][-1]["text"]
        if w["x0"] - groups[-1][-1]["x1"] > 2.0 * char_w or (prev[-1:].isdigit() and w["text"][:1].isdigit()):
            groups.append([w])
        else:
            groups[-1].append(w)
    return [_Field("".join(w["text"] for w in g), g[0]["x0"], g[-1]["x1"]) for g in groups], char_w


def _text_lines(
    words: list[dict], page_no: int, where: str = "", carry: list[list[float]] | None = None
) -> list[tuple[float, GridRow]]:
    """Words outside ruled tables as rows ordered by position.

    Lines are split into fields at wide gaps (non-positional rows). Where the numbers of
    consecutive lines stand in the same columns (an unruled table), those lines become
    positional rows with one cell per proven column, so that a blank cell is an empty cell
    instead of a value missing from an unknown place; see `_unruled_rows`.
    """
    raw = _word_lines(words)
    lines: list[_Line] = []
    for i, line in enumerate(raw, start=1):
        fields, char_w = _fields(line)
        words_ = [_Field(w["text"], w["x0"], w["x1"]) for w in line]
        lines.append(_Line(min(w["top"] for w in line), max(w["bottom"] for w in line), fields, char_w, i, words_))
    # Page marks ("- 4 -", "第4页", "4/5") on the first or last line of the page are no content.
    for edge in (0, -1):
        if (
            lines
            and len(lines) > 1
            and len(lines[edge].fields) == 1
            and _is_edge_page_mark(lines[edge].fields[0].text)
            and not _continues_body(lines, edge)
        ):
            lines.pop(edge)
    return _unruled_rows(lines, f"page {page_no}{where}", carry)


def _unruled_rows(lines: list[_Line], page: str, carry: list[list[float]] | None = None) -> list[tuple[float, GridRow]]:
    """`carry` holds the columns of the previous page's last unruled table: a table continued on
    this page without its header (a column left blank all page long, as 2019's 总计 often is,
    proves no column of its own here) keeps them where its columns are a part of them."""
    zones = _zones(lines)
    if carry and carry[0] and zones:
        members, clusters, tol = zones[0]
        prev = carry[0]
        if len(prev) > len(clusters) and _fits(clusters, prev, tol):
            zones[0] = (members, prev, tol)
    if carry is not None and zones:
        carry[:] = [zones[-1][1]]
    zone_of: dict[int, tuple[list[float], float]] = {}
    for members, clusters, tol in zones:
        zone = (clusters, tol)  # one object per zone: lines of a zone share it
        for ln in members:
            zone_of[ln.no] = zone
    attached = _attach_labels(lines, zone_of)
    out: list[tuple[float, GridRow]] = []
    for ln in lines:
        if ln.no in attached.taken:
            continue
        src = f"{page} line {ln.no}"
        row = None
        if ln.no in zone_of:
            clusters, tol = zone_of[ln.no]
            extra = attached.labels.get(ln.no, [])
            row = _positional(ln, extra, clusters, tol, src)
        if row is None:
            cells = [Cell(f.text, j, f"{src} x={f.x0:.0f}") for j, f in enumerate(ln.fields)]
            row = GridRow(cells, positional=False, source=src)
        out.append((ln.top, row))
    return out


def _match_cluster(f: _Field, clusters: list[float], tol: float) -> int | None:
    """The one column a field stands in: centred on it, covering no other column's centre."""
    hits = [j for j, c in enumerate(clusters) if abs(f.centre - c) <= tol]
    if len(hits) != 1:
        return None
    j = hits[0]
    if any(f.x0 < c < f.x1 for k, c in enumerate(clusters) if k != j):
        return None
    return j


def _zones(lines: list[_Line]) -> list[tuple[list[_Line], list[float], float]]:
    """Runs of lines whose numbers stand in one set of columns.

    A run's columns are the value centres of its fullest line; every other value line of the
    run must have all its values on those columns (one value per column), otherwise the run
    ends there. Runs need at least two value lines and two columns' evidence to count.
    """
    zones: list[tuple[list[_Line], list[float], float]] = []
    current: list[_Line] = []
    clusters: list[float] = []
    tol = 0.0

    def close() -> None:
        vals = [ln for ln in current if ln.values]
        if not vals or not clusters:
            return
        cols, confirmed = _header_columns(current, clusters, tol)
        if len(vals) >= 2 or confirmed:
            zones.append((list(current), cols, tol))

    for ln in lines:
        vals = ln.values
        if not vals:
            current.append(ln)
            continue
        centres = sorted(f.centre for f in vals)
        t = max(3.0, 0.6 * ln.char_w)
        if current and _fits(centres, clusters, tol):
            current.append(ln)
            continue
        if (
            current
            and _fits(clusters, centres, t)
            and len(centres) > len(clusters)
            and all(_fits(sorted(f.centre for f in m.values), centres, t) for m in current if m.values)
        ):
            clusters, tol = centres, t  # a fuller line: its columns include all seen so far
            current.append(ln)
            continue
        # trailing label-only lines belong to the next table as much as to this one: split there
        tail: list[_Line] = []
        while current and not current[-1].values:
            tail.insert(0, current.pop())
        close()
        current, clusters, tol = [*tail, ln], centres, t
    close()
    # label-only lines at a zone's ends stay in it (headers above, labels below)
    return zones


def _header_columns(lines: list[_Line], clusters: list[float], tol: float) -> tuple[list[float], bool]:
    """The zone's value columns plus columns that only header words prove (a column left blank).

    A header word counts when it is narrower than the column pitch (not a spanning header)
    and stands one pitch (±20%) from a known column; `confirmed` when every value column
    also has a header word centred on it.
    """
    if len(clusters) < 2:
        return clusters, False
    pitch = min(b - a for a, b in itertools.pairwise(clusters))
    heads = sorted(
        w.centre
        for ln in lines
        if not ln.values
        for w in ln.words
        if not is_value_token(w.text) and w.x1 - w.x0 < pitch
    )
    cols = list(clusters)
    confirmed = all(any(abs(h - c) <= tol for h in heads) for c in clusters)
    changed = True
    while changed:
        changed = False
        for h in heads:
            if any(abs(h - c) <= tol for c in cols):
                continue
            near = min(abs(h - c) for c in cols)
            if 0.8 * pitch <= near <= 1.2 * pitch and all(abs(h - c) >= 0.8 * pitch for c in cols):
                cols.append(h)
                cols.sort()
                changed = True
    return cols, confirmed


def _fits(centres: list[float], clusters: list[float], tol: float) -> bool:
    if len(centres) > len(clusters):
        return False
    used: set[int] = set()
    for c in centres:
        hits = [j for j, k in enumerate(clusters) if abs(c - k) <= tol]
        if len(hits) != 1 or hits[0] in used:
            return False
        used.add(hits[0])
    return True


@dataclass
class _Attached:
    labels: dict[int, list[_Line]]  # value line → label-only lines that belong to its row
    taken: set[int]


def _attach_labels(lines: list[_Line], zone_of: dict[int, tuple[list[float], float]]) -> _Attached:
    """Label-only lines of a wrapped label joined to the value line of their row.

    In a table without lines a label that wraps prints above and below its row's numbers.
    A label line joins a value line only at line pitch: directly above or below it (or
    above/below a line already joined) at most 1.5 line heights apart, all its text left of
    the value columns. A line within reach of two value lines stays a row of its own; a
    row's own label farther away is lost rather than guessed (the aligner then reports
    the row unreadable).
    """
    claims: dict[int, list[int]] = {}
    by_no = {ln.no: ln for ln in lines}
    idx = {ln.no: i for i, ln in enumerate(lines)}

    def attachable(ln: _Line, zone: tuple[list[float], float]) -> bool:
        if ln.values or zone_of.get(ln.no) is not zone:
            return False
        left_edge = zone[0][0] - _half_gap(zone[0])
        return all(f.x1 <= left_edge for f in ln.fields)

    for v in lines:
        zone = zone_of.get(v.no)
        if zone is None or not v.values:
            continue
        for step in (-1, 1):
            prev, i = v, idx[v.no] + step
            while 0 <= i < len(lines):
                ln = lines[i]
                h = max(ln.bottom - ln.top, prev.bottom - prev.top, 1.0)
                if not attachable(ln, zone) or abs(ln.top - prev.top) > 1.5 * h:
                    break
                claims.setdefault(ln.no, []).append(v.no)
                prev, i = ln, i + step
    out = _Attached({}, set())
    for no, owners in claims.items():
        if len(owners) == 1:
            out.labels.setdefault(owners[0], []).append(by_no[no])
            out.taken.add(no)
    return out


def _half_gap(clusters: list[float]) -> float:
    gaps = [b - a for a, b in itertools.pairwise(clusters)]
    return (min(gaps) if gaps else 40.0) / 2


def _positional(ln: _Line, extra: list[_Line], clusters: list[float], tol: float, src: str) -> GridRow | None:
    """A line as a positional row: label cells, then one cell per column (empty where no text)."""
    left_edge = clusters[0] - _half_gap(clusters)
    label_fields = [f for f in ln.fields if f.x1 <= left_edge]
    col_fields = [f for f in ln.fields if f.x1 > left_edge]
    if not col_fields:
        return None  # a label-only line proves nothing about blanks
    if any(not is_value_token(f.text) for f in col_fields):
        return None  # words in the value columns (a header's, a wrapped label's): no row of values
    slots: list[_Field | None] = [None] * len(clusters)
    for f in col_fields:
        j = _match_cluster(f, clusters, tol)
        if j is None or slots[j] is not None or f.x0 < left_edge - tol:
            return None
        slots[j] = f
    # wrapped labels: fragments above and below joined to the fragment in the same column
    frags = sorted(
        [(m.top, f) for m in extra for f in m.fields] + [(ln.top, f) for f in label_fields], key=lambda tf: tf[0]
    )
    columns: list[list[tuple[float, _Field]]] = []
    for top, f in frags:
        for col in columns:
            if abs(col[0][1].x0 - f.x0) <= 2.0:
                col.append((top, f))
                break
        else:
            columns.append([(top, f)])
    columns.sort(key=lambda col: col[0][1].x0)
    cells = [Cell("\n".join(f.text for _, f in col), j, f"{src} x={col[0][1].x0:.0f}") for j, col in enumerate(columns)]
    for j, slot in enumerate(slots):  # value columns at fixed grid columns, whatever the labels
        cells.append(Cell(slot.text if slot else "", _VALUE_COL0 + j, f"{src} col {j + 1} x={clusters[j]:.0f}"))
    return GridRow(cells, positional=True, source=f"{src} (columns from word positions)")


def _table_rows(
    table,
    extracted: list[list[str | None]],
    page_no: int,
    t_no: int,
    not_cells: list[tuple[float, float, float, float]],
) -> list[tuple[float, GridRow]]:
    """A ruled table's rows: one cell per box, a merged box once with the columns it spans. A box
    holding several rows of numbers is no cell (a page's layout box around a table whose own
    lines are not drawn): it is left out and its box added to `not_cells`, read as text lines."""
    lefts = sorted({round(c[0], 1) for c in table.cells})
    capacity = _digits_per_line(extracted)
    out = []
    for r_no, (row, texts) in enumerate(zip(table.rows, extracted, strict=False), start=1):
        src = f"page {page_no} table {t_no} row {r_no}"
        cells = []
        for c, box in enumerate(row.cells):
            if box is None:
                continue  # covered by a merged box
            if _holds_rows(texts[c] or ""):
                not_cells.append(box)
                continue
            span = max(1, bisect.bisect_left(lefts, box[2] - 0.5) - bisect.bisect_left(lefts, box[0] - 0.5))
            text = texts[c] or ""
            if _STACKED_DIGITS.match(text) and len(text.split()[0]) >= capacity.get(c, 0) > 0:
                text = re.sub(r"\s+", "", text)  # one number wrapped by its narrow box: "499" / "3" is 4993
            cells.append(Cell(text, c, f"{src} col {c + 1}", span))
        if any(c.text.strip() for c in cells) or len(cells) == len([b for b in row.cells if b is not None]):
            out.append((row.bbox[1], GridRow(cells, positional=True, source=src)))
    return out


def _holds_rows(text: str) -> bool:
    """Two or more lines of several numbers each: rows of a table, not one cell's text."""
    lines = text.splitlines()
    if len(lines) < 2:
        return False
    return sum(1 for ln in lines if sum(1 for t in ln.split() if is_value_token(t)) >= 2) >= 2


# A box's text of digit lines only ("１２" / "４"): one number wrapped, or two numbers stacked.
_STACKED_DIGITS = re.compile(r"^\s*[\d０-９]+(?:\s*\n\s*[\d０-９]+)+\s*$")
_MIN_DIGIT_CELLS = 3
_DIGITS = re.compile(r"[\d０-９]+")


def _digits_per_line(extracted: list[list[str | None]]) -> dict[int, int]:
    """Per column of a ruled table, the most digits its boxes print on one line, where at least
    three boxes print digits. A box whose first line holds that many digits ran out of room
    there: its digit lines are one wrapped number. A first line shorter than that had room
    beside it: its lines are two numbers (a ruling line missing between two rows), not joined."""
    lines: dict[int, list[int]] = {}
    for texts in extracted:
        for c, text in enumerate(texts):
            parts = (text or "").split()
            if parts and all(_DIGITS.fullmatch(p) for p in parts):
                lines.setdefault(c, []).append(max(len(p) for p in parts))
    return {c: max(n) for c, n in lines.items() if len(n) >= _MIN_DIGIT_CELLS}


# Word extraction: a gap wider than a fifth of the font size separates words, so that numbers in
# two narrow adjacent cells ("13" | "40") do not run together into "1340"; glyphs of one number
# or one word stand closer. Cell text: lines by vertical overlap, as above.
_WORDS: dict[str, Any] = {"x_tolerance_ratio": 0.2}
_CELL_TEXT: dict[str, Any] = {"x_tolerance_ratio": 0.2, "y_tolerance": 4}
# A ruled "table" with this few columns is page layout (a box around the narrative, a site's
# container with horizontal rules only), not a table of the report: its text is read as lines.
_MIN_TABLE_COLUMNS = 3


def _is_table(table) -> bool:
    return max((sum(1 for c in row.cells if c is not None) for row in table.rows), default=0) >= _MIN_TABLE_COLUMNS


def _clip(
    bbox: tuple[float, float, float, float], page: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    """A table's box inside the page (a site's search field drawn past the page edge is found as a
    table reaching beyond it)."""
    return (max(bbox[0], page[0]), max(bbox[1], page[1]), min(bbox[2], page[2]), min(bbox[3], page[3]))


# CJK radicals that some PDF producers (Chromium with Noto/Source Han fonts) write for ordinary
# characters: "⼯作" for 工作, "⺠" for 民. NFKC maps the Kangxi radicals (U+2F00-U+2FD5); these
# from the CJK Radicals Supplement it does not (Unicode's EquivalentUnifiedIdeograph.txt).
_RADICALS = str.maketrans(
    {
        "⺁": "厂",
        "⺇": "几",
        "⺊": "卜",
        "⺌": "小",
        "⺒": "巳",
        "⺓": "幺",
        "⺛": "旡",
        "⺜": "日",
        "⺝": "月",
        "⺟": "母",
        "⺠": "民",
        "⺩": "王",
        "⺬": "示",
        "⺮": "竹",
        "⺯": "糸",
        "⺶": "羊",
        "⺼": "月",
        "⺽": "臼",
        "⻁": "虎",
        "⻄": "西",
        "⻅": "见",
        "⻆": "角",
        "⻇": "角",
        "⻉": "贝",
        "⻊": "足",
        "⻋": "车",
        "⻑": "長",
        "⻓": "长",
        "⻔": "门",
        "⻗": "雨",
        "⻘": "青",
        "⻙": "韦",
        "⻚": "页",
        "⻛": "风",
        "⻜": "飞",
        "⻝": "食",
        "⻢": "马",
        "⻣": "骨",
        "⻤": "鬼",
        "⻥": "鱼",
        "⻦": "鸟",
        "⻧": "卤",
        "⻨": "麦",
        "⻩": "黄",
        "⻪": "黾",
        "⻬": "齐",
        "⻮": "齿",
        "⻰": "龙",
        "⻳": "龟",
    }
)


def fold_radicals(text: str) -> str:
    """Radical code points read as the characters they stand for (Kangxi by NFKC, the rest by table)."""
    if not any("\u2e80" <= ch <= "\u2fdf" for ch in text):
        return text
    return "".join(unicodedata.normalize("NFKC", ch) if "\u2f00" <= ch <= "\u2fdf" else ch for ch in text).translate(
        _RADICALS
    )


def _continues_body(lines: list[_Line], edge: int) -> bool:
    """A bare number on a page's first or last line that stands in the column of the line next
    to it, at the page's own line pitch, is a value of a one-value-per-line column run across the
    page break; a page number stands apart (centred or at the margin, after a wider gap)."""
    if is_page_mark(lines[edge].fields[0].text):
        return False  # "- 4 -", "第4页", "4/5": a page mark whatever its place
    mark, near = (lines[0], lines[1]) if edge == 0 else (lines[-1], lines[-2])
    steps = sorted(b.top - a.top for a, b in itertools.pairwise(lines))
    pitch = steps[len(steps) // 2]  # the page's usual line pitch
    gap = abs(mark.top - near.top)
    return abs(mark.fields[0].x0 - near.fields[0].x0) < 2.0 and gap <= 1.25 * pitch


def _is_edge_page_mark(text: str) -> bool:
    """At a page's first or last line a bare number is a page number too, not only "- 4 -"."""
    return is_page_mark(text) or bool(re.fullmatch(r"\s*\d{1,3}\s*", text))


# ---------------------------------------------------------------- reading pages with pdfium
#
# pdfium (pypdfium2) parses the file and each page's content; per page we take the characters with
# their boxes (the text page) and the path objects (ruling lines), in the coordinates pdfplumber
# used before: x from the page's left edge, `top`/`bottom` from its top edge, after the page's
# /Rotate, a character's box as wide as its advance and as high as its font size from the font's
# descent (pdfminer's box; pdfium's "loose" box has the same left, right and bottom).

_GENERATED = frozenset(range(0x21)) | {0xFFFE, 0xFFFF}  # characters pdfium may add between words


@dataclass
class _PageContent:
    """What one page draws: characters and ruling-line edges as pdfplumber's dicts, and its box."""

    chars: list[dict]
    edges: list[_Edge]
    bbox: tuple[float, float, float, float]
    undecodable: int  # characters whose font maps them to no Unicode
    # Boxes (x0, top, x1, bottom) of the images it draws: a scanned page, a table pasted as a picture
    # are read by OCR (pipelines/ocr/mixed.py)
    images: list[tuple[float, float, float, float]] = field(default_factory=list)


def has_no_text_layer(page: _PageContent) -> bool:
    """A page that prints no character (a scanned image, or blank): where OCR would come in."""
    return not page.chars


class _Placement:
    """Page space (PDF user space, /Rotate not applied) to pdfplumber's coordinates."""

    def __init__(self, mediabox: tuple[float, float, float, float], rotation: int) -> None:
        x0, y0, x1, y1 = mediabox
        # pdfminer's page matrix for /Rotate (its coordinates are relative to the media box)
        self.m = {
            90: (0.0, -1.0, 1.0, 0.0, -y0, x1),
            180: (-1.0, 0.0, 0.0, -1.0, x1, y1),
            270: (0.0, 1.0, -1.0, 0.0, y1, -x0),
        }.get(rotation, (1.0, 0.0, 0.0, 1.0, -x0, -y0))
        nx0, nx1 = sorted((x0, x1))
        ny0, ny1 = sorted((y0, y1))
        if rotation in (90, 270):
            nx0, ny0, nx1, ny1 = ny0, nx0, ny1, nx1
        self.height = ny1 - ny0
        self.left = nx0  # pdfplumber adds the media box's origin back
        self.top0 = self.height - ny1
        self.bbox = (nx0, self.top0, nx1, self.top0 + self.height)

    def point(self, x: float, y: float) -> tuple[float, float]:
        """(x, top) of a point."""
        a, b, c, d, e, f = self.m
        return a * x + c * y + e + self.left, self.height - (b * x + d * y + f) + self.top0


def _read_page(doc, index: int, page_no: int, stated: dict[bytes, float]) -> _PageContent | None:  # type: ignore[no-untyped-def]
    """The page's characters and edges; None when pdfium cannot load the page."""
    page = pdfium_c.FPDF_LoadPage(doc, index)
    if not page:
        return None
    try:
        box = (ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float())
        if not pdfium_c.FPDFPage_GetMediaBox(page, *(ctypes.byref(v) for v in box)):
            width, height = pdfium_c.FPDF_GetPageWidthF(page), pdfium_c.FPDF_GetPageHeightF(page)
            if pdfium_c.FPDFPage_GetRotation(page) % 2:
                width, height = height, width  # pdfium's page size is the size as displayed
            mediabox = (0.0, 0.0, float(width), float(height))  # an inherited or missing box
        else:
            mediabox = tuple(float(v.value) for v in box)  # type: ignore[assignment]
        rotation = (pdfium_c.FPDFPage_GetRotation(page) % 4) * 90
        place = _Placement(mediabox, rotation)  # type: ignore[arg-type]
        images: list[tuple[float, float, float, float]] = []
        text_page = pdfium_c.FPDFText_LoadPage(page)
        if not text_page:
            edges, _ = _edges(page, place, images)
            return _PageContent([], edges, place.bbox, 0, images)
        try:
            n = pdfium_c.FPDFText_CountChars(text_page)
            if n > MAX_PDF_PAGE_OBJECTS:
                raise _too_busy(page_no)
            # the characters first: the text objects they name need no type asked in the object walk
            chars, undecodable, text_objects = _chars(text_page, n, place, stated)
            edges, n_objects = _edges(page, place, images, text_objects)
            if n + n_objects > MAX_PDF_PAGE_OBJECTS:
                raise _too_busy(page_no)
        finally:
            pdfium_c.FPDFText_ClosePage(text_page)
        return _PageContent(chars, edges, place.bbox, undecodable, images)
    finally:
        pdfium_c.FPDF_ClosePage(page)


def _too_busy(page_no: int) -> PDFLimit:
    return PDFLimit(
        f"PDF page {page_no} draws more than {MAX_PDF_PAGE_OBJECTS:,} characters, lines "
        "and images (limits.MAX_PDF_PAGE_OBJECTS; a dense page has ~5,000): not read"
    )


def _fast(name: str, restype: Any = ctypes.c_int) -> Any:
    """pdfium's function `name` called without ctypes' argument conversion (handles and byref()s
    are passed as they are, ints as C ints), returning `restype`: about half the cost of a call
    through pypdfium2.raw, which counts when it is made for every character or path segment."""
    address = ctypes.cast(getattr(pdfium_c, name), ctypes.c_void_p).value
    fn: Any = ctypes.CFUNCTYPE(restype)(address or 0)  # a function object of its own: pypdfium2.raw's keeps its types
    fn.argtypes = None
    return fn


_GetUnicode = _fast("FPDFText_GetUnicode", ctypes.c_uint)
_IsGenerated = _fast("FPDFText_IsGenerated")
_HasUnicodeMapError = _fast("FPDFText_HasUnicodeMapError")
_GetLooseCharBox = _fast("FPDFText_GetLooseCharBox")
_GetTextObject = _fast("FPDFText_GetTextObject", ctypes.c_void_p)
_GetCharOrigin = _fast("FPDFText_GetCharOrigin")
_GetMatrix = _fast("FPDFText_GetMatrix")
_GetFontSize = _fast("FPDFText_GetFontSize", ctypes.c_double)
_TextObj_GetFont = _fast("FPDFTextObj_GetFont", ctypes.c_void_p)
_Font_GetBaseFontName = _fast("FPDFFont_GetBaseFontName", ctypes.c_size_t)


def _chars(text_page, n: int, place: _Placement, stated: dict[bytes, float]) -> tuple[list[dict], int, Any]:  # type: ignore[no-untyped-def]
    """The page's characters as pdfplumber's dicts, how many have no Unicode, and the text objects
    they belong to (handles).

    What pdfium keeps per text object (the character's matrix, its font and font size: every
    character of a text object shares its object's) is read once per text object; per character
    only its code, its box and its object are asked for."""
    rect = pdfium_c.FS_RECTF()
    matrix = pdfium_c.FS_MATRIX()
    ra, rb, rc, rd, re_, rf = place.m
    left, height, top0 = place.left, place.height, place.top0
    rect_ref, matrix_ref = ctypes.byref(rect), ctypes.byref(matrix)
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    origin_x_ref, origin_y_ref = ctypes.byref(origin_x), ctypes.byref(origin_y)
    unicode_of, generated, map_error = _GetUnicode, _IsGenerated, _HasUnicodeMapError
    loose_box, text_object = _GetLooseCharBox, _GetTextObject
    on_baseline: dict[int, bool] = {}  # font → whether its characters stand on the baseline
    # text object → (upright, the font size in page space (upright characters), on the baseline)
    of_object: dict[int | None, tuple[bool, float, bool]] = {}
    chars: list[dict] = []
    append = chars.append
    undecodable = 0
    for i in range(n):
        u = unicode_of(text_page, i)
        if u in _GENERATED and generated(text_page, i):
            # pdfium's own spaces and line ends (a space glyph it also writes as its own: such a
            # space's width is the gap between two words, wider than the word gap of _WORDS)
            continue
        if map_error(text_page, i) == 1:
            text = "(cid:0)"
            undecodable += 1
        elif 0x2E80 <= u <= 0x2FDF:
            text = fold_radicals(chr(u))
        else:
            text = chr(u) if u else ""
        loose_box(text_page, i, rect_ref)
        obj = text_object(text_page, i)
        known = of_object.get(obj) if obj else None
        if known is None:
            _GetMatrix(text_page, i, matrix_ref)
            a, b, c, d = matrix.a, matrix.b, matrix.c, matrix.d
            a2, b2 = a * ra + b * rc, a * rb + b * rd
            c2, d2 = c * ra + d * rc, c * rb + d * rd
            upright = a2 * d2 > 0 and b2 * c2 <= 0
            size = 0.0
            if upright:
                size = _GetFontSize(text_page, i) * (abs(d2) if b2 == 0 and c2 == 0 else (c2 * c2 + d2 * d2) ** 0.5)
            font = _TextObj_GetFont(ctypes.c_void_p(obj)) if obj else None
            key = font or 0
            baseline = on_baseline.get(key)
            if baseline is None:
                baseline = on_baseline[key] = _on_baseline(font, stated)
            known = (upright, size, baseline)
            if obj:
                of_object[obj] = known
        upright, size, baseline = known
        if baseline:
            _GetCharOrigin(text_page, i, origin_x_ref, origin_y_ref)
            lx, by = origin_x.value, origin_y.value
        else:
            lx, by = rect.left, rect.bottom
        rx, ty = rect.right, rect.top
        # place.point of the box's corners
        p_x = ra * lx + rc * by + re_ + left
        p_top = height - (rb * lx + rd * by + rf) + top0
        q_x = ra * rx + rc * ty + re_ + left
        q_top = height - (rb * rx + rd * ty + rf) + top0
        x0, x1 = (p_x, q_x) if p_x <= q_x else (q_x, p_x)
        top, bottom = (p_top, q_top) if p_top <= q_top else (q_top, p_top)
        if upright:
            top = bottom - size
        else:
            size = bottom - top
        append(
            {
                "text": text,
                "x0": x0,
                "x1": x1,
                "top": top,
                "bottom": bottom,
                "doctop": top,
                "width": x1 - x0,
                "height": bottom - top,
                "size": size,
                "upright": upright,
            }
        )
    return chars, undecodable, of_object.keys()


_FONT_NAME = re.compile(rb"/FontName\s*/([^\s/<>\[\]()]+)")
_DESCENT = re.compile(rb"/Descent\s+(-?\d*\.?\d+)")
_OBJECT_STREAM = re.compile(rb"/Type\s*/ObjStm[^>]*>>\s*stream\r?\n")


def descriptor_descents(data: bytes) -> dict[bytes, float]:
    """Font name → the /Descent its font descriptor states (per 1000 units of font size), found in
    the file's bytes and object streams. pdfminer's character box hangs from this value (0 when
    the descriptor says 0, as LibreOffice writes); pdfium's font descent falls back to the font
    program's own, so the stated value is taken from the file."""
    parts = [data]
    if b"/ObjStm" in data:
        for m in _OBJECT_STREAM.finditer(data):
            end = data.find(b"endstream", m.end())
            if end > 0:
                parts.append(_inflate(data[m.end() : end], MAX_PDF_STREAM_BYTES))
    out: dict[bytes, float] = {}
    for part in parts:
        for m in _FONT_NAME.finditer(part):
            window = part[max(0, m.start() - 600) : m.end() + 600]
            at = m.start() - max(0, m.start() - 600)
            lo = max(window.rfind(b"obj", 0, at), window.rfind(b"/FontName", 0, at))
            hi = min(i for i in (window.find(b"endobj", at), window.find(b"/FontName", at + 9), len(window)) if i >= 0)
            d = _DESCENT.search(window, max(lo, 0), hi)
            if d is not None:
                name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda h: bytes([int(h.group(1), 16)]), m.group(1))
                out.setdefault(name, float(d.group(1)))
                out.setdefault(name.partition(b"+")[2] or name, float(d.group(1)))  # pdfium drops "ABCDEF+"
    return out


def _on_baseline(font: int | None, stated: dict[bytes, float]) -> bool:
    """Whether pdfminer hung this font's characters from the baseline (a descent of 0) where
    pdfium's loose box hangs them from the font program's descent: a Type 3 font (pdfminer reads
    the descent from the descriptor's /FontBBox, which Chrome's fonts lack; a Type 3 font has no
    /BaseFont) or a descriptor stating /Descent 0 (LibreOffice's). Otherwise both take the
    descriptor's /Descent."""
    if not font:
        return False
    handle = ctypes.c_void_p(font)
    size = _Font_GetBaseFontName(handle, None, ctypes.c_size_t(0))
    if size <= 1:
        return True
    buffer = ctypes.create_string_buffer(size)
    _Font_GetBaseFontName(handle, buffer, ctypes.c_size_t(size))
    name = buffer.value
    value = stated.get(name)
    if value is None:
        value = next((v for known, v in stated.items() if name.startswith(known)), None)  # "…-Identity-H"
    return value == 0


# pdfium's segment types (fpdf_edit.h: LINETO 0, BEZIERTO 1, MOVETO 2), taken from pypdfium2 itself: a
# move inside a path starts a new subpath (a grid drawn as one path), a curve keeps its end point
# only, any other segment is a line
_SEGMENT_BEZIER = pdfium_c.FPDF_SEGMENT_BEZIERTO
_SEGMENT_MOVE = pdfium_c.FPDF_SEGMENT_MOVETO
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _times(m: tuple[float, ...], n: tuple[float, ...]) -> tuple[float, float, float, float, float, float]:
    """m then n (row-vector matrices, as in PDF)."""
    return (
        m[0] * n[0] + m[1] * n[2],
        m[0] * n[1] + m[1] * n[3],
        m[2] * n[0] + m[3] * n[2],
        m[2] * n[1] + m[3] * n[3],
        m[4] * n[0] + m[5] * n[2] + n[4],
        m[4] * n[1] + m[5] * n[3] + n[5],
    )


_Page_GetObject = _fast("FPDFPage_GetObject", ctypes.c_void_p)  # an address (int), as text objects are named
_FormObj_GetObject = _fast("FPDFFormObj_GetObject", ctypes.c_void_p)
_FormObj_CountObjects = _fast("FPDFFormObj_CountObjects")
_PageObj_GetType = _fast("FPDFPageObj_GetType")
_PageObj_GetMatrix = _fast("FPDFPageObj_GetMatrix")
_Path_CountSegments = _fast("FPDFPath_CountSegments")
_Path_GetPathSegment = _fast("FPDFPath_GetPathSegment", pdfium_c.FPDF_PATHSEGMENT)
_PathSegment_GetPoint = _fast("FPDFPathSegment_GetPoint")
_PathSegment_GetType = _fast("FPDFPathSegment_GetType")
_PathSegment_GetClose = _fast("FPDFPathSegment_GetClose")
_OBJ_TEXT, _OBJ_PATH, _OBJ_IMAGE = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE
_OBJ_FORM = pdfium_c.FPDF_PAGEOBJ_FORM


def _edges(
    page,  # type: ignore[no-untyped-def]
    place: _Placement,
    images: list[tuple[float, float, float, float]] | None = None,
    text_objects: Any = (),
) -> tuple[list[_Edge], int]:
    """Edges of the page's paths as pdfplumber makes them from pdfminer's lines, rectangles and
    curves; and the number of objects the page draws (paths, images, forms' contents). The boxes of
    its images go into `images`. `text_objects` (handles) are known text objects: skipped without
    asking their type (a browser prints every character as a text object of its own)."""
    edges: list[_Edge] = []
    matrix = pdfium_c.FS_MATRIX()
    matrix_ref = ctypes.byref(matrix)
    get_type = _PageObj_GetType
    left, height, top0 = place.left, place.height, place.top0
    n_objects = 0
    todo: list[tuple[object, int, tuple[float, ...], bool]] = [
        (page, pdfium_c.FPDFPage_CountObjects(page), _IDENTITY, False)
    ]
    while todo:
        parent, count, outer, is_form = todo.pop()
        for k in range(count):
            address = _FormObj_GetObject(parent, k) if is_form else _Page_GetObject(parent, k)
            if address in text_objects:
                continue  # a text object: its characters are counted from the text page
            obj = ctypes.c_void_p(address)
            kind = get_type(obj)
            if kind == _OBJ_TEXT:
                continue  # its characters are counted from the text page
            n_objects += 1
            if n_objects > MAX_PDF_PAGE_OBJECTS:
                return edges, n_objects
            if kind not in (_OBJ_PATH, _OBJ_FORM, _OBJ_IMAGE):
                continue
            _PageObj_GetMatrix(obj, matrix_ref)
            m = _times((matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f), outer)
            if kind == _OBJ_IMAGE:
                if images is not None:  # an image fills the unit square its matrix maps onto the page
                    m = _times(m, place.m)
                    corners = [
                        (
                            m[0] * u + m[2] * v + m[4] + place.left,
                            place.height - (m[1] * u + m[3] * v + m[5]) + place.top0,
                        )
                        for u, v in ((0, 0), (1, 0), (0, 1), (1, 1))
                    ]
                    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
                    images.append((min(xs), min(ys), max(xs), max(ys)))
                continue
            if kind == _OBJ_FORM:
                todo.append((obj, _FormObj_CountObjects(obj), m, True))
                continue
            m = _times(m, place.m)
            subpaths: list[tuple[str, list[tuple[float, float]]]] = []
            pts: list[tuple[float, float]]
            ops, pts = "", []
            beziers = 0
            m0, m1, m2, m3, m4, m5 = m
            for px, py, kind_j, closes in _path_segments(obj, _Path_CountSegments(obj)):
                pt = (m0 * px + m2 * py + m4 + left, height - (m1 * px + m3 * py + m5) + top0)
                if kind_j == _SEGMENT_MOVE or not ops:
                    if ops:
                        subpaths.append((ops, pts))
                    ops, pts, beziers = "m", [pt], 0
                elif kind_j == _SEGMENT_BEZIER:
                    beziers += 1
                    if beziers % 3:
                        continue  # pdfminer keeps a curve's end point only
                    ops += "c"
                    pts.append(pt)
                else:
                    ops += "l"
                    pts.append(pt)
                if closes:
                    ops += "h"
                    pts.append(pts[0])
            if ops:
                subpaths.append((ops, pts))
            for ops, pts in subpaths:
                edges.extend(_path_edges(ops, pts))
    return edges, n_objects


# pdfium keeps a path's points in one array of CFX_Path::Point {float x, y; uint8 type; bool close}, the
# segments FPDFPath_GetPathSegment points to: read at once instead of three calls per segment, once
# the array is seen whole (its last segment where the size says) and, in each process, its first
# path read both ways gave the same segments (otherwise the calls are made for every path).
_POINT = struct.Struct("=ffBB2x")
_RAW_POINTS: list[bool | None] = [None]  # whether reading the array gives what the calls give
_Path_SegmentAddress = _fast("FPDFPath_GetPathSegment", ctypes.c_void_p)


def _path_segments(obj: Any, count: int) -> list[tuple[float, float, int, int]]:
    """The path's segments: (x, y, FPDF_SEGMENT_* type, whether it closes the subpath)."""
    if count > 1 and _RAW_POINTS[0] is not False:
        first, last = _Path_SegmentAddress(obj, 0), _Path_SegmentAddress(obj, count - 1)
        if first and last and last - first == (count - 1) * _POINT.size:
            segments = list(_POINT.iter_unpack(ctypes.string_at(first, count * _POINT.size)))
            if _RAW_POINTS[0]:
                return segments
            _RAW_POINTS[0] = segments == _called_segments(obj, count)
            if _RAW_POINTS[0]:
                return segments
    return _called_segments(obj, count)


def _called_segments(obj: Any, count: int) -> list[tuple[float, float, int, int]]:
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    out = []
    for j in range(count):
        seg = _Path_GetPathSegment(obj, j)
        _PathSegment_GetPoint(seg, x_ref, y_ref)
        out.append((x.value, y.value, _PathSegment_GetType(seg), _PathSegment_GetClose(seg)))
    return out


def _path_edges(ops: str, pts: list[tuple[float, float]]) -> list[_Edge]:
    """pdfplumber's edges of one subpath: a single segment is a line (horizontal when level,
    otherwise "vertical"); anything else gives an edge per pair of consecutive points."""
    pairs: list[tuple[tuple[float, float], tuple[float, float], str | None]]
    if ops in ("ml", "mlh"):
        (ax, at), (bx, bt) = pts[0], pts[1]
        pairs = [((ax, at), (bx, bt), "h" if at == bt else "v")]
    else:
        pairs = [(p, q, "v" if p[0] == q[0] else ("h" if p[1] == q[1] else None)) for p, q in itertools.pairwise(pts)]
    out = []
    for p, q, orientation in pairs:
        x0, x1 = (p[0] if p[0] <= q[0] else q[0]), (p[0] if p[0] >= q[0] else q[0])  # min, max
        top, bottom = (p[1] if p[1] <= q[1] else q[1]), (p[1] if p[1] >= q[1] else q[1])
        out.append((x0, top, x1, bottom, x1 - x0, bottom - top, orientation))
    return out


def _outside(chars: list[dict], boxes: list[tuple[float, float, float, float]]) -> list[dict]:
    """Characters wholly outside every box (pdfplumber's outside_bbox)."""
    if not boxes:
        return chars
    ux0, utop = min(b[0] for b in boxes), min(b[1] for b in boxes)
    ux1, ubottom = max(b[2] for b in boxes), max(b[3] for b in boxes)
    out = []
    for ch in chars:
        cx0, ctop, cx1, cbottom = ch["x0"], ch["top"], ch["x1"], ch["bottom"]
        if cx1 < ux0 or cx0 > ux1 or cbottom < utop or ctop > ubottom:
            out.append(ch)  # apart from every box
            continue
        for bx0, btop, bx1, bbottom in boxes:
            if cx1 < bx0 or cx0 > bx1 or cbottom < btop or ctop > bbottom:
                continue  # apart (the overlap below would be negative)
            # min(cx1, bx1) - max(cx0, bx0) and the same down, as min() and max() pick (NaN alike)
            w = (bx1 if bx1 < cx1 else cx1) - (bx0 if bx0 > cx0 else cx0)
            h = (bbottom if bbottom < cbottom else cbottom) - (btop if btop > ctop else ctop)
            if h >= 0 and w >= 0 and h + w > 0:
                break
        else:
            out.append(ch)
    return out


def _within(chars: list[dict], bbox: tuple[float, float, float, float]) -> list[dict]:
    """Characters wholly inside a box (pdfplumber's within_bbox)."""
    bx0, btop, bx1, bbottom = bbox
    return [
        ch
        for ch in chars
        if bx0 <= ch["x0"]
        and ch["x1"] <= bx1
        and btop <= ch["top"]
        and ch["bottom"] <= bbottom
        and (ch["x1"] - ch["x0"]) + (ch["bottom"] - ch["top"]) > 0
    ]


def read_pdf(data: bytes) -> Grid:
    if not data.lstrip()[:1024].count(b"%PDF"):
        raise ParseError("not a PDF file")
    check_streams(data)
    buffer = ctypes.create_string_buffer(data, len(data))
    doc = pdfium_c.FPDF_LoadMemDocument64(buffer, len(data), None)
    if not doc:
        error = pdfium_c.FPDF_GetLastError()
        if error == pdfium_c.FPDF_ERR_PASSWORD:
            raise ParseError("PDF is password-protected; cannot read it without the password")
        if error == pdfium_c.FPDF_ERR_SECURITY:
            raise ParseError("PDF is encrypted with an unsupported security handler; cannot read it")
        raise ParseError(f"PDF is corrupt or truncated (pdfium error {error})")
    try:
        pictures: list[Any] = []
        grid = _read_document(doc, descriptor_descents(data), pictures)
    finally:
        pdfium_c.FPDF_CloseDocument(doc)
    if grid is None:  # a scan: no page has a text layer, its pages are read by OCR (issue 16)
        from ..ocr.reader import read_scanned_pdf

        return read_scanned_pdf(data)
    if pictures:  # pages or tables without a text layer in a text PDF: those are read by OCR
        from ..ocr.mixed import read_mixed

        return read_mixed(data, grid, pictures)
    return grid


def _read_document(doc, stated: dict[bytes, float], pictures: list[Any] | None = None) -> Grid | None:  # type: ignore[no-untyped-def]
    """The grid of the PDF's text layer; None when no page has one (a scan). Pages and tables
    that are pictures without a text layer go into `pictures` (ocr.mixed.Pictures) for OCR."""
    from ..ocr.mixed import pictures_of

    n_pages = pdfium_c.FPDF_GetPageCount(doc)
    if n_pages > MAX_PDF_PAGES:
        raise PDFLimit(f"PDF has more than {MAX_PDF_PAGES} pages (limits.MAX_PDF_PAGES; a report has 10–40): not read")
    if n_pages <= 0:
        raise ParseError("PDF has no pages")
    grid = Grid()
    texts: list[str] = []
    n_chars = n_cid = 0
    read = 0
    carry: list[list[float]] = []  # the last unruled table's columns, for its continuation on the next page
    for index in range(n_pages):
        page_no = index + 1
        content = _read_page(doc, index, page_no, stated)  # one page at a time: pdfium's page is closed once read
        if content is None:
            continue  # a page pdfium cannot load (a page tree that contains itself): nothing on it
        read += 1
        if has_no_text_layer(content):
            if pictures is not None and content.images:  # a scanned page: OCR reads it
                pictures.extend(pictures_of(content.chars, content.images, content.bbox, page_no, len(grid.rows), []))
            continue
        n_chars += len(content.chars)
        n_cid += content.undecodable
        rows_out = _page_rows(content, page_no, carry)
        if pictures is not None and content.images:  # a table pasted as a picture: OCR reads it
            pictures.extend(pictures_of(content.chars, content.images, content.bbox, page_no, len(grid.rows), rows_out))
        grid.rows.extend(r for _, r in rows_out)
        texts.append("\n".join(r.text for _, r in rows_out))
    if not read:
        raise ParseError("PDF is corrupt or truncated (no page can be read)")
    if n_chars == 0:
        return None
    if n_cid > n_chars / 2:
        raise ParseError(
            "PDF text cannot be decoded (fonts without a Unicode map print as (cid:N)); OCR is not supported"
        )
    grid.text = "\n".join(texts)
    return grid


# A ruling-line edge: (x0, top, x1, bottom, width, height, orientation "h", "v" or None), the fields
# of pdfplumber's edge dicts its table finder reads. width/height are kept as pdfplumber keeps them
# (its snapping moves an edge without recomputing them), because its length filters read them.
_Edge = tuple[float, float, float, float, float, float, str | None]
_Box = tuple[float, float, float, float]

# pdfplumber's TableSettings defaults (tables from ruling lines)
_SNAP = 3  # snap_x/y_tolerance
_JOIN = 3  # join_x/y_tolerance
_EDGE_MIN_PREFILTER = 1  # edge_min_length_prefilter
_EDGE_MIN = 3  # edge_min_length
_INTERSECTION = 3  # intersection_x/y_tolerance


def _snap(edges: list[_Edge], at: int) -> list[_Edge]:
    """pdfplumber's snap_objects: edges whose position (x0 of vertical, top of horizontal ones) is
    within _SNAP of the next one's (chained) moved to the cluster's average, by the same arithmetic
    (each edge moved by average - its position)."""
    if not edges:
        return []
    position: Callable[[_Edge], float] = itemgetter(at)
    positions = list(map(position, edges))
    values = sorted(set(positions))
    cluster_of: dict[float, int] = {}
    n = 0
    for i, x in enumerate(values):
        if i and x > values[i - 1] + _SNAP:
            n += 1
        cluster_of[x] = n
    groups: list[list[_Edge]] = [[] for _ in range(n + 1)]  # clusters in order, edges in their order
    for e, x in zip(edges, positions, strict=True):
        groups[cluster_of[x]].append(e)
    out: list[_Edge] = []
    for members in groups:
        avg = sum(map(position, members)) / len(members)
        for x0, top, x1, bottom, width, height, orientation in members:
            if at == 0:
                d = avg - x0
                out.append((x0 + d, top, x1 + d, bottom, width, height, orientation))
            else:
                d = avg - top
                out.append((x0, top + d, x1, bottom + d, width, height, orientation))
    return out


def _join(group: list[_Edge], horizontal: bool) -> list[_Edge]:
    """pdfplumber's join_edge_group: edges on one line less than _JOIN apart joined into one."""
    start: Callable[[_Edge], float] = itemgetter(0 if horizontal else 1)
    end: Callable[[_Edge], float] = itemgetter(2 if horizontal else 3)
    ordered = sorted(group, key=start)
    joined = [ordered[0]]
    for e in ordered[1:]:
        last = joined[-1]
        if start(e) <= end(last) + _JOIN:
            if end(e) > end(last):
                x0, top, x1, bottom, width, height, orientation = last
                if horizontal:
                    joined[-1] = (x0, top, e[2], bottom, e[2] - x0, height, orientation)
                else:
                    joined[-1] = (x0, top, x1, e[3], width, height + (e[3] - bottom), orientation)
        else:
            joined.append(e)
    return joined


def _table_edges(edges: list[_Edge]) -> list[_Edge]:
    """pdfplumber's TableFinder.get_edges with its default settings: ruling lines of at least
    _EDGE_MIN_PREFILTER, snapped, joined, then at least _EDGE_MIN long."""
    v = [e for e in edges if e[6] == "v" and e[5] >= _EDGE_MIN_PREFILTER]
    h = [e for e in edges if e[6] == "h" and e[4] >= _EDGE_MIN_PREFILTER]
    out: list[_Edge] = []
    # the horizontal lines first, by their tops, then the vertical ones by x (pdfplumber's order)
    for snapped, at in ((_snap(h, 1), 1), (_snap(v, 0), 0)):
        key = itemgetter(at)
        for _, group in itertools.groupby(sorted(snapped, key=key), key=key):
            out.extend(_join(list(group), at == 1))
    return [e for e in out if (e[5] if e[6] == "v" else e[4]) >= _EDGE_MIN]


def _intersections(edges: list[_Edge]) -> dict[tuple[float, float], tuple[set[_Box], set[_Box]]]:
    """pdfplumber's edges_to_intersections: the points where a vertical and a horizontal edge meet
    (within _INTERSECTION), with the boxes of the vertical and of the horizontal edges meeting
    there. The horizontal edges near a vertical one are found by their tops (bisect, with a margin)
    and then tested by pdfplumber's own comparisons."""
    tol = _INTERSECTION
    v_edges = sorted((e for e in edges if e[6] == "v"), key=itemgetter(0, 1))
    h_edges = sorted((e for e in edges if e[6] == "h"), key=itemgetter(1, 0))
    tops = [h[1] for h in h_edges]
    h_boxes = [h[:4] for h in h_edges]
    out: dict[tuple[float, float], tuple[set[_Box], set[_Box]]] = {}
    for v in v_edges:
        vx, vtop, vbottom = v[0], v[1], v[3]
        v_box = v[:4]
        lo = bisect.bisect_left(tops, vtop - tol - 1)
        hi = bisect.bisect_right(tops, vbottom + tol + 1)
        for k in range(lo, hi):
            h = h_boxes[k]
            htop = h[1]
            if vtop <= htop + tol and vbottom >= htop - tol and vx >= h[0] - tol and vx <= h[2] + tol:
                point = (vx, htop)
                at = out.get(point)
                if at is None:
                    at = out[point] = (set(), set())
                at[0].add(v_box)
                at[1].add(h)
    return out


def _cells(intersections: dict[tuple[float, float], tuple[set[_Box], set[_Box]]]) -> list[_Box]:
    """pdfplumber's intersections_to_cells, the same cells: from each intersection (in sorted order)
    the nearest intersection below and to the right joined to it by ruling lines, and the corner
    they close. The intersections on one vertical or horizontal line are looked up instead of
    scanned for."""

    points = sorted(intersections)
    same_x: dict[float, list[tuple[float, float]]] = {}
    same_y: dict[float, list[tuple[float, float]]] = {}
    for pt in points:
        same_x.setdefault(pt[0], []).append(pt)
        same_y.setdefault(pt[1], []).append(pt)
    at_x = {pt: i for col in same_x.values() for i, pt in enumerate(col)}
    at_y = {pt: i for row in same_y.values() for i, pt in enumerate(row)}
    # Points on one vertical line connect by a vertical edge through both, points on one horizontal
    # line by a horizontal one (pdfplumber's edge_connects, for points that share x or y).
    cells = []
    for pt in points:
        v_edges, h_edges = intersections[pt]
        column, row = same_x[pt[0]], same_y[pt[1]]
        right: list[tuple[float, float]] = []  # the points to the right that connect, found as needed
        scanned = at_y[pt] + 1  # the next point of the row to look at for `right`
        cell = None
        for b in range(at_x[pt] + 1, len(column)):
            below_pt = column[b]
            below_v, below_h = intersections[below_pt]
            if v_edges.isdisjoint(below_v):
                continue
            k = 0
            while True:
                if k == len(right):  # the next point to the right that connects
                    while scanned < len(row) and h_edges.isdisjoint(intersections[row[scanned]][1]):
                        scanned += 1
                    if scanned == len(row):
                        break
                    right.append(row[scanned])
                    scanned += 1
                right_pt = right[k]
                k += 1
                corner = (right_pt[0], below_pt[1])
                at = intersections.get(corner)
                if at is None or at[1].isdisjoint(below_h):
                    continue
                if not at[0].isdisjoint(intersections[right_pt][0]):
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell is not None:
                break
            if not right:
                break  # no point to the right connects: no cell from here
        if cell is not None:
            cells.append(cell)
    return cells


def _cells_to_tables(cells: list[_Box]) -> list[list[_Box]]:
    """pdfplumber's cells_to_tables: cells grouped into tables by shared corners, pass by pass in
    the cells' order, the tables in order of their top left cell; a table of one cell is none.
    (Cells are unique: each starts at its own intersection.)"""
    remaining = list(cells)
    corners: set[tuple[float, float]] = set()
    current: list[_Box] = []
    tables = []
    while remaining:
        before = len(current)
        kept = []
        for cell in remaining:
            x0, top, x1, bottom = cell
            a, b, c, d = (x0, top), (x0, bottom), (x1, top), (x1, bottom)
            if not current or a in corners or b in corners or c in corners or d in corners:
                corners.update((a, b, c, d))
                current.append(cell)
            else:
                kept.append(cell)
        remaining = kept
        if len(current) == before:
            tables.append(current)
            corners, current = set(), []
    if current:
        tables.append(current)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


@dataclass
class _Row:
    """A table row as pdfplumber's Row: a box per column of the table (None where a merged box
    covers it), and the row's box."""

    cells: list[_Box | None]
    bbox: _Box


class _Table:
    """A ruled table as pdfplumber's Table: its cells, its box and its rows (computed once)."""

    def __init__(self, cells: list[_Box]) -> None:
        self.cells = cells
        x0s, tops, x1s, bottoms = zip(*cells, strict=True)
        self.bbox = (min(x0s), min(tops), max(x1s), max(bottoms))
        xs = sorted(set(x0s))
        self.rows: list[_Row] = []
        for _, group in itertools.groupby(sorted(cells, key=itemgetter(1, 0)), itemgetter(1)):
            row_cells = list(group)
            by_x = {c[0]: c for c in row_cells}
            boxes = [by_x.get(x) for x in xs]
            # (the row's boxes: those of its cells, one per x; a row's x are distinct)
            present = row_cells if len(by_x) == len(row_cells) else [c for c in boxes if c is not None]
            r_x0s, r_tops, r_x1s, r_bottoms = zip(*present, strict=True)
            self.rows.append(_Row(boxes, (min(r_x0s), min(r_tops), max(r_x1s), max(r_bottoms))))


def _find_tables(edges: list[_Edge]) -> list[_Table]:
    """pdfplumber's TableFinder (default settings: tables from ruling lines), done on tuples."""
    return [_Table(group) for group in _cells_to_tables(_cells(_intersections(_table_edges(edges))))]


class _Middles:
    """A page's characters by the heights of their middles, sorted once for every table of the page:
    (middle's height, middle's x, the character's place on the page, the character)."""

    def __init__(self, chars: list[dict]) -> None:
        middles = [((ch["top"] + ch["bottom"]) / 2, (ch["x0"] + ch["x1"]) / 2, k, ch) for k, ch in enumerate(chars)]
        # (a middle that is not a number is in no box, and would unsort the list)
        self.by_height = sorted([m for m in middles if m[0] == m[0] and m[1] == m[1]], key=_FIRST)
        self.heights = [m[0] for m in self.by_height]


def _extract(table: Any, chars: list[dict] | _Middles) -> list[list[str | None]]:
    """pdfplumber's Table.extract(**_CELL_TEXT): each box's text from the characters whose middle
    is in it (None for a position a merged box covers); the characters are sorted out once: a row's
    are found by their middles' heights (bisect), in the characters' order. (A row's box lies in
    the table's: the characters in a row's box are those of the table's in it.)"""
    from pdfplumber.utils import extract_text

    middles = chars if isinstance(chars, _Middles) else _Middles(chars)
    by_height, heights = middles.by_height, middles.heights
    out: list[list[str | None]] = []
    for row in table.rows:
        rx0, rtop, rx1, rbottom = row.bbox
        band = by_height[bisect.bisect_left(heights, rtop) : bisect.bisect_left(heights, rbottom)]
        in_row = [(m[1], m[0], m[2], m[3]) for m in band if rx0 <= m[1] < rx1]  # (x, height, place, char)
        in_row.sort(key=_FIRST)
        xs = [m[0] for m in in_row]
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            cx0, ctop, cx1, cbottom = cell
            across = in_row[bisect.bisect_left(xs, cx0) : bisect.bisect_left(xs, cx1)]
            found = [m for m in across if ctop <= m[1] < cbottom]
            if not found:
                texts.append("")
                continue
            found.sort(key=_THIRD)  # in the characters' order
            in_cell = [m[3] for m in found]
            word = _one_word(in_cell)
            texts.append(word if word is not None else extract_text(in_cell, **_CELL_TEXT))
        out.append(texts)
    return out


def _one_word(chars: list[dict]) -> str | None:
    """What pdfplumber's extract_text(chars, **_CELL_TEXT) gives for upright characters (a
    number, a label wrapped over lines: nearly every cell of a report), by the same steps
    without its word extractor's generators and text map; None for anything else (then
    extract_text reads them).

    Its steps, for upright characters: lines are clusters of the characters' tops (pdfplumber's
    cluster_objects, tolerance 4); in each line the characters in x0 order (a stable sort) make
    words, a new word where one starts more than 0.2 × the size of the character before right of
    its end (or more than 4 pt above or below it), a space or an empty text ends one; the words
    are clustered again by their tops (the top of their highest character), joined by spaces
    within a line and lines by line ends. Ligatures are expanded."""
    LIGATURES = _ligatures()
    if len(chars) == 1:
        t = chars[0]["text"]
        return "" if not t or t.isspace() else LIGATURES.get(t, t)
    for ch in chars:
        t = ch["text"]
        if not ch["upright"] or not t or t.isspace():
            return None  # (rotated text, spaces and empty texts: extract_text's own rules)
    ratio = _CELL_TEXT["x_tolerance_ratio"]
    y_tol = _CELL_TEXT["y_tolerance"]
    tops = [ch["top"] for ch in chars]
    if max(tops) <= min(tops) + y_tol:  # one line (as _cluster finds it), its words' tops one line too
        ordered = sorted(chars, key=_X0)
        prev = ordered[0]
        word = [prev]
        texts = []
        for ch in ordered[1:]:
            if ch["x0"] > prev["x1"] + ratio * prev["size"] or abs(ch["top"] - prev["top"]) > y_tol:
                texts.append(_word_text(word, LIGATURES))
                word = [ch]
            else:
                word.append(ch)
            prev = ch
        texts.append(_word_text(word, LIGATURES))
        return " ".join(texts)
    words: list[tuple[float, str]] = []  # (top, text)
    for line in _cluster(chars, _TOP, y_tol):
        ordered = sorted(line, key=_X0)
        prev = ordered[0]
        word = [prev]
        for ch in ordered[1:]:
            if ch["x0"] > prev["x1"] + ratio * prev["size"] or abs(ch["top"] - prev["top"]) > y_tol:
                words.append((min(c["top"] for c in word), _word_text(word, LIGATURES)))
                word = [ch]
            else:
                word.append(ch)
            prev = ch
        words.append((min(c["top"] for c in word), _word_text(word, LIGATURES)))
    return "\n".join(" ".join(w[1] for w in line) for line in _cluster(words, _FIRST, y_tol))


_LIGATURES: dict[str, str] = {}


def _ligatures() -> dict[str, str]:
    """pdfplumber's LIGATURES (imported when first needed: pdfplumber is slow to import)."""
    if not _LIGATURES:
        from pdfplumber.utils.text import LIGATURES

        _LIGATURES.update(LIGATURES)
    return _LIGATURES


def _cluster(items: list[Any], key: Callable[[Any], float], tolerance: float) -> list[list[Any]]:
    """pdfplumber's cluster_objects: items grouped by their key's value, a value within `tolerance`
    of the next (chained) in one group; groups in order of value, items in their own order."""
    if not items:
        return []
    keys = [key(item) for item in items]
    if max(keys) <= min(keys) + tolerance:
        return [list(items)]  # (every value within tolerance of the next)
    values = sorted(set(keys))
    group_of: dict[float, int] = {}
    n = 0
    for i, x in enumerate(values):
        if i and not x <= values[i - 1] + tolerance:
            n += 1
        group_of[x] = n
    groups: list[list[Any]] = [[] for _ in range(n + 1)]
    for item, k in zip(items, keys, strict=True):
        groups[group_of[k]].append(item)
    return groups


def _word_text(word: list[dict], ligatures: dict[str, str]) -> str:
    """A word's characters' texts joined, ligatures expanded (pdfplumber's merge_chars)."""
    return "".join([ligatures.get(c["text"], c["text"]) for c in word])


def _words(chars: list[dict]) -> list[dict]:
    """pdfplumber's extract_words(chars, **_WORDS) (its other settings at their defaults), by its
    steps: runs of upright and of rotated characters; in each, lines by clustering the characters'
    tops (x0 of rotated ones; tolerance 3), characters ordered by x0 (top, bottom); a space ends a word, a
    character without text is a word of its own, and a new word starts where a character starts
    before the previous one or more than _WORDS' ratio × its size after its end (more than 3 pt
    for rotated text), or stands more than 3 pt off its line (that ratio × size for rotated text)."""
    LIGATURES = _ligatures()
    ratio = _WORDS["x_tolerance_ratio"]
    out: list[dict] = []

    def merge(word: list[dict], direction: str) -> None:
        first = word[0]
        x0, top = min([c["x0"] for c in word]), min([c["top"] for c in word])
        x1, bottom = max([c["x1"] for c in word]), max([c["bottom"] for c in word])
        out.append(
            {
                "text": "".join([LIGATURES.get(c["text"], c["text"] or "") for c in word]),
                "x0": x0,
                "x1": x1,
                "top": top,
                "doctop": top + (first["doctop"] - first["top"]),
                "bottom": bottom,
                "upright": first["upright"],
                "height": bottom - top,
                "width": x1 - x0,
                "direction": direction,
            }
        )

    for upright, run in itertools.groupby(chars, key=_UPRIGHT):
        line_key, order, direction, start, end, across = _UPRIGHT_WORDS if upright else _ROTATED_WORDS
        for line in _cluster(list(run), line_key, 3):
            word: list[dict] = []
            for ch in sorted(line, key=order):
                text = ch["text"]
                if text.isspace():
                    if word:
                        merge(word, direction)
                    word = []
                elif not text:  # pdfplumber's split_at_punctuation "" holds the empty text
                    if word:
                        merge(word, direction)
                    merge([ch], direction)
                    word = []
                elif word:
                    prev = word[-1]
                    if upright:  # (the rotated case below, with the keys of upright text)
                        x0 = ch["x0"]
                        new_word = (
                            x0 < prev["x0"]
                            or x0 > prev["x1"] + ratio * prev["size"]
                            or abs(ch["top"] - prev["top"]) > 3
                        )
                    else:
                        along, off = 3, ratio * prev["size"]
                        new_word = (
                            ch[start] < prev[start]
                            or ch[start] > prev[end] + along
                            or abs(ch[across] - prev[across]) > off
                        )
                    if new_word:
                        merge(word, direction)
                        word = [ch]
                    else:
                        word.append(ch)
                else:
                    word = [ch]
            if word:
                merge(word, direction)
    return out


_UPRIGHT = itemgetter("upright")
_TOP = itemgetter("top")
_X0 = itemgetter("x0")
# (line key, order in a line, direction, a character's start, end and position across the line)
_UPRIGHT_WORDS = (_TOP, _X0, "ltr", "x0", "x1", "top")
_ROTATED_WORDS = (_X0, itemgetter("top", "bottom"), "ttb", "top", "bottom", "x0")
_FIRST = itemgetter(0)
_THIRD = itemgetter(2)


def _page_rows(content: _PageContent, page_no: int, carry: list[list[float]]) -> list[tuple[float, GridRow]]:
    """One page's rows in reading order: ruled tables' rows and the other text's lines."""
    rows_out: list[tuple[float, GridRow]] = []
    tables = [t for t in _find_tables(content.edges) if _is_table(t)]
    not_cells: list[tuple[float, float, float, float]] = []
    middles = _Middles(content.chars) if tables else None
    for t_no, table in enumerate(tables, start=1):
        rows_out.extend(_table_rows(table, _extract(table, middles or content.chars), page_no, t_no, not_cells))
    # words of tables are read from their cells; the rest as lines
    outside = _outside(content.chars, [_clip(t.bbox, content.bbox) for t in tables])
    words = _words(outside)
    for b_no, box in enumerate(not_cells, start=1):
        inner = _words(_within(content.chars, _clip(box, content.bbox)))
        rows_out.extend(_text_lines(inner, page_no, f" box {b_no}") if inner else [])
    rows_out.extend(_text_lines(words, page_no, carry=carry) if words else [])
    rows_out.sort(key=lambda item: item[0])
    return rows_out
