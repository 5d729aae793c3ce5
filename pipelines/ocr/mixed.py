"""Mixed PDFs: a text PDF whose pages or tables are partly pictures (issue 16).

A Word/WPS report often carries its prose as text and its tables pasted in as screenshots; a
text PDF may hold one scanned page (the sealed table page). The PDF reader reads the text layer
as always and hands over, per page, what has no text layer (`pictures_of`, called while the page is
read: pure, no numpy):

- a page without a text layer that an image covers (a scanned page): read whole;
- on a page with text, an image large enough to be a table (limits MIN_PICTURE_WIDTH/HEIGHT) with
  no text-layer character on it: read as a region — the page rendered at OCR_DPI and the picture
  cut out of it. A logo, a seal picture or an icon is smaller and is never read.

`read_mixed` reads those pictures by OCR (the pipeline of scans: `layout.read_page`, the cache by
sha256 + engine + settings, the second read, the ink measure) and merges their rows with the page's
text-layer rows by their place on the page, so the one aligner sees one page. The result is an
`OcrGrid` with `mixed` set: cells with OCR provenance go through `trust.confirm` as a scan's do;
cells of the text layer (no provenance) are taken as printed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..grid import Cell, Grid, GridRow, RowList, is_page_mark
from ..model import ParseError
from .limits import MAX_OCR_PAGES, MIN_PICTURE_HEIGHT, MIN_PICTURE_WIDTH, MIN_SCANNED_PAGE_AREA

# White pixels around a picture cut out of its page, inside which a ruled frame is drawn (a change
# here changes what OCR reads: the cache entries of pictures name it).
FRAME = 12

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in points (pdfplumber's coordinates)


@dataclass
class Picture:
    """A page, or a region of a page, that has no text layer and is read by OCR."""

    page: int  # 1-based
    box: Box  # the region on the page (the page's box for a page read whole)
    whole: bool  # a page without a text layer
    at: int  # index in the text grid's rows where the page's rows start
    origin: tuple[float, float]  # the page box's left and top (the rendered page's corner)
    # the page's text-layer rows with their tops (points), as the PDF reader placed them
    rows: list[tuple[float, GridRow]] = field(default_factory=list)

    @property
    def where(self) -> str:
        if self.whole:
            return f"page {self.page}"
        x0, top, x1, bottom = self.box
        return f"page {self.page} picture at {x0:.0f},{top:.0f},{x1:.0f},{bottom:.0f} pt"


def pictures_of(
    chars: list[dict], images: list[Box], page_box: Box, page: int, at: int, rows: list[tuple[float, GridRow]]
) -> list[Picture]:
    """What of one page OCR reads: the whole page when it has no text layer and an image covers a
    sizeable share of it; else each image large enough to be a table with no character on it."""
    px0, ptop, px1, pbottom = page_box
    width, height = px1 - px0, pbottom - ptop
    if width <= 0 or height <= 0:
        return []
    clipped = []
    for x0, top, x1, bottom in images:
        box = (max(x0, px0), max(top, ptop), min(x1, px1), min(bottom, pbottom))
        if box[2] > box[0] and box[3] > box[1]:
            clipped.append(box)
    if not chars:
        if any((b[2] - b[0]) * (b[3] - b[1]) >= MIN_SCANNED_PAGE_AREA * width * height for b in clipped):
            return [Picture(page, page_box, True, at, (px0, ptop))]
        return []
    out = []
    for box in _merged(b for b in clipped if b[2] - b[0] >= MIN_PICTURE_WIDTH * width):
        x0, top, x1, bottom = box
        if x1 - x0 < MIN_PICTURE_WIDTH * width or bottom - top < MIN_PICTURE_HEIGHT * height:
            continue
        on_it = [
            ch
            for ch in chars
            if x0 <= (ch["x0"] + ch["x1"]) / 2 <= x1 and top <= (ch["top"] + ch["bottom"]) / 2 <= bottom
        ]
        # text over an image is a background or a letterhead, not a pasted table; only a page number
        # may be printed over it (Word numbers a page that a scanned page fills)
        if not on_it or is_page_mark("".join(ch["text"] for ch in on_it)):
            out.append(Picture(page, box, False, at, (px0, ptop), rows))
    return out


def _merged(boxes: Any) -> list[Box]:
    """Overlapping image boxes as one (a picture drawn in tiles), top to bottom."""
    out: list[list[float]] = []
    for b in sorted(boxes, key=lambda b: (b[1], b[0])):
        for m in out:
            if b[0] < m[2] and m[0] < b[2] and b[1] < m[3] and m[1] < b[3]:
                m[:] = [min(m[0], b[0]), min(m[1], b[1]), max(m[2], b[2]), max(m[3], b[3])]
                break
        else:
            out.append(list(b))
    return [(m[0], m[1], m[2], m[3]) for m in out]


def read_mixed(data: bytes, text: Grid, pictures: list[Picture]) -> Grid:
    """The text grid with the rows OCR reads on its pictures merged in, page by page, by place."""
    import time

    from . import engine
    from .cache import OcrCache
    from .layout import page_rows, read_page
    from .provenance import OcrCell, OcrGrid
    from .reader import measure_cells_ink, page_done, refuse_if_off, reread_cells

    where = "; ".join(p.where for p in pictures[:6]) + ("; …" if len(pictures) > 6 else "")
    refuse_if_off(f"PDF has pages or tables that are pictures without a text layer ({where})")
    if len(pictures) > MAX_OCR_PAGES:
        raise ParseError(
            f"PDF has {len(pictures)} pages or pictures to OCR, more than {MAX_OCR_PAGES} (limits MAX_OCR_PAGES; "
            "a scanned report has 5–40): not read"
        )
    source = _source(data, pictures)
    name = engine.engine_id()
    cache = OcrCache(data, name)
    grid = OcrGrid(rows=RowList(), engine=name, mixed=True)
    geometry: dict[int, tuple[int, float]] = {}
    read_rows: dict[int, list[tuple[float, GridRow]]] = {}
    for k, load in source():
        pic = pictures[k - 1]
        stamp = [pic.page, *(round(v, 2) for v in pic.box), *([] if pic.whole else [f"framed {FRAME}"])]
        cached = cache.get(k) if cache.rereads.get(f"picture {k}") == stamp else None
        if cached is not None:
            read = cached
        else:
            start = time.perf_counter()
            img = load()
            read = read_page(img.image, k, img.dpi)
            del img
            cache.rereads[f"picture {k}"] = stamp  # what image k is: a stale entry is read again
            cache.put(read)
            page_done(pic.page, time.perf_counter() - start)
        grid.pages += 1
        geometry[k] = (read.turns, read.skew)
        cells: dict[str, OcrCell] = {}
        read.number = pic.page  # sources and provenance name the page
        rows = page_rows(read, name, cells)
        read.number = k
        scale = 72 / read.dpi
        tag = f"page {pic.page} picture {k}"
        placed = []
        for y, row in rows:
            # a turned picture: its rows in order at its top
            top = pic.box[1] + (max(0.0, y - (0 if pic.whole else FRAME)) * scale if read.turns == 0 else 0.0)
            placed.append((top, _renamed(row, f"page {pic.page}", tag)))
        for src, cell in cells.items():
            cell.image = k
            grid.cells[src.replace(f"page {pic.page}", tag, 1)] = cell
        read_rows[k] = placed
    # the rows in page order: each page's text rows and its pictures' rows by their place on the page
    by_page: dict[int, list[int]] = {}
    for k, pic in enumerate(pictures, start=1):
        by_page.setdefault(pic.page, []).append(k)
    at = 0
    for _, ks in sorted(by_page.items()):
        first = pictures[ks[0] - 1]
        grid.rows.extend(text.rows[at : first.at])
        merged = [(top, 0, n, row) for n, (top, row) in enumerate(first.rows)]
        for k in ks:
            merged.extend((top, k, n, row) for n, (top, row) in enumerate(read_rows[k]))
        grid.rows.extend(row for *_, row in sorted(merged, key=lambda m: m[:3]))
        at = first.at + len(first.rows)
    grid.rows.extend(text.rows[at:])
    grid.text = "\n".join(r.text for r in grid.rows)
    grid.reread = lambda cells: reread_cells(cells, source, geometry, cache)
    grid.measure_ink = lambda cells: measure_cells_ink(cells, source, geometry, cache)
    return grid


def _renamed(row: GridRow, old: str, new: str) -> GridRow:
    cells = [Cell(c.text, c.col, c.source.replace(old, new, 1), c.span) for c in row.cells]
    return GridRow(cells, row.positional, row.source.replace(old, new, 1))


def _source(data: bytes, pictures: list[Picture]) -> Callable[[], Iterator[tuple[int, Callable[[], Any]]]]:
    """The pictures' images, numbered from 1, each rendered only when asked for: its page at OCR_DPI,
    the region cut out (with a margin of a few pixels)."""

    def images() -> Iterator[tuple[int, Callable[[], Any]]]:
        import pypdfium2 as pdfium

        from .pages import PageImage, render_pdf_page

        doc = pdfium.PdfDocument(data)

        def load(pic: Picture) -> PageImage:
            page = render_pdf_page(doc, pic.page - 1)
            if pic.whole:
                return page
            import cv2
            import numpy as np

            s = page.dpi / 72
            h, w = page.image.shape[:2]
            ox, oy = pic.origin
            x0, top, x1, bottom = pic.box[0] - ox, pic.box[1] - oy, pic.box[2] - ox, pic.box[3] - oy
            crop = page.image[
                max(0, round(top * s)) : min(h, round(bottom * s)), max(0, round(x0 * s)) : min(w, round(x1 * s))
            ]
            # A screenshot is often cut at or inside the table's outer rule: the picture gets a white
            # margin and a ruled frame at its edge, so the boxes along its edge still close (without
            # the frame a tight crop lost 35 of 215 boxes of the request table, 20 of 34 of the review
            # table's). A table with its own border keeps it: the sliver between is no box.
            crop = cv2.copyMakeBorder(crop, FRAME, FRAME, FRAME, FRAME, cv2.BORDER_CONSTANT, value=(255, 255, 255))
            ch, cw = crop.shape[:2]
            cv2.rectangle(crop, (FRAME - 1, FRAME - 1), (cw - FRAME, ch - FRAME), (0, 0, 0), 2)
            return PageImage(pic.page, np.ascontiguousarray(crop), page.dpi)

        try:
            for k, pic in enumerate(pictures, start=1):
                yield k, (lambda pic=pic: load(pic))  # type: ignore[misc]
        finally:
            doc.close()

    return images
