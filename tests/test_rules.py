"""The rules engine (pipelines/rules.py: the warehouse's rule SQL, dbt_project/macros/rules/, on an
in-memory DuckDB) on hand-computed cases, one rule at a time."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from pipelines.rules import deadline, evaluate, evaluate_report

TRUTHS = Path(__file__).resolve().parent / "fixture_truths"


def _clean(year: int = 2021, template: str = "2021", agency: str = "甲市教育局") -> dict:
    """A consistent report by hand: 9 new + 3 carried over = 9 processed + 3 carried forward."""
    from pipelines.template import APPLICANT_COLUMNS, TEMPLATES

    cols = [c.key for c in APPLICANT_COLUMNS]

    def row(natural: int, commercial: int = 0) -> dict:
        out = dict.fromkeys(cols, 0)
        out.update(natural_person=natural, commercial=commercial, total=natural + commercial)
        return out

    req = {r.key: row(0) for r in TEMPLATES[template].table("requests").rows}
    req.update(
        new_received=row(7, 2),
        carried_over=row(3),
        granted=row(4, 1),
        partially_granted=row(1),
        unable_not_held=row(2, 1),
        total_processed=row(7, 2),
        carried_forward=row(3),
    )
    proactive = {r.key: {c.key: 0 for c in r.columns} for r in TEMPLATES[template].table("proactive").rows}
    review = {
        b: {"upheld": 1, "corrected": 0, "other": 0, "pending": 1, "total": 2}
        for b in ("review", "litigation_direct", "litigation_after_review")
    }
    return {
        "agency": agency,
        "report_year": year,
        "template": template,
        "proactive": proactive,
        "requests": req,
        "review_litigation": review,
    }


def _keys(findings) -> set[tuple]:
    return {f.key[2:] for f in findings}


def test_clean_reports_have_no_findings() -> None:
    assert evaluate_report(_clean()) == []
    assert evaluate_report(_clean(2020, "2019")) == []
    for name in ("fixture2019", "fixture2021"):
        report = json.loads((TRUTHS / f"{name}.json").read_text(encoding="utf-8"))
        assert evaluate_report(report) == [], name


def test_r01_row_total() -> None:
    r = _clean()
    r["requests"]["granted"]["total"] = 6  # parts 4 + 1 = 5
    found = evaluate_report(r)
    r01 = [f for f in found if f.rule == "R01"]
    assert [(f.row, f.column, f.expected, f.actual) for f in r01] == [("granted", "total", 5, 6)]
    # the total column's outcome sum changes too
    assert _keys(found) == {("R01", "requests", "granted", "total"), ("R02", "requests", "total_processed", "total")}


def test_r02_outcome_total() -> None:
    r = _clean()
    r["requests"]["total_processed"]["commercial"] = 3
    r["requests"]["total_processed"]["total"] = 10
    r["requests"]["carried_forward"]["commercial"] = -1  # keeps R03; R05 flags the negative count
    r["requests"]["carried_forward"]["total"] = 2
    found = {(f.rule, f.row, f.column): f for f in evaluate_report(r)}
    assert set(found) == {
        ("R02", "total_processed", "commercial"),
        ("R02", "total_processed", "total"),
        ("R05", "carried_forward", "commercial"),
    }
    assert (
        found[("R02", "total_processed", "commercial")].expected,
        found[("R02", "total_processed", "commercial")].actual,
    ) == (2, 3)


def test_r03_balance() -> None:
    r = _clean()
    r["requests"]["carried_forward"]["natural_person"] = 4  # 7 + 3 = 7 + 3, printed 4
    r["requests"]["carried_forward"]["total"] = 4
    found = [f for f in evaluate_report(r) if f.rule == "R03"]
    assert [(f.column, f.expected, f.actual) for f in found] == [("natural_person", 3, 4), ("total", 3, 4)]
    # R01 on carried_forward still holds (4 = 4 + 0 …)
    assert not [f for f in evaluate_report(r) if f.rule == "R01"]


def test_r04_review_total() -> None:
    r = _clean()
    r["review_litigation"]["review"] = {"upheld": 10, "corrected": 1, "other": 0, "pending": 0, "total": 0}
    found = evaluate_report(r)
    assert [(f.rule, f.row, f.column, f.expected, f.actual) for f in found] == [("R04", "review", "total", 11, 0)]


def test_blank_operands_are_not_assessable() -> None:
    r = _clean()
    r["requests"]["granted"]["commercial"] = None  # a part blank: R01 granted, R02 commercial not assessable
    assert evaluate_report(r) == []
    r = _clean()
    r["review_litigation"]["review"]["total"] = None  # the total blank
    r["review_litigation"]["review"]["upheld"] = 50
    assert evaluate_report(r) == []


def test_blank_parts_with_known_parts_over_the_total_fail() -> None:
    r = _clean()
    r["review_litigation"]["review"] = {"upheld": 3, "corrected": None, "other": 0, "pending": 1, "total": 2}
    found = evaluate_report(r)
    assert [(f.rule, f.row, f.expected, f.actual) for f in found] == [("R04", "review", None, 2)]


def test_unread_or_absent_operands_are_never_taken_for_zero() -> None:
    r = _clean()
    r["review_litigation"]["review"] = {"upheld": 3, "corrected": None, "other": 0, "pending": 1, "total": 2}
    # the same cell not read (rather than printed blank): no finding, even with the parts over the total
    r["cell_status"] = {"review_litigation.review.corrected": "unreadable"}
    assert evaluate_report(r) == []
    r = _clean()
    r["requests"]["granted"]["commercial"] = None
    r["cell_status"] = {"requests.granted.commercial": "unreadable"}
    r["requests"]["total_processed"]["commercial"] = 99  # R02 commercial fails only if granted were 0
    assert "R02" not in {f.rule for f in evaluate_report(r)}
    r = _clean()
    del r["requests"]["partially_granted"]  # not printed (R09); its 1 request is in （七）总计
    found = _keys(evaluate_report(r))
    assert ("R09", "requests", "partially_granted", "") in found
    assert not any(k[0] == "R02" for k in found)  # an absent operand: not assessable, not a sum without it


def test_r05_valid_numbers() -> None:
    r = _clean(2020, "2019")
    r["proactive"]["admin_license"]["change"] = -3  # signed: fine
    r["proactive"]["gov_procurement"]["amount"] = 12.5  # an amount: fine
    r["proactive"]["admin_license"]["decisions"] = 2.5  # a count: not an integer
    r["proactive"]["admin_fees"]["prev_items"] = -1  # a count: negative
    found = evaluate_report(r)
    assert _keys(found) == {
        ("R05", "proactive", "admin_license", "decisions"),
        ("R05", "proactive", "admin_fees", "prev_items"),
    }


def test_r08_template_version() -> None:
    assert _keys(evaluate_report(_clean(2022, "2019"))) == {("R08", "", "", "")}
    assert _keys(evaluate_report(_clean(2020, "2021"))) == {("R08", "", "", "")}
    assert evaluate_report(_clean(2021, "2021")) == []


def test_r09_missing_rows_and_the_collapsed_other_row() -> None:
    r = _clean()
    del r["requests"]["denied_state_secret"]  # all 0: no arithmetic rule fails
    del r["proactive"]["admin_coercion"]
    assert _keys(evaluate_report(r)) == {
        ("R09", "requests", "denied_state_secret", ""),
        ("R09", "proactive", "admin_coercion", ""),
    }
    # 2021 （六） printed as one row: accepted
    r = _clean()
    del r["requests"]["other_overdue_correction"]
    del r["requests"]["other_overdue_fee"]
    assert evaluate_report(r) == []
    # only one sub-row missing: a dropped row
    r = _clean()
    del r["requests"]["other_overdue_fee"]
    assert _keys(evaluate_report(r)) == {("R09", "requests", "other_overdue_fee", "")}
    # absence given as parser status instead of a missing key
    r = _clean()
    r["cell_status"] = {f"requests.denied_admin_query.{c}": "absent" for c in r["requests"]["denied_admin_query"]}
    assert _keys(evaluate_report(r)) == {("R09", "requests", "denied_admin_query", "")}


REGISTRY = [
    {
        "agency_id": "a1",
        "name": "甲市教育局",
        "aliases": "甲市教育委员会",
        "kind": "department",
        "first_year": "2020",
        "last_year": "",
    },
    {
        "agency_id": "a2",
        "name": "甲市乙镇人民政府",
        "aliases": "",
        "kind": "government",
        "first_year": "2020",
        "last_year": "2021",
    },
]


def test_r06_carry_over_chain_uses_latest_versions() -> None:
    y1 = _clean(2021)
    y2 = _clean(2022)
    y2["requests"]["carried_over"]["natural_person"] = 5  # last year's carried_forward is 3
    y2["requests"]["carried_over"]["total"] = 5
    y2["requests"]["new_received"]["natural_person"] = 5
    y2["requests"]["new_received"]["total"] = 7
    found = evaluate({"a_2021.pdf": y1, "a_2022.pdf": y2}, REGISTRY[:1])
    assert [(f.report_year, f.rule, f.column, f.expected, f.actual) for f in found] == [
        (2022, "R06", "natural_person", 3, 5),
        (2022, "R06", "total", 3, 5),
    ]
    # a corrected last year (v2, published later) carries 5 forward: the chain holds
    y1v2 = copy.deepcopy(y1)
    for row in ("carried_forward",):
        y1v2["requests"][row]["natural_person"] = 5
        y1v2["requests"][row]["total"] = 5
    y1v2["requests"]["new_received"]["natural_person"] = 9
    y1v2["requests"]["new_received"]["total"] = 11
    pubs = {"a_2021.pdf": "2022-01-10", "a_2021_v2.pdf": "2022-03-01", "a_2022.pdf": "2023-01-10"}
    assert evaluate({"a_2021.pdf": y1, "a_2021_v2.pdf": y1v2, "a_2022.pdf": y2}, REGISTRY[:1], pubs) == []
    # a blank carried_forward last year: not assessable
    y1["requests"]["carried_forward"]["natural_person"] = None
    assert [f.column for f in evaluate({"a_2021.pdf": y1, "a_2022.pdf": y2}, REGISTRY[:1])] == ["total"]


def test_r10_deadlines_and_first_publication() -> None:
    assert deadline(2021, "department").isoformat() == "2022-01-31"
    assert deadline(2021, "government").isoformat() == "2022-03-31"
    dept, town = _clean(2021), _clean(2021, agency="甲市乙镇人民政府")
    reports = {"d.pdf": dept, "t.pdf": town}
    assert evaluate(reports, REGISTRY, {"d.pdf": "2022-01-31", "t.pdf": "2022-03-31"}) == []
    found = evaluate(reports, REGISTRY, {"d.pdf": "2022-02-01", "t.pdf": "2022-04-01"})
    assert [(f.agency_id, f.rule, f.expected, f.actual) for f in found] == [
        ("a1", "R10", "2022-01-31", "2022-02-01"),
        ("a2", "R10", "2022-03-31", "2022-04-01"),
    ]
    # no date: not assessable; the first of two versions is judged
    assert evaluate(reports, REGISTRY, {}) == []
    v2 = copy.deepcopy(dept)
    assert (
        evaluate({"d.pdf": dept, "d_v2.pdf": v2}, REGISTRY[:1], {"d.pdf": "2022-01-20", "d_v2.pdf": "2022-06-01"}) == []
    )


def test_r11_expected_years_within_the_data() -> None:
    # data for 2021 and 2022; a1 reports 2020.. (2020 is beyond the data), a2 reports 2020-2021
    reports = {"a1_2022.pdf": _clean(2022)}
    reports["a2_2022.pdf"] = _clean(2022, agency="甲市乙镇人民政府")  # beyond last_year: still evaluated
    reports["a1_2021.pdf"] = _clean(2021)
    found = evaluate(reports, REGISTRY)
    assert [(f.agency_id, f.report_year, f.rule) for f in found] == [("a2", 2021, "R11")]


def test_r00_unknown_agency_and_aliases() -> None:
    alias = _clean(2021, agency="甲市教育委员会")
    unknown = _clean(2021, agency="丙市公安局")
    found = evaluate({"x.pdf": alias, "y.pdf": unknown}, REGISTRY[:1])
    assert [(f.agency_id, f.report_year, f.rule, f.actual, f.file) for f in found] == [
        ("", 2021, "R00", "丙市公安局", "y.pdf")
    ]
    # an unregistered report's own checks still count (agency_id empty); R10/R11 are not judged
    unknown["requests"]["granted"]["total"] = 6
    found = evaluate({"y.pdf": unknown}, REGISTRY[:1], {"y.pdf": "2023-01-01"})
    assert {f.key for f in found} == {
        ("", 2021, "R00", "", "", ""),
        ("", 2021, "R01", "requests", "granted", "total"),
        ("", 2021, "R02", "requests", "total_processed", "total"),
    }


def test_r10_kind_from_level_when_empty() -> None:
    registry = [{"agency_id": "t", "name": "甲市乙镇人民政府", "level": "township", "kind": "", "first_year": "2021"}]
    town = _clean(2021, agency="甲市乙镇人民政府")
    assert evaluate({"t.pdf": town}, registry, {"t.pdf": "2022-03-01"}) == []
