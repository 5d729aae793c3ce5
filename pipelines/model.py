"""Typed records the parser produces: one ParsedReport per file, one ParsedCell per template cell."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Bump when parsing output may change: parsed results are cached per (sha256, PARSER_VERSION).
PARSER_VERSION = "0.3.0"

# What a template cell holds after parsing.
#   value       a number read from the report, placed by its own row label and column
#   blank       the report prints the cell blank ("", "/", "-", "—", "无"): not reported, never 0
#   placed      a number read from the report and placed by order (its row's label was not beside
#               it), accepted only because the table's identities (R01-R04) hold with it; warned
#   inferred    not read, derived from printed numbers (the warnings say how)
#   unreadable  not read: the report may print it, but it could not be placed with certainty.
#               Never an operand of a rule: a check touching it is not assessable; a person reads it.
#   absent      positively not printed: the table was read around the row and its label appears
#               nowhere in it (R09), or a 2021 report prints （六）其他处理 as one row
# The warehouse adds `corrected` (a person's value from data/corrections/).
CELL_STATUSES: tuple[str, ...] = ("value", "blank", "placed", "inferred", "unreadable", "absent")
# Statuses whose value is a number the rules may use.
OPERAND_STATUSES: tuple[str, ...] = ("value", "placed", "inferred")


class ParseError(Exception):
    """The file cannot be read as an annual report; `reason` is one line for the user."""

    def __init__(self, reason: str) -> None:
        reason = " ".join(str(reason).split())  # one line, whatever a library's message held
        super().__init__(reason)
        self.reason = reason


@dataclass
class ParsedCell:
    table: str
    row: str
    column: str
    value: float | None
    status: str
    raw_text: str | None = None
    source: str = ""  # where in the file: "page 3 table 2 r5c4", "line 57 field 3", …

    @property
    def is_blank(self) -> bool:
        return self.status == "blank"


@dataclass
class ParseWarning:
    message: str
    table: str | None = None
    row: str | None = None
    column: str | None = None


@dataclass
class ParsedReport:
    format: str
    agency: str | None
    report_year: int | None
    template: str
    cells: list[ParsedCell] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    unmapped_rows: list[str] = field(default_factory=list)

    @property
    def n_unread(self) -> int:
        """Cells the report may print that were not read (a person reads them)."""
        return sum(1 for c in self.cells if c.status == "unreadable")

    @property
    def read_quality(self) -> str:
        """complete (every cell read, blank or proven absent), partial, or unread (no cell read)."""
        if self.n_unread == 0:
            return "complete"
        if any(c.status not in ("unreadable", "absent") for c in self.cells):
            return "partial"
        return "unread"

    def cell(self, table: str, row: str, column: str) -> ParsedCell | None:
        for c in self.cells:
            if (c.table, c.row, c.column) == (table, row, column):
                return c
        return None

    def to_json(self) -> dict[str, Any]:
        """The canonical JSON of `docs/spec/canonical-keys.md`."""
        out: dict[str, Any] = {
            "agency": self.agency,
            "report_year": self.report_year,
            "template": self.template,
            "proactive": {},
            "requests": {},
            "review_litigation": {},
        }
        for c in self.cells:
            v = c.value if c.status in OPERAND_STATUSES else None
            if v is not None and float(v).is_integer():
                v = int(v)
            out[c.table].setdefault(c.row, {})[c.column] = v
        out["warnings"] = [w.message for w in self.warnings]
        return out
