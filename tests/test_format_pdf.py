"""The PDF reader: quarantine cases, and the layout hazards of real reports (pipelines/synth/render/pdf.py)."""

from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from pipelines.formats.pdf import read_pdf
from pipelines.model import ParseError
from pipelines.parsing import parse_bytes
from pipelines.synth.render import pdf as render
from tests.render_fixtures import load_truth


def _canvas_pdf(draw, **kwargs) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, **kwargs)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def _text_page(c) -> None:
    c.setFont(render.FONT, 12)
    c.drawString(72, 700, "某某局2022年政府信息公开工作年度报告")


def _scanned(c) -> None:
    from PIL import Image

    img = Image.new("L", (400, 300), 255)
    for x in range(50, 350):
        img.putpixel((x, 150), 0)
    from reportlab.lib.utils import ImageReader

    c.drawImage(ImageReader(img), 72, 400, 400, 300)


def _reason(data: bytes, capfd) -> str:
    with pytest.raises(ParseError) as exc:
        parse_bytes(data, "report.pdf")
    out, err = capfd.readouterr()
    assert out == "" and err == "", f"the reader leaked output: {out!r} {err!r}"
    return exc.value.reason


def test_scanned_pdf_is_quarantined(capfd) -> None:
    assert "no text layer" in _reason(_canvas_pdf(_scanned), capfd)


def test_password_protected_pdf_is_quarantined(capfd) -> None:
    assert "password" in _reason(_canvas_pdf(_text_page, encrypt="secret"), capfd)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_pdf_is_quarantined(capfd, cut: float) -> None:
    data = render.ruled(load_truth("fixture2021"))
    reason = _reason(data[: int(len(data) * cut)], capfd)
    assert "PDF" in reason


def test_garbage_after_pdf_header_is_quarantined(capfd) -> None:
    assert "PDF" in _reason(b"%PDF-1.4\n" + bytes(range(256)) * 40, capfd)


def test_owner_password_only_still_reads() -> None:
    """An empty user password (owner restrictions only) opens without a password."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    def draw(c) -> None:
        c.setFont("Helvetica", 12)
        c.drawString(72, 700, "Annual report 2022")

    data = _canvas_pdf(draw, encrypt=StandardEncryption("", ownerPassword="owner", canPrint=0))
    assert "Annualreport2022" in read_pdf(data).text.replace(" ", "")


def test_undecodable_text_is_quarantined(capfd) -> None:
    """Glyphs whose font maps them to no Unicode (a simple font named by glyph names only, no
    /ToUnicode) are refused, never parsed as garbage."""
    from tests import hostile

    font = (
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Xyzzy /FirstChar 33 /LastChar 40 "
        b"/Widths [500 500 500 500 500 500 500 500] /Encoding << /Type /Encoding "
        b"/Differences [33 /g101 /g102 /g103 /g104 /g105 /g106 /g107 /g108] >> >>"
    )
    text = b"BT /F1 12 Tf 72 720 Td (!\"#$%&'\\() Tj ET\n"
    data = hostile._pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            font,
            hostile._page(5),
            hostile._stream(text),
        ]
    )
    assert "cannot be decoded" in _reason(data, capfd)


def test_cid_font_of_an_encrypted_file_reads() -> None:
    """A predefined CJK CID font (STSong-Light, no /ToUnicode) in an encrypted file reads through
    its registry's character collection (pdfminer printed it as (cid:N))."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    data = _canvas_pdf(_text_page, encrypt=StandardEncryption("", ownerPassword="owner", canPrint=0))
    assert "某某局2022年政府信息公开工作年度报告" in read_pdf(data).text.replace(" ", "")


# ---------------------------------------------------------------- layout hazards


def _grid(variant: str, base: str = "fixture2021"):
    return read_pdf(render.VARIANTS[variant][1](load_truth(base)))


def test_page_marks_are_not_rows() -> None:
    for variant in render.VARIANTS:
        rows = [r for r in _grid(variant).rows if r.text.replace(" ", "") in {"-1-", "-2-", "-3-"}]
        assert rows == [], variant


def test_merged_boxes_carry_their_span() -> None:
    rows = _grid("ruled").rows
    header = next(r for r in rows if "申请人情况" in r.text)
    assert [c.span for c in header.cells] == [3, 7]
    license_row = next(r for r in rows if r.cells and r.cells[0].text == "行政许可")
    assert [c.span for c in license_row.cells] == [1, 3]


def test_group_label_split_across_pages_keeps_rows_in_order() -> None:
    rows = _grid("pagebreak").rows
    texts = [r.text for r in rows]
    first = next(i for i, t in enumerate(texts) if "（四）无" in t and "本机关不掌握" in t)
    second = next(i for i, t in enumerate(texts) if t.startswith("度") or ("法提供" in t and "没有现成信息" in t))
    assert first < second
    report = parse_bytes(render.pagebreak(load_truth("fixture2021")), "x.pdf")
    assert report.cell("requests", "unable_needs_creation", "total").value == 2


def test_unruled_table_gives_blanks_their_column() -> None:
    """No ruling lines: the empty 科研机构 cell of （三）8 is a blank, not a value lost somewhere."""
    rows = _grid("unruled").rows
    row = next(r for r in rows if "属于行政查询事项" in r.text)
    assert row.positional
    assert [c.text for c in row.cells[1:]] == ["0", "0", "", "0", "0", "0", "0"]
    report = parse_bytes(render.unruled(load_truth("fixture2021")), "x.pdf")
    cell = report.cell("requests", "denied_admin_query", "research")
    assert (cell.status, cell.value) == ("blank", None)
    review = [
        report.cell("review_litigation", "litigation_after_review", c).status
        for c in ("upheld", "corrected", "other", "pending", "total")
    ]
    assert review == ["blank"] * 5


def test_unruled_columns_need_evidence() -> None:
    """One line of numbers with no header words over them proves no columns: left non-positional."""

    def draw(c) -> None:
        c.setFont(render.FONT, 10)
        c.drawString(72, 700, "行政许可")
        for x, v in ((300, "12"), (380, "7")):
            c.drawCentredString(x, 700, v)

    rows = read_pdf(_canvas_pdf(draw)).rows
    assert [r.positional for r in rows] == [False]


def test_unruled_mismatched_columns_break_the_table() -> None:
    """Numbers that do not stand in the columns of the lines above start a new table; no value
    is ever moved onto a column it does not stand in."""

    def draw(c) -> None:
        c.setFont(render.FONT, 10)
        y = 700
        for label, xs in (("甲", (300, 360, 420)), ("乙", (300, 360, 420)), ("丙", (330, 390))):
            c.drawString(72, y, label)
            for x in xs:
                c.drawCentredString(x, y, "5")
            y -= 20

    rows = read_pdf(_canvas_pdf(draw)).rows
    assert [r.positional for r in rows] == [True, True, False]


@pytest.mark.parametrize("variant", list(render.VARIANTS))
@pytest.mark.parametrize("base", ["fixture2021", "fixture2019"])
def test_variant_reads_without_wrong_values(variant: str, base: str) -> None:
    truth = load_truth(base)
    report = parse_bytes(render.VARIANTS[variant][1](truth), "x.pdf").to_json()
    wrong = [
        f"{t}.{r}.{c}"
        for t in ("proactive", "requests", "review_litigation")
        for r, cols in truth[t].items()
        for c, v in cols.items()
        if report[t].get(r, {}).get(c) is not None and report[t][r][c] != v
    ]
    assert wrong == []


def test_radical_code_points_read_as_characters() -> None:
    from pipelines.formats.pdf import fold_radicals

    # Chromium's text layer with Noto CJK: Kangxi radicals (NFKC) and the Radicals Supplement (table)
    assert fold_radicals("⼀、总体情况 ⼯作 ⼈⺠政府 ⻔户 ⻚") == "一、总体情况 工作 人民政府 门户 页"
    assert fold_radicals("淮安市2023年") == "淮安市2023年"


# pdf.py does pdfplumber's word extraction and ruled-table search itself, on its own records (issue 12:
# speed); pdfplumber's functions are the reference the results must equal, on random layouts.


def test_words_are_pdfplumbers() -> None:
    import random

    from pdfplumber.utils import extract_words

    from pipelines.formats import pdf

    rnd = random.Random(12)
    texts = ["1", "2", "a", "中", " ", "", "ﬁ", "\u3000"]
    for _ in range(400):
        chars = []
        for _ in range(rnd.randint(1, 40)):
            x0, width = rnd.choice([rnd.uniform(0, 200), float(rnd.randint(0, 200))]), rnd.choice([5.0, 10.0, 0.0, 2.5])
            top, size = rnd.choice([10.0, 12.0, 14.0, 20.0, rnd.uniform(0, 40)]), rnd.choice([10.0, 12.0, 5.0])
            chars.append(
                {"text": rnd.choice(texts), "x0": x0, "x1": x0 + width, "top": top, "bottom": top + size,
                 "doctop": top, "width": width, "height": size, "size": size, "upright": rnd.random() > 0.15}
            )  # fmt: skip
        assert pdf._words(chars) == extract_words(chars, **pdf._WORDS)


def test_ruled_tables_are_pdfplumbers() -> None:
    import random

    from pdfplumber.table import (
        Table,
        TableFinder,
        TableSettings,
        cells_to_tables,
        edges_to_intersections,
        intersections_to_cells,
    )

    from pipelines.formats import pdf

    class Page:  # what pdfplumber's TableFinder reads of a page
        def __init__(self, edges: list[dict]) -> None:
            self.edges, self.bbox = edges, (0, 0, 600, 800)

    rnd = random.Random(12)
    for _ in range(300):
        xs = sorted(rnd.sample(range(0, 500, 7), rnd.randint(2, 8)))
        ys = sorted(rnd.sample(range(0, 700, 9), rnd.randint(2, 8)))
        edges: list[pdf._Edge] = []
        for _ in range(rnd.randint(2, 40)):
            jitter = rnd.uniform(-3.5, 3.5) if rnd.random() < 0.4 else 0.0  # lines a little off: snapped, joined
            if rnd.random() < 0.5:
                y = rnd.choice(ys) + jitter
                left, right = sorted(rnd.sample(xs, 2))
                x0 = left + rnd.choice([0.0, 0.0, rnd.uniform(-4, 4)])
                x1 = x0 + rnd.uniform(0.5, 5) if rnd.random() < 0.15 else float(right)  # a tick, or a line
                edges.append((x0, y, x1, y, x1 - x0, 0.0, "h"))
            elif rnd.random() < 0.9:
                x = rnd.choice(xs) + jitter
                a, b = sorted(rnd.sample(ys, 2))
                edges.append((x, float(a), x, float(b), 0.0, float(b - a), "v"))
            else:
                edges.append((1.0, 2.0, 5.0, 9.0, 4.0, 7.0, None))
        keys = ("x0", "top", "x1", "bottom", "width", "height", "orientation")
        finder = TableFinder.__new__(TableFinder)
        page = Page([{"object_type": "edge", "doctop": e[1], **dict(zip(keys, e, strict=True))} for e in edges])
        finder.page = page  # type: ignore[assignment]
        finder.settings = TableSettings.resolve(None)
        merged = finder.get_edges()
        assert [e[:4] for e in pdf._table_edges(edges)] == [(e["x0"], e["top"], e["x1"], e["bottom"]) for e in merged]
        expected = [
            Table(finder.page, cells)
            for cells in cells_to_tables(intersections_to_cells(edges_to_intersections(merged, 3, 3)))
        ]
        found = pdf._find_tables(edges)
        assert [(t.cells, t.bbox) for t in found] == [(t.cells, t.bbox) for t in expected]
        assert [[(r.cells, r.bbox) for r in t.rows] for t in found] == [
            [(r.cells, r.bbox) for r in t.rows] for t in expected
        ]


def test_path_edges_are_pdfplumbers() -> None:
    """Edges of paths drawn the less common ways: a grid as one path of many subpaths (a move inside
    a path), a circle and a rounded box of Bézier curves, a path that moves then draws two lines.
    pdfplumber's edges of the same page are the reference (pdfium's segment types once misread a
    move as a curve point and a curve as lines, joining a grid's rules into diagonals)."""
    import pdfplumber
    import pypdfium2 as pdfium

    from pipelines.formats import pdf

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.grid([72, 200, 300, 400], [700, 680, 660, 640])
    c.circle(450, 500, 40)
    c.roundRect(72, 300, 200, 100, 12)
    path = c.beginPath()
    path.moveTo(72, 200)
    path.lineTo(300, 200)
    path.moveTo(72, 180)
    path.lineTo(300, 180)
    path.lineTo(300, 100)
    c.drawPath(path)
    c.showPage()
    c.save()
    data = buf.getvalue()

    def rounded(edges: list[tuple]) -> list[tuple]:
        return sorted(
            (round(x0, 1), round(top, 1), round(x1, 1), round(bottom, 1), o) for x0, top, x1, bottom, o in edges
        )

    with pdfplumber.open(io.BytesIO(data)) as doc:
        expected = rounded([(e["x0"], e["top"], e["x1"], e["bottom"], e["orientation"]) for e in doc.pages[0].edges])
    document = pdfium.PdfDocument(data)
    content = pdf._read_page(document.raw, 0, 1, {})
    assert content is not None
    assert rounded([(e[0], e[1], e[2], e[3], e[6]) for e in content.edges]) == expected
    assert len(expected) == 24  # pdfplumber's: the grid's 8 rules, the path's 3, the circle's 4, the box's 9
