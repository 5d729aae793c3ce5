"""DOCX renderings of a fixture (python-docx): the tables as laid out, the requests table split
in two at the （四） group with a paragraph between, and blanks printed "/"."""

from __future__ import annotations

import io
from typing import Any

from pipelines.synth.layout import LCell, LDoc, LTable, layout
from pipelines.synth.render import deterministic_zip


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


def _add_table(doc: Any, table: LTable) -> None:
    t = doc.add_table(rows=len(table.rows), cols=table.n_cols)
    t.style = "Table Grid"
    # The cells looked up once (Table.cell() rebuilds the whole grid on every call): a cell's
    # top-left <w:tc> stays the same element through the merges of the cells around it.
    grid = [list(row.cells) for row in t.rows]
    for r, c, cell in place(table):
        target = grid[r][c]
        if cell.colspan > 1 or cell.rowspan > 1:
            target = target.merge(grid[r + cell.rowspan - 1][c + cell.colspan - 1])
        target.text = cell.text


def _document(ldoc: LDoc, split_requests: bool = False) -> bytes:
    import docx

    doc = docx.Document()
    doc.core_properties.title = ""
    doc.add_heading(ldoc.title, level=1)
    for block in ldoc.blocks:
        if isinstance(block, str):
            doc.add_paragraph(block)
        elif split_requests and _is_requests(block):
            first, second = _split_requests(block)
            _add_table(doc, first)
            doc.add_paragraph("（续表）")
            _add_table(doc, second)
        else:
            _add_table(doc, block)
    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())


def _is_requests(table: LTable) -> bool:
    return table.n_cols == 10 and "申请人情况" in [c.text for c in table.rows[0]]


def _split_requests(table: LTable) -> tuple[LTable, LTable]:
    """The table cut before the row opening the （四） group, as Word splits a table: the tall
    三、本年度办理结果 cell ends in the first part and an empty merged cell continues it."""
    at = next(i for i, row in enumerate(table.rows) if any(c.text.startswith("（四）") for c in row))
    outcome_at = next(i for i, row in enumerate(table.rows) if any(c.text == "三、本年度办理结果" for c in row))
    rows1 = [[LCell(c.text, c.colspan, c.rowspan) for c in row] for row in table.rows[:at]]
    rows2 = [[LCell(c.text, c.colspan, c.rowspan) for c in row] for row in table.rows[at:]]
    tall = next(c for c in rows1[outcome_at] if c.text == "三、本年度办理结果")
    rest = tall.rowspan - (at - outcome_at)
    tall.rowspan = at - outcome_at
    rows2[0].insert(0, LCell("", 1, rest))
    return LTable(rows1, table.n_cols), LTable(rows2, table.n_cols)


def plain(truth: dict[str, Any]) -> bytes:
    return _document(layout(truth))


def split_table(truth: dict[str, Any]) -> bytes:
    return _document(layout(truth), split_requests=True)


def slash_blanks(truth: dict[str, Any]) -> bytes:
    return _document(layout(truth, blank="/"))


VARIANTS = {
    "plain": ("docx", plain),
    "split_table": ("docx", split_table),
    "slash_blanks": ("docx", slash_blanks),
}


# ---------------------------------------------------------------- Word/WPS exports


def word_export(truth: dict[str, Any]) -> bytes:
    """The plain rendering reshaped as Word/WPS exports look: the title on two paragraphs
    (agency, then year and title), every character its own run, tall merged labels printed
    one character per paragraph, an empty paragraph after each cell's text, the requests table
    wrapped in a content control and its rows shifted right by w:gridBefore."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn

    ldoc = layout(truth)
    ldoc.title = f"{truth['report_year']}年政府信息公开工作年度报告"
    doc = docx.Document(io.BytesIO(_document(ldoc)))
    body = doc.element.body
    body.insert(
        0,
        parse_xml(
            '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:r><w:t>{truth['agency']}</w:t></w:r></w:p>"
        ),
    )
    for t in body.iter(qn("w:t")):
        run = t.getparent()
        text = t.text or ""
        if len(text) > 1 and run.tag == qn("w:r"):
            parent = run.getparent()
            at = parent.index(run)
            for i, ch in enumerate(text):
                new = parse_xml(
                    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                    '<w:t xml:space="preserve"></w:t></w:r>'
                )
                new[0].text = ch
                parent.insert(at + 1 + i, new)
            parent.remove(run)
    for tc in body.iter(qn("w:tc")):
        paras = tc.findall(qn("w:p"))
        text = "".join(t.text or "" for t in tc.iter(qn("w:t")))
        if text in ("三、本年度办理结果", "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"):
            for para in paras:
                tc.remove(para)
            for ch in text:
                tc.append(
                    parse_xml(
                        '<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                        f"<w:r><w:t>{ch}</w:t></w:r></w:p>"
                    )
                )
        tc.append(parse_xml('<w:p xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'))
    tables = body.findall(qn("w:tbl"))
    requests = tables[1]
    for tr in requests.findall(qn("w:tr")):
        tr.insert(
            0,
            parse_xml(
                '<w:trPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                '<w:gridBefore w:val="1"/></w:trPr>'
            ),
        )
    grid = requests.find(qn("w:tblGrid"))
    grid.insert(
        0, parse_xml('<w:gridCol xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" w:w="200"/>')
    )
    sdt = parse_xml(
        '<w:sdt xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:sdtPr/><w:sdtContent/></w:sdt>"
    )
    body.replace(requests, sdt)
    sdt[1].append(requests)
    out = io.BytesIO()
    doc.save(out)
    return deterministic_zip(out.getvalue())


VARIANTS["word_export"] = ("docx", word_export)
