"""`ogi check` on a damaged report accuses the agency of nothing the undamaged report does not show.

For every file of tests/corpus/damaged/ (tests/make_converted_corpus.py; a table broken the way
conversions break them), the single-report check (`pipelines.check.check_file(path, "json")`)
must raise only findings that the truth of the UNDAMAGED report implies: (rule, table, row,
column) reduced as `ogi score --findings` reduces them, the expectation computed from the
truth JSON by pipelines/truth_findings.py (independent of pipelines/rules.py and of the parser).
Missing a true finding on a damaged file is allowed (the damage may hide it); raising a false one
is not: a cell the parser could not place must make a check not assessable, never
make a row "not printed" (R09) or drop out of a sum (R02/R03).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.check import check_file
from pipelines.truth_findings import check_findings, truth_findings

DAMAGED = Path(__file__).resolve().parent / "corpus" / "damaged"


def _cases() -> list:
    raws = {p.stem: p for p in (DAMAGED / "raw").iterdir() if p.is_file()}
    return [pytest.param(raws[t.stem], t, id=t.stem) for t in sorted((DAMAGED / "truth").glob("*.json"))]


def test_corpus_is_present() -> None:
    cases = _cases()
    assert 60 <= len(cases) <= 120, f"{len(cases)} damaged files"


@pytest.mark.parametrize("raw,truth_path", _cases())
def test_findings_are_true_findings(raw: Path, truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    code, out = check_file(raw, "json")
    doc = json.loads(out)
    assert code in (0, 1, 2), out
    found = check_findings(doc)
    false = found - truth_findings(truth)
    assert not false, (
        f"{raw.name} ({truth['damage']}, {truth['format']}, base {truth['base_truth']}): "
        f"findings the undamaged report does not imply: {sorted(false)}"
    )
