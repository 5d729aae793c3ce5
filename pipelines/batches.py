"""Landing rows written in batches, so that memory is bounded by a batch and not by the run.

The parser lands a file's rows (its report head, cells and warnings, or its quarantine row) as one
*unit*: a unit is written whole or not at all, with the other units of its batch (a parse shard
writes a batch as one Parquet part, renamed into place whole: pipelines/shards.py). A batch is
flushed when it holds `max_units` units or `max_rows` rows, whichever comes first, and at the end.
What a killed run finished stays beside the work copy (pipelines/publish.py); the next run lands it
first, where the parse cache (sha256 × parser version) finds it: it parses only the rest.

Light module (no Dagster, no DuckDB at import): the unit tests drive `BatchWriter` with a list.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# Files per batch and rows per batch (all tables together). A report is ~200 cells, so 200 files is
# ~40,000 rows. Measured (make bench-memory, generated cities, two shared cores): committing a batch
# (four Parquet appends in one transaction, on a connection opened for it) took 1.2 s against ~28 s
# of parsing its files, 4% of the step; peak RSS of the parsing process 276 MiB for 1,966 files and
# 334-338 MiB for 5,919 (+21%: just over the 20% goal of issue #12; the growth is still open).
# Environment overrides: OGI_PARSE_BATCH_FILES, OGI_PARSE_BATCH_ROWS (the kill/resume test uses a
# few files per batch to have several batches in a small city).
BATCH_FILES = 200
BATCH_ROWS = 50_000
BATCH_FILES_ENV = "OGI_PARSE_BATCH_FILES"
BATCH_ROWS_ENV = "OGI_PARSE_BATCH_ROWS"

# What a flush hands to the sink: table name → rows, in the order the tables were first added.
Batch = dict[str, list[Any]]


def setting(env: str, default: int) -> int:
    """A positive integer setting from the environment, else the default (a bad value is an error
    that names the variable, not a silently different batch size)."""
    text = os.environ.get(env, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"{env}={text!r}: not an integer") from None
    if value < 1:
        raise ValueError(f"{env}={value}: must be at least 1")
    return value


def batch_files() -> int:
    return setting(BATCH_FILES_ENV, BATCH_FILES)


def batch_rows() -> int:
    return setting(BATCH_ROWS_ENV, BATCH_ROWS)


@dataclass
class BatchWriter:
    """Collects units of rows and hands them to `sink` a batch at a time. `sink` writes one batch in
    one transaction (all of it or nothing); it is called from `add` when the batch is full and from
    `flush`. Use as a context manager: leaving normally flushes what is left; leaving on an error
    drops the unflushed part (its files are parsed again by the next run)."""

    sink: Callable[[Batch], None]
    max_units: int = BATCH_FILES
    max_rows: int = BATCH_ROWS
    on_flush: Callable[[int, int], None] | None = None  # (units, rows) of the batch just written

    units_written: int = field(default=0, init=False)
    rows_written: dict[str, int] = field(default_factory=dict, init=False)
    batches_written: int = field(default=0, init=False)
    _batch: Batch = field(default_factory=dict, init=False, repr=False)
    _units: int = field(default=0, init=False, repr=False)
    _rows: int = field(default=0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_units < 1 or self.max_rows < 1:
            raise ValueError(f"batch limits must be at least 1 (max_units={self.max_units}, max_rows={self.max_rows})")

    @property
    def pending_units(self) -> int:
        return self._units

    @property
    def pending_rows(self) -> int:
        return self._rows

    def add(self, unit: Mapping[str, Sequence[Any]]) -> None:
        """Add one unit (table → its rows); flush when the batch has reached either limit. A unit is
        never split: a single unit larger than max_rows is a batch of its own."""
        for table, rows in unit.items():
            self._batch.setdefault(table, []).extend(rows)
            self._rows += len(rows)
        self._units += 1
        if self._units >= self.max_units or self._rows >= self.max_rows:
            self.flush()

    def flush(self) -> None:
        """Write what is pending (nothing when nothing is)."""
        if not self._units:
            return
        batch, units, rows = self._batch, self._units, self._rows
        self.sink(batch)
        # counted only once the sink has committed: a failed write leaves the batch pending
        self._batch, self._units, self._rows = {}, 0, 0
        self.units_written += units
        self.batches_written += 1
        for table, table_rows in batch.items():
            self.rows_written[table] = self.rows_written.get(table, 0) + len(table_rows)
        if self.on_flush is not None:
            self.on_flush(units, rows)

    def __enter__(self) -> BatchWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.flush()
