"""Excel export of one report year for the disclosure office (`ogi export`).

Three sheets, read read-only from the warehouse (`marts.agency_year_compliance`,
`marts.report_findings`, `marts.unread_cells`, `marts.dim_agency`):

* 汇总 — one row per agency-year of the year (every expected agency, and any other body whose
  report was found): name, level, region, status, on time, dates, number of findings, read quality
  and the number of cells still unread;
* 问题清单 — one row per finding of the year (the `defects.csv` rows), with the template's
  Chinese labels for table, row and column and the rule's Chinese text;
* 待人工核对 — one row per cell the parser could not read (still unread after corrections): agency,
  year, the template's labels, the printed text and where it is, the file (path and sha256) and the
  canonical keys, and the empty columns 值 / 核对人 / 备注 a person fills in. `ogi corrections import`
  reads the filled sheet back (pipelines/corrections.py).

With `agency_id`, only that agency's rows (a workbook to send back to the agency). Plain styles only
(bold header, frozen header row, autofilter, column widths): numbers are numeric cells, dates are
date cells, no formulas — the file opens in Excel, WPS and openpyxl.

Every text is written as a text cell, whatever it says: an agency name taken from a report's title
or a registry, a printed cell's text or a file name that begins with = + - @, a tab or a carriage
return is a string cell with Excel's quote prefix (shown as written, never evaluated, still text
when edited; pipelines/safe_text.py). Characters XML cannot hold (control characters) are shown
escaped (\x1b), and a text longer than a cell holds (32,767 characters) is cut with "…".
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .rules import to_date
from .safe_text import formula_like
from .template import LEVEL_LABELS, RULE_TEXT, TABLE_LABELS, TEMPLATES
from .warehouse import READ_QUALITY_LABELS, open_read_only

SUMMARY_SHEET = "汇总"
FINDINGS_SHEET = "问题清单"
REVIEW_SHEET = "待人工核对"

SUMMARY_HEADER = (
    "机关名称",
    "机关编号",
    "层级",
    "所属地区",
    "状态",
    "是否按时公开",
    "发布日期",
    "截止日期",
    "问题数",
    "读取情况",
    "未识别格数",
)
FINDINGS_HEADER = (
    "机关名称",
    "机关编号",
    "报告版本",
    "报告文件",
    "规则",
    "表",
    "行",
    "列",
    "应为",
    "报告数",
    "规则说明",
    "备注",
)

# The 待人工核对 sheet: what a person reads, the keys the import needs (named as the corrections CSV
# columns), and the three columns the person fills in (REVIEW_TO_CSV: sheet column → CSV column).
REVIEW_VALUE = "值"
REVIEW_BY = "核对人"
REVIEW_NOTE = "备注"
REVIEW_HEADER = (
    "机关名称",
    "机关编号",
    "年度",
    "表",
    "行",
    "列",
    "截图",
    "报告原文",
    "位置",
    "报告文件",
    "sha256",
    "table",
    "row",
    "column",
    REVIEW_VALUE,
    REVIEW_BY,
    REVIEW_NOTE,
)
REVIEW_TO_CSV = {
    "sha256": "sha256",
    "报告文件": "file_path",
    "table": "table",
    "row": "row",
    "column": "column",
    REVIEW_VALUE: "value",
    REVIEW_BY: "corrected_by",
    REVIEW_NOTE: "note",
}
REVIEW_VALUE_HELP = (
    "填写报告中该格的数字；报告中该格为空白的，填“空白”；看不清的留空（留空的行不导入）。"
    "填好后：ogi corrections import 本文件"
)

_LEVEL_ORDER = {k: i for i, k in enumerate(LEVEL_LABELS)}
UNREGISTERED = "未登记"
NO_REPORT = "无报告"
ON_TIME_LABELS = {True: "是", False: "否", None: "无法判断"}
DATE_FORMAT = "yyyy-mm-dd"

_SUMMARY_SQL = """
    SELECT c.agency_id, c.agency_name, c.level, p.name AS parent_name, c.status_zh, c.on_time,
           c.first_published_at, c.deadline, c.n_findings, c.read_quality, c.n_cells_unread
    FROM marts.agency_year_compliance c
    LEFT JOIN marts.dim_agency p ON p.agency_id = c.parent_id AND p.is_registered
    WHERE c.report_year = ? AND (? IS NULL OR c.agency_id = ?)"""

_FINDINGS_SQL = """
    SELECT agency_name, agency_id, version_no, file_path, rule_id, table_key, row_key, column_key,
           expected, actual, rule_text_zh, detail, template_version
    FROM marts.report_findings
    WHERE report_year = ? AND (? IS NULL OR agency_id = ?)
    ORDER BY agency_id NULLS LAST, agency_name, rule_id, table_key, row_key, column_key, file_path"""

_UNREAD_SQL = """
    SELECT agency_name, agency_id, report_year, table_key, row_key, column_key, template_version, raw_text,
           source_location, file_path, sha256
    FROM marts.unread_cells
    WHERE report_year = ? AND (? IS NULL OR agency_id = ?)
    ORDER BY agency_id NULLS LAST, agency_name, file_path, table_key = 'review_litigation', table_key = 'requests',
             row_order, column_order"""


# ---------------------------------------------------------------- labels


def table_label(table_key: str | None) -> str:
    if not table_key:
        return ""
    return TABLE_LABELS.get(table_key, table_key)


def _template_order(template_version: str | None) -> list[str]:
    versions = list(TEMPLATES)
    if template_version in TEMPLATES:
        versions.remove(template_version)
        versions.insert(0, template_version)
    return versions


def row_label(table_key: str | None, row_key: str | None, template_version: str | None = None) -> str:
    """The Chinese label of a template row (the report's template first, then the other one)."""
    if not row_key:
        return ""
    for version in _template_order(template_version):
        table = TEMPLATES[version].tables.get(table_key or "")
        if table is None:
            continue
        try:
            row = table.row(row_key)
        except KeyError:
            continue
        # "（三）1.属于国家秘密" for section 三, "第二十条第（一）项 规章" for section 二.
        if row.group_label and row.label.startswith(row.group_label):
            return row.label
        if row.group_label and not row.group_label.startswith("（"):
            return f"{row.group_label} {row.label}"
        return row.short_label
    return row_key


def column_label(
    table_key: str | None, row_key: str | None, column_key: str | None, template_version: str | None = None
) -> str:
    if not column_key:
        return ""
    for version in _template_order(template_version):
        table = TEMPLATES[version].tables.get(table_key or "")
        if table is None:
            continue
        rows = [r for r in table.rows if r.key == row_key] or list(table.rows)
        for r in rows:
            for c in r.columns:
                if c.key == column_key:
                    return c.label
    return column_key


def number(value: Any) -> int | float | None:
    """A DOUBLE as it is printed: 12 rather than 12.0."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return cast("int | float", value)  # an INTEGER or DOUBLE column's value


# ---------------------------------------------------------------- reading


def read_rows(
    warehouse: Path, year: int, agency_id: str | None = None
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]], str | None]:
    """(汇总 rows, 问题清单 rows, 待人工核对 rows, agency name) as written to the workbook."""
    con = open_read_only(warehouse)
    try:
        name = None
        if agency_id is not None:
            known = con.execute("SELECT name FROM marts.dim_agency WHERE agency_id = ?", [agency_id]).fetchall()
            if not known:
                raise ValueError(f"机关编号不存在：{agency_id} / unknown agency id: {agency_id}")
            name = known[0][0]
        params = [year, agency_id, agency_id]
        summary = con.execute(_SUMMARY_SQL, params).fetchall()
        found = con.execute(_FINDINGS_SQL, params).fetchall()
        unread = con.execute(_UNREAD_SQL, params).fetchall()
    finally:
        con.close()
    if not summary and not found:
        who = f"机关 {agency_id} " if agency_id else ""
        who_en = f" for agency {agency_id}" if agency_id else ""
        raise ValueError(f"{who}{year} 年度没有数据 / no data for report year {year}{who_en}")

    summary.sort(key=lambda r: (r[0] is None, _LEVEL_ORDER.get(r[2], len(_LEVEL_ORDER)), r[0] or "", r[1] or ""))
    summary_rows = [
        (
            agency_name,
            aid,
            LEVEL_LABELS.get(level, level) if level else UNREGISTERED,
            parent or "",
            status_zh,
            ON_TIME_LABELS.get(on_time, ON_TIME_LABELS[None]),
            to_date(published),
            to_date(deadline),
            int(n_findings or 0),
            READ_QUALITY_LABELS.get(quality, "") if quality else NO_REPORT,
            None if n_unread is None else int(n_unread),
        )
        for (
            aid,
            agency_name,
            level,
            parent,
            status_zh,
            on_time,
            published,
            deadline,
            n_findings,
            quality,
            n_unread,
        ) in summary
    ]
    findings_rows = [
        (
            agency_name,
            aid or "",
            number(version_no),
            file_path,
            rule_id,
            table_label(table_key),
            row_label(table_key, row_key, tv),
            column_label(table_key, row_key, column_key, tv),
            number(expected),
            number(actual),
            rule_text or RULE_TEXT.get(rule_id, ("", ""))[1],
            detail or "",
        )
        for (
            agency_name,
            aid,
            version_no,
            file_path,
            rule_id,
            table_key,
            row_key,
            column_key,
            expected,
            actual,
            rule_text,
            detail,
            tv,
        ) in found
    ]
    review_rows = [
        (
            agency_name,
            aid or "",
            report_year,
            table_label(t),
            row_label(t, r, tv),
            column_label(t, r, c, tv),
            "",  # 截图: the crop (an image anchored on the row) or why there is none, filled by export_workbook
            raw_text or "",
            location or "",
            file_path,
            sha,
            t,
            r,
            c,
            None,
            None,
            None,
        )
        for agency_name, aid, report_year, t, r, c, tv, raw_text, location, file_path, sha in unread
    ]
    return summary_rows, findings_rows, review_rows, name


# ---------------------------------------------------------------- writing

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FILL_IN = PatternFill("solid", fgColor="FFF2CC")
_MAX_WIDTH = 60


def _text_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


# Excel's limit on the characters of a cell.
MAX_CELL_TEXT = 32_767


def cell_text(value: str) -> str:
    """A text as a cell can hold it: characters XML forbids shown escaped, cut at Excel's limit."""
    text: str = ILLEGAL_CHARACTERS_RE.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), value)
    return text if len(text) <= MAX_CELL_TEXT else text[: MAX_CELL_TEXT - 1] + "…"


def _set_text(cell: Any) -> None:
    """A cell holding a string stays a string cell: a text beginning with = (which openpyxl takes for
    a formula) or + - @ tab CR (which Excel takes for one when the cell is edited) gets the quote prefix."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _write_sheet(ws: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], wrap: Sequence[str] = ()) -> None:
    ws.append(list(header))
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    wrap_cols = {header.index(h) + 1 for h in wrap}
    for row in rows:
        ws.append([None if v == "" else cell_text(v) if isinstance(v, str) else v for v in row])
    for r in ws.iter_rows(min_row=2):
        for cell in r:
            _set_text(cell)
            if isinstance(cell.value, (dt.date, dt.datetime)):
                cell.number_format = DATE_FORMAT
            if cell.column in wrap_cols:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, title in enumerate(header, start=1):
        width = max([_text_width(title)] + [_text_width(row[i - 1]) for row in rows])
        ws.column_dimensions[get_column_letter(i)].width = min(_MAX_WIDTH, width + 2)
    ws.freeze_panes = "A2"
    last = get_column_letter(len(header))
    ws.auto_filter.ref = f"A1:{last}{max(1, len(rows) + 1)}"


def export_workbook(
    warehouse: Path, year: int, out: Path, agency_id: str | None = None, raw_dir: Path | None = None
) -> Path:
    """Write the year's 汇总 and 问题清单 sheets (only `agency_id`'s rows when given) to `out`.
    The 待人工核对 sheet shows each OCR'd cell's crop, cut from its file in `raw_dir` (default:
    raw/ beside the warehouse, data/raw).

    Raises ValueError (Chinese + English message) when the year has no data, or the agency id is
    unknown or has no data for the year. Returns `out`.
    """
    summary, found, review, name = read_rows(Path(warehouse), int(year), agency_id)
    review, images = review_crops(review, Path(raw_dir) if raw_dir else Path(warehouse).parent / "raw")
    wb = Workbook()
    ws = wb.active
    ws.title = SUMMARY_SHEET
    _write_sheet(ws, SUMMARY_HEADER, summary)
    _write_sheet(wb.create_sheet(FINDINGS_SHEET), FINDINGS_HEADER, found, wrap=("规则说明",))
    review_ws = wb.create_sheet(REVIEW_SHEET)
    _write_sheet(review_ws, REVIEW_HEADER, review)
    _anchor_crops(review_ws, images)
    value_column = REVIEW_HEADER.index(REVIEW_VALUE) + 1
    review_ws.cell(1, value_column).comment = Comment(REVIEW_VALUE_HELP, "ogi-warehouse")
    for i, title in enumerate(REVIEW_HEADER, start=1):
        if title in (REVIEW_VALUE, REVIEW_BY, REVIEW_NOTE):  # the columns to fill in, highlighted and wide
            review_ws.cell(1, i).fill = _FILL_IN
            review_ws.column_dimensions[get_column_letter(i)].width = 12 if title != REVIEW_NOTE else 24
    wb.properties.title = cell_text(f"{name + ' ' if name else ''}{year}年度政府信息公开工作年度报告检查结果")
    wb.properties.creator = "ogi-warehouse"

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target and rename, so a failed export never leaves a half-written file.
    fd, tmp = tempfile.mkstemp(suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


# ---------------------------------------------------------------- crops of OCR'd cells (issue 16)

CROP_COLUMN = "截图"
# A crop wider than this is shown scaled down (a text line OCR read as one box can be a page wide).
MAX_CROP_WIDTH_PX = 360


def review_crops(rows: list[tuple[Any, ...]], raw_dir: Path) -> tuple[list[tuple[Any, ...]], dict[int, bytes]]:
    """The 待人工核对 rows with 截图 saying why a cell has no crop, and the crop PNG of every other
    row (by its index): cut from the file in `raw_dir` at the box the cell's provenance gives
    (pipelines/ocr/review.py); a text-layer cell has none."""
    from .ocr.review import crops_of_files, raw_file_reader

    at = {h: i for i, h in enumerate(REVIEW_HEADER)}
    cells = [((r[at["报告文件"]], r[at["sha256"]]), r[at["位置"]] or None) for r in rows]
    got = crops_of_files(cells, raw_file_reader(raw_dir)) if rows else []
    images: dict[int, bytes] = {}
    out = []
    for i, (row, crop) in enumerate(zip(rows, got, strict=True)):
        values = list(row)
        if isinstance(crop, bytes):
            images[i] = crop
        else:
            values[at[CROP_COLUMN]] = crop
        out.append(tuple(values))
    return out, images


def _anchor_crops(ws: Any, images: dict[int, bytes]) -> None:
    """Each crop as an image anchored in its row's 截图 cell, the row made tall enough to show it."""
    import io

    from openpyxl.drawing.image import Image as SheetImage

    column = get_column_letter(REVIEW_HEADER.index(CROP_COLUMN) + 1)
    widest = 0
    for i, data in sorted(images.items()):
        img = SheetImage(io.BytesIO(data))
        if img.width > MAX_CROP_WIDTH_PX:
            img.height = round(img.height * MAX_CROP_WIDTH_PX / img.width)
            img.width = MAX_CROP_WIDTH_PX
        row = i + 2  # below the header
        img.anchor = f"{column}{row}"
        ws.add_image(img)
        ws.row_dimensions[row].height = max(ws.row_dimensions[row].height or 15, img.height * 0.75 + 4)
        widest = max(widest, img.width)
    if widest:
        ws.column_dimensions[column].width = max(ws.column_dimensions[column].width or 0, widest / 7 + 2)
