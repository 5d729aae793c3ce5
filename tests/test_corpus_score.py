"""Every report of the test corpora against its truth, with the outcome classes of `ogi score`
(pipelines/score.py) and the exceptions below.

Per report: the year and template are right and no number is wrong (a wrong number is a
defect). Per corpus: coverage (correct / cells) is at least 0.99. Truths are hand-checked
(real/) or the data a file was rendered from (fixtures/, probes/, converted/, damaged/,
published/).

Exceptions, each by design:
- damaged/ is not held to coverage: its truth is the UNDAMAGED report's, and a damage (labels
  dropped, a column missing, rows shredded) removes what a reader needs to place some values
  with certainty, so null is the right answer there. Damaged files are judged on wrong == 0
  (asserted here) and on findings (tests/test_damaged_findings.py).
- a truth's `unreadable_cells` (converted/crawler_run_together: "行政许可3960181"; a row that lost
  a blank) are cells no reader can place: left out of the coverage ratio; a number there is
  still wrong unless it is the true one.
- a 0 where the report prints a blank (blank_as_zero) is wrong, except for a cell the parser
  marks `inferred` (a zero-only row under a printed 0 （七）总计 is read as zeros, with a warning;
  the seed report's hand-checked truth requires it, and a lost blank there reads as 0).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest

from pipelines.model import ParsedReport, ParseError
from pipelines.parsing import parse_file

CORPORA = Path(__file__).resolve().parent / "corpus"
ROOT = CORPORA.parent.parent
SCORED = ("requests", "review_litigation", "proactive")
# Corpora judged on wrong == 0 only (see the module docstring).
COVERAGE_NOT_REQUIRED = {"damaged"}
MIN_COVERAGE = 0.99
# converted/ prints, in its labels-apart layouts (pdftotext raw, Markdown with loose labels), tables
# whose values can only be placed by order: section 二 (no identity confirms an order there) and
# section 三/四 tables that print an arithmetic error (their identities do not reconcile). The
# placement rule leaves those cells to a person (about 3% of the corpus): its floor is measured.
MIN_COVERAGE_BY_CORPUS = {"converted": 0.965}
# scanned/ is read by OCR (issue 16): a number is kept only when the table's identities or a double
# read confirm it, so cells a person must check remain (README, "Scanned … reports"); measured floor.
MIN_COVERAGE_BY_CORPUS["scanned"] = 0.90


def _raw(corpus: Path, name: str) -> Path:
    folder = ROOT / "data" / "raw" if corpus.name == "real" else corpus / "raw"
    found = [p for p in folder.iterdir() if p.stem == name]
    assert len(found) == 1, f"{corpus.name}: no single raw file for {name}"
    return found[0]


@cache
def _parsed(path: Path) -> ParsedReport | str:
    try:
        return parse_file(path)
    except ParseError as exc:
        return exc.reason


def score(truth: dict, report: ParsedReport) -> dict[str, list[str] | int]:
    got = report.to_json()
    tally: dict[str, list[str] | int] = {"cells": 0, "correct": 0, "missing": [], "wrong": []}
    unreadable = set(truth.get("unreadable_cells", ()))
    for table in SCORED:
        for row, cols in truth[table].items():
            for col, expected in cols.items():
                where = f"{table}.{row}.{col}"
                actual = (got.get(table, {}).get(row) or {}).get(col)
                if actual is not None and expected is None:
                    cell = report.cell(table, row, col)
                    if not (actual == 0 and cell is not None and cell.status == "inferred"):
                        tally["wrong"].append(f"{where}: blank in the report, parsed {actual}")  # type: ignore[union-attr]
                    elif where in unreadable:
                        continue
                elif actual is not None and expected is not None and abs(float(actual) - float(expected)) >= 1e-6:
                    tally["wrong"].append(f"{where}: truth {expected}, parsed {actual}")  # type: ignore[union-attr]
                if where in unreadable:
                    continue
                tally["cells"] += 1  # type: ignore[operator]
                if actual is None and expected is not None:
                    tally["missing"].append(where)  # type: ignore[union-attr]
                elif where not in {w.split(":")[0] for w in tally["wrong"]}:  # type: ignore[union-attr]
                    tally["correct"] += 1  # type: ignore[operator]
    return tally


def _corpora() -> list[Path]:
    return sorted(p for p in CORPORA.iterdir() if (p / "truth").is_dir())


def _cases() -> list[tuple[Path, Path]]:
    return [(c, t) for c in _corpora() for t in sorted((c / "truth").glob("*.json"))]


def _truth(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("corpus,truth_path", _cases(), ids=lambda x: x.stem if isinstance(x, Path) else x)
def test_report_is_read_without_a_wrong_number(corpus: Path, truth_path: Path) -> None:
    truth = _truth(truth_path)
    report = _parsed(_raw(corpus, truth_path.stem))
    if isinstance(report, str):
        pytest.fail(f"{truth_path.stem}: {report}")
    assert (report.report_year, report.template) == (truth["report_year"], truth["template"])
    assert score(truth, report)["wrong"] == []


@pytest.mark.parametrize("corpus", [c for c in _corpora() if c.name not in COVERAGE_NOT_REQUIRED], ids=lambda c: c.name)
def test_corpus_coverage(corpus: Path) -> None:
    cells = correct = 0
    worst: list[tuple[float, str]] = []
    for truth_path in sorted((corpus / "truth").glob("*.json")):
        report = _parsed(_raw(corpus, truth_path.stem))
        truth = _truth(truth_path)
        if isinstance(report, str):
            tally = {"cells": sum(len(c) for t in SCORED for c in truth[t].values()), "correct": 0}
        else:
            tally = score(truth, report)
        cells += tally["cells"]  # type: ignore[operator]
        correct += tally["correct"]  # type: ignore[operator]
        if tally["cells"]:
            worst.append((tally["correct"] / tally["cells"], truth_path.stem))  # type: ignore[operator]
    coverage = correct / cells
    floor = MIN_COVERAGE_BY_CORPUS.get(corpus.name, MIN_COVERAGE)
    assert coverage >= floor, f"{corpus.name}: coverage {coverage:.4f}; least read: {sorted(worst)[:5]}"
