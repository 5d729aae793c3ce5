"""The parsed layer: reports parsed once per (sha256, PARSER_VERSION), failures quarantined; the
parsing split into shards that run as separate steps on any executor (pipelines/shards.py)."""

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg

from ..batches import Batch, BatchWriter, batch_files, batch_rows
from ..inventory import NOT_READ, not_read_reason, os_path
from ..landing_tables import PARSED_REPORTS, RAW_REPORT_FILES, Row, landing_table, written_by
from ..limits import PARSE_TIME_LIMIT_S, WORKER_MEMORY_BYTES
from ..model import PARSER_VERSION, ParsedReport
from ..parse_worker import ParsePool, parse_one
from ..resources import OCR_POOL, POOL, WarehouseResource
from ..shards import (
    IN_PROCESS,
    finished_parts,
    load_parts,
    parts_dir,
    read_plan,
    remove_temporaries,
    shard_count,
    shard_of,
    write_part,
    write_plan,
)
from .landing import landing_key, landing_specs

MAX_WORKERS = 2
# Parse workers of an OCR step: one, so that the pool's limit (the cores) bounds the files OCR'd at
# once (the engine already runs its layers on several threads).
OCR_WORKERS = 1
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


def needs_ocr(raw: Path, rel: str, fmt: str) -> bool:
    """Whether OCR reads the file (an image, or a PDF that names no font: ocr.review.looks_scanned),
    so that it is parsed in the OCR pool. Sniffed from the bytes, never opened here (only workers open
    untrusted files); a wrong guess changes only the step a file is parsed in, never its rows."""
    if fmt == "image":
        return True
    if fmt != "pdf":
        return False
    from ..limits import MAX_FILE_BYTES
    from ..ocr.review import looks_scanned

    try:
        with open(os_path(raw, rel), "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError:
        return False  # its worker says why it cannot be read
    return looks_scanned(data)


def _quarantined(rel: str, sha: str, fmt: str | None, reason: str | None) -> Row:
    return QUARANTINED.row(
        file_path=rel, sha256=sha, format=fmt, reason=f"{rel}: {reason}", parser_version=PARSER_VERSION
    )


def _plan(context: dg.OpExecutionContext, warehouse: WarehouseResource, shards: int) -> dict[str, Any]:
    parts = parts_dir(warehouse.published_path)
    remove_temporaries(parts)
    con = warehouse.connect()
    try:
        # Parts a killed run finished are landed first: their files are then cached like any other.
        leftover = load_parts(con, finished_parts(parts))
        if leftover["parts"]:
            context.log.info(f"{leftover['parts']} parse parts of an earlier run landed")
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
    new = [(sha, rel, fmt, shard_of(sha, shards)) for sha, rel, fmt in files if sha not in done]
    write_plan(parts, new)
    not_read = sum(fmt in NOT_READ for _, _, fmt, _ in new)
    cached = len(files) - len(new)
    context.log.info(
        f"{len(files)} distinct files: {cached} cached for parser {PARSER_VERSION}, "
        f"{len(new) - not_read} to parse, {not_read} not read, in {shards} shards"
    )
    # What the shards need: no DuckDB, only the raw folder and where to write (the same paths on
    # every machine that runs a shard).
    return {"raw_dir": str(warehouse.raw_path), "parts_dir": str(parts), "files": len(files), "cached": cached}


def _shard(context: dg.OpExecutionContext, plan: dict[str, Any], shard: int) -> dict[str, Any]:
    """Parse this shard's files, except those OCR reads: they are left to the shard's OCR step."""
    raw = Path(plan["raw_dir"])
    mine = read_plan(Path(plan["parts_dir"]), shard)
    ocr = [f for f in mine if needs_ocr(raw, f[1], f[2])]
    deferred = {f[0] for f in ocr}
    out = _parse_files(context, plan, shard, [f for f in mine if f[0] not in deferred])
    out["ocr"] = ocr
    out["ocr_files"] = len(ocr)
    if ocr:
        context.log.info(f"shard {shard}: {len(ocr)} files need OCR: parsed by parse_ocr_{shard:03d} (pool {OCR_POOL})")
    return out


def _parse_files(
    context: dg.OpExecutionContext,
    plan: dict[str, Any],
    shard: int,
    mine: list[tuple[str, str, str]],
    max_workers: int = MAX_WORKERS,
) -> dict[str, Any]:
    raw, parts = Path(plan["raw_dir"]), Path(plan["parts_dir"])
    # Entries the inventory listed but did not read (symbolic links, pipes, unreadable or changing
    # files) are quarantined with why, without a parser; every other file goes to a worker, which
    # parses the bytes the inventory hashed (opened again, checked against the sha256).
    not_read = [(sha, rel, fmt) for sha, rel, fmt in mine if fmt in NOT_READ]
    todo = [(sha, rel, fmt) for sha, rel, fmt in mine if fmt not in NOT_READ]
    info = {sha: (rel, fmt) for sha, rel, fmt in mine}
    now = datetime.now()
    started = time.perf_counter()

    def flushed(units: int, rows: int) -> None:
        context.log.info(
            f"parse batch committed: shard {shard}, {units} files, {rows} rows "
            f"({writer.units_written}/{len(mine)} files of this shard written)"
        )

    def write(batch: Batch) -> None:
        write_part(parts, shard, batch)

    writer = BatchWriter(
        write,
        max_units=batch_files(),
        max_rows=batch_rows(),
        on_flush=flushed,
    )
    pool = ParsePool(
        workers=min(max_workers, max(len(todo), 1)),
        time_limit=TIME_LIMIT_S,
        memory_limit=MEMORY_LIMIT_BYTES,
        target=WORKER_TARGET,
    )
    n_quarantined = 0
    with writer:
        for sha, rel, fmt in not_read:
            why = not_read_reason(raw, rel, fmt)
            writer.add({"quarantined_files": [_quarantined(rel, sha, fmt, why)]})
            n_quarantined += 1
            context.log.warning(f"quarantined {rel}: {why}")
        tasks = [(sha, os_path(raw, rel)) for sha, rel, _ in todo]
        for i, (sha, report, reason) in enumerate(_parse_all(tasks, pool), start=1):
            rel, fmt = info[sha]
            if report is None:
                writer.add({"quarantined_files": [_quarantined(rel, sha, fmt, reason)]})
                n_quarantined += 1
                context.log.warning(f"quarantined {rel}: {reason}")
            else:
                head, cells, warnings = _report_rows(sha, rel, report, now)
                writer.add({"parsed_reports": [head], "parsed_cells": cells, "parse_warnings": warnings})
            if i == len(todo) or i % 50 == 0:
                rate = i / max(time.perf_counter() - started, 1e-9)
                context.log.info(
                    f"shard {shard}: parsed {i}/{len(todo)} files ({rate:.1f}/s), quarantined so far {n_quarantined}"
                )
    return {
        "shard": shard,
        "files": len(mine),
        "parts": writer.batches_written,
        "seconds": time.perf_counter() - started,
        "peak_worker_rss_kib": pool.peak_rss_kib,
        "workers_replaced": pool.restarts,
    }


def _load(
    context: dg.OpExecutionContext, warehouse: WarehouseResource, plan: dict[str, Any], shards: list[Any]
) -> Iterator[dg.Output[None]]:
    started = time.perf_counter()
    con = warehouse.connect()
    try:
        loaded = load_parts(con, finished_parts(Path(plan["parts_dir"])))
        context.log.info(f"{loaded['parts']} parse parts landed: {loaded}")
        n_reports, n_quarantined_total = con.execute(
            "SELECT (SELECT count(*) FROM landing.parsed_reports), (SELECT count(*) FROM landing.quarantined_files)"
        ).fetchone() or (0, 0)
        metadata = {
            "parsed_this_run": loaded.get("parsed_reports", 0),
            "quarantined_this_run": loaded.get("quarantined_files", 0),
            "skipped_cached": plan["cached"],
            "reports_total": n_reports,
            "quarantined_total": n_quarantined_total,
            "cells_written": loaded.get("parsed_cells", 0),
            "batches_written": loaded["parts"],
            "batch_write_seconds": round(time.perf_counter() - started, 2),
            # the shards' step times added up (they may have run side by side)
            "parse_seconds": round(sum(s["seconds"] for s in shards), 2),
            "shards": sum(1 for s in shards if not s.get("ocr_step")),
            "ocr_files_this_run": sum(s.get("ocr_files", 0) for s in shards),
            "parser_version": PARSER_VERSION,
            # The largest peak resident memory of a parse worker this run (limit: limits.WORKER_MEMORY_BYTES).
            "peak_worker_rss_mib": round(max((s["peak_worker_rss_kib"] for s in shards), default=0) / 1024, 1),
            "workers_replaced": sum(s["workers_replaced"] for s in shards),
        }
        rows = {
            t.name: con.execute(f"SELECT count(*) FROM {t.qualified}").fetchone() for t in written_by(PARSED_REPORTS)
        }
    finally:
        con.close()
    for table, (n,) in rows.items():  # type: ignore[misc]
        yield dg.Output(None, output_name=table, metadata={"dagster/row_count": n, **metadata})


def make_parsed_reports(shards: int) -> dg.AssetsDefinition:
    """Parse new or changed raw files into landing.parsed_reports / parsed_cells / parse_warnings;
    files that are not readable reports go to landing.quarantined_files with the reason. One asset
    (its four landing tables), run as steps: the plan, `shards` shards, the loader
    (pipelines/shards.py). Shards write Parquet parts a batch at a time (memory bounded by a batch);
    a run killed part-way keeps its finished parts, and the next run parses only the rest."""
    if shards < 1:
        raise ValueError(f"shards={shards}: at least one")
    outs = {
        t.name: dg.AssetOut.from_spec(spec.replace_attributes(deps=[]), dagster_type=dg.Nothing)
        for t, spec in zip(
            written_by(PARSED_REPORTS),
            landing_specs(PARSED_REPORTS, "parsed", kinds=frozenset({"python", "duckdb"})),
            strict=True,
        )
    }

    @dg.op(name="parse_plan", pool=POOL, ins={"raw": dg.In(dg.Nothing)})
    def parse_plan(context: dg.OpExecutionContext, warehouse: WarehouseResource) -> dict[str, Any]:
        """Land what a killed run finished, drop stale results, and list the files to parse, each
        with its shard (pipelines/shards.py)."""
        return _plan(context, warehouse, shards)

    def shard_op(k: int) -> dg.OpDefinition:
        @dg.op(name=f"parse_shard_{k:03d}", out={"parsed": dg.Out(), "ocr": dg.Out(is_required=False)})
        def parse_shard(context: dg.OpExecutionContext, plan: dict[str, Any]) -> Iterator[dg.Output[Any]]:
            """Parse this shard's files in supervised workers; write the results as Parquet parts
            (never the DuckDB file). The files OCR reads go out as `ocr`, to the shard's OCR step,
            only when there are some (else that step is skipped: no process started for nothing)."""
            out = _shard(context, plan, k)
            ocr = out.pop("ocr")
            yield dg.Output(out, "parsed")
            if ocr:
                yield dg.Output(ocr, "ocr")

        return parse_shard

    def ocr_op(k: int) -> dg.OpDefinition:
        @dg.op(name=f"parse_ocr_{k:03d}", pool=OCR_POOL)
        def parse_ocr(context: dg.OpExecutionContext, plan: dict[str, Any], files: list[Any]) -> dict[str, Any]:
            """Parse the files of this shard that OCR reads (scans, photos), in the pool `ocr`: at
            most as many at once as the pool's limit (the cores), whatever the shards and executor."""
            out = _parse_files(context, plan, k, [(str(a), str(b), str(c)) for a, b, c in files], OCR_WORKERS)
            out["ocr_step"] = True
            return out

        return parse_ocr

    @dg.op(
        name="load_parse_parts",
        pool=POOL,
        out={t.name: dg.Out(dg.Nothing) for t in written_by(PARSED_REPORTS)},
    )
    def load_parse_parts(
        context: dg.OpExecutionContext, warehouse: WarehouseResource, plan: dict[str, Any], shards: list[dict[str, Any]]
    ) -> Iterator[dg.Output[None]]:
        """Load every part the shards wrote into the landing tables, a part per transaction."""
        yield from _load(context, warehouse, plan, shards)

    @dg.graph_multi_asset(
        name=PARSED_REPORTS,
        outs=outs,
        ins={"raw": dg.AssetIn(key=landing_key(RAW_REPORT_FILES), dagster_type=dg.Nothing)},
    )
    def parsed_reports(raw: Any) -> Any:
        plan = parse_plan(raw)
        done = []
        for k in range(shards):
            parsed, ocr = shard_op(k)(plan)
            done += [parsed, ocr_op(k)(plan, ocr)]  # (a skipped OCR step is left out of the list)
        return load_parse_parts(plan, done)

    return parsed_reports


parsed_reports = make_parsed_reports(shard_count(IN_PROCESS))


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
