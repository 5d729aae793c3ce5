"""End to end: the Dagster job over copies of the real reports, dbt included.

Each scenario is one materialization (dbt makes them slow); the fixtures chain them on one
warehouse and record what each run left behind right after it ran.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest
from dagster import AssetCheckSeverity, ExecuteInProcessResult

from pipelines.assets.landing import asset_keys
from pipelines.definitions import JOB_NAME, build_defs
from pipelines.publish import work_path
from tests.conftest import query as _query

JUNK_TEXT = "今天天气很好，我们去公园散步，然后吃了午饭。\nNothing in this file is an annual report.\n"
JUNK_PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage, truncated\n"


@dataclass
class Run:
    result: ExecuteInProcessResult
    parse_metadata: dict[str, Any]
    parsed: list[str]
    quarantined: dict[str, str]
    findings: set[tuple[Any, ...]]


def _run(raw: Path, warehouse: Path, assets: list[str] | None = None) -> Run:
    job = build_defs(raw, warehouse).resolve_job_def(JOB_NAME)
    selection = [k for a in assets for k in asset_keys(a)] if assets else None
    result = job.execute_in_process(raise_on_error=False, asset_selection=selection)
    mats = result.asset_materializations_for_node("parsed_reports")
    metadata = {k: v.value for k, v in mats[0].metadata.items()} if mats else {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        parsed = [r[0] for r in con.execute("SELECT file_path FROM landing.parsed_reports ORDER BY 1").fetchall()]
        quarantined = dict(con.execute("SELECT file_path, reason FROM landing.quarantined_files").fetchall())
        findings = set(
            con.execute("""
            SELECT p.file_path, f.rule_id, f.table_key, f.row_key, f.column_key, f.expected, f.actual
            FROM marts.report_findings f JOIN landing.parsed_reports p USING (report_id)""").fetchall()
        )
    finally:
        con.close()
    return Run(result, metadata, parsed, quarantined, findings)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"


@pytest.fixture(scope="module")
def clean_run(raw_copy: Path, warehouse: Path) -> Run:
    return _run(raw_copy, warehouse)


@pytest.fixture(scope="module")
def junk_run(clean_run: Run, raw_copy: Path, warehouse: Path) -> Run:
    (raw_copy / "notes.txt").write_text(JUNK_TEXT, encoding="utf-8")
    (raw_copy / "sub").mkdir()
    (raw_copy / "sub" / "broken.pdf").write_bytes(JUNK_PDF)
    (raw_copy / ".hidden.pdf").write_bytes(JUNK_PDF)  # hidden files are not raw reports
    return _run(raw_copy, warehouse)


@pytest.fixture(scope="module")
def cached_run(junk_run: Run, raw_copy: Path, warehouse: Path) -> Run:
    # Landing and parsing only: dbt has nothing new to show here and is the slow part.
    return _run(raw_copy, warehouse, ["raw_report_files", "parsed_reports"])


def test_clean_run_parses_the_four_reports(clean_run: Run) -> None:
    assert clean_run.result.success
    assert clean_run.parsed == ["hzq2023.pdf", "hzq2024.pdf", "szfgs2024.pdf", "xianfeng2021.txt"]
    assert clean_run.quarantined == {}
    assert clean_run.parse_metadata["parsed_this_run"] == 4
    assert clean_run.parse_metadata["skipped_cached"] == 0


def test_clean_run_passes_its_integrity_checks(clean_run: Run) -> None:
    evaluations = {e.asset_check_key.to_user_string(): e for e in clean_run.result.get_asset_check_evaluations()}
    assert evaluations["landing/parsed_reports:every_file_accounted_for"].passed
    assert len(evaluations) > 1, "dbt tests report as asset checks"
    # Findings about published numbers may be WARN checks; integrity checks are ERROR and must pass.
    errors = [k for k, e in evaluations.items() if not e.passed and e.severity == AssetCheckSeverity.ERROR]
    assert errors == []


def test_findings_are_the_two_hand_read_r04_failures(clean_run: Run) -> None:
    # hzq2023's section 四 prints review 10,1,0,0 total 0 and after-review litigation 5,0,0,0 total 0.
    assert clean_run.findings == {
        ("hzq2023.pdf", "R04", "review_litigation", "review", "total", 11, 0),
        ("hzq2023.pdf", "R04", "review_litigation", "litigation_after_review", "total", 5, 0),
    }


def test_junk_files_are_quarantined_and_the_run_succeeds(clean_run: Run, junk_run: Run) -> None:
    assert junk_run.result.success
    assert set(junk_run.quarantined) == {"notes.txt", "sub/broken.pdf"}
    for path, reason in junk_run.quarantined.items():
        assert Path(path).name in reason
        assert len(reason) > len(path) + 2, "the reason says what is wrong, not only which file"
    assert len(junk_run.parsed) == 4
    assert junk_run.parse_metadata["parsed_this_run"] == 0
    assert junk_run.parse_metadata["quarantined_this_run"] == 2
    assert junk_run.parse_metadata["skipped_cached"] == 4
    assert junk_run.findings == clean_run.findings


def test_second_materialization_parses_nothing(cached_run: Run) -> None:
    assert cached_run.result.success
    assert cached_run.parse_metadata["parsed_this_run"] == 0
    assert cached_run.parse_metadata["quarantined_this_run"] == 0
    assert cached_run.parse_metadata["skipped_cached"] == 6
    assert len(cached_run.parsed) == 4 and len(cached_run.quarantined) == 2


TINY_DBT = {
    "dbt_project.yml": "name: tiny\nversion: '0.1.0'\nconfig-version: 2\nprofile: tiny\n",
    "profiles.yml": "tiny:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
    "      path: \"{{ env_var('OGI_WAREHOUSE') }}\"\n",
    "models/sources.yml": "version: 2\nsources:\n  - name: landing\n    tables:\n      - name: parsed_reports\n",
    "models/reports.sql": "select report_id from {{ source('landing', 'parsed_reports') }}\n",
    # An integrity test that cannot pass: every report_id is a sha256.
    "models/reports.yml": "version: 2\nmodels:\n  - name: reports\n    columns:\n      - name: report_id\n"
    "        data_tests:\n          - accepted_values:\n              arguments:\n"
    "                values: ['not-a-sha256']\n",
}


def test_integrity_failure_fails_the_run(tmp_path: Path) -> None:
    """A failing ERROR test in dbt fails the Dagster run, and `ogi run` (main_run) exits non-zero."""
    from pipelines.runner import main_run
    from tests.conftest import copy_raw

    project = tmp_path / "dbt"
    for rel, text in TINY_DBT.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text, encoding="utf-8")
    raw = copy_raw(tmp_path / "raw")
    (raw / "hzq2024.pdf").unlink()  # keep parsing short: the point is the dbt step
    (raw / "szfgs2024.pdf").unlink()
    assert main_run(raw, tmp_path / "w.duckdb", project) == 1


def test_moved_and_deleted_files_without_dbt(tmp_path: Path) -> None:
    """Parsing is cached across a move; a deleted file's rows disappear. Landing and parsing only."""
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "a.txt").write_bytes((Path(__file__).parent.parent / "data" / "raw" / "xianfeng2021.txt").read_bytes())
    wh = tmp_path / "w.duckdb"  # published only by a whole run: these landing-only runs are read in the work copy
    assets = ["raw_report_files", "parsed_reports"]
    first = _run_landing(raw, wh, assets)
    assert first == (["a.txt"], 1, 0)
    (raw / "2021").mkdir()
    (raw / "a.txt").rename(raw / "2021" / "a.txt")
    assert _run_landing(raw, wh, assets) == (["2021/a.txt"], 0, 1)
    (raw / "2021" / "a.txt").unlink()
    assert _run_landing(raw, wh, assets) == ([], 0, 0)
    con = duckdb.connect(str(work_path(wh)), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM landing.parsed_cells").fetchone() == (0,)
    finally:
        con.close()


def _run_landing(raw: Path, wh: Path, assets: list[str]) -> tuple[list[str], int, int]:
    job = build_defs(raw, wh).resolve_job_def(JOB_NAME)
    result = job.execute_in_process(asset_selection=[k for a in assets for k in asset_keys(a)])
    meta = result.asset_materializations_for_node("parsed_reports")[0].metadata
    con = duckdb.connect(str(work_path(wh)), read_only=True)
    try:
        paths = [r[0] for r in con.execute("SELECT file_path FROM landing.parsed_reports ORDER BY 1").fetchall()]
    finally:
        con.close()
    return paths, meta["parsed_this_run"].value, meta["skipped_cached"].value


TRUTH = Path(__file__).resolve().parent / "corpus" / "real" / "truth"


def test_facts_hold_the_published_numbers(clean_run: Run, warehouse: Path) -> None:
    """Every truth cell of the four reports is in the fact tables with the printed value (null = blank)."""
    import json

    rows = _query(
        warehouse,
        """
        SELECT p.file_path, 'requests', row_key, column_key, value
        FROM marts.fct_requests JOIN landing.parsed_reports p USING (report_id)
        UNION ALL
        SELECT p.file_path, 'requests', unnest(['new_received', 'carried_over', 'total_processed', 'carried_forward']),
               column_key, unnest([new_received, carried_over, total_processed, carried_forward])
        FROM marts.fct_request_flow JOIN landing.parsed_reports p USING (report_id)
        UNION ALL
        SELECT p.file_path, 'review_litigation', row_key, column_key, value
        FROM marts.fct_review_litigation JOIN landing.parsed_reports p USING (report_id)
        UNION ALL
        SELECT p.file_path, 'proactive', row_key, column_key, value
        FROM marts.fct_proactive_disclosure JOIN landing.parsed_reports p USING (report_id)""",
    )
    got = {(Path(f).stem, t, r, c): v for f, t, r, c, v in rows}
    n = 0
    for truth_path in sorted(TRUTH.glob("*.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        for table in ("proactive", "requests", "review_litigation"):
            for row, cols in truth[table].items():
                for col, expected in cols.items():
                    key = (truth_path.stem, table, row, col)
                    assert key in got, key
                    assert got[key] == expected, (key, got[key], expected)
                    n += 1
    assert n == 800


def test_dimensions_agree_with_the_template_module(clean_run: Run, warehouse: Path) -> None:
    from pipelines.template import APPLICANT_COLUMNS, OUTCOME_GROUPS, TEMPLATES

    outcomes = {
        r[0]: r[1:]
        for r in _query(
            warehouse, "SELECT row_key, label, outcome_group, outcome_group_label FROM marts.dim_request_outcome"
        )
    }
    expected: dict[str, tuple[Any, ...]] = {}
    for version in ("2019", "2021"):  # the 2021 label wins where a key is in both
        for r in TEMPLATES[version].table("requests").rows:
            expected[r.key] = (r.label, r.outcome_group or None, OUTCOME_GROUPS.get(r.outcome_group))
    assert outcomes == expected
    applicants = _query(warehouse, "SELECT column_key, label FROM marts.dim_applicant_type ORDER BY column_order")
    assert applicants == [(c.key, c.label) for c in APPLICANT_COLUMNS]


def test_dashboard_shows_the_real_reports_as_printed(clean_run: Run, warehouse: Path, browser: Any) -> None:
    """The dashboard asset of this run, in headless Chromium: every truth cell of the four real
    reports appears on its agency's page as printed (blank as （空）, rows not printed as —), with no
    console error."""
    import json

    from tests.browser import Page, js_number

    tab = Page(browser, warehouse.parent / "dashboard")
    try:
        page = tab.open()
        assert page.is_hidden("#source-label"), "one data source: no switch"
        for truth_path in sorted(TRUTH.glob("*.json")):
            truth = json.loads(truth_path.read_text(encoding="utf-8"))
            [(agency_key,)] = _query(
                warehouse,
                f"""SELECT agency_key FROM marts.report_versions
                                                   WHERE file_path LIKE '{truth_path.stem}.%'""",
            )
            page = tab.open(f"agency/{agency_key}?year={truth['report_year']}")
            page.wait_for_selector("#report-tables")
            shown = {
                (t, r, c): text
                for t, r, c, text in page.eval_on_selector_all(
                    "#report-tables td.cell",
                    """tds => tds.map(td => [td.closest('table').dataset.table,
                    td.closest('tr').dataset.row, td.dataset.column, td.innerText])""",
                )
            }
            n = 0
            for table in ("proactive", "requests", "review_litigation"):
                for row, cols in truth[table].items():
                    for col, value in cols.items():
                        # null in the truth: left blank, or a row the report does not print (—)
                        # a value the parser inferred (a lost 0 under a printed 0 total) carries a *
                        expected = {"（空）", "—"} if value is None else {js_number(value), f"{js_number(value)}*"}
                        assert shown[(table, row, col)] in expected, (truth_path.stem, table, row, col)
                        n += 1
            assert n >= 190, truth_path.stem
        tab.check_clean()
    finally:
        tab.page.close()
