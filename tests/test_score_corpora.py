"""`ogi score` on every corpus under tests/corpus/: its figures, counted again independently.

For every report, the figures of `pipelines.score` (cells, correct, missing, blank_as_zero,
wrong, year/template) are recounted here from the truth and the parser's JSON by a separate
restatement of the rules (docs/spec/canonical-keys.md; tests/test_score.py holds hand-counted
figures of every class), and the corpus totals and summary lines must follow from them.

When `../shared/tools/score.py` exists beside the repository (an optional extra tool; the tests
pass without it; OGI_SHARED_DIR names another folder), it scores the same parser answers too
(each report's JSON written to a file, read back with `cat {file}`), and its lines must give the
same figures; on the real reports it also runs `ogi parse` itself, as its README line does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pipelines.score import CorpusScore, project_parser, score_corpus

CORPORA = Path(__file__).resolve().parent / "corpus"
REPO_ROOT = CORPORA.parent.parent
SHARED_SCORE = Path(os.environ.get("OGI_SHARED_DIR", REPO_ROOT.parent / "shared")) / "tools" / "score.py"
FIGURES = ("cells", "correct", "missing", "blank_as_zero", "wrong")
PROACTIVE_KEYS = {
    "regulations",
    "normative_documents",
    "admin_license",
    "other_services",
    "admin_penalty",
    "admin_coercion",
    "admin_fees",
    "gov_procurement",
}


def _corpora() -> list[Path]:
    return sorted(p for p in CORPORA.iterdir() if (p / "truth").is_dir())


def _raw_dir(corpus: Path) -> Path:
    # tests/corpus/real keeps only the truth: its reports are the ones in data/raw.
    return REPO_ROOT / "data" / "raw" if corpus.name == "real" else corpus / "raw"


@cache
def _scored(corpus: Path) -> tuple[CorpusScore, dict[str, dict[str, Any]]]:
    """The corpus scored by `ogi score`'s code, and the parser's JSON of every report."""
    parse = project_parser(timeout=None)
    answers: dict[str, dict[str, Any]] = {}

    def recording(path: Path) -> tuple[dict[str, Any], str]:
        got, why = parse(path)
        answers[path.stem] = got
        return got, why

    return score_corpus(corpus, recording, raw_dir=_raw_dir(corpus)), answers


def _recount(truth: dict[str, Any], got: dict[str, Any]) -> dict[str, int]:
    """The figures of one report, restated: each scored truth cell (sections 三 and 四 whole,
    section 二 on canonical rows) flattened to a key, then classified on the parser's value."""
    wanted = {
        (t, r, c): v
        for t in ("requests", "review_litigation", "proactive")
        for r, cols in (truth.get(t) or {}).items()
        if isinstance(cols, dict)
        if t != "proactive" or r in PROACTIVE_KEYS
        for c, v in cols.items()
    }
    parsed = {
        (t, r, c): v
        for t in ("requests", "review_litigation", "proactive")
        for r, cols in (got.get(t) or {}).items()
        if isinstance(cols, dict)
        for c, v in cols.items()
    }
    n = dict.fromkeys(FIGURES, 0)
    n["cells"] = len(wanted)
    for key, expected in wanted.items():
        actual = parsed.get(key) if got else None
        if actual is None:
            outcome = "correct" if expected is None else "missing"
        elif expected is None:
            outcome = "blank_as_zero" if float(actual) == 0 else "wrong"
        else:
            outcome = "correct" if abs(float(actual) - float(expected)) < 1e-6 else "wrong"
        n[outcome] += 1
    return n


CORPUS_IDS = [c.name for c in _corpora()]


@pytest.mark.parametrize("name", CORPUS_IDS)
def test_figures_recounted(name: str) -> None:
    corpus = CORPORA / name
    result, answers = _scored(corpus)
    truths = sorted((corpus / "truth").glob("*.json"))
    assert result.reports == len(truths) and set(result.per_report) == {t.stem for t in truths}
    totals = dict.fromkeys(FIGURES, 0)
    for truth_path in truths:
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        got = answers[truth_path.stem]
        want = _recount(truth, got)
        assert {k: result.per_report[truth_path.stem][k] for k in FIGURES} == want, truth_path.stem
        assert sum(want[k] for k in FIGURES if k != "cells") == want["cells"]
        for k in FIGURES:
            totals[k] += want[k]
        same_meta = (got.get("report_year"), got.get("template")) == (truth["report_year"], truth["template"])
        assert (truth_path.stem in result.year_or_template_wrong) is bool(got and not same_meta)
        assert (truth_path.stem in result.parse_failed) is (not got)
    assert result.totals == totals
    assert result.summary_lines()[1] == (
        f"coverage={totals['correct'] / max(totals['cells'], 1):.4f} wrong={totals['wrong']} "
        f"missing={totals['missing']} blank_as_zero={totals['blank_as_zero']} cells={totals['cells']}"
    )


_REPORT_LINE = re.compile(
    r"^(\S+) +\S* +cells= *(\d+) correct= *(\d+) missing= *(\d+) "
    r"blank_as_zero= *(\d+) wrong= *(\d+)"
)


def _figures_of(lines: list[str]) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    """Per-report figures and the two summary lines (seconds dropped) of a scorer's output."""
    per = {m[1]: tuple(int(x) for x in m.groups()[1:]) for ln in lines if (m := _REPORT_LINE.match(ln))}
    summary = [re.sub(r" seconds=\S+", "", ln) for ln in lines if ln.startswith(("reports=", "coverage="))]
    return per, summary


def _ours(result: CorpusScore) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    per = {n: tuple(r[k] for k in FIGURES) for n, r in result.per_report.items()}
    return per, [re.sub(r" seconds=\S+", "", ln) for ln in result.summary_lines()]


def _shared(corpus: Path, raw: Path, cmd: str) -> tuple[dict[str, tuple[int, ...]], list[str]]:
    proc = subprocess.run(
        [sys.executable, str(SHARED_SCORE), "--corpus", str(corpus), "--cmd", cmd],
        check=False,
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return _figures_of(proc.stdout.splitlines())


@pytest.mark.skipif(not SHARED_SCORE.exists(), reason="../shared/tools/score.py is not beside the repository")
@pytest.mark.parametrize("name", CORPUS_IDS)
def test_same_figures_as_shared_score(name: str, tmp_path: Path) -> None:
    corpus = CORPORA / name
    result, answers = _scored(corpus)
    copy = tmp_path / name
    (copy / "raw").mkdir(parents=True)
    (copy / "truth").symlink_to(corpus / "truth")
    for stem, got in answers.items():
        # a failed parse: not JSON, which score.py scores as a failed parse too
        (copy / "raw" / f"{stem}.json").write_text(json.dumps(got) if got else "not parsed", encoding="utf-8")
    assert _shared(copy, copy / "raw", "cat {file}") == _ours(result)


@pytest.mark.skipif(not SHARED_SCORE.exists(), reason="../shared/tools/score.py is not beside the repository")
def test_real_reports_as_shared_score_runs_ogi_parse(tmp_path: Path) -> None:
    corpus = CORPORA / "real"
    result, _ = _scored(corpus)
    copy = tmp_path / "real"
    (copy / "raw").mkdir(parents=True)
    (copy / "truth").symlink_to(corpus / "truth")
    for truth in (corpus / "truth").glob("*.json"):
        for raw in _raw_dir(corpus).glob(truth.stem + ".*"):
            (copy / "raw" / raw.name).symlink_to(raw)
    ogi = Path(sys.executable).parent / "ogi"
    assert _shared(copy, copy / "raw", f"{ogi} parse {{file}} --format json") == _ours(result)


def test_ogi_score_command_on_the_real_reports() -> None:
    """The command line, as the README shows it: every cell of the real reports correct."""
    ogi = Path(sys.executable).parent / "ogi"
    proc = subprocess.run(
        [
            str(ogi),
            "score",
            "--corpus",
            "tests/corpus/real",
            "--raw",
            "data/raw",
            "--max-wrong",
            "0",
            "--min-coverage",
            "1",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    per, summary = _figures_of(proc.stdout.splitlines())
    assert per == _ours(_scored(CORPORA / "real")[0])[0]
    assert summary[1] == "coverage=1.0000 wrong=0 missing=0 blank_as_zero=0 cells=800"
    findings = subprocess.run(
        [str(ogi), "score", "--corpus", "tests/corpus/real", "--raw", "data/raw", "--findings"],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO_ROOT,
    )
    assert findings.returncode == 0, findings.stdout + findings.stderr
    assert findings.stdout.splitlines()[-1].endswith("false_findings=0 missed_findings=0")


SHARED_FINDINGS = SHARED_SCORE.parent / "findings_vs_truth.py"


@pytest.mark.skipif(
    not SHARED_FINDINGS.exists(), reason="../shared/tools/findings_vs_truth.py is not beside the repository"
)
def test_truth_findings_as_shared_findings_vs_truth() -> None:
    """On every truth of every corpus, the implied findings of `ogi score --findings` are those of
    findings_vs_truth.py, but for its one refinement: no R09 for the 2021 （六） sub-rows of a report
    printing （六） as one row (pipelines/truth_findings.py)."""
    import importlib.util

    from pipelines.truth_findings import COLLAPSIBLE, check_findings, truth_findings

    spec = importlib.util.spec_from_file_location("shared_findings_vs_truth", SHARED_FINDINGS)
    assert spec and spec.loader
    shared = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shared)
    n = 0
    for corpus in _corpora():
        for truth_path in sorted((corpus / "truth").glob("*.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            theirs = shared.truth_findings(truth)
            req = truth.get("requests") or {}
            if truth.get("template") == "2021" and "other_other" in req and not any(r in req for r in COLLAPSIBLE):
                theirs -= {("R09", "requests", r) for r in COLLAPSIBLE}
            assert truth_findings(truth) == theirs, f"{corpus.name}/{truth_path.stem}"
            n += 1
    assert n > 250
    doc = {
        "findings": [
            {"rule": r, "table": "requests", "row": "granted", "column": "total"}
            for r in ("R01", "R02", "R03", "R04", "R05", "R08", "R09", "R12")
        ]
    }
    assert check_findings(doc) == shared.check_findings(doc)
