"""Drift test of the landing contract: the table descriptions (pipelines/landing_tables.py) against
the committed dbt sources file and the tables DuckDB creates; rows are named and checked. (The
Dagster assets that write the tables: tests/test_landing_assets.py.)"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.landing_tables import (
    LANDING_SCHEMA,
    LANDING_TABLES,
    SOURCES_FILE,
    column_description,
    landing_table,
    main,
    sources_yaml,
    written_by,
)
from pipelines.warehouse import bulk_insert, described_columns, ensure_landing, landing_columns, template_reference_rows


def test_committed_sources_file_is_generated_from_the_descriptions() -> None:
    assert SOURCES_FILE.read_text(encoding="utf-8") == sources_yaml(), (
        "dbt_project/models/staging/_sources.yml differs from pipelines/landing_tables.py: "
        "run `.venv/bin/python -m pipelines.landing_tables` and commit the file"
    )


def test_landing_sources_command_checks_and_writes(tmp_path: Path) -> None:
    out = tmp_path / "_sources.yml"
    assert main(["--check", "--out", str(out)]) == 1 and not out.exists()  # --check never writes
    assert main(["--out", str(out)]) == 0 and out.read_text(encoding="utf-8") == sources_yaml()
    assert main(["--check", "--out", str(out)]) == 0


def test_sources_file_reads_back_as_the_descriptions() -> None:
    [source] = yaml.safe_load(sources_yaml())["sources"]
    assert source["name"] == source["schema"] == LANDING_SCHEMA
    read = [
        (
            t["name"],
            t["meta"]["dagster_asset"],
            " ".join(t["description"].split()),
            [(c["name"], c["data_type"], " ".join(c["description"].split())) for c in t["columns"]],
        )
        for t in source["tables"]
    ]
    assert read == [
        (t.name, t.asset, t.description, [(c.name, c.type.lower(), c.description) for c in t.columns])
        for t in LANDING_TABLES
    ]


def test_every_column_is_described() -> None:
    for t in LANDING_TABLES:
        assert t.description, t.name
        for c in t.columns:
            assert column_description(c.description) and "{{" not in column_description(c.description), (t.name, c)


def test_fresh_warehouse_has_the_described_tables(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_landing(con)
        found = landing_columns(con)
        assert found == {t.name: described_columns(t) for t in LANDING_TABLES}
        # again on an existing warehouse: nothing changes
        con.execute("INSERT INTO landing.rules VALUES ('R99', 'x', 'y')")
        ensure_landing(con)
        assert landing_columns(con) == found
        assert con.execute("SELECT count(*) FROM landing.rules").fetchone() == (1,)
        # a table as an older version wrote it is recreated as described
        con.execute("DROP TABLE landing.rules")
        con.execute("CREATE TABLE landing.rules (rule_id VARCHAR, rule_name VARCHAR, rule_text_zh VARCHAR)")
        ensure_landing(con)
        assert landing_columns(con) == found
    finally:
        con.close()


def test_rows_are_named_and_checked(tmp_path: Path) -> None:
    rules = landing_table("rules")
    row = rules.row(rule_id="R01", rule_name="n", rule_text_zh="t")
    assert row.rule_name == "n" and tuple(row) == ("R01", "n", "t")
    with pytest.raises(TypeError):
        rules.row(rule_id="R01", rule_name="n")  # a column missing
    with pytest.raises(TypeError):
        rules.row(rule_id="R01", rule_name="n", rule_text_zh="t", extra=1)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        ensure_landing(con)
        with pytest.raises(ValueError, match="does not have its columns"):
            bulk_insert(
                con, "rules", [landing_table("compliance_statuses").row(status="a", status_zh="b", status_order=1)]
            )
        with pytest.raises(ValueError, match="does not have its columns"):
            bulk_insert(con, "rules", [("R01", "n")])
        assert bulk_insert(con, "rules", [row]) == 1
        for table, rows in template_reference_rows().items():
            assert bulk_insert(con, table, rows) == len(rows) > 0
    finally:
        con.close()


def test_template_reference_fills_exactly_its_tables() -> None:
    assert set(template_reference_rows()) == {t.name for t in written_by("template_reference")}
