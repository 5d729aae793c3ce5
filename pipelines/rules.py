"""The compliance rules of docs/monitoring.md, run outside a pipeline run: the warehouse's own SQL.

Every rule is written once, in SQL: the dbt macros under dbt_project/macros/rules/, used by the
model int_rule_evaluations. This module runs that same model on an in-memory DuckDB: the landing
tables (pipelines/landing_tables.py's descriptions, the template reference rows) are filled with the reports
given, the dbt models the rules depend on are rendered with jinja2 (`ref` and `source` resolved to
in-memory views) and queried. Nothing here decides a finding; it only moves rows in and out.

Input reports are canonical report dicts (the JSON of `ogi parse --format json`). A cell that
is `None` is blank (printed blank: not reported); a row or cell missing from the dict is not
printed at all (absent). A report may carry `"cell_status": {"table.row.column": status}` (the
parser's statuses): "absent" cells are treated as missing from the dict, "unreadable" cells as
not read; `report_from_parsed()` builds such a dict from a ParsedReport.

    evaluate_report(report)                        R01–R05, R08, R09 of one report
    not_assessable(report)                         its R01–R04 checks not made (unread, absent)
    evaluate(reports, registry, publications)      every rule over a set of reports
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import duckdb
import jinja2

from pipelines.landing_tables import landing_table
from pipelines.template import REPORT_DEADLINES, TEMPLATES, Identity, identities
from pipelines.warehouse import LANDING, bulk_insert, ensure_landing, template_reference_rows

FINDING_COLUMNS = ("agency_id", "report_year", "rule", "table", "row", "column")
# The rules one report is judged on alone (no registry, no other year, no publication date).
SINGLE_REPORT_RULES = ("R01", "R02", "R03", "R04", "R05", "R08", "R09")
DBT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"
RULES_MODEL = "int_rule_evaluations"
# The in-memory schema holding the rendered dbt models (views, as in dbt's staging/intermediate).
MODELS = "models"
# The relation of the narrative's figures R12 reads (`ogi check` only: the warehouse keeps no text).
NARRATIVE_FIGURES = "narrative_figures"
# Landing tables filled per evaluation; the reference tables are filled once per connection.
_REPORT_TABLES = ("parsed_reports", "parsed_cells", "raw_report_files", "agencies", "publications")


@dataclass(frozen=True, order=True)
class Finding:
    agency_id: str
    report_year: int
    rule: str
    table: str = ""
    row: str = ""
    column: str = ""
    expected: Any = None
    actual: Any = None
    file: str = ""  # the report version the finding comes from ("" for R10/R11)

    @property
    def key(self) -> tuple[str, int, str, str, str, str]:
        return (self.agency_id, self.report_year, self.rule, self.table, self.row, self.column)


def deadline(year: int, kind: str) -> dt.date:
    """The publication deadline of a `kind` agency's report for `year` (R10's reference data,
    pipelines/template.py REPORT_DEADLINES): the generator dates its publications with it."""
    month, day = REPORT_DEADLINES[kind]
    return dt.date(year + 1, month, day)


def to_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string; None for nothing."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def report_from_parsed(parsed: Any) -> dict[str, Any]:
    """A ParsedReport as an evaluator input: absent cells left out, unreadable cells marked."""
    out: dict[str, Any] = parsed.to_json()
    status: dict[str, str] = {}
    for c in parsed.cells:
        if c.status == "absent":
            out[c.table].get(c.row, {}).pop(c.column, None)
            if not out[c.table].get(c.row, True):
                del out[c.table][c.row]
        elif c.status == "unreadable":
            status[f"{c.table}.{c.row}.{c.column}"] = "unreadable"
    out["cell_status"] = status
    return out


# ---------------------------------------------------------------- the dbt models, rendered


def _model_files() -> dict[str, Path]:
    return {p.stem: p for p in (DBT_DIR / "models").rglob("*.sql")}


def _macro_source() -> str:
    """Every macro file of the project that plain jinja2 can read (dbt's `{% test %}` blocks are
    dbt's own syntax and are never needed by the models)."""
    texts = []
    for path in sorted((DBT_DIR / "macros").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        if "{% test" not in text and "{%- test" not in text:
            texts.append(text)
    return "\n".join(texts)


class _Renderer:
    """The project's macros compiled once (jinja2); `ref` and `source` resolve to the in-memory
    schemas and record what each rendering reads (through its macros too, as dbt does)."""

    def __init__(self) -> None:
        self.parents: set[str] = set()
        self.sources: set[str] = set()
        # dbt enables the `do` statement; `execute`, `run_query` and `var` stay undefined (strict): a
        # model that needs the warehouse at compile time is not one the rules read.
        self.env = jinja2.Environment(undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.do"])
        self.env.globals.update(ref=self._ref, source=self._source)
        macros = self.env.from_string(_macro_source()).module  # compiled once, shared by every rendering
        self.env.globals.update({name: value for name, value in vars(macros).items() if not name.startswith("_")})

    def _ref(self, model: str) -> str:
        self.parents.add(model)
        return f"{MODELS}.{model}"

    def _source(self, schema: str, table: str) -> str:
        self.sources.add(table)
        return f"{LANDING}.{table}"

    def render(self, text: str) -> tuple[str, set[str], set[str]]:
        """(SQL, models it refers to, landing tables it reads)."""
        self.parents, self.sources = set(), set()
        sql = self.env.from_string(text).render().strip()
        return sql, self.parents, self.sources


def render_sql(text: str) -> tuple[str, set[str]]:
    """SQL text using the project's macros, rendered as dbt would with `ref` and `source` resolved
    to the in-memory schemas; with the models it refers to."""
    sql, parents, _ = _Renderer().render(text)
    return sql, parents


def rendered_models(*targets: str, static_sources: Iterable[str] = ()) -> list[tuple[str, str, bool]]:
    """(model, SQL, static) of the `targets` (default: the rule evaluations) and every model they
    read, parents first; static when it reads only `static_sources` (directly or through its parents)."""
    files = _model_files()
    renderer = _Renderer()
    rendered: dict[str, tuple[str, set[str], set[str]]] = {}
    static: dict[str, bool] = {}
    order: list[str] = []

    def visit(name: str, stack: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in stack:
            raise ValueError(f"dbt model cycle: {' -> '.join((*stack, name))}")
        if name not in rendered:
            rendered[name] = renderer.render(files[name].read_text(encoding="utf-8"))
        _sql, parents, sources = rendered[name]
        for parent in sorted(parents):
            visit(parent, (*stack, name))
        static[name] = sources <= set(static_sources) and all(static[p] for p in parents)
        order.append(name)

    for target in targets or (RULES_MODEL,):
        visit(target, ())
    return [(name, rendered[name][0], static[name]) for name in order]


# ---------------------------------------------------------------- the engine


_LITERAL_ROWS = 2000  # above this many rows, an insert goes through a Parquet file


class RuleEngine:
    """An in-memory DuckDB holding the landing schema, the reference rows and the models that read
    only them: each evaluation fills the reports, registry and publications, builds the other rule
    models as tables (as views DuckDB would plan the shared subtrees once per use: seconds) and
    reads the evaluations, in a transaction rolled back after. One per process (`engine()`); a
    lock serialises evaluations."""

    def __init__(self) -> None:
        self.con = duckdb.connect(":memory:")
        self.lock = threading.Lock()
        reference = template_reference_rows()
        ensure_landing(self.con)
        for table, rows in reference.items():
            self._insert(table, rows)
        self.con.execute(f"CREATE SCHEMA {MODELS}")
        # R12 compares the narrative's figures (a relation made per run) with the tables
        self.narrative_sql, parents = render_sql(f"{{{{ rule_r12(ref('{NARRATIVE_FIGURES}')) }}}}")
        models = rendered_models(RULES_MODEL, *sorted(parents - {NARRATIVE_FIGURES}), static_sources=reference)
        for name, sql, static in models:
            if static:  # the template's reference: the same for every report
                self.con.execute(f"CREATE TABLE {MODELS}.{name} AS {sql}")
        self.models = [(name, sql) for name, sql, static in models if not static]

    def _insert(self, table: str, rows: Sequence[Sequence[object]]) -> None:
        """Rows as one statement of SQL literals (parameters cost ~0.3 ms each, executemany a
        round trip per row); many rows through a Parquet file (DuckDB parses a statement of 100k
        literals at ~30k rows/s: most of the generator's self-check on a city)."""
        if len(rows) > _LITERAL_ROWS:
            bulk_insert(self.con, table, cast("Sequence[tuple[object, ...]]", rows))  # named rows: tuples
        elif rows:
            values = ",\n".join("(" + ", ".join(_literal(v) for v in r) + ")" for r in rows)
            self.con.execute(f"INSERT INTO {LANDING}.{table} VALUES {values}")

    def run(
        self,
        landing: Mapping[str, Sequence[Sequence[object]]],
        figures: Sequence[tuple[str, int, str, float, str]] = (),
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """Every rule evaluation (int_rule_evaluations rows as dicts) over the given landing rows,
        and R12's failures over the narrative figures (report_id, seq, target, number, quote)."""
        with self.lock:
            self.con.execute("BEGIN")
            try:
                for table in _REPORT_TABLES:
                    self._insert(table, landing.get(table, ()))
                for name, sql in self.models:
                    self.con.execute(f"CREATE TABLE {MODELS}.{name} AS {sql}")
                evaluations = self._rows(f"SELECT * FROM {MODELS}.{RULES_MODEL}")
                narrative: list[dict[str, Any]] = []
                if figures:
                    self.con.execute(
                        f"CREATE TABLE {MODELS}.{NARRATIVE_FIGURES} (report_id VARCHAR, seq INTEGER,"
                        " target VARCHAR, number DOUBLE, quote VARCHAR)"
                    )
                    values = ", ".join("(" + ", ".join(_literal(v) for v in f) + ")" for f in figures)
                    self.con.execute(f"INSERT INTO {MODELS}.{NARRATIVE_FIGURES} VALUES {values}")
                    narrative = self._rows(self.narrative_sql)
                return evaluations, narrative
            finally:
                self.con.execute("ROLLBACK")

    def _rows(self, sql: str) -> list[dict[str, Any]]:
        cur = self.con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=False)) for r in cur.fetchall()]


def _literal(value: object) -> str:
    """A Python value as a DuckDB SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"'{value}'::DOUBLE"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


_ENGINE: RuleEngine | None = None
_ENGINE_LOCK = threading.Lock()


def engine() -> RuleEngine:
    """The process's engine, built on first use (the rendering and views take ~0.1 s)."""
    global _ENGINE
    with _ENGINE_LOCK:
        if _ENGINE is None:
            _ENGINE = RuleEngine()
        return _ENGINE


# ---------------------------------------------------------------- reports as landing rows


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _cell_rows(report_id: str, report: Mapping[str, Any]) -> list[tuple[object, ...]]:
    """landing.parsed_cells rows of a report dict: every cell of its template, absent when
    missing from the dict or marked so, unreadable when marked so or not a number, blank when None."""
    status = report.get("cell_status") or {}
    cell = landing_table("parsed_cells").row
    out: list[tuple[object, ...]] = []
    for table_key, table in TEMPLATES[report["template"]].tables.items():
        printed = report.get(table_key) or {}
        for row, col in table.cells():
            cols = printed.get(row.key)
            given = status.get(f"{table_key}.{row.key}.{col.key}")
            value = raw = None
            if given == "absent" or cols is None or col.key not in cols:
                cell_status = "absent"
            elif given == "unreadable":
                cell_status = "unreadable"
            elif cols[col.key] is None:
                cell_status = "blank"
            elif (value := _number(cols[col.key])) is None:
                # not a number: nobody has read a number there (never a 0)
                raw, cell_status = str(cols[col.key]), "unreadable"
            else:
                raw, cell_status = str(cols[col.key]), "value"
            out.append(
                cell(
                    report_id=report_id,
                    table_key=table_key,
                    row_key=row.key,
                    column_key=col.key,
                    value=value,
                    raw_text=raw,
                    cell_status=cell_status,
                    is_blank=cell_status == "blank",
                    source_location=None,
                )
            )
    return out


def _report_rows(report_id: str, file: str, report: Mapping[str, Any]) -> dict[str, list[tuple[object, ...]]]:
    year = report.get("report_year")
    head = landing_table("parsed_reports").row(
        report_id=report_id,
        sha256=report_id,
        file_path=file,
        format="json",
        agency_name=report.get("agency"),
        report_year=int(year) if year is not None else None,
        template_version=report["template"],
        n_warnings=0,
        parser_version="rules",
        parsed_at=None,
    )
    raw = landing_table("raw_report_files").row(
        file_path=file,
        file_name=Path(file).name,
        sha256=report_id,
        size_bytes=0,
        format="json",
        extension=None,
        modified_at=None,
    )
    return {"parsed_reports": [head], "parsed_cells": _cell_rows(report_id, report), "raw_report_files": [raw]}


def _report_id(file: str, i: int) -> str:
    # a stand-in for the file's sha256: distinct per file, stable for a path
    return hashlib.sha256(f"{i}:{file}".encode()).hexdigest()


def _landing(
    items: Sequence[tuple[str, Mapping[str, Any]]],
    registry: Iterable[Mapping[str, Any]] = (),
    published: Mapping[str, dt.date | None] | None = None,
) -> dict[str, list[tuple[object, ...]]]:
    out: dict[str, list[tuple[object, ...]]] = {t: [] for t in _REPORT_TABLES}
    for i, (file, report) in enumerate(items):
        for table, rows in _report_rows(_report_id(file, i), file, report).items():
            out[table] += rows
    for a in registry:
        out["agencies"].append(
            landing_table("agencies").row(
                agency_id=str(a["agency_id"]),
                name=str(a.get("name") or ""),
                aliases=_text(a.get("aliases")),
                level=_text(a.get("level")),
                parent_id=_text(a.get("parent_id")),
                kind=_text(a.get("kind")),
                first_year=_int_or_none(a.get("first_year")),
                last_year=_int_or_none(a.get("last_year")),
                is_generated=False,
                source_file=str(a.get("source") or "agencies.csv"),
            )
        )
    publication = landing_table("publications").row
    for file, date in (published or {}).items():
        out["publications"].append(publication(file_path=file, published_at=date, source_file="publications.csv"))
    return out


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _int_or_none(value: Any) -> int | None:
    return None if value is None or str(value).strip() == "" else int(value)


# ---------------------------------------------------------------- evaluations as findings


def _num(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _finding(e: Mapping[str, Any], agency_id: str | None = None, file: str | None = None) -> Finding:
    """A failed evaluation as a Finding: expected/actual are the values the office reads (the
    anchor cell's computed and printed value for R01–R04, the required and printed template for
    R08, the deadline and first publication for R10, the printed name for R00)."""
    rule = e["rule_id"]
    expected, actual = e["expected"], e["actual"]
    if rule in ("R01", "R02", "R03", "R04"):
        expected, actual = e["anchor_expected"], e["anchor_value"]
    elif rule == "R08":
        expected, actual = e["required_template"], e["template_version"]
    elif rule == "R10":
        expected, actual = e["deadline"], e["first_published_at"]
        expected = expected.isoformat() if expected else None
        actual = actual.isoformat() if actual else None
    elif rule == "R00":
        expected, actual = None, e["agency_name"]
    if file is None:
        file = "" if rule in ("R10", "R11") else str(e["file_path"] or "")
    return Finding(
        agency_id if agency_id is not None else str(e["agency_id"] or ""),
        int(e["report_year"] or 0),
        rule,
        str(e["table_key"] or ""),
        str(e["row_key"] or ""),
        str(e["column_key"] or ""),
        _num(expected),
        _num(actual),
        file,
    )


def _template_order(version: str) -> Callable[[Finding], tuple[str, int, int, int]]:
    """Findings in the order a reader meets them: by rule, then table, row and column as the
    template prints them."""
    tables = {t: i for i, t in enumerate(TEMPLATES[version].tables)}
    rows: dict[tuple[str, str], int] = {}
    cols: dict[tuple[str, str, str], int] = {}
    for table_key, table in TEMPLATES[version].tables.items():
        for i, row in enumerate(table.rows):
            rows[(table_key, row.key)] = i
            for j, col in enumerate(row.columns):
                cols[(table_key, row.key, col.key)] = j
    return lambda f: (
        f.rule,
        tables.get(f.table, -1),
        rows.get((f.table, f.row), -1),
        cols.get((f.table, f.row, f.column), -1),
    )


@dataclass(frozen=True)
class NarrativeFinding:
    """R12: a figure the narrative quotes that differs from the table's."""

    finding: Finding
    quote: str
    description_zh: str


@dataclass(frozen=True)
class Judgement:
    """One report judged alone: findings (R01–R05, R08, R09), its R01–R04 checks not made for want
    of a cell, with the reason ("unread" or "absent"), and R12's findings on the narrative."""

    findings: list[Finding]
    not_assessable: list[tuple[Identity, str]]
    narrative: list[NarrativeFinding]


def judge_report(
    report: Mapping[str, Any], agency_id: str = "", file: str = "", figures: Sequence[tuple[str, int, str]] = ()
) -> Judgement:
    """One evaluation of one report, with the figures its narrative quotes (target, number, quote;
    pipelines/check.py reads them) for R12. Checks not made because an operand was not read or
    its row is not printed are listed; blanks are not (not reported is the agency's choice, not
    the parser's failure)."""
    report_id = _report_id(file or "report", 0)
    evaluations, narrative = engine().run(
        _landing([(file or "report", report)]),
        [(report_id, i, target, float(number), quote) for i, (target, number, quote) in enumerate(figures)],
    )
    found = sorted(
        (
            _finding(e, agency_id, file)
            for e in evaluations
            if e["status"] == "failed" and e["rule_id"] in SINGLE_REPORT_RULES
        ),
        key=_template_order(report["template"]),
    )
    by_check = {i.check_id: i for i in identities(report["template"])}
    reasons = {
        e["check_id"]: e["unknown_reason"]
        for e in evaluations
        if e["status"] == "not_assessable" and e["check_id"] in by_check and e["unknown_reason"]
    }
    skipped = [(ident, reasons[ident.check_id]) for ident in by_check.values() if ident.check_id in reasons]
    year = int(report.get("report_year") or 0)
    quoted = [
        NarrativeFinding(
            Finding(
                agency_id,
                year,
                "R12",
                n["table_key"],
                n["row_key"],
                n["column_key"],
                _num(n["expected"]),
                _num(n["actual"]),
                file,
            ),
            n["quote"],
            n["description_zh"],
        )
        for n in sorted(narrative, key=lambda n: n["seq"])
    ]
    return Judgement(found, skipped, quoted)


def evaluate_report(report: Mapping[str, Any], agency_id: str = "", file: str = "") -> list[Finding]:
    """R01–R05, R08 and R09 of one report (its own version's template)."""
    return judge_report(report, agency_id, file).findings


def not_assessable(report: Mapping[str, Any]) -> list[tuple[Identity, str]]:
    """The R01–R04 checks of one report not made for want of a cell (judge_report)."""
    return judge_report(report).not_assessable


def evaluate(
    reports: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    registry: Iterable[Mapping[str, Any]],
    publications: Mapping[str, Any] | Iterable[Mapping[str, Any]] = (),
) -> list[Finding]:
    """Every rule of docs/monitoring.md over a set of reports, as the warehouse judges them.

    reports       {file path: report dict}, or report dicts carrying their path under "file"
    registry      agencies.csv rows (agency_id, name, aliases, kind, first_year, last_year; an
                  optional "source" groups rows by registry file for R11's years)
    publications  {file path: published_at}, or publications.csv rows (file, published_at)
    """
    if isinstance(reports, Mapping):
        items = [(str(f), r) for f, r in reports.items()]
    else:
        items = [(str(r["file"]), r) for r in reports]
    if isinstance(publications, Mapping):
        published = {str(f): to_date(d) for f, d in publications.items()}
    else:
        published = {str(p["file"]): to_date(p.get("published_at")) for p in publications}
    rows, _ = engine().run(_landing(items, registry, published))
    return sorted((_finding(e) for e in rows if e["status"] == "failed"), key=lambda f: (f.key, f.file))
