"""Page images → the one Grid the aligner reads (OCR): image files and PDFs without a text layer.

Pages one at a time: each page is decoded or rendered, read (`layout.read_page`), kept in the
cache and dropped before the next. The grid carries every OCR'd cell's provenance (page, box,
confidence, engine, the second read) for `trust.confirm`, which decides after alignment which
numbers can be believed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from ..grid import RowList
from ..model import ParseError
from . import engine
from .cache import OcrCache
from .layout import page_rows, read_page
from .provenance import OcrGrid
from .pages import PageImage, image_pages, pdf_pages

# Called once per page read by OCR (not for a page from the cache): (page number, seconds).
PageHook = Callable[[int, float], None]
_hooks: list[PageHook] = []


def on_page(hook: PageHook) -> None:
    """Register a callback for each page OCR'd (progress bars; tests count OCR calls with it)."""
    _hooks.append(hook)


def remove_page_hook(hook: PageHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


def read_pages(data: bytes, pages: Iterator[tuple[int, Callable[[], PageImage]]]) -> OcrGrid:
    import time

    name = engine.engine_id()
    cache = OcrCache(data, name)
    grid = OcrGrid(rows=RowList(), engine=name)
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
            for hook in list(_hooks):
                hook(number, time.perf_counter() - start)
        grid.pages += 1
        rows = page_rows(read, name, grid.cells)
        grid.rows.extend(r for _, r in rows)
        texts.append("\n".join(r.text for _, r in rows))
    grid.text = "\n".join(texts)
    if not any(c.text.strip() for c in grid.cells.values()):
        raise ParseError("no text found by OCR on any page (a blank or unreadable scan, or not a document)")
    return grid


def read_image(data: bytes) -> OcrGrid:
    """An image file (PNG, JPEG, TIFF with one or many pages, WebP, BMP) read by OCR."""
    return read_pages(data, image_pages(data))


def read_scanned_pdf(data: bytes) -> OcrGrid:
    """A PDF whose pages have no text layer, its pages rendered and read by OCR."""
    return read_pages(data, pdf_pages(data))
