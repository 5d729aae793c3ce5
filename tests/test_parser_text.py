"""Plain-text reports written by hand: blanks, misplaced cells, units, typos, both templates.

Every expected value below is written by hand from the text of the fixture itself.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.model import ParseError
from pipelines.parsing import parse_bytes

REQUEST_LABELS_2021 = [
    "一、本年新收政府信息公开申请数量",
    "二、上年结转政府信息公开申请数量",
    "（一）予以公开",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "1.属于国家秘密",
    "2.其他法律行政法规禁止公开",
    "3.危及“三安全一稳定”",
    "4.保护第三方合法权益",
    "5.属于三类内部事务信息",
    "6.属于四类过程性信息",
    "7.属于行政执法案卷",
    "8.属于行政查询事项",
    "1.本机关不掌握相关政府信息",
    "2.没有现成信息需要另行制作",
    "3.补正后申请内容仍不明确",
    "1.信访举报投诉类申请",
    "2.重复申请",
    "3.要求提供公开出版物",
    "4.无正当理由大量反复申请",
    "5.要求行政机关确认或重新出具已获取信息",
    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.其他",
    "（七）总计",
    "四、结转下年度继续办理",
]
ZEROS = "\t".join(["0"] * 7)
GROUP_BEFORE = {4: "（三）不予公开", 12: "（四）无法提供", 15: "（五）不予处理", 20: "（六）其他处理"}


def report_2021(
    rows: dict[int, str] | None = None,
    review: str | None = None,
    title: str | None = None,
    proactive: str | None = None,
) -> bytes:
    """A 2021-template text report; `rows` replaces the tab-joined value text of request row i."""
    rows = rows or {}
    lines = [
        title or "某某县人民政府办公室2022年政府信息公开工作年度报告",
        "",
        "一、总体情况",
        "本年度工作如下。",
        "二、主动公开政府信息情况",
    ]
    lines += (
        proactive
        or "第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n"
        "规章\t0\t0\t0\n规范性文件\t2\t1\t9\n第二十条第（五）项\n信息内容\t本年处理决定数量\n行政许可\t120\n"
        "第二十条第（六）项\n行政处罚\t33\n行政强制\t4\n第二十条第（八）项\n"
        "信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t12.5"
    ).split("\n")
    lines += [
        "三、收到和处理政府信息公开申请情况",
        "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）\t申请人情况",
        "\t自然人\t法人或其他组织\t\t\t\t\t总计",
        "\t\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他",
    ]
    for i, label in enumerate(REQUEST_LABELS_2021):
        if i in GROUP_BEFORE:
            label = f"{GROUP_BEFORE[i]}\t{label}"
        lines.append(label + "\t" + rows.get(i, ZEROS))
    lines += [
        "四、政府信息公开行政复议、行政诉讼情况",
        "行政复议\t\t\t\t\t行政诉讼",
        "结果维持\t结果纠正\t其他结果\t尚未审结\t总计\t未经复议直接起诉\t\t\t\t\t复议后起诉",
        review if review is not None else "\t".join(["0"] * 15),
        "五、存在的主要问题及改进情况",
        "无。",
    ]
    return "\n".join(lines).encode("utf-8")


def cell(report, table, row, col):
    c = report.cell(table, row, col)
    return c.status, c.value


def test_plain_report_reads_every_cell() -> None:
    r = parse_bytes(report_2021({0: "5\t1\t0\t0\t0\t0\t6", 2: "4\t1\t0\t0\t0\t0\t5"}), "x.txt")
    assert (r.agency, r.report_year, r.template) == ("某某县人民政府办公室", 2022, "2021")
    assert cell(r, "requests", "new_received", "natural_person") == ("value", 5)
    assert cell(r, "requests", "new_received", "total") == ("value", 6)
    assert cell(r, "requests", "granted", "commercial") == ("value", 1)
    assert cell(r, "proactive", "normative_documents", "repealed") == ("value", 1)
    assert cell(r, "proactive", "admin_fees", "amount_10k_yuan") == ("value", 12.5)
    assert cell(r, "review_litigation", "litigation_after_review", "total") == ("value", 0)
    assert r.warnings == []


@pytest.mark.parametrize("token", ["/", "-", "—", "无", "－"])
def test_blank_tokens_are_blank_not_zero(token: str) -> None:
    r = parse_bytes(report_2021({2: f"{token}\t0\t0\t0\t0\t0\t0"}), "x.txt")
    assert cell(r, "requests", "granted", "natural_person") == ("blank", None)
    assert cell(r, "requests", "granted", "commercial") == ("value", 0)


def test_review_row_with_leading_empty_fields_keeps_positions() -> None:
    review = "\t\t\t\t\t1\t0\t0\t0\t1\t2\t0\t0\t1\t3"
    r = parse_bytes(report_2021(review=review), "x.txt")
    assert [cell(r, "review_litigation", "review", c)[0] for c in ("upheld", "total")] == ["blank", "blank"]
    assert cell(r, "review_litigation", "litigation_direct", "upheld") == ("value", 1)
    assert cell(r, "review_litigation", "litigation_after_review", "pending") == ("value", 1)
    assert cell(r, "review_litigation", "litigation_after_review", "total") == ("value", 3)


def test_review_row_with_too_few_values_is_not_guessed() -> None:
    r = parse_bytes(report_2021(review="1\t0\t0\t0\t1\t2\t0\t0\t1\t3"), "x.txt")
    statuses = {c.status for c in r.cells if c.table == "review_litigation"}
    assert statuses == {"unreadable"}
    assert any(w.table == "review_litigation" and w.row == "review" and w.column == "upheld" for w in r.warnings)


def test_a_missing_cell_never_shifts_its_neighbours() -> None:
    # Six numbers for seven cells (and not all zero): no position is certain.
    r = parse_bytes(report_2021({0: "5\t1\t0\t0\t0\t6"}), "x.txt")
    row = [c for c in r.cells if c.table == "requests" and c.row == "new_received"]
    assert {c.status for c in row} == {"unreadable"} and all(c.value is None for c in row)
    warned = {w.column for w in r.warnings if w.row == "new_received"}
    assert warned == {"natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"}


def test_zero_row_with_a_missing_cell_is_inferred_only_under_a_zero_total() -> None:
    # Row （一） prints six zeros; its column totals (七) are all 0, so each cell is 0 (inferred).
    r = parse_bytes(report_2021({2: "0\t0\t0\t0\t0\t0"}), "x.txt")
    assert cell(r, "requests", "granted", "natural_person") == ("inferred", 0)
    # The same row under a non-zero total is left unreadable.
    r = parse_bytes(report_2021({2: "0\t0\t0\t0\t0\t0", 23: "3\t0\t0\t0\t0\t0\t3"}), "x.txt")
    assert cell(r, "requests", "granted", "natural_person") == ("unreadable", None)
    # …while its other columns, whose totals are 0, are still inferred.
    assert cell(r, "requests", "granted", "commercial") == ("inferred", 0)


def test_units_notes_and_fullwidth_digits() -> None:
    proactive = (
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t１２\t0\t22（其中修订16件）\n"
        "规范性文件\t3件\t0\t5\n行政许可\t1,234\n行政处罚\t7\n行政强制\t0\n行政事业性收费\t251000元"
    )
    r = parse_bytes(report_2021(proactive=proactive), "x.txt")
    assert cell(r, "proactive", "regulations", "issued") == ("value", 12)
    assert cell(r, "proactive", "regulations", "in_force") == ("value", 22)
    assert cell(r, "proactive", "normative_documents", "issued") == ("value", 3)
    assert cell(r, "proactive", "admin_license", "decisions") == ("value", 1234)
    assert cell(r, "proactive", "admin_fees", "amount_10k_yuan") == ("value", 251000)
    assert any("22（其中修订16件）" in w.message for w in r.warnings)


def test_label_typo_still_matches_but_extra_rows_stay_unmapped() -> None:
    text = report_2021().decode().replace("2.其他法律行政法规禁止公开\t0", "2.其他法律行政止公开\t7")
    text = text.replace("（七）总计", "其中：网上申请\t1\t0\t0\t0\t0\t0\t1\n（七）总计")
    r = parse_bytes(text.encode(), "x.txt")
    assert cell(r, "requests", "denied_law_forbidden", "natural_person") == ("value", 7)
    assert r.unmapped_rows == ["requests: 其中：网上申请"]
    assert any("网上申请" in w.message for w in r.warnings)


def test_2019_template_is_recognised() -> None:
    proactive = (
        "第二十条第（一）项\n信息内容\t本年新制作数量\t本年新公开数量\t对外公开总数量\n规章\t0\t0\t0\n"
        "规范性文件\t1\t1\t8\n第二十条第（五）项\n信息内容\t上一年项目数量\t本年增/减\t处理决定数量\n"
        "行政许可\t10\t-2\t55\n其他对外管理服务事项\t3\t+1\t4\n行政处罚\t5\t0\t9\n行政强制\t1\t0\t0\n"
        "行政事业性收费\t2\t-1\n政府集中采购\t4\t251000元"
    )
    text = report_2021(proactive=proactive, title="某某县交通运输局2020年政府信息公开工作年度报告").decode()
    text = text.replace("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n", "")
    text = text.replace(
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请\t0\t0\t0\t0\t0\t0\t0\n", ""
    )
    text = text.replace("（六）其他处理\t3.其他\t0\t0\t0\t0\t0\t0\t0", "（六）其他处理\t2\t0\t0\t0\t0\t0\t2")
    r = parse_bytes(text.encode(), "x.txt")
    assert (r.report_year, r.template) == (2020, "2019")
    assert cell(r, "proactive", "admin_license", "change") == ("value", -2)
    assert cell(r, "proactive", "other_services", "change") == ("value", 1)
    assert cell(r, "proactive", "gov_procurement", "amount") == ("value", 251000)
    assert cell(r, "requests", "other_other", "total") == ("value", 2)


def test_not_a_report_is_refused() -> None:
    with pytest.raises(ParseError, match="no report year"):
        parse_bytes("会议纪要\n今天开会讨论了绿化工作。".encode(), "memo.txt")
    with pytest.raises(ParseError, match="not an annual report"):
        parse_bytes("某某局2022年政府信息公开工作年度报告\n一、总体情况\n我局工作良好。".encode(), "r.txt")


def test_cli_exit_code_2_with_one_line_reason(tmp_path: Path) -> None:
    memo = tmp_path / "memo.txt"
    memo.write_text("会议纪要：讨论绿化工作。", encoding="utf-8")
    ogi = Path(sys.executable).parent / "ogi"
    proc = subprocess.run(
        [str(ogi), "parse", str(memo), "--format", "json"], check=False, capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and "memo.txt" in proc.stderr


def test_gbk_text_is_decoded() -> None:
    r = parse_bytes(report_2021().decode().encode("gb18030"), "x.txt")
    assert r.agency == "某某县人民政府办公室"


def test_digits_separated_by_space_are_not_joined() -> None:
    # "1 2" may be two numbers run together or one number wrapped: never read as 12.
    r = parse_bytes(report_2021({2: "1 2\t0\t0\t0\t0\t0\t12"}), "x.txt")
    assert cell(r, "requests", "granted", "natural_person") == ("unreadable", None)
    assert cell(r, "requests", "granted", "total") == ("value", 12)
    assert any(w.row == "granted" and w.column == "natural_person" for w in r.warnings)


def test_tables_are_found_by_their_header_rows_when_headings_are_missing() -> None:
    text = report_2021({0: "5\t1\t0\t0\t0\t0\t6"}).decode()
    for heading in (
        "二、主动公开政府信息情况",
        "三、收到和处理政府信息公开申请情况",
        "四、政府信息公开行政复议、行政诉讼情况",
    ):
        text = text.replace(heading + "\n", "")
    r = parse_bytes(text.encode(), "x.txt")
    assert cell(r, "requests", "new_received", "total") == ("value", 6)
    assert cell(r, "review_litigation", "review", "total") == ("value", 0)
    # Section 二's first header row names 本年制发件数: the table is found from there on.
    assert cell(r, "proactive", "normative_documents", "in_force") == ("value", 9)


def test_a_section_二_row_of_empty_fields_is_blank() -> None:
    proactive = (
        "信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n规范性文件\t\t\t\n"
        "行政许可\t5\n行政处罚\t\n行政强制\t1\n行政事业性收费\t"
    )
    r = parse_bytes(report_2021(proactive=proactive), "x.txt")
    assert cell(r, "proactive", "normative_documents", "in_force") == ("blank", None)
    assert cell(r, "proactive", "admin_penalty", "decisions") == ("blank", None)
    assert cell(r, "proactive", "admin_fees", "amount_10k_yuan") == ("blank", None)
    assert cell(r, "proactive", "admin_coercion", "decisions") == ("value", 1)


def test_values_separated_by_single_spaces_are_split_off_the_label() -> None:
    from pipelines.formats.text import grid_from_text

    grid = grid_from_text("（三）不予公开 1.属于国家秘密 29 30 — 0 0 34 93\n行政许可 13750\n第 3 页\n共 5 件\n")
    texts = [[c.text for c in r.cells] for r in grid.rows]
    assert texts == [
        ["（三）不予公开 1.属于国家秘密", "29", "30", "—", "0", "0", "34", "93"],
        ["行政许可", "13750"],
        ["第 3 页"],
        ["共 5 件"],
    ]


def test_a_sign_may_be_written_out() -> None:
    from pipelines.grid import parse_number

    assert [parse_number(t) for t in ("减少3", "增加2", "减1", "增0", "－3", "+4")] == [-3, 2, -1, 0, -3, 4]
    assert parse_number("减少") is None and parse_number("增加") is None
