"""The DOCX reader on documents written here part by part as XML (no library in between): merged
cells (gridSpan, vMerge), gridBefore, nested tables, content controls, text boxes, deleted rows,
empty cells. Expected values are written from the document's content. Each document is also read
through python-docx (the way the reader opened documents before, kept for what the direct reader
does not know): both give the same grid."""

from __future__ import annotations

import io
import zipfile

import pytest

from pipelines.formats import docx as reader
from pipelines.formats.docx import read_docx
from pipelines.model import ParseError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def build(body: str, main_type: str = MAIN_TYPE, part: str = "word/document.xml", prolog: str = "") -> bytes:
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<w:document xmlns:w="{W}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{part}" ContentType="{main_type}"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/officeDocument" '
            f'Target="{part}"/></Relationships>'
        ),
        part: document,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def tc(*paras: str, span: int = 1, vmerge: str | None = None, raw: str = "") -> str:
    pr = (f'<w:gridSpan w:val="{span}"/>' if span > 1 else "") + (
        '<w:vMerge w:val="restart"/>' if vmerge == "restart" else "<w:vMerge/>" if vmerge == "continue" else ""
    )
    return f'<w:tc><w:tcPr><w:tcW w:w="1000" w:type="dxa"/>{pr}</w:tcPr>{"".join(p(t) for t in paras)}{raw}</w:tc>'


def tr(*cells: str, before: int = 0, deleted: bool = False) -> str:
    pr = (f'<w:gridBefore w:val="{before}"/>' if before else "") + ('<w:del w:id="9" w:author="a"/>' if deleted else "")
    return f"<w:tr>{'<w:trPr>' + pr + '</w:trPr>' if pr else ''}{''.join(cells)}</w:tr>"


def tbl(*rows: str) -> str:
    return f"<w:tbl><w:tblPr/><w:tblGrid/>{''.join(rows)}</w:tbl>"


def dump(grid) -> list:
    return [(r.source, r.positional, [(c.text, c.col, c.span, c.source) for c in r.cells]) for r in grid.rows]


def read_both(data: bytes, monkeypatch) -> object:
    """The grid read directly, checked equal to the grid read through python-docx."""
    reader._body_direct(data)  # the direct reader reads it
    direct = read_docx(data)
    with monkeypatch.context() as m:
        m.setattr(reader, "_body_direct", lambda d: (_ for _ in ()).throw(reader._Unsupported("test")))
        via_python_docx = read_docx(data)
    assert dump(direct) == dump(via_python_docx)
    assert direct.text == via_python_docx.text
    return direct


def cells(row) -> list[tuple[int, int, str]]:
    return [(c.col, c.span, c.text) for c in row.cells]


def test_paragraphs_tables_spans_and_vertical_merges(monkeypatch) -> None:
    body = p("宁江市测试局2023年政府信息公开工作年度报告") + tbl(
        tr(tc("三、本年度办理结果", vmerge="restart"), tc("（一）予以公开"), tc("12")),
        tr(tc(vmerge="continue"), tc("（二）部分公开"), tc("6")),
        tr(tc("合计", span=2), tc("18")),
        tr(tc(""), tc(""), tc("")),  # an empty row is no row
        tr(tc("5"), tc("6"), before=1),
    )
    grid = read_both(build(body), monkeypatch)
    assert grid.rows[0].text == "宁江市测试局2023年政府信息公开工作年度报告" and not grid.rows[0].positional
    rows = [r for r in grid.rows if r.positional]
    assert cells(rows[0]) == [(0, 1, "三、本年度办理结果"), (1, 1, "（一）予以公开"), (2, 1, "12")]
    assert cells(rows[1]) == [(1, 1, "（二）部分公开"), (2, 1, "6")]  # covered by the merge above
    assert cells(rows[2]) == [(0, 2, "合计"), (2, 1, "18")]
    assert cells(rows[3]) == [(1, 1, "5"), (2, 1, "6")]
    assert rows[3].source == "table 1 row 5" and rows[3].cells[0].source == "table 1 row 5 col 2"


def test_empty_cells_are_blank_cells(monkeypatch) -> None:
    grid = read_both(build(tbl(tr(tc("行政许可"), tc(""), tc(), tc("3")))), monkeypatch)
    assert cells(grid.rows[0]) == [(0, 1, "行政许可"), (1, 1, ""), (2, 1, ""), (3, 1, "3")]


def test_nested_table_is_read_into_its_cell_line_by_line(monkeypatch) -> None:
    inner = tbl(tr(tc("内1"), tc("内2")), tr(tc("内3")))
    grid = read_both(build(tbl(tr(tc("外", raw=inner), tc("9")))), monkeypatch)
    assert cells(grid.rows[0]) == [(0, 1, "外\n内1\n内2\n内3"), (1, 1, "9")]


def test_content_controls_deleted_rows_and_run_pieces(monkeypatch) -> None:
    sdt_row = f"<w:sdt><w:sdtPr/><w:sdtContent>{tr(tc('（三）不予公开'), tc('2'))}</w:sdtContent></w:sdt>"
    sdt_cell = f"<w:sdt><w:sdtContent>{tc('4')}</w:sdtContent></w:sdt>"
    runs = (
        "<w:p><w:r><w:t>1</w:t></w:r><w:hyperlink><w:r><w:t>2</w:t></w:r></w:hyperlink>"
        "<w:r><w:delText>0</w:delText></w:r><w:r><w:instrText>PAGE</w:instrText><w:t>3</w:t></w:r></w:p>"
    )
    body = f"<w:sdt><w:sdtContent>{p('二、主动公开')}</w:sdtContent></w:sdt>" + tbl(
        sdt_row, tr(tc("旧行"), tc("1"), deleted=True), tr(tc("新行"), sdt_cell), tr(f"<w:tc>{runs}</w:tc>")
    )
    grid = read_both(build(body), monkeypatch)
    assert [r.text for r in grid.rows] == ["二、主动公开", "（三）不予公开 2", "新行 4", "123"]
    assert grid.rows[2].source == "table 1 row 2"  # the deleted row is not counted


def test_tabs_breaks_and_text_boxes(monkeypatch) -> None:
    box = (
        '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        + p("框内")
        + "</w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent>"
        + p("副本")
        + "</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent><w:t>正文</w:t></w:r></w:p>"
    )
    tabbed = "<w:p><w:r><w:t>行政许可</w:t><w:tab/><w:t>550</w:t><w:br/><w:t>下一行</w:t></w:r></w:p>"
    grid = read_both(build(box + tabbed), monkeypatch)
    assert [(r.source, r.text) for r in grid.rows] == [
        ("paragraph 1 text box 1 line 1", "框内"),
        ("paragraph 1", "正文"),
        ("paragraph 2", "行政许可 550\n下一行"),
    ]
    assert [c.text for c in grid.rows[2].cells] == ["行政许可", "550\n下一行"]


def test_main_part_found_by_relationship_and_content_type(monkeypatch) -> None:
    grid = read_both(build(p("报告"), part="word/main.xml"), monkeypatch)
    assert grid.rows[0].text == "报告"
    macro = build(p("报告"), main_type="application/vnd.ms-word.document.macroEnabled.main+xml")
    with pytest.raises(reader._Unsupported):
        reader._body_direct(macro)
    with pytest.raises(ParseError, match="not a Word file"):  # python-docx's answer, as before
        read_docx(macro)


def test_a_dtd_is_refused_and_entities_are_never_expanded() -> None:
    with pytest.raises(ParseError, match="declares a DTD"):
        read_docx(build(p("&lol;"), prolog='<!DOCTYPE w:document [<!ENTITY lol "lol">]>\n'))
    with pytest.raises(ParseError, match="DOCX cannot be opened"):  # undeclared entity: not XML
        read_docx(build(p("&ext;")))


def test_deep_nesting_is_refused() -> None:
    deep = "<w:sdt><w:sdtContent>" * 300 + p("x") + "</w:sdtContent></w:sdt>" * 300
    with pytest.raises(ParseError, match="nested more than 256 levels deep"):
        read_docx(build(deep))


def test_a_dtd_after_the_first_kilobytes_of_a_large_part_is_refused() -> None:
    # the prolog check reads a large part's first 4 KiB, then up to 64 KiB when its root is not there yet
    prolog = "<!--" + "x" * 8000 + '-->\n<!DOCTYPE w:document [<!ENTITY lol "lol">]>\n'
    with pytest.raises(ParseError, match="declares a DTD"):
        read_docx(build(p("报告" * 40000), prolog=prolog))


def _with_bad_crc(data: bytes, name: str) -> bytes:
    """The package with `name`'s CRC in the central directory changed (its data intact)."""
    buf = bytearray(data)
    at = 0
    while (at := bytes(buf).find(b"PK\x01\x02", at + 1)) >= 0:
        n = int.from_bytes(buf[at + 28 : at + 30], "little")
        if bytes(buf[at + 46 : at + 46 + n]).decode() == name:
            buf[at + 16] ^= 0xFF
            return bytes(buf)
    raise AssertionError(name)


def test_package_members_read_as_zipfile_reads_them() -> None:
    from pipelines.formats.office import open_package

    data = build(p("报告") * 2000)  # (its document part over 64 KiB: the prolog check reads its start only)
    z = open_package(data, "DOCX")
    plain = zipfile.ZipFile(io.BytesIO(data))
    for info in plain.infolist():
        assert z.read(info.filename) == plain.read(info.filename)
    # a member whose CRC does not match: refused as zipfile refuses it, whichever part it is
    for name in ("_rels/.rels", "word/document.xml"):
        bad = _with_bad_crc(data, name)
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
            zipfile.ZipFile(io.BytesIO(bad)).read(name)
        if name == "_rels/.rels":  # (a small part: the prolog check unpacks it whole)
            with pytest.raises(ParseError, match="does not match its zip directory entry"):
                read_docx(bad)
        else:
            with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32"):
                open_package(bad, "DOCX").read(name)
