"""Every report of the test corpora against its truth, scored as ../shared/tools/score.py scores.

wrong must be 0 everywhere (a wrong number is a defect); coverage (correct / cells) must be
at least 0.99 per report. Truths are hand-checked (real/) or the data a file was rendered from
(fixtures/, probes/, converted/, damaged/).

Two exceptions to coverage, both by design:
- damaged/ is not held to coverage: its truth is the UNDAMAGED report's, and a damage (labels
  dropped, a column missing, rows shredded) removes what a reader needs to place some values
  with certainty, so null is the right answer there. Damaged files are judged on wrong == 0
  (asserted here) and on findings (tests/test_damaged_findings.py).
- a truth's `unreadable_cells` (converted/crawler_run_together: "行政许可3960181") are cells whose
  digits run into their neighbours' in the file: no reader can know them, the truth keeps their
  real values, and they are left out of the coverage ratio (a number there still counts wrong
  unless it is the true one).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.model import ParseError
from pipelines.parsing import parse_file

CORPORA = Path(__file__).resolve().parent / "corpus"
ROOT = CORPORA.parent.parent
SCORED = ("requests", "review_litigation", "proactive")
# Corpora judged on wrong == 0 only (see the module docstring).
COVERAGE_NOT_REQUIRED = {"damaged"}


def _raw(corpus: Path, name: str) -> Path:
    folder = ROOT / "data" / "raw" if corpus.name == "real" else corpus / "raw"
    found = [p for p in folder.iterdir() if p.stem == name]
    assert len(found) == 1, f"{corpus.name}: no single raw file for {name}"
    return found[0]


def score(truth: dict, got: dict) -> dict[str, list[str] | int]:
    tally: dict[str, list[str] | int] = {"cells": 0, "correct": 0, "missing": [], "wrong": []}
    for table in SCORED:
        for row, cols in truth[table].items():
            for col, expected in cols.items():
                tally["cells"] += 1  # type: ignore[operator]
                actual = (got.get(table, {}).get(row) or {}).get(col)
                where = f"{table}.{row}.{col}"
                if actual is None and expected is None:
                    tally["correct"] += 1  # type: ignore[operator]
                elif actual is None:
                    tally["missing"].append(where)  # type: ignore[union-attr]
                elif expected is not None and abs(float(actual) - float(expected)) < 1e-6:
                    tally["correct"] += 1  # type: ignore[operator]
                else:
                    tally["wrong"].append(f"{where}: truth {expected}, parsed {actual}")  # type: ignore[union-attr]
    return tally


def _cases() -> list[tuple[Path, Path]]:
    return [(c, t) for c in sorted(p for p in CORPORA.iterdir() if (p / "truth").is_dir())
            for t in sorted((c / "truth").glob("*.json"))]


@pytest.mark.parametrize("corpus,truth_path", _cases(), ids=lambda x: x.stem if isinstance(x, Path) else x)
def test_report_scores(corpus: Path, truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    try:
        got = parse_file(_raw(corpus, truth_path.stem)).to_json()
    except ParseError as exc:
        pytest.fail(f"{truth_path.stem}: {exc.reason}")
    assert (got["report_year"], got["template"]) == (truth["report_year"], truth["template"])
    tally = score(truth, got)
    assert tally["wrong"] == []
    if corpus.name in COVERAGE_NOT_REQUIRED:
        return
    unreadable = set(truth.get("unreadable_cells", ()))
    cells = tally["cells"] - len(unreadable)  # type: ignore[operator]
    missing = [m for m in tally["missing"] if m not in unreadable]  # type: ignore[union-attr]
    coverage = 1.0 if cells <= 0 else (cells - len(missing)) / cells
    assert coverage >= 0.99, f"coverage {coverage:.3f}; missing: {missing}"
