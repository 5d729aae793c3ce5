"""Text-derived forms of a report: what converters, typists and crawlers make of its tables.

The parser is measured on reports it has never seen, many of them not as published but as
someone's conversion: PDF-to-text and PDF-to-Markdown output (pdftotext, pdfplumber,
pymupdf4llm, marker, MinerU), tables typed by hand into Markdown or text, and the text a
crawler saves from a web page. Each layout here lays a truth out with
`pipelines.synth.layout.layout(truth)` and prints it the way one of those tools does.

    LAYOUTS[name] = (extension, function truth -> (bytes, truth updates), one-line description)

The truth of a file is exactly what it prints. Three layouts change it, and say how in the
returned dict: `typed_labels_*` misreads one character of the agency name ({"agency": ...});
`crawler_run_together` prints some rows with their cells run together, and
`pdftotext_blanks_lost` prints rows whose empty cells vanished, where no reader can know which
value belongs to which cell ({"unreadable_cells": ["requests.granted.total", ...]}): the truth
keeps the real values and lists those cells; the only right answer there is null.

Not registered in `pipelines.synth.render.variants()`: the generated demo city does not use
these layouts (tests/make_converted_corpus.py writes tests/corpus/converted/ from them).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pipelines.synth.layout import LCell, LDoc, LTable, _printed_rows, layout
from pipelines.template import TEMPLATES

Converted = tuple[bytes, dict[str, Any]]
TABLE_OF_WIDTH = {4: "proactive", 10: "requests", 15: "review_litigation"}
HEADINGS = ("一、", "二、", "三、", "四、", "五、", "六、")


# ---------------------------------------------------------------- the layout's rows, classified


@dataclass
class PRow:
    """One row of a laid-out table: header rows, a section 二 block's group label, or data."""

    kind: str  # "header" | "group" | "data"
    cells: list[LCell]
    labels: list[LCell]  # data rows: the label cells (merged group labels where they start)
    values: list[LCell]  # data rows: the value cells, in template column order
    key: str = ""  # data rows: the template row key
    columns: tuple[str, ...] = ()  # data rows: the template column keys of `values`


def table_key(t: LTable) -> str:
    return TABLE_OF_WIDTH[t.n_cols]


def rows_of(t: LTable, truth: dict[str, Any]) -> list[PRow]:
    kind = table_key(t)
    out: list[PRow] = []
    if kind == "review_litigation":
        rows = TEMPLATES[truth["template"]].table("review_litigation").rows
        cols = tuple(f"{r.key}.{c.key}" for r in rows for c in r.columns)
        for i, row in enumerate(t.rows):
            if i < 3:
                out.append(PRow("header", row, [], []))
            else:
                out.append(PRow("data", row, [], list(row), "*", cols))
        return out
    printed = iter(_printed_rows(truth, kind))
    for i, row in enumerate(t.rows):
        if kind == "requests":
            if i < 3:
                out.append(PRow("header", row, [], []))
                continue
            r = next(printed)
            out.append(PRow("data", row, row[:-7], row[-7:], r.key, tuple(c.key for c in r.columns)))
        else:
            if len(row) == 1:
                out.append(PRow("group", row, [], []))
            elif row[0].text == "信息内容":
                out.append(PRow("header", row, [], []))
            else:
                r = next(printed)
                k = len(r.columns)
                out.append(PRow("data", row, row[:1], row[1 : 1 + k], r.key, tuple(c.key for c in r.columns)))
    return out


def place(table: LTable) -> list[tuple[int, int, LCell]]:
    """(row, grid column, cell) of every listed cell, skipping positions covered from above."""
    taken: set[tuple[int, int]] = set()
    out: list[tuple[int, int, LCell]] = []
    for r, row in enumerate(table.rows):
        c = 0
        for cell in row:
            while (r, c) in taken:
                c += 1
            out.append((r, c, cell))
            for dr in range(cell.rowspan):
                for dc in range(cell.colspan):
                    taken.add((r + dr, c + dc))
            c += cell.colspan
    return out


def padded_grid(table: LTable, vertical: bool = False) -> list[list[str]]:
    """The table as a full grid (pymupdf4llm / marker pipe tables): a merged cell's text in its
    top-left position and empty cells over the rest of its span. `vertical`: a tall merged
    label (rowspan > 3) printed one character per line ("三<br>、<br>本…")."""
    grid = [["" for _ in range(table.n_cols)] for _ in table.rows]
    for r, c, cell in place(table):
        text = cell.text
        if vertical and cell.rowspan > 3 and text:
            text = "\n".join(text)
        grid[r][c] = text
    return grid


def wrap(text: str, width: int) -> list[str]:
    """A label as a narrow table cell prints it: lines of `width` characters."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]


def _doc_lines(
    doc: LDoc,
    table: Callable[[LTable], list[str]],
    para: Callable[[str], list[str]] = lambda s: [s],
    title: Callable[[str], list[str]] | None = None,
) -> list[str]:
    lines = title(doc.title) if title else [doc.title, ""]
    for b in doc.blocks:
        lines += para(b) if isinstance(b, str) else table(b)
    return lines


def _md_doc(doc: LDoc, table: Callable[[LTable], list[str]]) -> str:
    lines = [f"# {doc.title}", ""]
    for b in doc.blocks:
        if isinstance(b, str):
            lines += [f"## {b}" if b[:2] in HEADINGS else b, ""]
        else:
            lines += [*table(b), ""]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _pipe(cells: list[str]) -> str:
    return "| " + " | ".join(_md_cell(c) for c in cells) + " |"


def _rule(n: int) -> str:
    return "|" + " --- |" * n


def _encode(lines: list[str] | str, encoding: str = "utf-8") -> bytes:
    text = lines if isinstance(lines, str) else "\n".join(lines) + "\n"
    return text.encode(encoding)


def _rng(truth: dict[str, Any], name: str) -> random.Random:
    return random.Random(f"converted:{name}:{truth['agency']}:{truth['report_year']}")


# ---------------------------------------------------------------- (1) PDF-to-text / PDF-to-Markdown


def _labels_apart(t: LTable, truth: dict[str, Any], after: bool, sep: str) -> list[str]:
    """pdftotext without -layout: the label column comes out as its own run of lines, before
    (or after) the run of value rows; header cells one per line."""
    out: list[str] = []
    labels: list[str] = []
    values: list[str] = []

    def flush() -> None:
        out.extend(values + labels if after else labels + values)
        labels.clear()
        values.clear()

    for r in rows_of(t, truth):
        if r.kind != "data":
            flush()
            out.extend(c.text for c in r.cells if c.text)
            continue
        labels.extend(c.text for c in r.labels if c.text)
        values.append(sep.join(c.text for c in r.values))
    flush()
    return out


def pdftotext_labels_before(truth: dict[str, Any]) -> Converted:
    doc = layout(truth, blank="—")
    return _encode(_doc_lines(doc, lambda t: _labels_apart(t, truth, after=False, sep=" "))), {}


def pdftotext_labels_after(truth: dict[str, Any]) -> Converted:
    doc = layout(truth, blank="/")
    return _encode(_doc_lines(doc, lambda t: _labels_apart(t, truth, after=True, sep="  "))), {}


def _cell_keys(table: str, r: PRow) -> list[str]:
    if table == "review_litigation":
        return [f"{table}.{col}" for col in r.columns]
    return [f"{table}.{r.key}.{col}" for col in r.columns]


def pdftotext_blanks_lost(truth: dict[str, Any]) -> Converted:
    """pdftotext raw output of a table whose blank cells are empty boxes: labels as a run of
    lines, then the value rows with the empty cells simply gone (a row of blanks leaves no line
    at all). A row that lost a cell cannot be placed by anyone; where a run lost a whole line,
    no value line of the run can be paired with its label. Those cells are listed unreadable."""
    doc = layout(truth, blank="")
    unreadable: list[str] = []

    def table(t: LTable) -> list[str]:
        key = table_key(t)
        out: list[str] = []
        run: list[PRow] = []

        def flush() -> None:
            lines = [" ".join(c.text for c in r.values if c.text) for r in run]
            out.extend(c.text for r in run for c in r.labels if c.text)
            out.extend(ln for ln in lines if ln)
            lost_line = any(not ln for ln in lines)
            for r, _ln in zip(run, lines, strict=False):
                if lost_line or any(not c.text for c in r.values):
                    unreadable.extend(_cell_keys(key, r))
            run.clear()

        for r in rows_of(t, truth):
            if r.kind != "data":
                flush()
                out.extend(c.text for c in r.cells if c.text)
            else:
                run.append(r)
        flush()
        return out

    return _encode(_doc_lines(doc, table)), {"unreadable_cells": unreadable}


def md_labels_before(truth: dict[str, Any]) -> Converted:
    """A converter that kept the value grid as a pipe table but printed the label column's text
    as loose lines before it (the table's label cells left empty)."""
    doc = layout(truth, blank="—")

    def table(t: LTable) -> list[str]:
        rows = rows_of(t, truth)
        if table_key(t) == "review_litigation":
            return _pipe_rows([[c.text for c in r.cells] for r in rows])
        loose = [c.text for r in rows if r.kind == "data" for c in r.labels if c.text]
        body = []
        for r in rows:
            if r.kind == "data":
                body.append([""] + [c.text for c in r.values])
            else:
                body.append([c.text for c in r.cells])
        return [*loose, "", *_pipe_rows(body)]

    return _encode(_md_doc(doc, table)), {}


def _pipe_rows(rows: list[list[str]]) -> list[str]:
    out = []
    for i, cells in enumerate(rows):
        out.append(_pipe(cells))
        if i == 0:
            out.append(_rule(max(len(r) for r in rows)))
    return out


def _plumber_line(r: PRow, label: str | None = None) -> str:
    """pdfplumber's extract_text(): the words of one baseline, single spaces between cells."""
    text = label if label is not None else " ".join(c.text for c in r.labels if c.text)
    return " ".join([text, *(c.text for c in r.values)]).strip()


def pdfplumber_wrapped_labels(truth: dict[str, Any]) -> Converted:
    """pdfplumber text of a ruled table whose label cells are narrow: a long label wraps, and the
    row's values share the baseline of one of its lines; the others float as loose lines
    before or after. A merged group label joins the baseline of its group's middle row."""
    rng = _rng(truth, "wrapped")
    doc = layout(truth, blank="—")

    def table(t: LTable) -> list[str]:
        out: list[str] = []
        rows = rows_of(t, truth)
        group_mid: dict[int, str] = {}
        for i, r in enumerate(rows):  # merged group labels: printed on their middle row's line
            for c in r.labels:
                if c.rowspan > 1:
                    group_mid[i + (c.rowspan - 1) // 2] = group_mid.get(i + (c.rowspan - 1) // 2, "") + c.text + " "
        for i, r in enumerate(rows):
            if r.kind != "data":
                out.append(" ".join(c.text for c in r.cells if c.text))
                continue
            if not r.labels:
                out.append(_plumber_line(r))
                continue
            own = [c.text for c in r.labels if c.rowspan == 1]
            label = own[-1] if own else ""
            width = 12 if table_key(t) == "requests" else 8
            parts = wrap(label, width)
            at = {1: 0, 2: rng.choice((0, 1)), 3: 1}.get(len(parts), len(parts) // 2)
            prefix = group_mid.get(i, "")
            for j, part in enumerate(parts):
                if j == at:
                    out.append(_plumber_line(r, prefix + part))
                else:
                    out.append(part)
            if at >= len(parts):
                out.append(_plumber_line(r, prefix))
        return out

    return _encode(_doc_lines(doc, table)), {}


def pdfplumber_total_next_line(truth: dict[str, Any]) -> Converted:
    """pdfplumber text where the last column sits a little lower than the others: on some rows
    the 总计 falls onto a line of its own after the row."""
    rng = _rng(truth, "total_next")
    doc = layout(truth, blank="—")

    def table(t: LTable) -> list[str]:
        out: list[str] = []
        for r in rows_of(t, truth):
            if r.kind != "data":
                out.append(" ".join(c.text for c in r.cells if c.text))
                continue
            label = " ".join(c.text for c in r.labels if c.text)
            vals = [c.text for c in r.values]
            if len(vals) >= 5 and (len(label) > 14 or rng.random() < 0.35):
                out.append(" ".join([label, *vals[:-1]]).strip())
                out.append(vals[-1])
            else:
                out.append(" ".join([label, *vals]).strip())
        return out

    return _encode(_doc_lines(doc, table)), {}


def _merge_header(grid: list[list[str]], n_header: int) -> list[list[str]]:
    """The header rows joined into the first data row, column by column (a converter that did
    not see the rule under the header): "自然人<br>40"."""
    if n_header == 0:
        return grid
    merged = ["\n".join(x for x in col if x) for col in zip(*grid[: n_header + 1], strict=False)]
    return [merged, *grid[n_header + 1 :]]


def md_header_merged(truth: dict[str, Any]) -> Converted:
    doc = layout(truth)

    def table(t: LTable) -> list[str]:
        grid = padded_grid(t)
        rows = rows_of(t, truth)
        n_header = next(i for i, r in enumerate(rows) if r.kind == "data")
        return _pipe_rows(_merge_header(grid, n_header))

    return _encode(_md_doc(doc, table)), {}


def text_header_merged(truth: dict[str, Any]) -> Converted:
    """pdfplumber text where each table's last header line and its first data row share a
    baseline: "结果维持 结果纠正 … 总计 2 1 0 1 4 …" (header words, then the row)."""
    doc = layout(truth, blank="—")

    def table(t: LTable) -> list[str]:
        rows = rows_of(t, truth)
        first = next(i for i, r in enumerate(rows) if r.kind == "data")
        lines = [" ".join(c.text for c in r.cells if c.text) for r in rows]
        if first > 0 and rows[first - 1].kind == "header":
            lines[first] = f"{lines[first - 1]} {lines[first]}"
            del lines[first - 1]
        return lines

    return _encode(_doc_lines(doc, table)), {}


def md_br_padded(truth: dict[str, Any]) -> Converted:
    """pymupdf4llm / marker: every table a pipe table over the full grid, a merged cell's text
    in its first position and empty cells where its span was, wrapped labels with <br>, tall
    merged labels one character per line."""
    doc = layout(truth)

    def table(t: LTable) -> list[str]:
        grid = padded_grid(t, vertical=True)
        for row in grid:
            for i, text in enumerate(row):
                if len(text) > 14 and "\n" not in text:
                    row[i] = "\n".join(wrap(text, 12))
        return _pipe_rows(grid)

    return _encode(_md_doc(doc, table)), {}


def _page_break(truth: dict[str, Any], page: int, pages: int = 5) -> list[str]:
    running = f"{truth['agency']}{truth['report_year']}年政府信息公开工作年度报告"
    return ["", f"- {page} -", "", f"第 {page} 页 共 {pages} 页", running, ""]


def txt_page_marks(truth: dict[str, Any]) -> Converted:
    """Tab text (pdftotext of a ruled table) with the page footer and the next page's running
    title between two rows of each table; the header is not repeated."""
    rng = _rng(truth, "page_marks")
    doc = layout(truth)
    page = [1]

    def table(t: LTable) -> list[str]:
        rows = rows_of(t, truth)
        data = [i for i, r in enumerate(rows) if r.kind == "data"]
        cut = data[len(data) // 2] if len(data) > 2 else None
        out = []
        for i, r in enumerate(rows):
            if i == cut:
                page[0] += 1
                out += _page_break(truth, page[0])[: rng.choice((4, 6))]
            out.append("\t".join(c.text for c in r.cells))
        return out

    return _encode(_doc_lines(doc, table)), {}


def md_page_marks(truth: dict[str, Any]) -> Converted:
    """A converter working page by page: a table across a page break becomes two pipe tables,
    the page footer and running title between them; the second part's first row is its header."""
    doc = layout(truth)
    page = [1]

    def table(t: LTable) -> list[str]:
        rows = rows_of(t, truth)
        grid = padded_grid(t)
        data = [i for i, r in enumerate(rows) if r.kind == "data"]
        cut = data[len(data) // 2 + 1] if len(data) > 3 else None
        if cut is None:
            return _pipe_rows(grid)
        page[0] += 1
        return _pipe_rows(grid[:cut]) + _page_break(truth, page[0]) + _pipe_rows(grid[cut:])

    return _encode(_md_doc(doc, table)), {}


def _vertical_groups(t: LTable, truth: dict[str, Any]) -> tuple[list[PRow], dict[int, list[str]]]:
    """The table's rows with their tall merged labels taken out, and those labels' characters
    spread over the rows they span: {row index: characters printed before that row}."""
    rows = rows_of(t, truth)
    chars: dict[int, list[str]] = {}
    for i, r in enumerate(rows):
        if r.kind != "data":
            continue
        keep = []
        for c in r.labels:
            if c.rowspan > 1 and c.text:
                n = c.rowspan
                for j, ch in enumerate(c.text):
                    chars.setdefault(i + (j * n) // len(c.text), []).append(ch)
            else:
                keep.append(c)
        r.labels = keep
    return rows, chars


def txt_vertical_chars(truth: dict[str, Any]) -> Converted:
    """pdftotext of a table whose merged group labels are tall narrow cells: their characters
    come out one per line, between the rows they stand beside (三 / 、/ 本 / 年 …)."""
    doc = layout(truth)

    def table(t: LTable) -> list[str]:
        rows, chars = _vertical_groups(t, truth)
        out = []
        for i, r in enumerate(rows):
            out += chars.get(i, [])
            if r.kind == "data":
                out.append("\t".join([*(c.text for c in r.labels), *(c.text for c in r.values)]))
            else:
                out.append("\t".join(c.text for c in r.cells))
        return out

    return _encode(_doc_lines(doc, table)), {}


def txt_vertical_inline(truth: dict[str, Any]) -> Converted:
    """pdfplumber text of the same table: a vertical label's character shares the baseline of
    the row beside it ("本 （二）部分公开… 6 0 0 0 0 0 6"), extra characters on lines of their own."""
    doc = layout(truth, blank="—")

    def table(t: LTable) -> list[str]:
        rows, chars = _vertical_groups(t, truth)
        out = []
        for i, r in enumerate(rows):
            here = chars.get(i, [])
            if r.kind != "data":
                out += here
                out.append(" ".join(c.text for c in r.cells if c.text))
                continue
            out += here[:-1]
            lead = here[-1:] if here else []
            out.append(" ".join([*lead, *(c.text for c in r.labels), *(c.text for c in r.values)]))
        return out

    return _encode(_doc_lines(doc, table)), {}


# ---------------------------------------------------------------- (2) typed transcriptions


PLACEHOLDERS = ("数据{}", "Column{}", "列{}")


def _typed_label(r: PRow, sep: str = "") -> str:
    """A typist's one-cell label: the group and the item together ("（三）不予公开1.属于国家秘密")."""
    texts = [c.text for c in r.labels if c.text and c.text != "三、本年度办理结果"]
    return sep.join(texts)


def _typed_tables(truth: dict[str, Any], style: str, pad: bool = True) -> dict[str, list[list[str]]]:
    """The three tables as a typist enters them: one label cell per row, column headers replaced
    by placeholders (数据1 … 数据N, Column1 …, 列1 …) as many as the template has columns."""
    doc = layout(truth, blank="")
    out: dict[str, list[list[str]]] = {}
    for b in doc.blocks:
        if not isinstance(b, LTable):
            continue
        key = table_key(b)
        rows = rows_of(b, truth)
        if key == "review_litigation":
            out[key] = [[style.format(i) for i in range(1, 16)], [c.text for c in rows[-1].values]]
        elif key == "requests":
            body = [["项目", *(style.format(i) for i in range(1, 8))]]
            body += [[_typed_label(r, " "), *(c.text for c in r.values)] for r in rows if r.kind == "data"]
            out[key] = body
        else:
            body = [["信息内容", *(style.format(i) for i in range(1, 4))]]
            for r in rows:
                if r.kind == "data":
                    vals = [c.text for c in r.values]
                    body.append([r.labels[0].text, *vals, *[""] * ((3 - len(vals)) if pad else 0)])
            out[key] = body
    return out


def _typed_md(truth: dict[str, Any], tables: dict[str, list[list[str]]], title: str | None = None) -> str:
    lines = [f"# {title or layout(truth).title}", ""]
    for b in layout(truth).blocks:
        if isinstance(b, str):
            lines += [f"**{b}**" if b[:2] in HEADINGS else b, ""]
        else:
            lines += [*_pipe_rows(tables[table_key(b)]), ""]
    return "\n".join(lines) + "\n"


def _typed_txt(truth: dict[str, Any], tables: dict[str, list[list[str]]], title: str | None = None) -> str:
    lines = [title or layout(truth).title, ""]
    for b in layout(truth).blocks:
        if isinstance(b, str):
            lines.append(b)
        else:
            lines += ["\t".join(row) for row in tables[table_key(b)]]
    return "\n".join(lines) + "\n"


def typed_placeholders_md(truth: dict[str, Any]) -> Converted:
    style = PLACEHOLDERS[_rng(truth, "ph").randrange(3)]
    return _encode(_typed_md(truth, _typed_tables(truth, style))), {}


def typed_placeholders_txt(truth: dict[str, Any]) -> Converted:
    style = PLACEHOLDERS[_rng(truth, "ph_txt").randrange(3)]
    return _encode(_typed_txt(truth, _typed_tables(truth, style, pad=False))), {}


def typed_wrong_header_md(truth: dict[str, Any]) -> Converted:
    """Section 二 typed as one table under the first block's header: the other blocks' header
    rows left out, so 行政许可 | 396 stands under 本年制发件数 | 本年废止件数 | 现行有效件数."""
    doc = layout(truth)

    def table(t: LTable) -> list[str]:
        rows = rows_of(t, truth)
        if table_key(t) != "proactive":
            return _pipe_rows(padded_grid(t))
        header = next(r for r in rows if r.kind == "header")
        body = [[c.text for c in header.cells]]
        body += [[r.labels[0].text, *(c.text for c in r.values)] for r in rows if r.kind == "data"]
        return _pipe_rows(body)

    return _encode(_md_doc(doc, table)), {}


_REVIEW_TITLES = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")


def _review_split(truth: dict[str, Any], blank: str) -> list[tuple[str, list[str], list[str]]]:
    doc = layout(truth, blank=blank)
    t = next(b for b in doc.blocks if isinstance(b, LTable) and table_key(b) == "review_litigation")
    values = [c.text for c in t.rows[-1]]
    parts = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    return [(title, parts, values[5 * i : 5 * i + 5]) for i, title in enumerate(_REVIEW_TITLES)]


def typed_review_tables_md(truth: dict[str, Any]) -> Converted:
    """Section 四 typed as three small tables, one per block, each under its own heading."""
    doc = layout(truth)
    blocks = _review_split(truth, "")

    def table(t: LTable) -> list[str]:
        if table_key(t) != "review_litigation":
            return _pipe_rows(padded_grid(t))
        out: list[str] = []
        for title, parts, values in blocks:
            out += [f"### {title}", "", *_pipe_rows([parts, values]), ""]
        return out

    return _encode(_md_doc(doc, table)), {}


def typed_review_tables_txt(truth: dict[str, Any]) -> Converted:
    doc = layout(truth, blank="/")
    blocks = _review_split(truth, "/")

    def table(t: LTable) -> list[str]:
        if table_key(t) != "review_litigation":
            return ["\t".join(c.text for c in row) for row in t.rows]
        out: list[str] = []
        for title, parts, values in blocks:
            out += [title, "\t".join(parts), "\t".join(values)]
        return out

    return _encode(_doc_lines(doc, table)), {}


# Characters an OCR or a typist confuses (each pair looks or sounds alike).
MISREAD = {
    "局": "居",
    "运": "远",
    "输": "谕",
    "监": "临",
    "江": "汪",
    "区": "匹",
    "政": "玫",
    "滨": "宾",
    "溪": "奚",
    "资": "咨",
    "办": "力",
    "委": "萎",
    "市": "巿",
    "管": "菅",
    "保": "堡",
    "障": "瘴",
}

# Numbering as typists write it: "1." → "1、" / "(1)" / "①"; "（一）" → "(一)" / "一、".
_CIRCLED = "①②③④⑤⑥⑦⑧⑨"


def misread_agency(name: str) -> str:
    """The agency name with one character misread (the first confusable one after the first two)."""
    for i, ch in enumerate(name):
        if i >= 2 and ch in MISREAD:
            return name[:i] + MISREAD[ch] + name[i + 1 :]
    return name


def _retype(label: str, style: int) -> str:
    """A label typed another way: 其它 for 其他, another numbering style."""
    label = label.replace("其他", "其它")
    if label[:1].isdigit() and label[1:2] == ".":
        n = int(label[0])
        label = (f"{n}、{label[2:]}", f"({n}){label[2:]}", f"{_CIRCLED[n - 1]}{label[2:]}")[style % 3]
    elif label.startswith("（") and "）" in label[:4]:
        inner, rest = label[1 : label.index("）")], label[label.index("）") + 1 :]
        label = (f"({inner}){rest}", f"{inner}、{rest}", f"（{inner}）{rest}")[style % 3]
    return label


def _typed_label_tables(truth: dict[str, Any], style: int) -> tuple[str, dict[str, list[list[str]]]]:
    """Tables typed with real headers, but labels typed another way: 其它, numbering, the group
    and item in one cell ("（三）不予公开 1.属于国家秘密"), 部分公开 without its note."""
    doc = layout(truth, blank="")
    out: dict[str, list[list[str]]] = {}
    for b in doc.blocks:
        if not isinstance(b, LTable):
            continue
        key = table_key(b)
        rows = rows_of(b, truth)
        if key == "review_litigation":
            out[key] = [
                ["行政复议"] * 5 + ["行政诉讼（未经复议直接起诉）"] * 5 + ["行政诉讼（复议后起诉）"] * 5,
                [_retype(p, style) for p in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")] * 3,
                [c.text for c in rows[-1].values],
            ]
        elif key == "requests":
            body = [["申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其它", "总计"]]
            for r in rows:
                if r.kind != "data":
                    continue
                texts = [c.text for c in r.labels if c.text and c.text != "三、本年度办理结果"]
                if r.key == "partially_granted":
                    texts = ["（二）部分公开"]
                label = " ".join(_retype(x, style + i) for i, x in enumerate(texts))
                body.append([label, *(c.text for c in r.values)])
            out[key] = body
        else:
            body = []
            for r in rows:
                if r.kind == "header":
                    body.append([c.text for c in r.cells])
                elif r.kind == "data":
                    body.append([r.labels[0].text, *(c.text for c in r.values)])
            out[key] = body
    return misread_agency(truth["agency"]), out


def typed_labels_md(truth: dict[str, Any]) -> Converted:
    agency, tables = _typed_label_tables(truth, 0)
    title = f"{agency}{truth['report_year']}年政府信息公开工作年度报告"
    return _encode(_typed_md(truth, tables, title)), {"agency": agency}


def typed_labels_txt(truth: dict[str, Any]) -> Converted:
    agency, tables = _typed_label_tables(truth, 1)
    title = f"{agency}{truth['report_year']}年政府信息公开工作年度报告"
    return _encode(_typed_txt(truth, tables, title)), {"agency": agency}


# ---------------------------------------------------------------- (3) crawler text


def crawler_cell_lines(truth: dict[str, Any]) -> Converted:
    """A page's text as a scraper saves it (get_text with a newline separator): every cell on
    its own line, a blank line between lines; blank cells print "—"."""
    doc = layout(truth, blank="—")
    lines = _doc_lines(doc, lambda t: [c.text for row in t.rows for c in row if c.text])
    out: list[str] = []
    for ln in lines:
        if ln:
            out += [ln, ""]
    return _encode(out), {}


def crawler_run_together(truth: dict[str, Any]) -> Converted:
    """A scraper that joined each row's cells with no separator: "行政许可3960181" for
    行政许可 | 396 | 0 | 181. Where a cell's HTML carried whitespace a space survives, so some
    rows keep their cells apart. A row where two values run together cannot be read by anyone:
    its cells are listed as unreadable (the truth keeps their values)."""
    rng = _rng(truth, "run_together")
    doc = layout(truth, blank="—")
    unreadable: list[str] = []

    def table(t: LTable) -> list[str]:
        key = table_key(t)
        out = []
        for r in rows_of(t, truth):
            if r.kind != "data":
                out.append("".join(c.text for c in r.cells))
                continue
            label = "".join(c.text for c in r.labels)
            vals = [c.text for c in r.values]
            spaced = rng.random() < 0.4
            seps = [" " if spaced or rng.random() < 0.15 else "" for _ in vals[1:]]
            if "" in seps:  # two values run together: no certain reading of this row
                unreadable.extend(
                    f"{key}.{col}" if key == "review_litigation" else f"{key}.{r.key}.{col}" for col in r.columns
                )
            text = vals[0] if vals else ""
            for sep, v in zip(seps, vals[1:], strict=False):
                text += sep + v
            head = label + (" " if label and rng.random() < 0.5 else "")
            out.append(head + text)
        return out

    return _encode(_doc_lines(doc, table)), {"unreadable_cells": unreadable}


LAYOUTS: dict[str, tuple[str, Callable[[dict[str, Any]], Converted], str]] = {
    # (1) PDF-to-text / PDF-to-Markdown
    "pdftotext_labels_before": (
        "txt",
        pdftotext_labels_before,
        "pdftotext raw: each table's labels as a run of lines, then its value rows (single spaces)",
    ),
    "pdftotext_labels_after": (
        "txt",
        pdftotext_labels_after,
        "pdftotext raw: value rows first (two spaces between values), then the run of labels",
    ),
    "pdftotext_blanks_lost": (
        "txt",
        pdftotext_blanks_lost,
        "pdftotext raw: labels then value rows, blank cells (empty boxes) simply gone; "
        "rows that lost a cell unreadable by design",
    ),
    "md_labels_before": (
        "md",
        md_labels_before,
        "Markdown: labels as loose lines before a pipe table whose label column is empty",
    ),
    "pdfplumber_wrapped_labels": (
        "txt",
        pdfplumber_wrapped_labels,
        "pdfplumber text: long labels wrapped, their other lines loose before/after the row's values; "
        "group label on its middle row",
    ),
    "pdfplumber_total_next_line": (
        "txt",
        pdfplumber_total_next_line,
        "pdfplumber text: on some rows the 总计 alone on the next line",
    ),
    "md_header_merged": (
        "md",
        md_header_merged,
        "pipe tables whose header rows are merged into the first value row (自然人<br>40)",
    ),
    "text_header_merged": (
        "txt",
        text_header_merged,
        "pdfplumber text: each table's last header line on the first data row's line",
    ),
    "md_br_padded": (
        "md",
        md_br_padded,
        "pymupdf4llm/marker pipe tables: full grid, empty cells where spans were, <br> in wrapped and vertical labels",
    ),
    "txt_page_marks": (
        "txt",
        txt_page_marks,
        "tab text with page footer (- 3 -, 第 3 页 共 5 页) and running title between table rows",
    ),
    "md_page_marks": (
        "md",
        md_page_marks,
        "pipe tables split at a page break into two tables, page marks and running title between",
    ),
    "txt_vertical_chars": (
        "txt",
        txt_vertical_chars,
        "tab text: tall group labels one character per line between the rows (三 / 、/ 本 …)",
    ),
    "txt_vertical_inline": (
        "txt",
        txt_vertical_inline,
        "pdfplumber text: a vertical label's character at the start of the row beside it",
    ),
    # (2) typed transcriptions
    "typed_placeholders_md": (
        "md",
        typed_placeholders_md,
        "typed Markdown: placeholder column headers (数据1…, Column1…, 列1…), one label cell per row",
    ),
    "typed_placeholders_txt": (
        "txt",
        typed_placeholders_txt,
        "typed tab text: placeholder column headers, one label cell per row",
    ),
    "typed_wrong_header_md": (
        "md",
        typed_wrong_header_md,
        "typed Markdown: section 二 as one table under the first block's header (行政许可 | 396 under 本年制发件数…)",
    ),
    "typed_review_tables_md": (
        "md",
        typed_review_tables_md,
        "typed Markdown: section 四 as three 5-column tables, one per block under its own heading",
    ),
    "typed_review_tables_txt": (
        "txt",
        typed_review_tables_txt,
        "typed tab text: section 四 as three 5-column blocks under their own heading lines",
    ),
    "typed_labels_md": (
        "md",
        typed_labels_md,
        "typed Markdown: agency name misread, 其它 for 其他, group+item in one cell, other numbering styles",
    ),
    "typed_labels_txt": ("txt", typed_labels_txt, "typed tab text: the same label variations"),
    # (3) crawler text
    "crawler_cell_lines": ("txt", crawler_cell_lines, "crawler text: every cell on its own line, blank lines between"),
    "crawler_run_together": (
        "txt",
        crawler_run_together,
        "crawler text: a row's cells run together without separators (some rows keep spaces); "
        "run-together cells unreadable by design",
    ),
}
