"""The findings a truth JSON implies, computed from the truth alone, and `ogi check` findings
reduced to the same shape: what `ogi score --findings` compares.

Independent of `pipelines/rules.py` and of the parser (the code under test): the rules R01-R04,
R08 and R09 are restated here on the canonical JSON (docs/spec/canonical-keys.md); a blank
operand makes a check not assessable unless the known parts already exceed the printed total.
Findings are reduced to ("R01", row), ("R02"|"R03", column), ("R04", block), ("R08",),
("R09", table, row). The same rules as `../shared/tools/findings_vs_truth.py` (an optional extra
tool outside this repository), with one refinement: a 2021 report that prints （六） as one row
(other_other, without its sub-rows other_overdue_correction / other_overdue_fee) does not imply
R09 for the two sub-rows (the rules skip them under a one-row （六）, as `ogi check` does).
"""

from __future__ import annotations

from typing import Any

APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org")
OUTCOMES_2021 = (
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
)
OUTCOMES_2019 = tuple(o for o in OUTCOMES_2021 if o not in ("other_overdue_correction", "other_overdue_fee"))
FLOW = ("new_received", "carried_over", "total_processed", "carried_forward")
BLOCKS = ("review", "litigation_direct", "litigation_after_review")
PARTS4 = ("upheld", "corrected", "other", "pending")
PROACTIVE = {
    "2021": ("regulations", "normative_documents", "admin_license", "admin_penalty", "admin_coercion", "admin_fees"),
    "2019": (
        "regulations",
        "normative_documents",
        "admin_license",
        "other_services",
        "admin_penalty",
        "admin_coercion",
        "admin_fees",
        "gov_procurement",
    ),
}
COLLAPSIBLE = ("other_overdue_correction", "other_overdue_fee")


def _fails(total: Any, parts: list[Any]) -> bool:
    """True when the identity fails: total printed and the parts disagree (blank parts: only
    when the known parts already exceed the total)."""
    if total is None:
        return False
    known = [p for p in parts if p is not None]
    if len(known) < len(parts):
        return sum(known) > total + 1e-9
    return abs(sum(known) - total) > 1e-9


def truth_findings(t: dict[str, Any]) -> set[tuple]:
    out: set[tuple] = set()
    tpl = t.get("template")
    req = t.get("requests") or {}
    outcomes = OUTCOMES_2019 if tpl == "2019" else OUTCOMES_2021

    def cell(row: str, col: str) -> Any:
        return (req.get(row) or {}).get(col)

    for row in (*FLOW, *outcomes):
        if row in req and _fails(cell(row, "total"), [cell(row, c) for c in APPLICANTS]):
            out.add(("R01", row))
    for col in (*APPLICANTS, "total"):
        if "total_processed" in req and _fails(
            cell("total_processed", col), [cell(o, col) for o in outcomes if o in req]
        ):
            out.add(("R02", col))
        a, b, c, d = (cell(r, col) for r in FLOW)
        if None not in (a, b, c, d) and abs(a + b - c - d) > 1e-9:
            out.add(("R03", col))
    rl = t.get("review_litigation") or {}
    for blk in BLOCKS:
        if blk in rl and _fails(rl[blk].get("total"), [rl[blk].get(p) for p in PARTS4]):
            out.add(("R04", blk))
    year = t.get("report_year")
    if year and tpl and (("2021" if year >= 2021 else "2019") != tpl):
        out.add(("R08",))
    collapsed = tpl == "2021" and "other_other" in req and not any(r in req for r in COLLAPSIBLE)
    for row in (*FLOW, *outcomes):
        if row not in req and not (collapsed and row in COLLAPSIBLE):
            out.add(("R09", "requests", row))
    for row in PROACTIVE.get(str(tpl), ()):
        if row not in (t.get("proactive") or {}):
            out.add(("R09", "proactive", row))
    for blk in BLOCKS:
        if blk not in rl:
            out.add(("R09", "review_litigation", blk))
    return out


def check_findings(doc: dict[str, Any]) -> set[tuple]:
    """`ogi check -f json` findings reduced as findings_vs_truth.py reduces them."""
    out: set[tuple] = set()
    for f in doc.get("findings") or []:
        rule, table, row, col = f.get("rule"), f.get("table"), f.get("row"), f.get("column")
        if rule == "R01":
            out.add(("R01", row))
        elif rule in ("R02", "R03"):
            out.add((rule, col))
        elif rule == "R04":
            out.add(("R04", row))
        elif rule == "R08":
            out.add(("R08",))
        elif rule == "R09":
            out.add(("R09", table, row))
    return out


def fmt_findings(findings: set[tuple]) -> str:
    """One string for a CSV cell: "R01:granted;R02:total" (sorted)."""
    return ";".join(":".join(f) for f in sorted(findings))
