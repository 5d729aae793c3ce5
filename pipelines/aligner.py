"""Map any grid onto the template: the one place where cells become canonical keys.

The aligner walks the document's rows in reading order, tracks which section it is in,
matches each row's label cells against the template rows of that section, and places the
row's value cells on the template columns. It places a value only when its position is
certain; otherwise the cell stays null ("unreadable") with a warning naming table, row
and column. It never corrects a printed number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .grid import Cell, Grid, GridRow, clean, is_blank_token, is_value_token, label_key, parse_number
from .model import ParsedCell, ParsedReport, ParseError, ParseWarning
from .template import (
    OUTCOME_ROWS_2019,
    OUTCOME_ROWS_2021,
    TEMPLATES,
    Row,
    Table,
    template_for_year,
)

# Section headings (matched on label_key of a row's text); 五 ends the tables.
_SECTION_HEADINGS: tuple[tuple[str, str], ...] = (
    ("proactive", "主动公开政府信息情况"),
    ("requests", "收到和处理政府信息公开申请情况"),
    ("review_litigation", "政府信息公开行政复议行政诉讼情况"),
    ("review_litigation", "行政复议行政诉讼情况"),
    ("end", "存在的主要问题及改进情况"),
    ("end", "其他需要报告的事项"),
)
# Short names of the sections, e.g. spreadsheet sheet names; only a row that says exactly this.
_SHORT_HEADINGS: dict[str, str] = {
    "主动公开": "proactive", "主动公开情况": "proactive", "主动公开政府信息": "proactive",
    "依申请公开": "requests", "依申请公开情况": "requests", "政府信息公开申请情况": "requests",
    "复议诉讼": "review_litigation", "行政复议行政诉讼": "review_litigation",
    "行政复议和行政诉讼": "review_litigation", "行政复议及行政诉讼": "review_litigation",
}
# Header rows that identify a table even where its section heading is missing (a spreadsheet
# of tables only, a heading lost in extraction). Header rows hold no values.
_HEADER_MARKERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("requests", ("申请人情况",)),
    ("requests", ("自然人", "商业企业")),
    ("review_litigation", ("行政复议", "行政诉讼")),
    ("review_litigation", ("未经复议直接起诉",)),
    ("proactive", ("信息内容", "本年制发件数")),
    ("proactive", ("信息内容", "本年新制作数量")),
)
# Group labels of section 三 (merged cells to the left of the numbered item rows).
_REQUEST_GROUPS: dict[str, str] = {"不予公开": "denied", "无法提供": "unable", "不予处理": "not_processed",
                                   "其他处理": "other"}

_TEMPLATE_2021_MARKERS = ("本年制发件数", "本年废止件数", "现行有效件数", "本年收费金额",
                          "申请人无正当理由逾期不补正", "申请人逾期未按收费通知要求缴纳费用")
_TEMPLATE_2019_MARKERS = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量",
                          "其他对外管理服务事项", "政府集中采购", "采购项目数量")

# A year in digits, or in Chinese numerals as some titles print it (二〇二二年, 二○二二, 二零二二).
_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0", "０": "0"}
_YEAR = r"(?:19|20)\d{2}|[一二][〇零○Ｏ０一二三四五六七八九]{3}"
# "…政府信息公开工作年度报告" (also 工作报告, 年度工作报告, 工作年报).
_REPORT_NAME = r"政\s*府\s*信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:工\s*作\s*)?(?:报\s*告|年\s*报)"
_TITLE = re.compile(rf"(?P<pre>[^\n]*?)(?P<year>{_YEAR})\s*年\s*度?\s*(?P<mid>[^\n\d]{{0,40}}?)\s*{_REPORT_NAME}")
# The year after the name: "<机关>政府信息公开工作年度报告（2022年度）".
_TITLE_YEAR_AFTER = re.compile(rf"(?P<pre>[^\n]*?)(?P<mid>){_REPORT_NAME}\s*[（(]\s*(?P<year>{_YEAR})\s*年?\s*度?\s*[)）]")
_AGENCY_SUFFIX = re.compile(r"(政府|局|委员会|委|办公室|办事处|办|院|中心|街道|镇|乡|厅|署|处|会|所|站|队|馆|部|司|中心)$")
_FIRST_SECTION = re.compile(r"[一1][、.．]?\s*总\s*体\s*情\s*况|二\s*[、.．]\s*主\s*动\s*公\s*开\s*政\s*府\s*信\s*息\s*情\s*况")
_PERIOD = re.compile(r"统计期限(?:为|是)?自?\s*(\d{4})\s*年\s*1\s*月\s*1\s*日")
_REVIEW_COLS = 15


def _year(text: str) -> int:
    """A title's year: "2022" or "二〇二二"."""
    return int("".join(_CN_DIGITS.get(c, c) for c in text))


@dataclass
class _Placed:
    value: float | None
    status: str
    raw: str | None
    source: str


class Aligner:
    def __init__(self, grid: Grid, fmt: str) -> None:
        self.grid = grid
        self.fmt = fmt
        self.warnings: list[ParseWarning] = []
        self.unmapped: list[str] = []
        self.placed: dict[tuple[str, str, str], _Placed] = {}
        self.seen_rows: dict[tuple[str, str], str] = {}
        # table → (column key → (grid column, span) of its header cell, table width, header row)
        self.headers: dict[str, tuple[dict[str, tuple[int, int]], int, GridRow | None]] = {}

    # ------------------------------------------------------------ document facts

    def title(self) -> tuple[str | None, int | None]:
        """Agency and report year from the title: "<机关>YYYY年政府信息公开工作年度报告" or
        "YYYY年<机关>政府信息公开工作年度报告", the agency possibly on the line above."""
        text = self.grid.text
        # The title stands before the report's first section; a web page may list other years'
        # reports around it, so take the title nearest to that section, and where the report
        # states its statistics period (统计期限自YYYY年1月1日), one of that year.
        body = _FIRST_SECTION.search(text)
        head = text[: body.start()] if body else text[:3000]
        titles = sorted([*_TITLE.finditer(head), *_TITLE_YEAR_AFTER.finditer(head)], key=lambda t: t.end())
        period = _PERIOD.search(text)
        if period and any(_year(t.group("year")) == int(period.group(1)) for t in titles):
            titles = [t for t in titles if _year(t.group("year")) == int(period.group(1))]
        m = titles[-1] if titles else None
        if not m:
            p = _PERIOD.search(self.grid.text)
            if p:
                self.warn("report year read from the statistics period; the title names no year")
                return None, int(p.group(1))
            return None, None
        year = _year(m.group("year"))
        agency = _squeeze(m.group("mid")) or _squeeze(m.group("pre"))
        if not agency:
            # The title's first line may be the agency alone; anything else above the title
            # (a site's navigation, a sheet name) is not taken for one.
            lines = [ln for ln in head[: m.start()].splitlines() if ln.strip()]
            above = _squeeze(lines[-1]) if lines else ""
            agency = above if _AGENCY_SUFFIX.search(above) else ""
        if not agency or len(agency) > 40:
            return None, year
        return agency, year

    def template_version(self, year: int | None) -> str:
        text = clean(self.grid.text)
        n21 = sum(m in text for m in _TEMPLATE_2021_MARKERS)
        n19 = sum(m in text for m in _TEMPLATE_2019_MARKERS)
        if n21 > n19:
            return "2021"
        if n19 > n21:
            return "2019"
        guess = template_for_year(year) if year else "2021"
        self.warn(f"template version not recognisable from the tables; assumed {guess} from the report year")
        return guess

    def warn(self, message: str, table: str | None = None, row: str | None = None, column: str | None = None) -> None:
        self.warnings.append(ParseWarning(message, table, row, column))

    # ------------------------------------------------------------ alignment

    def align(self, version: str) -> None:
        tpl = TEMPLATES[version]
        section: str | None = None
        group: str | None = None
        for grow in self.grid.rows:
            heading = self._heading(grow)
            if heading:
                if heading != section:  # a repeated header row (page break) keeps the group
                    group = None
                section = None if heading == "end" else heading
                continue
            if section is None:
                continue
            labels, values = _split(grow)
            if section == "requests":
                group = self._request_row(tpl.table("requests"), version, grow, labels, values, group)
            elif section == "proactive":
                self._proactive_row(tpl.table("proactive"), grow, labels, values)
            elif section == "review_litigation":
                self._review_row(tpl.table("review_litigation"), grow, labels, values)

    @staticmethod
    def _heading(grow: GridRow) -> str | None:
        """The section a heading row opens, or a table's own header row when the heading is missing."""
        key = label_key(grow.text)
        if len(grow.cells) <= 2 and len(key) <= 30:
            for section, phrase in _SECTION_HEADINGS:
                if phrase in key:
                    return section
            if key in _SHORT_HEADINGS:
                return _SHORT_HEADINGS[key]
        if len(grow.cells) > 1 and not any(is_value_token(c.text) and c.text.strip() for c in grow.cells):
            for section, markers in _HEADER_MARKERS:
                if all(m in key for m in markers):
                    return section
        return None

    # section 三 --------------------------------------------------------------

    def _request_row(self, table: Table, version: str, grow: GridRow, labels: list[Cell], values: list[Cell],
                     group: str | None) -> str | None:
        for cell in labels:
            key = label_key(cell.text)
            for g_label, g in _REQUEST_GROUPS.items():
                if g_label in key and len(key) <= len(g_label) + 2:
                    group = g
        if not values or (grow.positional and not any(c.text.strip() for c in values)):
            if grow.positional:
                self._learn_header("requests", table, labels, grow)
            if not values:
                return group
        row = _match_row(table, labels, group, version)
        label_text = " ".join(c.text for c in labels)
        if row is None:
            if any(c.text.strip() for c in values):
                self._unmapped("requests", grow, label_text)
            return group
        if row.outcome_group:
            group = row.outcome_group
        self._place_values("requests", row, grow, values)
        return group

    # section 二 --------------------------------------------------------------

    def _proactive_row(self, table: Table, grow: GridRow, labels: list[Cell], values: list[Cell]) -> None:
        if not values:
            if grow.positional:
                self._learn_header("proactive", table, labels, grow)
            elif labels:
                self._blank_text_row(table, grow, labels)
            return
        if not labels:
            return
        row = _match_row(table, labels, None, None)
        if row is None:
            if grow.positional and not any(c.text.strip() for c in values):
                self._learn_header("proactive", table, labels, grow)  # header with empty boxes after it
            else:
                self._unmapped("proactive", grow, " ".join(c.text for c in labels))
            return
        self._place_values("proactive", row, grow, values)

    def _blank_text_row(self, table: Table, grow: GridRow, labels: list[Cell]) -> None:
        """A section 二 text row printing its label and then exactly as many empty fields as the
        row has columns ("行政事业性收费<tab>") prints those cells blank. Only in section 二,
        whose rows are short and whose labels are not split across lines."""
        row = _match_row(table, labels, None, None)
        if row is None or (table.key, row.key) in self.seen_rows:
            return
        after = grow.cells[grow.cells.index(labels[-1]) + 1:]
        if len(after) == len(row.columns) and not any(c.text.strip() for c in after):
            self.seen_rows[(table.key, row.key)] = grow.source
            for col, cell in zip(row.columns, after):
                self._put(table.key, row.key, col.key, cell, grow)

    def _learn_header(self, table_key: str, table: Table, labels: list[Cell], grow: GridRow) -> None:
        """Remember which grid column each header cell names (header rows hold labels only).

        Consecutive header rows add up (自然人 … 总计 on one row, 商业企业 … 其他 below it); a
        block's new header (section 二) replaces the previous one.
        """
        found: dict[str, tuple[int, int]] = {}
        for cell in labels:
            key = label_key(cell.text)
            for r in table.rows:
                for col in r.columns:
                    names = [label_key(a) for a in (col.label, *col.aliases)]
                    if any(n and (n == key if len(n) <= 2 else n in key) for n in names):
                        found.setdefault(col.key, (cell.col, cell.span))
        if not found:
            return
        width = _width(grow)
        known, known_width, last = self.headers.get(table_key, ({}, 0, None))
        if table_key == "requests" and last is not None and known_width == width:
            found = {**known, **found}
        self.headers[table_key] = (found, width, grow)

    def _header_cells(self, table_key: str, row: Row, grow: GridRow, values: list[Cell]) -> list[Cell] | None:
        """The row's value cells under the header cells that name its columns.

        None when no header of the same table width names every column of the row (no evidence
        either way); [] when one does but the row's numbers stand elsewhere (a contradiction).
        """
        if not grow.positional or table_key not in self.headers:
            return None
        names, width, _ = self.headers[table_key]
        if width != _width(grow) or not all(c.key in names for c in row.columns):
            return None
        # A value must fill exactly its header's box: same first column, same span.
        by_box = {(c.col, c.span): c for c in values}
        chosen = [by_box.get(names[c.key]) for c in row.columns]
        if len(row.columns) == 1 and chosen[0] is None:
            # One value under a header spanning unmerged boxes ("550 |  | " under a 3-wide
            # header): the one printed box inside the header's columns, or a blank if none is.
            col, span = names[row.columns[0].key]
            inside = [c for c in values if col <= c.col and c.col + c.span <= col + span]
            filled = [c for c in inside if c.text.strip()]
            if inside and len(filled) <= 1:
                chosen = [filled[0] if filled else inside[0]]
        rest = [c for c in values if all(c is not x for x in chosen)]
        if any(c is None for c in chosen) or any(c.text.strip() for c in rest):
            return []
        return [c for c in chosen if c is not None]

    # section 四 --------------------------------------------------------------

    def _review_row(self, table: Table, grow: GridRow, labels: list[Cell], values: list[Cell]) -> None:
        if not values:
            return
        if labels:
            row = _match_row(table, labels, None, None)
            if row is not None and len(_value_cells(grow, values, 5)[0] or []) == 5:
                self._place_values("review_litigation", row, grow, values)
                return
        cells, why = _value_cells(grow, values, _REVIEW_COLS, all_fields=not labels)
        if cells is None:
            for row in table.rows:
                for col in row.columns:
                    self._unreadable("review_litigation", row.key, col.key, grow,
                                     f"{len(values)} values where 15 cells exist ({why})")
            return
        it = iter(cells)
        for row in table.rows:
            for col in row.columns:
                self._put("review_litigation", row.key, col.key, next(it), grow)

    # placing -----------------------------------------------------------------

    def _place_values(self, table: str, row: Row, grow: GridRow, values: list[Cell]) -> None:
        if (table, row.key) in self.seen_rows:
            self.warn(f"{table}.{row.key}: printed twice ({self.seen_rows[(table, row.key)]} and {grow.source}); "
                      f"the second is ignored", table, row.key)
            return
        self.seen_rows[(table, row.key)] = grow.source
        k = len(row.columns)
        by_header = self._header_cells(table, row, grow, values)
        if by_header == []:
            cells, why = None, "the values stand under other columns than the header names"
        elif by_header is not None:
            cells, why = by_header, ""
        else:
            cells, why = _value_cells(grow, values, k)
        if cells is None:
            for col in row.columns:
                self._unreadable(table, row.key, col.key, grow, why, values)
            return
        for col, cell in zip(row.columns, cells):
            self._put(table, row.key, col.key, cell, grow)

    def _put(self, table: str, row: str, column: str, cell: Cell, grow: GridRow) -> None:
        raw = cell.text
        if is_blank_token(raw):
            self.placed[(table, row, column)] = _Placed(None, "blank", raw, cell.source)
            return
        value = parse_number(raw)
        if value is None:
            self._unreadable(table, row, column, grow, f"text {raw!r} is not a number")
            return
        if clean(raw) != clean(raw).split("（")[0].split("(")[0]:
            self.warn(f"{table}.{row}.{column}: read {value:g} from {raw!r} (note after the number ignored)",
                      table, row, column)
        self.placed[(table, row, column)] = _Placed(value, "value", raw, cell.source)

    def _unreadable(self, table: str, row: str, column: str, grow: GridRow, why: str,
                    values: list[Cell] | None = None) -> None:
        raw = " | ".join(c.text for c in values) if values else None
        self.placed[(table, row, column)] = _Placed(None, "unreadable", raw, grow.source)
        self.warn(f"{table}.{row}.{column}: not read, {why} at {grow.source}", table, row, column)

    def _unmapped(self, table: str, grow: GridRow, label: str) -> None:
        self.unmapped.append(f"{table}: {label}")
        self.warn(f"{table}: row {label!r} at {grow.source} matches no template row; kept unmapped", table)

    # ------------------------------------------------------------ result

    def report(self, version: str) -> list[ParsedCell]:
        tpl = TEMPLATES[version]
        cells: list[ParsedCell] = []
        for table_key, table in tpl.tables.items():
            for row, col in table.cells():
                p = self.placed.get((table_key, row.key, col.key))
                if p is None:
                    cells.append(ParsedCell(table_key, row.key, col.key, None, "absent"))
                else:
                    cells.append(ParsedCell(table_key, row.key, col.key, p.value, p.status, p.raw, p.source))
        self._collapsed_other(version, cells)
        self._infer_zero_outcomes(version, cells)
        for c in cells:
            if c.status == "absent" and not self._explained_absence(version, c):
                self.warn(f"{c.table}.{c.row}.{c.column}: not found in the report", c.table, c.row, c.column)
        return cells

    def _collapsed_other(self, version: str, cells: list[ParsedCell]) -> None:
        """A 2021 report may print （六） as the single 2019-style row: the sub-rows are then absent."""
        if version != "2021":
            return
        subs = {"other_overdue_correction", "other_overdue_fee"}
        if any(c.row in subs and c.status != "absent" for c in cells if c.table == "requests"):
            return
        if any(c.row == "other_other" and c.status != "absent" for c in cells if c.table == "requests"):
            self.warn("requests: （六）其他处理 printed as one row (2019 layout); read as other_other, "
                      "the 2021 sub-rows 1 and 2 are absent", "requests")

    def _explained_absence(self, version: str, c: ParsedCell) -> bool:
        return version == "2021" and c.row in ("other_overdue_correction", "other_overdue_fee") and any(
            w.message.startswith("requests: （六）其他处理 printed as one row") for w in self.warnings)

    def _infer_zero_outcomes(self, version: str, cells: list[ParsedCell]) -> None:
        """An unreadable outcome cell is 0 when its column's printed （七）总计 is 0.

        Counts are non-negative and （七）总计 is their sum (R02), so every part of a 0 total is
        0. Only done where the row's printed numbers were all 0 (so the row is known to hold
        no other number), and always with a warning: the value is inferred, not read.
        """
        outcomes = set(OUTCOME_ROWS_2021 if version == "2021" else OUTCOME_ROWS_2019)
        by_key = {(c.table, c.row, c.column): c for c in cells}
        for c in cells:
            if c.table != "requests" or c.row not in outcomes or c.status != "unreadable":
                continue
            tokens = [t for t in (c.raw_text or "").split(" | ") if t]
            if not tokens or any(parse_number(t) != 0 for t in tokens):
                continue
            total = by_key.get(("requests", "total_processed", c.column))
            if total is not None and total.status == "value" and total.value == 0:
                c.value, c.status = 0.0, "inferred"
                self.warn(f"requests.{c.row}.{c.column}: inferred 0 (not read): the row prints only zeros "
                          f"and the column's （七）总计 is 0", "requests", c.row, c.column)


# ---------------------------------------------------------------- helpers


def _squeeze(text: str | None) -> str:
    """A title fragment without spaces, quotes or a leading/trailing 的."""
    t = re.sub(r"\s+", "", text or "").strip("《》\"“”「」:：")
    return t.removesuffix("的")


def _split(grow: GridRow) -> tuple[list[Cell], list[Cell]]:
    """Label cells (text) and the value cells after the last label cell."""
    last_label = -1
    for i, c in enumerate(grow.cells):
        if c.text.strip() and not is_value_token(c.text):
            last_label = i
    labels = [c for c in grow.cells[: last_label + 1] if c.text.strip()]
    values = grow.cells[last_label + 1:]
    if not any(c.text.strip() and is_value_token(c.text) for c in values):
        # Empty cells alone are no values, except in a positional row, where every empty
        # box after a label is a printed blank.
        if not (grow.positional and labels and values):
            values = []
    return labels, values


def _value_cells(grow: GridRow, values: list[Cell], k: int, all_fields: bool = False) -> tuple[list[Cell] | None, str]:
    """Exactly k value cells in template-column order, or None with the reason."""
    if grow.positional:
        return _positional_cells(values, k)
    filled = [c for c in values if c.text.strip()]
    if len(filled) == k:
        return filled, ""
    # Empty fields between values are blank cells; empty fields next to the label may be a
    # merged label spilling over, so they prove nothing.
    first = next((i for i, c in enumerate(values) if c.text.strip()), None)
    last = max((i for i, c in enumerate(values) if c.text.strip()), default=None)
    if first is not None and last is not None and last - first + 1 == k:
        return values[first: last + 1], ""
    if all_fields:
        # A row with no label: its tab fields are the cells, empty ones are blanks.
        fields = list(values)
        while len(fields) > k and not fields[-1].text.strip():
            fields.pop()
        if len(fields) == k:
            return fields, ""
    return None, f"{len(filled)} values where {k} cells exist, positions uncertain"


def _width(grow: GridRow) -> int:
    """How many grid columns a positional row covers."""
    return max((c.col + c.span for c in grow.cells), default=0)


def _positional_cells(values: list[Cell], k: int) -> tuple[list[Cell] | None, str]:
    """Exactly k value cells from real cell boxes, or None with the reason.

    The value columns are the rightmost k grid columns; boxes between the label and them must
    be empty (a label column left blank). Where cells span columns, positions are counted in
    grid columns: an empty box spanning n columns is n blanks, and a number spanning columns
    fits no single column, unless the row has exactly k cells (then each cell is one value, as
    in 行政许可 | 550 with 550 spanning the three columns of the block above).
    """
    filled = [c for c in values if c.text.strip()]
    if k == 1 and len(filled) == 1:
        # A one-value row under a wider block header, its boxes left unmerged ("550 |  | "):
        # the one printed cell is the row's only value wherever it stands.
        return filled, ""
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
    extra, chosen = slots[: len(slots) - k], slots[len(slots) - k:]
    if any(c is None or c.text.strip() for c in extra) or any(c is None for c in chosen):
        return None, f"{len(values)} cells after the label do not fit {k} columns"
    return [c for c in chosen if c is not None], ""


def _match_row(table: Table, labels: list[Cell], group: str | None, version: str | None) -> Row | None:
    """The template row a row's labels name, or None when no row matches with certainty."""
    best: tuple[float, Row | None] = (0.0, None)
    runner_up = 0.0
    for cell in labels:
        key = label_key(cell.text)
        if not key:
            continue
        for row in table.rows:
            score = max(_label_score(key, m, row, group) for m in row.match)
            if score > best[0]:
                if best[1] is not row:
                    runner_up = best[0]
                best = (score, row)
            elif score > runner_up and row is not best[1]:
                runner_up = score
    score, row = best
    if row is None or score < 2 or score - runner_up < 0.5:
        return None
    return row


def _label_score(key: str, match: str, row: Row, group: str | None) -> float:
    """How strongly a label names a template row: the length of the label text matched."""
    if match == "其他":
        # （六）3.其他 is only "其他" with nothing else, under the （六） group.
        return 2.5 if key == "其他" and group == "other" else 0.0
    if match in key:
        return float(len(match))
    if len(key) >= 4 and key in match:
        return float(len(key))
    if len(key) >= 4 and len(match) >= 4:
        ratio = SequenceMatcher(None, key, match).ratio()
        if ratio >= 0.8:
            return ratio * len(match) * 0.9
    return 0.0


def align(grid: Grid, fmt: str) -> ParsedReport:
    """Turn a document grid into a ParsedReport; ParseError when it is not an annual report."""
    aligner = Aligner(grid, fmt)
    agency, year = aligner.title()
    if year is None:
        raise ParseError("no report year: the title has no 'YYYY年…政府信息公开工作年度报告'")
    version = aligner.template_version(year)
    aligner.align(version)
    if not any(k[0] == "requests" for k in aligner.placed):
        raise ParseError("not an annual report: no 收到和处理政府信息公开申请情况 table was found")
    if agency is None:
        aligner.warn("agency name not found in the title")
    cells = aligner.report(version)
    return ParsedReport(fmt, agency, year, version, cells, aligner.warnings, aligner.unmapped)
