"""Mixed PDFs (issue 16): text PDFs whose tables are pasted in as pictures, or with a scanned page.

Truth comes from outside the code: the corpus files' truth is their source fixture's
(tests/make_scanned_corpus.py builds them); the trust tests state the template's identity R01
themselves. The corpus files are read from the committed OCR results (tests/conftest.py
`ocr_cache`); the tests that must not OCR count the engine's calls (none may happen).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.model import ParsedCell, ParsedReport, ParseError
from pipelines.parsing import parse_bytes, parse_bytes_with_grid
from pipelines.score import project_parser, score_one

SCANNED = Path(__file__).resolve().parent / "corpus" / "scanned"
FIXTURES = Path(__file__).resolve().parent / "corpus" / "fixtures"
MIXED_KINDS = ("pasted", "mixedpages")
# Floors under the coverage measured when the files were made (README, "Scanned reports").
MIN_MIXED_COVERAGE = 0.90


def _names(kind: str) -> list[str]:
    return sorted(p.stem for p in (SCANNED / "truth").glob(f"{kind}__*.json"))


def _truth(name: str) -> dict[str, Any]:
    return json.loads((SCANNED / "truth" / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scored() -> dict[str, dict[str, Any]]:
    parse = project_parser(timeout=None)
    out = {}
    for kind in MIXED_KINDS:
        for name in _names(kind):
            got, why = parse(SCANNED / "raw" / f"{name}.pdf")
            out[name] = {**score_one(_truth(name), got), "why": why, "got": got}
    return out


@pytest.mark.parametrize("kind", MIXED_KINDS)
def test_mixed_pdf_is_read_without_a_wrong_number(kind: str, scored: dict[str, dict[str, Any]]) -> None:
    names = _names(kind)
    assert names, f"tests/corpus/scanned has no {kind} file (tests/make_scanned_corpus.py)"
    for name in names:
        s = scored[name]
        assert s["got"], s["why"]
        assert s["meta_ok"], name
        assert s["wrong"] == 0, s["wrong_cells"]
        assert s["correct"] / s["cells"] >= MIN_MIXED_COVERAGE, (name, s["correct"], s["cells"])


def test_mixed_pdf_cells_keep_their_provenance() -> None:
    """The scanned page's cells carry OCR provenance; the text pages' cells are the text layer's,
    taken as printed (none of them made unreadable by OCR trust)."""
    from pipelines.ocr.provenance import OcrGrid

    name = _names("mixedpages")[0]
    truth = _truth(name)
    report, grid = parse_bytes_with_grid((SCANNED / "raw" / f"{name}.pdf").read_bytes(), f"{name}.pdf")
    assert isinstance(grid, OcrGrid) and grid.mixed and grid.pages == 1
    from_ocr = [c for c in report.cells if c.source and grid.provenance(c.source) is not None]
    from_text = [c for c in report.cells if c.source and grid.provenance(c.source) is None]
    assert from_ocr and from_text
    assert all(grid.provenance(c.source).engine == grid.engine for c in from_ocr)  # type: ignore[union-attr]
    for c in from_text:
        assert c.status != "unreadable", c
        if c.status == "value":
            assert c.value == truth[c.table][c.row][c.column], c


# ---------------------------------------------------------------- what is not OCR'd


class _NoOcr:
    """Fails the test on any OCR page read (first or second read) while active."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import pipelines.ocr.layout as layout

        self.calls: list[str] = []

        def refuse(*args: object, **kwargs: object) -> Any:
            self.calls.append("read_page")
            raise AssertionError("OCR was called")

        monkeypatch.setattr(layout, "read_page", refuse)
        monkeypatch.setattr(layout, "reread_boxes", refuse)


def _text_pdf_with_images(
    images: list[tuple[Any, tuple[float, float, float, float]]], text_over: bool = False
) -> bytes:
    """A page of the fixture's prose as text (title, year) with the given pictures drawn at
    (x, y, w, h) points; `text_over` prints a line of text over each picture."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    c = canvas.Canvas(out, invariant=1)
    c.setFont("STSong-Light", 14)
    c.drawString(72, 780, "滨江市人民政府2021年政府信息公开工作年度报告")
    c.setFont("STSong-Light", 10)
    for i in range(10):
        c.drawString(72, 740 - 16 * i, f"本年度共主动公开政府信息{i + 10}条，其中规章1件。")
    for img, (x, y, w, h) in images:
        c.drawImage(ImageReader(img), x, y, w, h)
        if text_over:
            c.drawString(x + 10, y + h / 2, "背景上的文字")
    c.showPage()
    c.save()
    return out.getvalue()


def _picture(w: int, h: int) -> Any:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(img)
    d.ellipse([2, 2, w - 3, h - 3], outline=(215, 30, 35), width=6)
    d.rectangle([w // 3, h // 3, 2 * w // 3, 2 * h // 3], fill=(20, 60, 160))
    return img


def test_text_pdf_with_a_logo_or_a_seal_picture_is_not_ocrd(monkeypatch: pytest.MonkeyPatch) -> None:
    """A logo, a seal picture and an icon on a text page: small, never read by OCR (no engine call);
    the PDF reads as a text PDF, as before."""
    from pipelines.ocr.provenance import OcrGrid

    no_ocr = _NoOcr(monkeypatch)
    data = _text_pdf_with_images(
        [
            (_picture(300, 300), (400, 620, 110, 110)),
            (_picture(120, 60), (72, 40, 48, 24)),
            (_picture(64, 64), (500, 780, 24, 24)),
        ]
    )
    with pytest.raises(ParseError) as exc:  # a page of prose: read, and not a report (no tables)
        parse_bytes(data, "logo.pdf")
    assert "OCR" not in exc.value.reason
    assert no_ocr.calls == []
    from pipelines.formats.pdf import read_pdf

    assert not isinstance(read_pdf(data), OcrGrid)


def test_a_picture_under_text_is_not_ocrd(monkeypatch: pytest.MonkeyPatch) -> None:
    """A page-wide image with text printed over it (a background, letterhead paper) is not a table
    pasted as a picture: not read by OCR."""
    from pipelines.formats.pdf import read_pdf
    from pipelines.ocr.provenance import OcrGrid

    no_ocr = _NoOcr(monkeypatch)
    grid = read_pdf(_text_pdf_with_images([(_picture(800, 400), (60, 300, 470, 230))], text_over=True))
    assert not isinstance(grid, OcrGrid) and no_ocr.calls == []


def test_picture_sizes_that_are_read() -> None:
    """Which images of a page OCR reads (pure: boxes in points on an A4 page, 595 × 842)."""
    from pipelines.ocr.mixed import pictures_of

    page = (0.0, 0.0, 595.0, 842.0)
    text = [{"x0": 72.0, "x1": 82.0, "top": 60.0, "bottom": 70.0, "text": "年"}]
    table = (60.0, 200.0, 535.0, 480.0)
    assert [p.box for p in pictures_of(text, [table], page, 2, 0, [])] == [table]
    assert pictures_of(text, [(400.0, 600.0, 510.0, 710.0)], page, 2, 0, []) == []  # a seal picture
    assert pictures_of(text, [(60.0, 200.0, 535.0, 230.0)], page, 2, 0, []) == []  # a banner
    over = [*text, {"x0": 300.0, "x1": 310.0, "top": 300.0, "bottom": 310.0, "text": "字"}]
    assert pictures_of(over, [table], page, 2, 0, []) == []  # text on it
    mark = [
        *text,
        *(
            {"x0": 290.0 + 6 * i, "x1": 295.0 + 6 * i, "top": 470.0, "bottom": 476.0, "text": t}
            for i, t in enumerate("- 3 -")
        ),
    ]
    assert [p.box for p in pictures_of(mark, [table], page, 2, 0, [])] == [table]  # but a page number may be
    scan = pictures_of([], [(0.0, 0.0, 595.0, 842.0)], page, 3, 7, [])
    assert [(p.page, p.whole, p.at) for p in scan] == [(3, True, 7)]
    assert pictures_of([], [(400.0, 600.0, 510.0, 710.0)], page, 3, 7, []) == []  # a blank page with a seal


def test_mixed_pdf_with_ocr_off_is_refused_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """OGI_OCR=off: a PDF whose tables are pictures is refused (not read without its tables), the
    reason naming the file and the pictures."""
    from pipelines.check import check_file

    monkeypatch.setenv("OGI_OCR", "off")
    no_ocr = _NoOcr(monkeypatch)
    for kind in MIXED_KINDS:
        path = SCANNED / "raw" / f"{_names(kind)[0]}.pdf"
        with pytest.raises(ParseError) as exc:
            parse_bytes(path.read_bytes(), path.name)
        assert "OGI_OCR=off" in exc.value.reason and "picture" in exc.value.reason
        _, out = check_file(path, "text")
        assert path.name in out and "OGI_OCR=off" in out
    assert no_ocr.calls == []


# ---------------------------------------------------------------- trust on a mixed grid (pure)


def _r01(total: float, parts: list[float]) -> tuple[ParsedReport, Any]:
    """The row 本年新收 of a 2021 report: its total read by OCR from a pasted picture, its parts
    printed in the text layer (R01: total = the sum of the parts)."""
    from pipelines.grid import RowList
    from pipelines.ocr.provenance import OcrCell, OcrGrid
    from pipelines.template import APPLICANT_PARTS

    grid = OcrGrid(rows=RowList(), engine="test", mixed=True)
    src = "page 2 picture 1 table 1 row 3 col 2 (OCR test, box 10,10,60,30 px at 200 dpi, conf 0.99)"
    grid.cells[src] = OcrCell(
        2, (10, 10, 60, 30), (12, 12, 50, 28), 200, f"{total:g}", 0.99, "", 0.0, True, "test", True, stray_ink=0
    )
    cells = [ParsedCell("requests", "new_received", "total", total, "value", f"{total:g}", src)]
    for n, (col, v) in enumerate(zip(APPLICANT_PARTS, parts, strict=True)):
        cells.append(
            ParsedCell("requests", "new_received", col, v, "value", f"{v:g}", f"page 2 table 1 row 3 col {n + 3}")
        )
    cells.append(ParsedCell("requests", "carried_over", "total", None, "absent", None, ""))
    return ParsedReport("pdf", None, 2021, "2021", cells), grid


def test_mixed_grid_trusts_text_layer_cells_and_confirms_ocr_ones() -> None:
    from pipelines.ocr.trust import confirm
    from pipelines.template import APPLICANT_PARTS

    parts = [float(i + 1) for i in range(len(APPLICANT_PARTS))]
    report, grid = _r01(sum(parts), parts)
    by = {(c.row, c.column): c for c in confirm(report, grid).cells}
    assert by[("new_received", "total")].status == "value"  # R01 holds with the printed parts
    assert all(by[("new_received", c)].status == "value" for c in APPLICANT_PARTS)
    assert by[("carried_over", "total")].status == "unreadable"  # may be in a picture OCR missed

    report, grid = _r01(sum(parts) + 3, parts)  # OCR misread the total (read once)
    by = {(c.row, c.column): c for c in confirm(report, grid).cells}
    assert by[("new_received", "total")].status == "unreadable" and by[("new_received", "total")].value is None
    assert all(by[("new_received", c)].status == "value" for c in APPLICANT_PARTS)  # the text layer's stand


def test_more_pictures_than_the_ocr_limit_are_refused_before_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    """The OCR limits hold for a mixed PDF's pictures: more than MAX_OCR_PAGES is refused unread."""
    from pipelines.grid import Grid
    from pipelines.ocr.limits import MAX_OCR_PAGES
    from pipelines.ocr.mixed import Picture, read_mixed

    monkeypatch.delenv("OGI_OCR", raising=False)
    no_ocr = _NoOcr(monkeypatch)
    pictures = [Picture(p, (0.0, 0.0, 595.0, 842.0), True, 0, (0.0, 0.0)) for p in range(1, MAX_OCR_PAGES + 2)]
    with pytest.raises(ParseError) as exc:
        read_mixed(b"%PDF-1.7", Grid(), pictures)
    assert f"{MAX_OCR_PAGES + 1} pages or pictures" in exc.value.reason and no_ocr.calls == []


def test_a_lone_dash_read_as_the_numeral_one_is_a_blank_mark() -> None:
    """PP-OCR reads a box's lone "—" as 一 (seen on the pasted tables); a box never holds 一 alone."""
    from pipelines.grid import is_blank_token
    from pipelines.ocr.layout import Word, _cell_text

    text, _ = _cell_text([Word(10, 10, 40, 14, "一", 0.93)])
    assert is_blank_token(text)
    assert _cell_text([Word(10, 10, 40, 20, "1", 0.93)])[0] == "1"


def test_a_picture_cut_at_its_tables_rule_keeps_every_box() -> None:
    """A screenshot cut right at (or inside) its table's outer rule: the picture as OCR gets it
    (white margin, ruled frame) still holds every box of the table pdfplumber finds in the source
    fixture (OpenCV only, no OCR)."""
    import numpy as np
    import pdfplumber

    from pipelines.ocr.layout import find_cells
    from pipelines.ocr.mixed import Picture, _source

    source = FIXTURES / "raw" / "fixture2021__pdf_blanks.pdf"
    with pdfplumber.open(str(source)) as pdf:
        page = pdf.pages[1]
        tables = page.find_tables()
        want = [len(t.cells) for t in tables]
        bbox = page.bbox
    data = source.read_bytes()
    for table, n in zip(tables, want, strict=True):
        x0, top, x1, bottom = table.bbox
        for inset in (0.0, 0.7):  # at the rule, and inside it (the rule cut off)
            box = (x0 + inset, top + inset, x1 - inset, bottom - inset)
            pic = Picture(2, box, False, 0, (bbox[0], bbox[1]))
            images = _source(data, [pic])()
            _, load = next(images)
            img = load()
            images.close()
            found = find_cells(np.asarray(img.image), img.dpi)
            assert [len(t) for t in found] == [n], (box, n)
