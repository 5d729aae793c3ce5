"""Stage 5: every template cell gets its final status.

A cell that was placed keeps what it got. A row with nothing placed is `absent` (not printed:
R09) only on positive evidence — its table was found, its label appears nowhere in the table,
and the rows printed just before and after it are its template neighbours with nothing
unexplained between them (a 2021 （六） printed as the single 其他处理 row explains its two
sub-rows). Anything else not placed is `unreadable`: the report may print it, a person reads it.
Finally, under a printed 0 （七）总计, a zero-only row's unplaced cells are 0 (`inferred`).
"""

from __future__ import annotations

import re
from itertools import compress
from operator import attrgetter
from typing import cast

from ..grid import label_key, parse_number
from ..model import ParsedCell, ParseWarning
from ..template import (
    COLLAPSIBLE_OTHER_ROWS,
    OUTCOME_ROWS_2019,
    OUTCOME_ROWS_2021,
    PAGE_PREFIX,
    PAGE_WORD,
    TEMPLATES,
    Table,
)
from .labels import matcher
from .settings import AlignSettings
from .tables import Item, Placed, TableResult, cell_keys, template_row

# Page furniture that may stand between two rows of a table: a browser's header or footer (date
# and time, URL), a page mark. It is no evidence of a missing row.
_FURNITURE = re.compile(
    r"(?:https?://|www\.|\d{1,4}[/-]\d{1,2}[/-]\d{1,4}|\d{1,2}:\d{2}"
    rf"|{PAGE_PREFIX}\s*\d+\s*{PAGE_WORD}|^\s*-\s*\d+\s*-\s*$"
    r"|^\s*\d+\s*/\s*\d+\s*$)"
)
_STATUS = attrgetter("status")  # a ParsedCell's
COLLAPSED_WARNING = (
    "requests: （六）其他处理 printed as one row (2019 layout); read as other_other, "
    "the 2021 sub-rows 1 and 2 are absent"
)


class Finisher:
    def __init__(self, version: str, results: dict[str, TableResult], settings: AlignSettings) -> None:
        self.version = version
        self.results = results
        self.s = settings
        self.warnings: list[ParseWarning] = []

    def warn(self, message: str, table: str | None = None, row: str | None = None, column: str | None = None) -> None:
        self.warnings.append(ParseWarning(message, table, row, column))

    def cells(self) -> list[ParsedCell]:
        out: list[ParsedCell] = []
        for table_key, table in TEMPLATES[self.version].tables.items():
            res = self.results[table_key]
            for message, warned_row, warned_column in res.warnings:
                self.warn(message, table_key, warned_row, warned_column)
            if (
                table_key == "requests"
                and res.collapsed_other
                and not any(k in res.label_at for k in COLLAPSIBLE_OTHER_ROWS)
            ):
                self.warn(COLLAPSED_WARNING, "requests")
            get = res.placed.get
            keys_of = cell_keys(table)
            for row in table.rows:
                keys = keys_of[row.key]  # (row key, column key) of each of its columns
                placed = list(map(get, keys))
                if all(placed):  # every cell placed (most rows): each as it was placed
                    out += cast("list[Placed]", placed)
                    continue
                if any(placed):  # something placed (a Placed is always true)
                    for col, p in zip(row.columns, placed, strict=False):
                        if p is None:
                            out.append(
                                self._unreadable(table_key, row.key, col.key, "not placed with the rest of its row")
                            )
                        else:
                            out.append(p)
                    continue
                status, why, raw, source = self._unplaced(table, res, row.key)
                if status == "absent":
                    self.warn(f"{table_key}.{row.key}: not printed ({why})", table_key, row.key)
                for col in row.columns:
                    if status == "absent":
                        out.append(ParsedCell(table_key, row.key, col.key, None, "absent"))
                    else:
                        out.append(self._unreadable(table_key, row.key, col.key, why, raw, source))
        if self.s.infer_zero_outcomes:
            self._infer_zero_outcomes(out)
        return out

    def _unreadable(
        self, table: str, row: str, column: str, why: str, raw: str | None = None, source: str = ""
    ) -> ParsedCell:
        self.warn(f"{table}.{row}.{column}: not read, {why}", table, row, column)
        return ParsedCell(table, row, column, None, "unreadable", raw, source)

    # ------------------------------------------------------------ absent or unreadable

    def _unplaced(self, table: Table, res: TableResult, key: str) -> tuple[str, str, str | None, str]:
        """(status, reason, printed text, source) of a row with nothing placed."""
        items = res.items
        if not res.found:
            return "unreadable", "the table was not found", None, ""
        if key in res.trouble:
            t = res.trouble[key]
            src = items[t.item].grow.source if t.item >= 0 else ""
            return "unreadable", f"{t.reason} at {src}" if src else t.reason, t.raw, src
        if key in res.label_at:
            src = items[res.label_at[key]].grow.source
            return "unreadable", f"its label is printed at {src} but its values were not found", None, src
        if table.key == "requests" and res.collapsed_other and key in COLLAPSIBLE_OTHER_ROWS:
            return "absent", "（六）其他处理 printed as one row", None, ""
        m = matcher(self.version, table.key, self.s)
        for it in items:
            if it.role in ("text", "unmapped", "label", "row") and key in m.mentioned_rows(
                " ".join(c.text for c in it.labels)
            ):
                return "unreadable", f"its label may be the text at {it.grow.source}", None, it.grow.source
        if "*" in res.trouble:
            t = res.trouble["*"]
            src = items[t.item].grow.source if t.item >= 0 else ""
            return "unreadable", f"{t.reason} at {src}", t.raw, src
        if self.s.absence_needs_neighbours and self._between_neighbours(table, res, key):
            return "absent", "the rows printed around it are its template neighbours", None, ""
        return "unreadable", "not found in the table", None, ""

    def _between_neighbours(self, table: Table, res: TableResult, key: str) -> bool:
        skip = set(COLLAPSIBLE_OTHER_ROWS) if res.collapsed_other else set()
        order = [r.key for r in table.rows if r.key not in skip]
        pos = order.index(key)
        found = set(res.label_at)
        prev = next((k for k in reversed(order[:pos]) if k in found), None)
        nxt = next((k for k in order[pos + 1 :] if k in found), None)
        # every row between the neighbours is unfound (the run of rows judged not printed)
        lo_pos = order.index(prev) + 1 if prev else 0
        hi_pos = order.index(nxt) if nxt else len(order)
        if any(res.placed.get((k, c.key)) for k in order[lo_pos:hi_pos] for c in template_row(table, k).columns):
            return False
        edge = prev is None or nxt is None  # only the table's header or end on one side: weaker proof
        if hi_pos - lo_pos > (self.s.absence_max_edge_run if edge else self.s.absence_max_run):
            return False
        items = res.items
        if prev is None:
            first = res.label_at[nxt] if nxt else len(items)
            headers = [i for i, it in enumerate(items[:first]) if it.role == "header"]
            if not headers:
                return False  # the table's start was not seen: its first rows may have been lost
            lo = headers[-1]
        else:
            lo = res.label_at[prev]
        if nxt is None:
            if not res.closed:
                return False  # the table's end was not seen
            hi = len(items)
        else:
            hi = res.label_at[nxt]
        if hi <= lo:
            return False
        labels = [label_key(template_row(table, k).full_label) for k in (prev, nxt) if k]
        return all(self._neutral(it, labels) for it in items[lo + 1 : hi])

    @staticmethod
    def _neutral(it: Item, neighbour_labels: list[str]) -> bool:
        """An item that is no sign of a row: structure, a header, page furniture, the values or a
        wrapped piece of the neighbours' own labels."""
        if it.role in ("header", "structure", "empty", "heading"):
            return True
        if it.role == "values":
            return it.consumed
        if it.role == "text":
            text = " ".join(c.text for c in it.labels)
            key = label_key(text)
            if _FURNITURE.search(text):
                return True
            return bool(key) and any(key in lab for lab in neighbour_labels)
        return False

    # ------------------------------------------------------------ inference

    def _infer_zero_outcomes(self, cells: list[ParsedCell]) -> None:
        """An unreadable outcome cell is 0 when its column's printed （七）总计 is 0.

        Counts are non-negative and （七）总计 is their sum (R02), so every part of a 0 total is
        0. Only done where the row's printed numbers were all 0 (so the row is known to hold
        no other number), and always with a warning: the value is inferred, not read.
        """
        outcomes = set(OUTCOME_ROWS_2021 if self.version == "2021" else OUTCOME_ROWS_2019)
        by_key: dict[tuple[str, str, str], ParsedCell] | None = None  # made for the first candidate only
        for c in compress(cells, map("unreadable".__eq__, map(_STATUS, cells))):  # (the loop over all in C)
            if c.table != "requests" or c.row not in outcomes:
                continue
            tokens = [t for t in (c.raw_text or "").split(" | ") if t]
            if not tokens or any(parse_number(t) != 0 for t in tokens):
                continue
            if by_key is None:
                by_key = {(x.table, x.row, x.column): x for x in cells}
            total = by_key.get(("requests", "total_processed", c.column))
            if total is not None and total.status in ("value", "placed") and total.value == 0:
                c.value, c.status = 0.0, "inferred"
                self.warn(
                    f"requests.{c.row}.{c.column}: inferred 0 (not read): the row prints only zeros "
                    f"and the column's （七）总计 is 0",
                    "requests",
                    c.row,
                    c.column,
                )
