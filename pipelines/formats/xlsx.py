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
from functools import cache, lru_cache

from ..grid import REPORT_NAME_PATTERN, Cell, Grid, GridRow, RowList, one_of
from ..limits import MAX_GRID_ROWS, MAX_SHEET_CELLS
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


@lru_cache(maxsize=1 << 12, typed=True)  # typed: 1, 1.0 and True are different cells
def _number_text_kept(value: float | int | bool, number_format: str | None) -> str:
    return _cell_text(value, number_format)


def _value_text(
    value: str | float | int | bool | None, has_f: bool, number_format: str | None, refuse: type[Exception]
) -> str:
    """The text of a cell the direct readers read: a string stripped, a number or boolean as its
    style formats it, nothing for no value; a formula never computed is `refuse`d (the reader that
    knows more reads it)."""
    if value is None:
        if has_f:
            raise refuse("formula without a value")
        return ""
    if type(value) is str:
        return value.strip()
    return _number_text_kept(value, number_format)


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
        raise ParseError(f"XLSX support is not installed ({exc})") from exc
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=data_only)
    except zipfile.BadZipFile as exc:
        raise ParseError("XLSX is corrupt: not a readable zip package") from exc
    except KeyError as exc:
        raise ParseError(f"XLSX is corrupt: missing part {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many types on broken parts
        raise ParseError(f"XLSX cannot be opened ({type(exc).__name__}: {str(exc)[:80]})") from exc


def _has_formulas(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return any(
                re.search(rb"<(?:\w+:)?f[ >]", z.read(n))
                for n in z.namelist()
                if n.startswith("xl/worksheets/") and n.endswith(".xml")
            )
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
        cells = [
            Cell(texts[c], c - 1, f"sheet {ws.title} cell {_coord(r, c)}", spans.get((r, c), 1))
            for c in range(first, last + 1)
            if c in texts and (r, c) not in covered
        ]
        if any(cell.text for cell in cells):
            rows.append(GridRow(cells, positional=True, source=f"sheet {ws.title} row {r}"))
    return rows


def _coord(row: int, col: int) -> str:
    return f"{_column_letter(col)}{row}"


@cache
def _column_letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(col)


def _check_package(data: bytes) -> zipfile.ZipFile | None:
    """The package within the limits (formats/office.py) before anything is unpacked."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return None  # an OLE container: _open says what it is
    z = open_package(data, "XLSX")
    check_workbook_cells(z)
    return z


def _check_used_range(ws) -> None:
    """Rows are read across a sheet's used range: one far cell (XFD1048576) would make it billions."""
    area = ws.max_row * ws.max_column
    if area > MAX_SHEET_CELLS:
        raise ParseError(
            f"XLSX sheet {ws.title!r} spans {ws.max_row:,} rows × {ws.max_column:,} columns, more than "
            f"the {MAX_SHEET_CELLS:,} cells a report sheet may have (limits.MAX_SHEET_CELLS): not read"
        )


def read_xlsx(data: bytes) -> Grid:
    z = _check_package(data)
    try:
        if z is None:
            raise _Unsupported("OLE")
        sheets = _read_direct(z)
        prop_title = _core_title(z)  # (read as openpyxl reads it on opening: a broken one fails it)
    except ParseError:
        raise
    except Exception:  # noqa: BLE001 - anything the direct reader does not know: openpyxl, as before
        return _read_openpyxl(data)
    grid = Grid()
    lines: list[str] = []  # the text of each row
    for sheet in sheets:
        if not sheet.visible:
            continue
        title = sheet.title
        sheet.check_used_range()
        name = title.strip()
        if name and not _DEFAULT_SHEET.match(name):
            grid.rows.append(
                GridRow([Cell(name, 0, f"sheet {title} name")], positional=False, source=f"sheet {title} name")
            )
            lines.append(name)
        rows, row_lines = sheet.rows()
        if len(grid.rows) + len(rows) <= MAX_GRID_ROWS:
            list.extend(grid.rows, rows)  # (within the limit: RowList's check of each row is not needed)
        else:
            grid.rows.extend(rows)  # (raises at the limit)
        lines += row_lines
    return _finish(grid, lambda: prop_title, lines)


def _finish(grid: Grid, prop_title, lines: list[str] | None = None) -> Grid:
    """The workbook's title property before the rows when no sheet prints a report title; the text
    (`lines`: the text of each row, when the reader has it)."""
    text = "\n".join(r.text for r in grid.rows) if lines is None else "\n".join(lines)
    if not _TITLE_HINT.search(text[:3000]):
        title = (prop_title() or "").strip()
        if title:
            grid.rows.insert(
                0,
                GridRow(
                    [Cell(title, 0, "workbook properties title")], positional=False, source="workbook properties title"
                ),
            )
            text = title + "\n" + text
    if not grid.rows:
        raise ParseError("XLSX has no cell text")
    grid.text = text
    return grid


def _read_openpyxl(data: bytes) -> Grid:
    """The workbook through openpyxl: the reader for what the direct reader leaves to it."""
    wb = _open(data, data_only=True)
    formulas = _open(data, data_only=False) if _has_formulas(data) else None
    grid = Grid()
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        _check_used_range(ws)
        title = ws.title.strip()
        if title and not _DEFAULT_SHEET.match(title):
            grid.rows.append(
                GridRow([Cell(title, 0, f"sheet {ws.title} name")], positional=False, source=f"sheet {ws.title} name")
            )
        grid.rows.extend(_sheet_rows(ws, formulas[ws.title] if formulas is not None else None))
    return _finish(grid, lambda: wb.properties.title if wb.properties is not None else None)


# ---------------------------------------------------------------- the direct reader
#
# The sheets' XML read with lxml (a hardened parser: no DTD, no entities, no network, no huge
# trees; the package already checked by formats/office.py), giving what openpyxl gave: the same
# sheets, values, number formats, merged ranges and borders. Whatever it does not know (dates,
# formulas never computed, chart sheets, comments, drawings, tables, odd references, a style it
# cannot resolve …) it leaves to openpyxl, which reads the file as before.

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_M = f"{{{_NS}}}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_OTHER_MAIN = (
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
)
_SHARED_STRINGS = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SIDE_STYLES = frozenset(
    (
        "dashDot",
        "dashDotDot",
        "dashed",
        "dotted",
        "double",
        "hair",
        "medium",
        "mediumDashDot",
        "mediumDashDotDot",
        "mediumDashed",
        "slantDashDot",
        "thick",
        "thin",
    )
)
_INVALID_TITLE = re.compile(r"[\\*?:/\[\]]")
_COORD = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})$")
_RANGE = re.compile(r"([A-Z]{1,3})([1-9]\d{0,6})(?::([A-Z]{1,3})([1-9]\d{0,6}))?$")
_SHEET_RELS_READ = ("/comments", "/drawing", "/pivotTable", "/table", "/vmlDrawing", "/threadedComment")


class _Unsupported(Exception):
    """Something the direct reader leaves to openpyxl."""


def _xml_parser():
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True
    )


_PARSER = None


def _xml(z: zipfile.ZipFile, name: str):
    return _parse(z.read(name))


def _parse(xml: bytes):
    global _PARSER
    from lxml import etree

    if _PARSER is None:
        _PARSER = _xml_parser()
    return etree.fromstring(xml, _PARSER)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _rels(z: zipfile.ZipFile, part: str, names: set[str]) -> dict[str, tuple[str, str]] | None:
    """Relationship id → (type, target part) of a part (openpyxl's get_dependents); None when it has none."""
    import posixpath

    folder, file = posixpath.split(part)
    path = posixpath.join(folder, "_rels", file + ".rels")
    if path not in names:
        return None
    return _rels_of(z.read(path), folder)


# The package's small parts are the same in many files of one producer (styles, relationships,
# content types): what is read from them is kept per their bytes (read-only: callers never change it).
_SMALL_PARTS = 64


@lru_cache(maxsize=_SMALL_PARTS)
def _rels_of(xml: bytes, folder: str) -> dict[str, tuple[str, str]]:
    import posixpath

    out: dict[str, tuple[str, str]] = {}
    for rel in _parse(xml).iter(_PKG_REL):
        target = rel.get("Target")
        if rel.get("TargetMode") != "External":
            if target.startswith("/"):
                target = target[1:]
            else:
                target = posixpath.normpath(posixpath.join(folder, target))
        rid = rel.get("Id")
        if rid in out or rid is None or rel.get("Type") is None:
            raise _Unsupported("relationship ids")
        out[rid] = (rel.get("Type"), target)
    return out


_T_TAG = _M + "t"


def _text_content(node) -> str:
    """openpyxl's Text.content: the <t> child, then every run's <t> (by local name; the last of each wins)."""
    if len(node) == 1:
        first = node[0]
        if first.tag == _T_TAG:
            return first.text or ""
    plain = None
    runs: list[str] = []
    for child in node:
        name = _local(child.tag)
        if name == "t":
            plain = child.text
        elif name == "r":
            t = None
            for grand in child:
                if _local(grand.tag) == "t":
                    t = grand.text
            if t is not None:
                runs.append(t)
    return (plain if plain is not None else "") + "".join(runs)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    if n > 18278:
        raise _Unsupported("column")
    return n


@lru_cache(maxsize=1 << 16)
def _cell_ref(ref: str) -> tuple[int, int]:
    """(row, column) of a plain cell reference ("B12")."""
    m = _COORD.match(ref)
    if not m:
        raise _Unsupported(f"cell reference {ref!r}")
    return int(m.group(2)), _col_index(m.group(1))


@lru_cache(maxsize=1 << 12)
def _area(ref: str) -> tuple[int, int, int, int]:
    """(min_row, min_col, max_row, max_col) of "A1" or "A1:C3" (plain references only)."""
    m = _RANGE.match(ref or "")
    if not m:
        raise _Unsupported(f"reference {ref!r}")
    c0, r0 = _col_index(m.group(1)), int(m.group(2))
    c1, r1 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
    if c1 < c0 or r1 < r0:
        raise _Unsupported("reversed range")
    return r0, c0, r1, c1


def _styles(z: zipfile.ZipFile, names: set[str]) -> _Styles:
    if "xl/styles.xml" not in names:
        raise _Unsupported("no stylesheet")
    return _styles_of(z.read("xl/styles.xml"))


@lru_cache(maxsize=_SMALL_PARTS)
def _styles_of(xml: bytes) -> _Styles:
    return _Styles(xml)


class _Styles:
    """Number format and bordered flag per cell style (xf index), as openpyxl resolves them."""

    def __init__(self, xml: bytes) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

        root = _parse(xml)
        if root.tag != _M + "styleSheet":
            raise _Unsupported("stylesheet")
        custom: dict[int, str] = {}
        borders: list[bool] = []
        xfs: list[tuple[int, int]] = []
        for part in root:
            name = _local(part.tag)
            if name == "numFmts":
                for f in part:
                    if _local(f.tag) == "numFmt":
                        code = f.get("formatCode")
                        if code is None:
                            raise _Unsupported("numFmt")
                        custom[int(f.get("numFmtId"))] = code
            elif name == "borders":
                for b in part:
                    if _local(b.tag) != "border":
                        continue
                    sides: dict[str, str | None] = {}
                    for side in b:
                        style = side.get("style")
                        if style is not None and style != "none" and style not in _SIDE_STYLES:
                            raise _Unsupported("border style")
                        sides[_local(side.tag)] = None if style == "none" else style
                    borders.append(any(sides.get(k) for k in ("left", "right", "top", "bottom")))
            elif name == "cellXfs":
                for xf in part:
                    if _local(xf.tag) == "xf":
                        xfs.append((int(xf.get("numFmtId", 0)), int(xf.get("borderId", 0))))
        if not xfs:
            raise _Unsupported("no cell styles")
        self.formats: list[str] = []
        self.dates: list[bool] = []
        self.bordered: list[bool | None] = []
        for fmt_id, border_id in xfs:
            if fmt_id in custom:
                fmt = custom[fmt_id]
            elif 0 <= fmt_id < 164:
                fmt = BUILTIN_FORMATS.get(fmt_id, "General")
            else:
                raise _Unsupported("number format id")
            self.formats.append(fmt)
            self.dates.append(bool(is_date_format(fmt)))
            self.bordered.append(borders[border_id] if 0 <= border_id < len(borders) else None)
        # a cell the sheet does not write has the default style array: border 0, General
        self.default_bordered = borders[0] if borders else None


class _Sheet:
    def __init__(self, title: str, visible: bool) -> None:
        self.title = title
        self.visible = visible
        self.texts: dict[int, dict[int, str]] = {}  # written cells: row → column → text
        self.boxed: set[tuple[int, int]] = set()  # written cells that are bordered: (row, col)
        self.spans: dict[tuple[int, int], int] = {}
        self.covered: set[tuple[int, int]] = set()
        self.covered_in: dict[int, set[int]] = {}  # row → its covered columns
        self.spans_in: dict[int, dict[int, int]] = {}  # row → column → columns its merged range covers
        self.max_row = self.max_col = 0
        self.default_bordered = False

    def check_used_range(self) -> None:
        max_row, max_col = max(self.max_row, 1), max(self.max_col, 1)
        if max_row * max_col > MAX_SHEET_CELLS:
            raise ParseError(
                f"XLSX sheet {self.title!r} spans {max_row:,} rows × {max_col:,} columns, more than "
                f"the {MAX_SHEET_CELLS:,} cells a report sheet may have (limits.MAX_SHEET_CELLS): not read"
            )

    def rows(self) -> tuple[list[GridRow], list[str]]:
        """The sheet's rows and the text of each (GridRow.text)."""
        rows: list[GridRow] = []
        lines: list[str] = []
        texts, covered, spans, boxed = self.texts, self.covered, self.spans, self.boxed
        max_col, default_box = max(self.max_col, 1), self.default_bordered

        def box(r: int, c: int, row: dict[int, str]) -> bool:
            if c < 1 or c > max_col:
                return False
            if (r, c) in covered or (r, c) in spans or (r, c) in boxed:
                return True
            if c in row:
                return bool(row[c])
            return default_box

        covered_in, spans_in = self.covered_in, self.spans_in
        title = self.title
        cell_source = f"sheet {title} cell "
        row_source = f"sheet {title} row "
        sources = _CellSources(cell_source)
        for r in sorted(texts):
            row = texts[r]
            cov = covered_in.get(r)
            if cov:
                filled = [c for c, t in row.items() if t and c not in cov]
            else:
                filled = [c for c, t in row.items() if t]
            if not filled:
                continue
            first, last = min(filled), max(filled)
            while box(r, first - 1, row):
                first -= 1
            while box(r, last + 1, row):
                last += 1
            tail = str(r)
            get = row.get
            span = spans_in.get(r)
            if cov:
                span_of = span.get if span else _one
                cells = [
                    Cell(get(c, ""), c - 1, sources[c] + tail, span_of(c, 1))
                    for c in range(first, last + 1)
                    if c not in cov
                ]
            elif span:
                span_of = span.get
                cells = [Cell(get(c, ""), c - 1, sources[c] + tail, span_of(c, 1)) for c in range(first, last + 1)]
            else:
                cells = [Cell(get(c, ""), c - 1, sources[c] + tail) for c in range(first, last + 1)]
            rows.append(GridRow(cells, positional=True, source=row_source + tail))
            lines.append(" ".join([cell.text for cell in cells if cell.text]))
        return rows, lines


def _one(_col: int, one: int) -> int:
    return one


class _CellSources(dict):
    """Column → "sheet <title> cell <letters>" (a cell's source without its row number)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def __missing__(self, col: int) -> str:
        out = self[col] = self.prefix + _column_letter(col)
        return out


def _shared_strings(z: zipfile.ZipFile, path: str | None) -> list[str]:
    if path is None:
        return []
    out = []
    for si in _xml(z, path).iter(_M + "si"):
        out.append(_text_content(si).replace("x005F_", ""))
    return out


def _read_direct(z: zipfile.ZipFile) -> list[_Sheet]:
    names = set(z.namelist())
    overrides = _overrides_of(z.read("[Content_Types].xml"))
    mains = [p for p, t in overrides if t == _XLSX_MAIN]
    if len(mains) != 1 or any(t in _OTHER_MAIN for _, t in overrides) or not mains[0].startswith("/"):
        raise _Unsupported("workbook part")
    wb_part = mains[0][1:]
    strings_part = next((p[1:] for p, t in overrides if t == _SHARED_STRINGS), None)
    strings = _shared_strings(z, strings_part)
    entries = _workbook_sheets(z.read(wb_part))
    rels = _rels(z, wb_part, names)
    if rels is None:
        raise _Unsupported("no workbook relationships")
    styles = _styles(z, names)
    sheets: list[_Sheet] = []
    seen: set[str] = set()
    cells = _plain_cells_of(strings, styles)
    for name, state, rid in entries:
        if not rid:
            continue
        rel_type, target = rels[rid]
        if target not in names:
            continue
        if "worksheet" not in rel_type.rsplit("/", 1)[-1] or "chartsheet" in rel_type:
            raise _Unsupported("not a worksheet")
        if (
            not name
            or _INVALID_TITLE.search(name)
            or name.lower() in seen
            or state not in ("visible", "hidden", "veryHidden")
        ):
            raise _Unsupported("sheet name or state")
        seen.add(name.lower())
        sheets.append(_read_sheet(z, names, target, _Sheet(name, state == "visible"), strings, styles, cells))
    return sheets


@lru_cache(maxsize=_SMALL_PARTS)
def _overrides_of(xml: bytes) -> tuple[tuple[str, str | None], ...]:
    """(part name, content type) of the package's [Content_Types].xml overrides."""
    return tuple((o.get("PartName") or "", o.get("ContentType")) for o in _parse(xml).iter(_CT + "Override"))


@lru_cache(maxsize=_SMALL_PARTS)
def _workbook_sheets(xml: bytes) -> tuple[tuple[str | None, str, str | None], ...]:
    """(name, state, relationship id) of the workbook's sheets (a workbook the direct reader does not
    know: _Unsupported). Any error is raised before a sheet is read, all of them leave it to openpyxl."""
    wb = _parse(xml)
    if wb.tag != _M + "workbook" or wb.find(_M + "externalReferences") is not None:
        raise _Unsupported("workbook")
    out = []
    for child in wb.iter(_M + "sheets"):
        for el in child:
            if el.tag != _M + "sheet":
                raise _Unsupported("sheet element")
            out.append((el.get("name"), el.get("state", "visible"), el.get(_R_ID)))
    return tuple(out)


# ---------------------------------------------------------------- the sheets' cells, straight from their bytes
#
# Most sheets are written the one way Excel, WPS and openpyxl write them: <row r="1"><c r="A1" s="3"
# t="s"><v>0</v></c>…</row>. Such a sheet is checked well-formed by libxml2 without building a tree
# (a tree and an lxml object per cell cost several times the parse), then its cells are read with one
# regex pass. Every tag of <sheetData> must belong to a row or cell read (counted), the namespaces must
# be the plain ones and nothing unusual may be in the way (comments, CDATA, entities other than
# character references, formulas shaped otherwise, hyperlinks, tables …); otherwise the sheet is read
# through its lxml tree (_read_sheet_tree), which gives the same result and raises the same errors.

_MAIN_B = _NS.encode()
_FAST_HEAD = re.compile(rb"(?:\xef\xbb\xbf)?(?:<\?xml([^<>]*)\?>)?\s*<worksheet[\s>]")
_XML_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
_EMPTY_ROW = re.compile(rb"<row((?:\s[^<>]*)?)/>")  # 1 attributes
_ROW_HEAD = re.compile(rb"[^<]*((?:<row(?:\s[^<>]*)?/>[^<]*)*)<row((?:\s[^<>]*)?(?<!/))>")  # 1 empty rows, 2 attributes
_ROWS_AFTER = re.compile(rb"[^<]*(?:<row(?:\s[^<>]*)?/>[^<]*)*")
_PLAIN_CELL = re.compile(  # 1 the reference, 2 the rest: attributes s and t, what the cell holds
    rb'<c r="([A-Z]{1,3}[1-9][0-9]{0,6})"((?: s="[0-9]+")?(?: t="[a-zA-Z]+")?(?:/>|>[^<]*(?:<(?!/c>)[^<]*)*</c>))'
)
_CELL_REST = re.compile(rb'(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?(?:/>|>(.*)</c>)', re.DOTALL)  # 1 s, 2 t, 3 content
_ROW_ATTRS = re.compile(rb'(?:\s+[A-Za-z_][\w:.-]*="[^"<>&\t\n\r]*")*\s*')
_ROW_R = re.compile(rb'\sr="([^"]*)"')
_CELL_INNER = re.compile(
    rb"(<f>[^<]*</f>|<f/>|<f\s[^<>]*?/>|<f\s[^<>]*?>[^<]*</f>)?"  # 1 a formula (any attributes, no children)
    rb"(<v>([^<]*)</v>)?"  # 2 a value, 3 its text
    rb'(<is><t(?: xml:space="preserve")?>([^<]*)</t></is>)?'  # 4 an inline string, 5 its text
)
_CHAR_REF = re.compile(r"&(?:#([0-9]+)|#x([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


class _Refs(dict):
    """(row, column) of a plain cell reference (b"AB12" → (12, 28)), computed once."""

    def __missing__(self, ref: bytes) -> tuple[int, int]:
        place = _cell_ref(ref.decode())
        if len(self) >= 1 << 16:  # (a sheet writes at most MAX_SHEET_CELLS: not all kept)
            self.clear()
        self[ref] = place
        return place


_REFS = _Refs()


def _char(m: re.Match) -> str:
    if m.group(1):
        return chr(int(m.group(1)))
    if m.group(2):
        return chr(int(m.group(2), 16))
    return _NAMED[m.group(3)]


class _NotPlain(Exception):
    """A sheet the plain reader leaves to the lxml tree."""


def _xml_text(raw: bytes) -> str:
    """The text lxml gives for character data without markup (a well-formed part's, UTF-8)."""
    if b"&" in raw:
        text = _REF_TEXTS.get(raw)
        if text is None:
            text, n = _CHAR_REF.subn(_char, raw.decode())
            if n != raw.count(b"&"):
                raise _NotPlain("entity")
            if len(raw) <= _KEPT_KEY_BYTES:
                if len(_REF_TEXTS) >= _REF_TEXTS_KEPT:
                    _REF_TEXTS.clear()
                _REF_TEXTS[raw] = text
    else:
        text = raw.decode()
    if "\r" in text and b"\r" in raw:
        raise _NotPlain("carriage return")  # (XML turns line ends into \n)
    return text


# Texts written as character references (&#25253;&#21578; …: openpyxl writes every CJK character so),
# decoded once: the labels of a template recur in every report.
_REF_TEXTS: dict[bytes, str] = {}
_REF_TEXTS_KEPT = 4096


class _Validator:
    def close(self) -> None:
        return None


_VALIDATOR = None


def _well_formed(xml: bytes) -> bool:
    """libxml2's verdict on the part, with the reader's parser options, without building a tree."""
    global _VALIDATOR
    from lxml import etree

    if _VALIDATOR is None:
        _VALIDATOR = etree.XMLParser(
            target=_Validator(), resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
        )
    try:
        etree.fromstring(xml, _VALIDATOR)
    except etree.XMLSyntaxError:
        return False
    return True


def _plain_region(xml: bytes) -> bytes | None:
    """What <sheetData> holds when the sheet is written plainly (see above); None otherwise."""
    head = _FAST_HEAD.match(xml)
    if head is None:
        return None
    decl = head.group(1)
    if decl is not None:
        enc = _XML_ENCODING.search(decl)
        if enc is not None and enc.group(1).lower() not in (b"utf-8", b"utf8"):
            return None
    root_start = head.end() - len(b"<worksheet ")
    root_end = xml.find(b">", root_start)
    root = xml[root_start:root_end]
    if (
        b'xmlns="' + _MAIN_B + b'"' not in root
        or b"&" in root
        or xml.count(_MAIN_B) != 1
        or xml.count(b"xmlns") != root.count(b"xmlns")
        or b"<!" in xml
        or xml.count(b"<?") != (decl is not None)
        or xml.count(b"<sheetData") != 1
        or b"<hyperlink" in xml
        or b"<tablePart" in xml
    ):
        return None
    start = xml.find(b"<sheetData", root_end)
    close = xml.find(b">", start)
    if xml[close - 1 : close] == b"/":
        region, end = b"", close + 1
    else:
        end = xml.find(b"</sheetData>", close)
        if end < 0 or xml[start + len(b"<sheetData") : close].strip():
            return None
        region = xml[close + 1 : end]
    if _ROW_START.search(xml, 0, start) or _ROW_START.search(xml, end):
        return None
    return region


_ROW_START = re.compile(rb"<row[\s/>]")
_MERGE_CELL = re.compile(rb'<mergeCell ref="([A-Z]{1,3}[1-9][0-9]{0,6}(?::[A-Z]{1,3}[1-9][0-9]{0,6})?)"\s*/>')


def _plain_cells_of(strings: list[str], styles: _Styles) -> _PlainCells:
    """The cells read so far with these styles and no shared strings (the cells of a template recur in
    every report); new ones for a workbook with shared strings."""
    if strings:
        return _PlainCells(strings, styles)
    kept = _KEPT_CELLS.get(styles)
    if kept is None:
        if len(_KEPT_CELLS) >= 8:
            _KEPT_CELLS.clear()
        kept = _KEPT_CELLS[styles] = _PlainCells(strings, styles)
    return kept


_KEPT_CELLS: dict[_Styles, _PlainCells] = {}  # (a few stylesheets' cells, each a few thousand at most)


def _read_sheet_plain(xml: bytes, sheet: _Sheet, cells: _PlainCells, styles: _Styles) -> bool:
    """Read a plainly written sheet into `sheet` (True); False when it is not plain (`sheet` untouched)."""
    region = _plain_region(xml)
    if region is None or not _well_formed(xml):
        return False
    try:
        texts, boxed, max_col = _plain_cells(region, cells)
        merges = _MERGE_CELL.findall(xml)
        if len(merges) != xml.count(b"<mergeCell") - xml.count(b"<mergeCells"):
            return False
        ranges = {_area(ref.decode()) for ref in merges}
    except (_NotPlain, _Unsupported, ValueError, IndexError, KeyError, UnicodeDecodeError):
        return False
    sheet.texts, sheet.boxed = texts, boxed
    _place_ranges(sheet, ranges, [], max_col, styles)
    return True


def _plain_cells(region: bytes, cells: _PlainCells) -> tuple[dict[int, dict[int, str]], set[tuple[int, int]], int]:
    """The cells of a plain <sheetData>, as _read_sheet_tree reads them (_NotPlain for anything else):
    found by one regex pass, each distinct cell read once (`cells`). A cell goes to the row of its
    reference (as in _read_sheet_tree: the <row> around it only has to be there)."""
    row_no = elements = 0  # (elements read, to be checked against the tags the region holds)
    *pieces, after = region.split(b"</row>")
    for piece in pieces:  # each: (text, rows without cells,) a row's start tag, its cells
        m = _ROW_HEAD.match(piece)
        if m is None or piece.find(b"<row", m.end()) >= 0:
            raise _NotPlain("row")
        for attrs in _EMPTY_ROW.findall(m.group(1)) if m.group(1) else ():
            row_no = _row_number(attrs, row_no)
            elements += 1
        row_no = _row_number(m.group(2), row_no)
        elements += 1
    m = _ROWS_AFTER.fullmatch(after)
    if m is None:
        raise _NotPlain("cell outside a row")
    for attrs in _EMPTY_ROW.findall(after) if b"<" in after else ():
        row_no = _row_number(attrs, row_no)
        elements += 1
    texts: dict[int, dict[int, str]] = {}
    boxed: set[tuple[int, int]] = set()
    found = _PLAIN_CELL.findall(region)
    if found:
        refs, rests = zip(*found, strict=True)
        cell_texts, boxes, counts = zip(*map(cells.__getitem__, rests), strict=True)
        elements += sum(counts)
        places = list(map(_REFS.__getitem__, refs))
        for (r, c), text in zip(places, cell_texts, strict=True):
            row = texts.get(r)
            if row is None:
                row = texts[r] = {}
            row[c] = text
        if sum(map(len, texts.values())) != len(found):
            raise _NotPlain("a cell written twice")
        if True in boxes:
            boxed.update([place for place, box in zip(places, boxes, strict=True) if box])
    if 2 * elements != region.count(b"<") + region.count(b"/>"):
        raise _NotPlain("tags not read")  # (an element has a start and an end tag, or one ending in />)
    return texts, boxed, max(max(row) for row in texts.values()) if texts else 0


def _row_number(attrs: bytes, before: int) -> int:
    """The number of a row (its r, else the one after `before`), as _read_sheet_tree takes it."""
    r = _ROW_R_OF.get(attrs)
    if r is None:
        if not attrs:
            r = 0
        elif _ROW_ATTRS.fullmatch(attrs) is None:
            raise _NotPlain("row attributes")
        else:
            m = _ROW_R.search(attrs)
            r = int(m.group(1).decode()) if m is not None else 0  # (a bad number: the tree's error)
            if r < 1:
                raise _NotPlain("row number")
        if len(attrs) <= _KEPT_KEY_BYTES:
            if len(_ROW_R_OF) >= _PLAIN_CELLS_KEPT:
                _ROW_R_OF.clear()
            _ROW_R_OF[attrs] = r
    return r or before + 1


_ROW_R_OF: dict[bytes, int] = {}  # a row's attributes → its r (0: none)


class _PlainCells(dict):
    """(text, bordered, elements) of a cell by what follows its reference (s, t and what it holds), as
    _read_sheet_tree reads it.
    Kept with the workbook's styles across workbooks without shared strings (the cells of a template
    recur in every report), per workbook otherwise."""

    def __init__(self, strings: list[str], styles: _Styles) -> None:
        super().__init__()
        self.strings, self.styles = strings, styles

    def keep(self, key: bytes, out: tuple[str, bool, int]) -> None:
        """Kept when short, a few thousand at most (the cells of a template recur; a hostile sheet's
        are not all kept)."""
        if len(key) <= _KEPT_KEY_BYTES:
            if len(self) >= _PLAIN_CELLS_KEPT:
                self.clear()
            self[key] = out

    def __missing__(self, key: bytes) -> tuple[str, bool, int]:
        m_rest = _CELL_REST.fullmatch(key)
        if m_rest is None:
            raise _NotPlain("cell")
        s, t, inner = m_rest.groups()
        styles = self.styles
        style = int(s) if s else 0
        if style >= len(styles.formats):
            raise _NotPlain("style index")
        box = styles.bordered[style]
        if box is None:
            raise _NotPlain("border index")
        if not inner:
            out = ("", box, 1)
            self.keep(key, out)
            return out
        if inner[:3] == b"<v>" and inner[-4:] == b"</v>" and inner.count(b"<") == 2:
            has_f, has_v, raw_v, raw_is, elements = False, True, inner[3:-4], None, 2
        else:
            m = _CELL_INNER.fullmatch(inner)
            if m is None:
                raise _NotPlain("cell content")
            has_f, has_v, raw_v = m.group(1) is not None, m.group(2) is not None, m.group(3)
            raw_is = m.group(5) if m.group(4) is not None else None
            elements = 1 + has_f + has_v + 2 * (raw_is is not None)
        value: str | float | int | bool | None = None
        kind = t or b"n"
        if kind == b"inlineStr":
            if raw_is is not None:
                value = _xml_text(raw_is)
        elif has_v and raw_v:
            raw = _xml_text(raw_v)
            if kind == b"n":
                if styles.dates[style]:
                    raise _NotPlain("date")
                value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
            elif kind == b"s":
                value = self.strings[int(raw)]
            elif kind == b"b":
                value = bool(int(raw))
            elif kind == b"str" or kind == b"e":
                value = raw
            else:
                raise _NotPlain("cell type")
        out = (_value_text(value, has_f, styles.formats[style], _NotPlain), box, elements)
        self.keep(key, out)
        return out


_PLAIN_CELLS_KEPT = 1 << 12  # distinct cells kept with a stylesheet (or read in one workbook)
_KEPT_KEY_BYTES = 512  # longer texts and cells are read each time, not kept


def _read_sheet(
    z: zipfile.ZipFile,
    names: set[str],
    part: str,
    sheet: _Sheet,
    strings: list[str],
    styles: _Styles,
    cells: _PlainCells,
) -> _Sheet:
    rels = _rels(z, part, names) or {}
    if any(t.endswith(_SHEET_RELS_READ) for t, _ in rels.values()):
        raise _Unsupported("comments, drawings or tables")
    xml = z.read(part)
    if _read_sheet_plain(xml, sheet, cells, styles):
        return sheet
    return _read_sheet_tree(_parse(xml), rels, sheet, strings, styles)


def _read_sheet_tree(
    root, rels: dict[str, tuple[str, str]], sheet: _Sheet, strings: list[str], styles: _Styles
) -> _Sheet:
    if root.tag != _M + "worksheet":
        raise _Unsupported("worksheet")
    texts, boxed = sheet.texts, sheet.boxed
    formats, dates, bordered = styles.formats, styles.dates, styles.bordered
    n_styles = len(formats)
    v_tag, f_tag, is_tag, c_tag = _M + "v", _M + "f", _M + "is", _M + "c"
    style_index: dict[str | None, int] = {}  # the s attribute → a checked style index
    row_no = 0
    max_col = 0
    row_texts: dict[int, str] = {}
    for row in root.iter(_M + "row"):
        r_attr = row.get("r")
        row_no = int(r_attr) if r_attr is not None else row_no + 1
        row_texts = texts.get(row_no) or texts.setdefault(row_no, {}) if row_no >= 1 else {}
        col_no = 0
        for c in row:
            if c.tag != c_tag:
                raise _Unsupported("row child")
            ref = s = None
            t = "n"
            for name, attr in c.items():  # (one call for the attributes costs less than a get() for each)
                if name == "r":
                    ref = attr
                elif name == "s":
                    s = attr
                elif name == "t":
                    t = attr
            if ref:
                key_row, col_no = _cell_ref(ref)
            else:
                col_no += 1
                key_row = row_no
                if row_no < 1:
                    raise _Unsupported("row number")
            style = style_index.get(s)
            if style is None:
                style = int(s) if s else 0
                if style < 0 or style >= n_styles:
                    raise _Unsupported("style index")
                style_index[s] = style
            if not len(c):  # (an empty cell: no value, no formula)
                text = ""
            else:
                value: str | float | int | bool | None = None
                v = node = None
                has_f = False
                n_children = len(c)
                if n_children == 1:  # (most cells: lxml's find() or a walk costs more than this)
                    ch = c[0]
                    tag = ch.tag
                    if tag == v_tag:
                        v = ch
                    elif tag == is_tag:
                        node = ch
                    elif tag == f_tag:
                        has_f = True
                elif n_children:
                    for ch in c:
                        tag = ch.tag
                        if tag == v_tag:
                            if v is None:
                                v = ch
                        elif tag == is_tag:
                            if node is None:
                                node = ch
                        elif tag == f_tag:
                            has_f = True
                if t == "inlineStr":
                    if node is not None:
                        value = _text_content(node)
                elif v is not None:
                    raw = v.text
                    if raw:
                        if t == "n":
                            if dates[style]:
                                raise _Unsupported("date")
                            value = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
                        elif t == "s":
                            value = strings[int(raw)]
                        elif t == "b":
                            value = bool(int(raw))
                        elif t == "str" or t == "e":
                            value = raw
                        else:
                            raise _Unsupported(f"cell type {t!r}")
                text = _value_text(value, has_f, formats[style], _Unsupported)
            if key_row == row_no:
                row_texts[col_no] = text
            else:
                texts.setdefault(key_row, {})[col_no] = text
            if col_no > max_col:
                max_col = col_no
            box = bordered[style]
            if box:
                boxed.add((key_row, col_no))
            elif box is None:
                raise _Unsupported("border index")
            elif boxed and (key_row, col_no) in boxed:
                boxed.discard((key_row, col_no))
    for r in [r for r, cols in texts.items() if not cols]:
        del texts[r]
    ranges: set[tuple[int, int, int, int]] = set()
    links: list = []
    merge_tag, link_tag = _M + "mergeCell", _M + "hyperlink"
    for el in root.iter(merge_tag, link_tag, _M + "tablePart"):  # (one walk over the tree for the three)
        if el.tag == merge_tag:
            ranges.add(_area(el.get("ref")))
        elif el.tag == link_tag:
            links.append(el)
        else:
            raise _Unsupported("table parts")
    link_corners = []
    for link in links:
        rid = link.get(_R_ID)
        if rid and rid not in rels:
            raise _Unsupported("hyperlink relationship")
        _, _, r1, c1 = _area(link.get("ref"))
        link_corners.append((r1, c1))
    _place_ranges(sheet, ranges, link_corners, max_col, styles)
    return sheet


_Merged = tuple[
    dict[tuple[int, int], int], set[tuple[int, int]], dict[int, set[int]], dict[int, dict[int, int]], int, int
]


def _merged(ranges: frozenset[tuple[int, int, int, int]]) -> _Merged:
    """Columns spanned by each merged range's top-left cell and the cells the ranges cover (also by
    row), and the last row and column they reach: the same in every report of a template, so kept
    when they cover a report's few cells (read-only for callers)."""
    out = _MERGED.get(ranges)
    if out is None:
        out = _merged_now(ranges)
        if len(out[1]) <= _MERGED_KEPT_CELLS:
            if len(_MERGED) >= _SMALL_PARTS:
                _MERGED.clear()
            _MERGED[ranges] = out
    return out


_MERGED: dict[frozenset[tuple[int, int, int, int]], _Merged] = {}
_MERGED_KEPT_CELLS = 10_000


def _merged_now(ranges: frozenset[tuple[int, int, int, int]]) -> _Merged:
    spans: dict[tuple[int, int], int] = {}
    covered: set[tuple[int, int]] = set()
    max_row = max_col = 0
    for r0, c0, r1, c1 in ranges:
        if (r0, c0) in spans:
            raise _Unsupported("merged ranges from one cell")
        spans[(r0, c0)] = c1 - c0 + 1
        max_row, max_col = max(max_row, r1), max(max_col, c1)
        if (r1 - r0 + 1) * (c1 - c0 + 1) > MAX_SHEET_CELLS:
            raise _Unsupported("huge merge")
        for rr in range(r0, r1 + 1):
            for cc in range(c0, c1 + 1):
                if (rr, cc) != (r0, c0):
                    covered.add((rr, cc))
    covered_in: dict[int, set[int]] = {}
    for r, c in covered:
        covered_in.setdefault(r, set()).add(c)
    spans_in: dict[int, dict[int, int]] = {}
    for (r, c), n in spans.items():
        spans_in.setdefault(r, {})[c] = n
    return spans, covered, covered_in, spans_in, max_row, max_col


def _place_ranges(
    sheet: _Sheet,
    ranges: set[tuple[int, int, int, int]],
    link_corners: list[tuple[int, int]],
    max_col: int,
    styles: _Styles,
) -> None:
    """The merged ranges, the used range (cells, merges and hyperlinks) and the default border of a sheet
    whose cells are read."""
    max_row = max(sheet.texts, default=0)
    if ranges:
        merged = _merged(frozenset(ranges))
        sheet.spans, sheet.covered, sheet.covered_in, sheet.spans_in, last_row, last_col = merged
        max_row, max_col = max(max_row, last_row), max(max_col, last_col)
    for r1, c1 in link_corners:
        max_row, max_col = max(max_row, r1), max(max_col, c1)
    if styles.default_bordered is None:
        raise _Unsupported("no borders")
    sheet.default_bordered = styles.default_bordered
    sheet.max_row, sheet.max_col = max_row, max_col


def _core_title(z: zipfile.ZipFile | None) -> str | None:
    """The workbook's title property (docProps/core.xml dc:title), as openpyxl reads it."""
    if z is None or "docProps/core.xml" not in z.namelist():
        return None
    return _core_title_of(z.read("docProps/core.xml"))


@lru_cache(maxsize=_SMALL_PARTS)
def _core_title_of(xml: bytes) -> str | None:
    from openpyxl.packaging.core import DocumentProperties
    from openpyxl.xml.functions import fromstring

    return DocumentProperties.from_tree(fromstring(xml)).title
