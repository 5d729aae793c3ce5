"""What OCR reads on one page, and the grid rows it makes.

`read_page` (needs the image, costs seconds) finds the table cells from the ruling lines (OpenCV:
long horizontal and vertical strokes; a cell is a closed rectangle between them), whether each
cell holds ink, and every text line's words with their confidence; numeric lines are read a
second time from their crop upscaled. Its result, `PageRead`, is plain data (JSON in the cache).

`page_rows` (pure, milliseconds) turns a PageRead into grid rows as the PDF reader makes them: a
ruled table's rows are positional, one cell per box (an empty box is a blank cell, a merged box
one cell with its span); other text becomes lines split into fields at wide gaps.
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

import numpy as np

from ..grid import Cell, GridRow, parse_number
from . import engine
from .limits import MIN_DIGIT_CONFIDENCE, REREAD_MARGIN, REREAD_SCALE
from .provenance import OcrCell


@dataclass
class Word:
    """A detected text line and its reads: the page read and, for numeric text, the re-read of
    its crop upscaled ('' when not re-read)."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str
    conf: float
    reread: str = ""
    reread_conf: float = 0.0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class CellBox:
    x0: int
    y0: int
    x1: int
    y1: int
    ink: bool  # dark strokes inside the box other than its ruling lines


@dataclass
class PageRead:
    number: int
    width: int
    height: int
    dpi: float
    turns: int  # quarter turns (counter-clockwise) applied to make the page upright
    skew: float  # degrees corrected
    words: list[Word] = field(default_factory=list)
    tables: list[list[CellBox]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> PageRead:
        words = [Word(**w) for w in d.get("words", [])]
        tables = [[CellBox(**c) for c in t] for t in d.get("tables", [])]
        base = {k: v for k, v in d.items() if k not in ("words", "tables")}
        return cls(**base, words=words, tables=tables)


# ---------------------------------------------------------------- reading a page (image → PageRead)

_DIGITS = re.compile(r"\d")


def needs_reread(text: str) -> bool:
    """Text short enough to be a cell's number and holding a digit (or a letter OCR confuses with one)."""
    t = unicodedata.normalize("NFKC", text).strip()
    return 0 < len(t) <= 14 and bool(re.search(r"[\dOoIlSBZ]", t)) and not re.search(r"[\u4e00-\u9fff]{2,}", t)


def read_words(img: np.ndarray, quads: list[list[tuple[float, float]]]) -> list[Word]:
    """Recognition of every detected line (the second read of a number comes later, when the
    table does not confirm it: `reread_boxes`)."""
    crops = [engine.crop(img, q) for q in quads]
    reads = engine.recognise(crops)
    words = []
    for q, (text, conf) in zip(quads, reads, strict=True):
        xs, ys = [p[0] for p in q], [p[1] for p in q]
        words.append(Word(min(xs), min(ys), max(xs), max(ys), text, round(conf, 4)))
    return words


def reread_boxes(
    img: np.ndarray, boxes: list[tuple[int, int, int, int]], scale: float = REREAD_SCALE
) -> list[tuple[str, float]]:
    """The second read: each box's crop, with a margin, upscaled, read again."""
    quads = [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)] for x0, y0, x1, y1 in boxes]
    return [
        (t, round(c, 4))
        for t, c in engine.recognise([engine.crop(img, q, REREAD_MARGIN, scale) for q in quads])  # type: ignore[arg-type]
    ]


def second_reads(img: np.ndarray, boxes: list[tuple[int, int, int, int]], firsts: list[str]) -> list[tuple[str, float]]:
    """The second read of each box (`reread_boxes`), read once more from its crop made black and
    white (Otsu's threshold, then GARBLED_THRESHOLD) where it
    - saw the first read's digits with marks among them ("3特1" for "31", "37。": a seal's remains,
      a speck) — never a point or comma between two digits, which may be a decimal point: the
      black-and-white read counts only when it is digits alone;
    - read the same as the first read but with confidence below MIN_DIGIT_CONFIDENCE (a lone 0 at
      0.67): the black-and-white read counts only when it reads the same, more confidently.
    It never turns a second read that disagrees into one that agrees: whether the reads agree is
    judged as for any second read (`same_reading`, both confident)."""
    import cv2

    from .limits import GARBLED_THRESHOLD
    from .provenance import same_reading

    got = reread_boxes(img, boxes)
    out = []
    for box, first, (t, c) in zip(boxes, firsts, got, strict=True):
        f = unicodedata.normalize("NFKC", first).strip()
        n = unicodedata.normalize("NFKC", t).strip()
        digits_first = bool(re.fullmatch(r"\d[\d ]*", f))
        marks = (
            digits_first
            and not re.fullmatch(r"\d[\d ]*", n)
            and _digits(n) == _digits(f)
            and not re.search(r"\d\s*[.,，。·:：]\s*\d", n)
        )
        unsure = digits_first and same_reading(f, n) and c < MIN_DIGIT_CONFIDENCE
        if marks or unsure:
            x0, y0, x1, y1 = box
            q = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            grey = cv2.cvtColor(engine.crop(img, q, REREAD_MARGIN, REREAD_SCALE), cv2.COLOR_RGB2GRAY)  # type: ignore[arg-type]
            _, otsu = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            fixed = np.where(grey < GARBLED_THRESHOLD, 0, 255).astype(np.uint8)
            for bw in (otsu, fixed):
                ((bt, bc),) = engine.recognise([cv2.cvtColor(bw, cv2.COLOR_GRAY2RGB)])
                clean = re.fullmatch(r"\d[\d ]*", unicodedata.normalize("NFKC", bt).strip())
                if (marks and clean) or (unsure and same_reading(f, bt) and bc > c):
                    t, c = bt, round(bc, 4)
                    break
        out.append((t, c))
    return out


def find_cells(img: np.ndarray, dpi: float) -> list[list[CellBox]]:
    """The ruled tables of the page: closed boxes between long horizontal and vertical strokes,
    grouped into tables by adjacency; a group of fewer than 3 columns is layout, not a table."""
    import cv2

    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = grey.shape
    unit = dpi / 72  # pixels per point
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(20, int(40 * unit))), np.uint8))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((max(12, int(12 * unit)), 1), np.uint8))
    lines = cv2.dilate(np.bitwise_or(horiz, vert), np.ones((3, 3), np.uint8))
    n, _labels, stats, _ = cv2.connectedComponentsWithStats(255 - lines, connectivity=4)
    min_side = max(6, int(5 * unit))
    boxes: list[CellBox] = []
    text_ink = cv2.morphologyEx(np.bitwise_and(ink, 255 - lines), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + bw >= w or y + bh >= h:
            continue  # the page around the tables
        if bw < min_side or bh < min_side or area < 0.85 * bw * bh or bw > 0.95 * w:
            continue
        inner = text_ink[y + 2 : y + bh - 2, x + 2 : x + bw - 2]
        dark = int(np.count_nonzero(inner))
        boxes.append(CellBox(x, y, x + bw, y + bh, dark > max(10, 0.004 * bw * bh)))
    return _tables(boxes, unit)


def _tables(boxes: list[CellBox], unit: float) -> list[list[CellBox]]:
    gap = 4 + 2 * unit
    parent = list(range(len(boxes)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    order = sorted(range(len(boxes)), key=lambda i: boxes[i].y0)
    for a_i, a in enumerate(order):
        ba = boxes[a]
        for b in order[a_i + 1 :]:
            bb = boxes[b]
            if bb.y0 > ba.y1 + gap:
                break
            if bb.x0 <= ba.x1 + gap and ba.x0 <= bb.x1 + gap:
                parent[find(a)] = find(b)
    groups: dict[int, list[CellBox]] = {}
    for i, box in enumerate(boxes):
        groups.setdefault(find(i), []).append(box)
    out = []
    for g in groups.values():
        cols = _clusters([float(c.x0) for c in g], 4 + 2 * unit)
        if len(cols) >= 3 and len(g) >= 6:
            out.append(sorted(g, key=lambda b: (b.y0, b.x0)))
    return sorted(out, key=lambda t: t[0].y0)


def _text_ink(img: np.ndarray, dpi: float) -> np.ndarray:
    """Dark strokes of the page other than its ruling lines (the ink of text), as a 0/255 mask."""
    import cv2

    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    ink = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    unit = dpi / 72
    horiz = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(20, int(40 * unit))), np.uint8))
    vert = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((max(12, int(12 * unit)), 1), np.uint8))
    lines = cv2.dilate(np.bitwise_or(horiz, vert), np.ones((5, 5), np.uint8))
    return cv2.morphologyEx(np.bitwise_and(ink, 255 - lines), cv2.MORPH_OPEN, np.ones((2, 2), np.uint8))


def _outside(
    text: np.ndarray, unit: float, box: tuple[int, int, int, int], text_box: tuple[int, int, int, int] | None
) -> np.ndarray:
    """The text ink of a cell box (away from its ruling lines) outside the words' box."""
    x0, y0, x1, y1 = box
    cell = text[y0 + 3 : y1 - 3, x0 + 3 : x1 - 3].copy()
    if text_box is not None:
        tx0, ty0, tx1, ty1 = text_box
        pad = max(3, int(2 * unit))
        cell[
            max(0, ty0 - pad - y0 - 3) : max(0, ty1 + pad - y0 - 3),
            max(0, tx0 - pad - x0 - 3) : max(0, tx1 + pad - x0 - 3),
        ] = 0
    return cell


def ink_outside(
    img: np.ndarray, dpi: float, boxes: list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]]
) -> list[int]:
    """Per (cell box, box of the words read in it): dark pixels inside the cell, away from its ruling
    lines, that lie outside the words' box — a glyph the detector did not find (a digit of "7 9"
    printed apart, a digit under a seal). Seal red is suppressed first (the page as `replay` gives it)."""
    text = _text_ink(img, dpi)
    unit = dpi / 72
    return [int(np.count_nonzero(_outside(text, unit, box, tb))) for box, tb in boxes]


def read_missed(img: np.ndarray, dpi: float, tables: list[list[CellBox]], words: list[Word]) -> list[Word]:
    """The words of the page with each table cell read whole where the detector missed a glyph in
    it: a box holding more ink than MAX_STRAY_INK_PIXELS outside the lines detected there (a lone
    digit of "6 5" printed apart, a digit the seal's remains hid from the detector) is read once
    more as one line, from the bounding box of all its ink; that read replaces the cell's words.
    It is a page read like any other: its number is still confirmed by an identity or a second read."""
    from .limits import MAX_STRAY_INK_PIXELS

    text = _text_ink(img, dpi)
    unit = dpi / 72
    todo: list[tuple[CellBox, list[int], tuple[int, int, int, int]]] = []
    for table in tables:
        for b in table:
            if not b.ink:
                continue
            inside = [i for i, w in enumerate(words) if b.x0 <= w.cx <= b.x1 and b.y0 <= w.cy <= b.y1]
            if any(not needs_reread(words[i].text) for i in inside):
                continue  # a label's box: only a number's box is read whole
            union = _union([words[i] for i in inside])
            if np.count_nonzero(_outside(text, unit, (b.x0, b.y0, b.x1, b.y1), union)) <= MAX_STRAY_INK_PIXELS:
                continue
            cell = text[b.y0 + 3 : b.y1 - 3, b.x0 + 3 : b.x1 - 3]
            ys, xs = np.nonzero(cell)
            pad = max(2, int(unit))
            box = (
                max(b.x0, b.x0 + 3 + int(xs.min()) - pad),
                max(b.y0, b.y0 + 3 + int(ys.min()) - pad),
                min(b.x1, b.x0 + 3 + int(xs.max()) + 1 + pad),
                min(b.y1, b.y0 + 3 + int(ys.max()) + 1 + pad),
            )
            todo.append((b, inside, box))
    if not todo:
        return words
    reads = reread_boxes(img, [box for _, _, box in todo], scale=1.0)
    drop: set[int] = set()
    added: list[Word] = []
    for (_, inside, box), (t, c) in zip(todo, reads, strict=True):
        if _spaced_number(t) is None:
            continue  # not a number read whole (a seal's remains, a mark): the words stay, and the ink check
        drop.update(inside)
        added.append(Word(float(box[0]), float(box[1]), float(box[2]), float(box[3]), t, c))
    return [w for i, w in enumerate(words) if i not in drop] + added


def _spaced_number(text: str) -> float | None:
    """The number of a box's text, digits printed apart joined ("6 5" → 65), or None."""
    return parse_number(re.sub(r"(?<=\d)\s+(?=\d)", "", unicodedata.normalize("NFKC", text).strip()))


def _digits(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


# A lone letter a zero is read as where a box prints a number ("O" under a seal's remains, a fax's "o")
_ZERO_LIKE = re.compile(r"[oOD]")


def _zeros_for(first: str, again: str) -> bool:
    """The black-and-white read of a lone o/O/D is a 0: the letter is not turned into a digit, the
    box is read again and that read sees a 0 (it still stands only on an identity or two reads)."""
    return bool(_ZERO_LIKE.fullmatch(first.strip())) and again == "0"


def read_garbled(img: np.ndarray, tables: list[list[CellBox]], words: list[Word]) -> list[Word]:
    """Words in a table's boxes read as digits mixed with marks ("3特1稀": a seal's remains read
    with the digits; "(0)"), or as a lone o/O/D where a zero is printed, read once more from their
    crop made black and white: at Otsu's threshold, then at GARBLED_THRESHOLD (the print's black
    apart from the grey a seal or a speck left). A new read replaces the word's only when it is a
    number of digits alone and the very digits the first read saw, in their order: it may drop
    the marks, never add, change or drop a digit ("3特1稀" → "31", never "3.1" or "11"); a lone
    o/O/D only when it reads "0". It is the page read like any other: its number still stands
    only on an identity or on a second read that agrees."""
    import cv2

    from .limits import GARBLED_THRESHOLD

    todo: list[int] = []
    for i, w in enumerate(words):
        zeros = bool(_ZERO_LIKE.fullmatch(w.text.strip()))
        if not zeros and (not needs_reread(w.text) or _spaced_number(w.text) is not None or not _digits(w.text)):
            continue
        if any(b.x0 <= w.cx <= b.x1 and b.y0 <= w.cy <= b.y1 for t in tables for b in t):
            todo.append(i)
    out = list(words)
    for i in todo:
        w = words[i]
        q = [(w.x0, w.y0), (w.x1, w.y0), (w.x1, w.y1), (w.x0, w.y1)]
        grey = cv2.cvtColor(engine.crop(img, q), cv2.COLOR_RGB2GRAY)
        _, otsu = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
        fixed = np.where(grey < GARBLED_THRESHOLD, 0, 255).astype(np.uint8)
        for bw in (otsu, fixed):
            ((t, c),) = engine.recognise([cv2.cvtColor(bw, cv2.COLOR_GRAY2RGB)])
            t = unicodedata.normalize("NFKC", t).strip()
            if (re.fullmatch(r"\d[\d ]*", t) and _digits(t) == _digits(w.text)) or _zeros_for(w.text, t):
                out[i] = Word(w.x0, w.y0, w.x1, w.y1, t, round(c, 4))
                break
    return out


def read_page(img: np.ndarray, number: int, dpi: float) -> PageRead:
    """Everything OCR reads on one page image: geometry, table cells, words."""
    from .pages import prepare, upright

    img = prepare(img)
    img, turns, skew, quads = upright(img)
    h, w = img.shape[:2]
    tables = find_cells(img, dpi)
    words = read_garbled(img, tables, read_missed(img, dpi, tables, read_words(img, quads)))
    return PageRead(number, w, h, dpi, turns, round(skew, 3), words, tables)


# ---------------------------------------------------------------- PageRead → grid rows (pure)


def _clusters(values: list[float], tol: float) -> list[float]:
    out: list[list[float]] = []
    for v in sorted(values):
        if out and v - out[-1][-1] <= tol:
            out[-1].append(v)
        else:
            out.append([v])
    return [sum(c) / len(c) for c in out]


def _nearest(clusters: list[float], v: float) -> int:
    return min(range(len(clusters)), key=lambda i: abs(clusters[i] - v))


def _word_text(words: list[Word]) -> str:
    """Words of one box in reading order: lines by vertical overlap, words in a line by x."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.x0)):
        if lines and abs(w.cy - median(v.cy for v in lines[-1])) < 0.5 * (w.y1 - w.y0):
            lines[-1].append(w)
        else:
            lines.append([w])
    return "\n".join(" ".join(v.text for v in sorted(line, key=lambda v: v.x0)) for line in lines)


def _cell_text(words: list[Word]) -> tuple[str, str]:
    """A ruled box's text, and how it was mended: "" (not), "spaced" (digit groups printed apart
    joined), "speck" (a speck before or after the number dropped), "dash" (一 alone: a dash).
    A box holds one value: digits printed apart ("３ ７", letter-spaced full-width digits) read as
    separate groups on one line are joined when every group is digits alone and each gap is
    narrower than the digits are high. A number mended of a speck is taken only when an identity
    confirms it; digits printed apart also when the second read reads the same digits."""
    text = _word_text(words)
    if not words or "\n" in text:
        return text, ""
    tokens = unicodedata.normalize("NFKC", text).split()
    if tokens == ["一"]:
        # a dash printed for "none" (—) read as the character 一 (one): a box of a table prints a
        # dash or a number, never the word 一 alone; the dash is a blank, never a number
        return "—", "dash"
    if tokens and re.fullmatch(r"[.。·,，]\d+", tokens[0]) and len(tokens) == 1:
        # a speck before the number read as a point: ".0" (a table prints "0.5", never ".5") —
        # dropped, and the number then stands only on an identity, as a mended one does
        return tokens[0][1:], "speck"
    if tokens and re.fullmatch(r"\d+[.。]|[.。]", tokens[-1]) and (len(tokens) > 1 or tokens[-1][0].isdigit()):
        # a speck after the number (a fax's, a scan's dust) read as a full stop: "0." — dropped, and
        # the number then stands only on an identity (a lost decimal digit would not add up)
        tokens[-1] = tokens[-1].rstrip(".。")
        tokens = [t for t in tokens if t]
        if all(re.fullmatch(r"\d+", t) for t in tokens) and len(tokens) == 1:
            return tokens[0], "speck"
    if len(tokens) < 2 or not all(re.fullmatch(r"\d+", t) for t in tokens):
        return text, ""
    line = sorted(words, key=lambda w: w.x0)
    height = median(w.y1 - w.y0 for w in line)
    if any(b.x0 - a.x1 > 1.2 * height for a, b in itertools.pairwise(line)):
        return text, ""
    return "".join(tokens), "spaced"


def _masked(w: Word) -> str:
    """Text outside the tables (title, narrative): a digit kept only when read confidently and
    twice alike; otherwise every digit of the word becomes '?' (never a guessed number)."""
    if not _DIGITS.search(w.text):
        return w.text
    same = unicodedata.normalize("NFKC", w.text) == unicodedata.normalize("NFKC", w.reread)
    if w.conf >= MIN_DIGIT_CONFIDENCE and (not w.reread or (same and w.reread_conf >= MIN_DIGIT_CONFIDENCE)):
        return w.text
    return _DIGITS.sub("?", w.text)


def page_rows(page: PageRead, engine_name: str, cells_out: dict[str, OcrCell]) -> list[tuple[float, GridRow]]:
    """The page's grid rows with their vertical position; every OCR'd cell's provenance goes into
    `cells_out` under the cell's source."""
    unit = page.dpi / 72
    tol = 4 + 2 * unit
    taken: set[int] = set()
    out: list[tuple[float, GridRow]] = []
    for t_no, table in enumerate(page.tables, start=1):
        xs = _clusters([float(b.x0) for b in table] + [float(b.x1) for b in table], tol)
        ys = _clusters([float(b.y0) for b in table], tol)
        by_row: dict[int, list[tuple[CellBox, list[Word]]]] = {}
        inside: dict[int, list[Word]] = {id(b): [] for b in table}
        for wi, w in enumerate(page.words):
            for b in table:
                if b.x0 <= w.cx <= b.x1 and b.y0 <= w.cy <= b.y1:
                    inside[id(b)].append(w)
                    taken.add(wi)
                    break
        for b in table:
            by_row.setdefault(_nearest(ys, b.y0), []).append((b, inside[id(b)]))
        for r_no, r in enumerate(sorted(by_row), start=1):
            cells: list[Cell] = []
            for b, words in sorted(by_row[r], key=lambda bw: bw[0].x0):
                c0 = _nearest(xs, b.x0)
                span = max(1, _nearest(xs, b.x1) - c0)
                text, mended = _cell_text(words)
                spills = any(w.x0 < b.x0 - 0.3 * (w.x1 - w.x0) or w.x1 > b.x1 + 0.3 * (w.x1 - w.x0) for w in words)
                conf = min((w.conf for w in words), default=1.0)
                src = (
                    f"page {page.number} table {t_no} row {r_no} col {c0 + 1} "
                    f"(OCR {engine_name}, box {b.x0},{b.y0},{b.x1},{b.y1} px at {page.dpi:.0f} dpi, conf {conf:.2f})"
                )
                cells_out[src] = OcrCell(
                    page.number,
                    (b.x0, b.y0, b.x1, b.y1),
                    _union(words),
                    page.dpi,
                    text,
                    conf,
                    "",
                    0.0,
                    b.ink or bool(words),
                    engine_name,
                    True,
                )
                cells_out[src].joined = bool(mended)
                cells_out[src].spaced = mended == "spaced"
                if spills:
                    cells_out[src].conf = 0.0  # a line running over the box's edge: whose is it?
                cells.append(Cell(text, c0, src, span))
            top = min(b.y0 for b, _ in by_row[r])
            out.append((top, GridRow(cells, positional=True, source=f"page {page.number} table {t_no} row {r_no}")))
    rest = [w for i, w in enumerate(page.words) if i not in taken]
    out.extend(_text_rows(rest, page, engine_name, cells_out))
    out.sort(key=lambda item: item[0])
    return out


def _union(words: list[Word]) -> tuple[int, int, int, int] | None:
    if not words:
        return None
    return (
        int(min(w.x0 for w in words)),
        int(min(w.y0 for w in words)),
        int(max(w.x1 for w in words)) + 1,
        int(max(w.y1 for w in words)) + 1,
    )


def _text_rows(
    words: list[Word], page: PageRead, engine_name: str, cells_out: dict[str, OcrCell]
) -> list[tuple[float, GridRow]]:
    """Words outside the ruled tables as lines, split into fields at gaps wider than two characters
    (and between two numbers)."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.cy, w.x0)):
        if lines:
            last = lines[-1]
            # the line's span is its words' median top and bottom, not their extremes: one word
            # standing across two printed lines (a character of a label printed vertically down a
            # merged cell, 本/年/度) would otherwise chain the two lines into one
            lo, hi = median(v.y0 for v in last), median(v.y1 for v in last)
            overlap = min(hi, w.y1) - max(lo, w.y0)
            if overlap >= 0.5 * min(w.y1 - w.y0, hi - lo):
                last.append(w)
                continue
        lines.append([w])
    out = []
    for n, line in enumerate(lines, start=1):
        line.sort(key=lambda v: v.x0)
        char_w = median((v.x1 - v.x0) / max(len(v.text), 1) for v in line)
        groups: list[list[Word]] = [[line[0]]]
        for w in line[1:]:
            prev = groups[-1][-1]
            if w.x0 - prev.x1 > 2.0 * char_w or (prev.text[-1:].isdigit() and w.text[:1].isdigit()):
                groups.append([w])
            else:
                groups[-1].append(w)
        cells = []
        for j, g in enumerate(groups):
            text = "".join(_masked(w) for w in g)
            conf = min(w.conf for w in g)
            box = (int(g[0].x0), int(min(w.y0 for w in g)), int(g[-1].x1), int(max(w.y1 for w in g)))
            where = ",".join(str(v) for v in box)
            src = (
                f"page {page.number} line {n} field {j + 1} (OCR {engine_name}, box {where} "
                f"px at {page.dpi:.0f} dpi, conf {conf:.2f})"
            )
            cells_out[src] = OcrCell(page.number, box, box, page.dpi, text, conf, "", 0.0, True, engine_name, False)
            cells.append(Cell(text, j, src))
        out.append((min(w.y0 for w in line), GridRow(cells, positional=False, source=f"page {page.number} line {n}")))
    return out


def angle_of(q: list[tuple[float, float]]) -> float:
    return math.degrees(math.atan2(q[1][1] - q[0][1], q[1][0] - q[0][0]))
