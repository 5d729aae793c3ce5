"""Readers never block runs, runs never break readers: the pipeline builds a private copy of the
warehouse and publishes it whole.

    data/warehouse.duckdb          the published warehouse: analysts, `ogi export/findings/dashboard`
                                   and the dashboard asset open it read-only; never written in place
    data/.work/warehouse.duckdb    the work copy every writing asset (dbt included) uses; it keeps
                                   the parse cache between runs; nobody else opens it
    data/.work/run.lock            held by the run that builds (one at a time; a second one waits)

A run lands, parses and builds the marts in the work copy; when dbt's integrity tests have passed,
the `published_warehouse` asset checkpoints it and copies it beside the published file, then
renames the copy over it (an atomic replace). A reader that opened the old file keeps reading it
(its open file stays whole), a reader that opens later gets the new one; a failed or killed run
publishes nothing. A work copy that cannot be read (a crash corrupted it, someone truncated it) is
set aside with a message and rebuilt from the raw files, which are the source of truth.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

WORK_DIR = ".work"
LOCK_NAME = "run.lock"
# How long a second run waits for the first before giving up with a message (seconds; ogi run --wait).
DEFAULT_WAIT = 3600.0


def work_path(published: Path) -> Path:
    """The work copy of a published warehouse file."""
    published = Path(published)
    return published.parent / WORK_DIR / published.name


class RunBusy(RuntimeError):
    """Another run holds the lock; the message says which and since when."""


@contextmanager
def run_lock(published: Path, wait: float = DEFAULT_WAIT, log: Callable[[str], None] = print) -> Iterator[None]:
    """Hold the warehouse's run lock for the duration of a run: a second run waits up to `wait`
    seconds (saying so), then raises RunBusy. The kernel releases the lock when the process dies."""
    path = work_path(published).parent / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise RunBusy(
                        f"另一个运行正在构建仓库 / another run is building the warehouse ({holder}); "
                        f"gave up after {wait:.0f} s"
                    ) from None
                if not told:
                    log(f"another run is building the warehouse ({holder}); waiting for it to finish")
                    told = True
                time.sleep(min(1.0, max(deadline - time.monotonic(), 0.05)))
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} since {dt.datetime.now().isoformat(timespec='seconds')}\n".encode())
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "pid unknown"
    except OSError:
        return "pid unknown"


def prepare_work(published: Path, log: Callable[[str], None] = print, wait: float = DEFAULT_WAIT) -> Path:
    """The work copy, ready to write: seeded from the published file when there is none yet (its
    parse cache is kept), set aside and started afresh when it cannot be read. A process an earlier,
    killed run left behind (its dbt build goes on after the run died) may still hold it: waited for,
    up to `wait` seconds, then RunBusy."""
    work = work_path(published)
    work.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temporaries(Path(published))
    if not work.exists() and Path(published).exists() and readable(Path(published), read_only=True) is None:
        shutil.copyfile(published, work)
        log(f"work copy seeded from the published warehouse {published}")
    deadline = time.monotonic() + wait
    told = False
    while True:
        problem = readable(work) if work.exists() else None
        if problem is None or "lock" not in problem.lower():
            break
        if time.monotonic() >= deadline:
            raise RunBusy(f"a process still holds the work warehouse {work} ({problem})")
        if not told:
            log(f"a process left by an earlier run still holds the work warehouse ({problem}); waiting for it")
            told = True
        time.sleep(1.0)
    if problem is not None:
        aside = work.with_name(f"{work.name}.corrupt-{dt.datetime.now():%Y%m%d-%H%M%S}")
        os.replace(work, aside)
        for suffix in (".wal",):
            if Path(f"{work}{suffix}").exists():
                os.replace(f"{work}{suffix}", f"{aside}{suffix}")
        log(f"the work warehouse could not be read ({problem}); set aside as {aside.name}, rebuilt from the raw files")
    return work


def readable(path: Path, read_only: bool = False) -> str | None:
    """None when the DuckDB file opens and every landing table reads to the end; else why not.
    (Opened for writing unless read_only: a write-ahead log left by a killed run is replayed.)"""
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        return " ".join(str(exc).split())[:200]
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_schema = 'landing' AND table_type = 'BASE TABLE'"
        ).fetchall()
        for schema, table in tables:
            # hash every column of every row: a damaged block fails here rather than in dbt
            con.execute(f'SELECT sum(hash(t)) FROM "{schema}"."{table}" AS t').fetchall()
        return None
    except duckdb.Error as exc:
        return " ".join(str(exc).split())[:200]
    finally:
        con.close()


def publish(work: Path, published: Path) -> int:
    """Replace the published file by a checkpointed copy of the work file, atomically; returns its size."""
    published = Path(published)
    con = duckdb.connect(str(work))
    try:
        con.execute("CHECKPOINT")
    finally:
        con.close()
    tmp = published.with_name(f".{published.name}.publishing-{os.getpid()}")
    try:
        shutil.copyfile(work, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, published)  # readers holding the old file keep it; new readers get this one
    finally:
        if tmp.exists():
            tmp.unlink()
    dir_fd = os.open(published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return published.stat().st_size


def _remove_stale_temporaries(published: Path) -> None:
    """Copies a killed publish left behind (never renamed over the published file)."""
    for tmp in published.parent.glob(f".{published.name}.publishing-*"):
        tmp.unlink(missing_ok=True)
