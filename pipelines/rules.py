"""The compliance rules of docs/monitoring.md, in pure Python (no DuckDB, no Dagster).

Input reports are canonical report dicts (the JSON of `ogi parse --format json`). A cell that
is `None` is blank (printed blank: not reported); a row or cell missing from the dict is not
printed at all (absent). A report may carry `"cell_status": {"table.row.column": status}` (the
parser's statuses): "absent" cells are treated as missing from the dict, "unreadable" cells as
not read; `report_from_parsed()` builds such a dict from a ParsedReport.

A check is made only on what was read. A check with an unreadable operand, or an absent one, is
not assessable (no finding) — the cell is never taken for 0. The 2021 （六） printed as one row
is the exception: its two sub-rows are absent by the layout, and R02 sums （六） as printed. A
check with a blank operand is not assessable either, with one exception for R01–R04: when the
total side is fully printed, blanks sit only on the parts side and the known (non-negative)
parts already exceed the total, the check fails whatever the blanks hold. A check whose anchor
cell is absent is not made.

    evaluate_report(report)                        R01–R05, R08, R09 of one report
    evaluate(reports, registry, publications)      every rule over a set of reports
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pipelines.template import (
    APPLICANT_COLUMNS,
    COLLAPSIBLE_OTHER_ROWS,
    Identity,
    TEMPLATES,
    column_kind,
    identities,
    template_for_year,
)

FINDING_COLUMNS = ("agency_id", "report_year", "rule", "table", "row", "column")
_ABSENT = object()
_UNREAD = object()
_EPS = 1e-6


@dataclass(frozen=True, order=True)
class Finding:
    agency_id: str
    report_year: int
    rule: str
    table: str = ""
    row: str = ""
    column: str = ""
    expected: Any = None
    actual: Any = None
    file: str = ""  # the report version the finding comes from ("" for R10/R11)

    @property
    def key(self) -> tuple[str, int, str, str, str, str]:
        return (self.agency_id, self.report_year, self.rule, self.table, self.row, self.column)


# ---------------------------------------------------------------- cells


def _cell(report: Mapping[str, Any], table: str, row: str, column: str) -> Any:
    """The cell's value, None when blank, _ABSENT when not printed, _UNREAD when not read."""
    status = (report.get("cell_status") or {}).get(f"{table}.{row}.{column}")
    if status == "absent":
        return _ABSENT
    if status == "unreadable":
        return _UNREAD
    cols = (report.get(table) or {}).get(row)
    if cols is None or column not in cols:
        return _ABSENT
    return cols[column]


def _row_absent(report: Mapping[str, Any], table: str, row: str) -> bool:
    columns = TEMPLATES[report["template"]].table(table).row(row).columns
    return all(_cell(report, table, row, c.key) is _ABSENT for c in columns)


def report_from_parsed(parsed: Any) -> dict[str, Any]:
    """A ParsedReport as an evaluator input: absent cells left out, unreadable cells marked."""
    out = parsed.to_json()
    status: dict[str, str] = {}
    for c in parsed.cells:
        if c.status == "absent":
            out[c.table].get(c.row, {}).pop(c.column, None)
            if not out[c.table].get(c.row, True):
                del out[c.table][c.row]
        elif c.status == "unreadable":
            status[f"{c.table}.{c.row}.{c.column}"] = "unreadable"
    out["cell_status"] = status
    return out


def _collapsed_other(report: Mapping[str, Any]) -> bool:
    """A 2021 report printing （六） as the single 其他处理 row (its sub-rows 1 and 2 absent)."""
    return (report["template"] == "2021" and not _row_absent(report, "requests", "other_other")
            and all(_row_absent(report, "requests", r) for r in COLLAPSIBLE_OTHER_ROWS))


def _num(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


# ---------------------------------------------------------------- single-report rules


def _identity_outcome(report: Mapping[str, Any], ident: Identity, collapsed: bool) -> tuple[str, Any, Any] | None:
    """One R01–R04 check: ("passed" | "failed" | "not_assessable", expected or reason, printed
    anchor); None when the anchor cell is not printed (the check is not made)."""
    anchor = _cell(report, ident.anchor.table, ident.anchor.row, ident.anchor.column)
    if anchor is _ABSENT:
        return None
    if anchor is _UNREAD:
        return "not_assessable", "unread", None
    refs = [c for c in (*ident.total_side, *ident.parts_side)
            if not (collapsed and c.table == "requests" and c.row in COLLAPSIBLE_OTHER_ROWS)]
    values = [_cell(report, c.table, c.row, c.column) for c in refs]
    if any(v is _UNREAD for v in values):
        return "not_assessable", "unread", anchor  # an operand was not read: never taken for 0
    if any(v is _ABSENT for v in values):
        return "not_assessable", "absent", anchor  # an operand's row is not printed
    totals = [_cell(report, c.table, c.row, c.column) for c in ident.total_side if c in refs]
    parts = [_cell(report, c.table, c.row, c.column) for c in ident.parts_side if c in refs]
    if any(v is None for v in totals):
        return "not_assessable", "blank", anchor
    total = sum(float(v) for v in totals)
    known = sum(float(v) for v in parts if v is not None)
    others = total - float(anchor)  # the total side without the anchor
    if any(v is None for v in parts):
        # blanks on the parts side only: a finding when the known parts already exceed the total
        return ("failed", None, anchor) if known > total + _EPS else ("not_assessable", "blank", anchor)
    if abs(total - known) > _EPS:
        return "failed", known - others, anchor
    return "passed", None, anchor


def not_assessable(report: Mapping[str, Any]) -> list[tuple[Identity, str]]:
    """The R01–R04 checks of one report that could not be made because an operand was not read
    (reason "unread") or its row is not printed ("absent"); blanks are left out (not reported
    is the agency's choice, not the parser's failure)."""
    collapsed = _collapsed_other(report)
    out: list[tuple[Identity, str]] = []
    for ident in identities(report["template"]):
        outcome = _identity_outcome(report, ident, collapsed)
        if outcome is not None and outcome[0] == "not_assessable" and outcome[1] in ("unread", "absent"):
            out.append((ident, outcome[1]))
    return out


def evaluate_report(report: Mapping[str, Any], agency_id: str = "", file: str = "") -> list[Finding]:
    """R01–R05, R08 and R09 of one report (its own version's template)."""
    year = int(report["report_year"])
    version = report["template"]
    out: list[Finding] = []

    def add(rule: str, table: str = "", row: str = "", column: str = "", expected: Any = None,
            actual: Any = None) -> None:
        out.append(Finding(agency_id, year, rule, table, row, column, _num(expected), _num(actual), file))

    collapsed = _collapsed_other(report)
    for ident in identities(version):
        outcome = _identity_outcome(report, ident, collapsed)
        if outcome is not None and outcome[0] == "failed":
            add(ident.rule_id, ident.anchor.table, ident.anchor.row, ident.anchor.column, outcome[1], outcome[2])
    # R05: counts are non-negative integers; signed counts integers; amounts non-negative.
    for table_key, table in TEMPLATES[version].tables.items():
        for row, col in table.cells():
            v = _cell(report, table_key, row.key, col.key)
            if v is _ABSENT or v is _UNREAD or v is None:
                continue
            kind = column_kind(version, table_key, row.key, col.key)
            bad = (not isinstance(v, (int, float)) or isinstance(v, bool)
                   or (kind in ("count", "signed") and not float(v).is_integer())
                   or (kind in ("count", "amount") and v < 0))
            if bad:
                add("R05", table_key, row.key, col.key, None, v)
    # R08: the template the year requires.
    if version != template_for_year(year):
        add("R08", expected=template_for_year(year), actual=version)
    # R09: every template row printed (the 2021 （六） as one row is accepted).
    for table_key, table in TEMPLATES[version].tables.items():
        for row in table.rows:
            if not _row_absent(report, table_key, row.key):
                continue
            if collapsed and table_key == "requests" and row.key in COLLAPSIBLE_OTHER_ROWS:
                continue
            add("R09", table_key, row.key, "")
    return out


# ---------------------------------------------------------------- the set of reports


def deadline(year: int, kind: str) -> dt.date:
    """R10: 31 January (departments) or 31 March (governments, townships) of the next year."""
    return dt.date(year + 1, 1, 31) if kind == "department" else dt.date(year + 1, 3, 31)


# An agency name as matched against the registry: no whitespace, brackets, quotes or
# separators (the same normalisation as dbt's normalize_agency_name macro).
_NAME_NOISE = re.compile(r"[\s\u00a0\u3000()（）\[\]［］【】《》「」“”\"'·•、，,.．\-－—]+")


def _squeeze(name: str | None) -> str:
    return _NAME_NOISE.sub("", name or "")


def to_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string; None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _kind(agency: Mapping[str, Any]) -> str:
    """The registry's kind; when empty, `department` for *_department levels, else `government`."""
    kind = str(agency.get("kind") or "").strip()
    if kind:
        return kind
    return "department" if str(agency.get("level") or "").endswith("_department") else "government"


def _int_or_none(value: Any) -> int | None:
    return None if value is None or str(value).strip() == "" else int(value)


def evaluate(reports: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]],
             registry: Iterable[Mapping[str, Any]],
             publications: Mapping[str, Any] | Iterable[Mapping[str, Any]] = ()) -> list[Finding]:
    """Every rule of docs/monitoring.md over a set of reports.

    reports       {file path: report dict}, or report dicts carrying their path under "file"
    registry      agencies.csv rows (agency_id, name, aliases, kind, first_year, last_year; an
                  optional "source" groups rows by registry file for R11's years)
    publications  {file path: published_at}, or publications.csv rows (file, published_at)
    """
    if isinstance(reports, Mapping):
        items = [(str(f), r) for f, r in reports.items()]
    else:
        items = [(str(r["file"]), r) for r in reports]
    if isinstance(publications, Mapping):
        published = {str(f): to_date(d) for f, d in publications.items()}
    else:
        published = {str(p["file"]): to_date(p.get("published_at")) for p in publications}
    agencies = {str(a["agency_id"]): a for a in registry}
    by_name: dict[str, str] = {}
    for aid, a in agencies.items():
        for name in [a.get("name", "")] + [x for x in str(a.get("aliases") or "").split("|")]:
            if _squeeze(name):
                by_name.setdefault(_squeeze(name), aid)

    findings: list[Finding] = []
    versions: dict[tuple[str, int], list[tuple[str, Mapping[str, Any]]]] = defaultdict(list)
    for file, report in items:
        aid = by_name.get(_squeeze(report.get("agency")))
        year = report.get("report_year")
        if aid is None:  # R00; its other single-report checks still count (agency_id empty)
            findings.append(Finding("", int(year) if year is not None else 0, "R00",
                                    actual=report.get("agency"), file=file))
            if year is not None:
                findings += evaluate_report(report, "", file)
            continue
        versions[(aid, int(year))].append((file, report))

    def order(v: tuple[str, Mapping[str, Any]]) -> tuple:
        d = published.get(v[0])
        return (d is None, d or dt.date.min, v[0])

    latest: dict[tuple[str, int], tuple[str, Mapping[str, Any]]] = {}
    for key, vs in versions.items():
        vs.sort(key=order)
        latest[key] = vs[-1]
        file, report = vs[-1]
        findings += evaluate_report(report, key[0], file)
        # R10: the first publication of the agency-year.
        dates = [published.get(f) for f, _ in vs if published.get(f) is not None]
        if dates:
            first, due = min(dates), deadline(key[1], _kind(agencies[key[0]]))
            if first > due:
                findings.append(Finding(key[0], key[1], "R10", expected=due.isoformat(), actual=first.isoformat()))
    # R06: this year's carried_over = last year's carried_forward, latest versions, per column.
    for (aid, year), (file, report) in latest.items():
        prev = latest.get((aid, year - 1))
        if prev is None:
            continue
        for c in APPLICANT_COLUMNS:
            now, before = _cell(report, "requests", "carried_over", c.key), _cell(prev[1], "requests",
                                                                                    "carried_forward", c.key)
            if any(v is _ABSENT or v is _UNREAD or v is None for v in (now, before)):
                continue
            if abs(float(now) - float(before)) > _EPS:
                findings.append(Finding(aid, year, "R06", "requests", "carried_over", c.key, _num(before), _num(now),
                                        file))
    # R11: expected agency-years (first_year..last_year), within the years of the registry's data.
    source_years: dict[str, set[int]] = defaultdict(set)
    for aid, year in latest:
        source_years[str(agencies[aid].get("source") or "")].add(year)
    for aid, a in agencies.items():
        years = source_years.get(str(a.get("source") or ""), set())
        first, last = _int_or_none(a.get("first_year")), _int_or_none(a.get("last_year"))
        if not years or first is None:
            continue
        for year in range(max(first, min(years)), min(last if last is not None else max(years), max(years)) + 1):
            if year in years and (aid, year) not in latest:
                findings.append(Finding(aid, year, "R11"))
    return sorted(findings, key=lambda f: (f.key, f.file))
