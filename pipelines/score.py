"""`ogi score --corpus DIR`: the project's parser scored against hand-checked truth, in process.

A corpus folder holds raw/NAME.<ext> (the report as published) and truth/NAME.json (what the
report says: the canonical JSON of docs/spec/canonical-keys.md). Every truth cell of the request
table (section 三) and the review/litigation table (section 四), and of the proactive table
(section 二) where the truth uses canonical keys, is scored on the parser's answer
(`parse_file(raw).to_json()`, the JSON `ogi parse FILE --format json` prints):

    correct        the same number, or null where the report's cell is blank
    missing        null where the report prints a number (coverage lost, not harmful)
    blank_as_zero  0 where the report's cell is blank (the blank/zero line was lost)
    wrong          any other number: the one outcome a warehouse must never have

A file the parser refuses (or that fails) scores every cell missing. One line per report, then
two summary lines; exit status 0, or 1 when --max-wrong or --min-coverage is given and not met,
2 when the corpus has no truth. These are the classes, cell selection, lines and exit status of
`../shared/tools/score.py` (an optional extra tool outside this repository, which runs a parser
command per file); `tests/test_score.py` holds the figures.

`--findings` compares instead the findings of `ogi check` (`pipelines.check.check_file`) with the
findings the truth implies (`pipelines/truth_findings.py`), as `../shared/tools/findings_vs_truth.py`
does: a finding the truth does not imply is FALSE (an agency accused of what it did not do), a
truth finding the check does not report is MISSED. Exit 0 when there are neither, else 1
(`--allow-missed`: only false findings fail, for corpora whose damage may hide a finding).
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

SCORED = ("requests", "review_litigation", "proactive")
OUTCOMES = ("correct", "missing", "blank_as_zero", "wrong")
# Section 二 rows scored: those every truth keys the same way (others are report-specific).
CANONICAL_PROACTIVE = frozenset(
    {
        "regulations",
        "normative_documents",
        "admin_license",
        "other_services",
        "admin_penalty",
        "admin_coercion",
        "admin_fees",
        "gov_procurement",
    }
)

# A parser: path -> (the canonical JSON, or {} when the file was not read; why it was not read).
Parser = Callable[[Path], tuple[dict[str, Any], str]]
Checker = Callable[[Path], dict[str, Any]]


def same(a: Any, b: Any) -> bool:
    try:
        return abs(float(a) - float(b)) < 1e-6
    except (TypeError, ValueError):
        return False


def cells(table: Any) -> Iterator[tuple[str, str, Any]]:
    for row, cols in (table or {}).items():
        if isinstance(cols, dict):
            for col, value in cols.items():
                yield row, col, value


def score_one(truth: dict[str, Any], got: dict[str, Any]) -> dict[str, Any]:
    """The tally of one report: cells, correct, missing, blank_as_zero, wrong, the wrong cells
    (one line each) and meta_ok (report year and template as the truth's)."""
    tally = {"correct": 0, "missing": 0, "blank_as_zero": 0, "wrong": 0, "cells": 0}
    wrong: list[str] = []
    for table in SCORED:
        t_table = truth.get(table) or {}
        g_table = got.get(table) or {}
        for row, col, t in cells(t_table):
            if table == "proactive" and row not in CANONICAL_PROACTIVE:
                continue
            g_row = g_table.get(row)
            g = g_row.get(col) if isinstance(g_row, dict) else None
            tally["cells"] += 1
            if not got:
                tally["missing"] += 1
            elif t is None:
                if g is None:
                    tally["correct"] += 1
                elif same(g, 0):
                    tally["blank_as_zero"] += 1
                else:
                    tally["wrong"] += 1
                    wrong.append(f"{table}.{row}.{col}: blank in report, got {g}")
            elif g is None:
                tally["missing"] += 1
            elif same(g, t):
                tally["correct"] += 1
            else:
                tally["wrong"] += 1
                wrong.append(f"{table}.{row}.{col}: report says {t}, got {g}")
    meta_ok = str(got.get("report_year")) == str(truth.get("report_year")) and str(got.get("template")) == str(
        truth.get("template")
    )
    return {**tally, "wrong_cells": wrong, "meta_ok": meta_ok}


class _TimedOut(Exception):
    pass


@contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """SIGALRM after `seconds` (main thread of a Unix process only; elsewhere no limit)."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise _TimedOut()

    previous = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))  # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def project_parser(timeout: float | None = 120.0) -> Parser:
    """The project's parser in this process: the JSON `ogi parse FILE --format json` prints, or {}
    with the one-line reason (a ParseError, a crash of a reader, the time limit)."""
    from .model import ParseError
    from .parsing import parse_file

    def parse(path: Path) -> tuple[dict[str, Any], str]:
        try:
            with _time_limit(timeout):
                report = parse_file(path)
        except ParseError as exc:
            return {}, exc.reason
        except _TimedOut:
            return {}, f"TimeoutExpired: over {timeout:g} s"
        except Exception as exc:  # noqa: BLE001 - a reader's crash scores as a failed parse, as a crashed command would
            return {}, f"{type(exc).__name__}: {exc}".splitlines()[0][:160]
        # Through JSON, as the command line prints it: the scorer sees exactly what `ogi parse` prints.
        return json.loads(json.dumps(report.to_json(), ensure_ascii=False)), ""

    return parse


def project_checker() -> Checker:
    """`ogi check FILE -f json` in this process: its JSON, or {} when the file is not readable."""
    from .check import check_file

    def check(path: Path) -> dict[str, Any]:
        try:
            code, out = check_file(path, "json")
            return json.loads(out) if code in (0, 1) and out.strip() else {}
        except Exception:  # noqa: BLE001 - a crash counts as an unreadable report, as a crashed command would
            return {}

    return check


@dataclass
class CorpusScore:
    """The figures of one corpus: totals over every report with a truth and a raw file."""

    reports: int = 0
    parse_failed: list[str] = field(default_factory=list)
    year_or_template_wrong: list[str] = field(default_factory=list)
    seconds: float = 0.0
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys((*OUTCOMES, "cells"), 0))
    per_report: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def coverage(self) -> float:
        return self.totals["correct"] / max(self.totals["cells"], 1)

    def summary_lines(self) -> list[str]:
        t = self.totals
        return [
            f"reports={self.reports} parse_failed={len(self.parse_failed)} "
            f"year_or_template_wrong={len(self.year_or_template_wrong)} seconds={self.seconds:.1f}",
            f"coverage={self.coverage:.4f} wrong={t['wrong']} missing={t['missing']} "
            f"blank_as_zero={t['blank_as_zero']} cells={t['cells']}",
        ]


class CorpusError(Exception):
    """The corpus cannot be scored (no truth, no raw folder); one line."""


def _truths(corpus: Path) -> list[Path]:
    truths = sorted((corpus / "truth").glob("*.json"))
    if not truths:
        raise CorpusError(f"no truth files under {corpus / 'truth'}")
    return truths


def _raws(corpus: Path, raw_dir: Path | None) -> dict[str, Path]:
    folder = raw_dir or corpus / "raw"
    if not folder.is_dir():
        raise CorpusError(f"no raw folder {folder} (give the reports' folder with --raw)")
    return {p.stem: p for p in sorted(folder.iterdir()) if p.is_file()}


def score_corpus(
    corpus: Path,
    parse: Parser,
    raw_dir: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
    verbose: bool = False,
) -> CorpusScore:
    """Score every truth/NAME.json of `corpus` against `parse(raw/NAME.*)`; prints the report lines
    to `out` (and a truth without a raw file to `err`) when given. CorpusError when there is no truth."""
    truths = _truths(Path(corpus))
    raws = _raws(Path(corpus), raw_dir)
    result = CorpusScore(reports=len(truths))
    for truth_path in truths:
        name = truth_path.stem
        raw = raws.get(name)
        if raw is None:
            if err is not None:
                print(f"{name}: no raw file", file=err)
            continue
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        start = time.perf_counter()
        got, why = parse(raw)
        result.seconds += time.perf_counter() - start
        one = score_one(truth, got)
        result.per_report[name] = one
        if not got:
            result.parse_failed.append(name)
        if got and not one["meta_ok"]:
            result.year_or_template_wrong.append(name)
        for key in result.totals:
            result.totals[key] += one[key]
        if out is not None:
            status = "PARSE FAILED: " + why if not got else ""
            print(
                f"{name} {raw.suffix:6} cells={one['cells']:4} correct={one['correct']:4} "
                f"missing={one['missing']:3} blank_as_zero={one['blank_as_zero']:3} "
                f"wrong={one['wrong']:3} {status}",
                file=out,
            )
            shown = one["wrong_cells"] if verbose else one["wrong_cells"][:3]
            for line in shown:
                print(f"    {line}", file=out)
    if out is not None:
        for line in result.summary_lines():
            print(line, file=out)
    return result


def meets(result: CorpusScore, max_wrong: int | None = None, min_coverage: float | None = None) -> bool:
    """The exit condition: wrong ≤ max_wrong and coverage ≥ min_coverage (each when given)."""
    if max_wrong is not None and result.totals["wrong"] > max_wrong:
        return False
    return not (min_coverage is not None and result.coverage < min_coverage)


@dataclass
class FindingsScore:
    reports: int = 0
    unreadable: int = 0
    true_findings: int = 0
    false_findings: int = 0
    missed_findings: int = 0
    per_report: dict[str, dict[str, set[tuple]]] = field(default_factory=dict)

    def summary_line(self) -> str:
        return (
            f"reports={self.reports} unreadable={self.unreadable} true_findings={self.true_findings} "
            f"false_findings={self.false_findings} missed_findings={self.missed_findings}"
        )


def score_findings(
    corpus: Path, check: Checker, raw_dir: Path | None = None, out: TextIO | None = None
) -> FindingsScore:
    """`check(raw)` findings against the truth's implied findings, for every truth with a raw file."""
    from .truth_findings import check_findings, truth_findings

    truths = _truths(Path(corpus))
    raws = _raws(Path(corpus), raw_dir)
    result = FindingsScore()
    for truth_path in truths:
        raw = raws.get(truth_path.stem)
        if raw is None:
            continue
        result.reports += 1
        want = truth_findings(json.loads(truth_path.read_text(encoding="utf-8")))
        doc = check(raw)
        if not doc:
            result.unreadable += 1
        got = check_findings(doc)
        false, missed = got - want, want - got
        result.false_findings += len(false)
        result.missed_findings += len(missed)
        result.true_findings += len(got & want)
        result.per_report[truth_path.stem] = {"truth": want, "found": got & want, "false": false, "missed": missed}
        if out is not None:
            flag = "" if not false and not missed else "  <--"
            print(
                f"{truth_path.stem}: truth={sorted(want)} found={len(got & want)} "
                f"false={sorted(false)} missed={sorted(missed)}{' UNREADABLE' if not doc else ''}{flag}",
                file=out,
            )
    if out is not None:
        print(result.summary_line(), file=out)
    return result


def main(
    corpus: Path,
    raw_dir: Path | None = None,
    findings: bool = False,
    max_wrong: int | None = None,
    min_coverage: float | None = None,
    allow_missed: bool = False,
    verbose: bool = False,
    timeout: float | None = 120.0,
    parse: Parser | None = None,
    check: Checker | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`ogi score`: prints the figures, returns the exit status."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        if findings:
            fs = score_findings(corpus, check or project_checker(), raw_dir, out)
            return 0 if fs.false_findings == 0 and (allow_missed or fs.missed_findings == 0) else 1
        result = score_corpus(corpus, parse or project_parser(timeout), raw_dir, out, err, verbose)
    except CorpusError as exc:
        print(str(exc), file=err)
        return 2
    return 0 if meets(result, max_wrong, min_coverage) else 1
