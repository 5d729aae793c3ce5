"""The parsing shards run on Celery workers and build the warehouse the in-process run builds.

Real services on 127.0.0.1 only: a Redis server (Debian's redis-server) on a free port as the
broker and result backend, two Celery workers started with the dagster-celery worker command, a
Dagster instance (sqlite, a folder) shared by the run and the workers. The same raw folder is run
once in process (the reference: tests/conftest.py's `export_city`, which tests/test_export.py
exports) and once on the Celery executor; every row of the parse results
(cells, reports, warnings, quarantined files) and of every mart must be the same, and the parse
shards must have run on both workers. Workers and Redis are stopped at the end, even on failure.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.shards import CELERY_BACKEND_ENV, CELERY_BROKER_ENV
from pipelines.warehouse import REPO_ROOT
from tests.conftest import mart_tables

VENV_BIN = Path(sys.executable).parent
WORKER_CONFIG = REPO_ROOT / "celery_worker.yaml"
WORKERS = ("shard-worker-1", "shard-worker-2")
SHARDS = 4
# The parse results compared row by row; parsed_at is the time of each run's parse, not data.
PARSE_TABLES = {
    "parsed_cells": "",
    "parsed_reports": "EXCLUDE (parsed_at)",
    "parse_warnings": "",
    "quarantined_files": "",
}
WORKER_COMMAND = [str(VENV_BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app"]
# one step at a time per worker (a step parses in processes of its own), one task fetched at a time
WORKER_OPTIONS = ["--", "--pool=solo", "--prefetch-multiplier=1"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(what: str, ready: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():  # type: ignore[operator]
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} not ready within {timeout:g} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """The process and its children (its own session): TERM, then KILL."""
    if proc.poll() is not None:
        return
    for sig, grace in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture(scope="module")
def raw(export_city: tuple[Path, Path]) -> Path:
    """A generated city and broken.pdf (a quarantine, from a shard too): `export_city`'s raw folder
    (tests/conftest.py), whose in-process run is the reference."""
    return export_city[0]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed (.ci/run installs Debian's redis-server)")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:

        def answers() -> bool:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    return s.recv(16).startswith(b"+PONG")
            except OSError:
                return False

        _wait("redis-server", answers, 30)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


@pytest.fixture(scope="module")
def celery_env(broker: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """DAGSTER_HOME shared by the run and two workers, both started and answering."""
    from celery import Celery

    home = tmp_path_factory.mktemp("dagster_home")
    shutil.copy2(REPO_ROOT / "dagster.yaml", home / "dagster.yaml")  # its pool: one DuckDB writer at a time
    env = {
        **{k: v for k, v in os.environ.items() if k != "OGI_WAREHOUSE"},
        "DAGSTER_HOME": str(home),
        CELERY_BROKER_ENV: broker,
        CELERY_BACKEND_ENV: broker,
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    from dagster import DagsterInstance

    # The instance's sqlite storage created once, before two workers would race to create it.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DAGSTER_HOME", str(home))  # what dagster.yaml names
        DagsterInstance.from_config(str(home)).dispose()
    logs = tmp_path_factory.mktemp("worker_logs")
    app = Celery(broker=broker, backend=broker)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for name in WORKERS:
            workers.append(
                subprocess.Popen(
                    [*WORKER_COMMAND, "-y", str(WORKER_CONFIG), "-n", name, *WORKER_OPTIONS],
                    stdout=(logs / f"{name}.log").open("wb"),
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
            )

            def answers() -> bool:
                started = set(WORKERS[: len(workers)])
                for w, n in zip(workers, WORKERS, strict=False):
                    if w.poll() is not None:
                        raise AssertionError(f"worker {n} exited: {(logs / f'{n}.log').read_text()[-3000:]}")
                names = {name.split("@")[0] for reply in app.control.ping(timeout=1.0) for name in reply}
                return names >= started

            _wait(f"celery worker {name}", answers, 180)
        yield env
    finally:
        for w in workers:
            _stop(w)
        app.close()


def _rows(con: duckdb.DuckDBPyConnection, db: str, schema: str, table: str, exclude: str = "") -> list[tuple[Any, ...]]:
    """Every row of a table, in an order that does not depend on how it was written."""
    return sorted(
        con.execute(f'SELECT * {exclude} FROM {db}.{schema}."{table}"').fetchall(), key=lambda r: tuple(map(repr, r))
    )


def test_the_shards_on_two_celery_workers_build_the_warehouse_the_in_process_run_builds(
    raw: Path,
    export_city: tuple[Path, Path],
    celery_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipelines.runner import run_warehouse

    # in process (the reference, `export_city`): one shard (the default there); on Celery, SHARDS shards on two workers
    reference = export_city[1]

    for key in ("DAGSTER_HOME", CELERY_BROKER_ENV, CELERY_BACKEND_ENV):
        monkeypatch.setenv(key, celery_env[key])
    monkeypatch.setenv("OGI_PARSE_SHARDS", str(SHARDS))  # the number the workers' definitions use too
    distributed = tmp_path / "celery" / "warehouse.duckdb"
    result = run_warehouse(raw, distributed, executor="celery")
    assert result["success"], result["failures"]
    assert result["parsed_this_run"] > 0 and result["shards"] == SHARDS

    # Every parse shard ran on a Celery worker, and both workers took part.
    from dagster import DagsterInstance

    with DagsterInstance.get() as instance:
        ran_on: dict[str, str] = {}
        for entry in instance.all_logs(result["run_id"]):
            event = entry.dagster_event
            if event is not None and event.is_engine_event and event.step_key:
                meta = event.engine_event_data.metadata if event.engine_event_data else {}
                if "Celery worker" in meta:
                    ran_on[event.step_key] = str(meta["Celery worker"].value)
    shards = {k: v for k, v in ran_on.items() if ".parse_shard_" in k}
    assert len(shards) == SHARDS, ran_on
    assert {v.split("@")[0] for v in ran_on.values()} == set(WORKERS), ran_on

    con = duckdb.connect()
    try:
        for name, path in (("a", reference), ("b", distributed)):
            # ATTACH takes no parameter: the path (a temporary folder) as a quoted literal
            con.execute(f"ATTACH '{str(path).replace(chr(39), chr(39) * 2)}' AS {name} (READ_ONLY)")
        for table, exclude in PARSE_TABLES.items():
            assert _rows(con, "a", "landing", table, exclude) == _rows(con, "b", "landing", table, exclude), table
        (n_cells,) = con.execute("SELECT count(*) FROM a.landing.parsed_cells").fetchone() or (0,)
        (n_quarantined,) = con.execute("SELECT count(*) FROM a.landing.quarantined_files").fetchone() or (0,)
        assert n_cells > 1000 and n_quarantined == 1
        marts = mart_tables(con, "a")
        assert "fct_requests" in marts and "report_findings" in marts
        for table in marts:
            assert _rows(con, "a", "marts", table) == _rows(con, "b", "marts", table), table
    finally:
        con.close()
