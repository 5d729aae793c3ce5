"""The batch writer (pipelines/batches.py): flushes at the batch size, whole units only, the rest at the end."""

from __future__ import annotations

from typing import Any

import pytest

from pipelines.batches import BATCH_FILES, BATCH_FILES_ENV, BatchWriter, batch_files


def _unit(i: int, cells: int = 3) -> dict[str, list[Any]]:
    return {"parsed_reports": [("r", i)], "parsed_cells": [("c", i, j) for j in range(cells)]}


def test_flushes_at_the_batch_size_in_files_and_the_rest_at_the_end() -> None:
    batches: list[dict[str, list[Any]]] = []
    with BatchWriter(batches.append, max_units=4, max_rows=10_000) as writer:
        for i in range(10):
            writer.add(_unit(i))
            # nothing is held beyond one batch: a full batch is written as soon as it is full
            assert writer.pending_units == (i + 1) % 4
            assert len(batches) == (i + 1) // 4
    assert [len(b["parsed_reports"]) for b in batches] == [4, 4, 2]
    assert [r[1] for b in batches for r in b["parsed_reports"]] == list(range(10))  # in order, none twice
    assert writer.units_written == 10 and writer.batches_written == 3
    assert writer.rows_written == {"parsed_reports": 10, "parsed_cells": 30}


def test_flushes_at_the_batch_size_in_rows_and_never_splits_a_file() -> None:
    batches: list[dict[str, list[Any]]] = []
    writer = BatchWriter(batches.append, max_units=100, max_rows=10)
    writer.add(_unit(0, cells=4))  # 5 rows
    assert batches == []
    writer.add(_unit(1, cells=4))  # 10 rows: the limit
    assert len(batches) == 1 and writer.pending_rows == 0
    writer.add(_unit(2, cells=30))  # one file larger than a batch is a batch of its own, whole
    assert len(batches) == 2 and len(batches[1]["parsed_cells"]) == 30
    writer.flush()
    assert len(batches) == 2  # nothing pending: no empty batch


def test_a_failed_write_keeps_the_batch_and_an_error_drops_what_was_not_flushed() -> None:
    calls: list[int] = []

    def failing(batch: dict[str, list[Any]]) -> None:
        calls.append(len(batch["parsed_reports"]))
        raise OSError("disk full")

    writer = BatchWriter(failing, max_units=2)
    writer.add(_unit(0))
    with pytest.raises(OSError):
        writer.add(_unit(1))
    assert writer.units_written == 0 and writer.pending_units == 2  # not counted as written
    written: list[dict[str, list[Any]]] = []
    with pytest.raises(RuntimeError), BatchWriter(written.append, max_units=2) as w:
        w.add(_unit(0))
        w.add(_unit(1))
        w.add(_unit(2))
        raise RuntimeError("the run fails")
    assert [len(b["parsed_reports"]) for b in written] == [2]  # the third file is parsed again next run


def test_the_batch_size_is_a_named_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(BATCH_FILES_ENV, raising=False)
    assert batch_files() == BATCH_FILES
    monkeypatch.setenv(BATCH_FILES_ENV, "7")
    assert batch_files() == 7
    for bad in ("0", "x"):
        monkeypatch.setenv(BATCH_FILES_ENV, bad)
        with pytest.raises(ValueError, match=BATCH_FILES_ENV):
            batch_files()
    with pytest.raises(ValueError):
        BatchWriter(lambda b: None, max_units=0)
