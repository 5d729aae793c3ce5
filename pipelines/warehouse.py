"""The landing schema in DuckDB: what the Dagster assets write and dbt reads as sources.

Everything dbt builds starts from these tables; their shape is the contract between
the Python side (parsing, landing) and the SQL side (dbt_project/).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import duckdb
import polars as pl

from .model import CELL_STATUSES, OPERAND_STATUSES
from .template import (
    AGENCY_NAME_NOISE,
    COLLAPSED_INTO_ROW,
    COLLAPSIBLE_OTHER_ROWS,
    COMPLIANCE_STATUSES,
    DEPARTMENT_LEVEL_SUFFIX,
    NARRATIVE_TARGETS,
    OUTCOME_GROUPS,
    REPORT_DEADLINES,
    RULE_TEXT,
    TEMPLATE_FIRST_YEAR,
    TEMPLATES,
    identities,
)

DEFAULT_WAREHOUSE = Path("data/warehouse.duckdb")
CORRECTIONS_DIR_NAME = "corrections"
WAREHOUSE_ENV = "OGI_WAREHOUSE"
LANDING = "landing"


REPO_ROOT = Path(__file__).resolve().parent.parent


def default_warehouse() -> Path:
    """$OGI_WAREHOUSE or data/warehouse.duckdb, relative paths resolved against the repo root (not cwd).

    Here rather than in project.py so that the commands that only read the warehouse (findings,
    export, dashboard) do not import Dagster (seconds of start-up)."""
    path = Path(os.environ.get(WAREHOUSE_ENV, str(DEFAULT_WAREHOUSE)))
    return path if path.is_absolute() else REPO_ROOT / path


# A person's value for a cell (data/corrections/, pipelines/corrections.py): an operand like a read one.
CORRECTED = "corrected"
# Every cell status the warehouse holds (the parser's and `corrected`), in display order, with the
# Chinese label the dashboard and the workbook show; landed as landing.cell_statuses.
CELL_STATUS_LABELS: dict[str, str] = {
    "value": "数值",
    "placed": "按顺序放置（经勾稽关系确认）",
    "inferred": "推定值",
    CORRECTED: "人工核对值",
    "blank": "空白（未填写）",
    "unreadable": "无法识别",
    "absent": "报告未列出",
}
assert set(CELL_STATUS_LABELS) == {*CELL_STATUSES, CORRECTED}, "a cell status without a label"
# Cells whose number the rules use (a corrected cell that a person says is blank is not one).
WAREHOUSE_OPERAND_STATUSES: tuple[str, ...] = (*OPERAND_STATUSES, CORRECTED)
# Cells the parser could not read: a person reads them (待人工核对) and corrects them.
UNREAD_STATUS = "unreadable"
# Rows not printed at all: neither read nor unread.
NOT_PRINTED_STATUS = "absent"

# A report's read quality after corrections (marts.report_versions, agency_year_compliance), with the
# Chinese label: complete (no unreadable cell), partial (some unreadable, some read), unread (none read).
READ_QUALITY_LABELS: dict[str, str] = {
    "complete": "完整读取",
    "partial": "部分未识别",
    "unread": "未能读取",
}

def default_corrections_dir(raw_dir: Path) -> Path:
    """The corrections folder of a raw folder: `corrections/` beside it (data/corrections for data/raw)."""
    return Path(raw_dir).parent / CORRECTIONS_DIR_NAME


DDL: dict[str, str] = {
    # Every agencies.csv under the raw folder (docs/monitoring.md), unioned; source_file is the
    # registry file's path relative to the raw folder.
    "agencies": """
        agency_id VARCHAR NOT NULL, name VARCHAR NOT NULL, aliases VARCHAR, level VARCHAR,
        parent_id VARCHAR, kind VARCHAR, first_year INTEGER, last_year INTEGER, is_generated BOOLEAN NOT NULL,
        source_file VARCHAR NOT NULL""",
    # Every publications.csv under the raw folder: file_path relative to the raw folder.
    "publications": """
        file_path VARCHAR NOT NULL, published_at DATE, source_file VARCHAR NOT NULL""",
    # Rows of agencies.csv / publications.csv (file_kind agencies or publications) not applied as
    # written (pipelines/metadata.py): file, line (1: the header or the whole file), reason;
    # row_applied when the row applies with a field left empty; fields as written (JSON).
    "rejected_metadata_rows": """
        source_file VARCHAR NOT NULL, line_no INTEGER NOT NULL, file_kind VARCHAR NOT NULL, reason VARCHAR NOT NULL,
        row_applied BOOLEAN NOT NULL, fields VARCHAR""",
    "raw_report_files": """
        file_path VARCHAR NOT NULL, file_name VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        size_bytes BIGINT NOT NULL, format VARCHAR NOT NULL, extension VARCHAR,
        modified_at TIMESTAMP""",
    "parsed_reports": """
        report_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, file_path VARCHAR NOT NULL,
        format VARCHAR NOT NULL, agency_name VARCHAR, report_year INTEGER,
        template_version VARCHAR, n_warnings INTEGER, parser_version VARCHAR NOT NULL,
        parsed_at TIMESTAMP""",
    "parsed_cells": """
        report_id VARCHAR NOT NULL, table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
        column_key VARCHAR NOT NULL, value DOUBLE, raw_text VARCHAR, cell_status VARCHAR NOT NULL,
        is_blank BOOLEAN NOT NULL, source_location VARCHAR""",
    "parse_warnings": """
        report_id VARCHAR NOT NULL, seq INTEGER NOT NULL, table_key VARCHAR, row_key VARCHAR,
        column_key VARCHAR, message VARCHAR NOT NULL""",
    "quarantined_files": """
        file_path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL, format VARCHAR, reason VARCHAR NOT NULL,
        parser_version VARCHAR NOT NULL""",
    "template_rows": """
        template_version VARCHAR NOT NULL, table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
        row_order INTEGER NOT NULL, label VARCHAR NOT NULL, group_label VARCHAR, full_label VARCHAR,
        outcome_group VARCHAR, outcome_group_label VARCHAR""",
    "template_columns": """
        template_version VARCHAR NOT NULL, table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
        column_key VARCHAR NOT NULL, column_order INTEGER NOT NULL, label VARCHAR NOT NULL,
        kind VARCHAR NOT NULL""",
    "rule_checks": """
        template_version VARCHAR NOT NULL, rule_id VARCHAR NOT NULL, rule_name VARCHAR NOT NULL,
        rule_text_zh VARCHAR NOT NULL, check_id VARCHAR NOT NULL, anchor_table VARCHAR NOT NULL,
        anchor_row VARCHAR NOT NULL, anchor_column VARCHAR NOT NULL""",
    "rule_terms": """
        template_version VARCHAR NOT NULL, check_id VARCHAR NOT NULL, side VARCHAR NOT NULL,
        table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL, column_key VARCHAR NOT NULL""",
    "rules": """
        rule_id VARCHAR NOT NULL, rule_name VARCHAR NOT NULL, rule_text_zh VARCHAR NOT NULL""",
    "template_versions": """
        template_version VARCHAR NOT NULL, notice VARCHAR NOT NULL, first_report_year INTEGER NOT NULL,
        last_report_year INTEGER""",
    "compliance_statuses": """
        status VARCHAR NOT NULL, status_zh VARCHAR NOT NULL, status_order INTEGER NOT NULL""",
    # Template facts the rules read (pipelines/template.py), so that the rule SQL holds no copy:
    # the kinds of agency with their R10 deadline (month/day of the next year) and the level suffix
    # that gives an agency this kind when the registry leaves it empty (NULL: every other level).
    "agency_kinds": """
        agency_kind VARCHAR NOT NULL, deadline_month INTEGER NOT NULL, deadline_day INTEGER NOT NULL,
        level_suffix VARCHAR""",
    # Rows a report may print collapsed into another row (the 2021 （六）1 and 2 under （六）3 when
    # （六） is printed as one row): R09 accepts their absence then, R01–R04 skip them.
    "collapsible_rows": """
        template_version VARCHAR NOT NULL, table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL,
        collapsed_into_row VARCHAR NOT NULL""",
    # The characters dropped from an agency name before matching it to the registry (a regular
    # expression, RE2 syntax).
    "agency_name_noise": """
        pattern VARCHAR NOT NULL""",
    # R12 (`ogi check`): what a figure the narrative quotes is compared with, one row per cell of
    # the sum (table_key, row_key, column_key), with the cell reported and its Chinese description.
    "narrative_targets": """
        target VARCHAR NOT NULL, anchor_table VARCHAR NOT NULL, anchor_row VARCHAR NOT NULL,
        anchor_column VARCHAR NOT NULL, description_zh VARCHAR NOT NULL, table_key VARCHAR NOT NULL,
        row_key VARCHAR NOT NULL, column_key VARCHAR NOT NULL""",
    # CELL_STATUS_LABELS: whether the cell is an operand of the rules (a blank corrected cell is not,
    # see int_cells_after_corrections) and whether it was read (unreadable and absent are not).
    "cell_statuses": """
        cell_status VARCHAR NOT NULL, label_zh VARCHAR NOT NULL, is_operand BOOLEAN NOT NULL,
        is_read BOOLEAN NOT NULL, status_order INTEGER NOT NULL""",
    # Every valid row of every corrections file (pipelines/corrections.py): source_file relative to
    # the corrections folder, line_no the file's line; sha256 the corrected file's bytes (from
    # file_path when only the path was given); value NULL and is_blank when the cell is printed blank.
    "corrections": """
        source_file VARCHAR NOT NULL, line_no INTEGER NOT NULL, sha256 VARCHAR NOT NULL, file_path VARCHAR,
        table_key VARCHAR NOT NULL, row_key VARCHAR NOT NULL, column_key VARCHAR NOT NULL, value DOUBLE,
        is_blank BOOLEAN NOT NULL, corrected_by VARCHAR NOT NULL, corrected_at TIMESTAMP NOT NULL, note VARCHAR""",
    # Rows of corrections files that are not applied, with the reason; the fields as written.
    "rejected_corrections": """
        source_file VARCHAR NOT NULL, line_no INTEGER NOT NULL, reason VARCHAR NOT NULL, sha256 VARCHAR,
        file_path VARCHAR, table_key VARCHAR, row_key VARCHAR, column_key VARCHAR, value_text VARCHAR,
        corrected_by VARCHAR, corrected_at VARCHAR, note VARCHAR""",
}


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = path or default_warehouse()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


def open_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse for a reader (export, dashboard, findings). FileNotFoundError when there is no
    such file, RuntimeError while a writer holds it (DuckDB has one writer); both say so in Chinese
    and English."""
    if not Path(path).exists():
        raise FileNotFoundError(f"仓库文件不存在 / warehouse not found: {path}")
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise RuntimeError(f"仓库正在写入，请在运行结束后重试 / the warehouse is being written, retry after the run:"
                               f" {path} ({exc})") from None
        raise RuntimeError(f"仓库文件无法读取（损坏或不完整），运行 ogi run 将从原始文件重建 / the warehouse file "
                           f"cannot be read (corrupt or truncated); `ogi run` rebuilds it from the raw files: {path} "
                           f"({' '.join(str(exc).split())[:160]})") from None


def ensure_landing(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing tables; a table whose columns differ from DDL (a warehouse written by an
    older version) is dropped and recreated: landing tables are rewritten or re-parsed by the assets."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {LANDING}")
    existing: dict[str, list[str]] = {}
    for table, column in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = ? "
            "ORDER BY table_name, ordinal_position", [LANDING]).fetchall():
        existing.setdefault(table, []).append(column)
    for name, cols in DDL.items():
        if name in existing and existing[name] != list(_schema(name)):
            con.execute(f"DROP TABLE {LANDING}.{name}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {LANDING}.{name} ({cols})")


_PL_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.Utf8(), "DOUBLE": pl.Float64(), "INTEGER": pl.Int32(), "BIGINT": pl.Int64(),
    "BOOLEAN": pl.Boolean(), "TIMESTAMP": pl.Datetime("us"), "DATE": pl.Date(),
}


def _schema(table: str) -> dict[str, pl.DataType]:
    out: dict[str, pl.DataType] = {}
    for col in DDL[table].split(","):
        name, typ, *_ = col.split()
        out[name] = _PL_TYPES[typ]
    return out


def bulk_insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> int:
    """Append rows to a landing table through a Parquet file (DuckDB's executemany is ~1k rows/s)."""
    if not rows:
        return 0
    df = pl.DataFrame(rows, schema=_schema(table), orient="row")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{table}.parquet"
        df.write_parquet(path)
        con.execute(f"INSERT INTO {LANDING}.{table} SELECT * FROM read_parquet(?)", [str(path)])
    return len(rows)


def bulk_replace(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[Sequence[object]]) -> int:
    """Replace the whole content of a landing table in one transaction."""
    con.execute("BEGIN")
    con.execute(f"DELETE FROM {LANDING}.{table}")
    n = bulk_insert(con, table, rows)
    con.execute("COMMIT")
    return n


# ---------------------------------------------------------------- template reference tables


def template_reference_rows() -> dict[str, list[tuple[object, ...]]]:
    """The template module as rows of the landing reference tables."""
    rows: list[tuple[object, ...]] = []
    cols: list[tuple[object, ...]] = []
    checks: list[tuple[object, ...]] = []
    terms: list[tuple[object, ...]] = []
    for version, tpl in TEMPLATES.items():
        for table_key, table in tpl.tables.items():
            for i, r in enumerate(table.rows):
                rows.append((version, table_key, r.key, i + 1, r.label, r.group_label or None, r.full_label,
                             r.outcome_group or None, OUTCOME_GROUPS.get(r.outcome_group)))
                for j, c in enumerate(r.columns):
                    cols.append((version, table_key, r.key, c.key, j + 1, c.label, c.kind))
        for ident in identities(version):
            name, text = RULE_TEXT[ident.rule_id]
            a = ident.anchor
            checks.append((version, ident.rule_id, name, text, ident.check_id, a.table, a.row, a.column))
            for side, refs in (("total", ident.total_side), ("parts", ident.parts_side)):
                for ref in refs:
                    terms.append((version, ident.check_id, side, ref.table, ref.row, ref.column))
    rules = [(rid, name, text) for rid, (name, text) in RULE_TEXT.items()]
    firsts = sorted(TEMPLATE_FIRST_YEAR.items(), key=lambda kv: kv[1])
    versions = [(v, TEMPLATES[v].notice, first, firsts[i + 1][1] - 1 if i + 1 < len(firsts) else None)
                for i, (v, first) in enumerate(firsts)]
    statuses = [(key, label, i + 1) for i, (key, label) in enumerate(COMPLIANCE_STATUSES.items())]
    cell_statuses = [(key, label, key in WAREHOUSE_OPERAND_STATUSES, key not in (UNREAD_STATUS, NOT_PRINTED_STATUS),
                      i + 1) for i, (key, label) in enumerate(CELL_STATUS_LABELS.items())]
    kinds = [(kind, month, day, DEPARTMENT_LEVEL_SUFFIX if kind == "department" else None)
             for kind, (month, day) in REPORT_DEADLINES.items()]
    collapsible = [(version, "requests", row, COLLAPSED_INTO_ROW) for version, tpl in TEMPLATES.items()
                   for row in COLLAPSIBLE_OTHER_ROWS if any(r.key == row for r in tpl.table("requests").rows)]
    return {"template_rows": rows, "template_columns": cols, "rule_checks": checks,
            "rule_terms": terms, "rules": rules, "template_versions": versions, "compliance_statuses": statuses,
            "cell_statuses": cell_statuses, "agency_kinds": kinds, "collapsible_rows": collapsible,
            "agency_name_noise": [(AGENCY_NAME_NOISE,)],
            "narrative_targets": [(target, a.table, a.row, a.column, text, c.table, c.row, c.column)
                                  for target, (cells, a, text) in NARRATIVE_TARGETS.items() for c in cells]}
