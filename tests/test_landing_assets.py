"""Drift test of the landing contract in Dagster: every landing table (pipelines/landing_tables.py) is
one asset key landing/<table>, written by exactly the asset its description names, in the warehouse
pool; the dbt models read exactly those keys (the sources), so lineage runs table by table."""

from __future__ import annotations

import dagster as dg
import pytest

from pipelines.definitions import build_defs
from pipelines.landing_tables import LANDING_SCHEMA, LANDING_TABLES
from pipelines.resources import POOL


@pytest.fixture(scope="module")
def defs(tmp_path_factory: pytest.TempPathFactory) -> dg.Definitions:
    tmp = tmp_path_factory.mktemp("landing")
    return build_defs(tmp / "raw", tmp / "warehouse.duckdb")


def test_every_table_has_exactly_one_writing_asset_in_the_warehouse_pool(defs: dg.Definitions) -> None:
    writers: dict[str, list[str]] = {}
    for assets_def in defs.resolve_asset_graph().assets_defs:
        for key in assets_def.keys:
            if key.path[0] == LANDING_SCHEMA:
                writers.setdefault(key.path[-1], []).append(assets_def.node_def.name)
                # every op of the writer that opens the warehouse is in the pool (parsing's shards
                # open no DuckDB file: pipelines/shards.py)
                ops = list(assets_def.node_def.iterate_op_defs())
                writers_ops = [op for op in ops if "warehouse" in op.required_resource_keys]
                assert len(key.path) == 2 and writers_ops and all(op.pool == POOL for op in writers_ops), key
    assert writers == {t.name: [t.asset] for t in LANDING_TABLES}


def test_dbt_sources_are_the_landing_assets(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    read_by_dbt = {
        parent
        for key in graph.get_all_asset_keys()
        if key.path[0] != LANDING_SCHEMA
        for parent in graph.get(key).parent_keys
        if parent.path[0] == LANDING_SCHEMA
    }
    assert read_by_dbt == {dg.AssetKey([LANDING_SCHEMA, t.name]) for t in LANDING_TABLES}
    assert all(graph.get(k).is_materializable for k in read_by_dbt)  # written by an asset, not external
