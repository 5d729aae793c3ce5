"""The Markdown reader on small hand-written documents."""

from __future__ import annotations

import pytest

from pipelines.formats.markdown import read_markdown
from pipelines.model import ParseError
from pipelines.parsing import parse_bytes, sniff_format
from pipelines.synth.render.markdown import padded
from tests.render_fixtures import load_truth
from tests.test_corpus_score import score


def _rows(md: str) -> list[tuple[bool, list[str]]]:
    return [(r.positional, [c.text for c in r.cells]) for r in read_markdown(md.encode("utf-8")).rows]


def test_pipe_table_rule_skipped_and_empty_cell_blank() -> None:
    md = "## 二、主动公开政府信息情况\n\n| 信息内容 | 本年制发件数 | 本年废止件数 |\n| :--- | ---: | :-: |\n| 规章 |  | 3 |\n"
    assert _rows(md) == [
        (False, ["二、主动公开政府信息情况"]),
        (True, ["信息内容", "本年制发件数", "本年废止件数"]),
        (True, ["规章", "", "3"]),
    ]


def test_rows_without_leading_and_trailing_pipes() -> None:
    md = "信息内容 | 本年处理决定数量\n--- | ---\n行政许可 | 86\n行政强制 | |\n"
    assert _rows(md) == [(True, ["信息内容", "本年处理决定数量"]), (True, ["行政许可", "86"]), (True, ["行政强制", ""])]


def test_cell_markup_escapes_and_sources() -> None:
    md = "| a | b |\n|---|---|\n| **1**2 | x \\| y<br>z |\n| `7` | &nbsp; |\n"
    g = read_markdown(md.encode("utf-8"))
    assert [[c.text for c in r.cells] for r in g.rows] == [["a", "b"], ["12", "x | y\nz"], ["7", ""]]
    assert g.rows[1].source == "table 1 row 2 (line 3)"
    assert g.rows[1].cells[1].source == "table 1 row 2 col 2"
    assert [c.col for c in g.rows[1].cells] == [0, 1]


def test_leading_pipe_table_without_rule_row() -> None:
    assert _rows("| 规章 | 0 |\n| 行政许可 | 5 |\n") == [(True, ["规章", "0"]), (True, ["行政许可", "5"])]


def test_a_pipe_in_prose_is_not_a_table() -> None:
    assert _rows("联系电话：0517-1234 | 传真：0517-5678\n") == [(False, ["联系电话：0517-1234 | 传真：0517-5678"])]


def test_headings_lists_quotes_and_rules() -> None:
    md = "# 某局2022年政府信息公开工作年度报告 #\n\n---\n\n- 一是加强领导\n> 引用\n* **二是**完善制度\n```\n代码\n```\n"
    assert _rows(md) == [
        (False, ["某局2022年政府信息公开工作年度报告"]),
        (False, ["一是加强领导"]),
        (False, ["引用"]),
        (False, ["二是完善制度"]),
        (False, ["代码"]),
    ]


def test_embedded_html_table_keeps_spans_and_columns() -> None:
    md = (
        "# 标题\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\n<table>\n<tr><td rowspan=2>三</td><td>a</td></tr>\n"
        "<tr><td colspan=2>b</td></tr>\n</table>\n\n尾\n"
    )
    g = read_markdown(md.encode("utf-8"))
    cells = [[(c.text, c.col, c.span) for c in r.cells] for r in g.rows]
    assert cells == [
        [("标题", 0, 1)],
        [("x", 0, 1), ("y", 1, 1)],
        [("1", 0, 1), ("2", 1, 1)],
        [("三", 0, 1), ("a", 1, 1)],
        [("b", 1, 2)],
        [("尾", 0, 1)],
    ]
    assert g.rows[3].source == "table 2 row 1" and g.rows[4].cells[0].source == "table 2 row 2 col 2"


def test_gb18030_markdown_decodes() -> None:
    assert _rows("| 规章 | 0 |\n|---|---|\n") == [(True, ["规章", "0"])]
    g = read_markdown("| 规章 | 镕 |\n|---|---|\n".encode("gb18030"))
    assert g.rows[0].cells[1].text == "镕"


def test_sniff_markdown() -> None:
    assert sniff_format(b"| a | b |\n|---|---|\n") == "markdown"
    assert sniff_format(b"a | b\n--- | ---\n") == "markdown"
    assert sniff_format("一、总体情况\n".encode(), "r.md") == "markdown"


def test_document_without_a_report_raises() -> None:
    with pytest.raises(ParseError):
        parse_bytes("# 会议纪要\n\n| 议题 | 人数 |\n|---|---|\n| 预算 | 12 |\n".encode(), "m.md")
    with pytest.raises(ParseError):
        read_markdown(b"\n\n   \n")


@pytest.mark.parametrize("base", ["fixture2021", "fixture2019"])
def test_markdownify_style_colspan_padding(base: str) -> None:
    """markitdown/markdownify print a colspan as the text followed by empty cells: "| 行政许可 |
    1375 | | |". The reader keeps the cells as printed; no number may come out wrong."""
    truth = load_truth(base)
    tally = score(truth, parse_bytes(padded(truth), "r.md"))
    assert tally["wrong"] == []
