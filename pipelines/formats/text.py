"""Plain text (often extracted from a PDF): one grid row per line, cells split on tabs.

Tab positions are kept: an empty field stays an empty cell, so a row of fifteen fields
with five leading empties is five blanks and ten values. Because text extraction may
drop or add empty fields around merged labels, text rows are not `positional`.
"""

from __future__ import annotations

from ..grid import Cell, Grid, GridRow, RowList, text_fields
from ..limits import MAX_GRID_ROWS, MAX_LINE_CHARS, MAX_ROW_CELLS, check_line, check_line_count, check_row_cells

_ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")
# " field 1", " field 2", …: the end of each field's source ("line 57 field 3"); a line has at most
# MAX_ROW_CELLS fields
_FIELDS = tuple(f" field {i}" for i in range(1, MAX_ROW_CELLS + 1))


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in _ENCODINGS[:2]:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def grid_from_text(text: str) -> Grid:
    if len(text) >= MAX_GRID_ROWS:  # (a shorter text cannot have more lines than a grid may have rows)
        check_line_count(text)
    # (check_line_count allows no more lines than a grid may have rows: a plain list, wrapped at the end)
    rows: list[GridRow] = []
    for n, line in enumerate(text.splitlines(), start=1):  # (splitlines leaves no line break in a line)
        if len(line) > MAX_LINE_CHARS:  # (the checks' messages are made only for a line they refuse)
            check_line(line, f"line {n}")
        if "\t" in line:
            fields = line.split("\t")
        elif " " in line or "\u3000" in line:
            fields = text_fields(line)
        else:  # no field separator: one field, what text_fields(line) makes of it (most lines of a report)
            rows.append(GridRow([Cell(line.strip(), 0, f"line {n} field 1")], False, f"line {n}"))
            continue
        if len(fields) > MAX_ROW_CELLS:
            check_row_cells(len(fields), f"line {n}")
        src = f"line {n}"
        # Cell(field.strip(), i, f"{src} field {i + 1}") for each field, the loop run in C
        n_fields = len(fields)
        cells = list(map(Cell, map(str.strip, fields), range(n_fields), map(src.__add__, _FIELDS[:n_fields])))
        rows.append(GridRow(cells, False, src))
    return Grid(rows=RowList(rows), text=text)


def read_text(data: bytes) -> Grid:
    return grid_from_text(decode_text(data))
