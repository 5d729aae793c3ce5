"""XLSX renderings of a fixture (openpyxl): everything in one sheet (numbers stored as numbers,
or as text), and a sheet per table named after its section with the title only in the
workbook properties."""

from __future__ import annotations

import io
from typing import Any

from pipelines.synth.layout import LDoc, LTable, layout
from pipelines.synth.render import deterministic_zip
from pipelines.synth.render.docx import place

_HEADINGS = {
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
}


def _value(text: str, as_numbers: bool) -> tuple[Any, str | None]:
    """A cell's stored value and number format: numbers as numbers where the text is one."""
    if not as_numbers:
        return text, "@"
    t = text.strip()
    for suffix, fmt in (("元", '0"元"'), ("", None)):
        body = t[: -len(suffix)] if suffix and t.endswith(suffix) else t
        if suffix and not t.endswith(suffix):
            continue
        try:
            v = int(body)
            return v, fmt or ("+0;-0;0" if t.startswith("+") else None)
        except ValueError:
            pass
        try:
            f = float(body)
            return f, fmt or ("0." + "0" * len(body.split(".")[1]))
        except ValueError:
            pass
    return text, None


def _write_table(ws: Any, table: LTable, top: int, as_numbers: bool) -> int:
    """Write the table with its top row at `top`; returns the next free row."""
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r, c, cell in place(table):
        row, col = top + r, 1 + c
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                ws.cell(row + dr, col + dc).border = box
        target = ws.cell(row, col)
        value, fmt = _value(cell.text, as_numbers) if cell.text else (None, None)
        target.value = value
        if fmt:
            target.number_format = fmt
        if cell.colspan > 1 or cell.rowspan > 1:
            ws.merge_cells(
                start_row=row, start_column=col, end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1
            )
    return top + len(table.rows)


def _save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return deterministic_zip(out.getvalue())


def _one_sheet(ldoc: LDoc, as_numbers: bool) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "年度报告"
    ws.cell(1, 1, ldoc.title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=15)
    r = 2
    for block in ldoc.blocks:
        if isinstance(block, str):
            ws.cell(r, 1, block)
            r += 1
        else:
            r = _write_table(ws, block, r, as_numbers)
    return _save(wb)


def one_sheet(truth: dict[str, Any]) -> bytes:
    return _one_sheet(layout(truth), as_numbers=True)


def one_sheet_text_numbers(truth: dict[str, Any]) -> bytes:
    return _one_sheet(layout(truth), as_numbers=False)


def sheet_per_table(truth: dict[str, Any]) -> bytes:
    """A sheet per table named after its section, with no heading or title row inside; the
    narrative in a first sheet; the report title only in the workbook properties."""
    import openpyxl

    ldoc = layout(truth)
    wb = openpyxl.Workbook()
    wb.properties.title = ldoc.title
    ws = wb.active
    ws.title = "一、总体情况"
    r = 1
    pending_heading = None
    for block in ldoc.blocks:
        if isinstance(block, str):
            if block in _HEADINGS:
                pending_heading = block
                continue
            if block.startswith("五、"):
                ws = wb.create_sheet("五、其他")
                r = 1
            if block != "一、总体情况":
                ws.cell(r, 1, block)
                r += 1
        else:
            ws = wb.create_sheet(pending_heading)
            _write_table(ws, block, 1, as_numbers=True)
    return _save(wb)


VARIANTS = {
    "one_sheet": ("xlsx", one_sheet),
    "one_sheet_text_numbers": ("xlsx", one_sheet_text_numbers),
    "sheet_per_table": ("xlsx", sheet_per_table),
}


# ---------------------------------------------------------------- workbooks as offices keep them


def computed_totals(truth: dict[str, Any]) -> bytes:
    """One sheet as an office would keep it: the tables start in column B, the requests 总计
    column is =SUM(...) formulas with their cached results (as Excel saves them), the fee has
    the number format "0.00", and a hidden sheet before it keeps last year's stale copy."""
    import re
    import zipfile

    import openpyxl

    ldoc = layout(truth)
    wb = openpyxl.Workbook()
    stale = wb.active
    stale.title = "上年"
    _write_table(stale, ldoc.table(5), 1, as_numbers=True)
    for row in stale.iter_rows():
        for cell in row:
            if isinstance(cell.value, (int, float)):
                cell.value = cell.value + 7  # different numbers: reading them would be wrong
    stale.sheet_state = "hidden"
    ws = wb.create_sheet("年报")
    wb.active = 1
    ws.cell(1, 2, ldoc.title)
    ws.merge_cells(start_row=1, start_column=2, end_row=1, end_column=16)
    cached: dict[str, str] = {}
    r = 2
    for block in ldoc.blocks:
        if isinstance(block, str):
            ws.cell(r, 2, block)
            r += 1
            continue
        top = r
        r = _write_table_at(ws, block, top, col0=2)
        if block.n_cols == 10:  # requests (columns B..K): 总计 in K as a formula with its cached value
            for row in range(top + 3, r):
                total = ws.cell(row, 11)
                if isinstance(total.value, (int, float)):
                    cached[total.coordinate] = str(total.value)
                    total.value = f"=SUM(E{row}:J{row})"
        if block.n_cols == 4:
            for row in ws.iter_rows(min_row=top, max_row=r - 1):
                for cell in row:
                    if isinstance(cell.value, float):
                        cell.number_format = "0.00"
    out = io.BytesIO()
    wb.save(out)
    src = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    dst_buf = io.BytesIO()
    with zipfile.ZipFile(dst_buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode("utf-8")
                for coord, value in cached.items():
                    text = re.sub(
                        rf'(<c r="{coord}"[^>]*>\s*<f>[^<]*</f>)<v\s*/?>(?:</v>)?', rf"\g<1><v>{value}</v>", text
                    )
                data = text.encode("utf-8")
            dst.writestr(item, data)
    return deterministic_zip(dst_buf.getvalue())


def _write_table_at(ws: Any, table: LTable, top: int, col0: int) -> int:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    for r, c, cell in place(table):
        row, col = top + r, col0 + c
        for dr in range(cell.rowspan):
            for dc in range(cell.colspan):
                ws.cell(row + dr, col + dc).border = box
        value, fmt = _value(cell.text, True) if cell.text else (None, None)
        ws.cell(row, col).value = value
        if fmt:
            ws.cell(row, col).number_format = fmt
        if cell.colspan > 1 or cell.rowspan > 1:
            ws.merge_cells(
                start_row=row, start_column=col, end_row=row + cell.rowspan - 1, end_column=col + cell.colspan - 1
            )
    return top + len(table.rows)


VARIANTS["computed_totals"] = ("xlsx", computed_totals)
