"""PDF renderings of a fixture with reportlab, as published reports print them.

CJK text uses reportlab's built-in CID font STSong-Light (nothing to install; pdfplumber
reads it back exactly). Tables are laid out on a canvas by hand so that the messy parts of
real reports can be reproduced: cell text wraps inside narrow cells (a vertical label one
character per line, header words broken as "商业企" / "业"), tables run across pages with a
page mark "- n -" at the foot of every page, a merged label split across the break.

Variants:
  ruled      every cell box drawn, merged cells as merged boxes, blanks empty
  unruled    no lines at all (the reader falls back to word positions); blanks empty
  pagebreak  ruled; the requests table broken inside the （四） group, header repeated,
             "（四）无" / "法提供" on either side of the break
  blanks     ruled; blanks printed "/", "—" or left empty, in turn
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from itertools import cycle
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipelines.grid import is_value_token
from pipelines.synth.layout import LCell, LDoc, LTable, layout

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

PAGE_W, PAGE_H = A4
MARGIN = 56.0
TOP, BOTTOM = PAGE_H - MARGIN, MARGIN + 20  # the page mark sits below BOTTOM
WIDTH = PAGE_W - 2 * MARGIN
PAD = 3.0
SIZE = 9.0  # table text
LEAD = 11.5


def _wrap(text: str, width: float, size: float = SIZE) -> list[str]:
    """Text broken into lines no wider than `width` (character by character, as CJK wraps)."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            if line and pdfmetrics.stringWidth(line + ch, FONT, size) > width:
                lines.append(line)
                line = ""
            line += ch
        lines.append(line)
    return lines


@dataclass
class _Placed:
    cell: LCell
    row: int
    col: int
    lines: list[str]


class _Writer:
    def __init__(self, ruled: bool) -> None:
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, invariant=1)  # invariant: same bytes each time
        self.ruled = ruled
        self.page = 1
        self.y = TOP

    def new_page(self) -> None:
        self.c.setFont(FONT, 10)
        self.c.drawCentredString(PAGE_W / 2, MARGIN - 10, f"- {self.page} -")
        self.c.showPage()
        self.page += 1
        self.y = TOP

    def paragraph(self, text: str, size: float = 10.5, centred: bool = False) -> None:
        for line in _wrap(text, WIDTH, size):
            if self.y - size * 1.6 < BOTTOM:
                self.new_page()
            self.y -= size * 1.6
            self.c.setFont(FONT, size)
            if centred:
                self.c.drawCentredString(PAGE_W / 2, self.y, line)
            else:
                self.c.drawString(MARGIN, self.y, line)
        self.y -= 4

    def table(self, table: LTable, widths: list[float], repeat: int = 0, break_before: int | None = None) -> None:
        """Draw a table; rows that do not fit go to the next page (after `repeat` header rows)."""
        assert len(widths) == table.n_cols
        xs = [MARGIN]
        for w in widths:
            xs.append(xs[-1] + w)
        placed = _place(table)
        n_rows = len(table.rows)
        heights = [2 * PAD + LEAD] * n_rows
        for p in placed:
            p.lines = _wrap(p.cell.text, xs[p.col + p.cell.colspan] - xs[p.col] - 2 * PAD)
        for p in sorted(placed, key=lambda p: p.cell.rowspan):
            need = len(p.lines) * LEAD + 2 * PAD
            have = sum(heights[p.row : p.row + p.cell.rowspan])
            if need > have:
                heights[p.row + p.cell.rowspan - 1] += need - have
        total = sum(heights)
        if total <= TOP - BOTTOM and self.y - total < BOTTOM and break_before is None:
            self.new_page()  # keep a table that fits on one page together
        r = 0
        while r < n_rows:
            # rows [r, end) on this page
            end, y = r, self.y
            while end < n_rows and y - heights[end] >= BOTTOM and not (end == break_before and end > r):
                y -= heights[end]
                end += 1
            if end == r:  # not even one row fits: new page
                self.new_page()
                continue
            self._segment(placed, heights, xs, r, end)
            r = end
            if r < n_rows:
                self.new_page()
                if repeat:
                    self._segment(placed, heights, xs, 0, repeat)
        self.y -= 8

    def _segment(self, placed: list[_Placed], heights: list[float], xs: list[float], a: int, b: int) -> None:
        """Draw table rows a..b-1 from self.y down; a merged cell cut by the range shows its share of lines."""
        tops = [self.y]
        for h in heights[a:b]:
            tops.append(tops[-1] - h)
        c = self.c
        c.setLineWidth(0.6)
        for p in placed:
            r0, r1 = p.row, p.row + p.cell.rowspan
            lo, hi = max(r0, a), min(r1, b)
            if lo >= hi:
                continue
            x0, x1 = xs[p.col], xs[p.col + p.cell.colspan]
            y_top, y_bot = tops[lo - a], tops[hi - a]
            if self.ruled:
                c.rect(x0, y_bot, x1 - x0, y_top - y_bot, stroke=1, fill=0)
            lines = p.lines
            if (lo, hi) != (r0, r1) and len(lines) > 1:
                # A merged cell split across pages: its lines are shared out by the rows on each side.
                full = sum(heights[r0:r1])
                before = sum(heights[r0:lo]) / full
                here = sum(heights[lo:hi]) / full
                n = len(lines)
                start = min(n - 1, max(0, round(n * before))) if lo > r0 else 0
                stop = max(start + 1, min(n, round(n * (before + here)))) if hi < r1 else n
                if hi < r1:
                    stop = min(stop, n - 1) if lo == r0 else stop
                lines = lines[start:stop]
            elif (lo, hi) != (r0, r1) and lo > r0:
                lines = []  # a one-line merged cell prints on its first page only
            block = len(lines) * LEAD
            y = (y_top + y_bot) / 2 + block / 2 - LEAD + 2.5  # vertically centred
            c.setFont(FONT, SIZE)
            for line in lines:
                if is_value_token(line) or p.col >= _FIRST_VALUE_COL[len(xs) - 1]:
                    c.drawCentredString((x0 + x1) / 2, y, line)  # values and column headers centred
                else:
                    c.drawString(x0 + PAD, y, line)
                y -= LEAD
        self.y = tops[-1]

    def bytes(self) -> bytes:
        self.new_page()
        self.c.save()
        return self.buf.getvalue()


def _place(table: LTable) -> list[_Placed]:
    """Grid positions of the cells (an HTML-like layout: rowspans occupy the columns below)."""
    taken: set[tuple[int, int]] = set()
    out: list[_Placed] = []
    for r, row in enumerate(table.rows):
        col = 0
        for cell in row:
            while (r, col) in taken:
                col += 1
            out.append(_Placed(cell, r, col, []))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, col + dc))
            col += cell.colspan
    return out


_WIDTHS = {
    4: [150.0, 111.0, 111.0, 111.0],  # 二: label + three value columns
    10: [16.0, 44.0, 150.0] + [39.0] * 7,  # 三: narrow vertical label, group label, item label, 7 values
    15: [WIDTH / 15] * 15,  # 四: fifteen values
}


_FIRST_VALUE_COL = {4: 1, 10: 3, 15: 0}


def _render(doc: LDoc, ruled: bool, break_requests_at: str | None = None) -> bytes:
    w = _Writer(ruled)
    w.paragraph(doc.title, size=15, centred=True)
    w.y -= 6
    for block in doc.blocks:
        if isinstance(block, str):
            w.paragraph(block)
            continue
        break_before = repeat = None
        if break_requests_at is not None and block.n_cols == 10:
            break_before = next(i for i, row in enumerate(block.rows) if any(c.text == break_requests_at for c in row))
            break_before += 1  # break after the row that names it
            repeat = 3
        w.table(block, _WIDTHS[block.n_cols], repeat=repeat or 0, break_before=break_before)
    return w.bytes()


def ruled(truth: dict[str, Any]) -> bytes:
    return _render(layout(truth), ruled=True)


def unruled(truth: dict[str, Any]) -> bytes:
    return _render(layout(truth), ruled=False)


def pagebreak(truth: dict[str, Any]) -> bytes:
    # Break after （四）1: the （四）无法提供 label (two lines in its narrow column) is cut in two.
    return _render(layout(truth), ruled=True, break_requests_at="1.本机关不掌握相关政府信息")


def blanks(truth: dict[str, Any]) -> bytes:
    doc = layout(truth)
    marks = cycle(["/", "—", ""])
    empty = layout(truth, blank="\x00")  # the same layout with blanks marked
    for block, marked in zip(doc.blocks, empty.blocks, strict=False):
        if isinstance(block, LTable) and isinstance(marked, LTable):
            for row, mrow in zip(block.rows, marked.rows, strict=False):
                for cell, mcell in zip(row, mrow, strict=False):
                    if mcell.text == "\x00":
                        cell.text = next(marks)
    return _render(doc, ruled=True)


VARIANTS: dict[str, tuple[str, Callable[[dict[str, Any]], bytes]]] = {
    "ruled": ("pdf", ruled),
    "unruled": ("pdf", unruled),
    "pagebreak": ("pdf", pagebreak),
    "blanks": ("pdf", blanks),
}
