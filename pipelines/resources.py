"""The warehouse resource: where raw files are read, the work copy the assets write, the published file."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from .publish import DEFAULT_WAIT, prepare_work, run_lock, work_path
from .warehouse import connect, default_corrections_dir, ensure_landing

# Every writer of the DuckDB work copy (dbt included) runs in this pool; DuckDB has a single writer.
POOL = "duckdb_warehouse"

# ---------------------------------------------------------------- the OCR pool (issue 16)
# The files OCR reads are parsed in steps of this pool (assets/parsed.py, parse_ocr_NNN): OCR costs
# seconds a page on every core, so at most this many such steps run at once, beside the other
# parsing. Its limit is the machine's cores (OGI_OCR_POOL_LIMIT to override), set on the Dagster
# instance by `ogi run` and by the Makefile (dagster.yaml can only give every pool one default).
OCR_POOL = "ocr"
OCR_POOL_LIMIT_ENV = "OGI_OCR_POOL_LIMIT"


def ocr_pool_limit() -> int:
    import os

    text = os.environ.get(OCR_POOL_LIMIT_ENV, "").strip()
    return max(1, int(text)) if text.isdigit() else max(1, os.cpu_count() or 1)


def set_ocr_pool_limit(instance: dg.DagsterInstance) -> None:
    """The instance's limit of the OCR pool, set to `ocr_pool_limit()` (when its storage keeps limits)."""
    storage = instance.event_log_storage
    if getattr(storage, "supports_global_concurrency_limits", False):
        storage.set_concurrency_slots(OCR_POOL, ocr_pool_limit())


class WarehouseResource(dg.ConfigurableResource):  # type: ignore[type-arg]  # Dagster's own stubs leave it generic
    raw_dir: str
    # The published warehouse file (what readers open); the assets write its work copy (publish.py).
    path: str
    # The offline dashboard's folder; "" = `dashboard/` beside the warehouse file.
    dashboard_dir: str = ""
    # The corrections folder (pipelines/corrections.py); "" = `corrections/` beside the raw folder.
    corrections_dir: str = ""
    # How long a run waits for another run that holds the warehouse (seconds); take_lock False when
    # the caller holds the run lock itself (`ogi run` takes it before starting Dagster).
    lock_wait: float = DEFAULT_WAIT
    take_lock: bool = True

    _held: ExitStack | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """One run at a time builds the warehouse: hold the run lock for the whole run (a second
        run waits, then fails with who holds it), and make the work copy ready (rebuilt from the raw
        files when it cannot be read)."""
        if context.run is None:
            return  # a sensor or schedule evaluation reads the raw folder only: no lock, no work copy
        log = context.log.info if context.log else print
        self._held = ExitStack()
        if self.take_lock:
            self._held.enter_context(run_lock(self.published_path, self.lock_wait, log))
        prepare_work(self.published_path, context.log.warning if context.log else print, self.lock_wait)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._held is not None:
            self._held.close()
            self._held = None

    @property
    def raw_path(self) -> Path:
        return Path(self.raw_dir)

    @property
    def published_path(self) -> Path:
        return Path(self.path)

    @property
    def db_path(self) -> Path:
        """The work copy: the file every writing asset and dbt use."""
        return work_path(self.published_path)

    @property
    def corrections_path(self) -> Path:
        return Path(self.corrections_dir) if self.corrections_dir else default_corrections_dir(self.raw_path)

    @property
    def dashboard_path(self) -> Path:
        return Path(self.dashboard_dir) if self.dashboard_dir else self.published_path.parent / "dashboard"

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """Open the work copy (landing schema ensured when writable). Close it before the asset returns."""
        con = connect(self.db_path, read_only=read_only)
        if not read_only:
            ensure_landing(con)
        return con

    def connect_published(self) -> duckdb.DuckDBPyConnection:
        """The published warehouse, read-only (what the dashboard asset reads)."""
        return connect(self.published_path, read_only=True)
