"""The offline dashboard (`ogi dashboard`, asset `dashboard`): a static site read from the warehouse.

The site opens from the file system with no network and no server: `index.html`, the script and
style sheet under `assets/` (package data, `pipelines/dashboard_static/`), and the data as
JavaScript files (browsers refuse `fetch` of `file://` URLs, but load `<script src>`):

* `data/overview.js` — `window.OGI_DATA`: labels, the registry, one row per agency-year of
  `marts.agency_year_compliance`, the per-year figures of `marts.rollup_by_year`, findings per
  rule, and the template layout the agency pages draw their tables with;
* `data/agency/NNNN.js` — one file per agency (`window.OGI_AGENCY(key, {...})`), loaded when its
  page opens: every report version with its findings and read quality, and the cells of the current
  report of each year from the fact tables (value, cell status, printed text, source location; for a
  corrected cell what the parser read and who corrected it when, from `marts.cell_corrections`).

Everything is read read-only from the marts; the site computes nothing the warehouse does not
hold except sums and counts over those rows (by level, region, status and data source). The site is
written beside the target folder and swapped in, so a failed build leaves the previous one.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from .export import column_label, number, row_label, table_label
from .model import PARSER_VERSION
from .template import (
    COMPLIANCE_STATUSES,
    LEVEL_LABELS,
    OUTCOME_GROUPS,
    RULE_TEXT,
    TABLE_LABELS,
    TEMPLATES,
)
from .warehouse import CELL_STATUS_LABELS, CORRECTED, READ_QUALITY_LABELS, open_read_only

STATIC_PACKAGE = "pipelines.dashboard_static"
STATIC_FILES = ("index.html", "app.js", "style.css")
# The marts the site reads (the asset depends on exactly these).
DASHBOARD_MARTS = (
    "dim_agency",
    "agency_year_compliance",
    "report_versions",
    "report_findings",
    "rollup_by_year",
    "rollup_by_level",
    "rollup_by_region",
    "fct_proactive_disclosure",
    "fct_requests",
    "fct_request_flow",
    "fct_review_litigation",
    "cell_corrections",
)

SOURCE_LABELS = {"all": "全部", "real": "真实报告", "generated": "演示数据"}
TREND_MEASURES = (
    "n_reports",
    "new_received",
    "carried_over",
    "total_processed",
    "carried_forward",
    *OUTCOME_GROUPS,
    "review_total",
    "review_corrected",
    "litigation_total",
    "litigation_corrected",
)
TREND_LABELS = {
    "n_reports": "报告数",
    "new_received": "本年新收申请",
    "carried_over": "上年结转",
    "total_processed": "办理结果总计",
    "carried_forward": "结转下年度",
    **OUTCOME_GROUPS,
    "review_total": "行政复议总计",
    "review_corrected": "复议结果纠正",
    "litigation_total": "行政诉讼总计",
    "litigation_corrected": "诉讼结果纠正",
}

# Request figures per level and per parent agency of a year (marts.rollup_by_level / _by_region).
VOLUME_MEASURES = ("n_reports", "new_received", "total_processed", "granted", "review_total", "litigation_total")

# One row per agency-year, as columns of an array (a compact file for hundreds of agencies).
AGENCY_YEAR_COLUMNS = (
    "agency",
    "year",
    "status",
    "expected",
    "found",
    "on_time",
    "days_late",
    "published",
    "deadline",
    "versions",
    "template",
    "template_ok",
    "completeness",
    "findings",
    "read_quality",
    "unread",
)

_AGENCIES_SQL = """
    SELECT d.agency_key, d.agency_id, d.name, d.level, d.parent_id, p.name, d.is_generated, d.is_registered
    FROM marts.dim_agency d
    LEFT JOIN marts.dim_agency p ON p.agency_key = d.parent_id
    UNION ALL
    -- bodies whose report was found but that no registry lists (status unregistered)
    SELECT DISTINCT c.agency_key, NULL, c.agency_name, NULL, NULL, NULL, c.is_generated, false
    FROM marts.agency_year_compliance c
    WHERE c.agency_key NOT IN (SELECT agency_key FROM marts.dim_agency)"""

_AGENCY_YEARS_SQL = """
    SELECT agency_key, report_year, status, is_expected, report_found, on_time, days_late,
           first_published_at, deadline, n_versions, template_version, template_ok, completeness,
           n_findings, read_quality, n_cells_unread, {rule_columns}
    FROM marts.agency_year_compliance
    ORDER BY agency_key, report_year"""

_VERSIONS_SQL = """
    SELECT agency_key, report_year, version_no, n_versions, is_current, report_id, file_path, format,
           published_at, template_version, n_warnings, printed_agency_name, read_quality, n_cells_unread,
           n_cells_corrected
    FROM marts.report_versions
    ORDER BY agency_key, report_year, version_no"""

_FINDINGS_SQL = """
    SELECT agency_key, report_year, report_id, version_no, rule_id, table_key, row_key, column_key,
           expected, actual, detail, rule_text_zh, template_version
    FROM marts.report_findings
    ORDER BY agency_key, report_year, version_no, rule_id, table_key, row_key, column_key"""

# The current report's cells, from the four fact tables (the request flow unpivoted back to rows);
# a corrected cell with what the parser read and who corrected it when (marts.cell_corrections).
_CELLS_SQL = (
    """
    SELECT c.agency_key, c.report_id, c.table_key, c.row_key, c.column_key, c.value, c.cell_status,
           coalesce(c.raw_text, k.raw_text), coalesce(c.source_location, k.source_location),
           k.parsed_status, k.corrected_by, k.corrected_at, k.note
    FROM (
    SELECT agency_key, report_id, 'proactive' AS table_key, row_key, column_key, value, cell_status, raw_text,
           source_location
    FROM marts.fct_proactive_disclosure
    UNION ALL
    SELECT agency_key, report_id, 'requests', row_key, column_key, value, cell_status, raw_text, source_location
    FROM marts.fct_requests
    UNION ALL
"""
    + "".join(
        f"""
    SELECT agency_key, report_id, 'requests', '{row}', column_key, {row}, {row}_status, NULL, NULL
    FROM marts.fct_request_flow
    UNION ALL"""
        for row in ("new_received", "carried_over", "total_processed", "carried_forward")
    )
    + """
    SELECT agency_key, report_id, 'review_litigation', row_key, column_key, value, cell_status, raw_text,
           source_location
    FROM marts.fct_review_litigation
    ) AS c
    LEFT JOIN marts.cell_corrections k
        ON k.correction_status = 'applied' AND k.report_id = c.report_id AND k.table_key = c.table_key
        AND k.row_key = c.row_key AND k.column_key = c.column_key"""
)


@dataclass(frozen=True)
class DashboardSummary:
    out_dir: Path
    n_agencies: int
    n_agency_years: int
    n_reports: int
    n_findings: int
    years: tuple[int, ...]

    @property
    def index(self) -> Path:
        return self.out_dir / "index.html"


# ---------------------------------------------------------------- values


def _json_value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return number(value)


def _json_timestamp(value: dt.datetime | None) -> str | None:
    """A correction's time as the office reads it: 2025-03-01 14:30 (the date alone at midnight)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.strftime("%Y-%m-%d %H:%M")


def _row(values: Iterable[Any]) -> list[Any]:
    return [_json_value(v) for v in values]


def _template_layout() -> dict[str, Any]:
    """Rows and columns of both templates, with the Chinese labels the tables are drawn with."""
    layout: dict[str, Any] = {}
    for version, template in TEMPLATES.items():
        tables = {}
        for key, table in template.tables.items():
            tables[key] = {
                "label": table.label,
                "rows": [
                    {
                        "key": r.key,
                        "label": row_label(key, r.key, version),
                        "group": r.group_label,
                        "outcome": r.outcome_group,
                        "columns": [[c.key, c.label] for c in r.columns],
                    }
                    for r in table.rows
                ],
            }
        layout[version] = {"notice": template.notice, "tables": tables}
    return layout


# ---------------------------------------------------------------- reading


def _require_marts(con: duckdb.DuckDBPyConnection) -> None:
    present = {
        t
        for (t,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'"
        ).fetchall()
    }
    missing = ", ".join(t for t in DASHBOARD_MARTS if t not in present)
    if missing:
        raise ValueError(
            f"仓库中缺少数据集市表 {missing}，请先运行 ogi run / the warehouse lacks the marts {missing}:"
            " run `ogi run` first"
        )


def read_overview(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The overview payload (`window.OGI_DATA`) from the marts."""
    _require_marts(con)
    present = {
        c
        for (c,) in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts'"
            " AND table_name = 'agency_year_compliance'"
        ).fetchall()
    }
    rule_ids = [r for r in RULE_TEXT if f"findings_{r.lower()}" in present]
    rule_columns = ", ".join(f"findings_{r.lower()}" for r in rule_ids)

    agencies_raw = con.execute(_AGENCIES_SQL).fetchall()
    agency_years = con.execute(_AGENCY_YEARS_SQL.format(rule_columns=rule_columns)).fetchall()
    volumes = ", ".join(VOLUME_MEASURES)
    level_rows = con.execute(
        f"SELECT report_year, is_generated, coalesce(level, ''), {volumes} FROM marts.rollup_by_level ORDER BY ALL"
    ).fetchall()
    region_rows = con.execute(
        f"SELECT report_year, is_generated, region_key, {volumes} FROM marts.rollup_by_region ORDER BY ALL"
    ).fetchall()
    trend_rows = con.execute(
        f"SELECT report_year, is_generated, {', '.join(TREND_MEASURES)} FROM marts.rollup_by_year"
        " ORDER BY report_year, is_generated"
    ).fetchall()

    # Agencies: registry order by level then id; each gets a file number for its page's data.
    level_order = {k: i for i, k in enumerate(LEVEL_LABELS)}
    agencies_raw.sort(key=lambda r: (r[3] is None, level_order.get(r[3], 99), r[1] or "", r[2] or "", r[0]))
    agencies = [
        {
            "key": key,
            "id": aid,
            "name": name,
            "level": level,
            "region": parent,
            "region_name": parent_name,
            "generated": bool(generated),
            "registered": bool(registered),
            "file": f"data/agency/{i:05d}.js",
        }
        for i, (key, aid, name, level, parent, parent_name, generated, registered) in enumerate(agencies_raw)
    ]
    n_fixed = len(AGENCY_YEAR_COLUMNS)
    return {
        "meta": {
            "generated_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "parser_version": PARSER_VERSION,
            "years": sorted({r[1] for r in agency_years}),
            "has_real": any(not a["generated"] for a in agencies),
            "has_generated": any(a["generated"] for a in agencies),
        },
        "labels": {
            "levels": LEVEL_LABELS,
            "statuses": COMPLIANCE_STATUSES,  # in display order
            "sources": SOURCE_LABELS,
            "outcomes": OUTCOME_GROUPS,
            "tables": TABLE_LABELS,
            "cell_statuses": CELL_STATUS_LABELS,
            "read_qualities": READ_QUALITY_LABELS,
            "trend": TREND_LABELS,
            "rules": {r: {"name": name, "text": text} for r, (name, text) in RULE_TEXT.items()},
        },
        "agencies": agencies,
        "agency_year_columns": list(AGENCY_YEAR_COLUMNS),
        "agency_years": [_row(r[:n_fixed]) for r in agency_years],
        "finding_rules": rule_ids,
        "findings_by_rule": [[int(v or 0) for v in r[n_fixed:]] for r in agency_years],
        "trend_columns": ["year", "generated", *TREND_MEASURES],
        "trend": [_row(r) for r in trend_rows],
        "volume_columns": ["year", "generated", "group", *VOLUME_MEASURES],
        "by_level_volumes": [_row(r) for r in level_rows],
        "by_region_volumes": [_row(r) for r in region_rows],
        "templates": _template_layout(),
        "collection": _collection(con),
    }


# 收集进度 (issue #13): per agency whose website is collected and per season, its state (the page shows
# the season of the selected report year, else the latest).
COLLECTION_COLUMNS = ("agency_id", "agency_name", "report_year", "is_published", "first_seen", "published", "source")


def _collection(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The collection_status rows, every season (empty when nothing is collected)."""
    (present,) = con.execute(
        "SELECT count(*) FROM information_schema.tables"
        " WHERE table_schema = 'marts' AND table_name = 'collection_status'"
    ).fetchone() or (0,)
    rows = (
        con.execute(
            "SELECT agency_id, agency_name, report_year, is_published, first_seen_at, published_at, published_at_source"
            " FROM marts.collection_status ORDER BY report_year, is_published, agency_id"
        ).fetchall()
        if present
        else []
    )
    return {
        "columns": list(COLLECTION_COLUMNS),
        "rows": [[a, n, y, p, _json_timestamp(f), _json_value(d), src] for a, n, y, p, f, d, src in rows],
    }


def agency_pages(con: duckdb.DuckDBPyConnection, agency_keys: Iterable[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(agency key, page payload) for every agency: its report versions, findings and the cells of
    its current reports. Cells are streamed in agency order, so memory holds one agency at a time."""
    reports: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (
        key,
        year,
        version_no,
        n_versions,
        is_current,
        report_id,
        path,
        fmt,
        published,
        template,
        n_warnings,
        printed_name,
        read_quality,
        n_unread,
        n_corrected,
    ) in con.execute(_VERSIONS_SQL).fetchall():
        reports[key].append(
            {
                "year": year,
                "version": version_no,
                "n_versions": n_versions,
                "current": bool(is_current),
                "report_id": report_id,
                "file": path,
                "format": fmt,
                "published": _json_value(published),
                "template": template,
                "warnings": n_warnings,
                "printed_name": printed_name,
                "read_quality": read_quality,
                "unread": n_unread,
                "corrected": n_corrected,
                "cells": None,
            }
        )
    findings: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (
        key,
        year,
        report_id,
        version_no,
        rule,
        table,
        row,
        col,
        expected,
        actual,
        detail,
        text,
        template,
    ) in con.execute(_FINDINGS_SQL).fetchall():
        findings[key].append(
            {
                "year": year,
                "report_id": report_id,
                "version": version_no,
                "rule": rule,
                "table": table_label(table),
                "row": row_label(table, row, template),
                "column": column_label(table, row, col, template),
                "keys": [table, row, col],
                "expected": _json_value(expected),
                "actual": _json_value(actual),
                "detail": detail,
                "text": text or RULE_TEXT.get(rule, ("", ""))[1],
            }
        )

    def page(key: str, cells: dict[str, Any]) -> dict[str, Any]:
        for r in reports.get(key, []):
            r["cells"] = cells.get(r["report_id"])
        return {"reports": reports.pop(key, []), "findings": findings.pop(key, [])}

    pending = set(agency_keys)
    # Fully ordered: the same warehouse always writes the same files.
    result = con.execute(_CELLS_SQL + "\nORDER BY agency_key, report_id, table_key, row_key, column_key")
    current: str | None = None
    cells: dict[str, Any] = {}
    while batch := result.fetchmany(20_000):
        for (
            key,
            report_id,
            table,
            row,
            col,
            value,
            status,
            raw,
            location,
            parsed_status,
            corrected_by,
            corrected_at,
            note,
        ) in batch:
            if key != current:
                if current is not None and current in pending:
                    pending.discard(current)
                    yield current, page(current, cells)
                current, cells = key, {}
            by_table = cells.setdefault(report_id, {}).setdefault(table, {})
            cell = [_json_value(value), status, raw, location]
            if status == CORRECTED:  # what the parser read, who corrected it, when, and the note
                cell.append([parsed_status, corrected_by, _json_timestamp(corrected_at), note])
            by_table.setdefault(row, {})[col] = cell
    if current is not None and current in pending:
        pending.discard(current)
        yield current, page(current, cells)
    for key in sorted(pending):
        yield key, page(key, {})


# ---------------------------------------------------------------- writing


# Characters a JSON string may hold that must not reach a JavaScript file as they are: < > & (the
# data can never close or open a <script> element, or an HTML comment, wherever the file is
# inlined) and the line separators U+2028/2029 (line breaks to a JavaScript parser before ES2019).
_JS_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"})


def _js(payload: Any) -> str:
    """The payload as a JavaScript expression (JSON): every string is data, whatever it says."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).translate(_JS_UNSAFE)


def _write_site(
    out_dir: Path, con: duckdb.DuckDBPyConnection, raw_dir: Path | None = None
) -> tuple[dict[str, Any], int, int]:
    """Write the site into the empty folder `out_dir`; (overview, reports, findings) written."""
    overview = read_overview(con)
    (out_dir / "assets").mkdir(parents=True)
    (out_dir / "data" / "agency").mkdir(parents=True)
    static = resources.files(STATIC_PACKAGE)
    for name in STATIC_FILES:
        target = out_dir / ("index.html" if name == "index.html" else f"assets/{name}")
        target.write_bytes(static.joinpath(name).read_bytes())
    (out_dir / "data" / "overview.js").write_text(f"window.OGI_DATA = {_js(overview)};\n", encoding="utf-8")
    file_of = {a["key"]: a["file"] for a in overview["agencies"]}
    n_reports = n_findings = 0
    crops = _Crops(out_dir, raw_dir)
    for key, payload in agency_pages(con, file_of):
        crops.add_review(payload["reports"])
        n_reports += len(payload["reports"])
        n_findings += len(payload["findings"])
        (out_dir / file_of[key]).write_text(f"window.OGI_AGENCY({_js(key)}, {_js(payload)});\n", encoding="utf-8")
    return overview, n_reports, n_findings


def build_dashboard(
    warehouse: Path | None,
    out_dir: Path,
    con: duckdb.DuckDBPyConnection | None = None,
    raw_dir: Path | None = None,
) -> DashboardSummary:
    """Write the dashboard of `warehouse` (or of the open connection `con`) to `out_dir`. The
    crops of OCR'd cells to review are cut from the files in `raw_dir` (none without it).

    Raises FileNotFoundError (no warehouse file), RuntimeError (the warehouse is being written) or
    ValueError (no marts yet), each with a Chinese and English message; `out_dir` is then unchanged.
    """
    own = con is None
    if con is None:
        con = open_read_only(Path(warehouse))  # type: ignore[arg-type]
    out_dir = Path(out_dir).resolve()
    tmp: Path | None = None
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
        tmp.chmod(0o755)
        overview, n_reports, n_findings = _write_site(tmp, con, raw_dir)
        old = out_dir.with_name(f".{out_dir.name}.old")
        if old.exists():
            shutil.rmtree(old)
        if out_dir.exists():
            os.replace(out_dir, old)
        os.replace(tmp, out_dir)
        tmp = None
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if own:
            con.close()
    return DashboardSummary(
        out_dir,
        len(overview["agencies"]),
        len(overview["agency_years"]),
        n_reports,
        n_findings,
        tuple(overview["meta"]["years"]),
    )


# ---------------------------------------------------------------- the needs-review list with crops (issue 16)

CROPS_DIR = "data/crops"


class _Crops:
    """Each current report's unread cells as a list to review (`report["review"]`): the template's
    labels, the printed text, where it is, and the crop of an OCR'd cell (`data/crops/N.png`, a
    name the build gives, cut from the file in the raw folder at its provenance box:
    pipelines/ocr/review.py), or why there is none."""

    def __init__(self, out_dir: Path, raw_dir: Path | None) -> None:
        self.out_dir = out_dir
        self.raw_dir = raw_dir
        self.n = 0

    def add_review(self, reports: list[dict[str, Any]]) -> None:
        from .ocr.review import NO_CROP_NO_FILE, crops_of_files, raw_file_reader

        for r in reports:
            items = []
            for table, rows in (r.get("cells") or {}).items():
                for row, cols in rows.items():
                    for col, cell in cols.items():
                        if cell[1] == "unreadable":
                            items.append((table, row, col, cell[2], cell[3]))
            if not items:
                r["review"] = []
                continue
            items.sort(key=lambda i: (i[0] == "review_litigation", i[0] == "requests", i[1], i[2]))
            key = (r["file"], r["report_id"])  # report_id is the file's sha256
            got: list[bytes | str] = (
                crops_of_files([(key, where) for *_, where in items], raw_file_reader(self.raw_dir))
                if self.raw_dir is not None
                else [NO_CROP_NO_FILE] * len(items)
            )
            review = []
            for (table, row, col, raw, where), crop in zip(items, got, strict=True):
                entry = {
                    "table": table_label(table),
                    "row": row_label(table, row, r["template"]),
                    "column": column_label(table, row, col, r["template"]),
                    "keys": [table, row, col],
                    "raw": raw,
                    "where": where,
                    "crop": None,
                    "no_crop": None,
                }
                if isinstance(crop, bytes):
                    self.n += 1
                    name = f"{CROPS_DIR}/{self.n}.png"
                    (self.out_dir / CROPS_DIR).mkdir(parents=True, exist_ok=True)
                    (self.out_dir / name).write_bytes(crop)
                    entry["crop"] = name
                else:
                    entry["no_crop"] = crop
                review.append(entry)
            r["review"] = review
