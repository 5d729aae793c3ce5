"""All Dagster definitions of the warehouse, assembled by `build_defs` so tests can point them elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource

from .assets.collect import collected_sites, collection_log
from .assets.corrections import correction_files
from .assets.dashboard import make_dashboard_asset
from .assets.landing import metadata_files, raw_report_files, template_reference
from .assets.marts import make_dbt_assets
from .assets.parsed import every_file_accounted_for, parsed_reports
from .assets.publish import make_publish_asset
from .project import DBT_PROJECT_DIR, DEFAULT_RAW_DIR, make_dbt_project
from .resources import WarehouseResource
from .schedules import build_automation, build_collect_automation
from .warehouse import WAREHOUSE_ENV, default_warehouse

JOB_NAME = "warehouse_job"
# dbt started so that it dies with the run (pipelines/bin/dbt-guarded).
DBT_GUARDED = Path(__file__).resolve().parent / "bin" / "dbt-guarded"


def build_defs(
    raw_dir: Path,
    warehouse: Path,
    dbt_project_dir: Path = DBT_PROJECT_DIR,
    dashboard_dir: Path | None = None,
    corrections_dir: Path | None = None,
    take_lock: bool = True,
) -> dg.Definitions:
    """Assets, jobs, schedules, sensor and resources; the dashboard goes to `dashboard_dir`
    (default: `dashboard/` beside the warehouse file), corrections are read from `corrections_dir`
    (default: `corrections/` beside the raw folder). `warehouse` is the published file; runs build
    its work copy under the run lock (take_lock False: the caller holds it, as `ogi run` does)."""
    warehouse = Path(warehouse).resolve()
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    project = make_dbt_project(Path(dbt_project_dir).resolve())
    # The warehouse job never goes to the network: collecting is its own job (collect_job, schedules.py).
    job = dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(collected_sites),
        executor_def=dg.in_process_executor,
    )
    dbt_assets = make_dbt_assets(project)
    published = make_publish_asset(list(dbt_assets.keys))
    dashboard = make_dashboard_asset(list(dbt_assets.keys), published.key)
    assets = [
        metadata_files,
        template_reference,
        raw_report_files,
        parsed_reports,
        correction_files,
        collection_log,
        collected_sites,
        dbt_assets,
        published,
    ]
    if dashboard is not None:
        assets.append(dashboard)
    jobs, schedules, sensors = build_automation(
        job, list(dbt_assets.keys), dashboard.key if dashboard else None, published.key
    )
    collect_job, collect_schedule = build_collect_automation(collected_sites.key)
    jobs.append(collect_job)
    schedules.append(collect_schedule)
    return dg.Definitions(
        assets=assets,
        asset_checks=[every_file_accounted_for],
        jobs=[job, *jobs],
        schedules=schedules,
        sensors=sensors,
        resources={
            "warehouse": WarehouseResource(
                raw_dir=str(Path(raw_dir).resolve()),
                path=str(warehouse),
                dashboard_dir=str(Path(dashboard_dir).resolve()) if dashboard_dir else "",
                corrections_dir=str(Path(corrections_dir).resolve()) if corrections_dir else "",
                take_lock=take_lock,
            ),
            "dbt": DbtCliResource(project_dir=project, dbt_executable=str(DBT_GUARDED)),
        },
    )


defs = build_defs(DEFAULT_RAW_DIR, default_warehouse())
