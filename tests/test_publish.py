"""Readers never block runs, runs never break readers (a run killed anywhere loses nothing:
tests/test_publish_kill.py, a module of its own so that two test workers share the long runs).

Real processes throughout: `ogi run` as a subprocess, a reader process holding a read-only DuckDB
connection to the published warehouse through whole runs, `kill -9` at several points of a run.
The expected state is the one a clean, uninterrupted run of the same raw folder publishes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.publish import publish, run_lock, work_path
from tests.conftest import copy_warehouse, mart_tables

OGI = str(Path(sys.executable).parent / "ogi")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "OGI_WAREHOUSE")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _run(raw: Path, wh: Path, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [OGI, "run", "--raw-dir", str(raw), "--warehouse", str(wh), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**_env(), **(env or {})},
    )


def _finish(proc: subprocess.Popen[str], timeout: float = 600) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=timeout)
    return proc.returncode, out


def fingerprint(wh: Path) -> dict[str, tuple[int, int]]:
    """Every mart's row count and a checksum of its rows (order-independent)."""
    con = duckdb.connect(str(wh), read_only=True)
    try:
        return {
            t: tuple(con.execute(f'SELECT count(*), coalesce(sum(hash(x)), 0) FROM marts."{t}" AS x').fetchone())
            for t in mart_tables(con)
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def raw(publish_city: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of `publish_city`'s raw folder (tests/conftest.py): this module adds a report to it."""
    return Path(shutil.copytree(publish_city[0], tmp_path_factory.mktemp("raw") / "raw"))


READER = textwrap.dedent("""
    import json, sys, time, duckdb
    wh, out, stop, mode = sys.argv[1:5]
    def state(con):
        return con.execute("SELECT count(*), coalesce(sum(hash(f)), 0) FROM marts.report_findings f").fetchone() \\
            + con.execute("SELECT count(*) FROM landing.parsed_reports").fetchone()
    con = duckdb.connect(wh, read_only=True) if mode == "hold" else None
    with open(out, "w") as f:
        print("ready", flush=True)
        while True:
            try:
                if mode == "hold":
                    s = state(con)
                else:  # a new connection for every query, as the office's tools do
                    c = duckdb.connect(wh, read_only=True); s = state(c); c.close()
                f.write(json.dumps({"state": [int(x) for x in s]}) + "\\n")
            except Exception as e:
                f.write(json.dumps({"error": f"{type(e).__name__}: {e}"}) + "\\n")
            f.flush()
            try:
                open(stop).close(); break
            except OSError:
                time.sleep(0.05)
""")


def _reader(wh: Path, out: Path, stop: Path, mode: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(wh), str(out), str(stop), mode],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def _state(wh: Path) -> list[int]:
    con = duckdb.connect(str(wh), read_only=True)
    try:
        s = (
            con.execute("SELECT count(*), coalesce(sum(hash(f)), 0) FROM marts.report_findings f").fetchone()
            + con.execute("SELECT count(*) FROM landing.parsed_reports").fetchone()
        )
        return [int(x) for x in s]
    finally:
        con.close()


@pytest.fixture(scope="module")
def concurrent(raw: Path, publish_city: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A warehouse built once (a copy of `publish_city`'s clean run of the same raw files); then,
    while two readers watch it (one holding its connection throughout, one reconnecting for every
    query), run A rebuilds it with one more report and run B (--wait 0) starts meanwhile."""
    wh = copy_warehouse(publish_city[1], tmp_path_factory.mktemp("wh") / "warehouse.duckdb")
    before = _state(wh)
    tmp = wh.parent
    readers = {mode: _reader(wh, tmp / f"{mode}.jsonl", tmp / "stop", mode) for mode in ("hold", "reconnect")}
    fixture = Path(__file__).parent / "corpus" / "fixtures" / "raw" / "fixture2021__text_tabs.txt"
    shutil.copy2(fixture, raw / "new_report.txt")  # a report more: a change to publish
    run_a = _run(raw, wh)
    lock = work_path(wh).parent / "run.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "pid" not in (lock.read_text() if lock.exists() else ""):
        time.sleep(0.1)
    time.sleep(2)
    code_b, out_b = _finish(_run(raw, wh, "--wait", "0"))
    code_a, out_a = _finish(run_a)
    (tmp / "stop").touch()
    seen = {}
    for mode, proc in readers.items():
        proc.wait(timeout=60)
        seen[mode] = [json.loads(line) for line in (tmp / f"{mode}.jsonl").read_text().splitlines()]
    return {"wh": wh, "before": before, "after": _state(wh), "seen": seen, "a": (code_a, out_a), "b": (code_b, out_b)}


def test_readers_keep_working_through_runs_and_see_old_or_new(concurrent: dict[str, Any]) -> None:
    assert concurrent["a"][0] == 0, concurrent["a"][1][-3000:]
    assert concurrent["after"] != concurrent["before"]  # the run changed what is published
    for mode, states in concurrent["seen"].items():
        errors = [s["error"] for s in states if "error" in s]
        assert errors == [], f"{mode} reader: {errors[:3]}"
        observed = {tuple(s["state"]) for s in states}
        assert observed <= {tuple(concurrent["before"]), tuple(concurrent["after"])}, mode
        assert len(states) > 20, f"the {mode} reader was not watching through the runs"
    # the reader that held its connection read the warehouse it opened, whole, all along
    assert {tuple(s["state"]) for s in concurrent["seen"]["hold"]} == {tuple(concurrent["before"])}


def test_a_second_run_says_who_holds_the_warehouse_or_waits_for_it(concurrent: dict[str, Any], tmp_path: Path) -> None:
    code_b, out_b = concurrent["b"]
    assert code_b == 3 and "another run is building the warehouse" in out_b and "pid" in out_b
    # waiting: a process holds the lock for two seconds; a run that may wait gets it after that
    wh = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
        import time
        from pipelines.publish import run_lock
        with run_lock({str(wh)!r}, 0):
            print("held", flush=True); time.sleep(2)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    messages: list[str] = []
    started = time.monotonic()
    with run_lock(wh, 60, messages.append):
        waited = time.monotonic() - started
    holder.wait()
    assert waited >= 1.0 and messages and "waiting for it to finish" in messages[0]


def test_a_corrupt_warehouse_is_rebuilt_from_the_raw_files(
    concurrent: dict[str, Any], raw: Path, tmp_path: Path
) -> None:
    wh = tmp_path / "warehouse.duckdb"
    shutil.copy2(concurrent["wh"], wh)
    shutil.copytree(work_path(concurrent["wh"]).parent, work_path(wh).parent, ignore=shutil.ignore_patterns("*.lock"))
    for f in (wh, work_path(wh)):  # both truncated, as a full disk or a copy cut short leaves them
        with open(f, "r+b") as handle:
            handle.truncate(f.stat().st_size // 2)
    reader = subprocess.run(
        [OGI, "findings", "--warehouse", str(wh)], check=False, capture_output=True, text=True, env=_env()
    )
    assert reader.returncode == 2 and "warehouse" in reader.stdout + reader.stderr
    code, out = _finish(_run(raw, wh))
    assert code == 0, out[-3000:]
    assert "could not be read" in out and "rebuilt from the raw files" in out
    assert fingerprint(wh) == fingerprint(concurrent["wh"])
    assert list(work_path(wh).parent.glob("warehouse.duckdb.corrupt-*"))  # set aside, not deleted


def test_a_publish_cut_short_leaves_the_published_warehouse_untouched(tmp_path: Path, monkeypatch) -> None:
    published = tmp_path / "warehouse.duckdb"
    work = work_path(published)
    work.parent.mkdir()
    for path, n in ((published, 1), (work, 2)):
        con = duckdb.connect(str(path))
        con.execute(f"CREATE TABLE t AS SELECT range AS x FROM range({n})")
        con.close()

    def copy_cut_short(src: str, dst: str) -> None:
        Path(dst).write_bytes(Path(src).read_bytes()[:100])
        raise OSError("no space left on device")

    monkeypatch.setattr(shutil, "copyfile", copy_cut_short)
    with pytest.raises(OSError):
        publish(work, published)
    con = duckdb.connect(str(published), read_only=True)
    assert con.execute("SELECT count(*) FROM t").fetchone() == (1,)
    con.close()
    assert list(tmp_path.glob(".warehouse.duckdb.publishing-*")) == []
