"""A run killed anywhere (landing, parsing, dbt), then run again, publishes what a clean run does.

Real processes: `ogi run` as a subprocess, killed with SIGKILL when its output reaches a stage; the
expected marts are those a clean, uninterrupted run of the same raw folder publishes. The helpers
that start and read runs are tests/test_publish.py's.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.batches import BATCH_FILES_ENV
from pipelines.publish import readable, work_path
from pipelines.shards import part_files, parts_dir
from tests.test_publish import _finish, _run, fingerprint


def _kill_when(proc: subprocess.Popen[str], marker: str, delay: float = 0.0, times: int = 1) -> str:
    """Read the run's output until `marker` has appeared `times` times, then SIGKILL it (after
    `delay` seconds)."""
    seen: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line)
        if marker in line:
            times -= 1
        if marker in line and times == 0:
            time.sleep(delay)
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
            return "".join(seen)
    raise AssertionError(f"the run ended before {marker!r}:\n{''.join(seen)[-3000:]}")


def _no_duplicates(wh: Path) -> None:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        (dup,) = con.execute("SELECT count(*) - count(DISTINCT sha256) FROM landing.parsed_reports").fetchone()
        (files,) = con.execute("SELECT count(DISTINCT sha256) FROM landing.raw_report_files").fetchone()
        (done,) = con.execute(
            "SELECT (SELECT count(*) FROM landing.parsed_reports) + (SELECT count(*) FROM landing.quarantined_files)"
        ).fetchone()
    finally:
        con.close()
    assert dup == 0 and done == files  # no file parsed twice, none lost


@pytest.fixture(scope="module")
def raw(publish_city: tuple[Path, Path]) -> Path:
    """`publish_city`'s raw folder (tests/conftest.py; the runs here only read it)."""
    return publish_city[0]


@pytest.fixture(scope="module")
def clean(publish_city: tuple[Path, Path]) -> Path:
    """The warehouse a clean, uninterrupted run of `raw` publishes (`publish_city`'s, never written)."""
    return publish_city[1]


def test_a_run_killed_anywhere_then_run_again_publishes_what_a_clean_run_does(
    clean: Path, raw: Path, tmp_path: Path
) -> None:
    reference = fingerprint(clean)  # a clean run of the same raw folder, uninterrupted
    wh = tmp_path / "warehouse.duckdb"
    for marker, delay in (("raw files in", 0.0), ("to parse", 0.5), (" of ", 2.0)):  # landing, parsing, dbt
        out = _kill_when(_run(raw, wh), marker, delay)
        assert not wh.exists(), out[-2000:]  # a killed run publishes nothing
        time.sleep(1.0)
        # nothing of the killed run goes on writing: its dbt died with it (pipelines/bin/dbt-guarded)
        assert "lock" not in (readable(work_path(wh)) or ""), marker
    code, out = _finish(_run(raw, wh))
    assert code == 0, out[-3000:]
    assert fingerprint(wh) == reference
    _no_duplicates(wh)


def _work_counts(wh: Path) -> tuple[int, int]:
    """(files whose parse is committed, distinct raw files) in the work copy of a killed run: landed,
    or in a finished parse part (pipelines/shards.py) waiting to be landed."""
    assert readable(work_path(wh)) is None  # opens it for writing: the killed run's log is replayed
    con = duckdb.connect(str(work_path(wh)), read_only=True)
    try:
        (done,) = con.execute(
            "SELECT (SELECT count(*) FROM landing.parsed_reports) + (SELECT count(*) FROM landing.quarantined_files)"
        ).fetchone()
        (files,) = con.execute("SELECT count(DISTINCT sha256) FROM landing.raw_report_files").fetchone()
    finally:
        con.close()
    return int(done) + sum(part_files(parts_dir(wh)).values()), int(files)


BATCH = 4  # files per parse batch in the test below: several batches in the small city


def test_a_run_killed_while_parsing_keeps_its_batches_and_the_next_run_parses_only_the_rest(
    clean: Path, raw: Path, tmp_path: Path
) -> None:
    reference = fingerprint(clean)  # a clean run of the same raw folder, uninterrupted
    wh = tmp_path / "warehouse.duckdb"
    small = {BATCH_FILES_ENV: str(BATCH)}
    out = _kill_when(_run(raw, wh, env=small), "parse batch committed", times=2)  # kill -9 during parsing
    assert not wh.exists(), out[-2000:]  # a killed run publishes nothing
    done, files = _work_counts(wh)
    committed = sum(int(n) for n in re.findall(r"parse batch committed: shard \d+, (\d+) files", out))
    assert 2 <= committed <= done < files, (committed, done, files)  # the committed batches are kept, the rest is not
    # the rerun parses exactly the files the killed run did not commit, each once
    code, out = _finish(_run(raw, wh, env=small))
    assert code == 0, out[-3000:]
    assert f"{done} cached for parser" in out, out[-3000:]
    work = re.search(r"parse work this run: (\d+) parsed, (\d+) quarantined, (\d+) cached", out)
    assert work, out[-3000:]
    parsed, quarantined, cached = map(int, work.groups())
    assert (parsed + quarantined, cached) == (files - done, done)
    # each shard writes its files of this run in parts of at most BATCH files
    written = [int(n) for n in re.findall(r"parse batch committed: shard \d+, (\d+) files", out)]
    assert sum(written) == files - done and max(written) <= BATCH
    assert fingerprint(wh) == reference  # the marts a clean run publishes
    _no_duplicates(wh)
