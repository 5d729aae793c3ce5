"""Findings as the defects.csv columns (docs/monitoring.md): `ogi findings`, and the precision and
recall of the warehouse against the defects.csv of generated cities (`ogi run` summary, tests);
the registry and publication rows not applied (`metadata_problem_lines`, for the run summary).

`ogi findings --format csv` is opened in spreadsheets: a text field that begins with = + - @, a
tab or a carriage return (an agency name taken from a report's title, a file name) is written with
a leading single quote ' so that no spreadsheet evaluates it (pipelines/safe_text.py); numbers are
written as they are."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from .inventory import AGENCIES_CSV, DEFECTS_CSV, metadata_files
from .metadata import registry_ids
from .safe_text import csv_cell, printable

FINDING_COLUMNS = ("agency_id", "report_year", "rule", "table", "row", "column")
FINDINGS_CSV_COLUMNS = (
    *FINDING_COLUMNS,
    "rule_text",
    "agency_name",
    "file_path",
    "version_no",
    "expected",
    "actual",
    "detail",
)
Key = tuple[str, int, str, str, str, str]

_FINDINGS_SQL = """
    SELECT coalesce(agency_id, ''), report_year, rule_id, coalesce(table_key, ''), coalesce(row_key, ''),
           coalesce(column_key, ''), rule_text_zh, agency_name, file_path, version_no, expected, actual, detail
    FROM marts.report_findings
    ORDER BY rule_id = 'R00', agency_id, report_year, rule_id, table_key, row_key, column_key, file_path"""


def findings(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    """Every current finding, FINDINGS_CSV_COLUMNS in order."""
    return con.execute(_FINDINGS_SQL).fetchall()


def read_defects(path: Path) -> set[Key]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return {
            (r["agency_id"], int(r["report_year"]), r["rule"], r["table"], r["row"], r["column"])
            for r in csv.DictReader(f)
        }


@dataclass
class CityScore:
    folder: str  # relative to the raw folder
    expected: set[Key]
    found: set[Key]

    @property
    def true_positives(self) -> int:
        return len(self.expected & self.found)

    @property
    def precision(self) -> float:
        return self.true_positives / len(self.found) if self.found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / len(self.expected) if self.expected else 1.0


def city_findings(con: duckdb.DuckDBPyConnection, folder: str, agency_ids: Iterable[str]) -> set[Key]:
    """The warehouse findings of one city: its registry's agencies, and R00 of reports in its folder."""
    prefix = "" if folder in ("", ".") else folder.rstrip("/") + "/"
    ids = sorted(set(agency_ids))
    rows = con.execute(
        """
        SELECT coalesce(agency_id, ''), report_year, rule_id, coalesce(table_key, ''), coalesce(row_key, ''),
               coalesce(column_key, '')
        FROM marts.report_findings
        WHERE list_contains(?, agency_id) OR (agency_id IS NULL AND starts_with(file_path, ?))""",
        [ids, prefix],
    ).fetchall()
    return {(a, int(y), r, t, ro, c) for a, y, r, t, ro, c in rows}


def generated_cities(raw_dir: Path) -> list[tuple[str, Path, list[str]]]:
    """(folder relative to raw_dir, defects.csv, agency ids of the folder's agencies.csv) per generated city."""
    out = []
    for defects in metadata_files(raw_dir, DEFECTS_CSV):
        registry = defects.parent / AGENCIES_CSV
        if not registry.exists():
            continue
        ids = registry_ids(raw_dir, registry)  # as the landing reads it (any encoding, rows validated)
        out.append((defects.parent.relative_to(raw_dir).as_posix(), defects, ids))
    return out


def score_cities(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> list[CityScore]:
    return [
        CityScore(folder, read_defects(defects), city_findings(con, folder, ids))
        for folder, defects, ids in generated_cities(raw_dir)
    ]


def compliance_counts(
    con: duckdb.DuckDBPyConnection, agency_ids: Iterable[str] | None = None
) -> list[tuple[str, str, int]]:
    """(status, status_zh, agency-years) from marts.agency_year_compliance (of the given agencies)."""
    where, params = "", []
    if agency_ids is not None:
        where, params = "WHERE list_contains(?, agency_id)", [sorted(set(agency_ids))]
    return con.execute(
        f"""SELECT status, status_zh, count(*) FROM marts.agency_year_compliance {where}
                           GROUP BY ALL ORDER BY 3 DESC, 1""",
        params,
    ).fetchall()


def needs_review_count(con: duckdb.DuckDBPyConnection) -> int:
    """Agency-years whose current report is only partly read (status needs_review, 待人工核对)."""
    (count,) = con.execute(
        "SELECT count(*) FROM marts.agency_year_compliance WHERE status = 'needs_review'"
    ).fetchall()[0]
    return int(count)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _csv_field(value: Any) -> str:
    """A findings CSV field: numbers as printed, text that a spreadsheet would evaluate prefixed with '."""
    return csv_cell(value) if isinstance(value, str) else _fmt(value)


def write_findings_csv(rows: Iterable[tuple[Any, ...]], out: Any) -> None:
    """FINDINGS_CSV_COLUMNS and the rows to the text stream `out` (`ogi findings --format csv`)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FINDINGS_CSV_COLUMNS)
    writer.writerows([_csv_field(v) for v in row] for row in rows)


METADATA_PROBLEMS_SHOWN = 20


def metadata_problems(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, str, str, bool]]:
    """(source_file, line_no, file_kind, reason, row_applied) of every row of agencies.csv and
    publications.csv not applied as written (landing.rejected_metadata_rows), in file and line order;
    [] for a warehouse written before the table existed."""
    try:
        return con.execute("""SELECT source_file, line_no, file_kind, reason, row_applied
                              FROM landing.rejected_metadata_rows
                              ORDER BY file_kind, source_file, line_no, reason""").fetchall()
    except duckdb.CatalogException:
        return []


def metadata_problem_lines(con: duckdb.DuckDBPyConnection, shown: int = METADATA_PROBLEMS_SHOWN) -> list[str]:
    """What `ogi run` prints about the registry and publication files: the counts, then every row
    not applied (`file:line: reason`) and every registry row applied with a field left empty, at
    most `shown` of each, the rest counted."""
    problems = metadata_problems(con)
    rejected = [p for p in problems if not p[4]]
    in_part = [p for p in problems if p[4]]
    if not problems:
        return ["registry and publication files (agencies.csv, publications.csv): every row applied"]
    lines = [
        f"registry and publication files (agencies.csv, publications.csv): {len(rejected)} rows not applied,"
        f" {len(in_part)} applied with a field left empty (landing.rejected_metadata_rows)"
    ]
    for label, group in (("not applied", rejected), ("applied, field left empty", in_part)):
        for source, line, _kind, reason, _ in group[:shown]:
            lines.append(f"  {label} {printable(source)}:{line}: {printable(reason)}")
        if len(group) > shown:
            lines.append(f"  … {len(group) - shown} more in landing.rejected_metadata_rows")
    return lines


def main_findings(warehouse: Path | None, fmt: str = "text") -> int:
    """`ogi findings`: 0 on success, 2 when the warehouse cannot be read."""
    import sys

    from .warehouse import default_warehouse, open_read_only

    db = Path(warehouse) if warehouse is not None else default_warehouse()
    try:
        con = open_read_only(db)
    except (FileNotFoundError, RuntimeError) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    try:
        rows = findings(con)
        n_review = needs_review_count(con)
        n_metadata = sum(not p[4] for p in metadata_problems(con))
    except duckdb.Error as exc:
        print(f"{db}: no findings table ({exc}); run `ogi run` first", file=sys.stderr)
        return 2
    finally:
        con.close()
    if fmt == "csv":
        write_findings_csv(rows, sys.stdout)
        return 0
    print(f"{len(rows)} findings in {db}")
    if n_metadata:
        print(
            f"{n_metadata} rows of agencies.csv / publications.csv not applied (file, line and reason in"
            " landing.rejected_metadata_rows and the run summary): the findings do not reflect them"
        )
    print(
        f"{n_review} agency-years 待人工核对 (needs_review): their reports are only partly read, so checks on the"
        " unread cells are not made; export them (ogi export), fill 待人工核对, import (ogi corrections import)"
    )
    for agency_id, year, rule, table, row, column, text, name, path, version, expected, actual, detail in rows:
        where = ".".join(p for p in (table, row, column) if p)
        values = (
            f" expected {_fmt(expected)}, printed {_fmt(actual)}" if expected is not None or actual is not None else ""
        )
        version_text = f" v{version}" if version is not None else ""
        who = printable(f"{name or agency_id or '?'} [{agency_id or '未登记'}]")
        print(f"{rule} {year} {who} {where}{values}")
        print(f"    {text}")
        if path or detail:
            print(printable(f"    {path or ''}{version_text}{'  ' + detail if detail else ''}"))
    return 0
