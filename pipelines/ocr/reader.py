"""Page images → the one Grid the aligner reads (OCR): image files and PDFs without a text layer.

Pages one at a time: each page is decoded or rendered, read (`layout.read_page`), kept in the
cache and dropped before the next. The grid carries every OCR'd cell's provenance (page, box,
confidence, engine, the second read) for `trust.confirm`, which decides after alignment which
numbers can be believed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..grid import RowList
from ..model import ParseError
from . import engine
from .cache import OcrCache
from .layout import ink_outside, page_rows, read_page, second_reads
from .limits import REREAD_MARGIN, REREAD_SCALE
from .pages import PageImage, image_pages, pdf_pages, replay
from .progress import on_page, page_done, remove_page_hook  # noqa: F401 - re-exported for callers
from .provenance import OcrCell, OcrGrid

Pages = Callable[[], Iterator[tuple[int, Callable[[], PageImage]]]]


# OGI_OCR=off: a file that needs OCR is refused with a reason instead (the fuzzer's mutated PDFs
# that lose their text layer would otherwise each cost seconds of OCR a page).
OCR_SWITCH_ENV = "OGI_OCR"


def refuse_if_off(what: str) -> None:
    """ParseError naming what needed OCR when OGI_OCR=off."""
    import os

    if os.environ.get(OCR_SWITCH_ENV, "").strip().lower() in ("0", "off", "no", "false"):
        raise ParseError(f"{what}: needs OCR, which is switched off ({OCR_SWITCH_ENV}=off)")


def read_pages(data: bytes, source: Pages, what: str) -> OcrGrid:
    import time

    refuse_if_off(what)

    name = engine.engine_id()
    cache = OcrCache(data, name)
    grid = OcrGrid(rows=RowList(), engine=name)
    geometry: dict[int, tuple[int, float]] = {}
    pages = source()
    texts: list[str] = []
    for number, load in pages:
        cached = cache.get(number)
        if cached is not None:
            read = cached
        else:
            start = time.perf_counter()
            page = load()
            read = read_page(page.image, page.number, page.dpi)
            del page
            cache.put(read)
            page_done(number, time.perf_counter() - start)
        grid.pages += 1
        geometry[number] = (read.turns, read.skew)
        rows = page_rows(read, name, grid.cells)
        grid.rows.extend(r for _, r in rows)
        texts.append("\n".join(r.text for _, r in rows))
    grid.text = "\n".join(texts)
    grid.reread = lambda cells: reread_cells(cells, source, geometry, cache)
    grid.measure_ink = lambda cells: measure_cells_ink(cells, source, geometry, cache)
    if not any(c.text.strip() for c in grid.cells.values()):
        raise ParseError(f"{what}: OCR found no text on any page (a blank or unreadable scan, or not a document)")
    return grid


def reread_cells(cells: list[OcrCell], source: Pages, geometry: dict[int, tuple[int, float]], cache: OcrCache) -> None:
    """The second read of each cell's words (their crop upscaled): from the cache, else from its
    page rendered or decoded again and put upright as the first read left it."""
    import time

    def key(c: OcrCell) -> str:
        return f"{_image(c)}:{','.join(str(v) for v in c.text_box or c.box)}:{REREAD_MARGIN}x{REREAD_SCALE}"

    todo: dict[int, list[OcrCell]] = {}
    for c in cells:
        hit = cache.rereads.get(key(c))
        if hit is not None:
            c.reread, c.reread_conf = str(hit[0]), float(hit[1])
        else:
            todo.setdefault(_image(c), []).append(c)
    if not todo:
        return
    found: dict[str, list[Any]] = {}
    start = time.perf_counter()
    for number, img, _ in _pages_again(todo, source, geometry):
        got = second_reads(img, [c.text_box or c.box for c in todo[number]], [c.text for c in todo[number]])
        for c, (text, conf) in zip(todo[number], got, strict=True):
            c.reread, c.reread_conf = text, conf
            found[key(c)] = [text, conf]
        page_done(number, time.perf_counter() - start)
        start = time.perf_counter()
    cache.put_rereads(found)


def measure_cells_ink(
    cells: list[OcrCell], source: Pages, geometry: dict[int, tuple[int, float]], cache: OcrCache
) -> None:
    """Each table cell's stray ink (layout.ink_outside): from the cache, else from its page again."""

    def key(c: OcrCell) -> str:
        return f"ink:{_image(c)}:{','.join(str(v) for v in c.box)}:{','.join(str(v) for v in c.text_box or c.box)}"

    todo: dict[int, list[OcrCell]] = {}
    for c in cells:
        if not c.in_table or c.text_box is None:
            continue
        hit = cache.rereads.get(key(c))
        if hit is not None:
            c.stray_ink = int(hit[0])
        else:
            todo.setdefault(_image(c), []).append(c)
    if not todo:
        return
    found: dict[str, list[Any]] = {}
    for number, img, dpi in _pages_again(todo, source, geometry):
        got = ink_outside(img, dpi, [(c.box, c.text_box or c.box) for c in todo[number]])
        for c, n in zip(todo[number], got, strict=True):
            c.stray_ink = n
            found[key(c)] = [n]
    cache.put_rereads(found)


def _image(c: OcrCell) -> int:
    """The number of the image a cell was read on: its page, or its picture of a mixed PDF."""
    return c.image or c.page


def _pages_again(
    todo: dict[int, list[OcrCell]], source: Pages, geometry: dict[int, tuple[int, float]]
) -> Iterator[tuple[int, Any, float]]:
    """(page number, image turned and deskewed as when first read, dpi) of each page holding cells
    in `todo`, decoded again one at a time (the page reads keep no image)."""
    for number, load in source():
        if number in todo:
            page = load()
            turns, skew = geometry[number]
            yield number, replay(page.image, turns, skew), page.dpi
            del page


def read_image(data: bytes) -> OcrGrid:
    """An image file (PNG, JPEG, TIFF with one or many pages, WebP, BMP) read by OCR."""
    return read_pages(data, lambda: image_pages(data), "image file")


def read_scanned_pdf(data: bytes) -> OcrGrid:
    """A PDF whose pages have no text layer, its pages rendered and read by OCR."""
    return read_pages(data, lambda: pdf_pages(data), "PDF has no text layer (a scan)")
