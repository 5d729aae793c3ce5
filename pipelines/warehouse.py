"""The warehouse file and the landing schema in DuckDB: what the Dagster assets write and dbt reads
as sources.

Everything dbt builds starts from these tables; their shape is the contract between the Python
side (parsing, landing) and the SQL side (dbt_project/). Each table is described once, in
pipelines/landing_tables.py; this module creates them and inserts rows into them.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import duckdb
import polars as pl

from .landing_tables import LANDING as LANDING_BY_NAME
from .landing_tables import LANDING_SCHEMA, LANDING_TABLES, LandingTable
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
LANDING = LANDING_SCHEMA


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
            raise RuntimeError(
                f"仓库正在写入，请在运行结束后重试 / the warehouse is being written, retry after the run:"
                f" {path} ({exc})"
            ) from None
        raise RuntimeError(
            f"仓库文件无法读取（损坏或不完整），运行 ogi run 将从原始文件重建 / the warehouse file "
            f"cannot be read (corrupt or truncated); `ogi run` rebuilds it from the raw files: {path} "
            f"({' '.join(str(exc).split())[:160]})"
        ) from None


def ensure_landing(con: duckdb.DuckDBPyConnection) -> None:
    """Create the landing tables (pipelines/landing_tables.py); a table whose columns differ from its
    description (a warehouse written by an older version) is dropped and recreated: landing tables
    are rewritten or re-parsed by the assets."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {LANDING}")
    for name, columns in landing_columns(con).items():
        if name in LANDING_BY_NAME and columns != described_columns(LANDING_BY_NAME[name]):
            con.execute(f"DROP TABLE {LANDING}.{name}")
    for table in LANDING_TABLES:
        con.execute(table.ddl)


def landing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[str, str, bool]]]:
    """(name, type, nullable) of every column of every table of the landing schema, as DuckDB has them."""
    out: dict[str, list[tuple[str, str, bool]]] = {}
    for name, column, typ, nullable in con.execute(
        "SELECT table_name, column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
        "WHERE table_schema = ? ORDER BY table_name, ordinal_position",
        [LANDING],
    ).fetchall():
        out.setdefault(name, []).append((column, typ, nullable))
    return out


def described_columns(table: LandingTable) -> list[tuple[str, str, bool]]:
    """(name, type, nullable) of a table's columns as described: what landing_columns reads back."""
    return [(c.name, c.type, c.nullable) for c in table.columns]


_PL_TYPES: dict[str, pl.DataType] = {
    "VARCHAR": pl.Utf8(),
    "DOUBLE": pl.Float64(),
    "INTEGER": pl.Int32(),
    "BIGINT": pl.Int64(),
    "BOOLEAN": pl.Boolean(),
    "TIMESTAMP": pl.Datetime("us"),
    "DATE": pl.Date(),
}


def polars_schema(table: LandingTable) -> dict[str, pl.DataType]:
    """The dataframe schema of a table's rows (the Parquet file bulk_insert writes)."""
    return {c.name: _PL_TYPES[c.type] for c in table.columns}


def _check_rows(table: LandingTable, rows: Sequence[tuple[object, ...]]) -> None:
    """Rows are the table's named rows (LandingTable.row), or tuples in its column order: never rows
    of another table or of another width, which would land shifted or fail deep inside polars."""
    names = table.column_names
    for row in rows:
        fields = getattr(row, "_fields", None)
        if (fields is not None and fields != names) or len(row) != len(names):
            raise ValueError(
                f"a row for {table.qualified} does not have its columns ({', '.join(names)}): {row!r:.300}"
            )


def bulk_insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[object, ...]]) -> int:
    """Append rows to a landing table through a Parquet file (DuckDB's executemany is ~1k rows/s)."""
    if not rows:
        return 0
    described = LANDING_BY_NAME[table]
    _check_rows(described, rows)
    df = pl.DataFrame(rows, schema=polars_schema(described), orient="row")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{table}.parquet"
        df.write_parquet(path)
        con.execute(f"INSERT INTO {described.qualified} SELECT * FROM read_parquet(?)", [str(path)])
    return len(rows)


def bulk_replace(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[object, ...]]) -> int:
    """Replace the whole content of a landing table in one transaction."""
    con.execute("BEGIN")
    con.execute(f"DELETE FROM {LANDING_BY_NAME[table].qualified}")
    n = bulk_insert(con, table, rows)
    con.execute("COMMIT")
    return n


# ---------------------------------------------------------------- template reference tables


def template_reference_rows() -> dict[str, list[tuple[object, ...]]]:
    """The template module as rows of the landing reference tables (named rows, LandingTable.row)."""
    t = LANDING_BY_NAME
    rows: list[tuple[object, ...]] = []
    cols: list[tuple[object, ...]] = []
    checks: list[tuple[object, ...]] = []
    terms: list[tuple[object, ...]] = []
    for version, tpl in TEMPLATES.items():
        for table_key, table in tpl.tables.items():
            for i, r in enumerate(table.rows):
                rows.append(
                    t["template_rows"].row(
                        template_version=version,
                        table_key=table_key,
                        row_key=r.key,
                        row_order=i + 1,
                        label=r.label,
                        group_label=r.group_label or None,
                        full_label=r.full_label,
                        outcome_group=r.outcome_group or None,
                        outcome_group_label=OUTCOME_GROUPS.get(r.outcome_group),
                    )
                )
                for j, c in enumerate(r.columns):
                    cols.append(
                        t["template_columns"].row(
                            template_version=version,
                            table_key=table_key,
                            row_key=r.key,
                            column_key=c.key,
                            column_order=j + 1,
                            label=c.label,
                            kind=c.kind,
                        )
                    )
        for ident in identities(version):
            name, text = RULE_TEXT[ident.rule_id]
            a = ident.anchor
            checks.append(
                t["rule_checks"].row(
                    template_version=version,
                    rule_id=ident.rule_id,
                    rule_name=name,
                    rule_text_zh=text,
                    check_id=ident.check_id,
                    anchor_table=a.table,
                    anchor_row=a.row,
                    anchor_column=a.column,
                )
            )
            for side, refs in (("total", ident.total_side), ("parts", ident.parts_side)):
                for ref in refs:
                    terms.append(
                        t["rule_terms"].row(
                            template_version=version,
                            check_id=ident.check_id,
                            side=side,
                            table_key=ref.table,
                            row_key=ref.row,
                            column_key=ref.column,
                        )
                    )
    rules = [t["rules"].row(rule_id=rid, rule_name=name, rule_text_zh=text) for rid, (name, text) in RULE_TEXT.items()]
    firsts = sorted(TEMPLATE_FIRST_YEAR.items(), key=lambda kv: kv[1])
    versions = [
        t["template_versions"].row(
            template_version=v,
            notice=TEMPLATES[v].notice,
            first_report_year=first,
            last_report_year=firsts[i + 1][1] - 1 if i + 1 < len(firsts) else None,
        )
        for i, (v, first) in enumerate(firsts)
    ]
    statuses = [
        t["compliance_statuses"].row(status=key, status_zh=label, status_order=i + 1)
        for i, (key, label) in enumerate(COMPLIANCE_STATUSES.items())
    ]
    cell_statuses = [
        t["cell_statuses"].row(
            cell_status=key,
            label_zh=label,
            is_operand=key in WAREHOUSE_OPERAND_STATUSES,
            is_read=key not in (UNREAD_STATUS, NOT_PRINTED_STATUS),
            status_order=i + 1,
        )
        for i, (key, label) in enumerate(CELL_STATUS_LABELS.items())
    ]
    kinds = [
        t["agency_kinds"].row(
            agency_kind=kind,
            deadline_month=month,
            deadline_day=day,
            level_suffix=DEPARTMENT_LEVEL_SUFFIX if kind == "department" else None,
        )
        for kind, (month, day) in REPORT_DEADLINES.items()
    ]
    collapsible = [
        t["collapsible_rows"].row(
            template_version=version, table_key="requests", row_key=row, collapsed_into_row=COLLAPSED_INTO_ROW
        )
        for version, tpl in TEMPLATES.items()
        for row in COLLAPSIBLE_OTHER_ROWS
        if any(r.key == row for r in tpl.table("requests").rows)
    ]
    narrative = [
        t["narrative_targets"].row(
            target=target,
            anchor_table=a.table,
            anchor_row=a.row,
            anchor_column=a.column,
            description_zh=text,
            table_key=c.table,
            row_key=c.row,
            column_key=c.column,
        )
        for target, (cells, a, text) in NARRATIVE_TARGETS.items()
        for c in cells
    ]
    return {
        "template_rows": rows,
        "template_columns": cols,
        "rule_checks": checks,
        "rule_terms": terms,
        "rules": rules,
        "template_versions": versions,
        "compliance_statuses": statuses,
        "cell_statuses": cell_statuses,
        "agency_kinds": kinds,
        "collapsible_rows": collapsible,
        "agency_name_noise": [t["agency_name_noise"].row(pattern=AGENCY_NAME_NOISE)],
        "narrative_targets": narrative,
    }
