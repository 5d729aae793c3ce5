"""PDFs with a text layer: table cells from ruling lines, other text as gap-split lines.

Tables drawn with ruling lines become positional rows: every cell box is a cell, an
empty box is a blank cell, a merged box is one cell (pdfplumber reports the covered
positions as None and we drop them). Text outside the tables becomes lines ordered by
their position on the page, split into cells at wide horizontal gaps.
"""

from __future__ import annotations

import contextvars
import io
import itertools
import logging
import re
import unicodedata
import zlib
from dataclasses import dataclass
from statistics import median

from ..grid import Cell, Grid, GridRow, is_page_mark, is_value_token
from ..limits import MAX_PDF_DECODED_BYTES, MAX_PDF_PAGE_OBJECTS, MAX_PDF_PAGES, MAX_PDF_STREAM_BYTES, size_text
from ..model import ParseError

logging.getLogger("pdfminer").setLevel(logging.ERROR)

_LINE_TOLERANCE = 3.0  # points: words whose tops differ less are on one line
_VALUE_COL0 = 64  # grid column of the first value column of an unruled table


def _quiet_pdfminer() -> None:
    """pdfminer logs (and warns) on every token of a broken file: keep stderr clean and save time."""
    for name in (
        "pdfminer",
        "pdfminer.psparser",
        "pdfminer.pdfinterp",
        "pdfminer.pdfdocument",
        "pdfminer.pdfpage",
        "pdfminer.pdfparser",
        "pdfminer.cmapdb",
        "pdfminer.converter",
        "pdfminer.pdffont",
        "pdfminer.layout",
    ):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    import pdfminer.pdfinterp as pi
    import pdfminer.psparser as ps

    class _Null:
        def debug(self, *a: object, **k: object) -> None:
            pass

        def __getattr__(self, name: str) -> object:
            return getattr(logging.getLogger("pdfminer"), name)

    ps.log = pi.log = _Null()  # type: ignore[assignment]  # log.debug is called per token


# ---------------------------------------------------------------- limits inside pdfminer
#
# pdfminer decodes a stream whole (zlib.decompress, LZW, RunLength) and lays a page out whole:
# a few kilobytes can unpack to gigabytes or draw millions of characters. Its decoders are
# replaced by capped ones (same results within the caps) and pdfplumber's layout device counts
# what a page draws; over a cap, PDFLimit (a ParseError) stops the file with the reason.


class PDFLimit(ParseError):
    """A PDF over one of the limits of pipelines/limits.py."""


# Bytes decoded so far by the read_pdf running in this context (None outside read_pdf).
_DECODED: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("ogi_pdf_decoded", default=None)


def _decoded(n: int) -> None:
    if n > MAX_PDF_STREAM_BYTES:
        raise PDFLimit(
            f"PDF has a stream that unpacks to more than {size_text(MAX_PDF_STREAM_BYTES)} "
            "(limits.MAX_PDF_STREAM_BYTES): not read (a decompression bomb?)"
        )
    total = _DECODED.get()
    if total is not None:
        total[0] += n
        if total[0] > MAX_PDF_DECODED_BYTES:
            raise PDFLimit(
                f"PDF streams unpack to more than {size_text(MAX_PDF_DECODED_BYTES)} in all "
                "(limits.MAX_PDF_DECODED_BYTES): not read (a decompression bomb?)"
            )


class _CappedZlib:
    """The zlib pdfminer.pdftypes sees: decompress() stops past MAX_PDF_STREAM_BYTES."""

    error = zlib.error
    decompressobj = staticmethod(zlib.decompressobj)

    @staticmethod
    def decompress(data: bytes, *args: object) -> bytes:
        d = zlib.decompressobj()
        out = d.decompress(data, MAX_PDF_STREAM_BYTES + 1)
        _decoded(len(out))
        if not d.eof:  # as zlib.decompress: a truncated stream is an error (pdfminer then salvages it)
            raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
        return out


def _decompress_corrupted(data: bytes) -> bytes:
    """pdfminer's salvage of a zlib stream with a bad checksum (what decodes before the error),
    in linear time and capped (pdfminer's feeds one byte at a time into a growing bytes)."""
    d = zlib.decompressobj()
    out = bytearray()
    step = 4096
    for start in range(0, len(data), step):
        chunk = data[start : start + step]
        saved = d.copy()
        try:
            out += d.decompress(chunk, MAX_PDF_STREAM_BYTES + 1 - len(out))
        except zlib.error:
            d = saved
            for i in range(len(chunk)):
                try:
                    out += d.decompress(chunk[i : i + 1], MAX_PDF_STREAM_BYTES + 1 - len(out))
                except zlib.error:
                    if start + i < len(data) - 3:
                        raise
                    break
            break
        if len(out) > MAX_PDF_STREAM_BYTES or d.eof:
            break
    _decoded(len(out))
    return bytes(out)


def _lzwdecode(data: bytes) -> bytes:
    from pdfminer.lzw import LZWDecoder

    out: list[bytes] = []
    n = 0
    for piece in LZWDecoder(io.BytesIO(data)).run():
        n += len(piece)
        if n > MAX_PDF_STREAM_BYTES:
            _decoded(n)
        out.append(piece)
    _decoded(n)
    return b"".join(out)


def _rldecode(data: bytes) -> bytes:
    """RunLengthDecode (PDF 1.7 § 7.4.5), capped; a truncated run ends the data."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        i += 1
        if length == 128:
            break
        if length < 128:
            out += data[i : i + length + 1]
            i += length + 1
        elif i < n:
            out += data[i : i + 1] * (257 - length)
            i += 1
        if len(out) > MAX_PDF_STREAM_BYTES:
            break
    _decoded(len(out))
    return bytes(out)


def _counted(decode):
    def wrapper(data: bytes, *args: object) -> bytes:
        out = decode(data, *args)
        _decoded(len(out))
        return out

    return wrapper


_GUARDED = False


def _guard_pdfminer() -> None:
    """Install the capped decoders and the counting layout device (once per process)."""
    global _GUARDED
    if _GUARDED:
        return
    import pdfminer.pdftypes as pt
    import pdfplumber.page as pp

    pt.zlib = _CappedZlib  # type: ignore[assignment]
    pt.decompress_corrupted = _decompress_corrupted
    pt.lzwdecode = _lzwdecode
    pt.rldecode = _rldecode
    pt.ascii85decode = _counted(pt.ascii85decode)
    pt.asciihexdecode = _counted(pt.asciihexdecode)
    pt.ccittfaxdecode = _counted(pt.ccittfaxdecode)

    base = pp.PDFPageAggregatorWithMarkedContent

    class _CountingAggregator(base):  # type: ignore[misc, valid-type]
        """Stops a page that draws more than MAX_PDF_PAGE_OBJECTS characters, paths and images."""

        _drawn = 0

        def _count(self) -> None:
            self._drawn += 1
            if self._drawn > MAX_PDF_PAGE_OBJECTS:
                raise PDFLimit(
                    f"PDF page {self.pageno} draws more than {MAX_PDF_PAGE_OBJECTS:,} characters, lines "
                    "and images (limits.MAX_PDF_PAGE_OBJECTS; a dense page has ~5,000): not read"
                )

        def render_char(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._count()
            return super().render_char(*args, **kwargs)

        def paint_path(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._count()
            return super().paint_path(*args, **kwargs)

        def render_image(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            self._count()
            return super().render_image(*args, **kwargs)

    pp.PDFPageAggregatorWithMarkedContent = _CountingAggregator  # type: ignore[misc]  # patched: pdfplumber builds its aggregator from this name
    _GUARDED = True


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """An exception of `kind` that caused `exc` (pdfplumber wraps pdfminer's in PdfminerException)."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, kind):
            return e
        todo += [x for x in (e.__cause__, e.__context__, *e.args) if isinstance(x, BaseException)]
    return None


def _reraise_limits(exc: BaseException) -> None:
    """Re-raise a limit or memory exhaustion that a library wrapped in its own exception."""
    for kind in (PDFLimit, MemoryError, RecursionError):
        found = _cause(exc, kind)
        if found is not None:
            if kind is RecursionError:
                raise ParseError("PDF structure is nested too deeply to read: not read") from None
            raise found from None


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

    @property
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
            span = max(1, sum(1 for x in lefts if box[0] - 0.5 <= x < box[2] - 0.5))
            text = texts[c] or ""
            if _STACKED_DIGITS.match(text) and len(text.split()[0]) >= capacity.get(c, 0) > 0:
                text = re.sub(r"\s+", "", text)  # one number wrapped by its narrow box: "499" / "3" is 4993
            cells.append(Cell(text, c, f"{src} col {c + 1}", span))
        if any(c.text.strip() for c in cells) or len(cells) == len([b for b in row.cells if b is not None]):
            out.append((row.bbox[1], GridRow(cells, positional=True, source=src)))
    return out


def _holds_rows(text: str) -> bool:
    """Two or more lines of several numbers each: rows of a table, not one cell's text."""
    return sum(1 for ln in text.splitlines() if sum(1 for t in ln.split() if is_value_token(t)) >= 2) >= 2


# A box's text of digit lines only ("１２" / "４"): one number wrapped, or two numbers stacked.
_STACKED_DIGITS = re.compile(r"^\s*[\d０-９]+(?:\s*\n\s*[\d０-９]+)+\s*$")
_MIN_DIGIT_CELLS = 3


def _digits_per_line(extracted: list[list[str | None]]) -> dict[int, int]:
    """Per column of a ruled table, the most digits its boxes print on one line, where at least
    three boxes print digits. A box whose first line holds that many digits ran out of room
    there: its digit lines are one wrapped number. A first line shorter than that had room
    beside it: its lines are two numbers (a ruling line missing between two rows), not joined."""
    lines: dict[int, list[int]] = {}
    for texts in extracted:
        for c, text in enumerate(texts):
            parts = (text or "").split()
            if parts and all(re.fullmatch(r"[\d０-９]+", p) for p in parts):
                lines.setdefault(c, []).append(max(len(p) for p in parts))
    return {c: max(n) for c, n in lines.items() if len(n) >= _MIN_DIGIT_CELLS}


# Word extraction: a gap wider than a fifth of the font size separates words, so that numbers in
# two narrow adjacent cells ("13" | "40") do not run together into "1340"; glyphs of one number
# or one word stand closer. Cell text: lines by vertical overlap, as above.
_WORDS: dict[str, float] = {"x_tolerance_ratio": 0.2}
_CELL_TEXT: dict[str, float] = {"x_tolerance_ratio": 0.2, "y_tolerance": 4}
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


def read_pdf(data: bytes) -> Grid:
    token = _DECODED.set([0])
    try:
        return _read_pdf(data)
    finally:
        _DECODED.reset(token)


def _read_pdf(data: bytes) -> Grid:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage

    _quiet_pdfminer()
    _guard_pdfminer()
    if not data.lstrip()[:1024].count(b"%PDF"):
        raise ParseError("not a PDF file")
    grid = Grid()
    texts: list[str] = []
    n_chars = n_cid = 0
    carry: list[list[float]] = []  # the last unruled table's columns, for its continuation on the next page
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
        # Pages counted before pdfplumber lists them all (it makes an object per page).
        n_pages = sum(1 for _ in itertools.islice(PDFPage.create_pages(pdf.doc), MAX_PDF_PAGES + 1))
        if n_pages > MAX_PDF_PAGES:  # (not pdf.close(): it would list every page)
            raise PDFLimit(
                f"PDF has more than {MAX_PDF_PAGES} pages (limits.MAX_PDF_PAGES; a report has 10–40): not read"
            )
        pages = list(pdf.pages)
    except PDFPasswordIncorrect as exc:
        raise ParseError("PDF is password-protected; cannot read it without the password") from exc
    except PDFLimit:
        raise
    except Exception as exc:  # pdfminer raises many types on broken files (pdfplumber wraps them)
        _reraise_limits(exc)
        chain = [exc, exc.__cause__, exc.__context__, *(a for a in exc.args if isinstance(a, BaseException))]
        if any(isinstance(e, PDFPasswordIncorrect) or "password" in str(e).lower() for e in chain if e is not None):
            raise ParseError("PDF is password-protected; cannot read it without the password") from exc
        raise ParseError(f"PDF is corrupt or truncated ({type(exc).__name__})") from exc
    with pdf:
        if not pages:
            raise ParseError("PDF has no pages")
        for page_no, page in enumerate(pages, start=1):
            try:
                chars = page.chars
                n_chars += len(chars)
                n_cid += sum(1 for ch in chars if ch["text"].startswith("(cid:"))
                for ch in chars:  # in place: the table finder and the word extractor read these dicts
                    ch["text"] = fold_radicals(ch["text"])
                rows_out: list[tuple[float, GridRow]] = []
                tables = [t for t in page.find_tables() if _is_table(t)] if chars else []
                not_cells: list[tuple[float, float, float, float]] = []
                for t_no, table in enumerate(tables, start=1):
                    rows_out.extend(_table_rows(table, table.extract(**_CELL_TEXT), page_no, t_no, not_cells))
                outside = page
                for t in tables:  # words of tables are read from their cells; the rest as lines
                    outside = outside.outside_bbox(_clip(t.bbox, page.bbox))
                words = outside.extract_words(keep_blank_chars=False, use_text_flow=False, **_WORDS) if chars else []
                for b_no, box in enumerate(not_cells, start=1):
                    inner = page.within_bbox(_clip(box, page.bbox)).extract_words(**_WORDS)
                    rows_out.extend(_text_lines(inner, page_no, f" box {b_no}") if inner else [])
            except ParseError:
                raise
            except Exception as exc:  # as above: any pdfminer error on a page is that page's
                _reraise_limits(exc)
                raise ParseError(f"PDF page {page_no} cannot be read ({type(exc).__name__})") from exc
            finally:
                page.close()  # its characters and layout are not kept once read
            rows_out.extend(_text_lines(words, page_no, carry=carry) if words else [])
            rows_out.sort(key=lambda item: item[0])
            grid.rows.extend(r for _, r in rows_out)
            texts.append("\n".join(r.text for _, r in rows_out))
    if n_chars == 0:  # a scan: its pages are read by OCR (issue 16)
        from ..ocr.reader import read_scanned_pdf

        return read_scanned_pdf(data)
    if n_cid > n_chars / 2:
        raise ParseError(
            "PDF text cannot be decoded (fonts without a Unicode map print as (cid:N)); OCR is not supported"
        )
    grid.text = "\n".join(texts)
    return grid
