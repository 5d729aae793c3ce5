"""Excel workbooks (XLSX): every visible sheet in workbook order, every row a positional row.

Each sheet starts with a one-cell row holding its name (unless it is a default name such as
"Sheet1"), so that a workbook with a sheet per table ("三、收到和处理政府信息公开申请情况")
still has its section headings. A merged range is one cell, carried by its top-left cell
with `span` = the columns it covers; the other covered cells are left out, in its own row
and in the rows below.

Which empty cells are cells? A sheet has no cell boxes, only a grid; the boxes a reader sees
are the cells with content, merged ranges and bordered cells. A row's cells run from its
first to its last cell with text, widened through adjacent boxes on either side; every cell
in between is kept (an empty one is a blank). Empty cells outside are dropped, so an
unbordered trailing column, or a stray bordered cell beyond a gap, never shifts a row's values.

Numbers are printed as the sheet displays them: "12" (never "12.0"), "35.62", decimals as
the number format asks ("0.00" shows 35.60). Values are the cached results of formulas
(`data_only`); a formula whose result was never computed is not a blank: its cell holds the
formula text, which no value column accepts.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..grid import REPORT_NAME_PATTERN, Cell, Grid, GridRow, RowList, one_of
from ..limits import MAX_SHEET_CELLS
from ..model import ParseError
from ..template import DEFAULT_SHEET_NAMES
from .office import check_workbook_cells, open_package

_DEFAULT_SHEET = re.compile(rf"^{one_of(DEFAULT_SHEET_NAMES)}\s*\d*$", re.IGNORECASE)
# A report title in the sheets: "<机关>YYYY年…政府信息公开工作年度报告" on one line.
_TITLE_HINT = re.compile(rf"(?:19|20)\d{{2}}\s*年[^\n\d]{{0,40}}?{REPORT_NAME_PATTERN}")


# ---------------------------------------------------------------- numbers


def _format_decimals(number_format: str | None) -> tuple[int, int, bool] | None:
    """(fixed decimals, optional decimals, percent) from a number format; None for General/text."""
    fmt = (number_format or "General").split(";")[0]
    fmt = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.', "", fmt)  # literals, escapes, colours, padding
    if fmt.strip().lower() in ("general", "", "@"):
        return None
    if not re.search(r"[0#?]", fmt):
        return None
    m = re.search(r"[0#?]\.([0#?]*)", fmt)
    decimals = m.group(1) if m else ""
    return decimals.count("0") + decimals.count("?"), decimals.count("#"), "%" in fmt


def _decimal_text(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number_text(value: float | Decimal, number_format: str | None = None) -> str:
    """A numeric cell as the sheet displays it (without thousands separators or unit literals)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    try:
        d = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        return str(value)
    if not d.is_finite():
        return str(value)
    spec = _format_decimals(number_format)
    if spec is None:
        if isinstance(value, float):  # General: at most 15 significant digits, as Excel stores
            d = Decimal(f"{value:.15g}")
        return _decimal_text(d)
    fixed, optional, percent = spec
    if percent:
        d = d * 100
    q = d.quantize(Decimal(1).scaleb(-(fixed + optional)), rounding=ROUND_HALF_UP)
    text = format(q, "f")
    if optional and "." in text:
        whole, frac = text.split(".")
        frac = frac.rstrip("0")
        frac = frac + "0" * max(fixed - len(frac), 0)
        text = f"{whole}.{frac}" if frac else whole
    if text.startswith("-") and Decimal(text) == 0:
        text = text[1:]
    return text + ("%" if percent else "")


def _cell_text(value, number_format: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):
        return number_text(value, number_format)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def _bordered(cell) -> bool:
    b = getattr(cell, "border", None)
    if b is None:
        return False
    return any(getattr(getattr(b, side, None), "style", None) for side in ("left", "right", "top", "bottom"))


# ---------------------------------------------------------------- reader


def _open(data: bytes, data_only: bool):
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ParseError("password-protected Office file (encrypted container); it cannot be read")
        raise ParseError("legacy Excel .xls (OLE) file; only XLSX is supported")
    try:
        import openpyxl
    except ImportError as exc:  # pragma: no cover
        raise ParseError(f"XLSX support is not installed ({exc})")
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=data_only)
    except zipfile.BadZipFile:
        raise ParseError("XLSX is corrupt: not a readable zip package")
    except KeyError as exc:
        raise ParseError(f"XLSX is corrupt: missing part {exc}")
    except MemoryError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on broken parts
        raise ParseError(f"XLSX cannot be opened ({type(exc).__name__}: {str(exc)[:80]})")


def _has_formulas(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(re.search(rb"<(?:\w+:)?f[ >]", z.read(n)) for n in z.namelist()
                       if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    except Exception:  # noqa: BLE001 - a broken package is reported by load_workbook
        return False


def _sheet_rows(ws, formulas) -> list[GridRow]:
    spans: dict[tuple[int, int], int] = {}  # top-left (row, col) → columns covered
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = rng.max_col - rng.min_col + 1
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                if (r, c) != (rng.min_row, rng.min_col):
                    covered.add((r, c))
    rows: list[GridRow] = RowList()
    for row in ws.iter_rows():
        if not row:
            continue
        r = row[0].row
        boxes: set[int] = set()
        texts: dict[int, str] = {}
        for cell in row:
            c = cell.column
            if (r, c) in covered:
                boxes.add(c)
                continue
            text = _cell_text(cell.value, cell.number_format)
            if cell.value is None and formulas is not None:
                f = formulas[cell.coordinate].value
                if isinstance(f, str) and f.startswith("="):
                    text = f  # a formula never computed: its value is unknown, not blank
            texts[c] = text
            if text or (r, c) in spans or _bordered(cell):
                boxes.add(c)
        filled = [c for c, t in texts.items() if t]
        if not filled:
            continue
        # From the first to the last cell with text, widened through adjacent boxes (a
        # bordered empty cell next to the table's last value is a blank of that table).
        first, last = min(filled), max(filled)
        while first - 1 in boxes:
            first -= 1
        while last + 1 in boxes:
            last += 1
        cells = [Cell(texts[c], c - 1, f"sheet {ws.title} cell {_coord(r, c)}", spans.get((r, c), 1))
                 for c in range(first, last + 1) if c in texts and (r, c) not in covered]
        if any(cell.text for cell in cells):
            rows.append(GridRow(cells, positional=True, source=f"sheet {ws.title} row {r}"))
    return rows


def _coord(row: int, col: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _check_package(data: bytes) -> None:
    """The package within the limits (formats/office.py) before openpyxl unpacks it."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return  # an OLE container: _open says what it is
    check_workbook_cells(open_package(data, "XLSX"))


def _check_used_range(ws) -> None:
    """Rows are read across a sheet's used range: one far cell (XFD1048576) would make it billions."""
    area = ws.max_row * ws.max_column
    if area > MAX_SHEET_CELLS:
        raise ParseError(f"XLSX sheet {ws.title!r} spans {ws.max_row:,} rows × {ws.max_column:,} columns, more than "
                         f"the {MAX_SHEET_CELLS:,} cells a report sheet may have (limits.MAX_SHEET_CELLS): not read")


def read_xlsx(data: bytes) -> Grid:
    _check_package(data)
    wb = _open(data, data_only=True)
    formulas = _open(data, data_only=False) if _has_formulas(data) else None
    grid = Grid()
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        _check_used_range(ws)
        title = ws.title.strip()
        if title and not _DEFAULT_SHEET.match(title):
            grid.rows.append(GridRow([Cell(title, 0, f"sheet {ws.title} name")], positional=False,
                                     source=f"sheet {ws.title} name"))
        grid.rows.extend(_sheet_rows(ws, formulas[ws.title] if formulas is not None else None))
    text = "\n".join(r.text for r in grid.rows)
    if not _TITLE_HINT.search(text[:3000]):
        prop_title = (wb.properties.title or "").strip() if wb.properties is not None else ""
        if prop_title:
            grid.rows.insert(0, GridRow([Cell(prop_title, 0, "workbook properties title")], positional=False,
                                        source="workbook properties title"))
            text = prop_title + "\n" + text
    if not grid.rows:
        raise ParseError("XLSX has no cell text")
    grid.text = text
    return grid
