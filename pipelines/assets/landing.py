"""Landing assets, one Dagster asset key per landing table (landing/<table>): the agency registry and
publication metadata (validated: pipelines/metadata.py), the template reference tables and the
inventory of raw files. `landing_asset` builds every writer of the landing schema (parsed.py and
corrections.py too) from the table descriptions in pipelines/landing_tables.py."""

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg
import duckdb
from dagster import AssetExecutionContext

from ..inventory import AGENCIES_CSV, inventory
from ..landing_tables import (
    LANDING_SCHEMA,
    METADATA_FILES,
    RAW_REPORT_FILES,
    TEMPLATE_REFERENCE,
    LandingTable,
    column_description,
    written_by,
)
from ..metadata import read_publications, read_registry
from ..resources import POOL, WarehouseResource
from ..warehouse import bulk_insert, bulk_replace, template_reference_rows

# What a landing asset yields: one materialization per table it writes (`landed`).
Landed = Iterator[dg.MaterializeResult[Any]]


def landing_key(table: str) -> dg.AssetKey:
    """The asset key of landing.<table>: also the key dagster-dbt gives the dbt source, so the models
    that read the table depend on the asset that writes it with no map between them."""
    return dg.AssetKey([LANDING_SCHEMA, table])


def asset_keys(asset: str) -> list[dg.AssetKey]:
    """The keys of the tables one asset writes (to select the asset whole, as a job must)."""
    return [landing_key(t.name) for t in written_by(asset)]


def _spec(table: LandingTable, group: str, reads: Sequence[str], kinds: set[str]) -> dg.AssetSpec:
    columns = [
        dg.TableColumn(
            c.name, c.type.lower(), column_description(c.description), dg.TableColumnConstraints(nullable=c.nullable)
        )
        for c in table.columns
    ]
    return dg.AssetSpec(
        landing_key(table.name),
        description=table.description,
        group_name=group,
        kinds=kinds,
        deps=[landing_key(t) for t in reads],
        metadata={"dagster/column_schema": dg.TableSchema(columns=columns), "dagster/table_name": table.qualified},
    )


def landing_specs(
    asset: str, group: str, reads: Sequence[str] = (), kinds: frozenset[str] = frozenset({"duckdb"})
) -> list[dg.AssetSpec]:
    """One AssetSpec per table `asset` writes (landing_tables.written_by), in that order."""
    return [_spec(t, group, reads, set(kinds)) for t in written_by(asset)]


def landing_asset(
    asset: str, *, group: str = "landing", reads: Sequence[str] = (), kinds: frozenset[str] = frozenset({"duckdb"})
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """The multi-asset `asset`: one AssetSpec per table it writes (landing_tables.written_by), each
    depending on the landing tables it `reads`; in the warehouse pool (DuckDB has one writer). Not
    subsettable: the asset writes all its tables or none (jobs select it whole)."""
    return dg.multi_asset(name=asset, specs=landing_specs(asset, group, reads, kinds), pool=POOL)


def landed(con: duckdb.DuckDBPyConnection, asset: str, **metadata: Any) -> list[dg.MaterializeResult[Any]]:
    """One materialization per table `asset` writes: the table's row count, and what the asset did
    this run (`metadata`, the same on each of its tables)."""
    results: list[dg.MaterializeResult[Any]] = []
    for table in written_by(asset):
        (rows,) = con.execute(f"SELECT count(*) FROM {table.qualified}").fetchone() or (0,)
        results.append(
            dg.MaterializeResult(asset_key=landing_key(table.name), metadata={"dagster/row_count": rows, **metadata})
        )
    return results


@landing_asset(METADATA_FILES)
def metadata_files(context: AssetExecutionContext, warehouse: WarehouseResource) -> Landed:
    """Every agencies.csv under the raw folder → landing.agencies (aliases stay '|'-separated); every
    publications.csv → landing.publications (report path, published_at); every row of either not
    applied as written → landing.rejected_metadata_rows (file, line, reason), logged. One transaction."""
    agencies, agency_problems = read_registry(warehouse.raw_path)
    publications, publication_problems = read_publications(warehouse.raw_path)
    problems = sorted([*agency_problems, *publication_problems], key=lambda p: (p.file_kind, p.source_file, p.line_no))
    if not agencies:
        context.log.warning(f"no {AGENCIES_CSV} rows under {warehouse.raw_path}: landing.agencies is empty")
    for problem in problems:
        context.log.warning(
            f"{problem.file_kind} row {'applied in part' if problem.applied else 'rejected'}: {problem}"
        )
    con = warehouse.connect()
    try:
        con.execute("BEGIN")
        for table, rows in (
            ("agencies", agencies),
            ("publications", publications),
            ("rejected_metadata_rows", [p.landing_row() for p in problems]),
        ):
            con.execute(f"DELETE FROM {LANDING_SCHEMA}.{table}")  # a described table (code), never data
            bulk_insert(con, table, rows)
        con.execute("COMMIT")
        results = landed(
            con,
            METADATA_FILES,
            registry_files=", ".join(sorted({r.source_file for r in agencies})),
            rejected=sum(not p.applied for p in problems),
            applied_in_part=sum(p.applied for p in problems),
        )
    finally:
        con.close()
    yield from results


@landing_asset(TEMPLATE_REFERENCE)
def template_reference(warehouse: WarehouseResource) -> Landed:
    """The template module (rows, columns, rules, statuses) → the landing reference tables."""
    rows = template_reference_rows()
    described = {t.name for t in written_by(TEMPLATE_REFERENCE)}
    if set(rows) != described:  # a table filled but not described, or described but not filled
        raise ValueError(f"template_reference_rows() fills {sorted(rows)}, the descriptions say {sorted(described)}")
    con = warehouse.connect()
    try:
        for table, table_rows in rows.items():
            bulk_replace(con, table, table_rows)
        results = landed(con, TEMPLATE_REFERENCE)
    finally:
        con.close()
    yield from results


@landing_asset(RAW_REPORT_FILES)
def raw_report_files(context: AssetExecutionContext, warehouse: WarehouseResource) -> Landed:
    """Inventory of raw_dir: path, sha256, size, sniffed format. Never modifies the files."""
    raw_dir = warehouse.raw_path
    # Each file read once (never through a symbolic link): sha256 and format of the bytes read;
    # entries not read are listed with why (pipelines/inventory.py), and parsing quarantines them.
    rows = [f.row() for f in inventory(raw_dir, log=context.log.warning)]
    formats: dict[str, int] = {}
    for r in rows:
        formats[r.format] = formats.get(r.format, 0) + 1
    context.log.info(f"{len(rows)} raw files in {raw_dir}: {formats}")
    con = warehouse.connect()
    try:
        bulk_replace(con, "raw_report_files", rows)
        results = landed(con, RAW_REPORT_FILES, files=len(rows), formats=formats)
    finally:
        con.close()
    yield from results
