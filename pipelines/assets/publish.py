"""Publishing: the work copy replaces the published warehouse, whole, once the marts are built and
dbt's integrity tests have passed (a failed dbt build stops the run before this asset)."""

from collections.abc import Sequence

import dagster as dg
from dagster import AssetExecutionContext

from ..publish import publish
from ..resources import POOL, WarehouseResource


def make_publish_asset(dbt_keys: Sequence[dg.AssetKey]) -> dg.AssetsDefinition:
    @dg.asset(
        group_name="outputs",
        pool=POOL,
        deps=list(dbt_keys),
        kinds={"duckdb"},
        description="The published warehouse readers open: the work copy, checkpointed, copied beside "
        "it and renamed over it (readers of the old file keep it; a failed run publishes nothing).",
    )
    def published_warehouse(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        size = publish(warehouse.db_path, warehouse.published_path)
        context.log.info(f"published {warehouse.published_path} ({size / 1e6:.1f} MB)")
        return dg.MaterializeResult(
            metadata={"path": dg.MetadataValue.path(str(warehouse.published_path)), "bytes": size}
        )

    return published_warehouse
