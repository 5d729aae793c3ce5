"""Corrections landed: every CSV under the corrections folder, validated against the landed files."""

import dagster as dg
from dagster import AssetExecutionContext

from ..corrections import csv_files, known_files, read_corrections
from ..resources import POOL, WarehouseResource
from ..warehouse import bulk_replace
from .parsed import parsed_reports


@dg.asset(group_name="landing", pool=POOL, deps=[parsed_reports], kinds={"duckdb"})
def correction_files(context: AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Every corrections file (data/corrections/*.csv) → landing.corrections (valid rows) and
    landing.rejected_corrections (file, line and reason of every row that is not valid)."""
    folder = warehouse.corrections_path
    con = warehouse.connect()
    try:
        known = known_files(con)
        good, bad = read_corrections(folder, known)
        n_good = bulk_replace(con, "corrections", [c.landing_row() for c in good])
        n_bad = bulk_replace(con, "rejected_corrections", [r.landing_row() for r in bad])
    finally:
        con.close()
    files = csv_files(folder)
    context.log.info(f"{len(files)} corrections files in {folder}: {n_good} rows landed, {n_bad} rejected")
    for rejection in bad:
        context.log.warning(f"correction rejected: {rejection}")
    return dg.MaterializeResult(metadata={"files": len(files), "corrections": n_good, "rejected": n_bad,
                                          "folder": dg.MetadataValue.path(str(folder))})
