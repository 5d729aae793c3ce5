"""Peak memory of the parsing step for two province sizes, side by side (`make bench-memory`).

Parse results are committed a batch at a time (pipelines/batches.py), so the parsing step's peak
resident memory should not grow with the data: the goal is the larger within 20% of the smaller.
For each size, a fresh process lands the raw files and runs the parsing asset on an empty warehouse
(every file parsed), then reports its own peak RSS (ru_maxrss: the Dagster process that holds the
batches; the parse workers are separate processes with their own limit, reported beside it).

The raw folders are generated provinces (pipelines/synth/province.py: cities side by side), kept
under --cities and shared with `make bench-national` (generated once: ~75 ms of CPU a report to
plan, self-check and render, measured: ~25 CPU-minutes for 20,000 reports).

Where the peak comes from (measured 2026-12-06, RSS sampled at each committed batch): on 1,494
files the parsing process's RSS between batches stays at 207-209 MiB from the first batch to the
last (nothing per file is retained); the peak is the transient of one batch (+80 MiB: 40,000
named rows, their polars frame and Parquet file, DuckDB's insert and checkpoint). Rows and frame
alone peak flat from the first batch; the DuckDB write (a connection per batch, insert from
Parquet, commit, close) raises the peak in steps over the first ~10 batches (197 -> 249 MiB in a
replay of 40,000-row batches; steps at batches 1, 2, 4, 7, 10; unchanged with memory_limit 64MB,
threads 1, or malloc_trim after each batch), then stays flat to batch 47 (9,400 files): a run of
~2,000 files stops before that plateau, a larger one after it, hence most of the +21%.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from .batches import batch_files, batch_rows
from .bench_national import province

GOAL = 0.20

# Run in the child: land + parse only (no dbt, no dashboard), then print the figures as JSON.
_CHILD = """
import json, resource, sys, time
import dagster as dg
from pipelines.assets.landing import raw_report_files
from pipelines.assets.parsed import parsed_reports
from pipelines.resources import WarehouseResource
raw, wh = sys.argv[1:3]
started = time.perf_counter()
result = dg.materialize([raw_report_files, parsed_reports], instance=dg.DagsterInstance.ephemeral(),
                        resources={"warehouse": WarehouseResource(raw_dir=raw, path=wh)},
                        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
meta = {k: v.value for m in result.asset_materializations_for_node("parsed_reports") for k, v in m.metadata.items()}
print(json.dumps({"ok": result.success, "seconds": time.perf_counter() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "parsed": meta.get("parsed_this_run"), "quarantined": meta.get("quarantined_this_run"),
                  "cells": meta.get("cells_written"), "batches": meta.get("batches_written"),
                  "write_seconds": meta.get("batch_write_seconds"),
                  "worker_peak_rss_mib": meta.get("peak_worker_rss_mib")}))
"""


def parse_step(raw: Path) -> dict[str, float]:
    """Land and parse `raw` into an empty warehouse in a fresh process; its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", _CHILD, str(raw), str(Path(tmp) / "warehouse.duckdb")],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "DAGSTER_HOME": ""},
        )
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the parsing step failed on {raw}:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    figures: dict[str, float] = json.loads(lines[-1])
    if not figures["ok"]:
        raise RuntimeError(f"the parsing step failed on {raw}:\n{proc.stderr[-3000:]}")
    return figures


def compare(raws: list[Path]) -> str:
    """The parsing step's figures for each raw folder, side by side, and the peak RSS ratio."""
    runs = [parse_step(raw) for raw in raws]
    width = 16
    head = f"{'':<34}" + "".join(f"{raw.parent.name:>{width}}" for raw in raws)
    rows: list[tuple[str, Callable[[dict[str, float]], str]]] = [
        ("files parsed + quarantined", lambda f: f"{f['parsed'] + f['quarantined']:,}"),
        ("cells written", lambda f: f"{f['cells']:,}"),
        ("batches committed", lambda f: f"{f['batches']}"),
        ("seconds (land + parse)", lambda f: f"{f['seconds']:.0f}"),
        ("of which committing batches (s)", lambda f: f"{f['write_seconds']:.1f}"),
        ("peak RSS, parsing process (MiB)", lambda f: f"{f['peak_rss_mib']:.0f}"),
        ("peak RSS, largest worker (MiB)", lambda f: f"{f['worker_peak_rss_mib']:.0f}"),
    ]
    lines = [f"parsing step, batches of {batch_files()} files or {batch_rows():,} rows (pipelines/batches.py):", head]
    lines += [f"{name:<34}" + "".join(f"{show(f):>{width}}" for f in runs) for name, show in rows]
    peaks = [f["peak_rss_mib"] for f in runs]
    growth = max(peaks) / min(peaks) - 1
    lines.append(
        f"peak RSS of the parsing process: largest {growth:+.0%} over smallest "
        f"(goal: within {GOAL:.0%}) {'OK' if growth <= GOAL else 'NOT MET'}"
    )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = Path(__file__).resolve().parent.parent
    ap.add_argument(
        "--reports", type=int, nargs="+", default=[2000, 20000], help="sizes of the generated provinces, in reports"
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--cities",
        type=Path,
        default=root / "build" / "bench-cities",
        help="where generated cities are kept between runs",
    )
    ap.add_argument("--raw", type=Path, nargs="+", help="measure these raw folders instead of generated cities")
    args = ap.parse_args()
    started = time.perf_counter()
    raws = args.raw or [province(args.cities, n, args.seed)[0] for n in args.reports]
    print(compare(raws))
    print(f"({time.perf_counter() - started:.0f} s in all)")


if __name__ == "__main__":
    main()
