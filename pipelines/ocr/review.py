"""What a person needs to check a cell OCR read: where it is, and its picture (issue 16, item 5).

Every OCR'd cell's provenance (page, box, dpi, engine) is written once into the parsed cell's
source (`layout.page_rows`), which lands as `parsed_cells.source_location` and reaches
`marts.unread_cells`; `location` reads it back. The page is turned and deskewed exactly as the
OCR read it: its geometry (quarter turns, skew) is taken from the OCR cache kept beside the
warehouse (`cache.py`, by the file's sha256 and the engine), and found again from the page
(`pages.upright`, text detection only) when the cache does not hold it. The box is in pixels of
that upright page.

Used by `ogi parse --debug` (pipelines/ocr/debug.py), the workbook's 待人工核对 sheet
(pipelines/export.py) and the dashboard's needs-review list (pipelines/dashboard.py).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .layout import PageRead
    from .pages import PageImage

# layout.page_rows: "page 2 table 1 row 7 col 5 (OCR <engine>, box 830,604,932,679 px at 200 dpi, conf 0.97)"
# (a table cell) or "page 1 line 4 field 2 (OCR …, box …)" (text outside the tables); the aligner
# may append a note after it.
_SOURCE = re.compile(r"^page (\d+) [^(]*\(OCR (.+?), box (\d+),(\d+),(\d+),(\d+) px at ([\d.]+) dpi")
# A source naming an OCR'd grid row (a whole row of the page, no box of its own).
_OCR_ROW = re.compile(r"^page \d+ (table \d+ row \d+|line \d+)\s*$")

# Pixels around the box in a crop (the ruling lines stay visible, so a person sees the whole box).
CROP_MARGIN = 6

# Why a cell has no crop (shown beside it in the workbook and on the dashboard).
NO_CROP_TEXT_LAYER = "文本层文件，无需截图（请按“位置”在原文件中查看）"
NO_CROP_NO_BOX = "OCR 未定位到该格（无框），请按“位置”查看原文件"
NO_CROP_NO_FILE = "原文件不在原始文件夹中，无法截图"
NO_CROP_NO_PLACE = "未找到该格在文件中的位置（如该行未识别），无法截图"
NO_CROP_UNREADABLE = "原文件无法再次读取，无法截图"
NO_CROP_NOT_AS_READ = "该页不是整页 OCR，且 OCR 缓存中无该页，无法按读取时的页面截图"


@dataclass(frozen=True)
class OcrLocation:
    """Where an OCR'd cell is: its page (1-based) and box in pixels of the upright page at `dpi`."""

    page: int
    box: tuple[int, int, int, int]
    dpi: float
    engine: str


def location(source: str | None) -> OcrLocation | None:
    """The OCR location a parsed cell's source names; None for a cell not read by OCR or without a box."""
    m = _SOURCE.match(source or "")
    if m is None:
        return None
    x0, y0, x1, y1 = (int(m[i]) for i in range(3, 7))
    return OcrLocation(int(m[1]), (x0, y0, x1, y1), float(m[7]), m[2])


def no_crop_reason(source: str | None) -> str:
    """Why a cell whose source names no OCR box has no crop."""
    text = (source or "").strip()
    if not text:
        return NO_CROP_NO_PLACE
    if "(OCR " in text or _OCR_ROW.match(text) or (text.startswith("page ") and "OCR" in text):
        return NO_CROP_NO_BOX
    return NO_CROP_TEXT_LAYER


def is_ocr_file(data: bytes, name: str = "") -> bool:
    """True for the files OCR reads: image files, and PDFs none of whose pages has a text layer."""
    from ..parsing import sniff_format

    fmt = sniff_format(data, name)
    if fmt == "image":
        return True
    return fmt == "pdf" and not pdf_has_text_layer(data)


def looks_scanned(data: bytes) -> bool:
    """A sniff of a PDF's bytes, never opened (the parse steps open untrusted files only in supervised
    workers: pdfium aborts the process on some hostile PDFs): True when it draws images and names no
    font anywhere, so no page can have a text layer. A PDF whose objects are compressed into object
    streams (/ObjStm) hides its fonts: False, it is not told apart (it is parsed with the others)."""
    return b"/Image" in data and b"/Font" not in data and b"/ObjStm" not in data


def pdf_has_text_layer(data: bytes) -> bool:
    """True when some page of the PDF prints a character (pdfium's text page; stops at the first).
    A PDF pdfium cannot open counts as having one: its text reader then says what is wrong."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        doc = pdfium.PdfDocument(data)
    except Exception:  # noqa: BLE001 - a broken PDF: its reader gives the reason
        return True
    try:
        for i in range(len(doc)):
            page = doc[i]
            try:
                text = page.get_textpage()
                try:
                    if pdfium_c.FPDFText_CountChars(text.raw) > 0:
                        return True
                finally:
                    text.close()
            finally:
                page.close()
        return False
    except Exception:  # noqa: BLE001 - as above
        return True
    finally:
        doc.close()


def _page_source(data: bytes) -> Iterator[tuple[int, Callable[[], PageImage]]]:
    from ..parsing import sniff_format
    from .pages import image_pages, pdf_pages

    return image_pages(data) if sniff_format(data) == "image" else pdf_pages(data)


def cached_reads(data: bytes) -> dict[int, PageRead]:
    """The page reads the OCR cache holds for this file (with the current engine and settings)."""
    from . import engine
    from .cache import OcrCache

    return dict(OcrCache(data, engine.engine_id()).pages)


def pages_as_read(
    data: bytes, numbers: Sequence[int] | None = None, find_geometry: bool = True
) -> Iterator[tuple[int, np.ndarray | None, float]]:
    """(page number, RGB image turned and deskewed as the OCR read it, dpi) for each page asked for
    (every page when `numbers` is None), decoded one at a time. A page the cache does not hold has
    its geometry found again; with `find_geometry` False (a file OCR reads only in part, whose
    boxes may be on a page rendered otherwise) its image is None instead."""
    from .pages import prepare, replay, upright

    reads = cached_reads(data)
    wanted = None if numbers is None else set(numbers)
    for number, load in _page_source(data):
        if wanted is not None and number not in wanted:
            continue
        page = load()
        read = reads.get(number)
        img = replay(page.image, read.turns, read.skew) if read is not None else None
        if img is None or read is None or img.shape[:2] != (read.height, read.width):
            # no (or another) cached read: find the geometry again
            img = upright(prepare(page.image))[0] if find_geometry else None
        yield number, img, page.dpi
        del page


def cut(img: np.ndarray, box: tuple[int, int, int, int], margin: int = CROP_MARGIN) -> np.ndarray:
    """The box (with `margin` pixels around it, inside the page) cut out of a page image."""
    h, w = img.shape[:2]
    x0, y0, x1, y1 = box
    return img[max(0, y0 - margin) : min(h, y1 + margin), max(0, x0 - margin) : min(w, x1 + margin)]


def png(img: np.ndarray) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(img).save(out, format="PNG", optimize=True)
    return out.getvalue()


def crops(data: bytes, sources: Sequence[str | None]) -> list[bytes | str]:
    """For each source: the PNG of its cell cut from the page as the OCR read it, or the reason
    there is none (a text-layer cell, an OCR row without a box, a file that no longer decodes).
    Each page needed is decoded once."""
    locs = [location(s) for s in sources]
    out: list[bytes | str] = [no_crop_reason(s) if loc is None else "" for s, loc in zip(sources, locs, strict=True)]
    pages = sorted({loc.page for loc in locs if loc is not None})
    if not pages:
        return out
    try:
        for number, img, _ in pages_as_read(data, pages, find_geometry=is_ocr_file(data)):
            for i, loc in enumerate(locs):
                if loc is not None and loc.page == number:
                    out[i] = png(cut(img, loc.box)) if img is not None else NO_CROP_NOT_AS_READ
    except Exception:  # noqa: BLE001, S110 - a crop is help for a person, never a failed export
        pass
    return [NO_CROP_UNREADABLE if v == "" else v for v in out]


def crops_of_files(cells: Sequence[tuple[Any, str | None]], read: Callable[[Any], bytes | None]) -> list[bytes | str]:
    """Crops of many cells, (file key, source) each: a file's bytes are read once (`read` gives
    None when the file is gone) and only when one of its cells has an OCR box."""
    out: list[bytes | str] = [no_crop_reason(s) for _, s in cells]
    by_file: dict[Any, list[int]] = {}
    for i, (key, source) in enumerate(cells):
        if location(source) is not None:
            by_file.setdefault(key, []).append(i)
    for key, idx in by_file.items():
        data = read(key)
        if data is None:
            for i in idx:
                out[i] = NO_CROP_NO_FILE
            continue
        for i, got in zip(idx, crops(data, [cells[i][1] for i in idx]), strict=True):
            out[i] = got
    return out


def raw_file_reader(raw_dir: Any) -> Callable[[tuple[str, str]], bytes | None]:
    """Reads (file_path relative to the raw folder, sha256) from the raw folder: the bytes, or
    None when the file is missing, unreadable or no longer those bytes."""
    from pathlib import Path

    from ..inventory import os_path
    from ..model import ParseError
    from ..parse_worker import read_listed_file

    def read(key: tuple[str, str]) -> bytes | None:
        rel, sha = key
        try:
            return read_listed_file(os_path(Path(raw_dir), rel), sha)
        except (ParseError, OSError, ValueError):
            return None

    return read
