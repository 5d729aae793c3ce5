"""The XLSX reader's plain path (formats/xlsx.py _read_sheet_plain: a sheet written the usual way is
read from its bytes, checked well-formed without a tree) on sheets written here as XML. A plainly
written sheet is read by it; anything unusual (comments, CDATA, other namespaces, pretty-printed
cells, cells outside rows or written twice …) is left to the lxml tree. Either way the grid is the
one openpyxl gives and the values are the ones written."""

from __future__ import annotations

import pytest

from pipelines.formats import xlsx
from pipelines.formats.xlsx import read_xlsx
from pipelines.model import ParseError
from tests.test_format_xlsx_xml import MAIN, REL, TITLE, assert_same_as_openpyxl, build, c, positional, row, sheet


def plain(xml: str) -> bool:
    """Whether the plain path reads the sheet (with the test stylesheet, no shared strings)."""
    from tests.test_format_xlsx_xml import STYLES

    styles = xlsx._Styles(STYLES.encode())
    cells = xlsx._PlainCells(["甲", "乙"], styles)
    return xlsx._read_sheet_plain(xml.encode(), xlsx._Sheet("Sheet1", True), cells, styles)


def workbook(xml: str) -> bytes:
    return build([("Sheet1", xml, "visible")], strings=["甲", "乙"])


HEAD = row(1, c("A1", TITLE, "inlineStr"))


def test_a_plain_sheet_is_read_from_its_bytes() -> None:
    rows = (
        HEAD
        + row(
            2,
            c("A2", "&#30003;&#35831; &amp; &lt;x&gt;", "inlineStr"),  # character references and the five entities
            c("B2", "1", "s"),
            c("C2", "35.6", s=2),
            c("D2", "9", f="SUM(E2:F2)"),
            c("E2", "4"),
            c("F2", s=1),
            '<c r="G2"></c>',
            c("H2", "1", "b"),
            c("I2", "#DIV/0!", "e"),
            '<c r="J2" s="1" t="str"><f t="shared" si="0"/><v>txt</v></c>',
            '<c r="K2"><is><t xml:space="preserve">  y  </t></is></c>',  # not inlineStr: no value
            c("L2", "5"),
        )
        + '<row r="3" spans="1:3" ht="20" customHeight="1"><c r="A3" t="inlineStr"><is><t>三</t></is></c></row>'
    )
    xml = sheet(rows, merges=("B3:C3",))
    assert plain(xml)
    grid = positional(read_xlsx(workbook(xml)))
    assert grid[1] == [
        (0, 1, "申请 & <x>"),
        (1, 1, "乙"),
        (2, 1, "35.60"),
        (3, 1, "9"),
        (4, 1, "4"),
        (5, 1, ""),
        (6, 1, ""),
        (7, 1, "TRUE"),
        (8, 1, "#DIV/0!"),
        (9, 1, "txt"),
        (10, 1, ""),
        (11, 1, "5"),
    ]
    assert grid[2] == [(0, 1, "三"), (1, 2, "")]  # the merged range next to it is a blank of the row
    assert_same_as_openpyxl(workbook(xml))


UNUSUAL = {
    "comment in the cells": HEAD + row(2, c("A2", "甲", "inlineStr"), "<!-- note -->", c("B2", "2")),
    "CDATA": HEAD + row(2, '<c r="A2" t="inlineStr"><is><t><![CDATA[a<b]]></t></is></c>', c("B2", "2")),
    "pretty-printed cells": HEAD + '<row r="2">\n  <c r="A2">\n    <v>7</v>\n  </c>\n</row>',
    "attributes in another order": HEAD + row(2, '<c r="A2" t="n" s="1"><v>7</v></c>', c("B2", "2")),
    "a cell outside any row": HEAD + c("A2", "7") + row(3, c("A3", "8")),
    "a cell written twice": HEAD + row(2, c("A2", "7"), c("A2", "8")),
    "a cell without r": HEAD + row(2, "<c><v>7</v></c>", "<c><v>8</v></c>"),
    "a row in another namespace": HEAD + '<row r="2" xmlns="urn:x">' + c("A2", "7") + "</row>" + row(3, c("A3", "8")),
    "a rich inline string": HEAD + row(2, '<c r="A2" t="inlineStr"><is><r><t>甲</t></r><r><t>乙</t></r></is></c>'),
    "a carriage return in a text": HEAD + row(2, c("A2", "甲\r\n乙", "inlineStr")),
    "a row of a row": HEAD + '<row r="2"><row r="3"/></row>',
}


# Rows as the tree reads them: a cell goes to the row of its reference, a <row> only has to hold it.
PLAIN_TOO = {
    "a cell of another row": HEAD + row(2, c("A3", "7")) + row(3, c("B3", "8")),
    "a row without r": HEAD + "<row>" + c("A2", "7") + "</row>",
    "rows without cells": HEAD + '<row r="2"/>' + row(3, c("A3", "8")) + '<row r="4" ht="20"/>',
}


@pytest.mark.parametrize("name", sorted(PLAIN_TOO))
def test_rows_written_otherwise_are_still_plain(name: str) -> None:
    xml = sheet(PLAIN_TOO[name])
    assert plain(xml)
    assert_same_as_openpyxl(workbook(xml))


@pytest.mark.parametrize("name", sorted(UNUSUAL))
def test_anything_unusual_is_left_to_the_tree_with_the_same_grid(name: str) -> None:
    xml = sheet(UNUSUAL[name])
    assert not plain(xml)
    data = workbook(xml)
    if name == "a row of a row":  # a row's child that is no cell: the direct reader leaves it to openpyxl
        assert_same_as_openpyxl(data, direct=False)
    else:
        assert_same_as_openpyxl(data)


def test_a_prefixed_main_namespace_is_left_to_the_tree() -> None:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<x:worksheet xmlns:x="{MAIN}" xmlns:r="{REL}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>甲</x:t></x:is></x:c><x:c r="B1"><x:v>3</x:v></x:c>'
        "</x:row></x:sheetData></x:worksheet>"
    )
    assert not plain(xml)
    assert positional(read_xlsx(workbook(xml))) == [[(0, 1, "甲"), (1, 1, "3")]]


@pytest.mark.parametrize(
    "broken",
    [
        HEAD + row(2, c("A2", "7")).replace("</row>", ""),  # a row never closed
        HEAD + row(2, c("A2", "&#0;", "inlineStr")),  # not a character
        HEAD + row(2, c("A2", "&nbsp;", "inlineStr")),  # an entity XML does not define
    ],
)
def test_a_malformed_sheet_is_refused_as_before(broken: str) -> None:
    xml = sheet(broken)
    assert not plain(xml)
    with pytest.raises(ParseError, match="XLSX cannot be opened"):
        read_xlsx(workbook(xml))


def test_a_formula_without_a_value_and_a_date_are_left_to_openpyxl() -> None:
    for rows in (HEAD + row(2, c("A2", f="SUM(B2:C2)")), HEAD + row(2, c("A2", "45292", s=3))):
        assert not plain(sheet(rows))
        assert_same_as_openpyxl(workbook(sheet(rows)), direct=False)
