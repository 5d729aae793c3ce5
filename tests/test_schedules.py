"""The sensor on the raw folder and the two schedules, with Dagster's own testing utilities."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from pipelines.definitions import build_defs
from pipelines.resources import WarehouseResource
from tests.conftest import RAW_DIR


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    tmp = tmp_path_factory.mktemp("sched")
    return build_defs(tmp / "raw", tmp / "warehouse.duckdb")


def test_sensor_requests_a_run_only_when_the_raw_folder_changes(defs: dg.Definitions, tmp_path: Path) -> None:
    sensor = defs.get_sensor_def("raw_files_sensor")
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy2(RAW_DIR / "xianfeng2021.txt", raw / "xianfeng2021.txt")
    resources = {"warehouse": WarehouseResource(raw_dir=str(raw), path=str(tmp_path / "w.duckdb"))}

    def evaluate(**kwargs):
        # the warehouse resource has a run lifecycle (the run lock): contexts open it as documented
        with dg.build_sensor_context(resources=resources, **kwargs) as context:
            return sensor(context)

    first = evaluate()
    assert len(first.run_requests) == 1
    again = evaluate(cursor=first.cursor)
    assert again.run_requests == [] and again.skip_reason is not None

    shutil.copy2(RAW_DIR / "hzq2024.pdf", raw / "hzq2024.pdf")  # a new report arrives
    new = evaluate(cursor=first.cursor)
    assert len(new.run_requests) == 1 and new.cursor != first.cursor
    assert new.run_requests[0].run_key != first.run_requests[0].run_key

    corrections = tmp_path / "corrections"  # beside the raw folder: the office imports a filled workbook
    corrections.mkdir()
    (corrections / "filled.csv").write_text(
        "sha256,table,row,column,value,corrected_by,corrected_at\n", encoding="utf-8"
    )
    corrected = evaluate(cursor=new.cursor)
    assert len(corrected.run_requests) == 1 and corrected.cursor != new.cursor
    assert not (tmp_path / ".work" / "run.lock").exists()  # evaluating the sensor takes no run lock


def test_reporting_season_schedule_runs_daily_january_to_april_only(defs: dg.Definitions) -> None:
    schedule = defs.get_schedule_def("reporting_season_daily")
    tz = ZoneInfo(schedule.execution_timezone)
    ticks = schedule.cron_schedule  # "0 6 * 1-4 *"
    from dagster._utils.schedules import cron_string_iterator

    it = cron_string_iterator(datetime(2025, 1, 1, tzinfo=tz).timestamp(), ticks, schedule.execution_timezone)
    months = {next(it).month for _ in range(200)}
    assert months <= {1, 2, 3, 4} and {1, 4} <= months
    result = schedule.evaluate_tick(
        dg.build_schedule_context(scheduled_execution_time=datetime(2025, 2, 1, 6, tzinfo=tz))
    )
    assert len(result.run_requests) == 1
    assert defs.resolve_job_def(schedule.job_name).name == "compliance_job"


def test_yearly_rollup_schedule(defs: dg.Definitions) -> None:
    schedule = defs.get_schedule_def("yearly_rollup")
    assert schedule.cron_schedule == "0 7 1 5 *"
    job = defs.resolve_job_def(schedule.job_name)
    names = {k.path[-1] for k in job.asset_layer.selected_asset_keys}
    assert any(n.startswith("rollup_") for n in names)
    assert "parsed_reports" in names  # the rollups are rebuilt from the reports up
