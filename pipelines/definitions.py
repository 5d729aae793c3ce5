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
from .assets.parsed import every_file_accounted_for, make_parsed_reports
from .assets.publish import make_publish_asset
from .project import DBT_PROJECT_DIR, DEFAULT_RAW_DIR, make_dbt_project
from .resources import WarehouseResource
from .schedules import build_automation, build_collect_automation
from .shards import CELERY, IN_PROCESS, MULTIPROCESS, celery_config, executor_name, shard_count
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
    executor: str = IN_PROCESS,
    shards: int | None = None,
) -> dg.Definitions:
    """Assets, jobs, schedules, sensor and resources; the dashboard goes to `dashboard_dir`
    (default: `dashboard/` beside the warehouse file), corrections are read from `corrections_dir`
    (default: `corrections/` beside the raw folder). `warehouse` is the published file; runs build
    its work copy under the run lock (take_lock False: the caller holds it, as `ogi run` does).
    `executor` runs the job's steps in process, in processes of this machine, or on Celery workers
    (pipelines/shards.py); parsing runs as `shards` shards (default: pipelines/shards.py shard_count)."""
    warehouse = Path(warehouse).resolve()
    os.environ[WAREHOUSE_ENV] = str(warehouse)
    project = make_dbt_project(Path(dbt_project_dir).resolve())
    # The warehouse job never goes to the network: collecting is its own job (collect_job, schedules.py).
    job = dg.define_asset_job(
        JOB_NAME,
        selection=dg.AssetSelection.all() - dg.AssetSelection.assets(collected_sites),
        executor_def=_executor(executor),
    )
    dbt_assets = make_dbt_assets(project)
    published = make_publish_asset(list(dbt_assets.keys))
    dashboard = make_dashboard_asset(list(dbt_assets.keys), published.key)
    assets = [
        metadata_files,
        template_reference,
        raw_report_files,
        make_parsed_reports(shards or shard_count(executor)),
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


# ---------------------------------------------------------------- executors (scale-out of parsing)


def _executor(name: str) -> dg.ExecutorDefinition:
    """The executor named (pipelines/shards.py EXECUTORS). Celery's broker and backend are read from
    the environment when a run starts (OGI_CELERY_BROKER, OGI_CELERY_BACKEND)."""
    name = executor_name(name)
    if name == MULTIPROCESS:
        return dg.multiprocess_executor
    if name == CELERY:
        from dagster_celery import celery_executor  # imported only when asked for

        return celery_executor.configured(celery_config(), name="celery")
    return dg.in_process_executor


def warehouse_job(
    raw_dir: str,
    warehouse: str,
    dbt_project_dir: str,
    corrections_dir: str | None,
    take_lock: bool,
    executor: str,
    shards: int,
) -> dg.JobDefinition:
    """The warehouse job built from plain arguments: what every process that runs a step of it
    (multiprocess or Celery) rebuilds, from `dg.build_reconstructable_job` (`reconstructable_job`)."""
    defs = build_defs(
        Path(raw_dir),
        Path(warehouse),
        Path(dbt_project_dir),
        corrections_dir=Path(corrections_dir) if corrections_dir else None,
        take_lock=take_lock,
        executor=executor,
        shards=shards,
    )
    return defs.resolve_job_def(JOB_NAME)


def reconstructable_job(
    raw_dir: Path,
    warehouse: Path,
    dbt_project_dir: Path = DBT_PROJECT_DIR,
    corrections_dir: Path | None = None,
    take_lock: bool = True,
    executor: str = MULTIPROCESS,
    shards: int | None = None,
) -> dg.ReconstructableJob:
    """The warehouse job as a pointer other processes can load (the same paths must hold there)."""
    return dg.build_reconstructable_job(
        __name__,
        warehouse_job.__name__,
        reconstructable_kwargs={
            "raw_dir": str(Path(raw_dir).resolve()),
            "warehouse": str(Path(warehouse).resolve()),
            "dbt_project_dir": str(Path(dbt_project_dir).resolve()),
            "corrections_dir": str(Path(corrections_dir).resolve()) if corrections_dir else None,
            "take_lock": take_lock,
            "executor": executor_name(executor),
            "shards": shards or shard_count(executor),
        },
    )


defs = build_defs(DEFAULT_RAW_DIR, default_warehouse())
