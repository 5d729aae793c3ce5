"""A run builds only what its inputs require, and what it publishes is exactly a full build's.

One warehouse is built from a small city, run again with nothing changed (dbt is not run: the
landing tables are those of the last complete build), then run again after a report was changed,
one added and one removed. Every mart, every row, must equal a fresh full build of the same raw
folder into a new warehouse (the marts hold no build timestamp).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.definitions import JOB_NAME, build_defs
from tests.conftest import REPO_ROOT, city_beside_real, mart_tables

FIXTURES = REPO_ROOT / "tests" / "corpus" / "fixtures" / "raw"


def _run(raw: Path, warehouse: Path) -> Any:
    result = build_defs(raw, warehouse).resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    assert result.success
    return result


def _dbt_rebuilt(result: Any) -> bool:
    mats = result.asset_materializations_for_node("warehouse_dbt")
    assert mats
    return not any(m.metadata.get("rebuilt") is not None and m.metadata["rebuilt"].value is False for m in mats)


def marts(warehouse: Path) -> dict[str, Counter[tuple[Any, ...]]]:
    """Every mart's rows (with their multiplicity), every column."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {t: Counter(con.execute(f'SELECT * FROM marts."{t}"').fetchall()) for t in mart_tables(con)}
    finally:
        con.close()


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return city_beside_real(tmp_path_factory.mktemp("raw"), n_agencies=6, seed=12)


@pytest.fixture(scope="module")
def warehouse(raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    warehouse = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    assert _dbt_rebuilt(_run(raw, warehouse))  # the first build
    return warehouse


def test_a_run_with_nothing_changed_keeps_the_marts_without_running_dbt(warehouse: Path, raw: Path) -> None:
    before = marts(warehouse)
    assert sum(len(rows) for rows in before.values()) > 100  # a city's worth of marts
    result = _run(raw, warehouse)
    assert not _dbt_rebuilt(result)
    assert marts(warehouse) == before


def test_after_a_change_an_addition_and_a_removal_the_marts_equal_a_full_build(
    warehouse: Path, raw: Path, tmp_path: Path
) -> None:
    before = marts(warehouse)
    city = sorted(p for p in (raw / "city").rglob("*") if p.suffix in (".txt", ".md", ".html"))
    changed, removed = city[0], city[1]
    changed.write_bytes(changed.read_bytes().replace(b"0", b"1", 1))  # its bytes changed
    removed.unlink()
    shutil.copy2(FIXTURES / "fixture2021__text_tabs.txt", raw / "added.txt")
    assert _dbt_rebuilt(_run(raw, warehouse))
    after = marts(warehouse)
    fresh = tmp_path / "fresh" / "warehouse.duckdb"
    _run(raw, fresh)
    expected = marts(fresh)
    assert set(after) == set(expected)
    differing = sorted(t for t in expected if after[t] != expected[t])
    assert differing == [], differing
    assert after != before  # the changes reached the marts
