"""Landing assets: the agency registry, the template reference tables and the inventory of raw files."""

import csv
from datetime import date
from pathlib import Path

import dagster as dg
from dagster import AssetExecutionContext

from ..inventory import AGENCIES_CSV, PUBLICATIONS_CSV, inventory, metadata_files
from ..resources import POOL, WarehouseResource
from ..warehouse import bulk_replace
from ..warehouse import template_reference_rows


def _opt(value: str | None) -> str | None:
    return (value or "").strip() or None


def _year(value: str | None) -> int | None:
    text = _opt(value)
    return int(text) if text else None


def _bool(value: str | None) -> bool:
    return (_opt(value) or "false").lower() in ("true", "1", "yes", "t", "y")


def read_registry(raw_dir: Path) -> list[tuple[object, ...]]:
    """Every agencies.csv under raw_dir (docs/monitoring.md), rows in file then line order."""
    rows: list[tuple[object, ...]] = []
    for path in metadata_files(raw_dir, AGENCIES_CSV):
        source = path.relative_to(raw_dir).as_posix()
        with path.open(encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                if not _opt(r.get("agency_id")):
                    continue
                rows.append((r["agency_id"].strip(), r["name"].strip(), _opt(r.get("aliases")), _opt(r.get("level")),
                             _opt(r.get("parent_id")), _opt(r.get("kind")), _year(r.get("first_year")),
                             _year(r.get("last_year")), _bool(r.get("is_generated")), source))
    return rows


def read_publications(raw_dir: Path) -> list[tuple[object, ...]]:
    """Every publications.csv under raw_dir: report paths made relative to raw_dir."""
    rows: list[tuple[object, ...]] = []
    for path in metadata_files(raw_dir, PUBLICATIONS_CSV):
        source = path.relative_to(raw_dir).as_posix()
        folder = path.parent.relative_to(raw_dir)
        with path.open(encoding="utf-8-sig", newline="") as f:
            for r in csv.DictReader(f):
                file = _opt(r.get("file"))
                if not file:
                    continue
                published = _opt(r.get("published_at"))
                rows.append(((folder / file).as_posix(), date.fromisoformat(published) if published else None, source))
    return rows


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def agency_registry(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every agencies.csv under the raw folder → landing.agencies (aliases stay '|'-separated)."""
    rows = read_registry(warehouse.raw_path)
    if not rows:
        context.log.warning(f"no {AGENCIES_CSV} under {warehouse.raw_path}: landing.agencies is empty")
    con = warehouse.connect()
    try:
        n = bulk_replace(con, "agencies", rows)
    finally:
        con.close()
    files = sorted({str(r[-1]) for r in rows})
    return dg.MaterializeResult(metadata={"agencies": n, "registry_files": ", ".join(files)})


@dg.asset(group_name="landing", pool=POOL, kinds={"duckdb"})
def publication_metadata(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every publications.csv under the raw folder → landing.publications (report path, published_at)."""
    rows = read_publications(warehouse.raw_path)
    con = warehouse.connect()
    try:
        n = bulk_replace(con, "publications", rows)
    finally:
        con.close()
    return dg.MaterializeResult(metadata={"publications": n})


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
