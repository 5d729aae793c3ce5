"""The offline dashboard as an asset: rebuilt after the marts it reads, in the warehouse pool."""

from collections.abc import Sequence

import dagster as dg
from dagster import AssetExecutionContext

from ..dashboard import DASHBOARD_MARTS, build_dashboard
from ..resources import POOL, WarehouseResource


def make_dashboard_asset(dbt_keys: Sequence[dg.AssetKey], published: dg.AssetKey) -> dg.AssetsDefinition | None:
    """The asset, or None when the dbt project lacks a mart it reads (a reduced project in tests)."""
    deps = [k for k in dbt_keys if k.path[-1] in DASHBOARD_MARTS]
    if set(DASHBOARD_MARTS) - {k.path[-1] for k in deps}:
        return None
    deps.append(published)

    @dg.asset(
        group_name="outputs",
        pool=POOL,
        deps=deps,
        kinds={"html"},
        description="Static offline dashboard (index.html) of the marts: compliance, request volumes, agencies.",
    )
    def dashboard(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        # The published warehouse, as every reader sees it (the run lock keeps another run from
        # publishing meanwhile).
        con = warehouse.connect_published()
        try:
            built = build_dashboard(None, warehouse.dashboard_path, con=con, raw_dir=warehouse.raw_path)
        finally:
            con.close()
        context.log.info(f"dashboard written: {built.index}")
        return dg.MaterializeResult(
            metadata={
                "index": dg.MetadataValue.path(str(built.index)),
                "agencies": built.n_agencies,
                "agency_years": built.n_agency_years,
                "reports": built.n_reports,
                "findings": built.n_findings,
            }
        )

    return dashboard
