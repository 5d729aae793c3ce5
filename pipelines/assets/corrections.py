"""Corrections landed: every CSV under the corrections folder, validated against the landed files."""

import dagster as dg
from dagster import AssetExecutionContext

from ..corrections import csv_files, known_files, read_corrections
from ..landing_tables import CORRECTION_FILES
from ..resources import WarehouseResource
from ..warehouse import bulk_replace
from .landing import Landed, landed, landing_asset


# The tables known_files reads: a correction names a landed file by sha256 or path.
@landing_asset(CORRECTION_FILES, reads=["raw_report_files", "parsed_reports", "quarantined_files"])
def correction_files(context: AssetExecutionContext, warehouse: WarehouseResource) -> Landed:
    """Every corrections file (data/corrections/*.csv) → landing.corrections (valid rows) and
    landing.rejected_corrections (file, line and reason of every row that is not valid)."""
    folder = warehouse.corrections_path
    con = warehouse.connect()
    try:
        known = known_files(con)
        good, bad = read_corrections(folder, known)
        n_good = bulk_replace(con, "corrections", [c.landing_row() for c in good])
        n_bad = bulk_replace(con, "rejected_corrections", [r.landing_row() for r in bad])
        files = csv_files(folder)
        results = landed(
            con,
            CORRECTION_FILES,
            files=len(files),
            corrections=n_good,
            rejected=n_bad,
            folder=dg.MetadataValue.path(str(folder)),
        )
    finally:
        con.close()
    context.log.info(f"{len(files)} corrections files in {folder}: {n_good} rows landed, {n_bad} rejected")
    for rejection in bad:
        context.log.warning(f"correction rejected: {rejection}")
    yield from results
