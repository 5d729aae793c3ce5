"""The parsed layer: reports parsed once per (sha256, PARSER_VERSION), failures quarantined."""

import time
from collections.abc import Iterator
from datetime import datetime

import dagster as dg
from dagster import AssetExecutionContext

from ..batches import Batch, BatchWriter, batch_files, batch_rows
from ..inventory import NOT_READ, not_read_reason, os_path
from ..landing_tables import PARSED_REPORTS, RAW_REPORT_FILES, Row, landing_table, written_by
from ..limits import PARSE_TIME_LIMIT_S, WORKER_MEMORY_BYTES
from ..model import PARSER_VERSION, ParsedReport
from ..parse_worker import ParsePool, parse_one
from ..resources import POOL, WarehouseResource
from ..warehouse import bulk_insert
from .landing import Landed, landed, landing_asset, landing_key

MAX_WORKERS = 2
# Per file (pipelines/limits.py), and what a worker runs on a file: module attributes so that a
# test can lower the limits or give the workers a file that crashes them.
TIME_LIMIT_S = PARSE_TIME_LIMIT_S
MEMORY_LIMIT_BYTES = WORKER_MEMORY_BYTES
WORKER_TARGET = parse_one

_STALE = """
    DELETE FROM landing.{table}
    WHERE parser_version <> ? OR sha256 NOT IN (SELECT sha256 FROM landing.raw_report_files)"""


def _parse_all(todo: list[tuple[str, str]], pool: ParsePool) -> Iterator[tuple[str, ParsedReport | None, str | None]]:
    """Yield (sha256, report, reason) as files finish. Always in supervised worker processes, even
    for one file: a file that exhausts memory, hangs or crashes its parser fails alone, with its
    reason (pipelines/parse_worker.py)."""
    for outcome in pool.run((sha, (path, sha)) for sha, path in todo):
        yield str(outcome.key), outcome.report, outcome.reason


# The tables this asset writes, every batch in one transaction (pipelines/batches.py).
_TABLES = tuple(t.name for t in written_by(PARSED_REPORTS))
REPORTS, CELLS, WARNINGS, QUARANTINED = (
    landing_table(t) for t in ("parsed_reports", "parsed_cells", "parse_warnings", "quarantined_files")
)


def _report_rows(sha: str, rel: str, report: ParsedReport, now: datetime) -> tuple[Row, list[Row], list[Row]]:
    # report_id is the sha256: one parse per file content (and parser version, which replaces it).
    head = REPORTS.row(
        report_id=sha,
        sha256=sha,
        file_path=rel,
        format=report.format,
        agency_name=report.agency,
        report_year=report.report_year,
        template_version=report.template,
        n_warnings=len(report.warnings),
        parser_version=PARSER_VERSION,
        parsed_at=now,
    )
    cells = [
        CELLS.row(
            report_id=sha,
            table_key=c.table,
            row_key=c.row,
            column_key=c.column,
            value=c.value,
            raw_text=c.raw_text,
            cell_status=c.status,
            is_blank=c.is_blank,
            source_location=c.source or None,
        )
        for c in report.cells
    ]
    warnings = [
        WARNINGS.row(report_id=sha, seq=i + 1, table_key=w.table, row_key=w.row, column_key=w.column, message=w.message)
        for i, w in enumerate(report.warnings)
    ]
    return head, cells, warnings


def _quarantined(rel: str, sha: str, fmt: str | None, reason: str | None) -> Row:
    return QUARANTINED.row(
        file_path=rel, sha256=sha, format=fmt, reason=f"{rel}: {reason}", parser_version=PARSER_VERSION
    )


@landing_asset(PARSED_REPORTS, group="parsed", reads=[RAW_REPORT_FILES], kinds=frozenset({"python", "duckdb"}))
def parsed_reports(context: AssetExecutionContext, warehouse: WarehouseResource) -> Landed:
    """Parse new or changed raw files into landing.parsed_reports / parsed_cells / parse_warnings;
    files that are not readable reports go to landing.quarantined_files with the reason. Results are
    committed a batch at a time (pipelines/batches.py: memory bounded by a batch, not by the city);
    a run killed part-way keeps its committed batches, and the next run parses only the rest."""
    con = warehouse.connect()
    try:
        con.execute("BEGIN")
        for table in ("parsed_reports", "quarantined_files"):
            con.execute(_STALE.format(table=table), [PARSER_VERSION])
        for table in ("parsed_cells", "parse_warnings"):
            con.execute(
                f"DELETE FROM landing.{table} WHERE report_id NOT IN (SELECT report_id FROM landing.parsed_reports)"
            )
        # A renamed or moved file keeps its cached result under its current path.
        con.execute("""UPDATE landing.parsed_reports p SET file_path = r.file_path
                       FROM (SELECT sha256, min(file_path) AS file_path FROM landing.raw_report_files
                             GROUP BY sha256) r
                       WHERE p.sha256 = r.sha256 AND p.file_path <> r.file_path""")
        con.execute("COMMIT")
        files = con.execute("""SELECT sha256, min(file_path), any_value(format) FROM landing.raw_report_files
                               GROUP BY sha256 ORDER BY 2""").fetchall()
        done = {
            sha
            for (sha,) in con.execute(
                "SELECT sha256 FROM landing.parsed_reports UNION SELECT sha256 FROM landing.quarantined_files"
            ).fetchall()
        }
    finally:
        con.close()  # not held while parsing: readers may open the file meanwhile

    fmt_of = {sha: fmt for sha, _, fmt in files}
    rel_of = {sha: rel for sha, rel, _ in files}
    new = [(sha, rel, fmt) for sha, rel, fmt in files if sha not in done]
    # Entries the inventory listed but did not read (symbolic links, pipes, unreadable or changing
    # files) are quarantined with why, without a parser; every other file goes to a worker, which
    # parses the bytes the inventory hashed (opened again, checked against the sha256).
    not_read = [(sha, None, not_read_reason(warehouse.raw_path, rel, fmt)) for sha, rel, fmt in new if fmt in NOT_READ]
    todo = [(sha, os_path(warehouse.raw_path, rel)) for sha, rel, fmt in new if fmt not in NOT_READ]
    cached = len(files) - len(new)
    context.log.info(
        f"{len(files)} distinct files: {cached} cached for parser {PARSER_VERSION}, "
        f"{len(todo)} to parse, {len(not_read)} not read"
    )

    now = datetime.now()
    started = time.perf_counter()
    n_quarantined = 0
    write_seconds = [0.0]  # time spent committing batches (what batching costs against parsing)

    def write_batch(batch: Batch) -> None:
        # One transaction per batch, on a connection opened for it: what is committed survives a
        # kill, and between batches nothing holds the work copy or its buffers.
        start = time.perf_counter()
        con = warehouse.connect()
        try:
            con.execute("BEGIN")
            for table in _TABLES:
                bulk_insert(con, table, batch.get(table, ()))
            con.execute("COMMIT")
        finally:
            con.close()
        write_seconds[0] += time.perf_counter() - start

    def flushed(units: int, rows: int) -> None:
        context.log.info(
            f"parse batch committed: {units} files, {rows} rows "
            f"({writer.units_written}/{len(new)} files of this run written)"
        )

    writer = BatchWriter(write_batch, max_units=batch_files(), max_rows=batch_rows(), on_flush=flushed)
    pool = ParsePool(
        workers=min(MAX_WORKERS, max(len(todo), 1)),
        time_limit=TIME_LIMIT_S,
        memory_limit=MEMORY_LIMIT_BYTES,
        target=WORKER_TARGET,
    )
    with writer:
        for sha, _, why in not_read:
            writer.add({"quarantined_files": [_quarantined(rel_of[sha], sha, fmt_of[sha], why)]})
            n_quarantined += 1
            context.log.warning(f"quarantined {rel_of[sha]}: {why}")
        for i, (sha, report, reason) in enumerate(_parse_all(todo, pool), start=1):
            rel = rel_of[sha]
            if report is None:
                writer.add({"quarantined_files": [_quarantined(rel, sha, fmt_of[sha], reason)]})
                n_quarantined += 1
                context.log.warning(f"quarantined {rel}: {reason}")
            else:
                head, cells, warnings = _report_rows(sha, rel, report, now)
                writer.add({"parsed_reports": [head], "parsed_cells": cells, "parse_warnings": warnings})
            if i == len(todo) or i % 50 == 0:
                rate = i / max(time.perf_counter() - started, 1e-9)
                context.log.info(f"parsed {i}/{len(todo)} files ({rate:.1f}/s), quarantined so far {n_quarantined}")

    written = writer.rows_written
    con = warehouse.connect()
    try:
        n_reports, n_quarantined_total = con.execute(
            "SELECT (SELECT count(*) FROM landing.parsed_reports), (SELECT count(*) FROM landing.quarantined_files)"
        ).fetchone() or (0, 0)
        results = landed(
            con,
            PARSED_REPORTS,
            **{
                "parsed_this_run": written.get("parsed_reports", 0),
                "quarantined_this_run": written.get("quarantined_files", 0),
                "skipped_cached": cached,
                "reports_total": n_reports,
                "quarantined_total": n_quarantined_total,
                "cells_written": written.get("parsed_cells", 0),
                "batches_written": writer.batches_written,
                "batch_write_seconds": round(write_seconds[0], 2),
                "parse_seconds": round(time.perf_counter() - started, 2),
                "parser_version": PARSER_VERSION,
                # The largest peak resident memory of a parse worker this run (limit: limits.WORKER_MEMORY_BYTES).
                "peak_worker_rss_mib": round(pool.peak_rss_kib / 1024, 1),
                "workers_replaced": pool.restarts,
            },
        )
    finally:
        con.close()
    yield from results


@dg.asset_check(
    asset=landing_key("parsed_reports"),
    blocking=True,
    pool=POOL,
    description="Every raw file is parsed or quarantined.",
)
def every_file_accounted_for(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    con = warehouse.connect(read_only=True)
    try:
        missing = [
            r[0]
            for r in con.execute(
                """
            SELECT file_path FROM landing.raw_report_files
            WHERE sha256 NOT IN (SELECT sha256 FROM landing.parsed_reports WHERE parser_version = ?
                                 UNION SELECT sha256 FROM landing.quarantined_files WHERE parser_version = ?)
            ORDER BY file_path""",
                [PARSER_VERSION, PARSER_VERSION],
            ).fetchall()
        ]
    finally:
        con.close()
    return dg.AssetCheckResult(
        passed=not missing,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata={"unaccounted_files": len(missing), "examples": ", ".join(missing[:10])},
    )
