"""Shared fixtures: the repository paths and a scratch copy of data/raw."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = REPO_ROOT / "data" / "raw"
REAL_REPORTS = ("hzq2023.pdf", "hzq2024.pdf", "szfgs2024.pdf", "xianfeng2021.txt")


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of `sql` on the warehouse, opened read-only (as the office's readers do)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_raw(dest: Path) -> Path:
    """A private copy of the real reports and the agency registry (tests never touch data/raw)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in REAL_REPORTS:
        shutil.copy2(RAW_DIR / name, dest / name)
    shutil.copy2(RAW_DIR / "agencies.csv", dest / "agencies.csv")
    return dest


@pytest.fixture(scope="module")
def raw_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_raw(tmp_path_factory.mktemp("raw"))


MONITORED_CITY = "city"
MONITORED_SEED = 10  # this city has findings of R00–R04, R06 and R08–R11, and a corrected re-publication


@pytest.fixture(scope="session")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """(raw dir, warehouse, run result) of one materialization of everything: a generated city
    (25 agencies, 2020–2022) beside the real reports and registry. Shared by the monitoring and
    dashboard tests; the dashboard asset writes `dashboard/` beside the warehouse."""
    from pipelines.definitions import JOB_NAME, build_defs
    from pipelines.synth.generate import generate

    raw = copy_raw(tmp_path_factory.mktemp("raw"))
    generate(raw / MONITORED_CITY, n_agencies=25, years=(2020, 2022), seed=MONITORED_SEED)
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = build_defs(raw, warehouse).resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    return raw, warehouse, result


@pytest.fixture(scope="module")
def browser() -> Any:
    """Headless Chromium (tests/browser.py), one per module: closed before another module's Dagster
    runs (playwright's sync API keeps an event loop of its own while it is open)."""
    from tests.browser import chromium

    with chromium() as b:
        yield b
