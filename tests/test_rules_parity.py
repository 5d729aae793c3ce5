"""One rules engine: the single-report paths find exactly what the warehouse finds.

Every corpus under tests/corpus/ (its raw files, beside the real registry) goes through one real
run (the Dagster job, dbt included); the real reports with their registry and a generated city are
the `monitored` run (tests/conftest.py, shared with the monitoring and dashboard tests). Then
  * every current report of both runs (the version the warehouse judges) through `ogi check`
    (check_file, JSON): its R01–R05, R08 and R09 findings equal the warehouse's
    (marts.report_findings) for that file's bytes;
  * the city's parsed reports with its registry and publications through `pipelines.rules.evaluate`
    (the generator's self-check path): every finding, R00–R11, equals the warehouse's.
R12 (the narrative) is `ogi check`'s alone and is left out of the comparison. The warehouse judges
only the current version of an agency-year, and the corpora print few agency-years in many files
(fixtures/ and probes/ are 滨江市交通运输局 2022 and 滨江市云溪区人民政府 2019 in every layout, and so
are many published/ files: later paths supersede them). So, besides, every file of fixtures/ and
probes/ is judged by the warehouse's rule models on the very rows the run landed for it (one
report at a time) and compared with `ogi check`: what `ogi check` lands is what the pipeline lands.
"""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.check import check_file, read_report
from pipelines.monitoring import city_findings
from pipelines.rules import SINGLE_REPORT_RULES, engine, evaluate, report_from_parsed
from tests.conftest import MONITORED_CITY, RAW_DIR, REPO_ROOT, query

CORPORA = ("published", "converted", "damaged", "fixtures", "probes")
CITY = MONITORED_CITY
Key = tuple[str, str, str, str]


@pytest.fixture(scope="module")
def corpora_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(raw dir, published warehouse) of one run over every corpus beside the real registry."""
    from pipelines.definitions import JOB_NAME, build_defs

    raw = tmp_path_factory.mktemp("raw")
    shutil.copy2(RAW_DIR / "agencies.csv", raw / "agencies.csv")
    for corpus in CORPORA:
        # copies, not links: the inventory never follows a symbolic link
        shutil.copytree(REPO_ROOT / "tests" / "corpus" / corpus / "raw", raw / corpus)
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = build_defs(raw, warehouse).resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    assert result.success
    return raw, warehouse


@pytest.fixture(scope="module")
def city_run(monitored: tuple[Path, Path, Any]) -> tuple[Path, Path]:
    """(raw dir, published warehouse) of the `monitored` run: the real reports and a generated city
    in `CITY/`."""
    raw, warehouse, result = monitored
    assert result.success
    return raw, warehouse


def _stored_findings(warehouse: Path) -> dict[str, set[Key]]:
    stored: dict[str, set[Key]] = defaultdict(set)
    for sha, rule, table, row, column in query(
        warehouse,
        """
            SELECT report_id, rule_id, coalesce(table_key, ''), coalesce(row_key, ''), coalesce(column_key, '')
            FROM marts.report_findings WHERE list_contains(?, rule_id)""",
        [list(SINGLE_REPORT_RULES)],
    ):
        stored[sha].add((rule, table, row, column))
    return stored


def test_ogi_check_finds_what_the_warehouse_finds(corpora_run: tuple[Path, Path], city_run: tuple[Path, Path]) -> None:
    judged: dict[str, int] = defaultdict(int)
    mismatches = []
    n_with_findings = 0
    for raw, warehouse in (corpora_run, city_run):
        current = dict(query(warehouse, "SELECT report_id, file_path FROM marts.report_versions WHERE is_current"))
        stored = _stored_findings(warehouse)
        for sha, rel in sorted(current.items()):
            code, out = check_file(raw / rel, "json")
            assert code in (0, 1), (rel, out)
            found = {
                (f["rule"], f["table"], f["row"], f["column"])
                for f in json.loads(out)["findings"]
                if f["rule"] != "R12"
            }
            if found != stored.get(sha, set()):
                mismatches.append((rel, sorted(found - stored[sha]), sorted(stored[sha] - found)))
            judged[rel.split("/")[0] if "/" in rel else "real"] += 1
        n_with_findings += sum(
            1
            for (sha,) in query(
                warehouse, "SELECT DISTINCT report_id FROM marts.report_findings WHERE rule_id <> 'R00'"
            )
            if sha in current
        )
    assert not mismatches, mismatches
    # every corpus with an agency-year of its own took part (one whose files all failed to parse
    # would compare nothing); fixtures/ and probes/ are superseded (below)
    assert set(judged) >= {"published", "converted", "damaged", CITY, "real"}, judged
    assert n_with_findings > 10, "findings to compare"


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_the_generators_evaluator_finds_what_the_warehouse_finds(city_run: tuple[Path, Path]) -> None:
    raw, warehouse = city_run
    city = raw / CITY
    registry = _csv_rows(city / "agencies.csv")
    publications = {f"{CITY}/{r['file']}": r["published_at"] for r in _csv_rows(city / "publications.csv")}
    reports = {}
    for (rel,) in query(
        warehouse, "SELECT file_path FROM landing.parsed_reports WHERE starts_with(file_path, ?)", [f"{CITY}/"]
    ):
        reports[rel] = report_from_parsed(read_report(raw / rel)[0])
    assert len(reports) == len(publications)
    found = {tuple(str(x) for x in f.key) for f in evaluate(reports, registry, publications)}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        stored = {tuple(str(x) for x in k) for k in city_findings(con, CITY, [r["agency_id"] for r in registry])}
    finally:
        con.close()
    assert {k[2] for k in stored} >= {"R00", "R02", "R06", "R08", "R09", "R10", "R11"}, "the city covers the rules"
    assert found == stored, (sorted(found - stored), sorted(stored - found))


def test_same_bytes_same_report_id(corpora_run: tuple[Path, Path], city_run: tuple[Path, Path]) -> None:
    """The comparison above keys ogi check's file by the warehouse's report_id: its sha256."""
    for raw, warehouse in (corpora_run, city_run):
        for sha, rel in query(warehouse, "SELECT report_id, file_path FROM marts.report_versions LIMIT 5"):
            assert hashlib.sha256((raw / rel).read_bytes()).hexdigest() == sha


def _check_keys(path: Path) -> set[Key]:
    code, out = check_file(path, "json")
    assert code in (0, 1), (path, out)
    return {(f["rule"], f["table"], f["row"], f["column"]) for f in json.loads(out)["findings"] if f["rule"] != "R12"}


def test_every_fixture_and_probe_landed_as_ogi_check_lands_it(corpora_run: tuple[Path, Path]) -> None:
    raw, warehouse = corpora_run
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        heads = con.execute("""SELECT * FROM landing.parsed_reports
                               WHERE starts_with(file_path, 'fixtures/') OR starts_with(file_path, 'probes/')
                               ORDER BY file_path""").fetchall()
        landed = {
            h[0]: {
                "parsed_reports": [h],
                "parsed_cells": con.execute(
                    "SELECT * FROM landing.parsed_cells WHERE report_id = ?", [h[0]]
                ).fetchall(),
                "raw_report_files": con.execute(
                    "SELECT * FROM landing.raw_report_files WHERE sha256 = ? LIMIT 1", [h[0]]
                ).fetchall(),
            }
            for h in heads
        }
    finally:
        con.close()
    assert len(heads) > 60, len(heads)
    mismatches = []
    for head in heads:
        evaluations, _ = engine().run(landed[head[0]])
        stored = {
            (e["rule_id"], e["table_key"] or "", e["row_key"] or "", e["column_key"] or "")
            for e in evaluations
            if e["status"] == "failed" and e["rule_id"] in SINGLE_REPORT_RULES
        }
        found = _check_keys(raw / head[2])
        if found != stored:
            mismatches.append((head[2], sorted(found - stored), sorted(stored - found)))
    assert not mismatches, mismatches
