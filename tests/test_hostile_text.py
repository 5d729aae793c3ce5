"""Hostile text: names, printed text, file names and registry fields that look like markup, script
or spreadsheet formulas are shown as written and never run (issue #10).

One real run (build_defs: landing, parsing, corrections, dbt, dashboard) on a raw folder whose
registry names an agency `=HYPERLINK("http://example.invalid/","点击")` (its report's title prints
an alias, so the registered name is the one shown everywhere) under a parent agency whose name is
an <img onerror> and whose id closes an attribute and opens an <svg onload>; the report's file name
starts with "=" and holds an <img onerror>; a corrections file fills one of its unread cells in the
name of an <img onerror> with a note that opens a <script>; a second report's title names an
unregistered body with both kinds of quotes. Then the marts of a copy get what the parser never
lets through: a printed cell's text with </script>, U+2028 and an <img onerror>, findings' details
and an unread cell's text that are spreadsheet formulas (a DDE payload), a finding printed as -3.

Every payload that ran would set window.__pwned or change document.title; the tests assert that
nothing ran, that no element came from the data, and that each text shows exactly as written —
in the dashboard (headless Chromium), the workbook (openpyxl) and `ogi findings --format csv`.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pytest

from pipelines.dashboard import _js, build_dashboard
from pipelines.export import (
    FINDINGS_HEADER,
    FINDINGS_SHEET,
    REVIEW_HEADER,
    REVIEW_SHEET,
    SUMMARY_HEADER,
    SUMMARY_SHEET,
    _write_sheet,
    export_workbook,
)
from pipelines.monitoring import FINDINGS_CSV_COLUMNS, write_findings_csv
from pipelines.safe_text import csv_cell, formula_like, printable
from tests.browser import Page
from tests.conftest import REPO_ROOT
from tests.conftest import query as _query

FIXTURE = REPO_ROOT / "tests" / "corpus" / "fixtures" / "raw" / "fixture2021__text_tabs.txt"
YEAR = 2022

PWN = "window.__pwned=1"
FORMULA_NAME = '=HYPERLINK("http://example.invalid/","点击")'  # the case: 汇总!A2 was a live link
IMG_NAME = f'<img src=x onerror="{PWN}">滨江市人民政府'  # a registry name with markup
SVG_ID = f'hx-"><svg onload={PWN}>'  # an agency_id that leaves its attribute
JS_ID = f"javascript:{PWN}//"  # an agency_id that is a javascript: URL
JS_NAME = f"javascript:void(document.title='pwned',{PWN})"  # and its name
FILE_NAME = f"=1+1 <img src=x onerror={PWN}>.txt"  # a report's file name
BY_NAME = f"<img src=x onerror={PWN}>"  # a correction's corrected_by
NOTE = f"\"><script>{PWN}</script>'; {PWN}; //"  # a correction's note
QUOTED_TITLE_NAME = "滨江市'交通\"局"  # an unregistered body's name (from a title)
RAW_TEXT = f"</script><script>{PWN}</script>\u2028<img src=x onerror={PWN}>"  # a printed cell's text
DETAIL = f"@SUM(1+1)*cmd|' /C calc'!A0 <img src=x onerror={PWN}>"  # a finding's detail
UNREAD_TEXT = "=cmd|' /C calc'!A0"  # an unread cell's printed text (DDE)
TAB_TEXT = "\t=1+1"
TITLE = "政府信息公开工作年度报告 · 数据看板"


def _report(title_name: str, unread: bool) -> str:
    text = FIXTURE.read_text(encoding="utf-8").replace("滨江市交通运输局", title_name, 1)
    if unread:  # two values the parser cannot read (cells 行政许可 and 行政处罚 of section 二)
        for old, new in (("行政许可\t1375", "行政许可\t一千三百七十五件"), ("行政处罚\t268", "行政处罚\t二百六十八件")):
            assert old in text
            text = text.replace(old, new)
    return text


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from pipelines.definitions import JOB_NAME, build_defs

    tmp = tmp_path_factory.mktemp("hostile")
    raw, corrections = tmp / "raw", tmp / "corrections"
    raw.mkdir()
    corrections.mkdir()
    (raw / "agencies.csv").write_text(
        _csv_text(
            [
                [
                    "agency_id",
                    "name",
                    "aliases",
                    "level",
                    "parent_id",
                    "kind",
                    "first_year",
                    "last_year",
                    "is_generated",
                ],
                [SVG_ID, IMG_NAME, "滨江市人民政府", "city_government", "", "government", "2022", "", "false"],
                [
                    "hx-formula",
                    FORMULA_NAME,
                    "滨江市交通运输局",
                    "city_department",
                    SVG_ID,
                    "department",
                    "",
                    "",
                    "false",
                ],
                [JS_ID, JS_NAME, "", "city_department", SVG_ID, "department", "2022", "", "false"],
            ]
        ),
        encoding="utf-8",
    )
    (raw / FILE_NAME).write_text(_report("滨江市交通运输局", unread=True), encoding="utf-8")
    (raw / "unregistered.txt").write_text(_report(QUOTED_TITLE_NAME, unread=False), encoding="utf-8")
    (raw / "publications.csv").write_text(
        _csv_text([["file", "published_at"], [FILE_NAME, "2023-02-10"]]), encoding="utf-8"
    )
    (corrections / "hostile.csv").write_text(
        _csv_text(
            [
                ["file_path", "table", "row", "column", "value", "corrected_by", "corrected_at", "note"],
                [FILE_NAME, "proactive", "admin_penalty", "decisions", "268", BY_NAME, "2025-03-01", NOTE],
            ]
        ),
        encoding="utf-8",
    )
    warehouse = tmp / "warehouse.duckdb"
    defs = build_defs(raw, warehouse, dashboard_dir=tmp / "site_run", corrections_dir=corrections)
    result = defs.resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    assert result.success

    # What the parser never lets through, written into a copy's marts as a hostile report would print it.
    tampered = Path(shutil.copy2(warehouse, tmp / "tampered.duckdb"))
    con = duckdb.connect(str(tampered))
    try:
        con.execute(
            "UPDATE marts.fct_requests SET raw_text = ? WHERE agency_id = 'hx-formula' AND row_key = 'granted'"
            " AND column_key = 'total'",
            [RAW_TEXT],
        )
        con.execute("UPDATE marts.report_findings SET detail = ?", [DETAIL])
        con.execute("UPDATE marts.unread_cells SET raw_text = ? WHERE column_key = 'decisions'", [UNREAD_TEXT])
        con.execute("UPDATE marts.unread_cells SET source_location = ?", [TAB_TEXT])
        # one finding printed as a negative number (as the 2019 本年增/减 may be): it stays a number
        con.execute("""UPDATE marts.report_findings SET actual = -3, expected = 0
                       WHERE report_id = (SELECT min(report_id) FROM marts.report_findings)""")
    finally:
        con.close()
    site = build_dashboard(tampered, tmp / "site").out_dir
    yield {
        "tmp": tmp,
        "raw": raw,
        "warehouse": warehouse,
        "tampered": tampered,
        "site": site,
        "site_run": tmp / "site_run",
    }


def test_the_run_lands_the_hostile_text_as_written(hostile: dict[str, Any]) -> None:
    w = hostile["warehouse"]
    names = dict(_query(w, "SELECT agency_id, name FROM marts.dim_agency WHERE is_registered"))
    assert names == {SVG_ID: IMG_NAME, "hx-formula": FORMULA_NAME, JS_ID: JS_NAME}
    assert sorted(
        _query(w, "SELECT agency_id, file_path, printed_agency_name FROM marts.report_versions"), key=str
    ) == sorted([("hx-formula", FILE_NAME, "滨江市交通运输局"), (None, "unregistered.txt", QUOTED_TITLE_NAME)], key=str)
    assert _query(w, "SELECT corrected_by, note FROM marts.cell_corrections WHERE correction_status = 'applied'") == [
        (BY_NAME, NOTE)
    ]
    assert _query(w, "SELECT count(*) FROM marts.unread_cells WHERE agency_id = 'hx-formula'") == [(1,)]


# ---------------------------------------------------------------- the dashboard's data files


def test_data_files_hold_no_markup_and_read_back_exactly() -> None:
    value = {"name": RAW_TEXT + "\u2029 & <!-- -->", "key": SVG_ID}
    text = _js(value)
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == value


def test_the_site_files_escape_every_hostile_string(hostile: dict[str, Any]) -> None:
    site: Path = hostile["site"]
    for path in [site / "data" / "overview.js", *(site / "data" / "agency").iterdir()]:
        text = path.read_text(encoding="utf-8")
        assert not set(text) & {"<", ">", "\u2028", "\u2029"}, path.name
        assert "</script" not in text.lower()
    pages = "".join(p.read_text(encoding="utf-8") for p in (site / "data" / "agency").iterdir())
    assert (
        json.dumps(RAW_TEXT, ensure_ascii=False)[1:-1]
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        in pages
    )


def test_app_js_builds_html_only_through_the_escaping_tag() -> None:
    """The structural guarantee behind the browser test: one innerHTML assignment (setHtml, which
    takes only h`…` markup), no other way to turn text into markup or code, every attribute quoted."""
    app = (REPO_ROOT / "pipelines" / "dashboard_static" / "app.js").read_text(encoding="utf-8")
    assert app.count(".innerHTML") == 1 and "el.innerHTML = html.text;" in app
    for sink in (
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setAttribute("on',
        "javascript:",
        'style="',
    ):
        assert sink not in app, sink
    # an interpolation right after `=` would be an unquoted attribute value
    assert not re.search(r"=\$\{", app)


# ---------------------------------------------------------------- the dashboard in the browser


@pytest.fixture
def tab(browser: Any, hostile: dict[str, Any]) -> Iterator[Page]:
    page = Page(browser, hostile["site"])
    try:
        yield page
    finally:
        page.page.close()


_INJECTED = """() => Array.from(document.querySelectorAll(
    '#app img, #app script, #app iframe, #app object, #app embed, [onerror], [onload], [onclick]')).length"""


def _nothing_ran(tab: Page) -> None:
    page = tab.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.title() == TITLE
    assert page.evaluate(_INJECTED) == 0
    tab.check_clean()  # no console error, no request leaving the disk, no CSP violation


def test_the_dashboard_shows_hostile_names_as_text(tab: Page, hostile: dict[str, Any]) -> None:
    page = tab.open(f"overview?year={YEAR}")
    # the parent agency (an <img> in its name) is a region: its name is a row header and a chart label
    assert IMG_NAME in page.inner_text("#by-region")
    assert IMG_NAME in page.eval_on_selector_all("#chart-region text", "ts => ts.map(t => t.textContent)")
    _nothing_ran(tab)

    page = tab.open(f"agencies?year={YEAR}")
    rows = page.eval_on_selector_all(
        "#agencies tbody tr",
        """trs => trs.map(tr => [tr.dataset.agency,
        Array.from(tr.querySelectorAll('td')).slice(0, 4).map(td => td.textContent)])""",
    )
    shown = dict(rows)
    assert shown["hx-formula"] == [FORMULA_NAME, "hx-formula", "市政府部门", IMG_NAME]
    unregistered = f"unregistered:{QUOTED_TITLE_NAME}"
    assert shown[unregistered][0] == QUOTED_TITLE_NAME
    # the search box keeps a query with quotes and markup as its value, and finds nothing
    tab.open(f"agencies?year={YEAR}&q=" + "%22%3E%3Cimg%20src%3Dx%20onerror%3Dwindow.__pwned%3D1%3E")
    assert page.input_value("#q") == f'"><img src=x onerror={PWN}>'
    _nothing_ran(tab)

    # a javascript: id and name: the link is a fragment of this page, the page shows them as text
    page.goto((hostile["site"] / "index.html").as_uri() + "#agencies?year=2022")
    page.wait_for_selector("#agencies")
    link = page.get_attribute(f'#agencies tr[data-agency="{JS_ID}"] a', "href")
    assert link.startswith("#agency/javascript%3A")
    page.click(f'#agencies tr[data-agency="{JS_ID}"] a')
    page.wait_for_selector("#agency-name")
    assert page.inner_text("#agency-name") == JS_NAME and page.url.startswith("file:")
    _nothing_ran(tab)

    # the unregistered body's page: its key (from the title) holds both quotes
    page.goto((hostile["site"] / "index.html").as_uri() + "#agencies?year=2022")
    page.wait_for_selector("#agencies")
    page.click("#agencies tr[data-agency='unregistered:滨江市\\'交通\"局'] a")
    page.wait_for_selector("#agency-name")
    assert page.inner_text("#agency-name") == QUOTED_TITLE_NAME
    assert DETAIL in page.inner_text("#findings")  # R00, with the hostile detail
    _nothing_ran(tab)


def test_an_agency_page_shows_hostile_cells_files_and_corrections_as_text(tab: Page, hostile: dict[str, Any]) -> None:
    page = tab.open(f"agencies?year={YEAR}")
    page.click('#agencies tr[data-agency="hx-formula"] a')
    page.wait_for_selector("#report-tables")
    assert page.inner_text("#agency-name") == FORMULA_NAME
    facts = page.inner_text("dl.facts")
    assert IMG_NAME in facts
    assert page.eval_on_selector("#versions tbody td:nth-child(2)", "td => td.textContent") == FILE_NAME
    # hover texts: a printed text with </script>, U+2028 and markup; who corrected a cell, and the note
    granted = page.get_attribute('table[data-table="requests"] tr[data-row="granted"] td[data-column="total"]', "title")
    assert f"原文“{RAW_TEXT}”" in granted
    corrected = page.get_attribute('tr[data-row="admin_penalty"] td[data-column="decisions"]', "title")
    assert f"核对人 {BY_NAME}" in corrected and f"备注：{NOTE}" in corrected
    page.hover('table[data-table="requests"] tr[data-row="granted"] td[data-column="total"]')
    _nothing_ran(tab)


def test_the_content_security_policy_blocks_inline_script(tab: Page) -> None:
    """Were some text ever to reach the page as markup, the policy still stops it: an inline script
    and an inline event handler added to the page do not run, and are reported as violations."""
    page = tab.open()
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    page.evaluate(f"""() => {{
        const s = document.createElement('script'); s.textContent = '{PWN}'; document.body.appendChild(s);
        const d = document.createElement('div'); d.setAttribute('onclick', '{PWN}'); document.body.appendChild(d); d.click();
    }}""")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    violations = tab.csp_violations()
    assert any(v.startswith("script-src-elem blocked inline") for v in violations), violations
    assert any(v.startswith("script-src-attr blocked inline") for v in violations), violations


# ---------------------------------------------------------------- the office's workbook


def test_no_text_becomes_a_formula_in_the_workbook(hostile: dict[str, Any]) -> None:
    path = export_workbook(hostile["tampered"], YEAR, hostile["tmp"] / "office.xlsx")
    wb = openpyxl.load_workbook(path)
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if formula_like(cell.value):
                    assert cell.data_type == "s" and cell.quotePrefix, (ws.title, cell.coordinate)
    summary = {r[1].value: r for r in wb[SUMMARY_SHEET].iter_rows(min_row=2)}
    name = summary["hx-formula"][SUMMARY_HEADER.index("机关名称")]
    assert name.value == FORMULA_NAME and name.data_type == "s" and name.quotePrefix
    assert summary["hx-formula"][SUMMARY_HEADER.index("所属地区")].value == IMG_NAME
    assert summary[SVG_ID][0].value == IMG_NAME
    findings = [dict(zip(FINDINGS_HEADER, r, strict=False)) for r in wb[FINDINGS_SHEET].iter_rows(min_row=2)]
    assert {f["备注"].value for f in findings} == {DETAIL}
    negative = [f for f in findings if f["报告数"].value == -3]
    assert negative and all(f["报告数"].data_type == "n" for f in negative)
    review = [dict(zip(REVIEW_HEADER, r, strict=False)) for r in wb[REVIEW_SHEET].iter_rows(min_row=2)]
    [cell] = review
    assert cell["机关名称"].value == FORMULA_NAME and cell["报告文件"].value == FILE_NAME
    assert cell["报告原文"].value == UNREAD_TEXT and cell["报告原文"].quotePrefix
    assert cell["位置"].value == TAB_TEXT and cell["位置"].data_type == "s"


def test_only_text_is_neutralised_numbers_stay_numbers(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    rows = [("=1+1", "+1", "-3", "@A1", "\tx", "\rx", -3, 2.5, "a=b", "", "\x1b[31mred")]
    _write_sheet(wb.active, [f"c{i}" for i in range(len(rows[0]))], rows)
    wb.save(tmp_path / "x.xlsx")
    cells = next(iter(openpyxl.load_workbook(tmp_path / "x.xlsx").active.iter_rows(min_row=2)))
    assert [c.value for c in cells[:6]] == ["=1+1", "+1", "-3", "@A1", "\tx", "\rx"]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells[:6])
    assert (cells[6].value, cells[6].data_type, cells[7].value, cells[7].data_type) == (-3, "n", 2.5, "n")
    assert (cells[8].value, cells[8].quotePrefix) == ("a=b", False)
    assert cells[9].value is None
    assert cells[10].value == "\\x1b[31mred"  # a control character XML cannot hold, shown escaped


# ---------------------------------------------------------------- ogi findings --format csv


def test_findings_csv_writes_formula_text_with_a_quote(hostile: dict[str, Any]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "findings", "--format", "csv", "--warehouse", str(hostile["tampered"])],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert rows and {r["detail"] for r in rows} == {"'" + DETAIL}
    names = {(r["agency_id"], r["agency_name"]) for r in rows}
    # the registered name is a formula: quoted; the others are left as they are
    assert names >= {("hx-formula", "'" + FORMULA_NAME), (SVG_ID, IMG_NAME), ("", QUOTED_TITLE_NAME)}
    assert "-3" in {r["actual"] for r in rows}  # a number: never prefixed


def test_csv_cells_and_terminal_text() -> None:
    out = io.StringIO()
    write_findings_csv(
        [("A1", 2019, "R05", "proactive", "x", "change", FORMULA_NAME, "@x", "-3.pdf", 1, 0.0, -3.0, "\t1")], out
    )
    header, row = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == list(FINDINGS_CSV_COLUMNS)
    assert row == [
        "A1",
        "2019",
        "R05",
        "proactive",
        "x",
        "change",
        "'" + FORMULA_NAME,
        "'@x",
        "'-3.pdf",
        "1",
        "0",
        "-3",
        "'\t1",
    ]
    assert [csv_cell(t) for t in ("+1", "\r", "a", "", "1-2")] == ["'+1", "'\r", "a", "", "1-2"]
    assert printable("淮安\x1b[2J\u202e局\n") == "淮安\\x1b[2J\\u202e局\\n"
