"""`export_workbook` on a small generated city: one Dagster+dbt run (`export_city`), then the
workbook is loaded back with openpyxl and compared with the warehouse and the city's defects.csv.

Only the city is in the raw folder (no real reports; a broken PDF, quarantined), so the findings of
a year are exactly the defects.csv rows of that year.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipelines.export import (
    FINDINGS_HEADER,
    FINDINGS_SHEET,
    REVIEW_HEADER,
    REVIEW_SHEET,
    SUMMARY_HEADER,
    SUMMARY_SHEET,
    column_label,
    export_workbook,
    row_label,
    table_label,
)
from pipelines.monitoring import read_defects
from pipelines.template import LEVEL_LABELS, RULE_TEXT
from pipelines.warehouse import READ_QUALITY_LABELS
from tests.conftest import EXPORT_YEARS
from tests.conftest import query as _query

CITY = "city"
YEARS = EXPORT_YEARS


@pytest.fixture(scope="module")
def city(export_city: tuple[Path, Path]) -> tuple[Path, Path]:
    """The city's raw folder and warehouse: `export_city` (tests/conftest.py), shared with
    tests/test_celery_shards.py."""
    return export_city


def _rows(ws: Any) -> list[dict[str, Any]]:
    values = list(ws.iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, r, strict=False)) for r in values[1:]]


def _day(value: Any) -> dt.date | None:
    return value.date() if isinstance(value, dt.datetime) else value


@pytest.fixture(scope="module")
def workbooks(city: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    _, warehouse = city
    out = tmp_path_factory.mktemp("export")
    return {y: export_workbook(warehouse, y, out / f"ogi_{y}.xlsx") for y in YEARS}


@pytest.mark.parametrize("year", YEARS)
def test_sheets_header_frozen_and_filtered(workbooks: dict[int, Path], year: int) -> None:
    wb = openpyxl.load_workbook(workbooks[year])
    assert wb.sheetnames == [SUMMARY_SHEET, FINDINGS_SHEET, REVIEW_SHEET]
    for ws, header in (
        (wb[SUMMARY_SHEET], SUMMARY_HEADER),
        (wb[FINDINGS_SHEET], FINDINGS_HEADER),
        (wb[REVIEW_SHEET], REVIEW_HEADER),
    ):
        assert [c.value for c in ws[1]] == list(header)
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}{ws.max_row}"
        for letter in (openpyxl.utils.get_column_letter(i) for i in range(1, len(header) + 1)):
            assert 4 <= ws.column_dimensions[letter].width <= 62
        # no formulas anywhere
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


@pytest.mark.parametrize("year", YEARS)
def test_summary_is_every_expected_agency_with_its_status(
    city: tuple[Path, Path], workbooks: dict[int, Path], year: int
) -> None:
    _, warehouse = city
    ws = openpyxl.load_workbook(workbooks[year])[SUMMARY_SHEET]
    rows = _rows(ws)
    expected = _query(
        warehouse,
        """
        SELECT c.agency_id, c.agency_name, c.level, p.name, c.status_zh, c.on_time, c.first_published_at,
               c.deadline, c.n_findings, c.read_quality, c.n_cells_unread
        FROM marts.agency_year_compliance c LEFT JOIN marts.dim_agency p ON p.agency_id = c.parent_id
        WHERE c.report_year = ?""",
        [year],
    )
    n_expected = _query(
        warehouse, "SELECT count(*) FROM marts.agency_year_compliance WHERE report_year = ? AND is_expected", [year]
    )[0][0]
    assert len(rows) == len(expected) >= n_expected > 0
    # a body no registry lists (R00) has no id: its row is found by its printed name
    by_id = {r["机关编号"] or r["机关名称"]: r for r in rows}
    assert len(by_id) == len(rows)
    on_time_zh = {True: "是", False: "否", None: "无法判断"}
    for aid, name, level, parent, status_zh, on_time, published, deadline, n_findings, quality, unread in expected:
        r = by_id[aid or name]
        assert r["机关名称"] == name
        assert r["层级"] == (LEVEL_LABELS[level] if level else "未登记")
        assert r["所属地区"] == parent  # None (empty cell) at the top
        assert r["状态"] == status_zh
        assert r["是否按时公开"] == on_time_zh[on_time]
        assert _day(r["发布日期"]) == published
        assert _day(r["截止日期"]) == deadline
        assert r["问题数"] == n_findings
        assert r["读取情况"] == (READ_QUALITY_LABELS[quality] if quality else "无报告")
        assert r["未识别格数"] == unread
    statuses = {r["状态"] for r in rows}
    assert "未公开年度报告" in statuses  # the seed has a missing report every year
    assert {r["是否按时公开"] for r in rows} >= {"是", "否", "无法判断"}
    # types: numbers are numeric cells, dates are date cells
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(SUMMARY_HEADER, row, strict=False))
        assert cells["问题数"].data_type == "n" and isinstance(cells["问题数"].value, int)
        # an unregistered body's deadline is unknown (it depends on the registry's kind)
        assert cells["截止日期"].is_date or (cells["机关编号"].value is None and cells["截止日期"].value is None)
        assert cells["发布日期"].value is None or cells["发布日期"].is_date


@pytest.mark.parametrize("year", YEARS)
def test_findings_are_the_defects_of_the_year(city: tuple[Path, Path], workbooks: dict[int, Path], year: int) -> None:
    raw, warehouse = city
    ws = openpyxl.load_workbook(workbooks[year])[FINDINGS_SHEET]
    rows = _rows(ws)
    defects = {d for d in read_defects(raw / CITY / "defects.csv") if d[1] == year}
    assert defects, "the seed has findings every year"
    warehouse_rows = _query(
        warehouse,
        """
        SELECT agency_id, agency_name, version_no, file_path, rule_id, table_key, row_key, column_key, expected,
               actual, rule_text_zh, template_version
        FROM marts.report_findings WHERE report_year = ?""",
        [year],
    )
    assert len(rows) == len(warehouse_rows) == len(defects)

    # the warehouse findings of the year are the defects.csv rows of the year
    assert {
        (aid or "", year, rule, t or "", r or "", c or "") for aid, _, _, _, rule, t, r, c, *_ in warehouse_rows
    } == defects

    def labelled(
        aid: str | None, rule: str, t: str | None, r: str | None, c: str | None, tv: str | None
    ) -> tuple[Any, ...]:
        return (
            aid or None,
            rule,
            table_label(t) or None,
            row_label(t, r, tv) or None,
            column_label(t, r, c, tv) or None,
        )

    exported = {(r["机关编号"], r["规则"], r["表"], r["行"], r["列"]): r for r in rows}
    assert len(exported) == len(rows)
    for aid, name, version, path, rule, t, ro, c, expected, actual, text, tv in warehouse_rows:
        r = exported[labelled(aid, rule, t, ro, c, tv)]
        assert (r["机关名称"], r["报告版本"], r["报告文件"], r["报告数"], r["应为"]) == (
            name,
            version,
            path,
            actual,
            expected,
        )
        assert r["规则说明"] == text == RULE_TEXT[rule][1]
    # Chinese labels, not keys
    numeric = [r for r in rows if r["应为"] is not None]
    assert numeric, "the seed has arithmetic findings"
    assert all(r["表"].startswith(("二、", "三、", "四、")) for r in numeric)
    assert not any(r["行"] == k or r["列"] == k for r in rows for k in ("total", "total_processed", "natural_person"))
    # numbers are numeric cells
    for row in ws.iter_rows(min_row=2):
        cells = dict(zip(FINDINGS_HEADER, row, strict=False))
        for h in ("应为", "报告数", "报告版本"):
            assert cells[h].value is None or (cells[h].data_type == "n" and isinstance(cells[h].value, (int, float))), h


def test_one_agency_workbook(city: tuple[Path, Path], tmp_path: Path) -> None:
    raw, warehouse = city
    defects = read_defects(raw / CITY / "defects.csv")
    # the agency of 2022 with the most findings
    aid = max(
        {d[0] for d in defects if d[1] == 2022 and d[0]},
        key=lambda a: sum(1 for d in defects if d[0] == a and d[1] == 2022),
    )
    [(name,)] = _query(warehouse, "SELECT name FROM marts.dim_agency WHERE agency_id = ?", [aid])
    path = export_workbook(warehouse, 2022, tmp_path / "one.xlsx", agency_id=aid)
    wb = openpyxl.load_workbook(path)
    summary, found = _rows(wb[SUMMARY_SHEET]), _rows(wb[FINDINGS_SHEET])
    assert [(r["机关编号"], r["机关名称"]) for r in summary] == [(aid, name)]
    assert found and {r["机关编号"] for r in found} == {aid}
    assert len(found) == sum(1 for d in defects if d[0] == aid and d[1] == 2022)
    assert summary[0]["问题数"] == len(found)
    # the generated city is read completely: nothing to review
    assert summary[0]["读取情况"] == "完整读取" and list(wb[REVIEW_SHEET].iter_rows(min_row=2)) == []
    for ws in wb:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_errors(city: tuple[Path, Path], tmp_path: Path) -> None:
    _, warehouse = city
    with pytest.raises(ValueError, match=r"没有数据.*no data"):
        export_workbook(warehouse, 2030, tmp_path / "x.xlsx")
    with pytest.raises(ValueError, match=r"机关编号不存在.*unknown agency id"):
        export_workbook(warehouse, 2022, tmp_path / "x.xlsx", agency_id="no-such-agency")
    assert not (tmp_path / "x.xlsx").exists()
    assert not list(tmp_path.iterdir()), "no half-written file is left behind"


def test_readers_say_when_the_warehouse_is_missing_or_being_written(tmp_path: Path) -> None:
    import subprocess
    import sys

    import duckdb

    from pipelines.warehouse import open_read_only

    with pytest.raises(FileNotFoundError, match="warehouse not found"):
        export_workbook(tmp_path / "none.duckdb", 2022, tmp_path / "x.xlsx")
    db = tmp_path / "busy.duckdb"
    duckdb.connect(str(db)).close()
    # another process writes (holds the file's lock) while a reader opens it
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "open"
        with pytest.raises(RuntimeError, match="being written"):
            open_read_only(db)
    finally:
        writer.kill()
        writer.wait()
    open_read_only(db).close()  # once the writer is gone, readers open it
