"""`ogi parse --debug DIR`: one PNG per OCR'd page, drawn the way pdfplumber's debug image is.

On the page as the OCR read it (turned upright and deskewed, seal red suppressed: `review.pages_as_read`),
lightened so the drawing stands out:

- the ruling lines found (red): the edges of the table boxes `layout.find_cells` closed;
- the table grid (blue outline, light blue fill): every box, a merged box as one;
- the OCR word boxes, coloured by recognition confidence (`word_colour`): green at 0.9 or more,
  orange from MIN_DIGIT_CONFIDENCE, magenta below (such a number is never taken as read);
- each placed cell's template key (table.row.column) in the top left corner of its box.

`draw_page` is pure (an image and a PageRead in, an image out); `write_debug_images` finds the
pages of a parsed file and writes `<file stem>.p<N>.png`.

A PDF with a text layer gets pdfplumber's own debug image (`write_pdf_debug_images`): its table
finder's ruling lines (red), intersections and cells (light blue) — the default settings the PDF
reader's table finder uses — and the words of its characters (green boxes; a text layer has no
confidence). Its cells carry no key: the reader numbers only the tables it keeps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .limits import MIN_DIGIT_CONFIDENCE

if TYPE_CHECKING:
    from PIL import Image as PILImage

    from ..model import ParsedReport
    from .layout import PageRead

LINE_COLOUR = (230, 0, 0)
CELL_COLOUR = (0, 90, 255)
CELL_FILL = (0, 90, 255, 28)
HIGH_CONFIDENCE = 0.9
WORD_HIGH = (0, 160, 0)
WORD_MEDIUM = (255, 140, 0)
WORD_LOW = (200, 0, 200)
LABEL_COLOUR = (0, 40, 140)

# A placed cell's label: (box in page pixels, text).
Label = tuple[tuple[int, int, int, int], str]


def word_colour(conf: float) -> tuple[int, int, int]:
    """A word box's colour by its recognition confidence."""
    if conf >= HIGH_CONFIDENCE:
        return WORD_HIGH
    if conf >= MIN_DIGIT_CONFIDENCE:
        return WORD_MEDIUM
    return WORD_LOW


def _font(size: int) -> Any:
    from PIL import ImageFont

    return ImageFont.load_default(size=max(6, size))


def draw_page(img: np.ndarray, read: PageRead, labels: Sequence[Label] = ()) -> PILImage.Image:
    """The page image (RGB, as read) with its ruling lines, table boxes, word boxes and cell labels."""
    from PIL import Image, ImageDraw

    base = Image.fromarray(np.ascontiguousarray(img[..., :3])).convert("RGB")
    base = Image.blend(base, Image.new("RGB", base.size, (255, 255, 255)), 0.45)  # the page lightened
    overlay = Image.new("RGBA", base.size, (0, 0, 0, 0))
    fill = ImageDraw.Draw(overlay)
    for table in read.tables:
        for b in table:
            fill.rectangle([b.x0, b.y0, b.x1, b.y1], fill=CELL_FILL)
    page = Image.alpha_composite(base.convert("RGBA"), overlay).convert("RGB")
    d = ImageDraw.Draw(page)
    width = max(1, round(read.dpi / 100))
    for table in read.tables:  # the ruling lines: every box edge (a line shared by two boxes drawn twice)
        for b in table:
            d.line([(b.x0, b.y0), (b.x1, b.y0)], fill=LINE_COLOUR, width=width)
            d.line([(b.x0, b.y1), (b.x1, b.y1)], fill=LINE_COLOUR, width=width)
            d.line([(b.x0, b.y0), (b.x0, b.y1)], fill=LINE_COLOUR, width=width)
            d.line([(b.x1, b.y0), (b.x1, b.y1)], fill=LINE_COLOUR, width=width)
    for table in read.tables:
        for b in table:
            d.rectangle([b.x0 + width + 1, b.y0 + width + 1, b.x1 - width - 1, b.y1 - width - 1], outline=CELL_COLOUR)
    for w in read.words:
        d.rectangle([round(w.x0), round(w.y0), round(w.x1), round(w.y1)], outline=word_colour(w.conf), width=width)
    for (x0, y0, x1, _y1), text in labels:
        size = max(6, min(14, round(read.dpi / 16)))
        font = _font(size)
        while size > 6 and d.textlength(text, font=font) > (x1 - x0) * 1.6:
            size -= 1
            font = _font(size)
        left, top, right, bottom = d.textbbox((x0 + 3, y0 + 3), text, font=font)
        d.rectangle([left - 1, top - 1, right + 1, bottom + 1], fill=(255, 255, 255))
        d.text((x0 + 3, y0 + 3), text, fill=LABEL_COLOUR, font=font)
    return page


def placed_labels(report: ParsedReport) -> dict[int, list[Label]]:
    """Per page, the box and template key of every cell of the report that OCR located."""
    from .review import location

    out: dict[int, list[Label]] = {}
    for c in report.cells:
        loc = location(c.source)
        if loc is not None:
            out.setdefault(loc.page, []).append((loc.box, f"{c.table}.{c.row}.{c.column}"))
    return out


def write_debug_images(data: bytes, stem: str, report: ParsedReport | None, out_dir: Path) -> list[Path]:
    """`<stem>.p<N>.png` in `out_dir` for every page of an OCR'd file (pages the OCR cache lacks
    are read again). Returns the files written."""
    from .layout import read_page
    from .review import cached_reads, pages_as_read

    out_dir.mkdir(parents=True, exist_ok=True)
    reads = cached_reads(data)
    labels = placed_labels(report) if report is not None else {}
    written = []
    for number, img, dpi in pages_as_read(data):
        if img is None:
            continue  # (not asked for: every page of a file OCR reads whole is found again)
        read = reads.get(number)
        if read is None or (read.height, read.width) != img.shape[:2]:
            read = read_page(img, number, dpi)  # not in the cache: the upright page read again
        path = out_dir / f"{stem}.p{number}.png"
        draw_page(img, read, labels.get(number, ())).save(path, format="PNG")
        written.append(path)
    return written


# The resolution of a text-layer PDF page's debug image (pdfplumber's PageImage).
PDF_DEBUG_DPI = 100


def write_pdf_debug_images(data: bytes, stem: str, out_dir: Path) -> list[Path]:
    """`<stem>.p<N>.png` for every page of a PDF with a text layer, drawn by pdfplumber."""
    import io

    import pdfplumber

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            im = page.to_image(resolution=PDF_DEBUG_DPI)
            im.debug_tablefinder()
            im.draw_rects(page.extract_words(), fill=(0, 0, 0, 0), stroke=(*WORD_HIGH, 255), stroke_width=1)
            path = out_dir / f"{stem}.p{number}.png"
            im.save(path, format="PNG", quantize=False)
            written.append(path)
            page.close()
    return written
