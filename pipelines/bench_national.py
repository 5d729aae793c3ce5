"""A generated province end to end on this machine, and the extrapolation to 100,000 reports
(`make bench-national`).

The province (`ogi generate --province-reports N`: many cities, every format, both templates) is
generated once and kept under --cities (its generation time is printed, never counted in the run).
Each run is the warehouse job `ogi run` executes (pipelines/runner.py: the same definitions, in
process, under the run lock) on a fresh warehouse in a scratch folder outside the repo's data/,
in a child process. Its steps' start and end come from Dagster's event log; the resident memory
and CPU time of the child and every process under it (parse workers, dbt) are sampled every
SAMPLE_S seconds (/proc), so each stage has its wall clock, its CPU seconds and its peak memory.

Extrapolation to TARGET reports: landing, parsing and publishing linearly; dbt with the growth
measured between a run on about a quarter of the province (its first cities, hard-linked into a
folder of their own) and the run on the whole province: t = t_big * (TARGET / n_big) ** b, with
b = log(t_big / t_small) / log(n_big / n_small).

The machine may be shared: wall-clock times then measure the load as much as the pipeline (the
load average at the start and end of each run is printed beside them); the CPU seconds do not,
and give the second extrapolation: parsing's CPU over CORES workers, the other stages' over one.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGET = 100_000
GOAL_SECONDS = 3600
CORES = 2  # the goal's machine; parsing runs that many workers (pipelines/assets/parsed.py)
SAMPLE_S = 0.5
YEARS = "2019-2024"
STAGES = ("landing", "parsing", "dbt", "publish")
PARSE_FIGURES = ("parsed_this_run", "quarantined_this_run", "cells_written", "batches_written", "peak_worker_rss_mib")

# Run in the child: the warehouse job under the run lock, as `ogi run` runs it; then every step's
# start and end (epoch seconds, from the event log) and the parse figures, as JSON.
_CHILD = """
import json, sys
from pathlib import Path
from dagster import DagsterEventType, DagsterInstance
from pipelines.definitions import JOB_NAME, build_defs
from pipelines.publish import run_lock
raw, wh = Path(sys.argv[1]), Path(sys.argv[2])
steps = {}
with run_lock(wh, 0), DagsterInstance.ephemeral() as instance:
    job = build_defs(raw, wh, take_lock=False).resolve_job_def(JOB_NAME)
    result = job.execute_in_process(instance=instance, raise_on_error=False,
                                    run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}})
    for entry in instance.all_logs(result.run_id):
        ev = entry.dagster_event
        if ev is None or not ev.step_key:
            continue
        if ev.event_type == DagsterEventType.STEP_START:
            steps.setdefault(ev.step_key, [entry.timestamp, None])
        elif ev.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps.setdefault(ev.step_key, [entry.timestamp, None])[1] = entry.timestamp
    parse = {k: v.value for m in result.asset_materializations_for_node("parsed_reports")
             for k, v in m.metadata.items()}
print(json.dumps({"ok": result.success, "steps": steps, "parse": parse}, default=str))
"""


def stage_of(step_key: str) -> str:
    """The bench's stage of a step of the warehouse job."""
    if step_key.startswith("parsed_reports"):
        return "parsing"
    if "dbt" in step_key:
        return "dbt"
    if step_key.startswith(("published", "dashboard")):
        return "publish"
    return "landing"  # metadata, template reference, raw files, corrections


# ---------------------------------------------------------------- memory of a process tree


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])  # after "(comm)": state, ppid
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _rss_kib_and_cpu_ticks(pid: int) -> tuple[int, int]:
    """Resident KiB of `pid`; its CPU ticks, with those of its children it has waited for."""
    rss = ticks = 0
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        fields = stat[stat.rindex(b")") + 2 :].split()
        ticks = sum(int(x) for x in fields[11:15])  # utime, stime, cutime, cstime
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmRSS:"):
                    rss = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return rss, ticks


def tree_usage(root: int) -> tuple[float, float]:
    """(resident MiB, CPU seconds so far) of `root` and every process under it."""
    kids, todo, rss, ticks = _children(), [root], 0, 0
    while todo:
        pid = todo.pop()
        r, t = _rss_kib_and_cpu_ticks(pid)
        rss, ticks = rss + r, ticks + t
        todo.extend(kids.get(pid, ()))
    return rss / 1024, ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Run:
    reports: int
    seconds: float
    stages: dict[str, float]
    cpu: dict[str, float]  # CPU seconds of the process tree, per stage
    peaks: dict[str, float]  # MiB, per stage and "all"
    steps: dict[str, float]
    parse: dict[str, object]
    load: tuple[float, float]
    samples: list[tuple[float, float, float]] = field(default_factory=list)


def run_job(raw: Path, reports: int) -> Run:
    """The warehouse job on `raw` into a fresh warehouse, in a child process sampled for memory."""
    with tempfile.TemporaryDirectory(prefix="ogi-bench-national-") as tmp:
        load0 = os.getloadavg()[0]
        started = time.time()
        proc = subprocess.Popen(
            [sys.executable, "-c", _CHILD, str(raw), str(Path(tmp) / "warehouse.duckdb")],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "DAGSTER_HOME": ""},
        )
        samples: list[tuple[float, float, float]] = []  # (time, MiB, CPU seconds)
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append((time.time(), *tree_usage(proc.pid)))
                stop.wait(SAMPLE_S)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out, err = proc.communicate()
        stop.set()
        sampler.join()
        seconds = time.time() - started
    lines = out.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"the run failed on {raw}:\n{out[-2000:]}\n{err[-3000:]}")
    result = json.loads(lines[-1])
    if not result["ok"]:
        raise RuntimeError(f"the run failed on {raw}:\n{err[-3000:]}")
    stages = dict.fromkeys(STAGES, 0.0)
    cpu = dict.fromkeys(STAGES, 0.0)
    peaks = dict.fromkeys((*STAGES, "all"), 0.0)
    steps: dict[str, float] = {}
    for key, (start, end) in result["steps"].items():
        end = end or start
        steps[key] = end - start
        stage = stage_of(key)
        stages[stage] += end - start
        during = [(rss, used) for t, rss, used in samples if start <= t <= end]
        if during:
            peaks[stage] = max(peaks[stage], *(rss for rss, _ in during))
            cpu[stage] += during[-1][1] - during[0][1]
    peaks["all"] = max((rss for _, rss, _ in samples), default=0.0)
    return Run(reports, seconds, stages, cpu, peaks, steps, result["parse"], (load0, os.getloadavg()[0]), samples)


# ---------------------------------------------------------------- the province


def count_reports(raw: Path) -> int:
    """Report files of generated cities under `raw` (one truth per report)."""
    return sum(1 for city in raw.iterdir() if (city / "truth").is_dir() for _ in (city / "truth").iterdir())


def province(cities: Path, reports: int, seed: int) -> tuple[Path, float | None]:
    """The raw folder of a generated province of about `reports` reports (generated when missing,
    resumed city by city when interrupted) and the seconds its generation took (the last call that
    completed it: a resumed generation counts only its own part)."""
    raw = cities / f"province{reports}-seed{seed}" / "raw"
    marker = raw.parent / "complete.json"
    if marker.exists():
        return raw, json.loads(marker.read_text()).get("generation_seconds")
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "generate",
            "--province-reports",
            str(reports),
            "--years",
            YEARS,
            "--seed",
            str(seed),
            "--out",
            str(raw),
        ],
        check=True,
    )
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"reports": count_reports(raw), "generation_seconds": round(seconds)}))
    return raw, seconds


def first_cities(raw: Path, share: float) -> Path:
    """A folder beside `raw` with its first cities (hard links, no copy) holding about `share` of
    its reports: the smaller run that measures how dbt grows."""
    target = count_reports(raw) * share
    small = raw.parent / f"first-{share:.2f}" / "raw"
    if small.exists():
        return small
    tmp = small.parent / "raw.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    n = 0
    for city in sorted(p for p in raw.iterdir() if p.is_dir()):
        if n >= target:
            break
        subprocess.run(["cp", "-al", str(city), str(tmp / city.name)], check=True)
        n += sum(1 for _ in (city / "truth").iterdir())
    os.replace(tmp, small)
    return small


# ---------------------------------------------------------------- the report


def extrapolate(big: Run, small: Run | None) -> tuple[dict[str, float], float | None]:
    """Seconds per stage at TARGET reports, and the dbt growth exponent (None: assumed linear)."""
    scale = TARGET / big.reports
    out = {stage: big.stages[stage] * scale for stage in STAGES}
    exponent = None
    if small is not None and small.reports < big.reports and small.stages["dbt"] > 0:
        exponent = math.log(big.stages["dbt"] / small.stages["dbt"]) / math.log(big.reports / small.reports)
        out["dbt"] = big.stages["dbt"] * scale**exponent
    return out, exponent


def report(runs: list[Run], generation: str) -> str:
    big, small = runs[-1], (runs[0] if len(runs) > 1 else None)
    width = 14
    lines = [f"generation (not counted in the run): {generation}", ""]
    lines.append(f"{'':<30}" + "".join(f"{f'{r.reports:,} reports':>{width}}" for r in runs))
    for stage in STAGES:
        lines.append(f"{stage + ' (s)':<30}" + "".join(f"{r.stages[stage]:>{width}.0f}" for r in runs))
    lines.append(f"{'run, wall clock (s)':<30}" + "".join(f"{r.seconds:>{width}.0f}" for r in runs))
    for stage in STAGES:
        lines.append(f"{stage + ', CPU (s)':<30}" + "".join(f"{r.cpu[stage]:>{width}.0f}" for r in runs))
    lines.append(
        f"{'reports per second':<30}" + "".join(f"{r.reports / max(r.seconds, 1e-9):>{width}.1f}" for r in runs)
    )
    for stage in (*STAGES, "all"):
        name = f"peak RSS, {stage} (MiB)" if stage != "all" else "peak RSS, whole run (MiB)"
        lines.append(f"{name:<30}" + "".join(f"{r.peaks[stage]:>{width}.0f}" for r in runs))
    loads = [f"{r.load[0]:.1f}-{r.load[1]:.1f}" for r in runs]
    lines.append(f"{'load average, start-end':<30}" + "".join(f"{load:>{width}}" for load in loads))
    lines.append("")
    lines.append("steps of the largest run (s): " + ", ".join(f"{k} {v:.0f}" for k, v in sorted(big.steps.items())))
    lines.append("parsing of the largest run: " + ", ".join(f"{k} {big.parse.get(k)}" for k in PARSE_FIGURES))
    est, exponent = extrapolate(big, small)
    growth = f"measured growth n^{exponent:.2f}" if exponent is not None else "assumed linear (no smaller run)"
    # On a machine of its own: the CPU a stage used, spread over the cores it can use (parsing:
    # its workers; the rest mostly one process). Under load, the wall clock measures the load.
    idle = {stage: big.cpu[stage] / (CORES if stage == "parsing" else 1) for stage in STAGES}
    scaled = {stage: idle[stage] * est[stage] / big.stages[stage] if big.stages[stage] else 0.0 for stage in STAGES}
    lines.append("")
    lines.append(f"extrapolated to {TARGET:,} reports (landing, parsing, publish linear; dbt {growth}):")
    lines.append(f"  {'':<10} {'wall clock as measured':>24} {f'from CPU, {CORES} idle cores':>26}")
    lines += [f"  {stage:<10} {est[stage]:>22.0f} s {scaled[stage]:>24.0f} s" for stage in STAGES]
    for name, figures in (("wall clock as measured", est), (f"from CPU on {CORES} idle cores", scaled)):
        total = sum(figures.values())
        verdict = "OK" if total <= GOAL_SECONDS else "NOT MET"
        lines.append(f"  total, {name}: {total:.0f} s (goal: under {GOAL_SECONDS} s on {CORES} cores) {verdict}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    root = Path(__file__).resolve().parent.parent
    ap.add_argument("--reports", type=int, default=20_000, help="size of the generated province, in reports")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--small", type=float, default=0.25, help="share of the province in the smaller run (dbt growth); 0: none"
    )
    ap.add_argument(
        "--cities", type=Path, default=root / "build" / "bench-cities", help="where generated provinces are kept"
    )
    args = ap.parse_args()
    raw, seconds = province(args.cities, args.reports, args.seed)
    n = count_reports(raw)
    generation = f"{n:,} report files in {raw}, " + (f"{seconds:.0f} s" if seconds is not None else "time unknown")
    runs = []
    if args.small > 0:
        small = first_cities(raw, args.small)
        runs.append(run_job(small, count_reports(small)))
    runs.append(run_job(raw, n))
    print(report(runs, generation))


if __name__ == "__main__":
    main()
