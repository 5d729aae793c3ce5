"""End to end on a generated city: `ogi generate` → the Dagster job (dbt included) → findings.

The `monitored` run (tests/conftest.py): one small city beside copies of the four real reports and
the real registry, materialized once per session (dbt is the slow part).
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from pipelines.monitoring import FINDING_COLUMNS, city_findings, read_defects, score_cities
from tests.conftest import MONITORED_CITY
from tests.conftest import query as _query

CITY = MONITORED_CITY


def _city_ids(raw: Path) -> list[str]:
    with (raw / CITY / "agencies.csv").open(encoding="utf-8", newline="") as f:
        return [r["agency_id"] for r in csv.DictReader(f)]


def test_the_run_succeeds_and_skips_metadata_files(monitored: tuple[Path, Path, Any]) -> None:
    _raw, warehouse, result = monitored
    assert result.success
    paths = [p for (p,) in _query(warehouse, "SELECT file_path FROM landing.raw_report_files")]
    assert not any(Path(p).name in ("agencies.csv", "publications.csv", "defects.csv") for p in paths)
    assert not any("/truth/" in f"/{p}" for p in paths)
    assert _query(warehouse, "SELECT count(*) FROM landing.quarantined_files") == [(0,)]
    registries = {f for (f,) in _query(warehouse, "SELECT DISTINCT source_file FROM landing.agencies")}
    assert registries == {"agencies.csv", f"{CITY}/agencies.csv"}


def test_generated_findings_equal_defects_csv(monitored: tuple[Path, Path, Any]) -> None:
    raw, warehouse, _ = monitored
    expected = read_defects(raw / CITY / "defects.csv")
    assert {k[2] for k in expected} >= {"R00", "R02", "R06", "R08", "R09", "R10", "R11"}, "the seed covers the rules"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = city_findings(con, CITY, _city_ids(raw))
        [score] = score_cities(con, raw)
    finally:
        con.close()
    assert found == expected, (sorted(expected - found), sorted(found - expected))
    assert (score.precision, score.recall) == (1.0, 1.0)


def test_real_reports_only_have_the_two_r04_findings(monitored: tuple[Path, Path, Any]) -> None:
    _, warehouse, _ = monitored
    rows = _query(
        warehouse,
        """SELECT file_path, rule_id, table_key, row_key, column_key, is_generated
                                FROM marts.report_findings WHERE NOT is_generated""",
    )
    assert set(rows) == {
        ("hzq2023.pdf", "R04", "review_litigation", "review", "total", False),
        ("hzq2023.pdf", "R04", "review_litigation", "litigation_after_review", "total", False),
    }


def test_is_generated_is_carried_downstream(monitored: tuple[Path, Path, Any]) -> None:
    raw, warehouse, _ = monitored
    ids = _city_ids(raw)
    for table in ("dim_agency", "fct_requests", "report_findings", "agency_year_compliance", "report_versions"):
        rows = _query(warehouse, f"""SELECT agency_id, is_generated FROM marts.{table} WHERE agency_id IS NOT NULL""")
        assert rows, table
        assert all(gen == (aid in ids) for aid, gen in rows), table


def test_compliance_has_one_row_per_expected_agency_year(monitored: tuple[Path, Path, Any]) -> None:
    raw, warehouse, _ = monitored
    with (raw / CITY / "agencies.csv").open(encoding="utf-8", newline="") as f:
        registry = list(csv.DictReader(f))
    years = {
        y
        for (y,) in _query(
            warehouse,
            """SELECT DISTINCT report_year FROM marts.report_versions
                                                WHERE is_generated AND agency_id IS NOT NULL""",
        )
    }
    expected = set()
    for a in registry:
        last = int(a["last_year"]) if a["last_year"] else max(years)
        expected |= {(a["agency_id"], y) for y in years if int(a["first_year"]) <= y <= last}
    rows = _query(
        warehouse,
        """SELECT agency_id, report_year, report_found, status FROM marts.agency_year_compliance
                                WHERE is_expected""",
    )
    assert len(rows) == len({(a, y) for a, y, _, _ in rows}), "one row per agency-year"
    assert {(a, y) for a, y, _, _ in rows} == expected
    missing = {(a, y) for a, y, found, status in rows if not found}
    assert missing == {(a, y) for a, y, rule, *_ in read_defects(raw / CITY / "defects.csv") if rule == "R11"}
    assert all(status == "missing" for a, y, found, status in rows if not found)
    # the real agencies are not monitored: their reports are rows, but not expected ones
    assert _query(
        warehouse,
        """SELECT count(*) FROM marts.agency_year_compliance
                                WHERE NOT is_generated AND is_expected""",
    ) == [(0,)]


def test_superseded_versions_are_kept_but_their_findings_are_not_reported(monitored: tuple[Path, Path, Any]) -> None:
    _, warehouse, _ = monitored
    superseded = _query(warehouse, "SELECT report_id, file_path FROM marts.report_versions WHERE NOT is_current")
    assert superseded, "the city has a corrected re-publication"
    ids = [r for r, _ in superseded]
    # R10 judges the first publication; every other finding comes from the latest version.
    assert _query(
        warehouse,
        """SELECT count(*) FROM marts.report_findings
                                WHERE list_contains(?, report_id) AND rule_id <> 'R10'""",
        [ids],
    ) == [(0,)]
    assert _query(warehouse, "SELECT count(*) FROM marts.fct_requests WHERE list_contains(?, report_id)", [ids]) == [
        (0,)
    ]


def test_rollups_compare_regions_without_failing(monitored: tuple[Path, Path, Any]) -> None:
    _, warehouse, _ = monitored
    by_year = _query(
        warehouse,
        """SELECT report_year, n_reports, new_received, granted_rate FROM marts.rollup_by_year
                                   WHERE is_generated ORDER BY 1""",
    )
    assert [y for y, *_ in by_year] == [2020, 2021, 2022]
    assert all(n > 0 and (rate is None or 0 <= rate <= 1) for _, n, _, rate in by_year)
    regions = _query(
        warehouse,
        """SELECT count(*), count(own_report_id) FROM marts.rollup_by_region
                                   WHERE is_generated""",
    )
    assert regions[0][0] > 0 and regions[0][1] > 0


def test_ogi_findings_csv(monitored: tuple[Path, Path, Any]) -> None:
    raw, warehouse, _ = monitored
    out = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "findings", "--warehouse", str(warehouse), "--format", "csv"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and set(FINDING_COLUMNS) | {"rule_text"} <= set(rows[0])
    keys = {(r["agency_id"], int(r["report_year"]), r["rule"], r["table"], r["row"], r["column"]) for r in rows}
    assert read_defects(raw / CITY / "defects.csv") <= keys
    assert all(r["rule_text"] for r in rows)
    text = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "findings", "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "findings in" in text and "R04" in text
