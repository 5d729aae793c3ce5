"""The supervised parse workers: a file whose parser crashes its process, hangs or exhausts memory
fails alone with its reason, and the other files are parsed."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.parse_worker import Outcome, ParsePool
from tests import hostile
from tests.conftest import RAW_DIR


def _run(pool: ParsePool, folder: Path, names: list[str]) -> dict[str, Outcome]:
    for name in names:
        if not (folder / name).exists():
            shutil.copy2(RAW_DIR / (name if (RAW_DIR / name).exists() else "hzq2024.pdf"), folder / name)
    return {str(o.key): o for o in pool.run((n, (str(folder / n),)) for n in names)}


def _parsed(o: Outcome) -> bool:
    return o.reason is None and o.report is not None and o.report.report_year == 2024


def test_a_worker_that_dies_is_reported_and_replaced(tmp_path: Path) -> None:
    pool = ParsePool(workers=2, target=hostile.parse_or_die)
    out = _run(pool, tmp_path, ["a.pdf", "crash-1.pdf", "b.pdf", "crash-2.pdf", "c.pdf", "d.pdf"])
    assert (
        out["crash-1.pdf"].reason
        == out["crash-2.pdf"].reason
        == "parser process died (killed by SIGKILL; out of memory?)"
    )
    assert all(_parsed(out[n]) for n in ("a.pdf", "b.pdf", "c.pdf", "d.pdf"))
    assert pool.restarts == 2


def test_a_file_over_the_time_limit_is_stopped(tmp_path: Path) -> None:
    pool = ParsePool(workers=1, time_limit=5, target=hostile.parse_or_die)
    out = _run(pool, tmp_path, ["slow.pdf", "a.pdf", "b.pdf"])
    assert (
        out["slow.pdf"].reason
        == "parsing took longer than 5 s, the limit for one file (limits.PARSE_TIME_LIMIT_S): stopped"
    )
    assert _parsed(out["a.pdf"]) and _parsed(out["b.pdf"])


def test_a_long_scan_goes_on_while_its_pages_are_ocrd_and_a_stuck_page_is_stopped(tmp_path: Path) -> None:
    """The time limit counts from the last page OCR'd: 5 pages of 2 s each (10 s) pass a 5 s limit;
    a page that never ends is stopped by it."""
    pool = ParsePool(workers=1, time_limit=5, target=hostile.parse_or_die)
    out = _run(pool, tmp_path, ["scan5.pdf", "scan2-stuck.pdf", "a.pdf"])
    assert _parsed(out["scan5.pdf"])
    assert out["scan2-stuck.pdf"].reason == (
        "parsing took longer than 5 s, the limit for one file (limits.PARSE_TIME_LIMIT_S): stopped"
    )
    assert _parsed(out["a.pdf"])


def test_a_file_over_the_memory_limit_fails_alone(tmp_path: Path) -> None:
    pool = ParsePool(workers=1, memory_limit=768 << 20, target=hostile.parse_or_die)
    out = _run(pool, tmp_path, ["a.pdf", "hog.pdf", "b.pdf"])
    assert out["hog.pdf"].reason == (
        "out of memory: parsing needed more than the 768.0 MB a parser process may use (limits.WORKER_MEMORY_BYTES)"
    )
    assert _parsed(out["a.pdf"]) and _parsed(out["b.pdf"])
    assert pool.restarts == 1  # the worker that ran out of memory retired; a fresh one read b.pdf


def test_the_real_parser_over_a_low_memory_limit(tmp_path: Path) -> None:
    """The real parser on a 40 MB one-line text (read and decoded before its length is checked)
    with 100 MB of address space: out of memory, reported; the next file gets a fresh worker."""
    (tmp_path / "long-line.txt").write_bytes(hostile.text_long_line())
    pool = ParsePool(workers=1, memory_limit=100 << 20)
    out = _run(pool, tmp_path, ["long-line.txt", "xianfeng2021.txt"])
    assert out["long-line.txt"].reason == (
        "out of memory: parsing needed more than the 100.0 MB a parser process may use (limits.WORKER_MEMORY_BYTES)"
    )
    report = out["xianfeng2021.txt"].report
    assert out["xianfeng2021.txt"].reason is None and report is not None and report.report_year == 2021
    assert pool.restarts == 1
