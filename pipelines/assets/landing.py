"""Landing assets: the agency registry, the template reference tables and the inventory of raw files."""

import csv
import hashlib
from datetime import datetime

import dagster as dg
from dagster import AssetExecutionContext

from ..inventory import AGENCIES_CSV, raw_files
from ..parsing import sniff_format
from ..resources import POOL, WarehouseResource
from ..warehouse import bulk_replace
from ..warehouse import template_reference_rows


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def agency_registry(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """raw/agencies.csv → landing.agencies (aliases stay '|'-separated)."""
    path = warehouse.raw_path / AGENCIES_CSV
    rows: list[tuple[object, ...]] = []
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                rows.append((r["agency_id"].strip(), r["name"].strip(), (r.get("aliases") or "").strip() or None,
                             (r.get("level") or "").strip() or None, (r.get("parent_id") or "").strip() or None))
    else:
        context.log.warning(f"{path} not found: landing.agencies is empty")
    con = warehouse.connect()
    try:
        n = bulk_replace(con, "agencies", rows)
    finally:
        con.close()
    return dg.MaterializeResult(metadata={"agencies": n})


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
    rows: list[tuple[object, ...]] = []
    for path in raw_files(raw_dir):
        data = path.read_bytes()  # whole file: telling docx from xlsx needs the zip directory at the end
        stat = path.stat()
        rows.append((path.relative_to(raw_dir).as_posix(), path.name, hashlib.sha256(data).hexdigest(), len(data),
                     sniff_format(data, path.name), path.suffix.lower().lstrip(".") or None,
                     datetime.fromtimestamp(stat.st_mtime)))
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
