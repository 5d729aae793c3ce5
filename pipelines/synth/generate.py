"""`ogi generate`: a fictional prefecture-level city, its reports in every format, and its defects.

plan_city() decides everything (agencies, values, defects, formats, publication dates) from the
seed and checks itself: the rules engine (pipelines/rules.py: the warehouse's rule SQL) run over the final truths, the
registry and the publication dates must find exactly the defects that were injected — every
injected defect is found, and nothing else is (a clean city evaluates to zero findings).
write_city() renders the files. The same seed gives the same bytes.

Defects (one per agency-year at most, each on a few percent of agency-years):
  R01  an outcome row's 总计 changed                  -> R01 (row), R02 (total column)
  R02  an outcome cell and its row total raised       -> R02 (column), R02 (total)
  R03  一、本年新收 raised in a column and its total   -> R03 (column), R03 (total)
  R04  a section 四 block's total or part changed    -> R04 (block)
  R06  二、上年结转 raised, 一、本年新收 lowered alike  -> R06 (column), R06 (total)
  R08  printed with the other template                -> R08
  R09  a template row whose cells are all 0 dropped   -> R09 (table, row)
  R10  first published after the deadline             -> R10
  R11  no report at all                               -> R11
  R00  a body not in the registry publishes a report   -> R00 (one per 100 agencies, at least one)
  fix  a v1 with an arithmetic error, a corrected v2 published later -> nothing (latest counts)
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import time
from collections import Counter
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipelines.rules import FINDING_COLUMNS, Finding, deadline, evaluate
from pipelines.template import (
    APPLICANT_PARTS,
    OUTCOME_ROWS_2019,
    OUTCOME_ROWS_2021,
    template_for_year,
)

from ..metadata import AGENCY_COLUMNS
from .city import Agency, build_city, unregistered_bodies
from .numbers import agency_series, collapse_other, truth
from .render import variants

# A finding's key: (agency_id, report_year, rule, table, row, column).
DefectKey = tuple[str, int, str, str, str, str]

DEFECT_RATES = {  # per agency-year
    "R01": 0.02,
    "R02": 0.02,
    "R03": 0.02,
    "R04": 0.02,
    "R06": 0.025,
    "R08": 0.02,
    "R09": 0.025,
    "R10": 0.03,
    "R11": 0.02,
    "fix": 0.025,
}
BLANK_RATE = 0.05  # clean reports printing a few cells blank
COLLAPSED_OTHER_RATE = 0.05  # clean 2021 reports printing （六） as one row
PDF_SHARE = 0.15
# Rows an R09 defect may drop (when all their cells are 0): never a row a renderer anchors on.
R09_REQUEST_ROWS = (
    "denied_state_secret",
    "denied_law_forbidden",
    "denied_three_safety_one_stability",
    "denied_third_party",
    "denied_internal_affairs",
    "denied_process_info",
    "denied_enforcement_file",
    "denied_admin_query",
    "unable_needs_creation",
    "unable_unclear_after_correction",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirm_info",
    "other_overdue_fee",
)
R09_PROACTIVE_ROWS = ("regulations", "admin_coercion")
# Variants the parser cannot read every blank cell of (a report with blanks is drawn in another):
#   text_tabs    a one-cell row printed blank ("行政许可\t") reads as a row not printed (a false R09)
#   pdf_unruled  the same without ruling lines; and a blank first cell ("", "222.27" in 政府集中采购)
#                leaves the next value unplaced (read as blank, with a warning)
BLANK_FRAGILE = ("text_tabs", "pdf_unruled")


@dataclass
class ReportFile:
    agency: Agency
    year: int
    version_no: int
    truth: dict[str, Any]
    variant: str
    ext: str
    published_at: dt.date

    @property
    def path(self) -> str:
        suffix = f"_v{self.version_no}" if self.version_no > 1 else ""
        return f"{self.agency.folder}/{self.agency.agency_id}_{self.year}{suffix}.{self.ext}"

    @property
    def stem(self) -> str:
        return Path(self.path).stem


@dataclass
class CityPlan:
    city: str
    seed: int
    years: tuple[int, int]
    agencies: list[Agency]
    reports: list[ReportFile]
    injected: dict[tuple[str, int], str]  # agency-year -> defect kind
    expected: set[DefectKey]  # finding keys the injections must produce
    findings: list[Finding] = field(default_factory=list)

    def registry_rows(self) -> list[dict[str, str]]:
        return [a.row() for a in self.agencies]

    def defect_rows(self) -> list[DefectKey]:
        return sorted({f.key for f in self.findings})


# ---------------------------------------------------------------- planning


def _variant_weights() -> tuple[list[str], list[float]]:
    names = sorted(variants())
    n_pdf = sum(1 for n in names if n.startswith("pdf_"))
    n_other = len(names) - n_pdf
    weights = [PDF_SHARE / n_pdf if n.startswith("pdf_") else (1 - PDF_SHARE) / n_other for n in names]
    return names, weights


def _on_time(rng: random.Random, year: int, kind: str) -> dt.date:
    start = dt.date(year + 1, 1, 5)
    return start + dt.timedelta(days=rng.randint(0, (deadline(year, kind) - start).days))


def _late(rng: random.Random, year: int, kind: str) -> dt.date:
    return deadline(year, kind) + dt.timedelta(days=rng.randint(1, 120))


def _bump(rng: random.Random, value: int) -> int:
    """A different non-negative number, as a typo or a wrong sum prints it."""
    d = rng.choice((1, 1, 2, 3, 10))
    return value + d if value < d or rng.random() < 0.6 else value - d


def _inject(kind: str, t: dict[str, Any], rng: random.Random, agency_id: str) -> set[DefectKey] | None:
    """Change `t` in place for an arithmetic/structure defect; the finding keys it must produce.

    None when the report cannot carry this defect (then it is left unchanged)."""
    year = t["report_year"]
    req = t["requests"]
    outcomes = OUTCOME_ROWS_2021 if t["template"] == "2021" else OUTCOME_ROWS_2019

    def key(rule: str, table: str = "", row: str = "", column: str = "") -> DefectKey:
        return (agency_id, year, rule, table, row, column)

    if kind == "R01":
        row = rng.choice(outcomes)
        req[row]["total"] = _bump(rng, req[row]["total"])
        return {key("R01", "requests", row, "total"), key("R02", "requests", "total_processed", "total")}
    if kind == "R02":
        row, col = rng.choice(outcomes), rng.choice(APPLICANT_PARTS[:2])
        d = rng.choice((1, 2, 5))
        req[row][col] += d
        req[row]["total"] += d
        return {key("R02", "requests", "total_processed", col), key("R02", "requests", "total_processed", "total")}
    if kind == "R03":
        col, d = rng.choice(APPLICANT_PARTS[:2]), rng.choice((1, 2, 3, 10))
        req["new_received"][col] += d
        req["new_received"]["total"] += d
        return {key("R03", "requests", "carried_forward", col), key("R03", "requests", "carried_forward", "total")}
    if kind == "R04":
        block = rng.choice(sorted(t["review_litigation"]))
        col = rng.choice(("total", "total", "upheld", "corrected"))
        t["review_litigation"][block][col] = _bump(rng, t["review_litigation"][block][col])
        return {key("R04", "review_litigation", block, "total")}
    if kind == "R06":
        cols = [c for c in APPLICANT_PARTS if req["new_received"][c] >= 1]
        if not cols:
            return None
        col = cols[0] if rng.random() < 0.7 else rng.choice(cols)
        d = rng.randint(1, min(req["new_received"][col], 5))
        for row, sign in (("carried_over", 1), ("new_received", -1)):
            req[row][col] += sign * d
            req[row]["total"] += sign * d
        return {key("R06", "requests", "carried_over", col), key("R06", "requests", "carried_over", "total")}
    if kind == "R09":
        candidates = [("requests", r) for r in R09_REQUEST_ROWS if r in req]
        candidates += [("proactive", r) for r in R09_PROACTIVE_ROWS]
        candidates = [(tb, r) for tb, r in candidates if all(v == 0 for v in t[tb][r].values())]
        if not candidates:
            return None
        table, row = rng.choice(candidates)
        del t[table][row]
        return {key("R09", table, row, "")}
    raise ValueError(kind)


def _blank_some(t: dict[str, Any], rng: random.Random) -> None:
    """Print a few cells blank, in ways real reports do; no rule can fail or pass because of it."""
    pattern = rng.choice(("proactive", "review", "zero_row"))
    if pattern == "review":
        zero = [b for b, cols in t["review_litigation"].items() if not any(cols.values())]
        if zero:
            block = rng.choice(zero)
            t["review_litigation"][block] = dict.fromkeys(t["review_litigation"][block], None)
            return
    if pattern == "zero_row":
        outcomes = OUTCOME_ROWS_2021 if t["template"] == "2021" else OUTCOME_ROWS_2019
        zero = [r for r in outcomes if r in t["requests"] and not any(t["requests"][r].values())]
        if zero:
            row = rng.choice(zero)
            for c in APPLICANT_PARTS[1:]:
                t["requests"][row][c] = None
            return
    row = rng.choice(sorted(t["proactive"]))
    col = rng.choice(sorted(t["proactive"][row]))
    t["proactive"][row][col] = None


def _has_blank(t: dict[str, Any]) -> bool:
    return any(
        v is None
        for tb in ("proactive", "requests", "review_litigation")
        for cols in t[tb].values()
        for v in cols.values()
    )


def plan_city(n_agencies: int = 320, years: tuple[int, int] = (2019, 2024), seed: int = 1) -> CityPlan:
    """Everything the city will contain, decided from the seed, and self-checked."""
    city, agencies = build_city(n_agencies, years, seed)
    rng = random.Random(f"ogi-generate:{seed}")
    names, weights = _variant_weights()
    all_variants = variants()
    kinds = list(DEFECT_RATES)
    reports: list[ReportFile] = []
    injected: dict[tuple[str, int], str] = {}
    expected: set[DefectKey] = set()
    y0, y1 = years

    def draw_variant(avoid: str = "") -> tuple[str, str]:
        while True:
            name = rng.choices(names, weights=weights)[0]
            if name != avoid:
                return name, all_variants[name][0]

    for a in agencies:
        span = list(range(max(a.first_year, y0), (a.last_year if a.last_year is not None else y1) + 1))
        series = agency_series(a, span, random.Random(f"{seed}:{a.agency_id}"))
        for year in span:
            data = series[year]
            name = a.printed_name(year)
            roll, acc, kind = rng.random(), 0.0, ""
            for k in kinds:
                acc += DEFECT_RATES[k]
                if roll < acc:
                    kind = k
                    break
            if (kind == "R06" and injected.get((a.agency_id, year - 1)) == "R11") or (
                year == span[0] and kind == "R06"
            ):
                kind = ""
            t = truth(name, data)
            published = _on_time(rng, year, a.kind)
            variant, ext = draw_variant()
            if kind == "R11":
                injected[(a.agency_id, year)] = kind
                expected.add((a.agency_id, year, "R11", "", "", ""))
                continue
            if kind == "R08":
                t = truth(name, data, "2019" if template_for_year(year) == "2021" else "2021")
                expected.add((a.agency_id, year, "R08", "", "", ""))
            elif kind == "R10":
                published = _late(rng, year, a.kind)
                expected.add((a.agency_id, year, "R10", "", "", ""))
            elif kind == "fix":
                wrong = json.loads(json.dumps(t))
                _inject(rng.choice(("R01", "R02", "R04")), wrong, rng, a.agency_id)
                reports.append(ReportFile(a, year, 1, wrong, variant, ext, published))
                published = published + dt.timedelta(days=rng.randint(3, 60))
                variant, ext = draw_variant()
                reports.append(ReportFile(a, year, 2, t, variant, ext, published))
                injected[(a.agency_id, year)] = kind
                continue
            elif kind:
                keys = _inject(kind, t, rng, a.agency_id)
                if keys is None:
                    kind = ""
                else:
                    expected |= keys
            if not kind:
                if t["template"] == "2021" and rng.random() < COLLAPSED_OTHER_RATE:
                    collapse_other(t)
                if rng.random() < BLANK_RATE:
                    _blank_some(t, rng)
            else:
                injected[(a.agency_id, year)] = kind
            if variant == "pdf_pagebreak" and "unable_not_held" not in t["requests"]:
                variant, ext = draw_variant(avoid="pdf_pagebreak")
            while variant in BLANK_FRAGILE and _has_blank(t):
                variant, ext = draw_variant(avoid=variant)
            reports.append(ReportFile(a, year, 1, t, variant, ext, published))
    # R00 from a stream of its own, so that adding it changed nothing else in a seed's city.
    urng = random.Random(f"ogi-generate-unregistered:{seed}")
    for body, year in unregistered_bodies(city, agencies[0], years, seed, n_agencies):
        t = truth(body.name, agency_series(body, [year], random.Random(f"{seed}:{body.agency_id}"))[year])
        while True:
            variant = urng.choices(names, weights=weights)[0]
            if variant != "pdf_pagebreak" or "unable_not_held" in t["requests"]:
                break
        reports.append(ReportFile(body, year, 1, t, variant, all_variants[variant][0], _on_time(urng, year, body.kind)))
        expected.add(("", year, "R00", "", "", ""))
    plan = CityPlan(city, seed, years, agencies, reports, injected, expected)
    plan.findings = evaluate(
        {r.path: r.truth for r in reports}, plan.registry_rows(), {r.path: r.published_at.isoformat() for r in reports}
    )
    found = {f.key for f in plan.findings}
    missed, extra = expected - found, found - expected
    if missed or extra:
        raise AssertionError(
            f"generator self-check failed: injected but not found {sorted(missed)[:10]}; "
            f"found but not injected {sorted(extra)[:10]}"
        )
    return plan


# ---------------------------------------------------------------- writing


def _csv(rows: list[Any], header: tuple[str, ...]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for row in rows:
        w.writerow([row[h] for h in header] if isinstance(row, dict) else row)
    return buf.getvalue().encode("utf-8")


def truth_json(t: dict[str, Any]) -> str:
    return json.dumps(t, ensure_ascii=False, indent=1) + "\n"


def _render_one(job: tuple[str, dict[str, Any]]) -> bytes:
    variant, t = job
    return variants()[variant][1](t)


def write_city(plan: CityPlan, out: Path, workers: int = 0, pool: Executor | None = None) -> None:
    """Write the registry, publications, reports, truths and defects under `out` (rendering in
    `pool`, or in `workers` processes; 0 = one per CPU; the bytes do not depend on it)."""
    import os

    workers = workers or os.cpu_count() or 1
    out = Path(out)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    # the columns the registry reader takes (pipelines/metadata.py)
    (out / "agencies.csv").write_bytes(_csv(plan.registry_rows(), AGENCY_COLUMNS))
    pubs = sorted((r.path, r.published_at.isoformat()) for r in plan.reports)
    (out / "publications.csv").write_bytes(_csv(pubs, ("file", "published_at")))
    (out / "defects.csv").write_bytes(_csv(plan.defect_rows(), FINDING_COLUMNS))
    # a page that prints its 发布时间 prints the publication date of publications.csv (the collector
    # reads it from the page: pipelines/collect/); the truth files do not hold it
    jobs = [(r.variant, {**r.truth, "published_at": r.published_at.isoformat()}) for r in plan.reports]
    own_pool = None
    if pool is None and workers > 1 and len(jobs) > 50:
        pool = own_pool = ProcessPoolExecutor(workers)
    try:
        # Written as they come (in order): a city's rendered files are never all held at once.
        blobs = pool.map(_render_one, jobs, chunksize=8) if pool is not None else map(_render_one, jobs)
        for r, blob in zip(plan.reports, blobs, strict=True):
            path = out / r.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
            (out / "truth" / f"{r.stem}.json").write_text(truth_json(r.truth), encoding="utf-8")
    finally:
        if own_pool is not None:
            own_pool.shutdown()


def summary(plan: CityPlan, seconds: float | None = None) -> str:
    formats = Counter(r.ext for r in plan.reports)
    rules = Counter(f.rule for f in plan.findings)
    fixes = sum(1 for k in plan.injected.values() if k == "fix")
    lines = [
        f"city: {plan.city} (seed {plan.seed}), years {plan.years[0]}-{plan.years[1]}",
        f"agencies: {len(plan.agencies)}",
        f"report files: {len(plan.reports)} ({fixes} corrected re-publications)",
        "files per format: " + ", ".join(f"{k} {v}" for k, v in sorted(formats.items())),
        "defects per rule: " + ", ".join(f"{k} {v}" for k, v in sorted(rules.items())),
    ]
    if seconds is not None:
        lines.append(f"seconds: {seconds:.1f}")
    return "\n".join(lines)


def generate(
    out: Path, n_agencies: int = 320, years: tuple[int, int] = (2019, 2024), seed: int = 1, workers: int = 0
) -> CityPlan:
    start = time.perf_counter()
    plan = plan_city(n_agencies, years, seed)
    write_city(plan, out, workers)
    print(summary(plan, time.perf_counter() - start))
    return plan
