"""dbt's unit tests (the `unit_tests:` of the models' YAML: hand-written rows in, expected rows out)
all run and pass. A run builds the models and their data tests only (pipelines/assets/marts.py,
DBT_BUILD_ARGS): the models' logic is tested here, once, on a warehouse with the template and no report.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipelines.assets.marts import DBT_BUILD_ARGS
from pipelines.project import DBT_PROJECT_DIR
from pipelines.warehouse import WAREHOUSE_ENV, bulk_insert, connect, ensure_landing, template_reference_rows
from tests.dbt_parse_cache import SHIM_ENV

DBT = str(Path(sys.executable).parent / "dbt")


def _declared_unit_tests() -> set[str]:
    names = set()
    for path in (DBT_PROJECT_DIR / "models").rglob("*.yml"):
        for test in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("unit_tests", []):
            names.add(f"{test['model']}.{test['name']}")
    return names


def test_runs_leave_the_unit_tests_to_the_test_suite() -> None:
    assert "unit_test" in DBT_BUILD_ARGS[DBT_BUILD_ARGS.index("--exclude-resource-type") + 1 :]


def test_every_dbt_unit_test_passes(tmp_path: Path) -> None:
    declared = _declared_unit_tests()
    assert len(declared) >= 5, declared  # the project's unit tests are found
    warehouse = tmp_path / "warehouse.duckdb"
    con = connect(warehouse)
    ensure_landing(con)
    for table, rows in template_reference_rows().items():  # the models read the template's keys
        bulk_insert(con, table, rows)
    con.close()
    env = {**os.environ, WAREHOUSE_ENV: str(warehouse)}
    common = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    common += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    # the session's dbt (tests/dbt_parse_cache.py) starts from the runs' parse state: no full parse
    dbt = os.environ.get(SHIM_ENV, DBT)
    kept = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
    if kept.exists():
        (tmp_path / "target").mkdir()
        shutil.copyfile(kept, tmp_path / "target" / kept.name)
    # the unit tests read their inputs' columns from the warehouse: the models exist (no report)
    for args in (["run"], ["test", "--select", "test_type:unit"]):
        proc = subprocess.run([dbt, *args, *common], env=env, capture_output=True, text=True, check=False)
        assert proc.returncode == 0, (args, proc.stdout[-4000:])
    results = json.loads((tmp_path / "target" / "run_results.json").read_text(encoding="utf-8"))["results"]
    ran = {r["unique_id"].split(".", 2)[2]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert set(ran) == declared
    assert set(ran.values()) == {"pass"}, ran


def test_dagster_dbt_reads_the_pinned_dbt_version_without_starting_dbt(monkeypatch: pytest.MonkeyPatch) -> None:
    """dagster-dbt runs `dbt --version` before every dbt command; dbt's own answer asks pypi.org for
    the latest release. pipelines/bin/dbt-guarded answers from the installed package: the version
    dagster-dbt parses is the one requirements.lock pins, and no dbt is started (OGI_DBT names
    /bin/false, which would fail the call)."""
    import re

    from dagster_dbt import DbtCliResource

    from pipelines.definitions import DBT_GUARDED

    lock = (Path(__file__).resolve().parent.parent / "requirements.lock").read_text(encoding="utf-8")
    pinned = re.search(r"^dbt-core==(\S+)$", lock, re.M)
    assert pinned
    monkeypatch.setenv(SHIM_ENV, "/bin/false")
    resource = DbtCliResource(project_dir=str(DBT_PROJECT_DIR), dbt_executable=str(DBT_GUARDED))
    assert str(resource._cli_version) == pinned.group(1)


def test_dbt_sends_no_usage_statistics_from_the_project() -> None:
    """dbt sends anonymous usage events to dbt Labs from every command unless the project says no:
    a run must reach no address but the machine's own. Read with dbt's own reader of the project's
    flags, the one every dbt command uses (an analyst's plain `dbt` in dbt_project/ included)."""
    from dbt.config.project import read_project_flags

    flags = read_project_flags(str(DBT_PROJECT_DIR), str(DBT_PROJECT_DIR))
    assert flags.send_anonymous_usage_stats is False
