"""Corrections: a person's value for a cell of a report (data/corrections/*.csv).

The office exports a year (`ogi export`), fills the sheet 待人工核对 (every cell the parser could not
read) and imports it (`ogi corrections import`), which writes a CSV here; or it writes such a CSV by
hand. Each row names a file by its bytes (`sha256`, or `file_path` relative to the raw folder), a
cell by its canonical keys (`table`, `row`, `column`), the value (a number; empty, or a marker of
BLANK_MARKERS, for a cell printed blank), who corrected it and when (`corrected_by`,
`corrected_at`, ISO date or date and time) and a `note`.

One validation serves the landing asset (`correction_files`) and the import, so a row the import
accepts is a row the run applies: a row is rejected, with its file, line and reason, when its file
is unknown or quarantined, a key is not in the report's template, the value is not a number or not
valid for the column (a negative or fractional count), who or when is missing, or another row gives
the same cell a different value. Valid rows land in landing.corrections; dbt applies those whose
file is a current report (the cell's status becomes `corrected`) and lists the others as stale.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from .landing_tables import Row, landing_table
from .safe_text import csv_cell, from_csv_cell
from .template import TABLES, TEMPLATES

CORRECTIONS_COLUMNS = ("sha256", "file_path", "table", "row", "column", "value", "corrected_by", "corrected_at", "note")
# Columns a corrections file must have (sha256 or file_path, or both, identify the file).
# Columns of free text (what a person or a file name wrote); the rest are keys, numbers and dates.
FREE_TEXT_COLUMNS = ("file_path", "corrected_by", "note")
REQUIRED_COLUMNS = ("table", "row", "column", "value", "corrected_by", "corrected_at")
# What a person may write for "the cell is printed blank" (in a CSV an empty value means the same).
BLANK_MARKERS = frozenset({"空白", "空", "blank"})
CSV_GLOB = "*.csv"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class KnownFile:
    """A raw file as the warehouse knows it: its path and, when parsed as a report, its template."""

    file_path: str
    template_version: str | None  # None: not parsed (quarantined, or not yet parsed)
    quarantined: bool = False


@dataclass
class KnownFiles:
    by_sha: dict[str, KnownFile] = field(default_factory=dict)
    by_path: dict[str, str] = field(default_factory=dict)  # file_path -> sha256


@dataclass(frozen=True)
class Correction:
    source_file: str
    line_no: int
    sha256: str
    file_path: str | None
    table: str
    row: str
    column: str
    value: float | None
    is_blank: bool
    corrected_by: str
    corrected_at: dt.datetime
    note: str | None

    @property
    def cell(self) -> tuple[str, str, str, str]:
        return self.sha256, self.table, self.row, self.column

    def landing_row(self) -> Row:
        return landing_table("corrections").row(
            source_file=self.source_file,
            line_no=self.line_no,
            sha256=self.sha256,
            file_path=self.file_path,
            table_key=self.table,
            row_key=self.row,
            column_key=self.column,
            value=self.value,
            is_blank=self.is_blank,
            corrected_by=self.corrected_by,
            corrected_at=self.corrected_at,
            note=self.note,
        )

    def csv_row(self) -> list[str]:
        return [
            self.sha256,
            self.file_path or "",
            self.table,
            self.row,
            self.column,
            format_value(self.value),
            self.corrected_by,
            self.corrected_at.isoformat(sep=" ", timespec="seconds"),
            self.note or "",
        ]

    def written_row(self) -> list[str]:
        """csv_row as written to a corrections file: free text that a spreadsheet would take for a
        formula (a note or name beginning with =) gets a leading ', which validate_row removes."""
        return [
            csv_cell(v) if k in FREE_TEXT_COLUMNS else v
            for k, v in zip(CORRECTIONS_COLUMNS, self.csv_row(), strict=False)
        ]


@dataclass(frozen=True)
class Rejection:
    source_file: str
    line_no: int
    reason: str
    fields: Mapping[str, str]

    def landing_row(self) -> Row:
        def written(name: str) -> str | None:
            return self.fields.get(name) or None

        return landing_table("rejected_corrections").row(
            source_file=self.source_file,
            line_no=self.line_no,
            reason=self.reason,
            sha256=written("sha256"),
            file_path=written("file_path"),
            table_key=written("table"),
            row_key=written("row"),
            column_key=written("column"),
            value_text=written("value"),
            corrected_by=written("corrected_by"),
            corrected_at=written("corrected_at"),
            note=written("note"),
        )

    def __str__(self) -> str:
        return f"{self.source_file}:{self.line_no}: {self.reason}"


def format_value(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# ---------------------------------------------------------------- what the warehouse knows


def known_files(con: duckdb.DuckDBPyConnection) -> KnownFiles:
    """The raw files of landing (raw_report_files, parsed_reports, quarantined_files)."""
    known = KnownFiles()
    templates = dict(
        con.execute("SELECT sha256, any_value(template_version) FROM landing.parsed_reports GROUP BY sha256").fetchall()
    )
    quarantined = {sha for (sha,) in con.execute("SELECT DISTINCT sha256 FROM landing.quarantined_files").fetchall()}
    for path, sha in con.execute(
        "SELECT file_path, sha256 FROM landing.raw_report_files ORDER BY file_path"
    ).fetchall():
        known.by_path[path] = sha
        if sha not in known.by_sha:
            known.by_sha[sha] = KnownFile(path, templates.get(sha), sha in quarantined)
    return known


# ---------------------------------------------------------------- one row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return unicodedata.normalize("NFKC", str(value)).strip()


def _column_kind(table: str, row: str, column: str, versions: Iterable[str]) -> str | None:
    for version in versions:
        tbl = TEMPLATES[version].tables.get(table)
        if tbl is None:
            continue
        for r in tbl.rows:
            if r.key == row:
                for c in r.columns:
                    if c.key == column:
                        return c.kind
    return None


def _key_problem(table: str, row: str, column: str, template: str | None) -> str | None:
    """Why (table, row, column) is not a cell of the template (any template when it is unknown), or None."""
    if table not in TABLES:
        return f"unknown table {table!r} (one of {', '.join(TABLES)})"
    versions = [template] if template in TEMPLATES else list(TEMPLATES)
    where = f"the {template} template" if template in TEMPLATES else "any template"
    rows = {r.key: r for v in versions for r in TEMPLATES[v].tables[table].rows}
    if row not in rows:
        return f"unknown row {row!r} of table {table} in {where}"
    if _column_kind(table, row, column, versions) is None:
        return f"unknown column {column!r} of row {table}.{row} in {where}"
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _timestamp(text: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        return None
    return value.replace(tzinfo=None)


def validate_row(
    fields: Mapping[str, Any], source_file: str, line_no: int, known: KnownFiles
) -> Correction | Rejection:
    """One row of a corrections file (CORRECTIONS_COLUMNS → values as written), checked on its own."""
    f = {k: _text(fields.get(k)) for k in CORRECTIONS_COLUMNS}
    for k in FREE_TEXT_COLUMNS:
        f[k] = from_csv_cell(f[k])

    def reject(reason: str) -> Rejection:
        return Rejection(source_file, line_no, reason, f)

    sha, path = f["sha256"].lower(), f["file_path"]
    if not sha and not path:
        return reject("no sha256 and no file_path: which file is corrected?")
    if sha and not _SHA256.fullmatch(sha):
        return reject(f"sha256 {f['sha256']!r} is not 64 hexadecimal digits")
    if not sha:
        if path not in known.by_path:
            return reject(f"unknown file {path!r}: no such file under the raw folder")
        sha = known.by_path[path]
    file = known.by_sha.get(sha)
    if file is not None and file.quarantined:
        return reject(f"the file {file.file_path} is quarantined (not read as a report): nothing to correct")
    table, row, column = f["table"], f["row"], f["column"]
    if not (table and row and column):
        return reject("table, row and column are required (canonical keys, e.g. requests, granted, total)")
    template = file.template_version if file is not None else None
    problem = _key_problem(table, row, column, template)
    if problem:
        return reject(problem)

    text = f["value"]
    value: float | None = None
    is_blank = text == "" or text in BLANK_MARKERS
    if not is_blank:
        value = _number(text)
        if value is None:
            return reject(f"value {text!r} is not a number (write the number, or 空白 for a blank cell)")
        kind = _column_kind(table, row, column, [template] if template in TEMPLATES else list(TEMPLATES))
        if kind == "count" and value < 0:
            return reject(f"negative count {text}: counts are non-negative")
        if kind in ("count", "signed") and not value.is_integer():
            return reject(f"value {text} is not a whole number: {table}.{row}.{column} is a count")
        if kind == "amount" and value < 0:
            return reject(f"negative amount {text}")
    if not f["corrected_by"]:
        return reject("corrected_by is empty: who corrected the cell?")
    if not f["corrected_at"]:
        return reject("corrected_at is empty: when was the cell corrected (ISO date, e.g. 2025-03-01)?")
    at = _timestamp(f["corrected_at"])
    if at is None:
        return reject(f"corrected_at {f['corrected_at']!r} is not an ISO date or date and time (2025-03-01 14:30)")
    return Correction(
        source_file,
        line_no,
        sha,
        path or (file.file_path if file else None),
        table,
        row,
        column,
        value,
        is_blank,
        f["corrected_by"],
        at,
        f["note"] or None,
    )


def conflicts(corrections: list[Correction]) -> tuple[list[Correction], list[Rejection]]:
    """Rows that give one cell different values are all rejected (nobody can tell which is right);
    rows that repeat the same value are kept (the warehouse applies one, the latest)."""
    by_cell: dict[tuple[str, str, str, str], list[Correction]] = {}
    for c in corrections:
        by_cell.setdefault(c.cell, []).append(c)
    kept: list[Correction] = []
    rejected: list[Rejection] = []
    for group in by_cell.values():
        if len({(c.value, c.is_blank) for c in group}) == 1:
            kept.extend(group)
            continue
        listing = "; ".join(
            f"{c.source_file}:{c.line_no} → {'空白' if c.is_blank else format_value(c.value)}" for c in group
        )
        for c in group:
            fields = dict(zip(CORRECTIONS_COLUMNS, c.csv_row(), strict=False))
            rejected.append(
                Rejection(
                    c.source_file,
                    c.line_no,
                    f"conflicting values for the same cell {c.table}.{c.row}.{c.column}: {listing}",
                    fields,
                )
            )
    return kept, rejected


# ---------------------------------------------------------------- files

# A column that must be there: one name, or alternatives of which one is enough ("sha256 or file_path").
RequiredColumn = str | tuple[str, ...]


def read_text(path: Path) -> str:
    """A CSV file's text: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (Excel's "CSV"
    on a Chinese Windows). UnicodeDecodeError when it is none of them."""
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _header_name(value: str) -> str:
    return unicodedata.normalize("NFKC", value).replace("\ufeff", "").strip().lower()


def read_csv_records(
    path: Path,
    source_file: str,
    required: Iterable[RequiredColumn],
    columns: Sequence[str],
    report_unknown_columns: bool = False,
) -> tuple[list[tuple[int, dict[str, str]]], list[Rejection]]:
    """One CSV file, row by row: (line number, {column: value as written}) of every non-empty row,
    and a Rejection (file, line, reason) for what cannot be read. Shared by the corrections files
    and the registry and publication files (pipelines/metadata.py), so that each says the same
    things the same way:

    * the file cannot be read (not UTF-8/UTF-16/GB18030 text) → one rejection on line 1;
    * a required column is missing, or a column is named twice → one rejection on line 1 that
      names the columns and counts the rows not applied; no row of the file is returned;
    * with `report_unknown_columns`, each column not in `columns` (the columns the reader knows)
      → a rejection on line 1 saying its values are not read (the rows still apply);
    * a row with more values than the header (a value with an unquoted comma shifts every column
      after it) → that row rejected;
    * a line the csv module cannot parse (a NUL byte) → rejected with the rest of the file.

    Header names are matched trimmed and lower-cased (a BOM or full-width letters are ignored);
    line numbers are the file's, of the line where the row starts (empty lines count)."""
    required = list(required)
    try:
        text = read_text(path)
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Rejection(source_file, 1, f"cannot read the file: {exc}", {})]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        raw_header = next(reader, [])
    except csv.Error as exc:
        return [], [Rejection(source_file, 1, f"cannot read the header line: {exc}", {})]
    header = [_header_name(h) for h in raw_header]
    named = [h for h in header if h]
    twice = sorted({h for h in named if named.count(h) > 1})
    missing = [
        " or ".join(c) if isinstance(c, tuple) else c
        for c in required
        if not any(name in header for name in ((c,) if isinstance(c, str) else c))
    ]
    records: list[tuple[int, dict[str, str]]] = []
    bad: list[Rejection] = []
    while True:
        line_no = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            bad.append(
                Rejection(
                    source_file,
                    line_no,
                    f"cannot read line {line_no}: {exc}; this line and the rest of the file are not read",
                    {},
                )
            )
            break
        if not any(v.strip() for v in values):
            continue  # an empty line
        fields = {h: v for h, v in zip(header, values, strict=False) if h}
        extra = [v for v in values[len(header) :] if v.strip()]
        if extra:
            bad.append(
                Rejection(
                    source_file,
                    line_no,
                    f"the line has {len(values)} values but the header"
                    f" {len(header)} columns (a value with a comma must be in double quotes):"
                    f" not applied",
                    fields,
                )
            )
            continue
        records.append((line_no, fields))
    if missing or twice:
        problem = (
            f"the file lacks the columns {', '.join(missing)}"
            if missing
            else f"the columns {', '.join(twice)} appear more than once in the header"
        )
        return [], [
            Rejection(
                source_file,
                1,
                f"{problem}: none of its {len(records) + len(bad)} rows applied (columns: {', '.join(columns)})",
                {},
            )
        ]
    if report_unknown_columns:
        bad = [
            Rejection(
                source_file,
                1,
                f"unknown column {h!r} in the header: its values are not read (columns: {', '.join(columns)})",
                {},
            )
            for h in named
            if h not in columns
        ] + bad
    return records, bad


def read_file(path: Path, source_file: str, known: KnownFiles) -> tuple[list[Correction], list[Rejection]]:
    """One corrections CSV: its valid rows and its rejected ones (line numbers of the file)."""
    records, bad = read_csv_records(
        path, source_file, (("sha256", "file_path"), *REQUIRED_COLUMNS), CORRECTIONS_COLUMNS
    )
    good: list[Correction] = []
    for line_no, fields in records:
        result = validate_row(fields, source_file, line_no, known)
        (good if isinstance(result, Correction) else bad).append(result)  # type: ignore[arg-type]
    return good, bad


def csv_files(folder: Path) -> list[Path]:
    """Every visible *.csv under the corrections folder (recursive), in path order."""
    if not folder.is_dir():
        return []
    return [
        p
        for p in sorted(folder.rglob(CSV_GLOB))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]


def read_corrections(folder: Path, known: KnownFiles) -> tuple[list[Correction], list[Rejection]]:
    """Every corrections file of the folder: the rows to land, and the rejected rows (by file and line)."""
    good: list[Correction] = []
    bad: list[Rejection] = []
    for path in csv_files(folder):
        g, b = read_file(path, path.relative_to(folder).as_posix(), known)
        good += g
        bad += b
    good, conflicting = conflicts(good)
    bad += conflicting
    bad.sort(key=lambda r: (r.source_file, r.line_no))
    return good, bad


# ---------------------------------------------------------------- the office's workbook


@dataclass
class ImportResult:
    written: Path | None
    corrections: list[Correction]
    rejected: list[Rejection]  # line_no = the sheet's row number
    already: list[tuple[Correction, Correction]]  # (sheet row, the same correction already in a file)
    not_filled: int


def _default_out(folder: Path, workbook: Path) -> Path:
    """<folder>/<workbook stem>.csv, or -2, -3, … when that file exists: never overwrite."""
    out = folder / f"{workbook.stem}.csv"
    n = 2
    while out.exists():
        out = folder / f"{workbook.stem}-{n}.csv"
        n += 1
    return out


def import_workbook(
    workbook: Path,
    corrections_dir: Path,
    known: KnownFiles,
    out: Path | None = None,
    corrected_by: str | None = None,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Read the filled 待人工核对 sheet of an exported workbook and write its corrections as a CSV
    under `corrections_dir` (or `out`). A row counts when its 值 holds a number or a blank marker
    (空白); rows left empty are not filled. Every row is validated as the landing validates it,
    and against the corrections already in the folder (a different value for a corrected cell is
    rejected; the same value is reported as already there and not written again).

    Raises FileExistsError when `out` exists (never overwritten), ValueError when the workbook has
    no 待人工核对 sheet or lacks its columns."""
    from openpyxl import load_workbook

    from .export import REVIEW_BY, REVIEW_HEADER, REVIEW_SHEET, REVIEW_TO_CSV, REVIEW_VALUE

    if out is not None and out.exists():
        raise FileExistsError(f"文件已存在，不会覆盖 / {out} exists: it is never overwritten (choose another --out)")
    wb = load_workbook(workbook, read_only=True, data_only=True)
    try:
        if REVIEW_SHEET not in wb.sheetnames:
            raise ValueError(
                f"工作簿中没有“{REVIEW_SHEET}”表 / {workbook} has no sheet {REVIEW_SHEET} (export one with ogi export)"
            )
        rows = list(wb[REVIEW_SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    header = [_text(h) for h in (rows[0] if rows else ())]
    missing = [h for h in REVIEW_TO_CSV if h not in header]
    if missing:
        raise ValueError(
            f"“{REVIEW_SHEET}”表缺少列 {', '.join(missing)} / the sheet lacks the columns"
            f" {', '.join(missing)} (its header must be: {', '.join(REVIEW_HEADER)})"
        )
    at = (now or dt.datetime.now()).replace(microsecond=0).isoformat(sep=" ")
    source = workbook.name
    good: list[Correction] = []
    bad: list[Rejection] = []
    not_filled = 0
    for number, values in enumerate(rows[1:], start=2):
        cells = dict(zip(header, values, strict=False))
        if _text(cells.get(REVIEW_VALUE)) == "":
            not_filled += 1
            continue
        fields = {csv_column: cells.get(sheet_column) for sheet_column, csv_column in REVIEW_TO_CSV.items()}
        fields["corrected_by"] = _text(cells.get(REVIEW_BY)) or (corrected_by or "")
        fields["corrected_at"] = at
        result = validate_row(fields, source, number, known)
        (good if isinstance(result, Correction) else bad).append(result)  # type: ignore[arg-type]

    # Against the folder: the same cell with another value is a conflict; the same value is already there.
    existing, _ = read_corrections(corrections_dir, known)
    by_cell = {c.cell: c for c in existing}
    fresh: list[Correction] = []
    already: list[tuple[Correction, Correction]] = []
    for c in good:
        before = by_cell.get(c.cell)
        if before is None:
            fresh.append(c)
        elif (before.value, before.is_blank) == (c.value, c.is_blank):
            already.append((c, before))
        else:
            bad.append(
                Rejection(
                    source,
                    c.line_no,
                    f"the cell {c.table}.{c.row}.{c.column} is already corrected to "
                    f"{'空白' if before.is_blank else format_value(before.value)} in "
                    f"{before.source_file}:{before.line_no}; change that file if that value is wrong",
                    dict(zip(CORRECTIONS_COLUMNS, c.csv_row(), strict=False)),
                )
            )
    fresh, conflicting = conflicts(fresh)
    bad += conflicting
    bad.sort(key=lambda r: r.line_no)

    written = None
    if fresh:
        written = out or _default_out(corrections_dir, workbook)
        written.parent.mkdir(parents=True, exist_ok=True)
        with written.open("x", encoding="utf-8-sig", newline="") as f:  # "x": never overwrite
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(CORRECTIONS_COLUMNS)
            writer.writerows(c.written_row() for c in fresh)
    return ImportResult(written, fresh, bad, already, not_filled)


def main_import(
    workbook: Path,
    out: Path | None,
    corrections_dir: Path | None,
    raw_dir: Path,
    warehouse: Path | None,
    corrected_by: str | None,
) -> int:
    """`ogi corrections import`: 0 when every filled row is written, 1 when some are rejected, 2 on errors."""
    import sys

    from .warehouse import REPO_ROOT, default_corrections_dir, default_warehouse, open_read_only

    def resolve(path: Path) -> Path:  # as `ogi run` does: from the current directory, else the repo root
        path = Path(path)
        return path if path.is_absolute() or path.exists() else REPO_ROOT / path

    folder = resolve(corrections_dir) if corrections_dir is not None else default_corrections_dir(resolve(raw_dir))
    db = Path(warehouse) if warehouse is not None else default_warehouse()
    try:
        con = open_read_only(db)
        try:
            known = known_files(con)
        finally:
            con.close()
        result = import_workbook(Path(workbook), folder, known, Path(out) if out else None, corrected_by)
    except (FileNotFoundError, FileExistsError, RuntimeError, ValueError, duckdb.Error) as exc:
        print(str(exc), file=sys.stderr)
        return 2
    if result.written:
        print(f"wrote {result.written}: {len(result.corrections)} corrections (run `ogi run` to apply them)")
    else:
        print("nothing written: no new correction in the sheet")
    for c in result.corrections:
        print(
            f"  sheet row {c.line_no}: {c.table}.{c.row}.{c.column} = "
            f"{'空白' if c.is_blank else format_value(c.value)} ({c.file_path})"
        )
    for c, before in result.already:
        print(f"  sheet row {c.line_no}: already in {before.source_file}:{before.line_no}, not written again")
    if result.not_filled:
        print(f"{result.not_filled} rows not filled in (no 值): not imported")
    for r in result.rejected:
        print(f"rejected sheet row {r.line_no}: {r.reason}")
    return 1 if result.rejected else 0
