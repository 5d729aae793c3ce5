"""The warehouse layer: the dbt project as Dagster assets; dbt tests become asset checks."""

import hashlib
import os
import shutil
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ..landing_tables import LANDING_TABLES
from ..resources import POOL, WarehouseResource
from ..warehouse import LANDING, WAREHOUSE_ENV

# What every run builds: models and their data tests. dbt's unit tests check the models' logic on
# hand-written rows, not the data: the test suite runs them (tests/test_dbt_unit_tests.py), a run
# does not pay for them each time.
DBT_BUILD_ARGS = ["build", "--exclude-resource-type", "unit_test"]

# The inputs of the last complete dbt build of the work copy (one row). Cleared before dbt starts and
# written when it has passed: a run killed in dbt leaves none, and the next run builds everything.
BUILD_STATE = "ogi_build.last_dbt_build"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def dbt_inputs(con: duckdb.DuckDBPyConnection, manifest: Path) -> str:
    """A digest of everything a dbt build reads: every landing table's rows (count and an
    order-independent sum of row hashes) and the dbt project as parsed (its manifest)."""
    digest = hashlib.sha256(manifest.read_bytes() if manifest.exists() else b"")
    digest.update(" ".join(DBT_BUILD_ARGS).encode())
    for table in sorted(t.name for t in LANDING_TABLES):
        count, total = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {LANDING}.{_quote(table)} AS t"
        ).fetchone() or (0, 0)
        digest.update(f"{table}:{count}:{total};".encode())
    return digest.hexdigest()


def _marts_built(con: duckdb.DuckDBPyConnection) -> bool:
    ((n,),) = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()
    return bool(n)


def unchanged_since_last_build(db_path: Path, manifest: Path) -> tuple[bool, str]:
    """(whether the last complete build read exactly these inputs, the inputs' digest); the recorded
    build is forgotten either way until this build completes (record_build)."""
    con = duckdb.connect(str(db_path))
    try:
        inputs = dbt_inputs(con, manifest)
        schema = BUILD_STATE.split(".")[0]
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {BUILD_STATE} (inputs VARCHAR, built_at TIMESTAMP)")
        last = [row[0] for row in con.execute(f"SELECT inputs FROM {BUILD_STATE}").fetchall()]
        unchanged = last == [inputs] and _marts_built(con)
        if not unchanged:
            con.execute(f"DELETE FROM {BUILD_STATE}")
        return unchanged, inputs
    finally:
        con.close()


def record_build(db_path: Path, inputs: str) -> None:
    con = duckdb.connect(str(db_path))
    try:
        con.execute(f"DELETE FROM {BUILD_STATE}")
        con.execute(f"INSERT INTO {BUILD_STATE} VALUES (?, current_timestamp)", [inputs])
    finally:
        con.close()


def keep_partial_parse(target_path: Path, project: DbtProject) -> None:
    """dbt's parse state of this invocation becomes the one the next invocation starts from
    (dagster-dbt copies the project's): dbt parses again in full whenever its profile differs, and
    the profile holds the warehouse path, so without this every run on the work copy parses in full.
    Replaced atomically: runs on other warehouses may read it meanwhile."""
    state = target_path / "partial_parse.msgpack"
    if not state.exists():
        return
    kept = project.project_dir / "target" / "partial_parse.msgpack"
    kept.parent.mkdir(parents=True, exist_ok=True)
    tmp = kept.with_name(f".partial_parse.{os.getpid()}.msgpack")
    shutil.copyfile(state, tmp)
    os.replace(tmp, kept)


# dagster-dbt gives every invocation a target folder of its own (compiled SQL, run_results.json,
# dbt.log: ~15 MB): a successful run's is removed once its parse state is kept, else a warehouse
# rebuilt every day fills the disk. A failed run's stays for a person to read (`make clean` clears
# them); other runs' folders are never touched (runs on other warehouses may be under way).
def drop_invocation_target(target_path: Path, project: DbtProject, kept: bool) -> None:
    root = (project.project_dir / "target").resolve()
    target = target_path.resolve()
    if kept or target.parent != root:  # only dagster-dbt's per-invocation folders, never the project's own
        return
    shutil.rmtree(target, ignore_errors=True)


def upstream_first(assets_def: dg.AssetsDefinition, keys: AbstractSet[dg.AssetKey]) -> list[dg.AssetKey]:
    """`keys` with every model after the models it reads (Dagster takes a multi-asset's results in
    that order)."""
    deps = assets_def.asset_deps
    order: list[dg.AssetKey] = []
    seen: set[dg.AssetKey] = set()

    def visit(key: dg.AssetKey) -> None:
        if key in seen:
            return
        seen.add(key)
        for parent in sorted(deps.get(key, ())):
            if parent in keys:
                visit(parent)
        order.append(key)

    for key in sorted(keys):
        visit(key)
    return order


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
        whole = context.selected_asset_keys == context.assets_def.keys
        unchanged, inputs = unchanged_since_last_build(warehouse.db_path, project.manifest_path)
        if unchanged and whole:
            # The landing tables and the models are those of the last complete build: its marts
            # and tests stand as they are.
            context.log.info("dbt: nothing changed since the last complete build (landing tables, models): not rebuilt")
            for key in upstream_first(context.assets_def, context.selected_asset_keys):
                yield dg.MaterializeResult(asset_key=key, metadata={"rebuilt": False})
            return
        invocation = dbt.cli(DBT_BUILD_ARGS, context=context)
        try:
            yield from invocation.stream()
        finally:
            # On an error while streaming, dbt would keep running and hold the DuckDB lock.
            if invocation.process.poll() is None:
                invocation.process.terminate()
                invocation.process.wait()
        if whole and invocation.is_successful():
            record_build(warehouse.db_path, inputs)
        keep_partial_parse(invocation.target_path, project)
        drop_invocation_target(invocation.target_path, project, kept=not invocation.is_successful())

    return warehouse_dbt
