"""Map any grid onto the template: the one place where cells become canonical keys.

A chain of small stages, each a module, every threshold in `AlignSettings`:

1. document  — agency, report year, template version (`document.py`)
2. sections  — which table each row belongs to; run-in headings split (`sections.py`)
3. header map and 4. placement — per table: header rows learnt, values placed beside their
   label, below it, or by order where the identities confirm (`tables.py`)
5. finish    — unplaced rows unreadable, or absent on proof; zeros inferred (`finish.py`)

`align()` returns the ParsedReport; `align_traced()` also returns the classified lines that
`ogi parse FILE --grid` prints, so a new layout can be diagnosed in a minute. The aligner
places a value only when its position is certain; it never corrects a printed number.
"""

from __future__ import annotations

from itertools import groupby
from operator import attrgetter

from ..grid import Grid
from ..model import ParsedReport, ParseError, ParseWarning
from ..template import TABLES
from .document import read_title, template_version
from .finish import Finisher
from .sections import Line, split_sections
from .settings import DEFAULT_SETTINGS, AlignSettings
from .tables import TableReader, TableResult

__all__ = ["DEFAULT_SETTINGS", "AlignSettings", "Line", "align", "align_traced", "format_trace", "read_tables"]


def align_traced(grid: Grid, fmt: str, settings: AlignSettings = DEFAULT_SETTINGS) -> tuple[ParsedReport, list[Line]]:
    """The ParsedReport and every row of the grid with what the aligner made of it."""
    agency, year, notes = read_title(grid, settings)
    if year is None:
        raise ParseError("no report year: the title has no 'YYYY年…政府信息公开工作年度报告'")
    version, version_notes = template_version(grid, year)
    warnings = [ParseWarning(n) for n in (*notes, *version_notes)]
    lines = split_sections(grid, settings)
    results = read_tables(lines, version, settings)
    requests = results["requests"]
    if not (requests.placed or requests.label_at or requests.trouble):
        raise ParseError("not an annual report: no 收到和处理政府信息公开申请情况 table was found")
    if agency is None:
        warnings.append(ParseWarning("agency name not found in the title"))
    finisher = Finisher(version, results, settings)
    cells = finisher.cells()
    unmapped = [u for r in results.values() for u in r.unmapped]
    report = ParsedReport(fmt, agency, year, version, cells, warnings + finisher.warnings, unmapped)
    return report, lines


_SECTION = attrgetter("section")


def read_tables(lines: list[Line], version: str, settings: AlignSettings = DEFAULT_SETTINGS) -> dict[str, TableResult]:
    """Stages 3-4 for every table: the sectioned lines → what each table's reader placed."""
    results: dict[str, TableResult] = {}
    by_section: dict[str | None, list[Line]] = {}
    for section, run in groupby(lines, _SECTION):  # (a section's lines come in a few long runs)
        by_section.setdefault(section, []).extend(run)
    # a table is closed by any heading after its last line (the readers never make a line a heading;
    # lines come in index order, so the last heading and a table's last line are the furthest)
    last_heading = next((ln.index for ln in reversed(lines) if ln.role == "heading"), -1)
    for table_key in TABLES:
        own = by_section.get(table_key, [])
        last = own[-1].index if own else -1
        closed = last_heading > last
        results[table_key] = TableReader(version, table_key, own, settings, found=bool(own), closed=closed).read()
    return results


def align(grid: Grid, fmt: str, settings: AlignSettings = DEFAULT_SETTINGS) -> ParsedReport:
    """Turn a document grid into a ParsedReport; ParseError when it is not an annual report."""
    return align_traced(grid, fmt, settings)[0]


def format_trace(lines: list[Line]) -> str:
    """The grid as the aligner saw it: one line per row (section, role, template row, notes) and
    its cells with their grid column, span and source."""
    out: list[str] = []
    for ln in lines:
        g = ln.grow
        head = f"{ln.index:4d} {ln.section or '-':<17} {ln.role or '-':<9} {ln.row or '':<24}"
        kind = "boxes" if g.positional else "text"
        out.append(f"{head} [{kind}] {g.source}")
        for c in g.cells:
            span = f"+{c.span}" if c.span > 1 else ""
            out.append(f"       c{c.col}{span:<3} {c.text!r:<40} {c.source}")
        for n in ln.notes:
            out.append(f"       → {n}")
    return "\n".join(out)
