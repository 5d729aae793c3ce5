"""The XLSX reader on small workbooks built here; expected values are written by hand."""

from __future__ import annotations

import io

import pytest

from pipelines.formats.xlsx import number_text, read_xlsx
from pipelines.model import ParseError
from pipelines.parsing import parse_bytes, sniff_format


def save(wb) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook():
    import openpyxl

    return openpyxl.Workbook()


def boxed(ws, ref: str) -> None:
    from openpyxl.styles import Border, Side

    thin = Side(style="thin")
    for row in ws[ref]:
        for cell in row:
            cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)


def cells(row) -> list[tuple[int, int, str]]:
    return [(c.col, c.span, c.text) for c in row.cells]


def test_merged_ranges_are_one_cell_and_covered_cells_are_omitted() -> None:
    wb = workbook()
    ws = wb.active
    ws["A1"] = "三、本年度办理结果"
    ws.merge_cells("A1:A2")  # vertical
    ws["B1"] = "（一）予以公开"
    ws["D1"] = 12
    ws.merge_cells("B1:C1")  # horizontal
    ws["B2"], ws["C2"], ws["D2"] = "（二）部分公开", "x", 6
    grid = read_xlsx(save(wb))
    rows = [r for r in grid.rows if r.positional]
    assert cells(rows[0]) == [(0, 1, "三、本年度办理结果"), (1, 2, "（一）予以公开"), (3, 1, "12")]
    assert cells(rows[1]) == [(1, 1, "（二）部分公开"), (2, 1, "x"), (3, 1, "6")]
    assert rows[0].cells[2].source == "sheet Sheet cell D1"
    assert rows[1].source == "sheet Sheet row 2"


@pytest.mark.parametrize(
    "value,fmt,text",
    [
        (35.62, "General", "35.62"),
        (12.0, "General", "12"),
        (12, "General", "12"),
        (0.1 + 0.2, "General", "0.3"),
        (35.6, "0.00", "35.60"),
        (35.625, "0.00", "35.63"),
        (35.62, "0", "36"),
        (1375, "#,##0", "1375"),
        (251000, '0"元"', "251000"),
        (2, "+0;-0;0", "2"),
        (-3, "General", "-3"),
        (0.5, "0%", "50%"),
        (3.5, "0.0#", "3.5"),
        (3.456, "0.0#", "3.46"),
    ],
)
def test_number_text(value, fmt, text) -> None:
    assert number_text(value, fmt) == text


def test_numbers_in_cells_and_numbers_stored_as_text() -> None:
    wb = workbook()
    ws = wb.active
    ws.append(["行政事业性收费", 35.62, 12.0, "12", "0", None, 7])
    ws["C1"].number_format = "General"
    row = read_xlsx(save(wb)).rows[0]
    # the empty F1 lies between two cells with content: it is a blank cell
    assert cells(row) == [
        (0, 1, "行政事业性收费"),
        (1, 1, "35.62"),
        (2, 1, "12"),
        (3, 1, "12"),
        (4, 1, "0"),
        (5, 1, ""),
        (6, 1, "7"),
    ]


def test_trailing_empty_cells_are_cells_only_when_boxed() -> None:
    wb = workbook()
    ws = wb.active
    ws.append(["a", 1, 2, None])
    ws.append(["b", 1, 2, None])
    boxed(ws, "A1:D1")
    boxed(ws, "F2:F2")  # a stray bordered cell beyond a gap: not part of the row
    rows = read_xlsx(save(wb)).rows
    assert cells(rows[0]) == [(0, 1, "a"), (1, 1, "1"), (2, 1, "2"), (3, 1, "")]
    assert cells(rows[1]) == [(0, 1, "b"), (1, 1, "1"), (2, 1, "2")]
    wb2 = workbook()
    wb2.active.append([None, "c", 3, None, None])
    assert cells(read_xlsx(save(wb2)).rows[0]) == [(1, 1, "c"), (2, 1, "3")]


def test_sheets_in_order_with_their_names_default_and_hidden_skipped() -> None:
    wb = workbook()
    wb.active["A1"] = "一"
    ws = wb.create_sheet("三、收到和处理政府信息公开申请情况")
    ws["A1"] = "二"
    hidden = wb.create_sheet("草稿")
    hidden["A1"] = "old"
    hidden.sheet_state = "hidden"
    grid = read_xlsx(save(wb))
    assert [r.text for r in grid.rows] == ["一", "三、收到和处理政府信息公开申请情况", "二"]
    assert grid.rows[1].positional is False


def test_fully_empty_rows_are_skipped() -> None:
    wb = workbook()
    ws = wb.active
    ws["A1"], ws["A4"] = "x", "y"
    boxed(ws, "A2:C2")
    assert [r.source for r in read_xlsx(save(wb)).rows] == ["sheet Sheet row 1", "sheet Sheet row 4"]


def test_properties_title_only_when_the_sheets_have_none() -> None:
    wb = workbook()
    wb.properties.title = "测试局2022年政府信息公开工作年度报告"
    wb.active["A1"] = "表格"
    grid = read_xlsx(save(wb))
    assert grid.rows[0].text == "测试局2022年政府信息公开工作年度报告"
    assert grid.rows[0].source == "workbook properties title"
    wb.active["A1"] = "测试局2023年政府信息公开工作年度报告"
    grid = read_xlsx(save(wb))
    assert [r.text for r in grid.rows] == ["测试局2023年政府信息公开工作年度报告"]


def test_uncomputed_formula_is_not_a_blank() -> None:
    wb = workbook()
    ws = wb.active
    ws.append(["x", 1, 2, "=B1+C1"])  # saved by openpyxl: no cached value
    row = read_xlsx(save(wb)).rows[0]
    assert row.cells[3].text == "=B1+C1"


def test_workbook_with_no_report_is_parse_error() -> None:
    wb = workbook()
    wb.active.append(["姓名", "金额"])
    wb.active.append(["张三", 12])
    data = save(wb)
    assert sniff_format(data) == "xlsx"
    with pytest.raises(ParseError):
        parse_bytes(data, "book.xlsx")


def test_corrupt_and_encrypted_files_raise_parse_error() -> None:
    with pytest.raises(ParseError, match="corrupt"):
        read_xlsx(b"PK\x03\x04 broken")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "EncryptedPackage".encode("utf-16-le")
    assert sniff_format(ole, "r.xlsx") == "xlsx"
    with pytest.raises(ParseError, match="password-protected"):
        parse_bytes(ole, "r.xlsx")


def test_small_report_end_to_end() -> None:
    """Title row, a sheet per table without headings, merged labels, a blank boxed total."""
    wb = workbook()
    ws = wb.active
    ws.title = "封面"
    ws["A1"] = "测试镇人民政府2021年政府信息公开工作年度报告"
    rq = wb.create_sheet("三、收到和处理政府信息公开申请情况")
    rq.append(["一、本年新收政府信息公开申请数量", None, None, 3, 1, 0, 0, 0, 0, 4])
    rq.merge_cells("A1:C1")
    rq.append(["三、本年度办理结果", "（一）予以公开", None, 2.0, "1", 0, 0, 0, 0, None])
    rq.merge_cells("B2:C2")
    rq.append([None, "（三）不予公开", "1.属于国家秘密", 0, 0, 0, 0, 0, 0, 0])
    rq.merge_cells("A2:A3")
    boxed(rq, "A1:J3")
    rv = wb.create_sheet("四、政府信息公开行政复议、行政诉讼情况")
    rv.append([1, 0, 0, 0, 1] + [0] * 10)
    got = parse_bytes(save(wb), "r.xlsx").to_json()
    assert (got["agency"], got["report_year"]) == ("测试镇人民政府", 2021)
    assert got["requests"]["new_received"]["total"] == 4
    assert got["requests"]["granted"] == {
        "natural_person": 2,
        "commercial": 1,
        "research": 0,
        "social_org": 0,
        "legal_service": 0,
        "other_org": 0,
        "total": None,
    }
    assert got["requests"]["denied_state_secret"]["natural_person"] == 0
    assert got["review_litigation"]["review"] == {"upheld": 1, "corrected": 0, "other": 0, "pending": 0, "total": 1}
