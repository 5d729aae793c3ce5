"""Collecting from the agencies' websites (issue #13), in two assets:

- `collected_sites` (group collect; only in `collect_job`, on the reporting-season schedule and on
  demand, never in the warehouse job): visits every registered list_page_url/report_url, stores the
  reports' bytes under the raw folder (one folder per agency) and the fetch log in the collect
  folder. It does not touch the warehouse: the raw folder sensor then runs the warehouse.
- `collection_log` (landing): the collect folder → landing.fetch_log and landing.collected_reports,
  in every warehouse run (the warehouse is rebuilt from files, the log included).
"""

import dagster as dg
from dagster import AssetExecutionContext

from ..collect.collector import collect, default_collect_dir, registry_sites, summary_dict
from ..collect.landing import collected_report_rows, fetch_log_rows
from ..landing_tables import COLLECTION_LOG
from ..resources import WarehouseResource
from ..warehouse import bulk_replace
from .landing import Landed, landed, landing_asset

COLLECT_GROUP = "collect"


@dg.asset(
    name="collected_sites",
    group_name=COLLECT_GROUP,
    kinds={"python"},
    description="Every registered agency website visited: reports downloaded into the raw folder (bytes unchanged), "
    "each fetch logged in the collect folder. Failures are log rows, never a failed run.",
)
def collected_sites(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:  # type: ignore[type-arg]
    raw = warehouse.raw_path
    sites = registry_sites(raw)
    if not sites:
        context.log.warning(f"no agency under {raw} names a list_page_url or report_url: nothing to collect")
    summary = collect(raw, sites, default_collect_dir(raw), progress=lambda a: context.log.debug(f"visited {a}"))
    for line in summary.lines():
        context.log.info(line)
    return dg.MaterializeResult(
        metadata={k: v if not isinstance(v, dict) else str(v) for k, v in summary_dict(summary).items()}
    )


@landing_asset(COLLECTION_LOG)
def collection_log(warehouse: WarehouseResource) -> Landed:
    """collect/fetch_log.jsonl and collect/reports.json → landing.fetch_log, landing.collected_reports."""
    folder = default_collect_dir(warehouse.raw_path)
    con = warehouse.connect()
    try:
        bulk_replace(con, "fetch_log", fetch_log_rows(folder))
        bulk_replace(con, "collected_reports", collected_report_rows(folder))
        results = landed(con, COLLECTION_LOG, collect_dir=str(folder))
    finally:
        con.close()
    yield from results
