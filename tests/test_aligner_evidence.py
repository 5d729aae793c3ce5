"""What the aligner may conclude, and what it must leave to a person (issue: never a false finding).

Every report here is text written in the test; every expected status and value is worked out
by hand from that text (the section 三 numbers are built so that R01-R03 hold, and printed).
"""

from __future__ import annotations

import pytest

from pipelines.check import check_file
from pipelines.parsing import parse_bytes
from tests.test_parser_text import REQUEST_LABELS_2021

APPLICANTS = 7
# Row i of section 三 (template order). Outcome rows (2..22): distinct parts; total = their sum.
OUTCOMES = range(2, 23)


def _requests() -> list[list[int]]:
    rows = [[0] * APPLICANTS for _ in REQUEST_LABELS_2021]
    for i in OUTCOMES:
        parts = [i, i % 3, 0, 1 if i % 5 == 0 else 0, 0, 2 if i % 4 == 0 else 0]
        rows[i] = [*parts, sum(parts)]
    rows[23] = [sum(rows[i][c] for i in OUTCOMES) for c in range(APPLICANTS)]  # （七）总计
    rows[24] = [1, 0, 0, 0, 0, 0, 1]  # 四、结转下年度
    rows[1] = [2, 1, 0, 0, 0, 0, 3]  # 二、上年结转
    rows[0] = [rows[23][c] + rows[24][c] - rows[1][c] for c in range(APPLICANTS)]  # 一 + 二 = （七） + 四
    return rows


ROWS = _requests()
KEYS = [
    "new_received",
    "carried_over",
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_law_forbidden",
    "denied_three_safety_one_stability",
    "denied_third_party",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_file",
    "denied_admin_query",
    "unable_not_held",
    "unable_needs_creation",
    "unable_unclear_after_correction",
    "not_processed_petition",
    "not_processed_repeat",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirm_info",
    "other_overdue_correction",
    "other_overdue_fee",
    "other_other",
    "total_processed",
    "carried_forward",
]
COLUMNS = ["natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total"]
HEAD = (
    "某某县人民政府办公室2022年政府信息公开工作年度报告\n一、总体情况\n本年度工作如下。\n"
    "二、主动公开政府信息情况\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n规章\t0\t0\t0\n"
    "规范性文件\t2\t1\t9\n信息内容\t本年处理决定数量\n行政许可\t120\n行政处罚\t33\n行政强制\t4\n"
    "信息内容\t本年收费金额（单位：万元）\n行政事业性收费\t12.5\n三、收到和处理政府信息公开申请情况\n"
    "申请人情况\n自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n"
)
TAIL = "四、政府信息公开行政复议、行政诉讼情况\n" + "\t".join(["0"] * 15) + "\n五、存在的主要问题及改进情况\n无。\n"


def _values(i: int, sep: str = "\t") -> str:
    return sep.join(str(v) for v in ROWS[i])


def report(body: str) -> bytes:
    return (HEAD + body + TAIL).encode("utf-8")


def statuses(r, row: str) -> set[str]:
    return {c.status for c in r.cells if c.table == "requests" and c.row == row}


def values(r, row: str) -> list[float | None]:
    return [r.cell("requests", row, c).value for c in COLUMNS]


def _check(tmp_path, body: str) -> dict:
    import json

    path = tmp_path / "r.txt"
    path.write_bytes(report(body))
    return json.loads(check_file(path, "json")[1])


def test_values_one_per_line_below_their_label() -> None:
    body = "".join(f"{label}\n" + "".join(f"{v}\n" for v in ROWS[i]) for i, label in enumerate(REQUEST_LABELS_2021))
    r = parse_bytes(report(body), "r.txt")
    for i, key in enumerate(KEYS):
        assert statuses(r, key) == {"value"}, key
        assert values(r, key) == ROWS[i], key
    assert r.read_quality == "complete"


def test_labels_then_values_are_placed_by_order_where_the_identities_hold() -> None:
    body = "".join(f"{label}\n" for label in REQUEST_LABELS_2021) + "".join(f"{_values(i, ' ')}\n" for i in range(25))
    r = parse_bytes(report(body), "r.txt")
    for i, key in enumerate(KEYS):
        assert statuses(r, key) == {"placed"}, key
        assert values(r, key) == ROWS[i], key
    assert any("placed in template order" in w.message for w in r.warnings)


def test_labels_then_values_that_do_not_reconcile_stay_unread(tmp_path) -> None:
    rows = [list(x) for x in ROWS]
    rows[5][0] += 1  # （三）2 natural_person one more: its row total and （七）总计 no longer agree
    body = "".join(f"{label}\n" for label in REQUEST_LABELS_2021) + "".join(" ".join(map(str, v)) + "\n" for v in rows)
    r = parse_bytes(report(body), "r.txt")
    assert all(statuses(r, key) == {"unreadable"} for key in KEYS)
    assert r.read_quality == "partial"
    doc = _check(tmp_path, body)
    assert [f for f in doc["findings"] if f["table"] == "requests"] == []  # a person decides, no finding
    assert doc["read_quality"]["status"] == "partial"
    assert {s["rule"] for s in doc["not_assessable"]} >= {"R01", "R02", "R03"}


def test_a_run_of_labels_never_lends_its_values_to_one_of_them() -> None:
    # 行政处罚 and 行政强制 printed as labels, then one number: whose it is is not known.
    text = report("".join(f"{label}\t{_values(i)}\n" for i, label in enumerate(REQUEST_LABELS_2021))).decode()
    text = text.replace("行政处罚\t33\n行政强制\t4\n", "行政处罚\n行政强制\n268\n")
    r = parse_bytes(text.encode(), "r.txt")
    assert r.cell("proactive", "admin_penalty", "decisions").status == "unreadable"
    assert r.cell("proactive", "admin_coercion", "decisions").status == "unreadable"


def test_a_row_is_absent_only_between_its_found_neighbours(tmp_path) -> None:
    full = [f"{label}\t{_values(i)}\n" for i, label in enumerate(REQUEST_LABELS_2021)]
    # 8.属于行政查询事项 (a zero-free row) dropped: its neighbours are found around the gap
    dropped = "".join(line for i, line in enumerate(full) if i != 11)
    r = parse_bytes(report(dropped), "r.txt")
    assert statuses(r, "denied_admin_query") == {"absent"}
    doc = _check(tmp_path, dropped)
    assert {(f["rule"], f["row"]) for f in doc["findings"]} >= {("R09", "denied_admin_query")}
    assert not any(f["rule"] == "R02" for f in doc["findings"])  # an absent operand: R02 not assessable
    # the same gap with an unknown line in it: the row may be that line, it is not called absent
    other = "".join(line if i != 11 else "8.属于行政查询事 项目\t9 9\n" for i, line in enumerate(full))
    r = parse_bytes(report(other), "r.txt")
    assert statuses(r, "denied_admin_query") == {"unreadable"}
    # the table's last four rows missing: a table cut short is not four rows dropped
    cut = "".join(full[:21])
    r = parse_bytes(report(cut), "r.txt")
    assert {s for key in KEYS[21:] for s in statuses(r, key)} == {"unreadable"}


def test_a_row_printed_twice_with_other_numbers_is_not_read() -> None:
    lines = [f"{label}\t{_values(i)}\n" for i, label in enumerate(REQUEST_LABELS_2021)]
    twice = "".join(lines[:3]) + "（一）予以公开\t" + "\t".join(["9"] * 7) + "\n" + "".join(lines[3:])
    r = parse_bytes(report(twice), "r.txt")
    assert statuses(r, "granted") == {"unreadable"}
    same = "".join(lines[:3]) + lines[2] + "".join(lines[3:])
    r = parse_bytes(report(same), "r.txt")
    assert values(r, "granted") == ROWS[2]


def test_numbers_run_into_a_label_are_split_off_but_never_split_from_each_other() -> None:
    text = report("".join(f"{label}\t{_values(i)}\n" for i, label in enumerate(REQUEST_LABELS_2021))).decode()
    text = text.replace("行政许可\t120", "行政许可120")  # one column in 2021: the number is the label's
    text = text.replace(f"（一）予以公开\t{_values(2)}", "（一）予以公开" + "".join(map(str, ROWS[2])))
    r = parse_bytes(text.encode(), "r.txt")
    assert (
        r.cell("proactive", "admin_license", "decisions").status,
        r.cell("proactive", "admin_license", "decisions").value,
    ) == ("value", 120)
    assert statuses(r, "granted") == {"unreadable"}


def test_a_label_wrapped_over_lines_is_joined_to_the_fragment_beside_its_values() -> None:
    lines = [f"{label}\t{_values(i)}\n" for i, label in enumerate(REQUEST_LABELS_2021)]
    lines[0] = f"一、本年新收政府信息公开\n申请数量\t{_values(0)}\n"  # the values beside the label's second line
    lines[14] = f"3.补\t{_values(14)}\n正后申请内容仍不明确\n"  # the values beside its first line
    r = parse_bytes(report("".join(lines)), "r.txt")
    assert values(r, "new_received") == ROWS[0]
    assert values(r, "unable_unclear_after_correction") == ROWS[14]


def test_a_heading_run_into_the_paragraph_before_it_opens_its_section() -> None:
    text = report("".join(f"{label}\t{_values(i)}\n" for i, label in enumerate(REQUEST_LABELS_2021))).decode()
    text = text.replace("本年度工作如下。\n二、主动公开政府信息情况\n", "本年度工作如下。二、主动公开政府信息情况\n")
    r = parse_bytes(text.encode(), "r.txt")
    assert r.cell("proactive", "normative_documents", "in_force").value == 9


@pytest.mark.parametrize("layout", ["markdown", "html"])
def test_header_text_run_into_the_first_row_is_read_as_the_header(layout: str) -> None:
    head = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
    first = [f"{h}<br>{v}" for h, v in zip(head, ROWS[0], strict=False)]
    rows = [["申请人情况<br>一、本年新收政府信息公开申请数量", *first]]
    rows += [[label, *map(str, ROWS[i])] for i, label in enumerate(REQUEST_LABELS_2021) if i]
    if layout == "markdown":
        table = "\n".join("| " + " | ".join(r) + " |" for r in [rows[0], ["---"] * 8, *rows[1:]])
    else:
        table = "<table>" + "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows) + "</table>"
    text = HEAD.split("三、收到")[0] + "三、收到和处理政府信息公开申请情况\n" + table + "\n" + TAIL
    r = parse_bytes(text.encode(), f"r.{'md' if layout == 'markdown' else 'html'}")
    assert values(r, "new_received") == ROWS[0]
    assert values(r, "carried_forward") == ROWS[24]
