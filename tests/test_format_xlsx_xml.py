"""The XLSX reader on workbooks written here part by part as XML (no library in between): shared
and inline strings, numbers as numbers and as text, empty and bordered cells, merged ranges,
hidden sheets, formulas. Expected values are written from the workbook's content. Each workbook is
also read through openpyxl (the reader the direct one replaced, kept for what it does not know):
both give the same grid."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import pytest

from pipelines.formats import xlsx
from pipelines.formats.xlsx import read_xlsx
from pipelines.model import ParseError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

# styles: 0 plain General; 1 thin box; 2 number format "0.00"; 3 a date format; 4 border style "none"
STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}">
<numFmts count="1"><numFmt numFmtId="164" formatCode="0.00"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="3"><border><left/><right/><top/><bottom/><diagonal/></border>
<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border>
<border><left style="none"/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="1" xfId="0" applyBorder="1"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="0" borderId="2" xfId="0"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""


def sheet(rows: str, merges: tuple[str, ...] = (), extra: str = "") -> str:
    merge = (
        (f'<mergeCells count="{len(merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merges) + "</mergeCells>")
        if merges
        else ""
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN}" xmlns:r="{REL}">'
        f"<sheetData>{rows}</sheetData>{merge}{extra}</worksheet>"
    )


def build(
    sheets: list[tuple[str, str, str]],
    strings: list[str] | None = None,
    title: str | None = None,
    strings_xml: str | None = None,
) -> bytes:
    """A workbook package: sheets are (name, worksheet XML, state)."""
    parts: dict[str, str] = {}
    overrides = [
        ("/xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        ("/xl/styles.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"),
    ]
    wb_rels = [f'<Relationship Id="rIdS" Type="{REL}/styles" Target="styles.xml"/>']
    entries = []
    for i, (name, xml, state) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        overrides.append(
            (
                f"/xl/worksheets/sheet{i}.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
            )
        )
        wb_rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
        st = f' state="{state}"' if state != "visible" else ""
        entries.append(f'<sheet name="{name}" sheetId="{i}"{st} r:id="rId{i}"/>')
    if strings is not None or strings_xml is not None:
        if strings_xml is None:
            strings_xml = "".join(f"<si><t>{s}</t></si>" for s in strings or [])
        parts["xl/sharedStrings.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}">{strings_xml}</sst>'
        )
        overrides.append(
            ("/xl/sharedStrings.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
        )
        wb_rels.append(f'<Relationship Id="rIdT" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" '
        f'xmlns:r="{REL}"><sheets>{"".join(entries)}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = f'<Relationships xmlns="{PKG}">{"".join(wb_rels)}</Relationships>'
    parts["xl/styles.xml"] = STYLES
    root_rels = [f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>']
    if title is not None:
        parts["docProps/core.xml"] = (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>'
        )
        overrides.append(("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"))
        root_rels.append(
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/>'
        )
    parts["_rels/.rels"] = f'<Relationships xmlns="{PKG}">{"".join(root_rels)}</Relationships>'
    parts["[Content_Types].xml"] = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text.encode("utf-8"))
    return out.getvalue()


TITLE = "宁江市测试局2023年政府信息公开工作年度报告"


def c(ref: str, value: str = "", t: str | None = None, s: int | None = None, f: str | None = None) -> str:
    attrs = f' r="{ref}"' + (f' t="{t}"' if t else "") + (f' s="{s}"' if s is not None else "")
    if t == "inlineStr":
        return f"<c{attrs}><is><t>{value}</t></is></c>"
    inner = (f"<f>{f}</f>" if f else "") + (f"<v>{value}</v>" if value != "" else "")
    return f"<c{attrs}>{inner}</c>" if inner else f"<c{attrs}/>"


def row(r: int, *cells: str) -> str:
    return f'<row r="{r}">{"".join(cells)}</row>'


def positional(grid) -> list[list[tuple[int, int, str]]]:
    return [[(c.col, c.span, c.text) for c in r.cells] for r in grid.rows if r.positional]


def assert_same_as_openpyxl(data: bytes, direct: bool = True) -> None:
    """The direct reader is used (or not) and gives the grid openpyxl gives."""
    z = xlsx._check_package(data)
    if direct:
        xlsx._read_direct(z)
    else:
        with pytest.raises(xlsx._Unsupported):
            xlsx._read_direct(z)
    a, b = read_xlsx(data), xlsx._read_openpyxl(data)

    def dump(g: Any) -> list[Any]:
        return [(r.source, r.positional, [(c.text, c.col, c.span, c.source) for c in r.cells]) for r in g.rows]

    assert dump(a) == dump(b)
    assert a.text == b.text


def test_shared_and_inline_strings_and_rich_text_runs() -> None:
    runs = (
        "<si><t>（一）予以公开</t></si><si><r><rPr><b/></rPr><t>政府信息</t></r><r><t>公开</t></r></si>"
        '<si><t xml:space="preserve">  带空格  </t><rPh sb="0" eb="1"><t>よみ</t></rPh></si>'
    )
    data = build(
        [
            (
                "Sheet1",
                sheet(
                    row(1, c("A1", TITLE, "inlineStr"))
                    + row(2, c("A2", "0", "s"), c("B2", "1", "s"), c("C2", "2", "s"))
                ),
                "visible",
            )
        ],
        strings_xml=runs,
    )
    grid = read_xlsx(data)
    assert positional(grid) == [[(0, 1, TITLE)], [(0, 1, "（一）予以公开"), (1, 1, "政府信息公开"), (2, 1, "带空格")]]
    assert grid.rows[0].cells[0].source == "sheet Sheet1 cell A1"  # a default sheet name prints no name row
    assert_same_as_openpyxl(data)


def test_numbers_as_numbers_and_as_text() -> None:
    rows = row(1, c("A1", TITLE, "inlineStr")) + row(
        2,
        c("A2", "申请", "inlineStr"),
        c("B2", "3"),
        c("C2", "3.0"),
        c("D2", "35.6", s=2),
        c("E2", "1E3"),
        c("F2", "12", "str"),
        c("G2", "0"),
        c("H2", "1", "b"),
        c("I2", "#N/A", "e"),
        c("J2", " 7 ", "inlineStr"),
        c("K2", "0.30000000000000004"),
    )
    data = build([("数据", sheet(rows), "visible")])
    grid = read_xlsx(data)
    assert grid.rows[0].cells[0].text == "数据" and not grid.rows[0].positional  # the sheet's name
    assert positional(grid)[1] == [
        (0, 1, "申请"),
        (1, 1, "3"),
        (2, 1, "3"),
        (3, 1, "35.60"),
        (4, 1, "1000"),
        (5, 1, "12"),
        (6, 1, "0"),
        (7, 1, "TRUE"),
        (8, 1, "#N/A"),
        (9, 1, "7"),
        (10, 1, "0.3"),
    ]
    assert_same_as_openpyxl(data)


def test_empty_cells_inside_a_row_are_blanks_outside_only_when_boxed() -> None:
    rows = (
        row(1, c("A1", TITLE, "inlineStr"))
        + row(
            2, c("A2", "（一）予以公开", "inlineStr"), c("B2"), c("C2", "5"), c("D2", s=1), c("E2", s=0), c("F2", s=1)
        )
        + row(3, c("A3", s=4), c("B3", "x", "inlineStr"), c("C3", s=4))
    )
    data = build([("Sheet1", sheet(rows), "visible")])
    grid = positional(read_xlsx(data))
    # B2 written empty: a blank between values; D2 boxed: a blank of the table; E2 unboxed stops the row
    assert grid[1] == [(0, 1, "（一）予以公开"), (1, 1, ""), (2, 1, "5"), (3, 1, "")]
    assert grid[2] == [(1, 1, "x")]  # border style "none" is no border
    assert_same_as_openpyxl(data)


def test_merged_ranges_span_and_cover() -> None:
    rows = (
        row(1, c("A1", TITLE, "inlineStr"))
        + row(2, c("A2", "三、结果", "inlineStr"), c("B2", "（一）予以公开", "inlineStr"), c("D2", "12"))
        + row(3, c("B3", "（二）部分公开", "inlineStr"), c("C3", "x", "inlineStr"), c("D3", "6"))
        + row(4, c("A4", "covered", "inlineStr"), c("B4", "合计", "inlineStr"), c("C4", "18"))
    )
    data = build([("Sheet1", sheet(rows, merges=("A2:A4", "B2:C2")), "visible")])
    grid = positional(read_xlsx(data))
    assert grid[1] == [(0, 1, "三、结果"), (1, 2, "（一）予以公开"), (3, 1, "12")]
    assert grid[2] == [(1, 1, "（二）部分公开"), (2, 1, "x"), (3, 1, "6")]
    assert grid[3] == [(1, 1, "合计"), (2, 1, "18")]  # A4 is covered by A2:A4: its text is not read
    assert_same_as_openpyxl(data)


def test_hidden_sheets_are_skipped_and_sheets_keep_workbook_order() -> None:
    data = build(
        [
            ("一、总体情况", sheet(row(1, c("A1", TITLE, "inlineStr"))), "visible"),
            ("草稿", sheet(row(1, c("A1", "不要", "inlineStr"))), "hidden"),
            ("Sheet3", sheet(row(1, c("A1", "二、主动公开", "inlineStr"))), "visible"),
        ]
    )
    grid = read_xlsx(data)
    assert [r.text for r in grid.rows] == ["一、总体情况", TITLE, "二、主动公开"]
    assert_same_as_openpyxl(data)


def test_title_property_when_no_sheet_prints_a_title() -> None:
    data = build(
        [("数据", sheet(row(1, c("A1", "（一）予以公开", "inlineStr"), c("B1", "4"))), "visible")], title=TITLE
    )
    grid = read_xlsx(data)
    assert grid.rows[0].text == TITLE and grid.rows[0].source == "workbook properties title"
    assert [r.text for r in grid.rows[1:]] == ["数据", "（一）予以公开 4"]
    assert_same_as_openpyxl(data)


def test_formulas_with_and_without_cached_values() -> None:
    computed = build(
        [
            (
                "Sheet1",
                sheet(
                    row(1, c("A1", TITLE, "inlineStr"))
                    + row(2, c("A2", "合计", "inlineStr"), c("B2", "9", f="SUM(C2:D2)"), c("C2", "4"), c("D2", "5"))
                ),
                "visible",
            )
        ]
    )
    assert positional(read_xlsx(computed))[1] == [(0, 1, "合计"), (1, 1, "9"), (2, 1, "4"), (3, 1, "5")]
    assert_same_as_openpyxl(computed)
    # never computed: not a blank, the formula's text (left to openpyxl, which reads formulas)
    uncomputed = build(
        [
            (
                "Sheet1",
                sheet(
                    row(1, c("A1", TITLE, "inlineStr"))
                    + row(2, c("A2", "合计", "inlineStr"), c("B2", f="SUM(C2:D2)"), c("C2", "4"))
                ),
                "visible",
            )
        ]
    )
    assert positional(read_xlsx(uncomputed))[1] == [(0, 1, "合计"), (1, 1, "=SUM(C2:D2)"), (2, 1, "4")]
    assert_same_as_openpyxl(uncomputed, direct=False)


def test_dates_are_left_to_openpyxl() -> None:
    data = build(
        [
            (
                "Sheet1",
                sheet(
                    row(1, c("A1", TITLE, "inlineStr"))
                    + row(2, c("A2", "发布日期", "inlineStr"), c("B2", "45292", s=3))
                ),
                "visible",
            )
        ]
    )
    assert positional(read_xlsx(data))[1] == [(0, 1, "发布日期"), (1, 1, "2024-01-01 00:00:00")]
    assert_same_as_openpyxl(data, direct=False)


def test_far_cell_is_refused_by_the_used_range() -> None:
    data = build(
        [("Sheet1", sheet(row(1, c("A1", TITLE, "inlineStr")) + row(1048576, c("XFD1048576", "1"))), "visible")]
    )
    with pytest.raises(ParseError, match=r"spans 1,048,576 rows × 16,384 columns"):
        read_xlsx(data)


def test_a_dtd_in_a_sheet_is_refused() -> None:
    bomb = sheet(row(1, c("A1", "&lol;", "inlineStr"))).replace(
        "<worksheet", '<!DOCTYPE worksheet [<!ENTITY lol "lol">]>\n<worksheet', 1
    )
    with pytest.raises(ParseError, match="declares a DTD"):
        read_xlsx(build([("Sheet1", bomb, "visible")]))


def test_an_entity_reference_is_not_expanded() -> None:
    """No DTD, no entities: an undeclared entity is an XML error; the file is left to openpyxl,
    which refuses it as before."""
    data = build([("Sheet1", sheet(row(1, c("A1", "&ext;", "inlineStr"))), "visible")])
    with pytest.raises(ParseError, match="XLSX cannot be opened"):
        read_xlsx(data)
