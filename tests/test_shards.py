"""Parse parts (pipelines/shards.py): a shard's batch lands whole or not at all, and landing a part
twice never doubles a row (a run that died between landing a part and removing it)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from pipelines.shards import (
    finished_parts,
    load_parts,
    part_files,
    read_plan,
    remove_temporaries,
    shard_of,
    write_part,
    write_plan,
)
from pipelines.warehouse import LANDING_BY_NAME, connect, ensure_landing

REPORTS, CELLS, QUARANTINED = (LANDING_BY_NAME[t] for t in ("parsed_reports", "parsed_cells", "quarantined_files"))


def _sha(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def _report(name: str, n_cells: int) -> dict[str, list[object]]:
    sha = _sha(name)
    head = REPORTS.row(
        report_id=sha,
        sha256=sha,
        file_path=name,
        format="text",
        agency_name="某局",
        report_year=2022,
        template_version="2021",
        n_warnings=0,
        parser_version="test",
        parsed_at=datetime(2026, 1, 1),
    )
    cells = [
        CELLS.row(
            report_id=sha,
            table_key="t",
            row_key=f"r{i}",
            column_key="c",
            value=float(i),
            raw_text=str(i),
            cell_status="read",
            is_blank=False,
            source_location=None,
        )
        for i in range(n_cells)
    ]
    return {"parsed_reports": [head], "parsed_cells": cells}


def test_a_file_always_falls_in_the_same_shard_and_the_shards_share_the_files() -> None:
    shas = [_sha(f"file{i}") for i in range(4000)]
    counts = [0] * 4
    for sha in shas:
        counts[shard_of(sha, 4)] += 1
        assert shard_of(sha, 4) == shard_of(sha, 4)
    assert min(counts) > 800  # about a quarter each (1,000 expected)


def test_each_shard_reads_its_own_files_of_the_plan(tmp_path: Path) -> None:
    rows = [(_sha(n), n, "text", i % 3) for i, n in enumerate(["c.txt", "a.txt", "b.txt", "d.txt"])]
    write_plan(tmp_path, rows)
    assert [r[1] for r in read_plan(tmp_path, 0)] == ["c.txt", "d.txt"]
    assert [r[1] for r in read_plan(tmp_path, 1)] == ["a.txt"]
    assert read_plan(tmp_path, 2) == [(_sha("b.txt"), "b.txt", "text")]


def test_parts_land_once_even_when_landed_twice(tmp_path: Path) -> None:
    parts = tmp_path / "parts"
    batch = _report("a.txt", 3)
    for unit in (_report("b.txt", 2),):
        for table, rows in unit.items():
            batch[table] += rows
    batch["quarantined_files"] = [
        QUARANTINED.row(file_path="x.pdf", sha256=_sha("x.pdf"), format="pdf", reason="x.pdf: bad", parser_version="t")
    ]
    part = write_part(parts, 1, batch)
    (parts / ".tmp-half").mkdir()  # what a shard killed while writing leaves: never landed
    assert finished_parts(parts) == [part]
    assert part_files(parts) == {"parsed_reports": 2, "quarantined_files": 1}

    con = connect(tmp_path / "w.duckdb")
    try:
        ensure_landing(con)
        # the same part twice: as when a run died after landing it, before removing it
        copy = parts / "part-001-copy"
        import shutil

        shutil.copytree(part, copy)
        loaded = load_parts(con, [part, copy])
        assert loaded["parts"] == 2 and not part.exists() and not copy.exists()
        counts = con.execute(
            """SELECT (SELECT count(*) FROM landing.parsed_reports), (SELECT count(*) FROM landing.parsed_cells),
                      (SELECT count(*) FROM landing.quarantined_files)"""
        ).fetchone()
        assert counts == (2, 5, 1)
        values = con.execute("SELECT row_key, value FROM landing.parsed_cells ORDER BY value, row_key").fetchall()
        assert values == [("r0", 0.0), ("r0", 0.0), ("r1", 1.0), ("r1", 1.0), ("r2", 2.0)]
    finally:
        con.close()
    assert remove_temporaries(parts) == 1 and not (parts / ".tmp-half").exists()


def test_a_row_of_another_table_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    batch = _report("a.txt", 1)
    batch["parsed_cells"] = batch["parsed_reports"]  # a report row where cells go
    with pytest.raises(Exception):  # noqa: B017  polars refuses the row's shape
        write_part(tmp_path, 0, batch)
    assert finished_parts(tmp_path) == []
