"""The offline dashboard: built by the `dashboard` asset in the shared run (tests/conftest.py
`monitored`: a generated city and the four real reports), opened from disk in headless Chromium.

The numbers the page shows are read off the rendered DOM and compared with SQL on the marts
written by the same run. The browser tests need Debian's Chromium (/usr/bin/chromium) and the
playwright package; they are skipped without them, unless OGI_REQUIRE_BROWSER=1 (as in
.ci/run), where a missing browser is a failure. Screenshots go to build/test-artifacts/.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.dashboard import build_dashboard
from pipelines.template import COMPLIANCE_STATUSES, LEVEL_LABELS
from tests.browser import ARTIFACTS, Page, js_number
from tests.conftest import REPO_ROOT
from tests.conftest import query as _query


def _load_js(path: Path, prefix: str) -> Any:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(prefix) and text.rstrip().endswith(";")
    return json.loads(text[len(prefix) :].rstrip().rstrip(";"))


@pytest.fixture(scope="module")
def site(monitored: tuple[Path, Path, Any]) -> tuple[Path, Path]:
    _, warehouse, result = monitored
    assert result.success
    [mat] = result.asset_materializations_for_node("dashboard")
    site = warehouse.parent / "dashboard"
    assert mat.metadata["index"].value == str(site / "index.html")
    return site, warehouse


# ---------------------------------------------------------------- files (no browser)


def test_asset_writes_a_self_contained_site(site: tuple[Path, Path]) -> None:
    root, warehouse = site
    assert {p.name for p in root.iterdir()} == {"index.html", "assets", "data"}
    overview = _load_js(root / "data" / "overview.js", "window.OGI_DATA = ")
    n_years = _query(warehouse, "SELECT count(*) FROM marts.agency_year_compliance")[0][0]
    assert len(overview["agency_years"]) == n_years
    keys = {a["key"] for a in overview["agencies"]}
    assert keys >= {k for (k,) in _query(warehouse, "SELECT agency_key FROM marts.dim_agency")}
    assert sorted(p.name for p in (root / "data" / "agency").iterdir()) == sorted(
        Path(a["file"]).name for a in overview["agencies"]
    )
    # Nothing refers to the network: no http(s) URL in the page, its script or its style.
    for name in ("index.html", "assets/app.js", "assets/style.css"):
        text = (root / name).read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, name


def test_cli_writes_the_same_data_and_reports_errors(site: tuple[Path, Path], tmp_path: Path) -> None:
    root, warehouse = site
    out = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "dashboard", "--warehouse", str(warehouse), "--out", str(out)],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert str(out / "index.html") in done.stdout
    ours = _load_js(out / "data" / "overview.js", "window.OGI_DATA = ")
    theirs = _load_js(root / "data" / "overview.js", "window.OGI_DATA = ")
    ours["meta"].pop("generated_at"), theirs["meta"].pop("generated_at")
    assert ours == theirs
    # the agency files are byte for byte the same: the same warehouse always writes the same site
    for path in sorted((root / "data" / "agency").iterdir()):
        assert (out / "data" / "agency" / path.name).read_bytes() == path.read_bytes(), path.name

    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "dashboard",
            "--warehouse",
            str(tmp_path / "none.duckdb"),
            "--out",
            str(tmp_path / "x"),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert missing.returncode == 2 and "none.duckdb" in missing.stderr
    assert not (tmp_path / "x").exists()


def test_a_warehouse_without_marts_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(ValueError, match="ogi run"):
        build_dashboard(db, tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_rebuild_replaces_the_site_and_keeps_it_on_failure(site: tuple[Path, Path], tmp_path: Path) -> None:
    _, warehouse = site
    out = tmp_path / "site"
    build_dashboard(warehouse, out)
    (out / "stale.txt").write_text("old", encoding="utf-8")
    build_dashboard(warehouse, out)
    assert not (out / "stale.txt").exists() and (out / "index.html").exists()
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(ValueError):
        build_dashboard(db, out)
    assert (out / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ---------------------------------------------------------------- in the browser


@pytest.fixture
def tab(browser: Any, site: tuple[Path, Path]) -> Iterator[Page]:
    page = Page(browser, site[0])
    try:
        yield page
    finally:
        page.page.close()


def _status_counts(warehouse: Path, year: int, group: str, generated: bool | None = None) -> dict[str, dict[str, int]]:
    rows = _query(
        warehouse,
        f"""
        SELECT coalesce({group}, ''), c.status, count(*)
        FROM marts.agency_year_compliance c LEFT JOIN marts.dim_agency d USING (agency_key)
        WHERE c.report_year = ? AND (? IS NULL OR c.is_generated = ?)
        GROUP BY ALL""",
        [year, generated, generated],
    )
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys([*COMPLIANCE_STATUSES, "total"], 0))
    for key, status, n in rows:
        out[key][status] += n
        out[key]["total"] += n
    return dict(out)


def test_overview_loads_offline_and_shows_the_warehouse_counts(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    years = [
        y for (y,) in _query(warehouse, "SELECT DISTINCT report_year FROM marts.agency_year_compliance ORDER BY 1")
    ]
    page = tab.open()
    assert "政府信息公开工作年度报告" in page.title()
    assert page.inner_text("#app h2") == f"{years[-1]} 年度合规概览"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-overview.png"), full_page=True)
    for year in years:
        page = tab.open(f"overview?year={year}")
        assert page.inner_text("#app h2") == f"{year} 年度合规概览"
        assert tab.table("#by-level", "level") == _status_counts(warehouse, year, "d.level")
        assert tab.table("#by-region", "region") == _status_counts(warehouse, year, "d.parent_id")
        kpis = dict(
            page.eval_on_selector_all(".kpi", "ks => ks.map(k => [k.dataset.kpi, k.querySelector('.n').innerText])")
        )
        [expected] = _query(
            warehouse,
            """
            SELECT count(*) FILTER (WHERE is_expected), count(*) FILTER (WHERE report_found),
                   count(*) FILTER (WHERE on_time), count(*) FILTER (WHERE NOT on_time),
                   count(*) FILTER (WHERE status = 'missing'), count(*) FILTER (WHERE status = 'needs_review'),
                   count(*) FILTER (WHERE status = 'issues'), sum(n_findings)
            FROM marts.agency_year_compliance WHERE report_year = ?""",
            [year],
        )
        assert [
            int(kpis[k])
            for k in ("expected", "found", "on_time", "late", "missing", "needs_review", "issues", "findings")
        ] == [int(v or 0) for v in expected]
        shown_rules = dict(
            page.eval_on_selector_all(
                "#by-rule tbody tr", "trs => trs.map(tr => [tr.dataset.rule, tr.querySelector('td.n').innerText])"
            )
        )
        by_rule = _query(
            warehouse, "SELECT rule_id, count(*) FROM marts.report_findings WHERE report_year = ? GROUP BY 1", [year]
        )
        assert {r: int(n) for r, n in shown_rules.items()} == dict(by_rule)
    tab.check_clean()


def test_trend_shows_the_yearly_rollup(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    page = tab.open()
    shown = page.eval_on_selector_all(
        "#trend tbody tr",
        """trs => trs.map(tr => [tr.dataset.measure,
            Array.from(tr.querySelectorAll('td')).map(td => [td.dataset.year, td.innerText])])""",
    )
    table = {m: {int(y): v for y, v in cells} for m, cells in shown}
    measures = [
        "n_reports",
        "new_received",
        "total_processed",
        "granted",
        "partially_granted",
        "denied",
        "unable",
        "not_processed",
        "other",
        "review_total",
        "litigation_total",
    ]
    rows = _query(
        warehouse,
        f"""SELECT report_year, {", ".join(f"sum({m})" for m in measures)}
                                 FROM marts.rollup_by_year GROUP BY 1 ORDER BY 1""",
    )
    assert sorted(table["new_received"]) == [r[0] for r in rows]
    for year, *values in rows:
        for m, v in zip(measures, values, strict=False):
            assert table[m][year] == ("—" if v is None else js_number(v)), (m, year)
    bars = page.eval_on_selector_all("#chart-requests rect", "rs => rs.length")
    assert bars == len(rows)
    tab.check_clean()


def test_request_volumes_by_level_and_region(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    measures = ["n_reports", "new_received", "total_processed", "granted", "review_total", "litigation_total"]
    sums = ", ".join(f"sum({m})" for m in measures)
    for year in [y for (y,) in _query(warehouse, "SELECT DISTINCT report_year FROM marts.rollup_by_level")]:
        page = tab.open(f"overview?year={year}")
        for table, attr, sql in (
            (
                "#volumes-by-level",
                "level",
                f"SELECT coalesce(level, ''), {sums} FROM marts.rollup_by_level WHERE report_year = ? GROUP BY 1",
            ),
            (
                "#volumes-by-region",
                "region",
                f"SELECT region_key, {sums} FROM marts.rollup_by_region WHERE report_year = ? GROUP BY 1",
            ),
        ):
            shown = page.eval_on_selector_all(
                f"{table} tbody tr",
                f"""trs => trs.map(tr => [tr.dataset.{attr},
                Array.from(tr.querySelectorAll('td[data-measure]')).map(td => [td.dataset.measure, td.innerText])])""",
            )
            expected = {
                key: {m: "—" if v is None else js_number(v) for m, v in zip(measures, values, strict=False)}
                for key, *values in _query(warehouse, sql, [year])
            }
            assert {key: dict(cells) for key, cells in shown} == expected, (year, table)
    tab.check_clean()


def test_source_filter_separates_real_reports(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    [(year,)] = _query(warehouse, "SELECT max(report_year) FROM marts.agency_year_compliance WHERE NOT is_generated")
    page = tab.open(f"overview?year={year}&source=real")
    assert page.is_visible("#source")
    assert tab.table("#by-level", "level") == _status_counts(warehouse, year, "d.level", generated=False)
    page = tab.open(f"overview?year={year}&source=generated")
    assert tab.table("#by-level", "level") == _status_counts(warehouse, year, "d.level", generated=True)
    tab.check_clean()


def test_agency_list_filters_and_lists_every_agency_year(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    [(year,)] = _query(warehouse, "SELECT max(report_year) FROM marts.agency_year_compliance")
    page = tab.open(f"agencies?year={year}")
    listed = page.eval_on_selector_all(
        "#agencies tbody tr",
        """trs => trs.map(tr => [tr.dataset.agency,
        tr.querySelector('[data-status]').dataset.status, tr.querySelector('[data-findings]').innerText])""",
    )
    expected = _query(
        warehouse,
        "SELECT agency_key, status, n_findings FROM marts.agency_year_compliance WHERE report_year = ?",
        [year],
    )
    assert sorted((k, s, int(n)) for k, s, n in listed) == sorted((k, s, int(n)) for k, s, n in expected)
    # the status filter (a select, as the office uses it)
    page.select_option("#status-filter", "issues")
    page.wait_for_function("location.hash.includes('status=issues')")
    keys = page.eval_on_selector_all("#agencies tbody tr", "trs => trs.map(tr => tr.dataset.agency)")
    assert sorted(keys) == sorted(k for k, s, _ in expected if s == "issues")
    assert page.inner_text("#count") == f"共 {len(keys)} 个机关"
    # sorted by findings, most first
    page.select_option("#sort", "findings")
    page.wait_for_function("location.hash.includes('sort=findings')")
    counts = page.eval_on_selector_all("#agencies tbody tr [data-findings]", "tds => tds.map(td => +td.innerText)")
    assert counts == sorted(counts, reverse=True) and len(counts) == len(keys)
    tab.check_clean()


def test_overview_counts_link_to_their_agencies(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    [(year, region, status)] = _query(
        warehouse,
        """
        SELECT c.report_year, d.parent_id, c.status FROM marts.agency_year_compliance c
        JOIN marts.dim_agency d USING (agency_key)
        WHERE c.is_generated AND c.status <> 'compliant' AND d.parent_id IS NOT NULL
        GROUP BY ALL ORDER BY count(*) DESC, 1, 2, 3 LIMIT 1""",
    )
    page = tab.open(f"overview?year={year}")
    page.click(f'#by-region tr[data-region="{region}"] td[data-status="{status}"] a')
    page.wait_for_selector("#agencies")
    keys = page.eval_on_selector_all("#agencies tbody tr", "trs => trs.map(tr => tr.dataset.agency)")
    expected = _query(
        warehouse,
        """
        SELECT c.agency_key FROM marts.agency_year_compliance c JOIN marts.dim_agency d USING (agency_key)
        WHERE c.report_year = ? AND d.parent_id = ? AND c.status = ?""",
        [year, region, status],
    )
    assert sorted(keys) == sorted(k for (k,) in expected) and keys
    tab.check_clean()


def _cell_text(value: float | None, status: str) -> str:
    if status in ("value", "placed") or (status == "corrected" and value is not None):
        return js_number(value)  # type: ignore[arg-type]
    return {
        "blank": "（空）",
        "corrected": "（空）",
        "absent": "—",
        "unreadable": "？",
        "inferred": f"{js_number(value or 0)}*",
    }[status]


def _drill_down(tab: Page, warehouse: Path, agency_key: str, year: int) -> Any:
    [(name,)] = _query(warehouse, "SELECT name FROM marts.dim_agency WHERE agency_key = ?", [agency_key])
    page = tab.open(f"agencies?year={year}")
    page.click(f'#agencies tr[data-agency="{agency_key}"] a')
    page.wait_for_selector("#agency-name")
    assert page.inner_text("#agency-name") == name
    page.click(f'#agency-years tr[data-year="{year}"] a')
    page.wait_for_selector(f'#agency-years tr.selected[data-year="{year}"]')
    return page


def _check_agency_page(tab: Page, warehouse: Path, agency_key: str, year: int) -> None:
    page = tab.page
    findings = page.eval_on_selector_all(
        "#findings tbody tr",
        """trs => trs.map(tr =>
        Array.from(tr.querySelectorAll('td')).slice(0, 7).map(td => td.innerText))""",
    )
    expected = _query(
        warehouse,
        """SELECT version_no, rule_id, expected, actual FROM marts.report_findings
                                    WHERE agency_key = ? AND report_year = ?""",
        [agency_key, year],
    )
    assert Counter((int(v), r, e, a) for v, r, _, _, _, e, a in findings) == Counter(
        (int(v), r, "—" if e is None else js_number(e), "—" if a is None else js_number(a)) for v, r, e, a in expected
    )
    versions = page.eval_on_selector_all("#versions tbody tr", "trs => trs.map(tr => tr.dataset.version)")
    assert [int(v) for v in versions] == [
        v
        for (v,) in _query(
            warehouse,
            """
        SELECT version_no FROM marts.report_versions WHERE agency_key = ? AND report_year = ? ORDER BY 1""",
            [agency_key, year],
        )
    ]

    shown = page.eval_on_selector_all(
        "#report-tables table.report td.cell",
        """tds => tds.map(td =>
        [td.closest('table').dataset.table, td.closest('tr').dataset.row, td.dataset.column, td.innerText])""",
    )
    cells = _query(
        warehouse,
        """
        SELECT 'proactive', row_key, column_key, value, cell_status FROM marts.fct_proactive_disclosure
        WHERE agency_key = ? AND report_year = ?
        UNION ALL SELECT 'requests', row_key, column_key, value, cell_status FROM marts.fct_requests
        WHERE agency_key = ? AND report_year = ?
        UNION ALL SELECT 'review_litigation', row_key, column_key, value, cell_status FROM marts.fct_review_litigation
        WHERE agency_key = ? AND report_year = ?
        UNION ALL SELECT 'requests', 'new_received', column_key, new_received, new_received_status
        FROM marts.fct_request_flow WHERE agency_key = ? AND report_year = ?
        UNION ALL SELECT 'requests', 'total_processed', column_key, total_processed, total_processed_status
        FROM marts.fct_request_flow WHERE agency_key = ? AND report_year = ?""",
        [agency_key, year] * 5,
    )
    assert cells, "the agency's current report has cells in the facts"
    on_page = {(t, r, c): text for t, r, c, text in shown}
    for t, r, c, value, status in cells:
        assert on_page[(t, r, c)] == _cell_text(value, status), (t, r, c)
    # every finding's anchor cell of the current report is outlined
    flagged = page.eval_on_selector_all(
        "#report-tables td.flagged",
        """tds => tds.map(td =>
        [td.closest('table').dataset.table, td.closest('tr').dataset.row, td.dataset.column])""",
    )
    anchors = _query(
        warehouse,
        """
        SELECT DISTINCT f.table_key, f.row_key, f.column_key FROM marts.report_findings f
        JOIN marts.report_versions v USING (report_id)
        WHERE f.agency_key = ? AND f.report_year = ? AND v.is_current AND f.column_key IS NOT NULL""",
        [agency_key, year],
    )
    assert sorted(map(tuple, flagged)) == sorted(anchors)


def test_drill_down_to_generated_agencies(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    # the agency-year with the most findings, and a re-published one (several versions)
    picks = _query(
        warehouse,
        """
        (SELECT agency_key, report_year FROM marts.agency_year_compliance
         WHERE is_generated AND report_found ORDER BY n_findings DESC, agency_key LIMIT 1)
        UNION ALL
        (SELECT agency_key, report_year FROM marts.agency_year_compliance
         WHERE is_generated AND n_versions > 1 ORDER BY agency_key LIMIT 1)""",
    )
    assert len(picks) == 2, "the seed has findings and a corrected re-publication"
    for i, (key, year) in enumerate(picks):
        _drill_down(tab, warehouse, key, year)
        _check_agency_page(tab, warehouse, key, year)
        tab.page.screenshot(path=str(ARTIFACTS / f"dashboard-agency-{i + 1}.png"), full_page=True)
    tab.check_clean()


def test_drill_down_to_a_real_report(tab: Page, site: tuple[Path, Path]) -> None:
    _, warehouse = site
    # Huai'an Hongze 2023: the real report with two R04 findings (hand-read)
    _drill_down(tab, warehouse, "js-huaian-hongze", 2023)
    _check_agency_page(tab, warehouse, "js-huaian-hongze", 2023)
    rules = tab.page.eval_on_selector_all("#findings tbody tr", "trs => trs.map(tr => tr.dataset.rule)")
    assert rules == ["R04", "R04"]
    tab.check_clean()


def test_labels_are_chinese(tab: Page, site: tuple[Path, Path]) -> None:
    page = tab.open()
    headers = page.eval_on_selector_all("#by-level thead th", "ths => ths.map(th => th.innerText)")
    # the statuses and their Chinese labels as the warehouse holds them
    labels = [
        z for (z,) in _query(site[1], "SELECT status_zh FROM staging.stg_compliance_statuses ORDER BY status_order")
    ]
    assert headers == ["层级", *labels, "合计"] and labels == list(COMPLIANCE_STATUSES.values())
    levels = page.eval_on_selector_all("#by-level tbody th", "ths => ths.map(th => th.innerText)")
    assert set(levels) <= set(LEVEL_LABELS.values()) | {"未登记"}
    tab.check_clean()
