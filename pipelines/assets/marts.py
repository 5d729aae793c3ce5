"""The warehouse layer: the dbt project as Dagster assets; dbt tests become asset checks."""

import os
from typing import Any, Mapping

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ..resources import POOL, WarehouseResource
from ..warehouse import LANDING, WAREHOUSE_ENV

# dbt source landing.<table> → the Dagster asset that writes it.
SOURCE_ASSETS: dict[str, str] = {
    "agencies": "agency_registry",
    "publications": "publication_metadata",
    "raw_report_files": "raw_report_files",
    "parsed_reports": "parsed_reports",
    "parsed_cells": "parsed_reports",
    "parse_warnings": "parsed_reports",
    "quarantined_files": "parsed_reports",
    "template_rows": "template_reference",
    "template_columns": "template_reference",
    "rule_checks": "template_reference",
    "rule_terms": "template_reference",
    "rules": "template_reference",
    "compliance_statuses": "template_reference",
    "template_versions": "template_reference",
    "cell_statuses": "template_reference",
    "agency_kinds": "template_reference",
    "collapsible_rows": "template_reference",
    "agency_name_noise": "template_reference",
    "narrative_targets": "template_reference",
    "corrections": "correction_files",
    "rejected_corrections": "correction_files",
}


def _landing_key(key: dg.AssetKey) -> dg.AssetKey:
    path = key.path
    if len(path) == 2 and path[0] == LANDING and path[1] in SOURCE_ASSETS:
        return dg.AssetKey(SOURCE_ASSETS[path[1]])
    return key


class WarehouseTranslator(DagsterDbtTranslator):
    """Models depend on the Dagster assets that write their landing sources.

    Sources keep their own keys (landing/<table>: dagster-dbt requires one key per dbt node);
    the models' dependencies on them are redirected to the writing asset.
    """

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if self.get_resource_props(manifest, unique_id)["resource_type"] == "source":
            return spec
        deps: dict[dg.AssetKey, dg.AssetDep] = {}
        for dep in spec.deps:
            key = _landing_key(dep.asset_key)
            deps.setdefault(key, dg.AssetDep(key) if key != dep.asset_key else dep)
        return spec.replace_attributes(group_name="warehouse", deps=list(deps.values()))


def make_dbt_assets(project: DbtProject) -> dg.AssetsDefinition:
    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=WarehouseTranslator(),
                pool=POOL, name="warehouse_dbt")
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
