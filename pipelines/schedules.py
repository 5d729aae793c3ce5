"""When the warehouse runs by itself: a sensor on data/raw, the reporting-season schedule, the yearly rollup."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import dagster as dg

from .corrections import csv_files
from .inventory import fingerprint_lines
from .resources import WarehouseResource

# Reports are due by 31 January (departments) and 31 March (governments); late and corrected
# ones keep arriving in April: refresh the compliance picture every morning of that season.
REPORTING_SEASON_CRON = "0 6 * 1-4 *"
# Once the season is over (1 May), the year's rollups are final.
YEARLY_ROLLUP_CRON = "0 7 1 5 *"
TIMEZONE = "Asia/Shanghai"


def raw_fingerprint(warehouse: WarehouseResource) -> str:
    """Changes whenever a file under the raw folder, or a corrections file, is added, removed, renamed
    or rewritten."""
    h = hashlib.sha256()
    for line in fingerprint_lines(warehouse.raw_path):  # every entry, links and odd names included
        h.update(b"raw/" + line)
    folder = warehouse.corrections_path
    for path in csv_files(folder):
        st = path.stat()
        h.update(
            f"{folder.name}/{path.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode(
                "utf-8", "surrogateescape"
            )
        )
    return h.hexdigest()


def build_automation(
    warehouse_job: dg.UnresolvedAssetJobDefinition,
    asset_keys: Sequence[dg.AssetKey],
    dashboard_key: dg.AssetKey | None = None,
    published_key: dg.AssetKey | None = None,
) -> tuple[list[dg.UnresolvedAssetJobDefinition], list[dg.ScheduleDefinition], list[dg.SensorDefinition]]:
    """The compliance and rollup jobs, their schedules, and the sensor on the raw folder. Every job
    ends by publishing the warehouse it built (readers see nothing of a run until then)."""

    def selection(prefix: str) -> dg.AssetSelection:
        keys = [k for k in asset_keys if k.path[-1].startswith(prefix)]
        # A landing asset writes all its tables or none: the job takes every table of the ones upstream.
        chosen = dg.AssetSelection.assets(*keys).upstream().required_multi_asset_neighbors()
        return chosen | dg.AssetSelection.assets(published_key) if published_key is not None else chosen

    compliance = selection("agency_year_compliance")
    if dashboard_key is not None:  # the office's dashboard is refreshed with the compliance marts
        compliance = compliance | dg.AssetSelection.assets(dashboard_key).upstream().required_multi_asset_neighbors()
    compliance_job = dg.define_asset_job(
        "compliance_job",
        selection=compliance,
        executor_def=dg.in_process_executor,
        description="Landing, parsing (cached), every model up to the compliance marts, and the dashboard.",
    )
    rollup_job = dg.define_asset_job(
        "yearly_rollup_job",
        selection=selection("rollup_"),
        executor_def=dg.in_process_executor,
        description="The rollups by year, level and region, with everything they depend on.",
    )
    schedules = [
        dg.ScheduleDefinition(
            name="reporting_season_daily",
            job=compliance_job,
            cron_schedule=REPORTING_SEASON_CRON,
            execution_timezone=TIMEZONE,
        ),
        dg.ScheduleDefinition(
            name="yearly_rollup", job=rollup_job, cron_schedule=YEARLY_ROLLUP_CRON, execution_timezone=TIMEZONE
        ),
    ]

    @dg.sensor(
        job=warehouse_job,
        minimum_interval_seconds=60,
        description="Runs the warehouse when a file under the raw folder, or a corrections file, is new or changed.",
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource) -> dg.SensorResult:
        fingerprint = raw_fingerprint(warehouse)
        if fingerprint == context.cursor:
            return dg.SensorResult(skip_reason="no new or changed file", cursor=fingerprint)
        return dg.SensorResult(run_requests=[dg.RunRequest(run_key=fingerprint)], cursor=fingerprint)

    return [compliance_job, rollup_job], schedules, [raw_files_sensor]


# ---------------------------------------------------------------- collecting from the websites (issue #13)

# Reports appear on the agencies' sites from January to the end of March: visit them every morning
# of that season, before the warehouse's own run (the raw folder sensor takes what was collected).
COLLECT_SEASON_CRON = "0 5 * 1-3 *"


def build_collect_automation(
    collected_key: dg.AssetKey,
) -> tuple[dg.UnresolvedAssetJobDefinition, dg.ScheduleDefinition]:
    """collect_job (the websites → the raw folder; also run on demand, or by `ogi collect`) and its
    reporting-season schedule."""
    job = dg.define_asset_job(
        "collect_job",
        selection=dg.AssetSelection.assets(collected_key),
        executor_def=dg.in_process_executor,
        description="Visit every registered agency website and download new or changed reports into the raw folder.",
    )
    schedule = dg.ScheduleDefinition(
        name="reporting_season_collect", job=job, cron_schedule=COLLECT_SEASON_CRON, execution_timezone=TIMEZONE
    )
    return job, schedule
