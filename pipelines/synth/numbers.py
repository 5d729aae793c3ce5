"""Report values of a generated agency: plausible, internally consistent, chained across years.

One `YearData` per agency-year holds everything the agency did that year (requests by applicant
type and outcome, review and litigation cases, proactive disclosure quantities). `truth()`
prints it with either template — the one the year requires, or the other one (R08 defects) —
as a canonical report dict. Clean data satisfies R01–R05 and R06 (this year's 二、上年结转 is
last year's 四、结转下年度 per column).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from pipelines.template import (
    APPLICANT_PARTS,
    OUTCOME_ROWS_2021,
    REVIEW_COLUMNS,
    TEMPLATES,
    template_for_year,
)

from .city import Agency

APPLICANT_WEIGHTS = {
    "natural_person": 0.86,
    "commercial": 0.07,
    "research": 0.004,
    "social_org": 0.006,
    "legal_service": 0.03,
    "other_org": 0.03,
}
# Per request: granted ~40%, partial ~10%, denied ~5% (8 reasons), unable ~30%, not processed ~8%, other ~7%.
OUTCOME_WEIGHTS = {
    "granted": 40.0,
    "partially_granted": 10.0,
    "denied_state_secret": 0.3,
    "denied_law_forbidden": 0.5,
    "denied_three_safety_one_stability": 0.3,
    "denied_third_party": 1.0,
    "denied_internal_affairs": 0.8,
    "denied_process_info": 1.2,
    "denied_enforcement_file": 0.5,
    "denied_admin_query": 0.4,
    "unable_not_held": 22.0,
    "unable_needs_creation": 5.0,
    "unable_unclear_after_correction": 3.0,
    "not_processed_petition": 4.0,
    "not_processed_repeat": 2.5,
    "not_processed_publication": 0.4,
    "not_processed_excessive": 0.4,
    "not_processed_confirm_info": 0.7,
    "other_overdue_correction": 3.2,
    "other_overdue_fee": 0.3,
    "other_other": 3.5,
}
assert set(OUTCOME_WEIGHTS) == set(OUTCOME_ROWS_2021)
OTHER_SUBROWS = ("other_overdue_correction", "other_overdue_fee")

# Mean new requests a year by profile (the agency's own level is drawn around it).
REQUEST_SCALE = {"township": 1.2, "low": 6.0, "mid": 40.0, "high": 320.0, "gov_county": 120.0, "gov_city": 420.0}


def poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def multinomial(rng: random.Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    keys = list(weights)
    out = dict.fromkeys(keys, 0)
    if n <= 0:
        return out
    cum, acc = [], 0.0
    for k in keys:
        acc += weights[k]
        cum.append(acc)
    for k in rng.choices(keys, cum_weights=cum, k=n):
        out[k] += 1
    return out


def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(1 for _ in range(n) if rng.random() < p)


@dataclass
class Proactive:
    """What the agency disclosed proactively in a year, printable in either template."""

    reg_issued: int = 0
    reg_repealed: int = 0
    reg_in_force: int = 0
    doc_issued: int = 0
    doc_repealed: int = 0
    doc_in_force: int = 0
    license: int = 0
    services: int = 0
    penalty: int = 0
    coercion: int = 0
    items: dict[str, int] = field(default_factory=dict)  # 2019 item catalogue sizes, last year
    changes: dict[str, int] = field(default_factory=dict)
    fee_10k_yuan: float = 0.0
    procurement_projects: int = 0
    procurement_amount: float = 0.0


@dataclass
class YearData:
    year: int
    requests: dict[str, dict[str, int]]  # every 2021 row (other split in three), every column incl. total
    review: dict[str, dict[str, int]]
    proactive: Proactive


def _with_total(parts: dict[str, int]) -> dict[str, int]:
    out = {c: parts.get(c, 0) for c in APPLICANT_PARTS}
    out["total"] = sum(out.values())
    return out


def _amount(x: float) -> float | int:
    x = round(x, 2)
    return int(x) if float(x).is_integer() else x


def agency_series(agency: Agency, years: list[int], rng: random.Random) -> dict[int, YearData]:
    """The agency's data for each of `years` (consecutive), chained year to year."""
    scale = REQUEST_SCALE[agency.profile] * rng.lognormvariate(0, 0.45)
    trend = rng.uniform(-0.08, 0.12)
    p_forward = {"township": 0.0, "low": 0.03}.get(agency.profile, rng.uniform(0.02, 0.08))
    gov = agency.kind == "government"
    # Proactive state carried across years.
    reg_in_force = rng.randint(15, 45) if agency.level == "city_government" else 0
    doc_in_force = {
        "city_government": rng.randint(60, 160),
        "county_government": rng.randint(30, 90),
        "township": rng.randint(0, 6),
    }.get(agency.level, rng.randint(3, 40))
    items = {k: rng.randint(0, 40) for k in ("license", "services", "penalty", "coercion")}
    items["fees"] = rng.randint(0, 6)
    lic_scale = rng.choice((0, 5, 40, 300, 2000)) if not gov else rng.choice((20, 200, 800))
    pen_scale = {"high": 800, "mid": 120}.get(agency.profile, rng.choice((0, 0, 10, 40)))
    fee_scale = rng.choice((0.0, 0.0, 0.0, 3.5, 40.0, 250.0))
    out: dict[int, YearData] = {}
    forward = None
    for i, year in enumerate(years):
        lam = scale * (1 + trend) ** i * rng.uniform(0.75, 1.3)
        if agency.profile == "township":
            n_new = rng.choices(range(6), weights=(45, 20, 15, 10, 5, 5))[0]
        else:
            n_new = poisson(rng, lam)
        new = multinomial(rng, n_new, APPLICANT_WEIGHTS)
        if forward is None:  # first year in the data: what was left from the year before
            carried = {c: binomial(rng, new[c], p_forward) for c in APPLICANT_PARTS}
        else:
            carried = dict(forward)
        req: dict[str, dict[str, int]] = {"new_received": _with_total(new), "carried_over": _with_total(carried)}
        fwd: dict[str, int] = {}
        outcomes: dict[str, dict[str, int]] = {r: {} for r in OUTCOME_ROWS_2021}
        for c in APPLICANT_PARTS:
            available = new[c] + carried[c]
            fwd[c] = binomial(rng, available, p_forward)
            split = multinomial(rng, available - fwd[c], OUTCOME_WEIGHTS)
            for r in OUTCOME_ROWS_2021:
                outcomes[r][c] = split[r]
        for r in OUTCOME_ROWS_2021:
            req[r] = _with_total(outcomes[r])
        req["total_processed"] = _with_total(
            {c: sum(outcomes[r][c] for r in OUTCOME_ROWS_2021) for c in APPLICANT_PARTS}
        )
        req["carried_forward"] = _with_total(fwd)
        forward = fwd
        # Section 四: a few cases, more for busy agencies.
        cases = max(n_new, 1)
        review = {}
        for block, rate in (("review", 0.025), ("litigation_direct", 0.012), ("litigation_after_review", 0.005)):
            n = poisson(rng, cases * rate + (0.2 if agency.profile != "township" else 0.02))
            parts = multinomial(rng, n, {"upheld": 6, "corrected": 1, "other": 1.5, "pending": 1.5})
            review[block] = {**parts, "total": n}
        # Section 二.
        p = Proactive()
        if agency.level == "city_government":
            p.reg_issued = rng.randint(0, 3)
            p.reg_repealed = min(rng.randint(0, 1), reg_in_force)
        reg_in_force += p.reg_issued - p.reg_repealed
        p.reg_in_force = reg_in_force
        doc_rate = {"city_government": 12, "county_government": 8, "township": 0.6}.get(agency.level, 2.5)
        p.doc_issued = poisson(rng, doc_rate)
        p.doc_repealed = min(poisson(rng, doc_rate / 3), doc_in_force)
        doc_in_force += p.doc_issued - p.doc_repealed
        p.doc_in_force = doc_in_force
        p.license = poisson(rng, lic_scale * rng.uniform(0.8, 1.2))
        p.services = poisson(rng, lic_scale * 0.3)
        p.penalty = poisson(rng, pen_scale * rng.uniform(0.7, 1.3))
        p.coercion = poisson(rng, pen_scale * 0.05)
        p.items = dict(items)
        for k, n_items in list(items.items()):
            change = rng.choice((0, 0, 0, 1, -1, 2)) if n_items else rng.choice((0, 0, 1))
            change = max(change, -n_items)
            p.changes[k] = change
            items[k] = n_items + change
        p.fee_10k_yuan = _amount(fee_scale * rng.uniform(0.6, 1.4)) if fee_scale else 0
        p.procurement_projects = poisson(rng, 8 if gov else 3)
        p.procurement_amount = _amount(p.procurement_projects * rng.uniform(5, 120)) if p.procurement_projects else 0
        out[year] = YearData(year, req, review, p)
    return out


def _proactive_table(p: Proactive, version: str) -> dict[str, dict[str, Any]]:
    if version == "2021":
        return {
            "regulations": {"issued": p.reg_issued, "repealed": p.reg_repealed, "in_force": p.reg_in_force},
            "normative_documents": {"issued": p.doc_issued, "repealed": p.doc_repealed, "in_force": p.doc_in_force},
            "admin_license": {"decisions": p.license},
            "admin_penalty": {"decisions": p.penalty},
            "admin_coercion": {"decisions": p.coercion},
            "admin_fees": {"amount_10k_yuan": p.fee_10k_yuan},
        }

    def items(key: str, decisions: int) -> dict[str, int]:
        return {"prev_items": p.items[key], "change": p.changes[key], "decisions": decisions}

    return {
        "regulations": {"new_made": p.reg_issued, "new_published": p.reg_issued, "total_published": p.reg_in_force},
        "normative_documents": {
            "new_made": p.doc_issued,
            "new_published": p.doc_issued,
            "total_published": p.doc_in_force,
        },
        "admin_license": items("license", p.license),
        "other_services": items("services", p.services),
        "admin_penalty": items("penalty", p.penalty),
        "admin_coercion": items("coercion", p.coercion),
        "admin_fees": {"prev_items": p.items["fees"], "change": p.changes["fees"]},
        "gov_procurement": {"projects": p.procurement_projects, "amount": p.procurement_amount},
    }


def truth(agency_name: str, data: YearData, version: str | None = None) -> dict[str, Any]:
    """The canonical report dict printing `data` with `version` (default: the year's template)."""
    version = version or template_for_year(data.year)
    requests: dict[str, dict[str, Any]] = {}
    for row in TEMPLATES[version].table("requests").rows:
        if version == "2019" and row.key == "other_other":
            cols = {
                c: sum(data.requests[r][c] for r in (*OTHER_SUBROWS, "other_other"))
                for c in data.requests["other_other"]
            }
        else:
            cols = data.requests[row.key]
        requests[row.key] = dict(cols)
    review = {b: {c.key: data.review[b][c.key] for c in REVIEW_COLUMNS} for b in data.review}
    return {
        "agency": agency_name,
        "report_year": data.year,
        "template": version,
        "proactive": _proactive_table(data.proactive, version),
        "requests": requests,
        "review_litigation": review,
    }


def collapse_other(t: dict[str, Any]) -> None:
    """A 2021 report printing （六） as the single 2019-style row (accepted, no R09)."""
    req = t["requests"]
    for c in req["other_other"]:
        req["other_other"][c] = sum(req[r][c] for r in (*OTHER_SUBROWS, "other_other"))
    for r in OTHER_SUBROWS:
        del req[r]
