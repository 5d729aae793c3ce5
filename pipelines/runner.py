"""Run the warehouse job in process and summarise the warehouse (what `ogi run` prints)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetCheckEvaluation, AssetCheckSeverity, DagsterEventType, DagsterInstance

from .definitions import JOB_NAME, build_defs, reconstructable_job
from .monitoring import compliance_counts, generated_cities, metadata_problem_lines, needs_review_count, score_cities
from .project import DBT_PROJECT_DIR
from .publish import DEFAULT_WAIT, RunBusy, run_lock, work_path
from .safe_text import printable
from .shards import CELERY, IN_PROCESS, executor_name
from .warehouse import READ_QUALITY_LABELS, REPO_ROOT, default_corrections_dir, default_warehouse

MARTS = "marts"
FINDINGS_SHOWN = 20
CORRECTIONS_SHOWN = 20
# Dagster logs INFO and above to the console (DEBUG engine events are only in the run storage).
_QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def run_warehouse(
    raw_dir: Path,
    warehouse: Path,
    dbt_project_dir: Path = DBT_PROJECT_DIR,
    corrections_dir: Path | None = None,
    wait: float = DEFAULT_WAIT,
    executor: str | None = None,
) -> dict[str, Any]:
    """Materialize everything once under the run lock (a second run waits up to `wait` seconds, then
    raises RunBusy); returns success, failures and the parse work of this run. `executor`: in_process
    (default), multiprocess or celery (pipelines/shards.py; default OGI_EXECUTOR)."""
    with run_lock(warehouse, wait):
        if executor_name(executor) != IN_PROCESS:
            return _run_on_executor(raw_dir, warehouse, dbt_project_dir, corrections_dir, executor_name(executor))
        return _run(raw_dir, warehouse, dbt_project_dir, corrections_dir)


def _dagster_home(warehouse: Path, executor: str) -> Path:
    """The Dagster instance a multiprocess or Celery run records to: DAGSTER_HOME (which Celery
    workers must share), else for multiprocess a folder beside the work copy, with the project's
    dagster.yaml (its pool keeps DuckDB's writers one at a time)."""
    if os.environ.get("DAGSTER_HOME"):
        return Path(os.environ["DAGSTER_HOME"])
    if executor == CELERY:
        raise ValueError("the celery executor needs DAGSTER_HOME: a folder the run and every worker share")
    home = work_path(warehouse).parent / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    config = (REPO_ROOT / "dagster.yaml").read_text(encoding="utf-8")
    if not (home / "dagster.yaml").exists() or (home / "dagster.yaml").read_text(encoding="utf-8") != config:
        (home / "dagster.yaml").write_text(config, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)  # what dagster.yaml names, here and in the step processes
    return home


def _run_on_executor(
    raw_dir: Path, warehouse: Path, dbt_project_dir: Path, corrections_dir: Path | None, executor: str
) -> dict[str, Any]:
    import dagster as dg

    from .resources import set_ocr_pool_limit

    job = reconstructable_job(raw_dir, warehouse, dbt_project_dir, corrections_dir, take_lock=False, executor=executor)
    with DagsterInstance.from_config(str(_dagster_home(warehouse, executor))) as instance:
        set_ocr_pool_limit(instance)  # the OCR pool's limit: the cores (pipelines/resources.py)
        with dg.execute_job(job, instance=instance, raise_on_error=False, run_config=_QUIET) as result:
            return _outcome(result)


def _run(raw_dir: Path, warehouse: Path, dbt_project_dir: Path, corrections_dir: Path | None) -> dict[str, Any]:
    defs = build_defs(raw_dir, warehouse, dbt_project_dir, corrections_dir=corrections_dir, take_lock=False)
    job = defs.resolve_job_def(JOB_NAME)
    instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else DagsterInstance.ephemeral()
    with instance:
        from .resources import set_ocr_pool_limit

        set_ocr_pool_limit(instance)  # the OCR pool's limit: the cores (pipelines/resources.py)
        return _outcome(job.execute_in_process(instance=instance, raise_on_error=False, run_config=_QUIET))


def _outcome(result: Any) -> dict[str, Any]:
    """Success, failures, warnings and the parse work of a finished run (in process or not)."""
    out: dict[str, Any] = {"success": result.success, "run_id": result.run_id, "failures": [], "warnings": []}
    for event in result.all_events:
        if event.event_type == DagsterEventType.STEP_FAILURE:
            err = event.step_failure_data.error
            cause = (err.cause or err) if err else None  # the user code's exception, not Dagster's wrapper
            message = " ".join(cause.message.split())[:400] if cause else ""
            out["failures"].append(f"step {event.step_key} failed: {message}")
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            ev = event.event_specific_data
            assert isinstance(ev, AssetCheckEvaluation)  # what Dagster attaches to this event type
            if not ev.passed:
                # WARN checks report findings about published numbers; ERROR checks are integrity.
                kind = "failures" if ev.severity == AssetCheckSeverity.ERROR else "warnings"
                out[kind].append(f"check {ev.asset_check_key.to_user_string()} did not pass ({ev.severity.value})")
    for mat in result.asset_materializations_for_node("parsed_reports"):
        out.update({k: v.value for k, v in mat.metadata.items()})
    return out


def _num(value: float | None) -> str:
    return "blank" if value is None else f"{value:g}"


def _q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[Any, ...]]:
    return con.execute(sql).fetchall()


def summary(warehouse: Path, run: dict[str, Any] | None = None, raw_dir: Path | None = None) -> str:
    """A plain-text report of the warehouse (opened read-only); with raw_dir, the findings of every
    generated city (a folder with defects.csv) scored against its defects.csv."""
    lines: list[str] = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ((n_files,),) = _q(con, "SELECT count(*) FROM landing.raw_report_files")
        ((n_reports,),) = _q(con, "SELECT count(*) FROM landing.parsed_reports")
        quarantined = _q(con, "SELECT file_path, reason FROM landing.quarantined_files ORDER BY file_path")
        lines.append(f"files found: {n_files}")
        lines.append(f"reports parsed: {n_reports}")
        lines.append(f"files quarantined: {len(quarantined)}")
        lines += [f"  - {printable(path)}: {printable(reason)}" for path, reason in quarantined]
        lines += metadata_problem_lines(con)
        if run is not None and "parsed_this_run" in run:
            lines.append(
                f"parse work this run: {run['parsed_this_run']} parsed, {run['quarantined_this_run']} "
                f"quarantined, {run['skipped_cached']} cached"
            )
        tables = [
            t
            for (t,) in _q(
                con,
                f"""SELECT table_name FROM information_schema.tables
                                            WHERE table_schema = '{MARTS}' ORDER BY table_name""",
            )
        ]
        lines.append(f"{MARTS} tables (rows):")
        for t in tables:
            ((n,),) = _q(con, f'SELECT count(*) FROM {MARTS}."{t.replace(chr(34), chr(34) * 2)}"')
            lines.append(f"  {t:<28} {n:>8}")
        if "report_findings" in tables:
            lines.append("findings by rule:")
            for rule_id, name, n, reports in _q(
                con,
                f"""
                    SELECT rule_id, any_value(rule_name), count(*), count(DISTINCT report_id)
                    FROM {MARTS}.report_findings GROUP BY rule_id ORDER BY rule_id""",
            ):
                lines.append(f"  {rule_id} {name}: {n} findings in {reports} reports")
            findings = _q(
                con,
                f"""
                SELECT agency_name, report_year, check_id, column_key, expected, actual, detail
                FROM {MARTS}.report_findings ORDER BY agency_name, report_year, check_id, column_key""",
            )
            if not findings:
                lines.append("  none")
            for agency, year, check, column, expected, actual, detail in findings[:FINDINGS_SHOWN]:
                where = f"{check}/{column}" if column else check
                what = (
                    detail
                    if detail and expected is None and actual is None
                    else f"expected {_num(expected)}, printed {_num(actual)}"
                )
                lines.append(f"    {agency} {year} {where}: {what}")
            if len(findings) > FINDINGS_SHOWN:
                lines.append(f"    … {len(findings) - FINDINGS_SHOWN} more in {MARTS}.report_findings")
        if "rule_evaluations" in tables:
            lines.append("checks not assessable (a cell unread, blank or not printed):")
            rows = _q(
                con,
                f"""SELECT rule_id, count(*) FROM {MARTS}.rule_evaluations
                               WHERE status = 'not_assessable' GROUP BY rule_id ORDER BY rule_id""",
            )
            lines += [f"  {rule_id}: {n}" for rule_id, n in rows] or ["  none"]
        if "report_versions" in tables:
            lines.append("read quality of the current reports (after corrections):")
            rows = _q(
                con,
                f"""SELECT read_quality, count(*), sum(n_cells_unread), sum(n_cells_corrected)
                               FROM {MARTS}.report_versions WHERE is_current GROUP BY 1 ORDER BY 1""",
            )
            lines += [
                f"  {quality} {READ_QUALITY_LABELS.get(quality, '')}: {n} reports, {unread} cells unread, "
                f"{corrected} corrected"
                for quality, n, unread, corrected in rows
            ] or ["  none"]
        lines += _corrections_summary(con, "cell_corrections" in tables)
        if "agency_year_compliance" in tables:
            lines.append("compliance (agency-years by status):")
            lines += [f"  {status} {label}: {n}" for status, label, n in compliance_counts(con)] or ["  none"]
            lines.append(f"needs review (待人工核对, reports partly read): {needs_review_count(con)} agency-years")
        if raw_dir is not None and "report_findings" in tables:
            for city, (folder, _, ids) in zip(score_cities(con, raw_dir), generated_cities(raw_dir), strict=False):
                lines.append(
                    f"generated city {folder or '.'}/ against its defects.csv: precision {city.precision:.3f}, "
                    f"recall {city.recall:.3f} ({city.true_positives} of {len(city.expected)} defects found, "
                    f"{len(city.found)} findings)"
                )
                for status, label, n in compliance_counts(con, ids):
                    lines.append(f"  {status} {label}: {n}")
    finally:
        con.close()
    return "\n".join(lines)


def _corrections_summary(con: duckdb.DuckDBPyConnection, have_mart: bool) -> list[str]:
    """Corrections by status, then every stale and rejected row (file:line and why)."""
    if have_mart:
        counts = dict(_q(con, f"SELECT correction_status, count(*) FROM {MARTS}.cell_corrections GROUP BY 1"))
        problems = _q(
            con,
            f"""SELECT correction_status, source_file, line_no, status_detail
                               FROM {MARTS}.cell_corrections WHERE correction_status IN ('stale', 'rejected')
                               ORDER BY correction_status, source_file, line_no""",
        )
    else:  # dbt did not build: what the landing says
        problems = _q(
            con,
            """SELECT 'rejected', source_file, line_no, reason FROM landing.rejected_corrections
                              ORDER BY source_file, line_no""",
        )
        counts = {"landed": _q(con, "SELECT count(*) FROM landing.corrections")[0][0], "rejected": len(problems)}
    if not counts:
        return ["corrections: none"]
    lines = ["corrections: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))]
    for status, source, line, detail in problems[:CORRECTIONS_SHOWN]:
        lines.append(f"  {status} {source}:{line}: {detail}")
    if len(problems) > CORRECTIONS_SHOWN:
        lines.append(f"  … {len(problems) - CORRECTIONS_SHOWN} more in {MARTS}.cell_corrections")
    return lines


def _resolve(path: Path) -> Path:
    """Relative paths: from the current directory when they exist there, else from the repo root."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path.resolve()
    return REPO_ROOT / path


def main_run(
    raw_dir: Path,
    warehouse: Path | None = None,
    dbt_project_dir: Path = DBT_PROJECT_DIR,
    corrections_dir: Path | None = None,
    wait: float = DEFAULT_WAIT,
    executor: str | None = None,
) -> int:
    """`ogi run`: 0 when the run succeeds (findings are data), 1 when it fails (integrity), 3 when
    another run held the warehouse for longer than `wait` seconds."""
    raw = _resolve(raw_dir)
    db = _resolve(warehouse) if warehouse is not None else default_warehouse()
    corrections = _resolve(corrections_dir) if corrections_dir is not None else default_corrections_dir(raw)
    print(f"corrections folder: {corrections}")
    try:
        result = run_warehouse(raw, db, dbt_project_dir, corrections, wait, executor)
    except RunBusy as exc:
        print(str(exc))
        return 3
    try:
        print(summary(db, result, raw))
    except duckdb.Error as exc:  # the run failed before landing was written
        print(f"no summary: {exc}")
    for warning in result["warnings"]:
        print(f"warning: {warning}")
    for failure in result["failures"]:
        print(f"FAILED: {failure}")
    index = db.parent / "dashboard" / "index.html"
    if result["success"] and index.exists():
        print(f"dashboard: {index} (open it in a browser; no network needed)")
    print(f"run {result['run_id']}: {'succeeded' if result['success'] else 'FAILED'}")
    return 0 if result["success"] else 1
