"""Landing assets: the agency registry and publication metadata (validated: pipelines/metadata.py),
the template reference tables and the inventory of raw files."""


import dagster as dg
from dagster import AssetExecutionContext

from ..inventory import AGENCIES_CSV, inventory
from ..metadata import MetadataProblem, read_publications, read_registry
from ..resources import POOL, WarehouseResource
from ..warehouse import bulk_insert, bulk_replace, template_reference_rows


def _land(context: AssetExecutionContext, warehouse: WarehouseResource, table: str, file_kind: str,
          rows: list[tuple[object, ...]], problems: list[MetadataProblem]) -> int:
    """Replace `table` and this kind's rows of landing.rejected_metadata_rows in one transaction;
    log every problem (file:line: reason)."""
    con = warehouse.connect()
    try:
        con.execute("BEGIN")
        con.execute(f"DELETE FROM landing.{table}")  # a table of the landing schema (code), never data
        n = bulk_insert(con, table, rows)
        con.execute("DELETE FROM landing.rejected_metadata_rows WHERE file_kind = ?", [file_kind])
        bulk_insert(con, "rejected_metadata_rows", [p.landing_row() for p in problems])
        con.execute("COMMIT")
    finally:
        con.close()
    for problem in problems:
        context.log.warning(f"{file_kind} row {'applied in part' if problem.applied else 'rejected'}: {problem}")
    return n


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def agency_registry(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every agencies.csv under the raw folder → landing.agencies (aliases stay '|'-separated); every
    row not applied as written → landing.rejected_metadata_rows (file, line, reason), logged."""
    rows, problems = read_registry(warehouse.raw_path)
    if not rows:
        context.log.warning(f"no {AGENCIES_CSV} rows under {warehouse.raw_path}: landing.agencies is empty")
    n = _land(context, warehouse, "agencies", "agencies", rows, problems)
    files = sorted({str(r[-1]) for r in rows})
    return dg.MaterializeResult(metadata={"agencies": n, "registry_files": ", ".join(files),
                                          "rejected": sum(not p.applied for p in problems),
                                          "applied_in_part": sum(p.applied for p in problems)})


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def publication_metadata(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every publications.csv under the raw folder → landing.publications (report path, published_at);
    every row not applied → landing.rejected_metadata_rows (file, line, reason), logged."""
    rows, problems = read_publications(warehouse.raw_path)
    n = _land(context, warehouse, "publications", "publications", rows, problems)
    return dg.MaterializeResult(metadata={"publications": n, "rejected": len(problems)})


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def template_reference(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """The template module (rows, columns, rules) → landing reference tables."""
    con = warehouse.connect()
    try:
        counts = {table: bulk_replace(con, table, rows) for table, rows in template_reference_rows().items()}
    finally:
        con.close()
    return dg.MaterializeResult(metadata=counts)


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def raw_report_files(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Inventory of raw_dir: path, sha256, size, sniffed format. Never modifies the files."""
    raw_dir = warehouse.raw_path
    # Each file read once (never through a symbolic link): sha256 and format of the bytes read;
    # entries not read are listed with why (pipelines/inventory.py), and parsing quarantines them.
    rows = [f.row() for f in inventory(raw_dir, log=context.log.warning)]
    con = warehouse.connect()
    try:
        n = bulk_replace(con, "raw_report_files", rows)
    finally:
        con.close()
    formats: dict[str, int] = {}
    for r in rows:
        formats[str(r[4])] = formats.get(str(r[4]), 0) + 1
    context.log.info(f"{n} raw files in {raw_dir}: {formats}")
    return dg.MaterializeResult(metadata={"files": n, "formats": formats})
