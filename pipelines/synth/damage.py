"""Damaged variants of a report: the layout of a truth, broken the way conversions break tables.

Each damage takes the laid-out document (`pipelines.synth.layout.layout(truth)`) and breaks one
thing in it; each format prints the damaged document. The truth of a damaged file is the truth
of the undamaged report: what a damaged file no longer shows with certainty may be read as
null (missing), never as another number, and `ogi check` may never raise a finding on it that
the undamaged report does not imply.

    DAMAGES[name] = (function(doc, truth, rng) -> doc, one-line description)
    FORMATS[name] = (extension, blank token, function(doc) -> bytes)
    render(truth, damage, fmt) -> bytes     (deterministic: the rng is seeded by the names)

Not registered in `pipelines.synth.render.variants()` (tests/make_converted_corpus.py writes
tests/corpus/damaged/ from it).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from html import escape
from typing import Any

from pipelines.synth.converted import rows_of, table_key
from pipelines.synth.layout import LCell, LDoc, LTable, layout
from pipelines.synth.render.docx import _document, place
from pipelines.synth.render.html import _table
from pipelines.synth.render.markdown import _markdown, _pipe_table
from pipelines.synth.render.text import _lines

NOTE = "注：本表数据来源于本机关政务公开工作台账。"


# ---------------------------------------------------------------- table surgery


def _rebuild(placed: list[tuple[int, int, LCell]], n_rows: int, n_cols: int) -> LTable:
    rows: list[list[tuple[int, LCell]]] = [[] for _ in range(n_rows)]
    for r, c, cell in placed:
        rows[r].append((c, cell))
    return LTable([[cell for _, cell in sorted(row, key=lambda x: x[0])] for row in rows], n_cols)


def unmerge(t: LTable) -> LTable:
    """Rowspans undone: a tall cell's text in its first row, an empty cell below it in each row
    it covered (what a converter that cannot merge rows prints)."""
    placed = []
    for r, c, cell in place(t):
        placed.append((r, c, LCell(cell.text, cell.colspan, 1)))
        for k in range(1, cell.rowspan):
            placed.append((r + k, c, LCell("", cell.colspan, 1)))
    return _rebuild(placed, len(t.rows), t.n_cols)


def drop_row(t: LTable, i: int) -> LTable:
    """Row i removed; cells spanning it from above get shorter, its own tall cells move down."""
    placed = []
    for r, c, cell in place(t):
        if r < i < r + cell.rowspan:
            placed.append((r, c, LCell(cell.text, cell.colspan, cell.rowspan - 1)))
        elif r == i:
            if cell.rowspan > 1:
                placed.append((r, c, LCell(cell.text, cell.colspan, cell.rowspan - 1)))
        elif r > i:
            placed.append((r - 1, c, cell))
        else:
            placed.append((r, c, cell))
    return _rebuild(placed, len(t.rows) - 1, t.n_cols)


def _table_index(doc: LDoc, key: str) -> int:
    return next(i for i, b in enumerate(doc.blocks) if isinstance(b, LTable) and table_key(b) == key)


def _data_indices(t: LTable, truth: dict[str, Any]) -> list[int]:
    return [i for i, r in enumerate(rows_of(t, truth)) if r.kind == "data"]


# ---------------------------------------------------------------- damages


def labels_dropped(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """Three rows of section 三 and one of section 二 print their values with no label."""
    for key, n in (("requests", 3), ("proactive", 1)):
        t = doc.table(_table_index(doc, key))
        rows = [r for r in rows_of(t, truth) if r.kind == "data" and r.labels]
        for r in rng.sample(rows, n):
            r.labels[-1].text = ""
    return doc


def shredded(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """One group of section 三 shredded: its rows' labels as a run of label-only rows, then its
    values as a run of value-only rows."""
    at = _table_index(doc, "requests")
    t = doc.table(at)
    rows = rows_of(t, truth)
    prefixes = ["denied_", "unable_", "not_processed_"]
    if any(r.key.startswith("other_overdue") for r in rows):
        prefixes.append("other_")
    prefix = rng.choice(prefixes)
    segment = [i for i, r in enumerate(rows) if r.kind == "data" and r.key.startswith(prefix)]
    u = unmerge(t)
    label_rows = [u.rows[i][:-7] for i in segment]
    value_rows = [[LCell("", 3), *u.rows[i][-7:]] for i in segment]
    u.rows[segment[0] : segment[-1] + 1] = label_rows + value_rows
    doc.blocks[at] = u
    return doc


def header_lost(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """A header row lost in two of the three tables (section 三: 自然人/法人/总计 or the five
    organisation types; section 四: the block row or the result row; section 二: a block's
    信息内容 row or its group label row)."""
    options = {
        "requests": [1, 2],
        "review_litigation": [1, 2],
        "proactive": [
            i for i, r in enumerate(rows_of(doc.table(_table_index(doc, "proactive")), truth)) if r.kind != "data"
        ][:2],
    }
    for key in rng.sample(sorted(options), 2):
        at = _table_index(doc, key)
        doc.blocks[at] = drop_row(doc.table(at), rng.choice(options[key]))
    return doc


def heading_run_in(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """Two section headings run into the paragraph before them (a note under the table before,
    or the narrative): "…工作台账。三、收到和处理政府信息公开申请情况"."""
    heads = [i for i, b in enumerate(doc.blocks) if isinstance(b, str) and b[:2] in ("二、", "三、", "四、", "五、")]
    for i in sorted(rng.sample(heads, 2), reverse=True):
        before, heading = doc.blocks[i - 1], doc.blocks[i]
        assert isinstance(heading, str)
        if isinstance(before, str):
            doc.blocks[i - 1 : i + 1] = [before + heading]
        else:
            doc.blocks[i] = NOTE + heading
    return doc


def column_missing(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """One of the five 法人或其他组织 columns of section 三 missing, header and values."""
    at = _table_index(doc, "requests")
    t = doc.table(at)
    j = rng.randrange(1, 6)  # commercial … other_org
    rows = [list(r) for r in t.rows]
    rows[0][-1] = LCell(rows[0][-1].text, rows[0][-1].colspan - 1, rows[0][-1].rowspan)
    rows[1][1] = LCell(rows[1][1].text, rows[1][1].colspan - 1, rows[1][1].rowspan)
    del rows[2][j - 1]
    for r in rows[3:]:
        del r[len(r) - 7 + j]
    doc.blocks[at] = LTable(rows, t.n_cols - 1)
    return doc


def row_split(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """Two rows of section 三 and the value row of section 四 print their values over two
    lines: the first values beside the label, the rest on a row of their own."""
    at = _table_index(doc, "requests")
    t = doc.table(at)
    chosen = sorted(rng.sample(_data_indices(t, truth), 2), reverse=True)
    u = unmerge(t)
    for i in chosen:
        row = u.rows[i]
        m = rng.choice((3, 4, 5))
        u.rows[i : i + 1] = [row[: len(row) - 7 + m], [LCell("", 3), *row[len(row) - 7 + m :]]]
    doc.blocks[at] = u
    rv = _table_index(doc, "review_litigation")
    t = doc.table(rv)
    values = t.rows[-1]
    m = rng.choice((10, 12))
    doc.blocks[rv] = LTable([*t.rows[:-1], values[:m], values[m:]], t.n_cols)
    return doc


def middle_labels_blank(doc: LDoc, truth: dict[str, Any], rng: random.Random) -> LDoc:
    """The labels of a run of rows in the middle of section 三 (sometimes also of section 二)
    printed as nothing: the rows keep their values, the label cells are empty."""
    t = doc.table(_table_index(doc, "requests"))
    rows = rows_of(t, truth)
    data = [r for r in rows if r.kind == "data"]
    start = rng.randrange(4, 9)
    for r in data[start : start + rng.randrange(6, 10)]:
        for c in r.labels:
            c.text = ""
    if rng.random() < 0.5:
        p = [r for r in rows_of(doc.table(_table_index(doc, "proactive")), truth) if r.kind == "data"]
        for r in p[2 : len(p) - 1]:
            r.labels[0].text = ""
    return doc


DAMAGES: dict[str, tuple[Callable[[LDoc, dict[str, Any], random.Random], LDoc], str]] = {
    "labels_dropped": (labels_dropped, "three rows of 三 and one of 二 print their values with no label"),
    "shredded": (shredded, "one group of 三: a run of label-only rows, then a run of value-only rows"),
    "header_lost": (header_lost, "one header row lost in two of the three tables"),
    "heading_run_in": (heading_run_in, "two section headings run into the paragraph (or note) before them"),
    "column_missing": (column_missing, "one 法人或其他组织 column of 三 missing, header and values"),
    "row_split": (row_split, "two rows of 三 and the row of 四 with their values over two lines"),
    "middle_labels_blank": (middle_labels_blank, "a run of middle rows of 三 (sometimes 二) with empty labels"),
}


# ---------------------------------------------------------------- formats


def _tabs(doc: LDoc) -> bytes:
    return "\n".join(_lines(doc, lambda cells: ["\t".join(cells)])).encode("utf-8")


def _spaces(doc: LDoc) -> bytes:
    return "\n".join(_lines(doc, lambda cells: ["    ".join(cells).strip()])).encode("utf-8")


def _md(doc: LDoc) -> bytes:
    return _markdown(doc, _pipe_table).encode("utf-8")


def _html(doc: LDoc) -> bytes:
    body = "\n".join(
        f"<p>{escape(b)}</p>" if isinstance(b, str) else _table(b, lambda c: escape(c.text)) for b in doc.blocks
    )
    return (
        f'<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(doc.title)}</title>'
        f"</head>\n<body><h1>{escape(doc.title)}</h1>\n{body}\n</body></html>\n"
    ).encode()


FORMATS: dict[str, tuple[str, str, Callable[[LDoc], bytes]]] = {
    "tabs": ("txt", "", _tabs),
    "spaces": ("txt", "/", _spaces),
    "markdown": ("md", "", _md),
    "html": ("html", "", _html),
    "docx": ("docx", "/", _document),
}


def render(truth: dict[str, Any], damage: str, fmt: str) -> bytes:
    _ext, blank, printer = FORMATS[fmt]
    doc = copy.deepcopy(layout(truth, blank=blank))
    rng = random.Random(f"damage:{damage}:{truth['agency']}:{truth['report_year']}")
    return printer(DAMAGES[damage][0](doc, truth, rng))
