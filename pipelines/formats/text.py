"""Plain text (often extracted from a PDF): one grid row per line, cells split on tabs.

Tab positions are kept: an empty field stays an empty cell, so a row of fifteen fields
with five leading empties is five blanks and ten values. Because text extraction may
drop or add empty fields around merged labels, text rows are not `positional`.
"""

from __future__ import annotations

import re

from ..grid import Cell, Grid, GridRow, is_page_mark, is_value_token

_ENCODINGS = ("utf-8-sig", "gb18030", "utf-16")
# Two or more spaces (or a full-width space run) separate cells in space-aligned text.
_SPACE_SPLIT = re.compile(r"(?: {2,}|\u3000+)")


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for enc in _ENCODINGS[:2]:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _peel_values(field: str) -> list[str]:
    """A field whose label is followed by values separated by single spaces ("二、上年结转… 8 9 0 7"),
    split into the label and one field per value; any other field unchanged. Only a trailing run
    of value tokens is split off, so labels keep their own spaces."""
    tokens = field.split(" ")
    if len(tokens) < 2 or is_page_mark(field):
        return [field]
    n = 0
    while n < len(tokens) - 1 and tokens[-1 - n] and is_value_token(tokens[-1 - n]):
        n += 1
    label = " ".join(tokens[: len(tokens) - n]).strip()
    if n == 0 or not label or is_value_token(label):
        return [field]
    return [label, *tokens[len(tokens) - n:]]


def grid_from_text(text: str) -> Grid:
    grid = Grid(text=text)
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.rstrip("\r\n")
        if "\t" in line:
            fields = line.split("\t")
        else:
            fields = _SPACE_SPLIT.split(line.strip()) if line.strip() else [""]
            fields = [part for f in fields for part in _peel_values(f)]
        cells = [Cell(f.strip(), i, f"line {n} field {i + 1}") for i, f in enumerate(fields)]
        grid.rows.append(GridRow(cells, positional=False, source=f"line {n}"))
    return grid


def read_text(data: bytes) -> Grid:
    return grid_from_text(decode_text(data))
