"""The agency registry (`agencies.csv`) and publication metadata (`publications.csv`) under the
raw folder, read and validated row by row (docs/monitoring.md).

Both files are read as the corrections files are (`pipelines.corrections.read_csv_records`: UTF-8
with or without BOM, UTF-16, GB18030; a missing required column rejects the whole file on line 1;
a row with more values than the header is rejected), and every row that is not applied as written
becomes a `Rejection` with the file, the line and the reason. The good rows still apply.

A row is rejected (not applied) when it cannot identify what it describes:

* agencies.csv — no `agency_id`, no `name`, an `agency_id` already registered by an earlier row
  (of this file or of an earlier file, in path order), an `is_generated` that is not true/false;
* publications.csv — no `file`, a path that is absolute or leads outside the raw folder, a file
  that does not exist under the raw folder, a file listed before (the first date counts), a
  `published_at` that is not a date (YYYY-MM-DD; YYYY/M/D, YYYY.M.D and YYYY年M月D日 are read too),
  before 2008 or in the future.

A registry row applies with a field left empty when only that field is wrong (its agency still
matches its reports): a `level` or `kind` that is not one of the known values, a `parent_id`
that no registered agency has (or the agency's own id), and a `first_year`/`last_year` that is not
a year from 2008 to 2100 or a first year after the last one — then both years are left empty:
the agency is not monitored for missing reports (R11) rather than judged on a guessed period.
Those rows are recorded too (`row_applied` true), with what was left empty.

This module is light (no Dagster): `ogi run`'s summary and `ogi findings` import it.
"""

from __future__ import annotations

import datetime as dt
import json
import posixpath
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .corrections import Rejection, read_csv_records
from .inventory import AGENCIES_CSV, PUBLICATIONS_CSV, metadata_files
from .landing_tables import Row, landing_table
from .template import LEVEL_LABELS

AGENCY_COLUMNS = (
    "agency_id",
    "name",
    "aliases",
    "level",
    "parent_id",
    "kind",
    "first_year",
    "last_year",
    "is_generated",
)
# Where the agency publishes (issue #13): its 政府信息公开年报 list page and/or a report's own URL; read
# by the collector (pipelines/collect/collector.py, registry_sites), optional in agencies.csv.
SITE_COLUMNS = ("list_page_url", "report_url")
AGENCY_REQUIRED = ("agency_id", "name")
PUBLICATION_COLUMNS = ("file", "published_at")
PUBLICATION_REQUIRED = PUBLICATION_COLUMNS
KINDS = ("government", "department")
# Report years the registry may name: the regulations' first annual reports are of 2008.
FIRST_YEAR, LAST_YEAR = 2008, 2100
TRUE_VALUES = frozenset({"true", "1", "yes", "t", "y", "是"})
FALSE_VALUES = frozenset({"false", "0", "no", "f", "n", "否", ""})
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?")
_YEAR = re.compile(r"\d{4}")


@dataclass(frozen=True)
class MetadataProblem:
    """A row of agencies.csv or publications.csv not applied as written: `file_kind` agencies or
    publications; `applied` True when the row applies with a field left empty (the reason says
    which), False when it is rejected (line 1: the whole file, or an unknown column ignored)."""

    file_kind: str
    rejection: Rejection
    applied: bool = False

    @property
    def source_file(self) -> str:
        return self.rejection.source_file

    @property
    def line_no(self) -> int:
        return self.rejection.line_no

    @property
    def reason(self) -> str:
        return self.rejection.reason

    def landing_row(self) -> Row:
        fields = dict(self.rejection.fields)
        return landing_table("rejected_metadata_rows").row(
            source_file=self.source_file,
            line_no=self.line_no,
            file_kind=self.file_kind,
            reason=self.reason,
            row_applied=self.applied,
            fields=json.dumps(fields, ensure_ascii=False) if fields else None,
        )

    def __str__(self) -> str:
        return str(self.rejection)


def _text(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def _opt(value: str | None) -> str | None:
    return (value or "").strip() or None


def _year(text: str) -> int | None:
    """A report year as written (full-width digits read), or None when it is not one."""
    text = _text(text)
    if not _YEAR.fullmatch(text):
        return None
    year = int(text)
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def parse_date(text: str, today: dt.date | None = None) -> tuple[dt.date | None, str | None]:
    """(date, None) or (None, why it is not a publication date)."""
    value = _text(text)
    m = _DATE.fullmatch(value)
    if not m:
        return None, f"published_at {text!r} is not a date (write it as 2024-03-01)"
    try:
        day = dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None, f"published_at {text!r} is not a date of the calendar"
    today = today or dt.date.today()
    if day.year < FIRST_YEAR:
        return None, f"published_at {text!r} is before {FIRST_YEAR}: no annual report was published then"
    if day > today:
        return None, f"published_at {text!r} is in the future (today is {today.isoformat()})"
    return day, None


# ---------------------------------------------------------------- agencies.csv


def read_registry(raw_dir: Path) -> tuple[list[Row], list[MetadataProblem]]:
    """Every agencies.csv under raw_dir (path order): the rows of landing.agencies and the problems."""
    raw_dir = Path(raw_dir)
    problems: list[MetadataProblem] = []
    accepted: list[tuple[str, int, dict[str, str]]] = []  # (source, line, fields) in file then line order
    first_seen: dict[str, str] = {}  # agency_id -> "file:line"

    def reject(source: str, line: int, reason: str, fields: Mapping[str, str], applied: bool = False) -> None:
        problems.append(MetadataProblem("agencies", Rejection(source, line, reason, dict(fields)), applied))

    for path in metadata_files(raw_dir, AGENCIES_CSV):
        source = path.relative_to(raw_dir).as_posix()
        records, bad = read_csv_records(
            path, source, AGENCY_REQUIRED, (*AGENCY_COLUMNS, *SITE_COLUMNS), report_unknown_columns=True
        )
        problems += [
            MetadataProblem("agencies", r, r.line_no == 1 and r.reason.startswith("unknown column")) for r in bad
        ]
        for line, fields in records:
            agency_id, name = (fields.get("agency_id") or "").strip(), (fields.get("name") or "").strip()
            if not agency_id:
                reject(source, line, "agency_id is empty: the row is not applied", fields)
            elif not name:
                reject(source, line, f"name is empty for agency_id {agency_id!r}: the row is not applied", fields)
            elif agency_id in first_seen:
                reject(
                    source,
                    line,
                    f"agency_id {agency_id!r} is already registered at {first_seen[agency_id]}"
                    " (ids are unique across every agencies.csv): this row is not applied",
                    fields,
                )
            elif _text(fields.get("is_generated")).lower() not in TRUE_VALUES | FALSE_VALUES:
                reject(
                    source,
                    line,
                    f"is_generated {fields.get('is_generated')!r} is not true or false: the row is not applied",
                    fields,
                )
            else:
                first_seen[agency_id] = f"{source}:{line}"
                accepted.append((source, line, fields))

    rows: list[Row] = []
    for source, line, fields in accepted:
        agency_id = fields["agency_id"].strip()

        def cleared(reason: str) -> None:  # called within this iteration only
            reject(source, line, reason, fields, applied=True)  # noqa: B023

        level = _opt(fields.get("level"))
        if level is not None and level not in LEVEL_LABELS:
            cleared(f"level {level!r} is not one of {', '.join(LEVEL_LABELS)}: left empty")
            level = None
        kind = _opt(fields.get("kind"))
        if kind is not None and kind not in KINDS:
            cleared(f"kind {kind!r} is not government or department: left empty (then taken from the level)")
            kind = None
        parent = _opt(fields.get("parent_id"))
        if parent is not None and (parent == agency_id or parent not in first_seen):
            why = "is the agency itself" if parent == agency_id else "is not the agency_id of any registered agency"
            cleared(f"parent_id {parent!r} {why}: left empty")
            parent = None
        first_text, last_text = _text(fields.get("first_year")), _text(fields.get("last_year"))
        first, last = _year(first_text), _year(last_text)
        bad_year = next(
            (
                f"{col} {text!r} is not a year ({FIRST_YEAR}–{LAST_YEAR})"
                for col, text, value in (("first_year", first_text, first), ("last_year", last_text, last))
                if text and value is None
            ),
            None,
        )
        if bad_year is None and first is not None and last is not None and first > last:
            bad_year = f"first_year {first} is after last_year {last}"
        if bad_year:
            cleared(
                f"{bad_year}: first_year and last_year left empty, the agency is not monitored for missing"
                " reports (R11)"
            )
            first = last = None
        rows.append(
            landing_table("agencies").row(
                agency_id=agency_id,
                name=fields["name"].strip(),
                aliases=_opt(fields.get("aliases")),
                level=level,
                parent_id=parent,
                kind=kind,
                first_year=first,
                last_year=last,
                is_generated=_text(fields.get("is_generated")).lower() in TRUE_VALUES,
                source_file=source,
            )
        )
    problems.sort(key=lambda p: (p.source_file, p.line_no))
    return rows, problems


def registry_ids(raw_dir: Path, registry: Path) -> list[str]:
    """The agency ids one agencies.csv registers (the rows that apply, as the landing reads them)."""
    rows, _ = read_registry(raw_dir)
    source = Path(registry).relative_to(raw_dir).as_posix()
    return [r.agency_id for r in rows if r.source_file == source]


# ---------------------------------------------------------------- publications.csv


def report_path(folder: str, file: str) -> tuple[str | None, str | None]:
    """(path relative to the raw folder, None) of a `file` written in the publications.csv of
    `folder` (relative to the raw folder), or (None, why it is refused). Backslashes are folder
    separators (a path written on Windows)."""
    text = file.strip().replace("\\", "/")
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        return None, f"the path {file!r} contains control characters: the row is not applied"
    if text.startswith("/") or re.match(r"[A-Za-z]:", text):
        return None, f"the path {file!r} is absolute: write it relative to the folder of publications.csv"
    joined = posixpath.normpath(posixpath.join(folder, text) if folder not in ("", ".") else text)
    if joined == ".." or joined.startswith("../") or joined in ("", "."):
        return None, f"the path {file!r} leads outside the raw folder: the row is not applied"
    return joined, None


def read_publications(raw_dir: Path, today: dt.date | None = None) -> tuple[list[Row], list[MetadataProblem]]:
    """Every publications.csv under raw_dir: the rows of landing.publications (report paths
    relative to raw_dir) and the problems."""
    raw_dir = Path(raw_dir)
    rows: list[Row] = []
    problems: list[MetadataProblem] = []
    first_seen: dict[str, tuple[str, dt.date | None]] = {}

    def reject(source: str, line: int, reason: str, fields: Mapping[str, str]) -> None:
        problems.append(MetadataProblem("publications", Rejection(source, line, reason, dict(fields))))

    for path in metadata_files(raw_dir, PUBLICATIONS_CSV):
        source = path.relative_to(raw_dir).as_posix()
        folder = path.parent.relative_to(raw_dir).as_posix()
        records, bad = read_csv_records(
            path, source, PUBLICATION_REQUIRED, PUBLICATION_COLUMNS, report_unknown_columns=True
        )
        problems += [
            MetadataProblem("publications", r, r.line_no == 1 and r.reason.startswith("unknown column")) for r in bad
        ]
        for line, fields in records:
            file = (fields.get("file") or "").strip()
            if not file:
                reject(source, line, "file is empty: which report was published?", fields)
                continue
            rel, why = report_path(folder, file)
            if rel is None:
                reject(source, line, why or "", fields)
                continue
            target = raw_dir / rel
            if not target.is_file():
                reject(source, line, f"no such file under the raw folder: {rel}", fields)
                continue
            published: dt.date | None = None
            if _text(fields.get("published_at")):
                published, why = parse_date(fields.get("published_at") or "", today)
                if why:
                    reject(source, line, f"{why}: the row is not applied", fields)
                    continue
            if rel in first_seen:
                where, when = first_seen[rel]
                reject(
                    source,
                    line,
                    f"{rel} is already listed at {where} (published_at "
                    f"{when.isoformat() if when else 'empty'}): this row is not applied",
                    fields,
                )
                continue
            first_seen[rel] = (f"{source}:{line}", published)
            rows.append(landing_table("publications").row(file_path=rel, published_at=published, source_file=source))
    problems.sort(key=lambda p: (p.source_file, p.line_no))
    return rows, problems
