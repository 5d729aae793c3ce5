"""The warehouse layer: the dbt project as Dagster assets; dbt tests become asset checks."""

import os
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ..resources import POOL, WarehouseResource
from ..warehouse import WAREHOUSE_ENV


class WarehouseTranslator(DagsterDbtTranslator):
    """The dbt models in the group `warehouse`. A source landing.<table> keeps dagster-dbt's key
    landing/<table>, which is the key of the landing asset spec that writes the table
    (pipelines/assets/landing.py): models depend on the table's writer through it."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if self.get_resource_props(manifest, unique_id)["resource_type"] == "source":
            return spec
        return spec.replace_attributes(group_name="warehouse")


def make_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=WarehouseTranslator(),
        pool=POOL,
        name="warehouse_dbt",
    )
    def warehouse_dbt(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
        # profiles.yml reads env_var('OGI_WAREHOUSE'); the dbt subprocess inherits os.environ.
        os.environ[WAREHOUSE_ENV] = str(warehouse.db_path.resolve())
        invocation = dbt.cli(["build"], context=context)
        try:
            yield from invocation.stream()
        finally:
            # On an error while streaming, dbt would keep running and hold the DuckDB lock.
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait()

    return warehouse_dbt
