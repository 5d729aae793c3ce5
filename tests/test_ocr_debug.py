"""The OCR review helpers on small hand-made pages (issue 16): the debug image (`ocr/debug.py`), the
location a parsed cell's source gives (`ocr/review.py`), the progress line (`ocr/progress_bar.py`)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pipelines.ocr.debug import CELL_COLOUR, LINE_COLOUR, WORD_HIGH, WORD_LOW, WORD_MEDIUM, draw_page, word_colour
from pipelines.ocr.layout import CellBox, PageRead, Word, page_rows
from pipelines.ocr.progress import page_done
from pipelines.ocr.progress_bar import OcrProgress
from pipelines.ocr.review import NO_CROP_NO_BOX, NO_CROP_TEXT_LAYER, cut, location, no_crop_reason

W, H = 300, 200


def _page() -> PageRead:
    """A 300×200 page at 72 dpi: a ruled table of 3×2 boxes (60×30 px from (30, 40)), a number read
    with confidence 0.95 in its middle box and a word outside the table read with 0.5."""
    boxes = [CellBox(30 + 60 * c, 40 + 30 * r, 90 + 60 * c, 70 + 30 * r, False) for r in range(2) for c in range(3)]
    words = [Word(100.0, 75.0, 140.0, 95.0, "12", 0.95), Word(20.0, 150.0, 120.0, 170.0, "说明", 0.5)]
    return PageRead(1, W, H, 72.0, 0, 0.0, words, [boxes])


def test_debug_image_is_the_page_size_with_boxes_lines_and_labels(tmp_path: Path) -> None:
    img = np.full((H, W, 3), 255, np.uint8)
    drawn = draw_page(img, _page(), [((90, 70, 150, 100), "requests.new_received.total")])
    path = tmp_path / "x.p1.png"
    drawn.save(path)
    assert path.is_file()
    back = Image.open(path).convert("RGB")
    assert back.size == (W, H)
    px = back.load()
    assert px[100, 85] == WORD_HIGH  # the left edge of the number's box, in its confidence's colour
    assert px[20, 160] == WORD_LOW  # the word read with 0.5
    assert px[45, 40] == LINE_COLOUR  # the top ruling line of the first box
    assert px[30, 55] == LINE_COLOUR  # its left one
    assert px[32, 55] == CELL_COLOUR  # the box drawn inside its lines
    assert px[250, 150] == (255, 255, 255)  # white stays white (the page is lightened towards white)
    label = np.asarray(back)[73:88, 93:148].astype(int)  # the label written in the box's top left corner
    r, g, b = label[..., 0], label[..., 1], label[..., 2]
    assert ((b > r + 80) & (b > g + 40)).sum() >= 10  # its blue text (the word's box there is green)


def test_confidence_colours() -> None:
    assert [word_colour(c) for c in (0.99, 0.9, 0.8, 0.7, 0.69, 0.0)] == [
        WORD_HIGH,
        WORD_HIGH,
        WORD_MEDIUM,
        WORD_MEDIUM,
        WORD_LOW,
        WORD_LOW,
    ]


def test_location_reads_the_source_the_ocr_layout_writes() -> None:
    cells: dict = {}
    page_rows(_page(), "engine X 1.0", cells)
    located = {(loc.page, loc.box, loc.engine) for loc in map(location, cells) if loc is not None}
    # every box of the table, and the word outside it (a line of text)
    assert (1, (90, 70, 150, 100), "engine X 1.0") in located
    assert (1, (20, 150, 120, 170), "engine X 1.0") in located
    assert len(located) == 7
    assert location("page 2 table 1 r5c4") is None  # a PDF text layer's source
    assert no_crop_reason("page 2 table 1 r5c4") == NO_CROP_TEXT_LAYER
    assert no_crop_reason("page 1 table 2 row 4") == NO_CROP_NO_BOX  # an OCR'd row without a box of its own


def test_cut_keeps_a_margin_inside_the_page() -> None:
    img = np.arange(100 * 50 * 3, dtype=np.uint32).reshape(50, 100, 3)
    assert cut(img, (10, 10, 20, 30), margin=6).shape == (32, 22, 3)
    assert cut(img, (0, 0, 20, 30), margin=6).shape == (36, 26, 3)  # not past the page's edge


def test_progress_line_per_page_and_silent_when_not_asked() -> None:
    out = io.StringIO()
    with OcrProgress("report.pdf", 7, verbose=True, stream=out):
        page_done(3, 4.25)
        page_done(4, 1.0)
        page_done(3, 0.5)  # the double read of page 3's numbers
    page_done(5, 1.0)  # after the context: not counted
    assert out.getvalue().splitlines() == [
        "OCR report.pdf page 3/7 (4.2 s, 4 s so far)",
        "OCR report.pdf page 4/7 (1.0 s, 5 s so far)",
        "OCR report.pdf page 3/7 read again (0.5 s, 6 s so far)",
    ]
    quiet = io.StringIO()
    with OcrProgress("report.pdf", 7, stream=quiet):  # stdout under pytest is not a terminal
        page_done(1, 1.0)
    assert quiet.getvalue() == ""


def test_run_progress_prints_pages_parse_workers_ocr(capsys: Any, tmp_path: Path) -> None:
    from pipelines.ocr.progress_bar import RunProgress, worker_page

    scan = tmp_path / "scan.tif"
    Image.new("RGB", (20, 20), "white").save(scan, save_all=True, append_images=[Image.new("RGB", (20, 20))])
    worker_page(str(scan), 1, 2.0)  # no run open: nothing
    with RunProgress(verbose=True):
        worker_page(str(scan), 1, 2.0)
        worker_page(str(scan), 2, 3.0)
    assert capsys.readouterr().err.splitlines() == [
        "OCR scan.tif page 1/2 (2.0 s, 2 s so far)",
        "OCR scan.tif page 2/2 (3.0 s, 5 s so far)",
    ]


def test_text_layer_pdf_debug_image_draws_its_words_and_table(tmp_path: Path) -> None:
    import pdfplumber

    from pipelines.ocr.debug import PDF_DEBUG_DPI, write_pdf_debug_images

    pdf = Path(__file__).resolve().parent / "corpus" / "fixtures" / "raw" / "fixture2019__pdf_ruled.pdf"
    written = write_pdf_debug_images(pdf.read_bytes(), pdf.stem, tmp_path)
    assert [p.name for p in written] == ["fixture2019__pdf_ruled.p1.png", "fixture2019__pdf_ruled.p2.png"]
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[0]
        size = (round(page.width * PDF_DEBUG_DPI / 72), round(page.height * PDF_DEBUG_DPI / 72))
        title = next(w for w in page.extract_words() if "年度报告" in w["text"])  # where the PDF prints its title
    img = Image.open(written[0]).convert("RGB")
    assert abs(img.size[0] - size[0]) <= 1 and abs(img.size[1] - size[1]) <= 1  # the page at 100 dpi (pixels rounded)
    s = PDF_DEBUG_DPI / 72
    left = [
        img.getpixel((round(title["x0"] * s) + dx, round((title["top"] + title["bottom"]) / 2 * s)))
        for dx in (-1, 0, 1)
    ]
    assert WORD_HIGH in left  # the title's word box, its left edge


def test_scans_are_told_from_text_pdfs_by_their_bytes() -> None:
    from pipelines.ocr.review import looks_scanned

    corpus = Path(__file__).resolve().parent / "corpus"
    scanned = sorted((corpus / "scanned" / "raw").glob("*.pdf"))
    # mixed PDFs (make_scanned_corpus: pasted, mixedpages) carry a text layer: parsed with the text
    # PDFs, their pictures OCR'd there; the others are image-only PDFs
    mixed = [p for p in scanned if p.name.startswith(("pasted__", "mixedpages__"))]
    scans = [p for p in scanned if p not in mixed]
    texts = sorted((corpus / "fixtures" / "raw").glob("*.pdf"))  # PDFs with a text layer
    assert scans and texts and len(mixed) == 2
    assert all(looks_scanned(p.read_bytes()) for p in scans)
    assert not any(looks_scanned(p.read_bytes()) for p in texts + mixed)
    hidden = scans[0].read_bytes().replace(b"/Type /XObject", b"/Type /ObjStm ", 1)
    assert not looks_scanned(hidden)  # objects in object streams may hide a font: not told apart
