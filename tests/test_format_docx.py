"""The DOCX reader on small documents built here; expected values are written by hand."""

from __future__ import annotations

import io

import pytest

from pipelines.formats.docx import read_docx
from pipelines.grid import parse_number
from pipelines.model import ParseError
from pipelines.parsing import parse_bytes, sniff_format

NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def p(text: str) -> str:
    return f'<w:p><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def tc(text: str = "", span: int = 1, vmerge: str | None = None, paras: list[str] | None = None) -> str:
    pr = ""
    if span > 1:
        pr += f'<w:gridSpan w:val="{span}"/>'
    if vmerge == "restart":
        pr += '<w:vMerge w:val="restart"/>'
    elif vmerge == "continue":
        pr += "<w:vMerge/>"
    body = "".join(p(t) for t in paras) if paras is not None else p(text)
    return f"<w:tc><w:tcPr>{pr}</w:tcPr>{body}</w:tc>"


def tr(*cells: str, before: int = 0) -> str:
    pr = f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before else ""
    return f"<w:tr>{pr}{''.join(cells)}</w:tr>"


def tbl(*rows: str) -> str:
    return f"<w:tbl>{''.join(rows)}</w:tbl>"


def build(*blocks: str) -> bytes:
    """A DOCX whose body is exactly the given w:p / w:tbl XML blocks."""
    import docx
    from docx.oxml import parse_xml

    doc = docx.Document()
    body = doc.element.body
    sect = body.sectPr
    for child in list(body):
        body.remove(child)
    for block in blocks:
        body.append(
            parse_xml(
                block.replace("<w:p>", f"<w:p {NS}>", 1)
                if block.startswith("<w:p>")
                else block.replace("<w:tbl>", f"<w:tbl {NS}>", 1)
            )
        )
    body.append(sect)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def cells(row) -> list[tuple[int, int, str]]:
    return [(c.col, c.span, c.text) for c in row.cells]


def test_paragraphs_and_tables_in_document_order() -> None:
    grid = read_docx(build(p("标题"), tbl(tr(tc("a"), tc("1"))), p("中间"), tbl(tr(tc("b"), tc("2")))))
    assert [r.text for r in grid.rows] == ["标题", "a 1", "中间", "b 2"]
    assert [r.positional for r in grid.rows] == [False, True, False, True]
    assert [r.source for r in grid.rows] == ["paragraph 1", "table 1 row 1", "paragraph 2", "table 2 row 1"]
    assert grid.rows[3].cells[1].source == "table 2 row 1 col 2"
    assert grid.text == "标题\na 1\n中间\nb 2"


def test_grid_span_is_one_cell() -> None:
    grid = read_docx(build(tbl(tr(tc("行政许可"), tc("550", span=3)), tr(tc("x"), tc("1"), tc(""), tc("3")))))
    assert cells(grid.rows[0]) == [(0, 1, "行政许可"), (1, 3, "550")]
    assert cells(grid.rows[1]) == [(0, 1, "x"), (1, 1, "1"), (2, 1, ""), (3, 1, "3")]


def test_vmerge_continuation_is_not_repeated() -> None:
    grid = read_docx(
        build(
            tbl(
                tr(tc("三、本年度办理结果", vmerge="restart"), tc("（一）予以公开"), tc("12")),
                tr(tc("", vmerge="continue"), tc("（二）部分公开"), tc("6")),
                tr(tc("（七）总计"), tc(""), tc("18")),
            )
        )
    )
    assert cells(grid.rows[0]) == [(0, 1, "三、本年度办理结果"), (1, 1, "（一）予以公开"), (2, 1, "12")]
    assert cells(grid.rows[1]) == [(1, 1, "（二）部分公开"), (2, 1, "6")]
    assert cells(grid.rows[2]) == [(0, 1, "（七）总计"), (1, 1, ""), (2, 1, "18")]


def test_vmerge_spanning_columns_and_orphan_continuation() -> None:
    grid = read_docx(
        build(
            tbl(tr(tc("corner", span=2, vmerge="restart"), tc("h")), tr(tc("", span=2, vmerge="continue"), tc("v"))),
            # a table split out of a merge starts with a continuation that has nothing above:
            # Word shows it as a cell of its own
            tbl(tr(tc("", vmerge="continue"), tc("（四）无法提供"), tc("9"))),
        )
    )
    assert cells(grid.rows[0]) == [(0, 2, "corner"), (2, 1, "h")]
    assert cells(grid.rows[1]) == [(2, 1, "v")]
    assert cells(grid.rows[2]) == [(0, 1, ""), (1, 1, "（四）无法提供"), (2, 1, "9")]


def test_grid_before_offsets_columns() -> None:
    grid = read_docx(build(tbl(tr(tc("a"), tc("b"), tc("c")), tr(tc("5"), tc("6"), before=1))))
    assert cells(grid.rows[1]) == [(1, 1, "5"), (2, 1, "6")]
    assert grid.rows[1].cells[0].source == "table 1 row 2 col 2"


def test_legacy_hmerge_widens_the_cell() -> None:
    row = tr(
        '<w:tc><w:tcPr><w:hMerge w:val="restart"/></w:tcPr>' + p("合并") + "</w:tc>",
        "<w:tc><w:tcPr><w:hMerge/></w:tcPr>" + p("") + "</w:tc>",
        tc("7"),
    )
    grid = read_docx(build(tbl(row)))
    assert cells(grid.rows[0]) == [(0, 2, "合并"), (2, 1, "7")]


def test_cell_paragraphs_joined_by_newline_never_one_number() -> None:
    runs = "<w:p><w:r><w:t>1</w:t></w:r><w:r><w:t>2</w:t></w:r></w:p>"  # one number in two runs
    grid = read_docx(build(tbl(tr(tc(paras=["1", "2"]), f"<w:tc>{runs}</w:tc>"))))
    a, b = grid.rows[0].cells
    assert a.text == "1\n2" and parse_number(a.text) is None
    assert b.text == "12" and parse_number(b.text) == 12


def test_deleted_text_and_field_codes_are_not_text() -> None:
    para = (
        '<w:p><w:r><w:t>本年</w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>旧</w:delText></w:r></w:del>'
        '<w:r><w:instrText> PAGE </w:instrText></w:r><w:ins w:id="2" w:author="a"><w:r><w:t>新收</w:t></w:r></w:ins></w:p>'
    )
    assert read_docx(build(para)).rows[0].text == "本年新收"


def test_tabbed_paragraph_is_a_row_of_fields() -> None:
    para = "<w:p><w:r><w:t>行政许可</w:t><w:tab/><w:t>550</w:t></w:r></w:p>"
    row = read_docx(build(para)).rows[0]
    assert [c.text for c in row.cells] == ["行政许可", "550"] and not row.positional


def test_corrupt_and_encrypted_files_raise_parse_error() -> None:
    with pytest.raises(ParseError, match="corrupt"):
        read_docx(b"PK\x03\x04 this is not a zip")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    assert sniff_format(ole, "report.docx") == "docx"
    with pytest.raises(ParseError, match="password-protected"):
        parse_bytes(ole, "report.docx")
    with pytest.raises(ParseError, match="legacy"):
        read_docx(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def test_sniffed_from_content_without_a_name() -> None:
    assert sniff_format(build(p("x"))) == "docx"


def test_document_without_report_is_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_bytes(build(p("会议通知"), tbl(tr(tc("a"), tc("1")))), "x.docx")


def _vals(*v: object) -> list[str]:
    return [tc(str(x)) for x in v]


def test_small_report_end_to_end() -> None:
    """gridBefore, vMerge and gridSpan in the requests table, read through the aligner."""
    doc = build(
        p("测试县人民政府2022年政府信息公开工作年度报告"),
        p("三、收到和处理政府信息公开申请情况"),
        tbl(
            tr(
                tc("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", span=3, vmerge="restart"),
                tc("申请人情况", span=7),
            ),
            tr(
                tc("", span=3, vmerge="continue"),
                tc("自然人", vmerge="restart"),
                tc("法人或其他组织", span=5),
                tc("总计", vmerge="restart"),
            ),
            tr(
                tc("", span=3, vmerge="continue"),
                tc("", vmerge="continue"),
                *[tc(x) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
                tc("", vmerge="continue"),
            ),
            tr(tc("一、本年新收政府信息公开申请数量", span=3), *_vals(7, 1, 0, 0, 0, 0, 8)),
            tr(tc("三、本年度办理结果", vmerge="restart"), tc("（一）予以公开", span=2), *_vals(5, 1, 0, 0, 0, "", 6)),
            tr(
                tc("", vmerge="continue"),
                tc("（三）不予公开", vmerge="restart"),
                tc("1.属于国家秘密"),
                *_vals(1, 0, 0, 0, 0, 0, 1),
            ),
            # a row whose label column is left out with gridBefore
            tr(tc("2.其他法律行政法规禁止公开"), *_vals(0, 0, 0, 0, 0, 0, 0), before=2),
        ),
        p("四、政府信息公开行政复议、行政诉讼情况"),
    )
    got = parse_bytes(doc, "r.docx").to_json()
    assert got["agency"] == "测试县人民政府" and got["report_year"] == 2022
    req = got["requests"]
    assert req["new_received"] == {
        "natural_person": 7,
        "commercial": 1,
        "research": 0,
        "social_org": 0,
        "legal_service": 0,
        "other_org": 0,
        "total": 8,
    }
    assert req["granted"]["natural_person"] == 5 and req["granted"]["other_org"] is None
    assert req["granted"]["total"] == 6
    assert req["denied_state_secret"]["total"] == 1
    assert req["denied_law_forbidden"]["natural_person"] == 0
