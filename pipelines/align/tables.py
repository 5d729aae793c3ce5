"""Stages 3 and 4: one table's rows → template cells (header map, then placement in three passes).

Every row of the table's section is first classified: a header row (its column names are
learnt: which grid column each names), a row printing a label and values, a label alone, values
alone, a group label or other structure text, or unmatched text. Values are then placed:

1. by their own label, on the same row (the header's columns where a header names them,
   otherwise the rightmost cell boxes, or exactly k value fields of a text row);
2. below their label (one value per line, a row's 总计 alone on the next line, a small table
   under its block's caption), only where the rows printed just before and after the label
   are the row's neighbours in the template, so that a row whose label was lost can never
   lend its values to the row above it;
3. by order: value rows without labels fill a gap of template rows only where their count is
   exactly the gap's and the table's identities (R01–R04) hold with every number placed
   (status `placed`, with a warning); otherwise they stay unread.

A row printed twice with different numbers is not read at all. Nothing here is ever guessed:
what cannot be placed is left for the finishing stage to call unreadable or (with proof) absent.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import attrgetter

from ..grid import (
    Cell,
    GridRow,
    cell_text,
    clean,
    filled,
    is_blank_token,
    is_page_mark,
    is_value_token,
    label_key,
    parse_number,
)
from ..model import OPERAND_STATUSES, ParsedCell
from ..template import COLLAPSIBLE_OTHER_ROWS, TEMPLATES, Identity, Row, Table, identities
from .labels import FIELD_SPACES, RowMatcher, matcher, request_group
from .sections import Line
from .settings import AlignSettings

_REVIEW_CELLS = 15


# A placed value is the ParsedCell it becomes (table, row, column, value, status, printed text,
# source): made once when placed, handed on as it is by the finishing stage.
Placed = ParsedCell


@dataclass(slots=True)
class Item:
    """A row of the table's section, classified."""

    line: Line
    labels: list[Cell]
    values: list[Cell]
    role: str
    row: Row | None = None
    consumed: bool = False

    @property
    def grow(self) -> GridRow:
        return self.line.grow

    @property
    def row_key(self) -> str | None:
        return self.row.key if self.row is not None else None

    @property
    def filled(self) -> list[Cell]:
        return filled(self.values)


@dataclass(slots=True)
class Trouble:
    """Why a row's values were not placed where its label was found."""

    item: int
    reason: str
    raw: str | None = None


@dataclass
class TableResult:
    placed: dict[tuple[str, str], Placed] = field(default_factory=dict)
    label_at: dict[str, int] = field(default_factory=dict)  # row key → item index of its label
    trouble: dict[str, Trouble] = field(default_factory=dict)  # rows found but not placed, and why
    items: list[Item] = field(default_factory=list)
    found: bool = False  # the table's section or header was found
    closed: bool = False  # a later section heading ends it (its last rows are followed by nothing)
    collapsed_other: bool = False  # 2021 （六） printed as the single 其他处理 row
    warnings: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (message, row, column)
    unmapped: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- cells of a row


def split_cells(grow: GridRow) -> tuple[list[Cell], list[Cell]]:
    """Label cells (text) and the value cells after the last label cell.

    In a row without cell boxes, a number run into the end of the label ("行政许可4684",
    "……情形）501 73 …", as crawlers and converters print) is split off at the label's last
    character: a label never ends in a digit. Digits are never split from digits; a row whose
    numbers ran together has too few values and is not read."""
    cells = grow.cells
    kinds = [_cell_kind(c.text) for c in cells]
    return _split_kinds(grow, cells, kinds)[:2]


def _split_kinds(grow: GridRow, cells: list[Cell], kinds: list[int]) -> tuple[list[Cell], list[Cell], bool]:
    """split_cells with each cell's _cell_kind already known, and whether a value cell is printed
    (a filled cell among the values: after the last label every filled cell is a value)."""
    last_label = len(kinds) - 1 - kinds[::-1].index(_LABEL) if _LABEL in kinds else -1
    if last_label >= 0 and not grow.positional:
        c = cells[last_label]
        run_in = _label_then_number(c.text)
        if run_in is not None:
            cells = [
                *cells[:last_label],
                Cell(run_in[0], c.col, c.source, c.span),
                Cell(run_in[1], c.col, f"{c.source} (run into the label)"),
                *cells[last_label + 1 :],
            ]
            kinds = [*kinds[:last_label], _LABEL, _cell_kind(run_in[1]), *kinds[last_label + 1 :]]
    labels = list(compress(cells[: last_label + 1], kinds)) if last_label >= 0 else []  # (the non-empty: _EMPTY is 0)
    values = cells[last_label + 1 :]
    if _VALUE not in kinds[last_label + 1 :]:
        # Empty cells alone are no values, except in a positional row, where every empty
        # box after a label is a printed blank.
        if not (grow.positional and labels and values):
            values = []
        return labels, values, False
    return labels, values, True


@lru_cache(maxsize=1 << 16)  # a pure function of the text: a city prints the same labels in every report
def _label_then_number(text: str) -> tuple[str, str] | None:
    """(label, number) of a label cell with a number run into its end, None for any other text."""
    m = _LABEL_THEN_NUMBER.match(unicodedata.normalize("NFKC", text.strip()))
    return (m.group(1), m.group(2)) if m else None


_EMPTY, _LABEL, _VALUE = 0, 1, 2
# Item roles that print no label with values beside it: pass 1 passes them by
_NOTHING_BESIDE = frozenset({"empty", "text", "structure"})
_POSITIONAL = attrgetter("grow.positional")  # a Line's


@lru_cache(maxsize=1 << 16)  # a pure function of the text: a city prints the same cells in every report
def _cell_kind(text: str) -> int:
    """_EMPTY (whitespace only), _VALUE (is_value_token) or _LABEL (any other text)."""
    if not text.strip():
        return _EMPTY
    return _VALUE if is_value_token(text) else _LABEL


def value_cells(grow: GridRow, values: list[Cell], k: int, all_fields: bool = False) -> tuple[list[Cell] | None, str]:
    """Exactly k value cells in template-column order, or None with the reason."""
    if grow.positional:
        return positional_cells(values, k)
    printed = filled(values)
    if len(printed) == k:
        return printed, ""
    # Empty fields between values are blank cells; empty fields next to the label may be a
    # merged label spilling over, so they prove nothing.
    first = next((i for i, c in enumerate(values) if c.text.strip()), None)
    last = max((i for i, c in enumerate(values) if c.text.strip()), default=None)
    if first is not None and last is not None and last - first + 1 == k:
        return values[first : last + 1], ""
    if all_fields:
        # A row with no label: its tab fields are the cells, empty ones are blanks.
        fields = list(values)
        while len(fields) > k and not fields[-1].text.strip():
            fields.pop()
        if len(fields) == k:
            return fields, ""
    return None, f"{len(printed)} values where {k} cells exist, positions uncertain"


def width(grow: GridRow) -> int:
    """How many grid columns a positional row covers."""
    return max([c.col + c.span for c in grow.cells], default=0)


def positional_cells(values: list[Cell], k: int) -> tuple[list[Cell] | None, str]:
    """Exactly k value cells from real cell boxes, or None with the reason.

    The value columns are the rightmost k grid columns; boxes between the label and them must
    be empty (a label column left blank). Where cells span columns, positions are counted in
    grid columns: an empty box spanning n columns is n blanks, and a number spanning columns
    fits no single column, unless the row has exactly k cells (then each cell is one value, as
    in 行政许可 | 550 with 550 spanning the three columns of the block above).
    """
    if k == 1:
        printed = filled(values)
        if len(printed) == 1:
            # A one-value row under a wider block header, its boxes left unmerged ("550 |  | "):
            # the one printed cell is the row's only value wherever it stands.
            return printed, ""
    for c in values:
        if c.span > 1:
            break
    else:
        # no box spans columns (most rows): the rightmost k boxes, those before them empty
        # (what the general case below makes of such a row, without its slots)
        n = len(values)
        if n < k:
            return None, f"{n} cell columns after the label where {k} are expected"
        for c in values[: n - k]:
            if c.text.strip():
                return None, f"{n} cells after the label do not fit {k} columns"
        return values[n - k :], ""
    if any(c.span > 1 for c in values):
        if len(values) == k:
            return list(values), ""
        slots: list[Cell | None] = []
        for c in values:
            number_across = c.span > 1 and c.text.strip() and not is_blank_token(c.text)
            slots.extend([None if number_across else c] * c.span)
    else:
        slots = list(values)
    if len(slots) < k:
        return None, f"{len(slots)} cell columns after the label where {k} are expected"
    extra, chosen = slots[: len(slots) - k], slots[len(slots) - k :]
    if any(c is None or c.text.strip() for c in extra) or any(c is None for c in chosen):
        return None, f"{len(values)} cells after the label do not fit {k} columns"
    return [c for c in chosen if c is not None], ""


# ---------------------------------------------------------------- the table reader


class TableReader:
    def __init__(
        self, version: str, table_key: str, lines: list[Line], settings: AlignSettings, found: bool, closed: bool
    ) -> None:
        self.version = version
        self.key = table_key
        self.table = TEMPLATES[version].table(table_key)
        self.order, self.order_pos = _row_order(self.table)  # row keys; key → order.index(key)
        self.cell_keys = cell_keys(self.table)  # row key → its cells' (row, column) keys
        self.m: RowMatcher = matcher(version, table_key, settings)
        self.s = settings
        self.lines = lines
        self.out = TableResult(found=found, closed=closed)
        # column key → (grid column, span) of its header cell, table width, header row
        self.header: tuple[dict[str, tuple[int, int]], int, GridRow | None] | None = None
        self.conflicts: set[str] = set()

    # ------------------------------------------------------------ classify

    def classify(self) -> None:
        # first what each row holds, then what it is: header words one per line (a text
        # extraction's header) are only known as a run, a group label only by what follows it
        pre: list[tuple[Line, list[Cell], list[Cell], str]] = []
        heads: list[list[Cell]] = []  # each pre entry's label cells that are header words
        lines = self.lines
        if any(map(_POSITIONAL, lines)):  # (only cell boxes have a header merged in)
            lines = []
            for line in self.lines:
                header = _merged_header(line.grow)
                if header is not None:
                    line.note("header text run into this row's cells: split off as a header row above it")
                    lines += [Line(line.index, header[0], line.section, notes=["(header part)"]), line]
                    line.grow = header[1]
                else:
                    lines.append(line)
        cell_kind, is_header_word = _cell_kind, self.m.is_header_word
        for line in lines:
            if line.role == "heading":
                continue
            grow = line.grow
            cells = grow.cells
            if len(cells) == 1:
                # one cell (most lines of a text report): what _split_kinds makes of it, without it
                cell = cells[0]
                one = cell_kind(cell.text)
                if one == _EMPTY:
                    pre.append((line, [], [], "empty"))
                    heads.append([])
                    continue
                if one == _VALUE:
                    pre.append((line, [], [cell], "values"))
                    heads.append([])
                    continue
                if grow.positional or _label_then_number(cell.text) is None:  # (no number run into it)
                    if is_header_word(cell.text):
                        pre.append((line, [cell], [], "header_words"))
                        heads.append([cell])
                    else:
                        pre.append((line, [cell], [], "labels"))
                        heads.append([])
                    continue
            kinds = list(map(cell_kind, map(cell_text, cells)))
            if not any(kinds):  # (_EMPTY is 0)
                pre.append((line, [], [], "empty"))
                heads.append([])
                continue
            labels, values, printed = _split_kinds(grow, grow.cells, kinds)
            header_cells = list(compress(labels, map(is_header_word, map(cell_text, labels))))
            if printed:
                kind = "values"
            elif labels and len(header_cells) == len(labels):  # (every label a header word)
                kind = "header_words"
            else:
                kind = "labels"
            pre.append((line, labels, values, kind))
            heads.append(header_cells)
        group: str | None = None
        requests = self.key == "requests"
        add_item = self.out.items.append
        values_alone = self.s.header_words_min > 0
        for i, (line, labels, values, kind) in enumerate(pre):
            if kind == "empty":
                line.role, line.row = "empty", None  # (what _add does, inline: most lines are empty or values)
                add_item(Item(line, [], [], "empty"))
                continue
            if requests:
                for cell in labels:
                    g = request_group(cell.text)
                    if g:
                        group = g
            if kind == "values" and not labels and values_alone:
                # values alone: what _classify_values makes of them (_add inline)
                line.role, line.row = "values", None
                add_item(Item(line, labels, values, "values"))
                continue
            header_cells = heads[i]
            if kind == "values":
                self._classify_values(line, labels, values, header_cells, group)
                if self.out.items[-1].row is not None and self.out.items[-1].row.outcome_group:
                    group = self.out.items[-1].row.outcome_group
                continue
            if self._is_header(labels, header_cells) or (kind == "header_words" and self._in_header_run(pre, i)):
                self._add(line, labels, values, "header")
                continue
            if self._group_label_only(labels) and not self._is_own_row(pre, i, group):
                self._add(line, labels, values, "structure")
                continue
            row = self.m.match(labels, group) if labels else None
            if row is None:
                role = "structure" if labels and all(self.m.is_structure(c.text) for c in labels) else "text"
                self._add(line, labels, values, role)
                continue
            if row.outcome_group:
                group = row.outcome_group
            # a positional row with empty boxes after its label prints its cells blank, when the
            # label is whole: a fragment (a label's second line carried over a page break, with
            # the row's empty boxes) is no row of blanks
            blank_row = bool(values) and self.m.complete(row, labels)
            self._add(line, labels, values, "row" if blank_row else "label", row)

    def _classify_values(
        self, line: Line, labels: list[Cell], values: list[Cell], header_cells: list[Cell], group: str | None
    ) -> None:
        if _word_count(header_cells) >= self.s.header_words_min:
            labels = [c for c in labels if c not in header_cells]  # header text run into the row
            line.note("header words dropped from the row's labels")
        row = self.m.match(labels, group) if labels else None
        if row is None and labels and len(header_cells) == len(labels):
            labels = []  # a column's name before the values (总计 above section 四's numbers)
            line.note("header words before the values")
        if row is None and labels and all(self.m.is_structure(t) for t in _parts(labels)):
            labels = []  # a group label or a vertical label's characters beside values that have no label
            line.note("only structure text beside the values")
        if row is None and labels:
            row = self._join_wrapped_label(line, labels, group)
        role = "row" if row is not None else ("values" if not labels else "unmapped")
        self._add(line, labels, values, role, row)

    def _join_wrapped_label(self, line: Line, labels: list[Cell], group: str | None) -> Row | None:
        """A label wrapped over lines, its values on a later line beside a fragment that names no
        row alone ("一、本年新收政府信息公开" / "申请数量 10643 1591 …"): the label-only lines just above
        joined to the fragment name the row, provided the join completes the upper lines' own
        reading (the fragment continues that row's label, it does not start another)."""
        own = [t for t in _parts(labels) if not self.m.is_structure(t)]
        if not own:
            return None
        above: list[Item] = []
        for it in reversed(self.out.items):
            if it.role not in ("label", "text") or len(above) >= self.s.label_join_lines:
                break
            above.insert(0, it)
        for n in range(1, len(above) + 1):
            upper = above[-n:]
            texts = [t for it in upper for t in _parts(it.labels) if not self.m.is_structure(t)]
            joined = "".join(texts + own)
            row = self.m.match([Cell(joined, 0, "")], group)
            if row is None or not self.m.extends(row, "".join(texts), joined):
                continue
            if any(it.row is not None and it.row is not row for it in upper):
                continue
            for it in upper:
                it.role, it.row = "text", None
                it.line.role, it.line.row = "text", None
                it.line.note(f"first line of the label of {row.key} (values on a later line)")
            line.note(f"label joined with the {n} line(s) above: {joined!r}")
            return row
        return None

    @staticmethod
    def _in_header_run(pre: list[tuple[Line, list[Cell], list[Cell], str]], i: int) -> bool:
        """A line of header words beside another (自然人 / 法人或其他组织 / 总计 one per line, blank
        lines between them or not)."""
        # (index scans: a slice of `pre` per line would copy it)
        before = next((pre[j][3] for j in range(i - 1, -1, -1) if pre[j][3] != "empty"), None)
        after = next((pre[j][3] for j in range(i + 1, len(pre)) if pre[j][3] != "empty"), None)
        return "header_words" in (before, after)

    def _group_label_only(self, labels: list[Cell]) -> bool:
        return self.key == "requests" and bool(labels) and all(request_group(c.text) for c in labels)

    def _is_own_row(self, pre: list[tuple[Line, list[Cell], list[Cell], str]], i: int, group: str | None) -> bool:
        """A group label that is a row of its own (（六）其他处理 printed as one row): the next
        non-empty line holds its values and no label, or names a row outside its group."""
        for _line, labels, _values, kind in pre[i + 1 :]:
            if kind == "empty":
                continue
            if kind == "values" and not labels:
                return True
            row = self.m.match(labels, group) if labels else None
            return row is not None and row.outcome_group != group
        return False

    def _add(self, line: Line, labels: list[Cell], values: list[Cell], role: str, row: Row | None = None) -> None:
        line.role, line.row = role, row.key if row else None
        self.out.items.append(Item(line, labels, values, role, row))

    def _is_header(self, labels: list[Cell], header_cells: list[Cell]) -> bool:
        if _word_count(header_cells) >= self.s.header_words_min:
            return True
        if len(labels) >= 2 and self.key == "review_litigation":
            # 行政复议 | 行政诉讼, 未经复议直接起诉 | 复议后起诉: names of several blocks on one row
            named = {r.key for c in labels for r in [self.m.match([c], None)] if r is not None}
            return len(named) >= 2 or bool(header_cells)
        return False

    # ------------------------------------------------------------ header

    def learn_header(self, item: Item) -> None:
        """Remember which grid column each header cell names (header rows hold labels only).

        Consecutive header rows add up (自然人 … 总计 on one row, 商业企业 … 其他 below it); a
        block's new header (section 二) replaces the previous one.
        """
        if not item.grow.positional:
            return
        found: dict[str, tuple[int, int]] = {}
        for cell in item.labels:
            for col_key in _columns_named(self.table, cell.text):
                found.setdefault(col_key, (cell.col, cell.span))
        if not found:
            return
        w = width(item.grow)
        if self.key == "requests" and self.header is not None and self.header[1] == w:
            found = {**self.header[0], **found}
        self.header = (found, w, item.grow)

    def header_cells(self, row: Row, grow: GridRow, values: list[Cell]) -> list[Cell] | None:
        """The row's value cells under the header cells that name its columns.

        None when no header of the same table width names any column of the row (no evidence
        either way); [] when one names some but not all of them, or the row's numbers stand
        elsewhere (a contradiction: the row is not read by position).
        """
        if not grow.positional or self.header is None:
            return None
        names, w, _ = self.header
        if w != width(grow):
            return None
        named = [c.key in names for c in row.columns]
        if not any(named):
            return None
        if not all(named):
            # Some columns named (header words broken or on rows of their own): the rightmost
            # boxes are the row's cells only where they stand where the header names them.
            cells, _ = positional_cells(values, len(row.columns))
            if cells is None or any(
                names.get(col.key, (cell.col, cell.span)) != (cell.col, cell.span)
                for col, cell in zip(row.columns, cells, strict=False)
            ):
                return []
            return cells
        by_box = {(c.col, c.span): c for c in values}
        chosen = [by_box.get(names[c.key]) for c in row.columns]
        if len(row.columns) == 1 and chosen[0] is None:
            # One value under a header spanning unmerged boxes ("550 |  | " under a 3-wide
            # header): the one printed box inside the header's columns, or a blank if none is.
            col, span = names[row.columns[0].key]
            inside = [c for c in values if col <= c.col and c.col + c.span <= col + span]
            printed = filled(inside)
            if inside and len(printed) <= 1:
                chosen = [printed[0] if printed else inside[0]]
        chosen_ids = {id(x) for x in chosen}  # (identity, not equality: two boxes may print the same)
        rest = [c for c in values if id(c) not in chosen_ids]
        if any(c is None for c in chosen) or any(c.text.strip() for c in rest):
            return []
        return [c for c in chosen if c is not None]

    # ------------------------------------------------------------ placing

    def cells_for(self, row: Row, item: Item) -> tuple[list[Cell] | None, str]:
        k = len(row.columns)
        by_header = self.header_cells(row, item.grow, item.values)
        if by_header == []:
            return None, "the values stand under other columns than the header names"
        if by_header is not None:
            return by_header, ""
        return value_cells(item.grow, item.values, k)

    def put(self, row: str, column: str, cell: Cell, status: str = "value") -> None:
        raw = cell.text
        kind, value, noted = _reading(raw)
        if kind == "blank":
            self.out.placed[(row, column)] = Placed(self.key, row, column, None, "blank", raw, cell.source)
            return
        if value is None:
            self.out.placed[(row, column)] = Placed(self.key, row, column, None, "unreadable", raw, cell.source)
            self.warn(
                f"{self.key}.{row}.{column}: not read, text {raw!r} is not a number at {cell.source}", row, column
            )
            return
        if noted:
            self.warn(
                f"{self.key}.{row}.{column}: read {value:g} from {raw!r} (note after the number ignored)", row, column
            )
        self.out.placed[(row, column)] = Placed(self.key, row, column, value, status, raw, cell.source)

    def warn(self, message: str, row: str | None = None, column: str | None = None) -> None:
        self.out.warnings.append((message, row, column))

    def place(self, row: Row, cells: list[Cell], status: str = "value") -> None:
        placed, reading, table = self.out.placed, _reading, self.key
        # (row key, column key) of the row's columns, made once per table (zip stops at the shorter)
        for cell_key, cell in zip(self.cell_keys[row.key], cells, strict=False):
            text = cell.text
            _kind, value, noted = reading(text)
            if value is not None and not noted:  # a plain number (most cells): what put does with it
                placed[cell_key] = Placed(table, cell_key[0], cell_key[1], value, status, text, cell.source)
            else:
                self.put(cell_key[0], cell_key[1], cell, status)

    def is_placed(self, row: str) -> bool:
        return not self.out.placed.keys().isdisjoint(self.cell_keys[row])

    # pass 1: values beside their label ------------------------------------

    def pass_same_row(self) -> None:
        review = self.key == "review_litigation"
        for i, it in enumerate(self.out.items):
            role = it.role
            if role in _NOTHING_BESIDE or (role == "values" and not review):
                continue  # (most lines: what the checks below make of them)
            if it.role == "header":
                self.learn_header(it)
                it.line.note("header")
                continue
            if it.role == "label" and it.row is not None:
                self.out.label_at.setdefault(it.row.key, i)
                glued = _glued_digits(it.labels)
                if glued:
                    self._trouble(it.row.key, i, glued, it)
                    continue
                if self.key == "proactive":
                    self._blank_text_row(i, it)
                continue
            if it.role == "values" and self.key == "review_litigation":
                self._review_whole(i, it)
                continue
            if it.role == "unmapped":
                label = " ".join(c.text for c in it.labels)
                self.out.unmapped.append(f"{self.key}: {label}")
                self.warn(f"{self.key}: row {label!r} at {it.grow.source} matches no template row; kept unmapped")
                continue
            if it.role != "row" or it.row is None:
                continue
            row = it.row
            self.out.label_at.setdefault(row.key, i)
            if row.key in self.conflicts:
                continue
            if self.key == "review_litigation" and len(it.filled) == _REVIEW_CELLS and len(row.columns) == 5:
                self._review_whole(i, it)
                continue
            glued = _glued_digits(it.labels)
            cells, why = (None, glued) if glued else self.cells_for(row, it)
            if cells is None:
                self._trouble(row.key, i, why, it)
                continue
            if self.is_placed(row.key) or row.key in self.out.trouble:
                self._printed_twice(row, cells, i)
                continue
            self.place(row, cells)
            it.consumed = True
            it.line.note(f"placed {row.key}")

    def _trouble(self, row: str, i: int, why: str, it: Item) -> None:
        if row in self.out.trouble or self.is_placed(row):
            self._conflict(row, f"printed again at {it.grow.source}")
            return
        raw = " | ".join(c.text for c in it.values) or None
        self.out.trouble[row] = Trouble(i, why, raw)
        it.line.note(f"{row}: values not placed ({why})")

    def _printed_twice(self, row: Row, cells: list[Cell], i: int) -> None:
        it = self.out.items[i]
        same = all(
            (p := self.out.placed.get((row.key, col.key))) is not None and clean(p.raw_text) == clean(cell.text)
            for col, cell in zip(row.columns, cells, strict=False)
        )
        if same:
            it.consumed = True
            it.line.note(f"{row.key} printed again with the same values")
            return
        self._conflict(row.key, f"printed again with other values at {it.grow.source}")

    def _conflict(self, row: str, why: str) -> None:
        """A row printed twice with different values: neither is read."""
        self.conflicts.add(row)
        for col in template_row(self.table, row).columns:
            self.out.placed.pop((row, col.key), None)
        self.out.trouble[row] = Trouble(self.out.label_at.get(row, -1), why)

    def _blank_text_row(self, i: int, it: Item) -> None:
        """A section 二 text row printing its label and then exactly as many empty fields as the
        row has columns ("行政事业性收费<tab>") prints those cells blank. Only in section 二,
        whose rows are short and whose labels are not split across lines."""
        row = it.row
        if row is None or self.is_placed(row.key) or it.grow.positional:
            return
        after = it.grow.cells[it.grow.cells.index(it.labels[-1]) + 1 :]
        if len(after) == len(row.columns) and not any(c.text.strip() for c in after):
            self.place(row, after)
            it.consumed = True
            it.line.note(f"placed {row.key} (printed blank)")

    def _review_whole(self, i: int, it: Item) -> None:
        """Section 四 as one row of 15 cells under the three-level header (the usual layout)."""
        if any(self.is_placed(r) for r in self.order):
            return
        cells, why = value_cells(it.grow, it.values, _REVIEW_CELLS, all_fields=not it.labels)
        if cells is None:
            self.out.trouble.setdefault(
                "*",
                Trouble(
                    i, f"{len(it.filled)} values where 15 cells exist ({why})", " | ".join(c.text for c in it.values)
                ),
            )
            return
        cells_it = iter(cells)
        for r in self.table.rows:
            self.place(r, [next(cells_it) for _ in r.columns])
        self.out.trouble.pop("*", None)
        it.consumed = True
        it.line.note("placed the 15 cells of section 四")

    # pass 2: values on the lines after the label ------------------------------

    def pass_next_lines(self) -> None:
        if not self.s.values_on_next_lines:
            return
        items = self.out.items
        label_at, conflicts, is_placed = self.out.label_at, self.conflicts, self.is_placed
        for key in self.order:
            i = label_at.get(key)
            if i is None or key in conflicts or is_placed(key):
                continue
            it = items[i]
            row = template_row(self.table, key)
            if not self._neighbours_in_order(i, key) or _glued_digits(it.labels):
                continue
            k = len(row.columns)
            positional = it.line.grow.positional
            if it.role == "row" and positional:
                continue  # cell boxes: the row's values are what its boxes hold
            own = it.filled if it.role == "row" else []
            taken: list[Item] = []
            for j in range(i + 1, len(items)):
                nxt = items[j]
                role = nxt.role
                if role == "values":
                    if not nxt.consumed:
                        taken.append(nxt)  # every value up to the next label: exactly the row's, or none
                    continue
                if role == "label" and nxt.row is row:
                    continue  # the label's own next line (wrapped over label-only lines)
                if role in ("row", "label", "unmapped"):
                    break
            if not taken:
                continue
            cells: list[Cell] | None = None
            if not own and len(taken) == 1 and taken[0].line.grow.positional and len(taken[0].values) > 1:
                cells, _ = self.cells_for(row, taken[0])
            else:
                # text lines, or one value per line (a PDF's column of single values)
                tokens = list(own)
                fits = True
                for t in taken:
                    if t.line.grow.positional and len(t.values) != 1:
                        fits = False
                        break
                    tokens += filled(t.values)
                cells = tokens if fits and len(tokens) == k else None
            if cells is None:
                continue
            self.place(row, cells)
            self.out.trouble.pop(key, None)
            it.consumed = True
            note = f"values of {key} (label at {it.line.grow.source})"
            for t in taken:
                t.consumed = True
                t.line.notes.append(note)
            it.line.note(f"placed {key} from the line(s) below")

    def _neighbours_in_order(self, i: int, key: str) -> bool:
        """The rows labelled just before and after item i are the row's template neighbours, and
        the row before has its values before this label (not a run of labels: then the values
        below belong to the run, in an order only the identities can confirm)."""
        items = self.out.items
        # (plain loops over item.row: these scans run over every item of a table printed one
        # value per line)
        prev: str | None = None
        for j in range(i - 1, -1, -1):
            r = items[j].row
            if r is not None and r.key != key:
                prev = r.key
                if not self.is_placed(prev):
                    for between in range(j + 1, i):
                        if items[between].role == "values":
                            break
                    else:
                        return False  # a run of labels before this one
                break
        nxt: str | None = None
        for j in range(i + 1, len(items)):
            r = items[j].row
            if r is not None and r.key != key:
                nxt = r.key
                break
        # positions in the template order (its keys are unique): the rows strictly between the
        # neighbours and the row must all be skipped ones
        order, at = self.order, self.order_pos
        pos = at[key]
        skip = COLLAPSIBLE_OTHER_ROWS if self.out.collapsed_other else ()
        p = at.get(prev, -1) if prev is not None else -1
        if prev is not None and not -1 < p < pos:
            return False
        # (the next rows in the template, most often: nothing between them to check)
        if p + 1 < pos and not all(r in skip for r in order[p + 1 : pos]):
            return False
        n = at.get(nxt, -1) if nxt is not None else len(order)
        if nxt is not None and not pos < n:
            return False
        return pos + 1 == n or all(r in skip for r in order[pos + 1 : n])

    # pass 3: by order, confirmed by the identities ----------------------------

    def pass_by_order(self) -> None:
        if not self.s.place_by_order or self.key not in ("requests", "review_litigation"):
            return
        if self.key == "review_litigation":
            self._review_by_order()
            return
        skip = set(COLLAPSIBLE_OTHER_ROWS) if self.out.collapsed_other else set()
        todo = [k for k in self.order if k not in skip]
        open_rows = [
            k for k in todo if not self.is_placed(k) and k not in self.conflicts and not self._has_own_values(k)
        ]
        if not open_rows:
            return
        gaps: list[list[str]] = []
        for k in todo:
            if k in open_rows:
                if gaps and todo.index(k) - todo.index(gaps[-1][-1]) == 1:
                    gaps[-1].append(k)
                else:
                    gaps.append([k])
        tentative: dict[tuple[str, str], Placed] = {}
        used: list[Item] = []
        for gap in gaps:
            lo = self._placed_item(todo, gap[0], -1)
            hi = self._placed_item(todo, gap[-1], +1)
            cands = [it for it in self.out.items[lo + 1 : hi] if it.role == "values" and not it.consumed]
            if len(cands) != len(gap):
                continue
            # Each value row is the gap's row of the same rank; a row whose cells cannot be
            # told apart (a blank lost from it) stays unread, the others are placed.
            placed_rows = 0
            for key, it in zip(gap, cands, strict=False):
                row = template_row(self.table, key)
                cells, why = self.cells_for(row, it)
                if cells is None:
                    self.out.trouble[key] = Trouble(
                        self.out.items.index(it), f"by order: {why}", " | ".join(c.text for c in it.values)
                    )
                    it.line.note(f"by order: {key}, not read ({why})")
                    continue
                placed_rows += 1
                for col, cell in zip(row.columns, cells, strict=False):
                    tentative[(row.key, col.key)] = _as_placed(self.key, row.key, col.key, cell)
                it.line.note(f"by order: {key}")
            if placed_rows:
                used += cands
        if tentative:
            self._accept_if_confirmed(tentative, used, "value rows without their labels placed in template order")

    def _has_own_values(self, key: str) -> bool:
        """The row's label was printed beside values that could not be placed (not an order gap)."""
        t = self.out.trouble.get(key)
        return t is not None and t.item >= 0 and self.out.items[t.item].role == "row"

    def _placed_item(self, todo: list[str], key: str, step: int) -> int:
        """Item index of the nearest placed row before (step -1) or after (+1) `key`; the table's
        edge (-1 or len) where there is none."""
        pos = todo.index(key) + step
        while 0 <= pos < len(todo):
            k = todo[pos]
            if self.is_placed(k) or k in self.conflicts or self._has_own_values(k):
                i = self.out.label_at.get(k)
                if i is not None:
                    # the placed row's own item, or its values' items: the furthest consumed item
                    return self._extent(i, step)
            pos += step
        return -1 if step < 0 else len(self.out.items)

    def _extent(self, i: int, step: int) -> int:
        """A placed row's label item, extended over the value lines it consumed below it."""
        if step > 0:
            return i
        items = self.out.items
        j = i
        while j + 1 < len(items) and items[j + 1].consumed and items[j + 1].role == "values":
            j += 1
        return j

    def _review_by_order(self) -> None:
        if any(self.is_placed(r) for r in self.order):
            return
        cands = [it for it in self.out.items if it.role == "values" and not it.consumed]
        if not cands:
            return
        tokens: list[Cell] | None = None
        if all(not it.grow.positional for it in cands):
            flat = [c for it in cands for c in it.filled]
            tokens = flat if len(flat) == _REVIEW_CELLS else None
        elif len(cands) == len(self.table.rows):
            tokens = []
            for it in cands:
                cells, _ = value_cells(it.grow, it.values, 5, all_fields=True)
                if cells is None:
                    tokens = None
                    break
                tokens += cells
        if tokens is None or len(cands) < 2:
            return
        if self._one_run_under_header(cands) and all(len(it.values) == 1 for it in cands):
            # the 15 values one per line right under the three-level header, nothing between them:
            # the header's own order, as when they print on one line
            it_tokens = iter(tokens)
            for r in self.table.rows:
                self.place(r, [next(it_tokens) for _ in r.columns])
            self.out.trouble.pop("*", None)
            for it in cands:
                it.consumed = True
                it.line.note("section 四, one value per line under the header")
            return
        tentative: dict[tuple[str, str], Placed] = {}
        it_tokens = iter(tokens)
        for r in self.table.rows:
            for c in r.columns:
                tentative[(r.key, c.key)] = _as_placed(self.key, r.key, c.key, next(it_tokens))
        for it in cands:
            it.line.note("by order: section 四")
        self._accept_if_confirmed(tentative, cands, "section 四 values placed in block order")

    def _one_run_under_header(self, cands: list[Item]) -> bool:
        """The value lines follow the table's header directly and one another with nothing between."""
        items = self.out.items
        first, last = items.index(cands[0]), items.index(cands[-1])
        if any(it.role not in ("values", "empty") for it in items[first : last + 1]):
            return False
        before = next((it for it in reversed(items[:first]) if it.role != "empty"), None)
        return before is not None and before.role == "header"

    def _accept_if_confirmed(self, tentative: dict[tuple[str, str], Placed], used: list[Item], what: str) -> None:
        ok, why = confirm(
            self.version,
            self.key,
            {**self.out.placed, **tentative},
            set(tentative),
            self.out.collapsed_other,
            self.s.identity_tolerance,
        )
        if not ok:
            rows = sorted({r for r, _ in tentative}, key=self.order.index)
            self.warn(f"{self.key}: {what} ({', '.join(rows)}) left unread: {why}")
            for it in used:
                it.line.note(f"not placed by order: {why}")
            return
        for (row, col), p in tentative.items():
            self.out.placed[(row, col)] = p
            self.out.trouble.pop(row, None)
        self.out.trouble.pop("*", None)
        for it in used:
            it.consumed = True
        rows = sorted({r for r, _ in tentative}, key=self.order.index)
        for row in rows:
            self.warn(f"{self.key}.{row}: {what}; accepted because the table's identities hold with them", row)

    # ------------------------------------------------------------ run

    def _join_labels_below(self) -> None:
        """A row whose label was cut by a page break or a wrap, its values beside the first part
        ("3.补" | 0 | 0 …) and the rest of the label on the line(s) below ("正后申请内容仍不明确"): the
        parts joined name the row, provided the join reads more of its label than the lower part."""
        items = self.out.items
        for i, it in enumerate(items):
            if it.role != "unmapped":
                continue
            own = [t for t in _parts(it.labels) if not self.m.is_structure(t)]
            below: list[Item] = []
            for nxt in items[i + 1 :]:
                if nxt.role in ("empty", "header") or (nxt.role == "text" and is_page_mark(nxt.grow.text)):
                    continue
                if nxt.role not in ("label", "text") or len(below) >= self.s.label_join_lines:
                    break
                below.append(nxt)
                texts = [t for b in below for t in _parts(b.labels) if not self.m.is_structure(t)]
                joined = "".join(own + texts)
                row = self.m.match([Cell(joined, 0, "")], None)
                if row is None or not self.m.extends(row, "".join(texts), joined):
                    continue
                if any(b.row is not None and b.row is not row for b in below):
                    break
                it.role, it.row = "row", row
                it.line.role, it.line.row = "row", row.key
                it.line.note(f"label joined with the {len(below)} line(s) below: {joined!r}")
                for b in below:
                    b.role, b.row = "text", None
                    b.line.role, b.line.row = "text", None
                    b.line.note(f"rest of the label of {row.key} (its values on the line above)")
                break

    def _find_collapsed_other(self) -> None:
        """A 2021 report printing （六） as the single 其他处理 row: other_other labelled 其他处理
        and neither sub-row 1 nor 2 labelled anywhere in the table."""
        if self.version != "2021" or self.key != "requests":
            return
        rows = [it for it in self.out.items if it.row is not None]
        self.out.collapsed_other = any(
            it.row_key == "other_other" and any("其他处理" in label_key(c.text) for c in it.labels) for it in rows
        ) and not any(it.row_key in COLLAPSIBLE_OTHER_ROWS for it in rows)

    def read(self) -> TableResult:
        self.classify()
        self._join_labels_below()
        self._find_collapsed_other()
        self.pass_same_row()
        self.pass_next_lines()
        self.pass_by_order()
        return self.out


def _merged_header(grow: GridRow) -> tuple[GridRow, GridRow] | None:
    """A positional row whose cells print the table's header above their first value
    ("申请人情况<br>自然人<br>10097", a converter merging header rows into the first data row):
    (the header row, the data row), each cell split at its last line. None for any other row."""
    if not grow.positional:
        return None
    shaped = 0
    for c in grow.cells:
        if "\n" not in c.text:
            continue  # one line: no header above a value
        lines = [ln for ln in c.text.split("\n") if ln.strip()]
        if len(lines) >= 2 and is_value_token(lines[-1]) and not any(is_value_token(ln) for ln in lines[:-1]):
            shaped += 1
    if shaped < 2:
        return None
    heads, tails = [], []
    for c in grow.cells:
        lines = [ln for ln in c.text.split("\n") if ln.strip()]
        head, tail = ("\n".join(lines[:-1]), lines[-1]) if len(lines) >= 2 else ("", c.text)
        heads.append(Cell(head, c.col, f"{c.source} (header part)", c.span))
        tails.append(Cell(tail, c.col, c.source, c.span))
    return (
        GridRow(heads, positional=True, source=f"{grow.source} (header part)"),
        GridRow(tails, positional=True, source=grow.source),
    )


def _word_count(header_cells: list[Cell]) -> int:
    """RowMatcher.header_word_count of cells already known to be header words: their words."""
    return sum(len(c.text.split()) for c in header_cells) if header_cells else 0


def _parts(labels: list[Cell]) -> list[str]:
    """The label cells' space-separated parts, in order."""
    return [p for c in labels for p in FIELD_SPACES.split(c.text.strip()) if p]


# A label with a number run into its end: the label, the number.
def _column_names(table: Table) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(column key, label keys of its label and aliases) of every row's columns, in template order.
    Kept per table object (one entry per template table): hashing a whole frozen Table for an
    lru_cache lookup costs more than the lookup saves."""
    hit = _COLUMN_NAMES.get(id(table))
    if hit is not None and hit[0] is table:
        return hit[1]
    if len(_COLUMN_NAMES) >= 64:
        _COLUMN_NAMES.clear()
    names = _column_names_of(table)
    _COLUMN_NAMES[id(table)] = (table, names)
    return names


_COLUMN_NAMES: dict[int, tuple[Table, tuple[tuple[str, tuple[str, ...]], ...]]] = {}


def template_row(table: Table, key: str) -> Row:
    """table.row(key) (the first row with that key; KeyError when there is none) from a dict kept
    per table object instead of a scan of the rows."""
    hit = _ROWS_BY_KEY.get(id(table))
    if hit is None or hit[0] is not table:
        if len(_ROWS_BY_KEY) >= 64:
            _ROWS_BY_KEY.clear()
        rows: dict[str, Row] = {}
        for r in table.rows:
            rows.setdefault(r.key, r)
        hit = _ROWS_BY_KEY[id(table)] = (table, rows)
    row = hit[1].get(key)
    if row is None:
        return table.row(key)  # its KeyError
    return row


_ROWS_BY_KEY: dict[int, tuple[Table, dict[str, Row]]] = {}


def _row_order(table: Table) -> tuple[list[str], dict[str, int]]:
    """The table's row keys in template order and each key's first position, kept per table object
    (a reader never changes them)."""
    hit = _ROW_ORDER.get(id(table))
    if hit is None or hit[0] is not table:
        if len(_ROW_ORDER) >= 64:
            _ROW_ORDER.clear()
        order = [r.key for r in table.rows]
        hit = _ROW_ORDER[id(table)] = (table, order, {k: i for i, k in reversed(list(enumerate(order)))})
    return hit[1], hit[2]


_ROW_ORDER: dict[int, tuple[Table, list[str], dict[str, int]]] = {}


def cell_keys(table: Table) -> dict[str, tuple[tuple[str, str], ...]]:
    """Row key → its cells' (row, column) keys (of the row template_row gives), kept per table object."""
    hit = _CELL_KEYS.get(id(table))
    if hit is None or hit[0] is not table:
        if len(_CELL_KEYS) >= 64:
            _CELL_KEYS.clear()
        keys = {r.key: tuple((r.key, c.key) for c in template_row(table, r.key).columns) for r in table.rows}
        hit = _CELL_KEYS[id(table)] = (table, keys)
    return hit[1]


_CELL_KEYS: dict[int, tuple[Table, dict[str, tuple[tuple[str, str], ...]]]] = {}


def _columns_named(table: Table, text: str) -> tuple[str, ...]:
    """The keys of the columns a header cell's text names (by their labels and aliases: a short
    name exactly, a longer one anywhere in it), in template order; kept per (table, text)."""
    hit = _NAMED.get((id(table), text))
    if hit is not None and hit[0] is table:
        return hit[1]
    if len(_NAMED) >= 50_000:
        _NAMED.clear()  # bounded: a worker parses thousands of reports
    key = label_key(text)
    named = tuple(
        col_key
        for col_key, col_names in _column_names(table)
        if any(n == key if len(n) <= 2 else n in key for n in col_names)
    )
    _NAMED[(id(table), text)] = (table, named)
    return named


_NAMED: dict[tuple[int, str], tuple[Table, tuple[str, ...]]] = {}


def _column_names_of(table: Table) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple(
        dict.fromkeys(
            (col.key, tuple(n for n in (label_key(a) for a in (col.label, *col.aliases)) if n))
            for r in table.rows
            for col in r.columns
        )
    )


_LABEL_THEN_NUMBER = re.compile(r"^(.*?[\u4e00-\u9fff）)】》”])(\d[\d,]*(?:\.\d+)?)$")
# Digits run into a label in a cell box ("行政许可3960181"), where they cannot be split off.
_GLUED = re.compile(r"[\u4e00-\u9fff）)】》”][\d,，.]*\d\s*$")


def _glued_digits(labels: list[Cell]) -> str:
    """Why a row is not read when its numbers are run together with its label: digits are never
    split by guessing. "" when the labels end in no digits."""
    for c in labels:
        if _glued(c.text):
            return (
                f"its numbers are run together with the label ({c.text.strip()!r}); digits are never split by guessing"
            )
    return ""


@lru_cache(maxsize=1 << 16)  # a pure function of the text: a city prints the same labels in every report
def _glued(text: str) -> bool:
    """The label cell's text ends in digits run into it (and is no page mark)."""
    return bool(_GLUED.search(unicodedata.normalize("NFKC", text))) and not is_page_mark(text)


@lru_cache(maxsize=1 << 16)  # a pure function of the text: a city prints the same values in every report
def _reading(raw: str) -> tuple[str, float | None, bool]:
    """What a value cell's text reads as: ("blank", None, False), or ("number", its number or None
    when it is no number, whether a note after the number was ignored)."""
    if is_blank_token(raw):
        return "blank", None, False
    value = parse_number(raw)
    if value is None:
        return "number", None, False
    return "number", value, clean(raw) != clean(raw).split("（")[0].split("(")[0]


def _as_placed(table: str, row: str, column: str, cell: Cell) -> Placed:
    raw = cell.text
    kind, value, _noted = _reading(raw)
    if kind == "blank":
        return Placed(table, row, column, None, "blank", raw, cell.source)
    if value is None:
        return Placed(table, row, column, None, "unreadable", raw, cell.source)
    return Placed(table, row, column, value, "placed", raw, cell.source)


def confirm(
    version: str,
    table: str,
    cells: dict[tuple[str, str], Placed],
    tentative: set[tuple[str, str]],
    collapsed_other: bool,
    tolerance: float,
) -> tuple[bool, str]:
    """Do the table's identities hold with the tentative cells? Every identity touching them that
    can be evaluated must hold, and every number among them must be in one that holds."""
    if any(cells[k].status == "unreadable" for k in tentative):
        return False, "a value is not a number"
    confirmed: set[tuple[str, str]] = set()
    for ident in identities(version):
        if ident.anchor.table != table:
            continue
        refs = [*ident.total_side, *ident.parts_side]
        involved = {(r.row, r.column) for r in refs} & tentative
        if not involved:
            continue
        result = _holds(ident, cells, collapsed_other, tolerance)
        if result is False:
            return False, f"{ident.check_id} does not hold"
        if result:
            confirmed |= involved
    numbers = {k for k in tentative if cells[k].value is not None}
    unconfirmed = numbers - confirmed
    if unconfirmed:
        row, col = sorted(unconfirmed)[0]
        return False, f"{row}.{col} takes part in no identity that can be checked"
    return True, ""


def _holds(
    ident: Identity, cells: dict[tuple[str, str], Placed], collapsed_other: bool, tolerance: float
) -> bool | None:
    """True/False when the identity can be evaluated on operands, None when it cannot."""
    sides = []
    for refs in (ident.total_side, ident.parts_side):
        total = 0.0
        for r in refs:
            p = cells.get((r.row, r.column))
            if p is None:
                if collapsed_other and r.row in COLLAPSIBLE_OTHER_ROWS:
                    continue
                return None
            if p.status not in OPERAND_STATUSES or p.value is None:
                return None
            total += p.value
        sides.append(total)
    return abs(sides[0] - sides[1]) <= tolerance
