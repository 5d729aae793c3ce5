"""The HTML reader on small hand-written pages: cell text, blanks, positions, encodings."""

from __future__ import annotations

import pytest

from pipelines.formats.html import decode_html, read_html
from pipelines.grid import Grid
from pipelines.model import ParseError
from pipelines.parsing import parse_bytes, sniff_format


def _page(body: str, head: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


def _table_rows(grid: Grid) -> list[list[tuple[str, int, int]]]:
    return [[(c.text, c.col, c.span) for c in r.cells] for r in grid.rows if r.positional]


def test_number_split_across_spans_is_one_number() -> None:
    g = read_html(
        _page(
            "<table><tr><td>行政许可</td><td>1<span lang=EN-US>2</span><font>3</font></td>"
            "<td><span>1,</span><span style='color:red'>35</span><b>6</b></td></tr></table>"
        )
    )
    assert _table_rows(g) == [[("行政许可", 0, 1), ("123", 1, 1), ("1,356", 2, 1)]]


def test_block_children_and_br_are_separate_lines() -> None:
    g = read_html(
        _page(
            "<table><tr><td><p>1</p><p>2</p></td><td>三<br>、<br/>本年度</td>"
            "<td><p class=MsoNormal>7<o:p></o:p></p><p>&nbsp;</p></td></tr></table>"
        )
    )
    assert [c.text for c in g.rows[0].cells] == ["1\n2", "三\n、\n本年度", "7"]


def test_nbsp_and_fullwidth_space_cells_are_empty_and_positional() -> None:
    g = read_html(
        _page(
            "<table><tr><td>规章</td><td>&nbsp;</td><td>\u3000</td>"
            "<td><span lang=EN-US><o:p>&nbsp;</o:p></span></td><td> 4 </td></tr></table>"
        )
    )
    row = g.rows[0]
    assert row.positional
    assert [c.text for c in row.cells] == ["规章", "", "", "", "4"]


def test_rowspan_shifts_columns_of_later_rows() -> None:
    html = """<table>
    <tr><td rowspan=3>三、本年度办理结果</td><td colspan=2>（一）予以公开</td><td>5</td></tr>
    <tr><td rowspan=2>（三）不予公开</td><td>1.属于国家秘密</td><td>0</td></tr>
    <tr><td>2.其他法律行政法规禁止公开</td><td>1</td></tr>
    <tr><td colspan=3>四、结转下年度继续办理</td><td>2</td></tr>
    </table>"""
    assert _table_rows(read_html(_page(html))) == [
        [("三、本年度办理结果", 0, 1), ("（一）予以公开", 1, 2), ("5", 3, 1)],
        [("（三）不予公开", 1, 1), ("1.属于国家秘密", 2, 1), ("0", 3, 1)],
        [("2.其他法律行政法规禁止公开", 2, 1), ("1", 3, 1)],
        [("四、结转下年度继续办理", 0, 3), ("2", 3, 1)],
    ]


def test_rowspan_and_colspan_together_and_sources() -> None:
    html = """<table><tr><td colspan=2 rowspan=2>角</td><td>a</td></tr><tr><td>b</td></tr>
    <tr><td>x</td><td>y</td><td>z</td></tr></table>"""
    g = read_html(_page(html))
    assert _table_rows(g) == [[("角", 0, 2), ("a", 2, 1)], [("b", 2, 1)], [("x", 0, 1), ("y", 1, 1), ("z", 2, 1)]]
    assert g.rows[1].source == "table 1 row 2"
    assert g.rows[1].cells[0].source == "table 1 row 2 col 3"


def test_rowspan_stops_at_the_row_group() -> None:
    html = """<table><thead><tr><td rowspan=5>h</td><td>1</td></tr></thead>
    <tbody><tr><td>a</td><td>b</td></tr></tbody></table>"""
    assert _table_rows(read_html(_page(html))) == [[("h", 0, 1), ("1", 1, 1)], [("a", 0, 1), ("b", 1, 1)]]


def test_nested_layout_table_rows_counted_once() -> None:
    html = """<table><tr><td><p>导航</p></td><td><p>正文开始</p>
    <table border=1><tr><td>规章</td><td>0</td></tr><tr><td>行政许可</td><td>86</td></tr></table>
    <p>正文结束</p></td></tr></table>"""
    g = read_html(_page(html))
    assert [r.text for r in g.rows] == ["导航", "正文开始", "规章 0", "行政许可 86", "正文结束"]
    assert [r.positional for r in g.rows] == [False, False, True, True, False]


def test_text_blocks_skip_script_style_comments_hidden_and_head() -> None:
    html = (
        "<html><head><title>某局2022年政府信息公开工作年度报告</title><style>p{color:red}</style>"
        "<script>var a='2099年政府信息公开工作年度报告';</script></head><body>"
        "<div>一、总体情况<!-- 注释 --></div><p style='display:none'>隐藏</p>"
        "<p>第一行<br>第二<b>行</b></p><noscript>请开启脚本</noscript>尾巴</body></html>"
    )
    g = read_html(html.encode("utf-8"))
    assert [r.text for r in g.rows] == [
        "某局2022年政府信息公开工作年度报告",
        "一、总体情况",
        "第一行",
        "第二行",
        "尾巴",
    ]
    assert g.rows[0].source == "html title" and g.rows[1].source == "html block 1"
    assert g.text.splitlines()[0] == "某局2022年政府信息公开工作年度报告"
    assert "2099" not in g.text and "隐藏" not in g.text


@pytest.mark.parametrize(
    "data",
    [
        '<html><head><meta charset="gbk"></head><body><p>行政许可 镕</p></body></html>'.encode("gb18030"),
        (
            '<html><head><meta http-equiv=Content-Type content="text/html; charset=gb2312"></head>'
            "<body><p>行政许可 镕</p></body></html>"
        ).encode("gb18030"),
        "<html><body><p>行政许可 镕</p></body></html>".encode("gb18030"),  # no declaration: not UTF-8
        "<html><body><p>行政许可 镕</p></body></html>".encode(),  # no declaration: UTF-8
        b"\xef\xbb\xbf" + "<html><body><p>行政许可 镕</p></body></html>".encode(),
        "\ufeff<html><body><p>行政许可 镕</p></body></html>".encode("utf-16-le"),
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head>'
            "<body><p>行政许可 镕</p></body></html>"
        ).encode(),  # a wrong Western default
        '<?xml version="1.0" encoding="gb2312"?><html><body><p>行政许可 镕</p></body></html>'.encode("gb18030"),
    ],
    ids=[
        "meta-gbk",
        "http-equiv-gb2312",
        "undeclared-gb",
        "undeclared-utf8",
        "bom-utf8",
        "bom-utf16",
        "wrong-latin1",
        "xml-decl",
    ],
)
def test_encodings(data: bytes) -> None:
    assert "行政许可 镕" in decode_html(data)
    assert [r.text for r in read_html(data).rows] == ["行政许可 镕"]


def test_declared_utf8_page_that_is_gbk_falls_back() -> None:
    data = '<html><head><meta charset="utf-8"></head><body><p>主动公开</p></body></html>'.encode("gbk")
    assert [r.text for r in read_html(data).rows] == ["主动公开"]


def test_empty_page_raises() -> None:
    with pytest.raises(ParseError):
        read_html(b"   ")
    with pytest.raises(ParseError):
        read_html(b"<html><head><title></title></head><body><script>x()</script></body></html>")


def test_page_without_a_report_raises_parse_error() -> None:
    data = _page(
        "<h1>关于开展2023年春季植树活动的通知</h1><table><tr><td>地点</td><td>人数</td></tr>"
        "<tr><td>东湖</td><td>120</td></tr></table>",
        "<title>通知公告</title>",
    )
    assert sniff_format(data) == "html"
    with pytest.raises(ParseError):
        parse_bytes(data, "notice.html")


def test_sniff_html_documents_and_fragments() -> None:
    assert sniff_format(b"<!DOCTYPE html><html><body></body></html>") == "html"
    assert sniff_format("<p>某局</p><table><tr><td>1</td></tr></table>".encode()) == "html"
    assert sniff_format("\ufeff<html><body>x</body></html>".encode("utf-16-le")) == "html"
    assert sniff_format("# 标题\n\n<table>\n<tr><td>1</td></tr>\n</table>\n".encode()) == "markdown"
    assert sniff_format("一、总体情况\n规章\t0\t0\n".encode()) == "text"


_REPORT = """<html><head><meta charset="utf-8"><title>测试县民政局2022年政府信息公开工作年度报告</title></head><body>
<p>二、主动公开政府信息情况</p>
<table border=1>
<tr><td colspan=4>第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan=3>本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan=3>1<span>2</span></td></tr>
</table>
<p>三、收到和处理政府信息公开申请情况</p>
<table border=1>
<tr><td colspan=3>一、本年新收政府信息公开申请数量</td><td>3</td><td>&nbsp;</td><td>0</td><td>0</td><td>0</td><td>0</td><td>3</td></tr>
</table>
<p>四、政府信息公开行政复议、行政诉讼情况</p>
<table border=1>
<tr><td colspan=5>行政复议</td><td colspan=10>行政诉讼</td></tr>
<tr><td colspan=5>&nbsp;</td><td>1</td><td>0</td><td>0</td><td>0</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td></tr>
</table>
<p>五、存在的主要问题及改进情况</p></body></html>"""


def test_small_report_end_to_end() -> None:
    rep = parse_bytes(_REPORT.encode("utf-8"), "r.html").to_json()
    assert (rep["agency"], rep["report_year"], rep["template"]) == ("测试县民政局", 2022, "2021")
    assert rep["proactive"]["admin_license"]["decisions"] == 12
    assert rep["requests"]["new_received"] == {
        "natural_person": 3,
        "commercial": None,
        "research": 0,
        "social_org": 0,
        "legal_service": 0,
        "other_org": 0,
        "total": 3,
    }
    assert rep["review_litigation"]["review"] == dict.fromkeys(("upheld", "corrected", "other", "pending", "total"))
    assert rep["review_litigation"]["litigation_direct"] == {
        "upheld": 1,
        "corrected": 0,
        "other": 0,
        "pending": 0,
        "total": 1,
    }


def test_a_table_without_table_tags_div_rows_keep_their_empty_cells() -> None:
    rows = "".join(
        '<div class="tr">' + "".join(f'<p class="td">{c}</p>' for c in cells) + "</div>"
        for cells in (
            ["自然人", "商业企业", "总计"],
            ["（一）予以公开", "3", "", "3"],
            ["（二）部分公开", "1", "1", "2"],
        )
    )
    g = read_html(_page(f"<div>{rows}</div>"))
    texts = [[c.text for c in r.cells] for r in g.rows if len(r.cells) > 1]
    assert texts[1] == ["（一）予以公开", "3", "", "3"]  # the empty cell kept: a blank, in its place
    assert not any(r.positional for r in g.rows)  # no table grid: fields, as tab-separated text


def test_a_css_grid_table_is_laid_out_by_its_spans() -> None:
    cells = [
        ("行政复议", "grid-column:span 2"),
        ("行政诉讼", "grid-column:span 2"),
        ("1", ""),
        ("2", ""),
        ("3", ""),
        ("", ""),
    ]
    body = (
        '<div style="display:grid;grid-template-columns:repeat(4, 1fr)">'
        + "".join(f'<div style="{style}">{t}</div>' for t, style in cells)
        + "</div>"
    )
    assert _table_rows(read_html(_page(body))) == [
        [("行政复议", 0, 2), ("行政诉讼", 2, 2)],
        [("1", 0, 1), ("2", 1, 1), ("3", 2, 1), ("", 3, 1)],
    ]
    # a cell spanning two rows covers its column in the row below
    body = (
        '<div style="display:grid;grid-template-columns:1fr 1fr 1fr">'
        '<div style="grid-row:span 2">（三）不予公开</div><div>1.属于国家秘密</div><div>4</div>'
        "<div>2.其他法律行政法规禁止公开</div><div>5</div></div>"
    )
    assert _table_rows(read_html(_page(body))) == [
        [("（三）不予公开", 0, 1), ("1.属于国家秘密", 1, 1), ("4", 2, 1)],
        [("2.其他法律行政法规禁止公开", 1, 1), ("5", 2, 1)],
    ]


def test_cell_text_whatever_the_shape_of_its_markup() -> None:
    """A cell's one line from each shape the reader reads by its own path: text around a single
    child, a comment child, a paragraph with text beside it, and children past the number read
    as a list (_LISTED), with a hidden one among them."""
    many = "".join(f"<span>{i % 10}</span>" for i in range(100))
    hidden_among_many = "".join(f"<span>{i % 10}</span>" for i in range(70)) + "<span style='display:none'>9</span>"
    g = read_html(
        _page(
            "<table><tr>"
            "<td><p>行<span>政</span>许可</p></td>"
            "<td><p>1<!-- 注释 -->2</p></td>"
            "<td>前<p>3</p></td>"
            f"<td>{many}</td>"
            f"<td><p>{hidden_among_many}</p></td>"
            "</tr></table>"
        )
    )
    digits = "".join(str(i % 10) for i in range(100))
    assert [c.text for c in g.rows[0].cells] == ["行政许可", "12", "前\n3", digits, digits[:70]]


def test_a_page_of_more_paragraphs_than_a_list_takes_reads_every_one() -> None:
    body = "".join(f"<p>第{i}段</p>" for i in range(200))
    assert [r.text for r in read_html(_page(body)).rows] == [f"第{i}段" for i in range(200)]


def test_cells_of_one_element_each_shape() -> None:
    """Cells holding one element, itself holding at most one childless element (Word's
    <p><span>, a CMS's <span>), read from their texts (_small_cell_text), beside the cells of
    those shapes that are more than one line or hold what is never printed."""
    g = read_html(
        _page(
            "<table><tr>"
            "<td><p class=MsoNormal><span lang=EN-US>1</span></p></td>"
            "<td>\r\n <p>&nbsp;<span>2</span>\u3000</p>\u00a0</td>"
            "<td>前<p><span>3</span></p></td>"
            "<td><p><span>4</span></p>后</td>"
            "<td><p>5<!-- 6 -->7</p></td>"
            "<td>8<!-- 9 -->0</td>"
            "<td><b>1</b>2</td>"
            "<td><span>3<br>4</span></td>"
            "<td><font><b>5</b>6</font></td>"
            "<td><span><script>7</script></span></td>"
            "<td><p><o:p>&nbsp;</o:p></p></td>"
            "<td><br></td>"
            "</tr></table>"
        )
    )
    assert [c.text for c in g.rows[0].cells] == [
        "1",
        "2",
        "前\n3",
        "4\n后",
        "57",
        "80",
        "12",
        "3\n4",
        "56",
        "",
        "",
        "",
    ]


@pytest.mark.parametrize(
    "cell",
    [
        "<td style='DISPLAY: NONE'>9</td>",
        "<td HIDDEN>9</td>",
        "<td style='&#100;isplay:none'>9</td>",  # a character reference spells the property
        "<td style='&#X00064;isplay:none'>9</td>",
        "<td style='visibility:hidden'>9</td>",
        "<td style='mso-hide:all'>9</td>",
    ],
    ids=["upper-case-style", "upper-case-attribute", "character-reference", "hex-reference", "visibility", "mso-hide"],
)
def test_a_hidden_cell_is_left_out_however_it_is_spelled(cell: str) -> None:
    # (&#12288;, the full-width space Chinese pages print, is a character reference spelling no word)
    g = read_html(_page(f"<p>&#12288;说明</p><table><tr><td>规章</td>{cell}<td>4</td></tr></table>"))
    assert g.rows[0].cells[0].text == "说明"
    g.rows.pop(0)
    assert [c.text for c in g.rows[0].cells] == ["规章", "4"]


def test_a_hidden_cell_of_a_utf16_page_is_left_out() -> None:
    page = "\ufeff<html><body><table><tr><td>规章</td><td style='display:none'>9</td></tr></table></body></html>"
    assert [c.text for c in read_html(page.encode("utf-16-le")).rows[0].cells] == ["规章"]


def test_a_tag_named_with_a_kelvin_sign_is_read_as_its_lower_case_name() -> None:
    """KELVIN SIGN lower-cases to "k": <lin\u212a> is a <link>, whose content is never printed
    (the reader names tags by their lower case; libxml2 lower-cases only ASCII letters)."""
    g = read_html(_page("<table><tr><td>1<lin\u212a>x</lin\u212a></td><td>2</td></tr></table>"))
    assert [c.text for c in g.rows[0].cells] == ["1", "2"]
