"""Parsing split into shards that write Parquet part files outside the DuckDB file.

A run's parsing is three kinds of Dagster step (pipelines/assets/parsed.py): the *plan* (in the
DuckDB writer pool) lists the files still to parse, each with its shard; each *shard* parses its
files in supervised workers (pipelines/parse_worker.py) and writes its results as part files; the
*loader* (in the pool again) loads every part into the landing tables. Shards never open the DuckDB
file, so they can run at the same time, in other processes (multiprocess executor) or on other
machines (Celery executor), while only the plan and the loader write DuckDB.

A file's shard is a static hash of its sha256: the same file always falls in the same shard, and
the shards of a city are of about equal size whatever its years and formats (the report year is
only known once parsed, so it cannot split the work before parsing).

A part is one batch of a shard (pipelines/batches.py: a bounded number of files, each file's rows
whole): a folder holding one Parquet file per landing table, written under a temporary name and
renamed into place, so a part exists whole or not at all. A killed run keeps the parts it finished;
the next run's plan loads them first (their files count as cached) and parses only the rest.
Loading a part is idempotent (its files' earlier rows are replaced in the same transaction), so a
part loaded but not yet removed when a run died is loaded again without doubling a row.

Light module (no Dagster): the unit tests drive it with plain rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from .batches import Batch, setting
from .landing_tables import LANDING_SCHEMA
from .publish import work_path
from .warehouse import LANDING_BY_NAME, polars_schema

# Shards per run when steps can run side by side (multiprocess, Celery); in process one shard, since
# shards run one after the other there and each starts its own parse workers. Override:
# OGI_PARSE_SHARDS. Every process that builds the definitions (the run, each multiprocess step, each
# Celery worker) must see the same number: it names the steps (`ogi run` passes it to them).
SHARDS = 4
SHARDS_ENV = "OGI_PARSE_SHARDS"

# The Dagster executors the warehouse job can run on (`ogi run --executor`, OGI_EXECUTOR).
IN_PROCESS, MULTIPROCESS, CELERY = "in_process", "multiprocess", "celery"
EXECUTORS = (IN_PROCESS, MULTIPROCESS, CELERY)
EXECUTOR_ENV = "OGI_EXECUTOR"
# The Celery broker and result backend (e.g. redis://host:6379/0); the backend defaults to the broker.
CELERY_BROKER_ENV = "OGI_CELERY_BROKER"
CELERY_BACKEND_ENV = "OGI_CELERY_BACKEND"

PLAN = "plan.parquet"
_PART_PREFIX = "part-"
_TMP_PREFIX = ".tmp-"
# The landing tables a part may hold, in load order, and the column naming a part's files in each.
PART_TABLES = (("parsed_reports", "sha256"), ("parsed_cells", "report_id"), ("parse_warnings", "report_id"))
QUARANTINE = ("quarantined_files", "sha256")
LOAD_MEMORY_LIMIT = "64MB"  # DuckDB's buffer while parse parts are loaded (load_parts)


def shard_count(executor: str | None = None) -> int:
    """OGI_PARSE_SHARDS, else 1 in process and SHARDS on the other executors."""
    return setting(SHARDS_ENV, 1 if executor_name(executor) == IN_PROCESS else SHARDS)


def executor_name(name: str | None = None) -> str:
    """The executor asked for (argument, else OGI_EXECUTOR, else in-process), checked."""
    chosen = (name or os.environ.get(EXECUTOR_ENV, "") or IN_PROCESS).strip().replace("-", "_")
    if chosen not in EXECUTORS:
        raise ValueError(f"executor {chosen!r}: expected one of {', '.join(EXECUTORS)}")
    return chosen


def shard_of(sha256: str, shards: int) -> int:
    """The shard of a file: its sha256 (hex) taken as a number, modulo the number of shards."""
    return int(sha256[:12], 16) % shards


def parts_dir(published: Path) -> Path:
    """Where the shards of a warehouse write their parts: beside its work copy."""
    work = work_path(Path(published))
    return work.parent / f"{work.stem}.parse-parts"


def write_plan(folder: Path, rows: Sequence[tuple[str, str, str, int]]) -> Path:
    """The files to parse this run: (sha256, file_path, format, shard), written atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    frame = pl.DataFrame(
        rows, schema={"sha256": pl.String, "file_path": pl.String, "format": pl.String, "shard": pl.Int64}, orient="row"
    )
    path = folder / PLAN
    tmp = folder / f"{_TMP_PREFIX}{uuid.uuid4().hex}.parquet"
    frame.write_parquet(tmp)
    os.replace(tmp, path)
    return path


def read_plan(folder: Path, shard: int) -> list[tuple[str, str, str]]:
    """(sha256, file_path, format) of one shard's files, by path."""
    frame = pl.read_parquet(folder / PLAN).filter(pl.col("shard") == shard).sort("file_path")
    return [(r[0], r[1], r[2]) for r in frame.select("sha256", "file_path", "format").iter_rows()]


def write_part(folder: Path, shard: int, batch: Batch) -> Path:
    """One batch of landing rows (table → named rows) as a part folder: a Parquet file per table,
    written under a temporary name, then renamed whole into place."""
    tmp = folder / f"{_TMP_PREFIX}{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    for table, rows in batch.items():
        if rows:
            described = LANDING_BY_NAME[table]
            pl.DataFrame(rows, schema=polars_schema(described), orient="row").write_parquet(tmp / f"{table}.parquet")
    final = folder / f"{_PART_PREFIX}{shard:03d}-{uuid.uuid4().hex}"
    os.rename(tmp, final)
    return final


def finished_parts(folder: Path) -> list[Path]:
    """The parts written whole (temporaries are not), in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith(_PART_PREFIX))


def remove_temporaries(folder: Path) -> int:
    """Half-written parts and plans a killed run left (never renamed into place)."""
    n = 0
    if folder.is_dir():
        for p in folder.iterdir():
            if p.name.startswith(_TMP_PREFIX):
                shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
                n += 1
    return n


def load_parts(con: duckdb.DuckDBPyConnection, parts: Iterable[Path]) -> dict[str, int]:
    """Load parts into the landing tables, one transaction per part, then remove each part. A file's
    earlier rows (a part loaded by a run that died before removing it) are replaced, never doubled.
    Returns the rows loaded per table, and the parts loaded under "parts"."""
    loaded: dict[str, int] = {"parts": 0}
    # DuckDB keeps the blocks of the table it appends to in its buffer pool up to its memory limit
    # (80% of RAM by default): over 102 parts (20,272 reports) the loading process grew from 253 to
    # 438 MiB while parsing itself stayed flat. A limit for the load keeps the step bounded by a part.
    con.execute(f"SET memory_limit = '{LOAD_MEMORY_LIMIT}'")
    try:
        _load_each(con, parts, loaded)
    finally:
        with contextlib.suppress(duckdb.Error):  # a failed part's aborted transaction: its error is raised
            con.execute("RESET memory_limit")
    return loaded


def _load_each(con: duckdb.DuckDBPyConnection, parts: Iterable[Path], loaded: dict[str, int]) -> None:
    for part in parts:
        con.execute("BEGIN")
        for table, key in (*PART_TABLES, QUARANTINE):
            path = part / f"{table}.parquet"
            if not path.exists():
                continue
            qualified = f"{LANDING_SCHEMA}.{table}"
            # table and key are code (PART_TABLES), never data; the path is a parameter
            if table == "parsed_reports":
                for child, child_key in PART_TABLES[1:]:
                    con.execute(
                        f"DELETE FROM {LANDING_SCHEMA}.{child} WHERE {child_key} IN "
                        "(SELECT sha256 FROM read_parquet(?))",
                        [str(path)],
                    )
            con.execute(f"DELETE FROM {qualified} WHERE {key} IN (SELECT {key} FROM read_parquet(?))", [str(path)])
            (n,) = con.execute(f"INSERT INTO {qualified} SELECT * FROM read_parquet(?)", [str(path)]).fetchone() or (0,)
            loaded[table] = loaded.get(table, 0) + int(n)
        con.execute("COMMIT")
        shutil.rmtree(part)
        loaded["parts"] += 1


def part_files(folder: Path) -> dict[str, int]:
    """Files (sha256) per finished part table, without loading: what a killed run left, for tests."""
    counts: dict[str, int] = {}
    for part in finished_parts(folder):
        for table, _ in (PART_TABLES[0], QUARANTINE):
            path = part / f"{table}.parquet"
            if path.exists():
                counts[table] = counts.get(table, 0) + pl.read_parquet(path, columns=["sha256"]).height
    return counts


def celery_config() -> dict[str, Any]:
    """The Celery executor's settings, read from the environment when the executor starts (the
    broker is required; the result backend defaults to the broker)."""
    return {"broker": {"env": CELERY_BROKER_ENV}, "backend": {"env": CELERY_BACKEND_ENV}}
