"""Every landing table described once: the contract between the Python side and dbt.

A `LandingTable` names the table, says what it holds, lists its columns (name, DuckDB type,
nullability, description) and names the one Dagster asset that writes it. Everything else derives
from `LANDING_TABLES`:

- the DDL (`LandingTable.ddl`, created by `warehouse.ensure_landing`);
- the rows the assets insert (`LandingTable.row(**values)`: a named tuple in column order, built by
  keyword, read by name) and their dataframe schema (`warehouse.bulk_insert`);
- the dbt sources file `dbt_project/models/staging/_sources.yml` (`sources_yaml`, written by
  `python -m pipelines.landing_tables` or `ogi landing-sources`, committed, checked by
  tests/test_landing_tables.py);
- the Dagster asset keys (`landing/<table>`, one `AssetSpec` per table: `pipelines/assets/landing.py`),
  which are also the keys dagster-dbt gives the dbt sources, so models depend on the tables directly.

Adding a landing table is one entry here (and the code that fills it); the test fails until the
sources file is regenerated. This module imports nothing heavy: `ogi landing-sources` and the
readers of the warehouse load it without Dagster or polars.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

LANDING_SCHEMA = "landing"
SOURCES_FILE = Path(__file__).resolve().parent.parent / "dbt_project" / "models" / "staging" / "_sources.yml"

# The DuckDB types landing columns use (warehouse.py maps each to its polars type for inserts).
VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP = (
    "VARCHAR",
    "INTEGER",
    "BIGINT",
    "DOUBLE",
    "BOOLEAN",
    "DATE",
    "TIMESTAMP",
)
TYPES = (VARCHAR, INTEGER, BIGINT, DOUBLE, BOOLEAN, DATE, TIMESTAMP)

# The Dagster assets that write landing tables (each a multi-asset, one AssetSpec per table).
METADATA_FILES = "metadata_files"
RAW_REPORT_FILES = "raw_report_files"
PARSED_REPORTS = "parsed_reports"
TEMPLATE_REFERENCE = "template_reference"
CORRECTION_FILES = "correction_files"
COLLECTION_LOG = "collection_log"


DBT_DOCS_FILE = SOURCES_FILE.parent.parent / "docs.md"
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_DOC_REF = re.compile(r"\{\{ doc\('(\w+)'\) \}\}")


def doc(name: str) -> str:
    """A description kept in a dbt docs block (dbt_project/models/docs.md), shared with the models."""
    return "{{ doc('" + name + "') }}"


@cache
def _dbt_docs() -> dict[str, str]:
    text = DBT_DOCS_FILE.read_text(encoding="utf-8") if DBT_DOCS_FILE.exists() else ""
    return {m[1]: " ".join(m[2].split()) for m in re.finditer(r"\{% docs (\w+) %\}(.*?)\{% enddocs %\}", text, re.S)}


def column_description(description: str) -> str:
    """A description as a person reads it outside dbt (Dagster's column schema): doc blocks written out."""
    return _DOC_REF.sub(lambda m: _dbt_docs().get(m[1], m[1]), description)


# A row of a landing table: a named tuple of its columns (LandingTable.row). Its fields are known from
# the description at run time only, so to a type checker it is Any.
Row = Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    nullable: bool = True

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):  # names go into SQL unquoted and into a named tuple
            raise ValueError(f"landing column {self.name!r}: not a lower-case identifier")
        if self.type not in TYPES:
            raise ValueError(f"landing column {self.name}: type {self.type!r} is not one of {', '.join(TYPES)}")

    @property
    def ddl(self) -> str:
        return f"{self.name} {self.type}" + ("" if self.nullable else " NOT NULL")


@dataclass(frozen=True)
class LandingTable:
    name: str
    asset: str  # the one Dagster asset that writes the table
    description: str
    columns: tuple[Column, ...] = field(repr=False)

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"landing table {self.name!r}: not a lower-case identifier")
        if len(set(self.column_names)) != len(self.columns):
            raise ValueError(f"landing table {self.name}: two columns of one name")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def qualified(self) -> str:
        return f"{LANDING_SCHEMA}.{self.name}"

    @property
    def ddl(self) -> str:
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} ({', '.join(c.ddl for c in self.columns)})"

    @cached_property
    def row(self) -> Callable[..., Row]:
        """The table's named row, a named tuple of its columns in table order: `table.row(col=value, …)`
        with every column named (a missing or unknown name is a TypeError where the row is built, not a
        shifted column in the warehouse), read by name; what `warehouse.bulk_insert` takes."""
        return namedtuple(f"{self.name}_row", self.column_names)


def _t(name: str, asset: str, description: str, *columns: Column) -> LandingTable:
    return LandingTable(name, asset, " ".join(description.split()), columns)


def _c(name: str, type_: str, description: str, nullable: bool = True) -> Column:
    return Column(name, type_, " ".join(description.split()), nullable)


NOT_NULL = False  # readable positional nullability in the table below: _c(name, type, text, NOT_NULL)


LANDING_TABLES: tuple[LandingTable, ...] = (
    # ------------------------------------------------ agencies.csv, publications.csv (pipelines/metadata.py)
    _t(
        "agencies",
        METADATA_FILES,
        "Registry of reporting bodies (every agencies.csv under the raw folder, unioned).",
        _c("agency_id", VARCHAR, doc("agency_id"), NOT_NULL),
        _c("name", VARCHAR, "Official name of the body.", NOT_NULL),
        _c("aliases", VARCHAR, "Other names of the body, '|'-separated."),
        _c("level", VARCHAR, "Administrative level of the body."),
        _c("parent_id", VARCHAR, "agency_id of the parent body, if any."),
        _c("kind", VARCHAR, doc("agency_kind")),
        _c("first_year", INTEGER, "First report year the agency must report (empty = not monitored for R11)."),
        _c("last_year", INTEGER, "Last report year the agency must report (empty = still reporting)."),
        _c("is_generated", BOOLEAN, doc("is_generated"), NOT_NULL),
        _c("source_file", VARCHAR, doc("registry_file"), NOT_NULL),
    ),
    _t(
        "publications",
        METADATA_FILES,
        "Publication metadata (every publications.csv under the raw folder).",
        _c("file_path", VARCHAR, doc("file_path"), NOT_NULL),
        _c("published_at", DATE, doc("published_at")),
        _c("source_file", VARCHAR, "The publications.csv the row comes from (relative to the raw folder).", NOT_NULL),
    ),
    _t(
        "rejected_metadata_rows",
        METADATA_FILES,
        """Rows of agencies.csv and publications.csv not applied as written (pipelines/metadata.py):
       rejected, or applied with a field left empty; line 1 is the header (a missing column rejects
       the whole file, an unknown column is not read).""",
        _c("source_file", VARCHAR, "The agencies.csv or publications.csv, relative to the raw folder.", NOT_NULL),
        _c("line_no", INTEGER, "The file's line (1 = the header, or the whole file).", NOT_NULL),
        _c("file_kind", VARCHAR, "agencies or publications.", NOT_NULL),
        _c(
            "reason", VARCHAR, "What is wrong and what was done (not applied, or which field was left empty).", NOT_NULL
        ),
        _c(
            "row_applied",
            BOOLEAN,
            """True when the row applies with the named field left empty (or, on line 1,
          an unknown column is not read).""",
            NOT_NULL,
        ),
        _c("fields", VARCHAR, "The row as written (a JSON object, column → text)."),
    ),
    # ------------------------------------------------ the raw folder (pipelines/inventory.py)
    _t(
        "raw_report_files",
        RAW_REPORT_FILES,
        "Every raw file found in the raw data folder.",
        _c("file_path", VARCHAR, doc("file_path"), NOT_NULL),
        _c("file_name", VARCHAR, "File name without folders.", NOT_NULL),
        _c("sha256", VARCHAR, doc("sha256"), NOT_NULL),
        _c("size_bytes", BIGINT, "File size in bytes.", NOT_NULL),
        _c("format", VARCHAR, doc("file_format"), NOT_NULL),
        _c("extension", VARCHAR, "File name extension."),
        _c("modified_at", TIMESTAMP, "File modification time."),
    ),
    # ------------------------------------------------ the parser (pipelines/assets/parsed.py)
    _t(
        "parsed_reports",
        PARSED_REPORTS,
        "One row per file the parser could read as an annual report.",
        _c("report_id", VARCHAR, doc("report_id"), NOT_NULL),
        _c("sha256", VARCHAR, doc("sha256"), NOT_NULL),
        _c("file_path", VARCHAR, doc("file_path"), NOT_NULL),
        _c("format", VARCHAR, doc("file_format"), NOT_NULL),
        _c("agency_name", VARCHAR, "Name of the reporting body as printed in the report title."),
        _c("report_year", INTEGER, doc("report_year")),
        _c("template_version", VARCHAR, doc("template_version")),
        _c("n_warnings", INTEGER, "Number of parser warnings for the report."),
        _c("parser_version", VARCHAR, "Version of the parser that produced the report.", NOT_NULL),
        _c("parsed_at", TIMESTAMP, "When the report was parsed."),
    ),
    _t(
        "parsed_cells",
        PARSED_REPORTS,
        "Every template cell of every parsed report, in long form.",
        _c("report_id", VARCHAR, doc("report_id"), NOT_NULL),
        _c("table_key", VARCHAR, doc("table_key"), NOT_NULL),
        _c("row_key", VARCHAR, doc("row_key"), NOT_NULL),
        _c("column_key", VARCHAR, doc("column_key"), NOT_NULL),
        _c("value", DOUBLE, doc("cell_value")),
        _c("raw_text", VARCHAR, doc("raw_text")),
        _c("cell_status", VARCHAR, doc("cell_status"), NOT_NULL),
        _c("is_blank", BOOLEAN, doc("is_blank"), NOT_NULL),
        _c("source_location", VARCHAR, doc("source_location")),
    ),
    _t(
        "parse_warnings",
        PARSED_REPORTS,
        "Parser warnings, one per problem.",
        _c("report_id", VARCHAR, doc("report_id"), NOT_NULL),
        _c("seq", INTEGER, "Position of the warning within the report's warnings.", NOT_NULL),
        _c("table_key", VARCHAR, "Table the warning is about, if any."),
        _c("row_key", VARCHAR, "Row the warning is about, if any."),
        _c("column_key", VARCHAR, "Column the warning is about, if any."),
        _c("message", VARCHAR, "Human-readable warning.", NOT_NULL),
    ),
    _t(
        "quarantined_files",
        PARSED_REPORTS,
        "Raw files the parser could not read as a report, with the reason.",
        _c("file_path", VARCHAR, doc("file_path"), NOT_NULL),
        _c("sha256", VARCHAR, doc("sha256"), NOT_NULL),
        _c("format", VARCHAR, doc("file_format")),
        _c("reason", VARCHAR, "One-line reason the file was not parsed.", NOT_NULL),
        _c("parser_version", VARCHAR, "Version of the parser that rejected the file.", NOT_NULL),
    ),
    # ------------------------------------------------ the template module (warehouse.template_reference_rows)
    _t(
        "template_rows",
        TEMPLATE_REFERENCE,
        "Rows of each template table (pipelines/template.py).",
        _c("template_version", VARCHAR, doc("template_version"), NOT_NULL),
        _c("table_key", VARCHAR, doc("table_key"), NOT_NULL),
        _c("row_key", VARCHAR, doc("row_key"), NOT_NULL),
        _c("row_order", INTEGER, doc("row_order"), NOT_NULL),
        _c("label", VARCHAR, "Row label as printed in the template.", NOT_NULL),
        _c("group_label", VARCHAR, "Label of the merged group cell to the left, if any."),
        _c("full_label", VARCHAR, "group_label followed by label."),
        _c("outcome_group", VARCHAR, "Outcome group of a section 三 result row; NULL for other rows."),
        _c("outcome_group_label", VARCHAR, "Chinese label of the outcome group."),
    ),
    _t(
        "template_columns",
        TEMPLATE_REFERENCE,
        "Columns of each template row.",
        _c("template_version", VARCHAR, doc("template_version"), NOT_NULL),
        _c("table_key", VARCHAR, doc("table_key"), NOT_NULL),
        _c("row_key", VARCHAR, doc("row_key"), NOT_NULL),
        _c("column_key", VARCHAR, doc("column_key"), NOT_NULL),
        _c("column_order", INTEGER, doc("column_order"), NOT_NULL),
        _c("label", VARCHAR, "Column label as printed in the template.", NOT_NULL),
        _c("kind", VARCHAR, "count (non-negative integer), signed (2019 本年增/减) or amount (decimal).", NOT_NULL),
    ),
    _t(
        "rule_checks",
        TEMPLATE_REFERENCE,
        "One row per instance of the identities R01-R04 of each template version.",
        _c("template_version", VARCHAR, doc("template_version"), NOT_NULL),
        _c("rule_id", VARCHAR, doc("rule_id"), NOT_NULL),
        _c("rule_name", VARCHAR, doc("rule_name"), NOT_NULL),
        _c("rule_text_zh", VARCHAR, doc("rule_text_zh"), NOT_NULL),
        _c("check_id", VARCHAR, doc("check_id"), NOT_NULL),
        _c("anchor_table", VARCHAR, "Table of the printed cell the check judges.", NOT_NULL),
        _c("anchor_row", VARCHAR, "Row of the printed cell the check judges.", NOT_NULL),
        _c("anchor_column", VARCHAR, "Column of the printed cell the check judges.", NOT_NULL),
    ),
    _t(
        "rule_terms",
        TEMPLATE_REFERENCE,
        "The cells of each check, on the total side or the parts side of sum(total) = sum(parts).",
        _c("template_version", VARCHAR, doc("template_version"), NOT_NULL),
        _c("check_id", VARCHAR, doc("check_id"), NOT_NULL),
        _c("side", VARCHAR, "total or parts.", NOT_NULL),
        _c("table_key", VARCHAR, doc("table_key"), NOT_NULL),
        _c("row_key", VARCHAR, doc("row_key"), NOT_NULL),
        _c("column_key", VARCHAR, doc("column_key"), NOT_NULL),
    ),
    _t(
        "rules",
        TEMPLATE_REFERENCE,
        "The rules R00-R11 with their names and Chinese texts (RULE_TEXT in pipelines/template.py).",
        _c("rule_id", VARCHAR, doc("rule_id"), NOT_NULL),
        _c("rule_name", VARCHAR, doc("rule_name"), NOT_NULL),
        _c("rule_text_zh", VARCHAR, doc("rule_text_zh"), NOT_NULL),
    ),
    _t(
        "template_versions",
        TEMPLATE_REFERENCE,
        "The template versions and the report years each is required for (R08).",
        _c("template_version", VARCHAR, doc("template_version"), NOT_NULL),
        _c("notice", VARCHAR, "The notice that set the template.", NOT_NULL),
        _c("first_report_year", INTEGER, "First report year the version is required for.", NOT_NULL),
        _c("last_report_year", INTEGER, "Last report year the version is required for (NULL = still current)."),
    ),
    _t(
        "compliance_statuses",
        TEMPLATE_REFERENCE,
        """An agency-year's overall statuses with their Chinese labels and display order
       (COMPLIANCE_STATUSES in pipelines/template.py).""",
        _c("status", VARCHAR, doc("compliance_status"), NOT_NULL),
        _c("status_zh", VARCHAR, "The status in Chinese.", NOT_NULL),
        _c("status_order", INTEGER, "Display order (1 = compliant … 6 = unregistered).", NOT_NULL),
    ),
    _t(
        "cell_statuses",
        TEMPLATE_REFERENCE,
        """Every cell status the warehouse holds (CELL_STATUS_LABELS in pipelines/warehouse.py), with its
       Chinese label.""",
        _c("cell_status", VARCHAR, doc("cell_status"), NOT_NULL),
        _c("label_zh", VARCHAR, "The status in Chinese (dashboard hover, workbook).", NOT_NULL),
        _c(
            "is_operand",
            BOOLEAN,
            """True when a cell of this status is an operand of the rules (value, placed,
          inferred, corrected); a corrected cell that a person says is blank is not.""",
            NOT_NULL,
        ),
        _c("is_read", BOOLEAN, "False for unreadable (not read) and absent (not printed) cells.", NOT_NULL),
        _c("status_order", INTEGER, "Display order.", NOT_NULL),
    ),
    # Template facts the rule SQL reads (macros/rules/), so that the SQL holds no copy of them.
    _t(
        "agency_kinds",
        TEMPLATE_REFERENCE,
        """The kinds of agency (REPORT_DEADLINES in pipelines/template.py) with their R10 publication deadline,
       and the level suffix that gives an agency the kind when the registry leaves it empty.""",
        _c("agency_kind", VARCHAR, "department or government.", NOT_NULL),
        _c(
            "deadline_month",
            INTEGER,
            "Month of the year after the report year by which the report is published.",
            NOT_NULL,
        ),
        _c("deadline_day", INTEGER, "Day of that month.", NOT_NULL),
        _c(
            "level_suffix",
            VARCHAR,
            """An agency whose kind is empty and whose level ends with this is of this kind;
          NULL for the kind of every other level.""",
        ),
    ),
    _t(
        "collapsible_rows",
        TEMPLATE_REFERENCE,
        """Template rows a report may print collapsed into another row (COLLAPSIBLE_OTHER_ROWS in
       pipelines/template.py; the 2021 （六）1 and 2 under （六）3).""",
        _c("template_version", VARCHAR, doc("template_version"), NOT_NULL),
        _c("table_key", VARCHAR, "The table.", NOT_NULL),
        _c("row_key", VARCHAR, "The row that may be left out.", NOT_NULL),
        _c("collapsed_into_row", VARCHAR, "The row printed in its place.", NOT_NULL),
    ),
    _t(
        "agency_name_noise",
        TEMPLATE_REFERENCE,
        """The characters dropped from agency names before matching them to the registry (AGENCY_NAME_NOISE in
       pipelines/template.py), as a regular expression.""",
        _c("pattern", VARCHAR, "RE2 regular expression.", NOT_NULL),
    ),
    _t(
        "narrative_targets",
        TEMPLATE_REFERENCE,
        """What a figure quoted by a report's narrative is compared with (R12, NARRATIVE_TARGETS in
       pipelines/template.py), one row per cell of the sum.""",
        _c("target", VARCHAR, "requests, review or litigation.", NOT_NULL),
        _c("anchor_table", VARCHAR, "Table of the cell reported.", NOT_NULL),
        _c(
            "anchor_row",
            VARCHAR,
            """Row of the cell reported (litigation_direct+litigation_after_review for the two
          litigation rows).""",
            NOT_NULL,
        ),
        _c("anchor_column", VARCHAR, "Column of the cell reported.", NOT_NULL),
        _c("description_zh", VARCHAR, "The table figure in Chinese.", NOT_NULL),
        _c("table_key", VARCHAR, "Table of a cell of the sum.", NOT_NULL),
        _c("row_key", VARCHAR, "Row of a cell of the sum.", NOT_NULL),
        _c("column_key", VARCHAR, "Column of a cell of the sum.", NOT_NULL),
    ),
    # ------------------------------------------------ data/corrections/*.csv (pipelines/corrections.py)
    _t(
        "corrections",
        CORRECTION_FILES,
        """Every valid row of every corrections file under the corrections folder (data/corrections/*.csv,
       pipelines/corrections.py): a person's value for one cell of one file. Rows that fail validation
       are in rejected_corrections.""",
        _c("source_file", VARCHAR, doc("correction_source_file"), NOT_NULL),
        _c("line_no", INTEGER, doc("correction_line_no"), NOT_NULL),
        _c("sha256", VARCHAR, doc("correction_sha256"), NOT_NULL),
        _c(
            "file_path",
            VARCHAR,
            """The report's path as written in the corrections file (or the file of the
          sha256 when only the sha256 was given).""",
        ),
        _c("table_key", VARCHAR, doc("table_key"), NOT_NULL),
        _c("row_key", VARCHAR, doc("row_key"), NOT_NULL),
        _c("column_key", VARCHAR, doc("column_key"), NOT_NULL),
        _c("value", DOUBLE, "The corrected value; NULL when the person says the cell is printed blank."),
        _c(
            "is_blank",
            BOOLEAN,
            "True when the person says the cell is printed blank (an empty value or 空白).",
            NOT_NULL,
        ),
        _c("corrected_by", VARCHAR, "Who corrected the cell.", NOT_NULL),
        _c("corrected_at", TIMESTAMP, "When the cell was corrected.", NOT_NULL),
        _c("note", VARCHAR, "The person's note."),
    ),
    _t(
        "rejected_corrections",
        CORRECTION_FILES,
        "Rows of corrections files that are not applied, with file, line and reason (the fields as written).",
        _c("source_file", VARCHAR, doc("correction_source_file"), NOT_NULL),
        _c("line_no", INTEGER, doc("correction_line_no"), NOT_NULL),
        _c("reason", VARCHAR, "Why the row is not applied.", NOT_NULL),
        _c("sha256", VARCHAR, "As written."),
        _c("file_path", VARCHAR, "As written."),
        _c("table_key", VARCHAR, "As written."),
        _c("row_key", VARCHAR, "As written."),
        _c("column_key", VARCHAR, "As written."),
        _c("value_text", VARCHAR, "The value as written."),
        _c("corrected_by", VARCHAR, "As written."),
        _c("corrected_at", VARCHAR, "As written."),
        _c("note", VARCHAR, "As written."),
    ),
)

# ------------------------------------------------ the collect folder (pipelines/collect/collector.py, issue #13)
LANDING_TABLES += (
    _t(
        "fetch_log",
        COLLECTION_LOG,
        """Every fetch of the collector from the agencies' websites (collect/fetch_log.jsonl beside the raw
       folder): what was asked, what came back, and why it failed (a failed fetch is a row, never a failed run).""",
        _c("agency_id", VARCHAR, "The agency whose site was visited.", NOT_NULL),
        _c(
            "purpose",
            VARCHAR,
            "list (a 年报 list page), article (a list item's page) or report (an attachment).",
            NOT_NULL,
        ),
        _c("url", VARCHAR, "The URL asked for.", NOT_NULL),
        _c("final_url", VARCHAR, "The URL answered, after redirects."),
        _c("fetched_at", TIMESTAMP, "When (UTC).", NOT_NULL),
        _c("status", INTEGER, "HTTP status; NULL when no answer came (timeout, connection error, redirect loop)."),
        _c("content_type", VARCHAR, "Content-Type of the answer."),
        _c("size_bytes", BIGINT, "Bytes downloaded (NULL on 304 and failures)."),
        _c("sha256", VARCHAR, "sha256 of the body (of the kept body on 304)."),
        _c("etag", VARCHAR, "ETag of the answer."),
        _c("last_modified", VARCHAR, "Last-Modified of the answer."),
        _c("printed_published_at", DATE, "The 发布时间 the page prints, if any."),
        _c("not_modified", BOOLEAN, "True when the server answered 304 to a conditional request.", NOT_NULL),
        _c("first_seen_at", TIMESTAMP, "When the collector first saw this URL's current content."),
        _c(
            "failure",
            VARCHAR,
            """Why the fetch failed (http_404, timeout, redirect_loop, too_many_redirects, too_large,
          connection_error, not_allowed, no_report); NULL when it succeeded.""",
        ),
        _c("detail", VARCHAR, "More about the failure (the redirect chain, the exception)."),
        _c("attempts", INTEGER, "Tries made (retries after timeouts and 5xx included)."),
    ),
    _t(
        "collected_reports",
        COLLECTION_LOG,
        """Every report version the collector found on an agency's website (collect/reports.json): one row per
       agency, report URL and content; a report changed at the same URL is a new row; a report no longer linked
       keeps its row with missing_since.""",
        _c("agency_id", VARCHAR, "The agency whose site lists the report.", NOT_NULL),
        _c("title", VARCHAR, "The link's title on the list page."),
        _c("report_year", INTEGER, "The year the title names."),
        _c("list_url", VARCHAR, "The list page that links it."),
        _c("article_url", VARCHAR, "The article page that links the attachment (NULL when the link is the report)."),
        _c("report_url", VARCHAR, "The URL of the report's bytes.", NOT_NULL),
        _c("file_path", VARCHAR, doc("file_path"), NOT_NULL),
        _c("sha256", VARCHAR, doc("sha256"), NOT_NULL),
        _c("size_bytes", BIGINT, "Size of the report in bytes."),
        _c("content_type", VARCHAR, "Content-Type the site gave."),
        _c("printed_published_at", DATE, "The 发布时间 the article page prints, if any."),
        _c("list_published_at", DATE, "The date printed beside the link on the list page, if any."),
        _c("first_seen_at", TIMESTAMP, "When the collector first saw this content at this URL (UTC).", NOT_NULL),
        _c("last_seen_at", TIMESTAMP, "When the collector last found it linked (UTC).", NOT_NULL),
        _c("missing_since", TIMESTAMP, "Since when it is no longer linked (NULL while it is)."),
    ),
)

LANDING: dict[str, LandingTable] = {t.name: t for t in LANDING_TABLES}
assert len(LANDING) == len(LANDING_TABLES), "two landing tables of one name"


def landing_table(name: str) -> LandingTable:
    """The description of landing.<name>; KeyError names the table."""
    try:
        return LANDING[name]
    except KeyError:
        raise KeyError(f"no landing table {name!r} in pipelines/landing_tables.py") from None


def written_by(asset: str) -> tuple[LandingTable, ...]:
    """The tables one asset writes, in description order."""
    tables = tuple(t for t in LANDING_TABLES if t.asset == asset)
    if not tables:
        raise KeyError(f"no landing table is written by an asset {asset!r}")
    return tables


# ---------------------------------------------------------------- the dbt sources file


_WIDTH = 110


def _scalar(key: str, text: str, indent: str) -> list[str]:
    """`key: text` as YAML lines: a doc reference double-quoted, a long text folded (`>`) over lines
    of at most _WIDTH characters, as a person would write the file."""
    import yaml  # type: ignore[import-untyped]  # PyYAML comes with dbt (no stubs); only this needs it

    head = f"{indent}{key}:"
    fits = len(head) + 1 + len(text) <= _WIDTH
    # quoted when YAML would not read the text back as written plain (a leading quote, `: `, …)
    if _DOC_REF.fullmatch(text) or (fits and yaml.safe_load(f"k: {text}") != {"k": text}):
        return [f"{head} {json.dumps(text, ensure_ascii=False)}"]
    if fits:
        return [f"{head} {text}"]
    inner = indent + "  "
    return [
        f"{head} >",
        *textwrap.wrap(
            text, _WIDTH, initial_indent=inner, subsequent_indent=inner, break_long_words=False, break_on_hyphens=False
        ),
    ]


def sources_yaml() -> str:
    """dbt_project/models/staging/_sources.yml as derived from LANDING_TABLES."""
    lines = [
        "# Generated from pipelines/landing_tables.py by `python -m pipelines.landing_tables` (or",
        "# `ogi landing-sources`): do not edit, change the descriptions and regenerate (tests/test_landing_tables.py).",
        "version: 2",
        "",
        "sources:",
        f"  - name: {LANDING_SCHEMA}",
        *_scalar(
            "description",
            "The landing schema written by the Dagster assets (pipelines/assets/): raw files, "
            "parser output in long form, the agency registry, corrections and the template reference tables. "
            "Each table is described once in pipelines/landing_tables.py, which generates this file.",
            "    ",
        ),
        f"    schema: {LANDING_SCHEMA}",
        "    tables:",
    ]
    for t in LANDING_TABLES:
        lines += [
            f"      - name: {t.name}",
            *_scalar("description", t.description, "        "),
            # dagster-dbt keys the source landing/<table>: the key of the asset spec this asset writes.
            "        meta:",
            f"          dagster_asset: {t.asset}",
            "        columns:",
        ]
        for c in t.columns:
            lines += [
                f"          - name: {c.name}",
                f"            data_type: {c.type.lower()}",
                *_scalar("description", c.description, "            "),
            ]
    return "\n".join(lines) + "\n"


def write_sources(path: Path = SOURCES_FILE, check: bool = False) -> bool:
    """Write the sources file (or with check, only compare); True when it was already up to date."""
    text = sources_yaml()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if current == text:
        return True
    if not check:
        path.write_text(text, encoding="utf-8")
    return False


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ogi landing-sources", description="Write dbt's sources file from the landing table descriptions."
    )
    parser.add_argument("--out", type=Path, default=SOURCES_FILE, help=f"default: {SOURCES_FILE}")
    parser.add_argument("--check", action="store_true", help="only compare: exit 1 when the file differs")
    args = parser.parse_args(argv)
    same = write_sources(args.out, check=args.check)
    if same:
        print(f"{args.out}: up to date")
        return 0
    print(f"{args.out}: {'differs from pipelines/landing_tables.py' if args.check else 'written'}")
    return 1 if args.check else 0


if __name__ == "__main__":
    sys.exit(main())
