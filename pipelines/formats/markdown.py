"""Markdown (converted reports): pipe tables as positional rows, other lines as text rows.

A pipe table is a run of lines holding "|" that has a delimiter row (| --- | :---: |) or
whose lines all start with "|"; the delimiter rows are skipped. Leading and trailing pipes
are optional (GFM): a row's cells are what lies between the unescaped pipes, after one
leading and one trailing pipe are removed, so "a | 1 | |" is a label, a value and an empty
cell. Every cell is a real cell of the table: an empty one is blank.

Markdown cannot merge cells, so converters print tables with merged cells as raw HTML
<table> blocks inside the Markdown: those are read by the HTML reader's table walker.
Headings, paragraphs and list items become one-cell rows, one per line.
"""

from __future__ import annotations

import html
import re

from ..grid import Cell, Grid, GridRow, RowList
from ..limits import MAX_GRID_ROWS, MAX_LINE_CHARS, MAX_ROW_CELLS, check_line, check_line_count, check_row_cells
from ..model import ParseError
from .html import parse_tree, rows_from_tree
from .text import decode_text

_RULE_CELL = re.compile(r"^\s*:?-{1,}:?\s*$")
_PIPE = re.compile(r"(?<!\\)\|")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~<>])")
_EMPHASIS = re.compile(r"(\*\*|__|~~)(.+?)\1")
_WRAPPED = re.compile(r"^([*_`])(.+)\1$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$")
_LIST = re.compile(r"^\s*(?:[-*+]\s+|>\s*)+")
_THEMATIC = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,}|(?:=\s*){3,})$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_TABLE_OPEN = re.compile(r"<table\b", re.IGNORECASE)
_TABLE_CLOSE = re.compile(r"</table\s*>", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# The first character after a line's leading whitespace that a fence, a thematic break or a list
# marker starts with (a line starting otherwise cannot match them)
_FENCE_START = ("`", "~")
_THEMATIC_START = ("-", "*", "_", "=")
_LIST_START = ("-", "*", "+", ">")


def _split_row(line: str) -> list[str]:
    """A pipe row's raw cells (one leading and one trailing pipe are not separators)."""
    s = line.strip()
    s = s.removeprefix("|")
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    return _PIPE.split(s)


def _is_rule(line: str) -> bool:
    return "-" in line and all(_RULE_CELL.match(c) for c in _split_row(line))


# What any markup of _inline starts with (a tag, emphasis, an escape, an entity, a wrapping mark) or a
# line break: a text holding none of it only has its spaces squeezed.
_MARKUP_OR_BREAK = re.compile(r"[<*_~\\&`\n]")


def _inline(text: str) -> str:
    """A cell's or line's printed text: markup removed, entities decoded, <br> a newline."""
    if _MARKUP_OR_BREAK.search(text) is None:
        return _SPACES.sub(" ", text).strip()
    t = _BR.sub("\n", text)
    t = _TAG.sub("", t)
    t = _EMPHASIS.sub(r"\2", t)
    t = _ESCAPED.sub(r"\1", t)
    t = html.unescape(t)
    lines = [_SPACES.sub(" ", ln).strip() for ln in t.split("\n")]
    t = "\n".join(ln for ln in lines if ln)
    m = _WRAPPED.match(t)
    return m.group(2).strip() if m else t


def _has_pipe(line: str) -> bool:
    return "|" in line and bool(_PIPE.search(line))


def grid_from_markdown(text: str) -> Grid:
    if len(text) >= MAX_GRID_ROWS:  # (a shorter text cannot have more lines than a grid may have rows)
        check_line_count(text)
    if "<!--" in text:
        text = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    lines = text.splitlines()
    for n, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:  # (the check's message is made only for a line it refuses)
            check_line(line, f"line {n}")
    rows: list[GridRow] = RowList()
    n_tables = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        # A raw HTML table (a converter's way of printing merged cells).
        if "<" in line and _TABLE_OPEN.search(line):
            j = i
            depth = 0
            while j < len(lines):
                depth += len(_TABLE_OPEN.findall(lines[j])) - len(_TABLE_CLOSE.findall(lines[j]))
                if depth <= 0:
                    break
                j += 1
            fragment = "\n".join(lines[i : j + 1])
            sub, _ = rows_from_tree(parse_tree(f"<html><body>{fragment}</body></html>"))
            for r in sub:  # number the HTML tables after the pipe tables, sources stay unique
                if r.source.startswith("table "):
                    rest = r.source.split(" ", 2)
                    t_no = n_tables + int(rest[1])
                    r.source = f"table {t_no} {rest[2]}"
                    for c in r.cells:
                        c.source = f"table {t_no} " + c.source.split(" ", 2)[2]
                else:
                    r.source = f"line {i + 1} " + r.source
                    for c in r.cells:
                        c.source = r.source
            n_tables += sum(1 for _ in re.finditer(_TABLE_OPEN, fragment))
            rows.extend(sub)
            i = j + 1
            continue
        # A pipe table: consecutive lines with pipes, with a delimiter row or leading pipes.
        if _has_pipe(line):
            j = i
            while j < len(lines) and _has_pipe(lines[j]) and lines[j].strip():
                j += 1
            block = lines[i:j]
            rules = [_is_rule(b) for b in block]
            if any(rules) or all(b.lstrip().startswith("|") for b in block):
                n_tables += 1
                r_no = 0
                for k, b in enumerate(block):
                    if rules[k]:
                        continue
                    r_no += 1
                    src = f"table {n_tables} row {r_no}"
                    raw_cells = _split_row(b)
                    if len(raw_cells) > MAX_ROW_CELLS:
                        check_row_cells(len(raw_cells), f"line {i + k + 1}")
                    cells = [Cell(_inline(c), c_no, f"{src} col {c_no + 1}") for c_no, c in enumerate(raw_cells)]
                    rows.append(GridRow(cells, positional=True, source=f"{src} (line {i + k + 1})"))
                i = j
                continue
        i += 1
        # (a pattern is tried only where the character it starts with is there: most lines are prose)
        first = line.lstrip()[:1]
        if (first in _FENCE_START and _FENCE.match(line)) or (first in _THEMATIC_START and _THEMATIC.match(line)):
            continue
        m = _HEADING.match(line) if "#" in line else None
        content = m.group(1) if m else (_LIST.sub("", line) if first in _LIST_START else line)
        t = _inline(content)
        if t:
            src = f"line {i}"
            rows.append(GridRow([Cell(t, 0, src)], positional=False, source=src))
    if not rows:
        raise ParseError("Markdown file has no text")
    return Grid(rows=rows, text="\n".join(r.text for r in rows))


def read_markdown(data: bytes) -> Grid:
    return grid_from_markdown(decode_text(data))
