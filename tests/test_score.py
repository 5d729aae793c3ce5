"""`ogi score` (pipelines/score.py) on hand-made truth/parse pairs whose figures are counted by hand.

Every outcome class, the cell selection (sections 三 and 四 whole, section 二 only on its canonical
rows, a row that is not an object skipped), a failed parse (every cell missing), year/template,
the report and summary lines, and the exit status (--max-wrong, --min-coverage, no truth: 2).
`--findings` on a truth whose implied findings are written out by hand. No file is parsed here:
the parser and the checker are stand-ins; tests/test_score_corpora.py runs the real ones.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.score import main, score_corpus, score_findings, score_one
from pipelines.truth_findings import APPLICANTS

# Truth: 3 request cells, 2 review cells, 3 proactive cells of which 2 canonical, and a
# non-object row (skipped): 7 cells scored.
TRUTH: dict[str, Any] = {
    "report_year": 2023,
    "template": "2021",
    "requests": {
        "granted": {"natural_person": 5, "commercial": None, "total": 7},
        "note": "not an object: not a row of cells",
    },
    "review_litigation": {"review": {"upheld": None, "total": 4}},
    "proactive": {
        "regulations": {"made": 2},
        "admin_license": {"count": 10},
        "local_extra_row": {"made": 99},  # not a canonical key: not scored
    },
}
# The parse: granted.natural_person 5 correct; granted.commercial 0 where blank → blank_as_zero;
# granted.total 8 for 7 → wrong; review.upheld 3 where blank → wrong; review.total null → missing;
# regulations.made 2 correct; admin_license.count null (row absent) → missing; an extra row ignored.
GOT: dict[str, Any] = {
    "report_year": 2023,
    "template": "2021",
    "requests": {"granted": {"natural_person": 5.0, "commercial": 0, "total": 8}, "extra": {"total": 1}},
    "review_litigation": {"review": {"upheld": 3, "total": None}},
    "proactive": {"regulations": {"made": 2}, "local_extra_row": {"made": 1}},
}
EXPECTED = {"cells": 7, "correct": 2, "missing": 2, "blank_as_zero": 1, "wrong": 2}


def _figures(result: dict[str, Any]) -> dict[str, int]:
    return {k: result[k] for k in EXPECTED}


def test_every_outcome_class_counted() -> None:
    result = score_one(TRUTH, GOT)
    assert _figures(result) == EXPECTED
    assert result["meta_ok"] is True
    assert result["wrong_cells"] == [
        "requests.granted.total: report says 7, got 8",
        "review_litigation.review.upheld: blank in report, got 3",
    ]


def test_a_failed_parse_scores_every_cell_missing() -> None:
    result = score_one(TRUTH, {})
    assert _figures(result) == {"cells": 7, "correct": 0, "missing": 7, "blank_as_zero": 0, "wrong": 0}
    assert result["meta_ok"] is False


def test_year_and_template_compared_as_text() -> None:
    assert score_one(TRUTH, {**GOT, "report_year": "2023"})["meta_ok"] is True
    assert score_one(TRUTH, {**GOT, "template": "2019"})["meta_ok"] is False


def test_numbers_compared_as_numbers() -> None:
    truth = {"requests": {"granted": {"total": 251000}}}
    assert score_one(truth, {"requests": {"granted": {"total": 251000.0000001}}})["correct"] == 1
    assert score_one(truth, {"requests": {"granted": {"total": "251000"}}})["correct"] == 1
    assert score_one(truth, {"requests": {"granted": {"total": "251000元"}}})["wrong"] == 1


def _corpus(tmp_path: Path, reports: dict[str, dict[str, Any]], raw_suffix: str = ".pdf") -> Path:
    corpus = tmp_path / "corpus"
    (corpus / "truth").mkdir(parents=True)
    (corpus / "raw").mkdir()
    for name, truth in reports.items():
        (corpus / "truth" / f"{name}.json").write_text(json.dumps(truth), encoding="utf-8")
        (corpus / "raw" / f"{name}{raw_suffix}").write_bytes(b"")
    return corpus


def _parser(answers: dict[str, dict[str, Any]]):
    def parse(path: Path) -> tuple[dict[str, Any], str]:
        got = answers.get(path.stem, {})
        return got, "" if got else "不是年度报告"

    return parse


def test_corpus_lines_and_totals(tmp_path: Path) -> None:
    perfect = {
        "report_year": 2023,
        "template": "2021",
        "requests": {"granted": {"total": 1}},
        "review_litigation": {},
        "proactive": {},
    }
    corpus = _corpus(tmp_path, {"a": TRUTH, "b": perfect, "c": TRUTH})
    (corpus / "raw" / "notes.txt").write_text("no truth: never scored", encoding="utf-8")
    out = io.StringIO()
    result = score_corpus(corpus, _parser({"a": GOT, "b": {**perfect, "report_year": 2024}}), out=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "a .pdf   cells=   7 correct=   2 missing=  2 blank_as_zero=  1 wrong=  2 "
    assert lines[1:3] == [
        "    requests.granted.total: report says 7, got 8",
        "    review_litigation.review.upheld: blank in report, got 3",
    ]
    assert lines[3] == "b .pdf   cells=   1 correct=   1 missing=  0 blank_as_zero=  0 wrong=  0 "
    assert (
        lines[4]
        == "c .pdf   cells=   7 correct=   0 missing=  7 blank_as_zero=  0 wrong=  0 PARSE FAILED: 不是年度报告"
    )
    assert lines[5].startswith("reports=3 parse_failed=1 year_or_template_wrong=1 seconds=")
    assert lines[6] == "coverage=0.2000 wrong=2 missing=9 blank_as_zero=1 cells=15"
    assert len(lines) == 7
    assert result.totals == {"correct": 3, "missing": 9, "blank_as_zero": 1, "wrong": 2, "cells": 15}
    assert (result.parse_failed, result.year_or_template_wrong) == (["c"], ["b"])


def test_exit_status(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, {"a": TRUTH})
    parse = _parser({"a": GOT})  # coverage 2/7 = 0.2857, wrong 2

    def run(**kw: Any) -> int:
        return main(corpus, parse=parse, out=io.StringIO(), err=io.StringIO(), **kw)

    assert run() == 0
    assert run(max_wrong=2) == 0
    assert run(max_wrong=1) == 1
    assert run(min_coverage=0.28) == 0
    assert run(min_coverage=0.29) == 1
    assert run(max_wrong=5, min_coverage=0.5) == 1


def test_verbose_lists_every_wrong_cell(tmp_path: Path) -> None:
    truth = {"requests": {"granted": dict.fromkeys(APPLICANTS, 1)}}
    corpus = _corpus(tmp_path, {"a": truth})
    got = {"requests": {"granted": dict.fromkeys(APPLICANTS, 2)}}
    short, full = io.StringIO(), io.StringIO()
    score_corpus(corpus, _parser({"a": got}), out=short)
    score_corpus(corpus, _parser({"a": got}), out=full, verbose=True)
    assert sum(ln.startswith("    ") for ln in short.getvalue().splitlines()) == 3
    assert sum(ln.startswith("    ") for ln in full.getvalue().splitlines()) == 6


def test_no_truth_no_raw(tmp_path: Path) -> None:
    err = io.StringIO()
    (tmp_path / "empty" / "truth").mkdir(parents=True)
    assert main(tmp_path / "empty", parse=_parser({}), out=io.StringIO(), err=err) == 2
    assert "no truth files under" in err.getvalue()
    corpus = _corpus(tmp_path, {"a": TRUTH})
    err = io.StringIO()
    assert main(corpus, raw_dir=tmp_path / "nowhere", parse=_parser({}), out=io.StringIO(), err=err) == 2
    assert "no raw folder" in err.getvalue()
    (corpus / "raw" / "a.pdf").unlink()
    err, out = io.StringIO(), io.StringIO()
    assert main(corpus, parse=_parser({}), out=out, err=err) == 0
    assert err.getvalue() == "a: no raw file\n"
    assert out.getvalue().splitlines()[-1] == "coverage=0.0000 wrong=0 missing=0 blank_as_zero=0 cells=0"


def test_raw_folder_given_apart(tmp_path: Path) -> None:
    corpus = _corpus(tmp_path, {"a": TRUTH})
    raw = tmp_path / "elsewhere"
    (corpus / "raw").rename(raw)
    assert score_corpus(corpus, _parser({"a": GOT}), raw_dir=raw).totals == {**EXPECTED}


# ------------------------------------------------------------------ --findings


def _req(total: int | None, parts: list[int | None]) -> dict[str, int | None]:
    return {"total": total, **dict(zip(APPLICANTS, parts, strict=True))}


def test_findings_true_false_missed(tmp_path: Path) -> None:
    # A 2021 report for 2023 whose `granted` row does not add up (R01) and whose section 四 lacks
    # the litigation_after_review block (R09); every other request row is absent too (R09 each),
    # so the truth implies them: counted by hand below.
    truth = {
        "report_year": 2023,
        "template": "2021",
        "requests": {"granted": _req(7, [1, 1, 1, 1, 1, 1])},
        "review_litigation": {
            "review": {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1},
            "litigation_direct": {"upheld": 0, "corrected": 0, "other": 0, "pending": 0, "total": 0},
        },
        "proactive": {
            r: {}
            for r in (
                "regulations",
                "normative_documents",
                "admin_license",
                "admin_penalty",
                "admin_coercion",
                "admin_fees",
            )
        },
    }
    from pipelines.truth_findings import FLOW, OUTCOMES_2021, truth_findings

    want = truth_findings(truth)
    r09_requests = {("R09", "requests", r) for r in (*FLOW, *OUTCOMES_2021) if r != "granted"}
    assert want == {("R01", "granted"), ("R09", "review_litigation", "litigation_after_review")} | r09_requests
    assert len(want) == 2 + 24
    # The check reports R01 (true), an R04 on review (false) and all R09 but one request row (missed).
    doc = {
        "findings": [
            {"rule": "R01", "table": "requests", "row": "granted", "column": "total"},
            {"rule": "R04", "table": "review_litigation", "row": "review", "column": "total"},
            {"rule": "R09", "table": "review_litigation", "row": "litigation_after_review"},
        ]
        + [{"rule": "R09", "table": t, "row": r} for (_, t, r) in sorted(r09_requests)[1:]]
    }
    corpus = _corpus(tmp_path, {"a": truth, "b": truth})
    out = io.StringIO()
    result = score_findings(corpus, lambda p: doc if p.stem == "a" else {}, out=out)
    assert (result.reports, result.unreadable) == (2, 1)
    assert (result.true_findings, result.false_findings, result.missed_findings) == (25, 1, 1 + 26)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("a: truth=") and "false=[('R04', 'review')]" in lines[0] and lines[0].endswith("<--")
    assert lines[1].endswith(" UNREADABLE  <--")
    assert lines[2] == "reports=2 unreadable=1 true_findings=25 false_findings=1 missed_findings=27"

    def run(check: Any, **kw: Any) -> int:
        return main(corpus, findings=True, check=check, out=io.StringIO(), err=io.StringIO(), **kw)

    assert run(lambda p: doc) == 1
    exact = {
        "findings": [{"rule": "R01", "row": "granted"}]
        + [{"rule": "R09", "table": t, "row": r} for (_, t, r) in sorted(want - {("R01", "granted")})]
    }
    assert run(lambda p: exact) == 0
    missing_one = {"findings": exact["findings"][1:]}
    assert run(lambda p: missing_one) == 1
    assert run(lambda p: missing_one, allow_missed=True) == 0
    assert run(lambda p: doc, allow_missed=True) == 1


@pytest.mark.parametrize(
    "blank_parts,total,fails",
    [
        ([1, 1, None, 0, 0, 0], 5, False),  # blank operand: not assessable while the known parts fit
        ([3, 3, None, 0, 0, 0], 5, True),  # known parts already exceed the printed total: a finding
        ([1, 1, 1, 1, 1, 0], None, False),  # no printed total: nothing to check
    ],
)
def test_blank_operands(blank_parts: list[int | None], total: int | None, fails: bool) -> None:
    from pipelines.truth_findings import truth_findings

    found = truth_findings({"report_year": 2023, "template": "2021", "requests": {"granted": _req(total, blank_parts)}})
    assert (("R01", "granted") in found) is fails
