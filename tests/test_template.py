"""The template module against the published templates (counts and keys from the spec)."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.template import OUTCOME_GROUPS, TEMPLATES, identities

TRUTH = Path(__file__).resolve().parents[1] / "tests" / "corpus" / "real" / "truth"


def test_cell_counts_match_the_notices() -> None:
    # report-format.md: 25 data rows × 7 columns in 2021 (175 cells); 23 × 7 in 2019; 15 in section 四.
    assert TEMPLATES["2021"].n_cells("requests") == 175
    assert TEMPLATES["2019"].n_cells("requests") == 161
    for version in ("2019", "2021"):
        assert TEMPLATES[version].n_cells("review_litigation") == 15
    assert TEMPLATES["2019"].n_cells("proactive") == 22  # 2×3 + 4×3 + 2 + 2
    assert TEMPLATES["2021"].n_cells("proactive") == 10  # 2×3 + 3 + 1


def test_request_keys_and_order_match_a_truth_file() -> None:
    truth = json.loads((TRUTH / "szfgs2024.json").read_text(encoding="utf-8"))
    tpl = TEMPLATES["2021"]
    assert [r.key for r in tpl.table("requests").rows] == list(truth["requests"])
    assert [c.key for c in tpl.table("requests").rows[0].columns] == list(truth["requests"]["new_received"])
    assert [r.key for r in tpl.table("review_litigation").rows] == list(truth["review_litigation"])
    assert [r.key for r in tpl.table("proactive").rows] == list(truth["proactive"])


def test_every_outcome_row_has_a_known_group() -> None:
    for tpl in TEMPLATES.values():
        groups = {r.outcome_group for r in tpl.table("requests").rows if r.outcome_group}
        assert groups == set(OUTCOME_GROUPS)


def test_identities_cover_rules_r01_to_r04() -> None:
    ids = identities("2021")
    by_rule = {rid: [i for i in ids if i.rule_id == rid] for rid in ("R01", "R02", "R03", "R04")}
    assert len(by_rule["R01"]) == 25 and len(by_rule["R02"]) == 7
    assert len(by_rule["R03"]) == 7 and len(by_rule["R04"]) == 3
    r02 = by_rule["R02"][0]
    assert len(r02.parts_side) == 2 + 8 + 3 + 5 + 3  # （一）（二） + Σ（三）…（六）
    assert len(identities("2019")[0].parts_side) == 6
