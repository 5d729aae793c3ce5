"""The warehouse resource: where raw files are read and which DuckDB file the assets write."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb

from .warehouse import connect, default_corrections_dir, ensure_landing

# Every writer of the DuckDB file (dbt included) runs in this pool; DuckDB has a single writer.
POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    raw_dir: str
    path: str
    # The offline dashboard's folder; "" = `dashboard/` beside the warehouse file.
    dashboard_dir: str = ""
    # The corrections folder (pipelines/corrections.py); "" = `corrections/` beside the raw folder.
    corrections_dir: str = ""

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def db_path(self) -> Path:
        return Path(self.path)

    @property
    def corrections_path(self) -> Path:
        return Path(self.corrections_dir) if self.corrections_dir else default_corrections_dir(self.raw_path)

    @property
    def dashboard_path(self) -> Path:
        return Path(self.dashboard_dir) if self.dashboard_dir else self.db_path.parent / "dashboard"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the warehouse (landing schema ensured when writable). Close it before the asset returns."""
        con = connect(self.db_path, read_only=read_only)
        if not read_only:
            ensure_landing(con)
        return con
