"""Collecting the generated city from its websites served on 127.0.0.1 (issue #13).

A small city is generated (`ogi generate`), its sites written (pipelines/synth/sites.py) and served by
a local server the test starts and stops; the collector runs twice, a season apart (stage 1, then
stage 2 with a late report, a report changed at its URL and a moved article). What is compared with
comes from outside the collector: the city's files and publications.csv, and the sites' plan.
Nothing here reaches an address but 127.0.0.1 (OGI_COLLECT_ALLOW is set, and the sites are local).
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines.collect.collector import Summary, collect, read_fetch_log, read_reports, registry_sites
from pipelines.collect.http import ALLOW_ENV, Limits
from pipelines.runner import run_warehouse
from pipelines.synth.generate import generate
from pipelines.synth.sites import SiteServer, SiteTruth, site_registry, write_sites
from tests.conftest import query

# Short timeouts so that the slow page (3 s) times out quickly; no politeness delay on one's own machine.
LIMITS = Limits(timeout=1.0, retries=1, backoff=0.1, host_delay=0.0, per_host=4)
SLOW_SECONDS = 3.0


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Collected:
    city: Path
    raw: Path
    collect_dir: Path
    truth: SiteTruth
    first: Summary
    second: Summary
    first_statuses: dict[int, int]
    second_statuses: dict[int, int]
    user_agents: set[str]
    after_first: dict[str, str]  # sha256 -> file, after stage 1


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Collected:
    mp = pytest.MonkeyPatch()
    mp.setenv(ALLOW_ENV, "127.0.0.1")
    base = tmp_path_factory.mktemp("collect")
    city = base / "city" / "raw"
    generate(city, n_agencies=12, years=(2023, 2024), seed=5, workers=1)
    truth = write_sites(city, base / "sites")
    raw = base / "collected" / "raw"
    raw.mkdir(parents=True)
    collect_dir = base / "collected" / "collect"
    with SiteServer(base / "sites", stage=1, slow_seconds=SLOW_SECONDS) as server:
        (raw / "agencies.csv").write_bytes(site_registry(city, server.base_url))
        sites = registry_sites(raw)
        first = collect(raw, sites, collect_dir, LIMITS)
        first_statuses = dict(server.statuses)
        after_first = {_sha(p): p.name for p in raw.rglob("*") if p.is_file() and p.name != "agencies.csv"}
        server.stage, server.statuses = 2, {}
        second = collect(raw, sites, collect_dir, LIMITS)
        second_statuses = dict(server.statuses)
        agents = set(server.user_agents)
    mp.undo()
    return Collected(city, raw, collect_dir, truth, first, second, first_statuses, second_statuses, agents, after_first)


def _city_reports(city: Path) -> dict[str, str]:
    """sha256 -> path of every report file of the city (publications.csv lists them)."""
    with (city / "publications.csv").open(encoding="utf-8") as f:
        return {_sha(city / r["file"]): r["file"] for r in csv.DictReader(f)}


def test_every_report_collected_bytes_unchanged(collected: Collected) -> None:
    city = _city_reports(collected.city)
    stored = {_sha(p): p for p in collected.raw.rglob("*") if p.is_file() and p.name != "agencies.csv"}
    assert set(stored) == set(city)
    # one folder per agency, named by its registry id
    ids = {r["agency_id"] for r in csv.DictReader((collected.city / "agencies.csv").open(encoding="utf-8"))}
    assert {p.parent.name for p in stored.values()} <= ids


def test_first_season_lacks_only_what_appeared_later(collected: Collected) -> None:
    later = {r.city_file for r in collected.truth.reports if 1 not in r.stages}
    assert later, "the sites plan a late publication"
    city = _city_reports(collected.city)
    assert {city[s] for s in collected.after_first} == set(city.values()) - later
    assert collected.first.reports_new == len(city) - len(later)


def test_publication_dates_are_the_sites(collected: Collected) -> None:
    """The printed 发布时间 of article pages and the list page's date of HTML reports, as the city dated them."""
    city = _city_reports(collected.city)
    by_file = {r.city_file: r for r in collected.truth.reports}
    rows = read_reports(collected.collect_dir)
    assert {r["sha256"] for r in rows} == set(city)
    for row in rows:
        site = by_file[city[row["sha256"]]]
        if site.printed:
            assert row["printed_published_at"] == site.published_at, row
        else:  # an HTML report is the page: it prints its date only when the report itself does
            assert row["printed_published_at"] in (None, site.published_at), row
        assert row["list_published_at"] == site.published_at, row
        assert row["report_year"] == site.report_year


def test_failures_are_rows_with_reasons(collected: Collected) -> None:
    log = read_fetch_log(collected.collect_dir)
    failures = {(e["url"].split("/", 3)[3], e["failure"]) for e in log if e["failure"]}
    expected = {(path.lstrip("/"), reason) for path, reason in collected.truth.failures.items()}
    assert failures == expected
    assert collected.first.failures == {"http_404": 1, "timeout": 1, "redirect_loop": 1}
    assert collected.second.failures == collected.first.failures
    slow = next(e for e in log if e["failure"] == "timeout")
    assert slow["attempts"] == 2 and slow["status"] is None  # retried once, then given up
    loop = next(e for e in log if e["failure"] == "redirect_loop")
    assert "a.html -> " in loop["detail"] and "b.html" in loop["detail"]


def test_second_collection_downloads_only_what_changed(collected: Collected) -> None:
    s = collected.second
    changed = [r for r in collected.truth.reports if r.note in ("late", "changed_at_same_url")]
    assert sorted(r.note for r in changed) == ["changed_at_same_url", "late"]  # the city has both events
    assert s.reports_new == sum(r.note == "late" for r in changed)
    assert s.reports_changed == sum(r.note == "changed_at_same_url" for r in changed)
    on_stage_2 = [r for r in collected.truth.reports if 2 in r.stages]  # the replaced version is not listed
    assert s.reports_new + s.reports_changed + s.reports_unchanged == len(on_stage_2)
    # every request of the first season that is not a failure, a redirect or a page the season changed
    # is answered 304 the second time
    assert s.not_modified == collected.second_statuses.get(304, 0) > 0
    assert collected.second_statuses.get(200, 0) < collected.first_statuses[200] / 4
    new_bytes = sum((collected.city / r.city_file).stat().st_size for r in changed)
    assert new_bytes <= s.bytes_downloaded < new_bytes + 64 * 1024  # the new reports and a few small pages
    assert s.reports_missing == 0  # the moved article's report is still linked (its old address redirects)


def test_gbk_pages_decoded(collected: Collected) -> None:
    for agency in (collected.truth.gbk_agency, collected.truth.header_charset_agency):
        expected = {r.title for r in collected.truth.reports if r.agency_id == agency}
        titles = {r["title"] for r in read_reports(collected.collect_dir) if r["agency_id"] == agency}
        assert expected and titles == expected


def test_user_agent_names_the_project(collected: Collected) -> None:
    assert collected.user_agents and all("ogi-warehouse" in ua for ua in collected.user_agents)


# ---------------------------------------------------------------- the warehouse


COMPLIANCE = """SELECT agency_id, report_year, status, first_published_at, n_versions, n_findings
    FROM marts.agency_year_compliance WHERE agency_id IS NOT NULL ORDER BY ALL"""
FINDINGS = """SELECT v.agency_key, v.report_year, f.rule_id, f.table_key, f.row_key, f.column_key, f.expected, f.actual
    FROM marts.report_findings f JOIN marts.report_versions v USING (report_id) ORDER BY ALL"""
VALUES = """SELECT v.agency_key, v.report_year, v.version_no, v.published_at,
        c.table_key, c.row_key, c.column_key, c.value
    FROM marts.report_versions v JOIN staging.stg_parsed_cells c USING (report_id) ORDER BY ALL"""


@pytest.fixture(scope="module")
def warehouses(collected: Collected, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    direct = tmp_path_factory.mktemp("direct") / "warehouse.duckdb"
    from_sites = tmp_path_factory.mktemp("from_sites") / "warehouse.duckdb"
    # the city as published by hand: its files with publications.csv (no collect folder beside it)
    city_copy = tmp_path_factory.mktemp("city_copy") / "raw"
    shutil.copytree(collected.city, city_copy)
    assert run_warehouse(city_copy, direct)["success"]
    assert run_warehouse(collected.raw, from_sites)["success"]
    return direct, from_sites


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    return query(db, sql)


def test_collected_warehouse_equals_the_direct_one(warehouses: tuple[Path, Path]) -> None:
    direct, from_sites = warehouses
    assert _rows(from_sites, COMPLIANCE) == _rows(direct, COMPLIANCE)
    assert _rows(from_sites, FINDINGS) == _rows(direct, FINDINGS)
    assert _rows(from_sites, VALUES) == _rows(direct, VALUES)


def test_dates_come_from_the_sites_with_their_source(warehouses: tuple[Path, Path]) -> None:
    direct, from_sites = warehouses
    dated = "SELECT sha256, published_at FROM marts.report_versions ORDER BY ALL"
    assert _rows(from_sites, dated) == _rows(direct, dated)
    sources = dict(_rows(from_sites, "SELECT published_at_source, count(*) FROM marts.report_versions GROUP BY 1"))
    assert set(sources) == {"printed", "list_page"}
    assert set(dict(_rows(direct, "SELECT published_at_source, count(*) FROM marts.report_versions GROUP BY 1"))) == {
        "publications_csv"
    }
    status = _rows(from_sites, "SELECT count(*), count(*) FILTER (WHERE is_published) FROM marts.collection_status")
    assert status[0][0] > 0 and status[0][1] > 0
