"""The aligner on hand-built grids (positional rows: real cell boxes, as HTML/DOCX/XLSX/PDF give)."""

from __future__ import annotations

from pipelines.align import read_tables
from pipelines.align.document import read_title
from pipelines.align.finish import Finisher
from pipelines.align.sections import split_sections
from pipelines.align.settings import DEFAULT_SETTINGS
from pipelines.grid import Cell, Grid, GridRow


def row(*texts: str, spans: list[int] | None = None, positional: bool = True) -> GridRow:
    cells, col = [], 0
    for text, span in zip(texts, spans or [1] * len(texts), strict=False):
        cells.append(Cell(text, col, f"r c{col}", span))
        col += span
    return GridRow(cells, positional=positional)


def aligned(*rows: GridRow) -> dict[tuple[str, str, str], tuple[str, float | None]]:
    """Every template cell's (status, value) after the aligner's stages (2021 template)."""
    grid = Grid(rows=list(rows), text="某局2022年政府信息公开工作年度报告 本年制发件数")
    results = read_tables(split_sections(grid, DEFAULT_SETTINGS), "2021")
    return {
        (c.table, c.row, c.column): (c.status, c.value) for c in Finisher("2021", results, DEFAULT_SETTINGS).cells()
    }


def title_of(text: str) -> tuple[str | None, int | None]:
    return read_title(Grid(text=text), DEFAULT_SETTINGS)[:2]


def test_proactive_values_follow_the_header_columns() -> None:
    got = aligned(
        row("二、主动公开政府信息情况"),
        row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        row("规范性文件", "", "0", "3"),
        row("信息内容", "本年处理决定数量", "", ""),
        row("行政许可", "550", "", ""),
        row("行政处罚", "", "", "7"),  # 7 stands under no header: not placed
        row("信息内容", "本年处理决定数量", spans=[1, 3]),
        row("行政强制", "9", spans=[1, 3]),
    )
    assert got[("proactive", "normative_documents", "issued")] == ("blank", None)
    assert got[("proactive", "normative_documents", "in_force")] == ("value", 3)
    assert got[("proactive", "admin_license", "decisions")] == ("value", 550)
    assert got[("proactive", "admin_penalty", "decisions")] == ("unreadable", None)
    assert got[("proactive", "admin_coercion", "decisions")] == ("value", 9)


def test_review_blank_block_merged_into_one_box_is_five_blanks() -> None:
    got = aligned(
        row("四、政府信息公开行政复议、行政诉讼情况"),
        row("行政复议", "行政诉讼", spans=[5, 10]),
        row("", *["1", "0", "0", "0", "1", "2", "0", "0", "1", "3"], spans=[5] + [1] * 10),
    )
    assert got[("review_litigation", "review", "upheld")] == ("blank", None)
    assert got[("review_litigation", "review", "total")] == ("blank", None)
    assert got[("review_litigation", "litigation_direct", "upheld")] == ("value", 1)
    assert got[("review_litigation", "litigation_after_review", "total")] == ("value", 3)


def test_a_number_spanning_columns_is_not_placed() -> None:
    got = aligned(
        row("三、收到和处理政府信息公开申请情况"),
        row("一、本年新收政府信息公开申请数量", "5", "0", "0", "0", "0", "5", spans=[1, 2, 1, 1, 1, 1, 1]),
    )
    assert {v for k, v in got.items() if k[1] == "new_received"} == {("unreadable", None)}


def test_rows_with_label_columns_left_empty_keep_the_rightmost_columns() -> None:
    got = aligned(
        row("三、收到和处理政府信息公开申请情况"),
        row("", "（六）其他处理", "", *["2", "0", "0", "0", "0", "0", "2"]),
        row("", "", "3.补正后申请内容仍不明确", *["0", "1", "0", "0", "0", "0", "1"]),
    )
    assert got[("requests", "other_other", "natural_person")] == ("value", 2)
    assert got[("requests", "unable_unclear_after_correction", "commercial")] == ("value", 1)


def test_the_sub_item_其他_needs_its_group() -> None:
    got = aligned(
        row("三、收到和处理政府信息公开申请情况"),
        row("（六）其他处理", "3.其他", *["1", "0", "0", "0", "0", "0", "1"]),
        row("（五）不予处理", "其他", *["4", "0", "0", "0", "0", "0", "4"]),
    )
    assert got[("requests", "other_other", "total")] == ("value", 1)
    assert len([k for k in got if k[1] == "other_other"]) == 7  # the second 其他 is not other_other


def test_short_section_names_open_their_tables() -> None:
    # A workbook with a sheet per table, named 依申请公开 / 复议诉讼, and no headings inside.
    got = aligned(
        row("依申请公开"),
        row("一、本年新收政府信息公开申请数量", *["3", "0", "0", "0", "0", "0", "3"]),
        row("复议诉讼"),
        row(*["1", "0", "0", "0", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"]),
    )
    assert got[("requests", "new_received", "total")] == ("value", 3)
    assert got[("review_litigation", "review", "total")] == ("value", 1)


def test_agency_is_not_taken_from_a_line_that_is_no_agency() -> None:
    for above, expected in (("年报", None), ("首页 > 政务公开", None), ("滨江市财政局", "滨江市财政局")):
        assert title_of(f"{above}\n2022年政府信息公开工作年度报告\n") == (expected, 2022)


def test_the_title_nearest_the_report_wins_over_links_to_other_years() -> None:
    text = (
        "测试县人民政府\n相关阅读\n测试县民政局2021年政府信息公开工作年度报告\n"
        "测试县民政局2022年政府信息公开工作年度报告\n一、总体情况\n本年度……\n"
        "测试县民政局2020年政府信息公开工作年度报告\n"
    )
    assert title_of(text) == ("测试县民政局", 2022)
    # The statistics period decides between titles.
    text = (
        "测试县民政局2022年政府信息公开工作年度报告\n测试县民政局2021年政府信息公开工作年度报告\n"
        "本报告统计期限自2022年1月1日至2022年12月31日。\n一、总体情况\n"
    )
    assert title_of(text) == ("测试县民政局", 2022)


def test_titles_with_chinese_numeral_years_the_year_after_the_name_or_年报() -> None:
    for title in (
        "滨江市交通运输局二〇二二年政府信息公开工作年度报告",
        "滨江市交通运输局二○二二年政府信息公开工作年度报告",
        "滨江市交通运输局二零二二年度政府信息公开工作年度报告",
        "滨江市交通运输局政府信息公开工作年度报告（2022年度）",
        "滨江市交通运输局政府信息公开工作年度报告(二〇二二年)",
        "滨江市交通运输局2022年政府信息公开工作年报",
    ):
        assert title_of(f"{title}\n一、总体情况\n") == ("滨江市交通运输局", 2022), title
    # a link to another year's report above a title whose year is in Chinese numerals
    text = (
        "相关阅读：滨江市交通运输局2020年政府信息公开工作年度报告\n"
        "滨江市交通运输局二〇二二年政府信息公开工作年度报告\n一、总体情况\n"
    )
    assert title_of(text) == ("滨江市交通运输局", 2022)


def test_a_one_value_row_under_a_wider_header_takes_its_one_printed_cell() -> None:
    got = aligned(
        row("二、主动公开政府信息情况"),
        row("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        row("规章", "0", "0", "2"),
        row("信息内容", "本年处理决定数量", spans=[1, 3]),
        row("行政许可", "", "", "550"),
        row("行政处罚", "268", "", ""),
        row("行政强制", "", "", ""),
    )
    assert got[("proactive", "admin_license", "decisions")] == ("value", 550)
    assert got[("proactive", "admin_penalty", "decisions")] == ("value", 268)
    assert got[("proactive", "admin_coercion", "decisions")] == ("blank", None)
