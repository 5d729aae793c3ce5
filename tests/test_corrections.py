"""Reports the parser only partly read, and a person filling in the rest (data/corrections/).

Validation on its own (no warehouse), then end to end with real files, real DuckDB and the real
Dagster job (build_defs), three runs on one warehouse:

1. two Markdown reports whose section 三 rows print fewer numbers than cells (the parser marks those
   cells unreadable): both agency-years are 待人工核对 (needs_review), no check is computed on an
   unread cell, and the export lists every unread cell in its 待人工核对 sheet;
2. the office fills the sheet (the values the report prints, read by a person) and imports it
   (`ogi corrections import`), and drops a hand-written CSV with bad rows and one good one: the
   corrected cells flow into the facts and every check, report A becomes complete (and shows the
   arithmetic error the unread row hid), bad rows are rejected with file, line and reason;
3. report A's file changes and report B is re-published: their corrections are stale, never
   applied to the new bytes, and both agency-years are back to needs_review.

Report A, as printed (滨江市交通运输局 2022, the 2021 template; hand-checked): （一）予以公开 prints
"12 | 3 | 15" and （五）2.重复申请 "1 | 1" (14 unread cells); a person reads them as 12, 3, 0, 0, 0, 0,
15 and 1, 0, 0, 0, 0, 0, 1. （七）总计 prints 38 | 5 | 0 | 0 | 0 | 0 | 43, but the outcome rows add up
to 39 (自然人) and 44 (总计): once read, R02:natural_person and R02:total fail (expected 39, 44;
printed 38, 43); R02:research stays not assessable ((三)8 科研机构 is printed blank); every other
R01–R04 check passes except R01:denied_admin_query (the blank) and R04:litigation_after_review
(printed blank). R03 holds as printed: 40 + 3 = 38 + 5 and 45 + 3 = 43 + 5.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pipelines.assets.landing import landing_key
from pipelines.corrections import (
    CORRECTIONS_COLUMNS,
    Correction,
    KnownFile,
    KnownFiles,
    Rejection,
    read_corrections,
    validate_row,
)
from pipelines.export import REVIEW_BY, REVIEW_HEADER, REVIEW_SHEET, REVIEW_VALUE, SUMMARY_SHEET, export_workbook
from tests.conftest import REPO_ROOT
from tests.conftest import query as _query

FIXTURE = REPO_ROOT / "tests" / "corpus" / "fixtures" / "raw" / "fixture2021__markdown_bare.md"
APPLICANTS = ("natural_person", "commercial", "research", "social_org", "legal_service", "other_org", "total")
YEAR = 2022
A_ID, B_ID = "bj-jt", "bj-mz"
A_FILE, B_FILE, B_V2 = "bj-jt_2022.md", "bj-mz_2022.md", "bj-mz_2022_v2.md"
# What a person reads in report A where the parser could not place the numbers.
A_READ = {"granted": (12, 3, 0, 0, 0, 0, 15), "not_processed_repeat": (1, 0, 0, 0, 0, 0, 1)}
SHA_A = "a" * 64


def report_a() -> str:
    text = FIXTURE.read_text(encoding="utf-8")
    for old, new in (
        ("（一）予以公开 | 12 | 3 | 0 | 0 | 0 | 0 | 15", "（一）予以公开 | 12 | 3 | 15"),
        ("2.重复申请 | 1 | 0 | 0 | 0 | 0 | 0 | 1", "2.重复申请 | 1 | 1"),
        ("（七）总计 | 39 | 5 | 0 | 0 | 0 | 0 | 44", "（七）总计 | 38 | 5 | 0 | 0 | 0 | 0 | 43"),
        ("四、结转下年度继续办理 | 4 | 0 | 0 | 0 | 0 | 0 | 4", "四、结转下年度继续办理 | 5 | 0 | 0 | 0 | 0 | 0 | 5"),
    ):
        assert old in text
        text = text.replace(old, new)
    return text


def report_b() -> str:
    text = FIXTURE.read_text(encoding="utf-8").replace("滨江市交通运输局", "滨江市民政局")
    old = "（二）部分公开（区分处理的，只计这一情形，不计其他情形） | 6 | 0 | 0 | 0 | 0 | 0 | 6"
    assert old in text
    return text.replace(old, "（二）部分公开（区分处理的，只计这一情形，不计其他情形） | 6 | 6")


# ---------------------------------------------------------------- validation (no warehouse)


def _known() -> KnownFiles:
    return KnownFiles(
        by_sha={
            SHA_A: KnownFile("a.md", "2021"),
            "b" * 64: KnownFile("q.pdf", None, True),
            "c" * 64: KnownFile("old.md", "2019"),
        },
        by_path={"a.md": SHA_A, "q.pdf": "b" * 64, "old.md": "c" * 64},
    )


def _row(**kw: Any) -> dict[str, Any]:
    base = {
        "sha256": SHA_A,
        "file_path": "",
        "table": "requests",
        "row": "granted",
        "column": "total",
        "value": "15",
        "corrected_by": "张三",
        "corrected_at": "2025-03-01",
        "note": "",
    }
    return {**base, **kw}


@pytest.mark.parametrize(
    "fields, reason",
    [
        (_row(sha256="", file_path=""), "no sha256 and no file_path"),
        (_row(sha256="xyz"), "not 64 hexadecimal digits"),
        (_row(sha256="", file_path="nowhere.md"), "unknown file 'nowhere.md'"),
        (_row(sha256="b" * 64), "quarantined"),
        (_row(table="section9"), "unknown table 'section9'"),
        (_row(row="granted_typo"), "unknown row 'granted_typo' of table requests in the 2021 template"),
        (_row(column="people"), "unknown column 'people'"),
        # （六）1 exists in the 2021 template only: not a cell of a 2019 report
        (
            _row(sha256="c" * 64, row="other_overdue_correction"),
            "unknown row 'other_overdue_correction' of table requests in the 2019 template",
        ),
        (_row(value="-2"), "negative count -2"),
        (_row(value="2.5"), "not a whole number"),
        (_row(value="十二"), "'十二' is not a number"),
        (_row(table="proactive", row="admin_fees", column="amount_10k_yuan", value="-1.5"), "negative amount"),
        (_row(corrected_by=""), "corrected_by is empty"),
        (_row(corrected_at=""), "corrected_at is empty"),
        (_row(corrected_at="3月1日"), "not an ISO date"),
    ],
)
def test_a_bad_row_is_rejected_with_its_reason(fields: dict[str, Any], reason: str) -> None:
    result = validate_row(fields, "x.csv", 7, _known())
    assert isinstance(result, Rejection), result
    assert reason in result.reason and (result.source_file, result.line_no) == ("x.csv", 7)
    assert str(result).startswith("x.csv:7: ")


def test_good_rows_numbers_blanks_paths_and_unknown_bytes() -> None:
    known = _known()
    by_path = validate_row(_row(sha256="", file_path="a.md", value="１，２00"), "x.csv", 2, known)
    assert isinstance(by_path, Correction)
    assert (by_path.sha256, by_path.value, by_path.is_blank) == (SHA_A, 1200.0, False)  # full-width, thousands
    for blank in ("", "空白", " 空 "):
        c = validate_row(_row(value=blank), "x.csv", 3, known)
        assert isinstance(c, Correction) and c.is_blank and c.value is None
    fee = validate_row(
        _row(table="proactive", row="admin_fees", column="amount_10k_yuan", value="35.62"), "x", 4, known
    )
    assert isinstance(fee, Correction) and fee.value == 35.62
    at = validate_row(_row(corrected_at="2025-03-01T14:30:00+08:00"), "x", 5, known)
    assert isinstance(at, Correction) and at.corrected_at == dt.datetime(2025, 3, 1, 14, 30)
    # bytes no file has (changed or removed since): valid, keys checked against every template; the
    # warehouse lists it as stale
    gone = validate_row(_row(sha256="d" * 64, file_path="a.md"), "x", 6, known)
    assert isinstance(gone, Correction) and gone.sha256 == "d" * 64


def test_written_free_text_is_never_a_formula_and_reads_back_as_written(tmp_path: Path) -> None:
    # issue #10: a name or note a person typed as a formula is text in the file a spreadsheet opens
    formula, dde = '=HYPERLINK("http://example.invalid","点击")', "@SUM(1+1)*cmd|' /C calc'!A0"
    c = validate_row(_row(corrected_by=formula, note=dde), "x.csv", 2, _known())
    assert isinstance(c, Correction) and (c.corrected_by, c.note) == (formula, dde)
    written = c.written_row()
    assert written[CORRECTIONS_COLUMNS.index("corrected_by")] == "'" + formula
    assert written[CORRECTIONS_COLUMNS.index("note")] == "'" + dde
    assert written[CORRECTIONS_COLUMNS.index("value")] == c.csv_row()[CORRECTIONS_COLUMNS.index("value")]
    _write(tmp_path / "w.csv", [written])
    good, bad = read_corrections(tmp_path, _known())
    assert not bad and [(g.corrected_by, g.note, g.value) for g in good] == [(formula, dde, c.value)]


def _write(
    path: Path, rows: list[list[Any]], header: tuple[str, ...] = CORRECTIONS_COLUMNS, encoding: str = "utf-8"
) -> None:
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def test_files_conflicts_duplicates_and_missing_columns(tmp_path: Path) -> None:
    ok = [SHA_A, "", "requests", "granted", "total", "15", "张三", "2025-03-01", ""]
    _write(
        tmp_path / "one.csv",
        [
            ok,
            [SHA_A, "", "requests", "granted", "natural_person", "12", "张三", "2025-03-01", ""],
            [],
            [SHA_A, "", "requests", "granted", "commercial", "x", "张三", "2025-03-01", ""],
        ],
    )
    # in a subfolder, and saved as GBK (Excel's CSV on a Chinese Windows)
    (tmp_path / "sub").mkdir()
    _write(
        tmp_path / "sub" / "two.csv",
        [ok, [SHA_A, "", "requests", "granted", "natural_person", "13", "李四", "2025-03-02", "看错了"]],
        encoding="gb18030",
    )
    _write(tmp_path / "three.csv", [["requests", "granted", "total", "15"]], header=("table", "row", "column", "value"))
    (tmp_path / ".hidden.csv").write_text("garbage", encoding="utf-8")
    good, bad = read_corrections(tmp_path, _known())
    # the same value twice is kept (the warehouse applies one); two values for one cell are both rejected
    assert sorted((c.source_file, c.line_no) for c in good) == [("one.csv", 2), ("sub/two.csv", 2)]
    reasons = {(r.source_file, r.line_no): r.reason for r in bad}
    assert set(reasons) == {("one.csv", 3), ("one.csv", 5), ("sub/two.csv", 3), ("three.csv", 1)}
    assert "conflicting values" in reasons[("one.csv", 3)] and "sub/two.csv:3 → 13" in reasons[("one.csv", 3)]
    assert "not a number" in reasons[("one.csv", 5)]  # line 5: the empty line 4 is skipped, lines count
    assert "lacks the columns sha256 or file_path, corrected_by, corrected_at" in reasons[("three.csv", 1)]


# ---------------------------------------------------------------- end to end


def _run(raw: Path, warehouse: Path, corrections: Path, dashboard: Path) -> Any:
    from pipelines.definitions import JOB_NAME, build_defs

    defs = build_defs(raw, warehouse, dashboard_dir=dashboard, corrections_dir=corrections)
    result = defs.resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    assert result.success
    return result


def _sha(warehouse: Path, path: str) -> str:
    return _query(warehouse, "SELECT sha256 FROM landing.raw_report_files WHERE file_path = ?", [path])[0][0]


def _statuses(warehouse: Path, agency_id: str) -> dict[str, str]:
    return dict(
        _query(
            warehouse,
            """SELECT check_id, status FROM marts.rule_evaluations
                                     WHERE agency_id = ? AND report_year = ?""",
            [agency_id, YEAR],
        )
    )


def _compliance(warehouse: Path) -> dict[str, tuple[Any, ...]]:
    rows = _query(
        warehouse,
        """SELECT agency_id, status, status_zh, read_quality, n_cells_unread, n_cells_corrected
                                FROM marts.agency_year_compliance WHERE report_year = ?""",
        [YEAR],
    )
    return {r[0]: r[1:] for r in rows}


@pytest.fixture(scope="module")
def e2e(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The three runs; after each, what the tests compare (the warehouse of runs 1 and 2 copied)."""
    from pipelines.runner import summary

    tmp = tmp_path_factory.mktemp("corrections")
    raw, corrections, warehouse = tmp / "raw", tmp / "corrections", tmp / "warehouse.duckdb"
    raw.mkdir()
    (raw / "agencies.csv").write_text(
        "agency_id,name,aliases,level,parent_id,kind,first_year,last_year\n"
        f"{A_ID},滨江市交通运输局,,city_department,,department,,\n"
        f"{B_ID},滨江市民政局,,city_department,,department,,\n",
        encoding="utf-8",
    )
    (raw / A_FILE).write_text(report_a(), encoding="utf-8")
    (raw / B_FILE).write_text(report_b(), encoding="utf-8")
    out: dict[str, Any] = {"tmp": tmp, "raw": raw, "corrections": corrections}

    # 1. nothing corrected yet
    _run(raw, warehouse, corrections, tmp / "site1")
    out["w1"] = shutil.copy2(warehouse, tmp / "run1.duckdb")
    out["workbook"] = export_workbook(warehouse, YEAR, tmp / "office" / "2022.xlsx")

    # 2. the office fills 待人工核对 for report A (one value mistyped), imports it, and adds a CSV by hand
    wb = openpyxl.load_workbook(out["workbook"])
    ws = wb[REVIEW_SHEET]
    header = [c.value for c in ws[1]]
    for cells in ws.iter_rows(min_row=2):
        row = dict(zip(header, cells, strict=False))
        if row["row"].value in A_READ and row["sha256"].value == _sha(warehouse, A_FILE):
            row[REVIEW_VALUE].value = A_READ[row["row"].value][APPLICANTS.index(row["column"].value)]
            row[REVIEW_BY].value = "张三"
    filled = out["workbook"].with_name("2022_filled.xlsx")
    typo_row = ws.max_row + 1  # a row the person added by copying one and mistyping the value
    for i, _title in enumerate(header, start=1):
        ws.cell(typo_row, i).value = ws.cell(2, i).value
    ws.cell(typo_row, header.index("column") + 1).value = "natural_persons"
    ws.cell(typo_row, header.index(REVIEW_VALUE) + 1).value = "12"
    wb.save(filled)
    out["filled"], out["typo_row"] = filled, typo_row
    out["import"] = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipelines.cli",
            "corrections",
            "import",
            str(filled),
            "--raw-dir",
            str(raw),
            "--warehouse",
            str(warehouse),
            "--corrections-dir",
            str(corrections),
        ],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    sha_a, sha_b = _sha(warehouse, A_FILE), _sha(warehouse, B_FILE)
    _write(
        corrections / "by_hand.csv",
        [
            [
                sha_b,
                B_FILE,
                "requests",
                "partially_granted",
                "natural_person",
                "6",
                "李四",
                "2025-03-02",
                "对照原件",
            ],  # 2 good
            [sha_a, "", "requests", "granted", "people", "3", "李四", "2025-03-02", ""],  # 3 unknown key
            [sha_a, "", "review_litigation", "review", "total", "-4", "李四", "2025-03-02", ""],  # 4 negative
            [sha_a, "", "requests", "new_received", "total", "四十五", "李四", "2025-03-02", ""],  # 5 not a number
            ["", "", "requests", "new_received", "total", "45", "李四", "2025-03-02", ""],  # 6 no file
            ["", "missing.md", "requests", "new_received", "total", "45", "李四", "2025-03-02", ""],  # 7 unknown file
            [sha_a, "", "requests", "carried_over", "total", "3", "李四", "2025-03-02", ""],  # 8 conflict
            [sha_a, "", "requests", "carried_over", "total", "4", "王五", "2025-03-03", ""],  # 9 conflict
        ],
    )
    out["result2"] = _run(raw, warehouse, corrections, tmp / "site2")
    out["w2"] = shutil.copy2(warehouse, tmp / "run2.duckdb")
    out["site2"] = tmp / "site2"
    out["summary2"] = summary(warehouse)

    # 3. A's file is changed in place; B is re-published (a later version)
    (raw / A_FILE).write_text(report_a() + "\n（本报告于2023年3月更正）\n", encoding="utf-8")
    (raw / B_V2).write_text(
        report_b().replace("本年度未收取信息处理费。", "本年度未收取信息处理费。（更正版）"), encoding="utf-8"
    )
    (raw / "publications.csv").write_text(
        f"file,published_at\n{B_FILE},2023-01-10\n{B_V2},2023-01-20\n", encoding="utf-8"
    )
    _run(raw, warehouse, corrections, tmp / "site3")
    out["w3"] = warehouse
    out["summary3"] = summary(warehouse)
    yield out


def test_partly_read_reports_need_review_and_no_check_reads_an_unread_cell(e2e: dict[str, Any]) -> None:
    w1 = e2e["w1"]
    assert _compliance(w1) == {
        A_ID: ("needs_review", "待人工核对", "partial", 14, 0),
        B_ID: ("needs_review", "待人工核对", "partial", 7, 0),
    }
    unread = _query(w1, """SELECT row_key, column_key FROM marts.unread_cells WHERE agency_id = ?""", [A_ID])
    assert sorted(unread) == sorted((r, c) for r in A_READ for c in APPLICANTS)
    assert _query(w1, "SELECT read_quality, n_cells_unread FROM marts.report_versions WHERE agency_id = ?", [A_ID]) == [
        ("partial", 14)
    ]
    checks = _statuses(w1, A_ID)
    # every check touching the unread rows waits for a person; R03 does not touch them and passes
    assert {c: s for c, s in checks.items() if c.startswith("R02:")} == {
        f"R02:{c}": "not_assessable" for c in APPLICANTS
    }
    assert checks["R01:granted"] == checks["R01:not_processed_repeat"] == "not_assessable"
    assert {checks[f"R03:{c}"] for c in APPLICANTS} == {"passed"}
    assert _query(
        w1,
        """SELECT n_unread_operands FROM marts.rule_evaluations
                         WHERE agency_id = ? AND check_id = 'R02:natural_person'""",
        [A_ID],
    ) == [(2,)]
    # the printed error of （七）总计 is hidden by the unread row: no finding is made from a partial sum
    assert _query(w1, "SELECT count(*) FROM marts.report_findings WHERE rule_id IN ('R01', 'R02', 'R03')") == [(0,)]


def test_the_export_lists_every_unread_cell_to_fill_in(e2e: dict[str, Any]) -> None:
    wb = openpyxl.load_workbook(e2e["workbook"])
    assert wb.sheetnames[-1] == REVIEW_SHEET
    summary = {r[1]: r for r in wb[SUMMARY_SHEET].iter_rows(min_row=2, values_only=True)}
    assert summary[A_ID][-3:] == (0, "部分未识别", 14) and summary[B_ID][4] == "待人工核对"
    ws = wb[REVIEW_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == REVIEW_HEADER
    listed = [dict(zip(REVIEW_HEADER, r, strict=False)) for r in rows[1:]]
    assert len(listed) == 14 + 7
    first = listed[0]  # report A, （一）予以公开, 自然人: Chinese labels, the printed text, where, which bytes
    assert (first["机关名称"], first["年度"], first["表"], first["行"], first["列"]) == (
        "滨江市交通运输局",
        YEAR,
        "三、收到和处理政府信息公开申请情况",
        "（一）予以公开",
        "自然人",
    )
    assert first["报告原文"] == "12 | 3 | 15" and first["位置"] and first["报告文件"] == A_FILE
    assert first["sha256"] == _sha(e2e["w1"], A_FILE)
    assert all(r[REVIEW_VALUE] is None and r[REVIEW_BY] is None and r["备注"] is None for r in listed)
    assert ws.cell(1, REVIEW_HEADER.index(REVIEW_VALUE) + 1).comment is not None
    b_only = export_workbook(e2e["w1"], YEAR, e2e["tmp"] / "b.xlsx", agency_id=B_ID)
    rows_b = list(openpyxl.load_workbook(b_only)[REVIEW_SHEET].iter_rows(min_row=2, values_only=True))
    assert len(rows_b) == 7 and {r[1] for r in rows_b} == {B_ID}


def test_import_writes_the_filled_rows_and_rejects_the_bad_one(e2e: dict[str, Any]) -> None:
    done = e2e["import"]
    assert done.returncode == 1, done.stderr  # a row was rejected
    written = e2e["corrections"] / "2022_filled.csv"
    assert f"wrote {written}: 14 corrections" in done.stdout
    assert f"rejected sheet row {e2e['typo_row']}: unknown column 'natural_persons'" in done.stdout
    assert "7 rows not filled in" in done.stdout  # report B's rows
    with written.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CORRECTIONS_COLUMNS
    assert {(r["row"], r["column"], r["value"], r["corrected_by"]) for r in rows} == {
        (row, col, str(v), "张三") for row, values in A_READ.items() for col, v in zip(APPLICANTS, values, strict=False)
    }

    # importing the same sheet again writes nothing new; an explicit --out that exists is never overwritten
    args = [
        sys.executable,
        "-m",
        "pipelines.cli",
        "corrections",
        "import",
        str(e2e["filled"]),
        "--raw-dir",
        str(e2e["raw"]),
        "--warehouse",
        str(e2e["w1"]),
        "--corrections-dir",
        str(e2e["corrections"]),
    ]
    again = subprocess.run(args, check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert "nothing written" in again.stdout and again.stdout.count("already in 2022_filled.csv") == 14
    clash = subprocess.run([*args, "--out", str(written)], check=False, capture_output=True, text=True, cwd=REPO_ROOT)
    assert clash.returncode == 2 and "never overwritten" in clash.stderr
    assert sorted(p.name for p in e2e["corrections"].iterdir()) == ["2022_filled.csv", "by_hand.csv"]


def test_corrections_apply_and_every_check_is_evaluated_again(e2e: dict[str, Any]) -> None:
    w2 = e2e["w2"]
    assert _compliance(w2) == {
        A_ID: ("issues", "报告存在问题", "complete", 0, 14),
        B_ID: ("needs_review", "待人工核对", "partial", 6, 1),
    }
    cells = _query(
        w2,
        """SELECT row_key, column_key, value, cell_status, parsed_status, parsed_value, raw_text,
                                 corrected_by
                          FROM marts.fct_requests
                          WHERE agency_id = ? AND row_key IN ('granted', 'not_processed_repeat')""",
        [A_ID],
    )
    assert {(r, c): (v, s, ps, pv, by) for r, c, v, s, ps, pv, _, by in cells} == {
        (row, col): (v, "corrected", "unreadable", None, "张三")
        for row, values in A_READ.items()
        for col, v in zip(APPLICANTS, values, strict=False)
    }
    assert {raw for *_, raw, _ in cells} == {"12 | 3 | 15", "1 | 1"}  # what was printed, kept beside
    # the checks on the corrected numbers, as derived by hand from the printed report (module docstring)
    checks = _statuses(w2, A_ID)
    arithmetic = {c: s for c, s in checks.items() if c[:3] in ("R01", "R02", "R03", "R04", "R05")}
    expected = dict.fromkeys(arithmetic, "passed")
    expected.update(
        {
            "R02:natural_person": "failed",
            "R02:total": "failed",
            "R02:research": "not_assessable",
            "R01:denied_admin_query": "not_assessable",
            "R04:litigation_after_review": "not_assessable",
        }
    )
    assert arithmetic == expected
    findings = _query(
        w2,
        """SELECT check_id, expected, actual FROM marts.report_findings
                             WHERE agency_id = ? ORDER BY 1""",
        [A_ID],
    )
    assert findings == [("R02:natural_person", 39.0, 38.0), ("R02:total", 44.0, 43.0)]
    # the rollups carry the corrected values: （一）予以公开 总计 of A (corrected, 15) and of B (printed, 15)
    assert _query(w2, "SELECT granted FROM marts.rollup_by_year") == [(30.0,)]
    assert _query(
        w2,
        """SELECT value, cell_status, corrected_by, correction_note FROM marts.fct_requests
                         WHERE agency_id = ? AND row_key = 'partially_granted' AND column_key = 'natural_person'""",
        [B_ID],
    ) == [(6.0, "corrected", "李四", "对照原件")]


def test_bad_rows_are_rejected_with_file_line_and_reason_and_the_rest_applies(e2e: dict[str, Any]) -> None:
    w2 = e2e["w2"]
    rows = _query(
        w2,
        """SELECT source_file, line_no, correction_status, status_detail FROM marts.cell_corrections
                         ORDER BY source_file, line_no""",
    )
    by_line = {(f, n): (s, d) for f, n, s, d in rows}
    assert [by_line[("2022_filled.csv", n)][0] for n in range(2, 16)] == ["applied"] * 14
    assert by_line[("by_hand.csv", 2)] == ("applied", None)
    reasons = {n: d for (f, n), (s, d) in by_line.items() if f == "by_hand.csv" and s == "rejected"}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    for line, words in (
        (3, "unknown column 'people'"),
        (4, "negative count -4"),
        (5, "'四十五' is not a number"),
        (6, "no sha256 and no file_path"),
        (7, "unknown file 'missing.md'"),
        (8, "conflicting values"),
        (9, "conflicting values"),
    ):
        assert words in reasons[line], (line, reasons[line])
    assert _query(w2, "SELECT count(*) FROM landing.rejected_corrections") == [(7,)]
    # the conflicting cell keeps what the report prints
    assert _query(
        w2,
        """SELECT carried_over, carried_over_status FROM marts.fct_request_flow
                         WHERE agency_id = ? AND column_key = 'total'""",
        [A_ID],
    ) == [(3.0, "value")]
    # Dagster reports the rejections (asset metadata and the log), and the run summary lists them
    [mat] = [
        m
        for m in e2e["result2"].asset_materializations_for_node("correction_files")
        if m.asset_key == landing_key("corrections")
    ]
    assert (mat.metadata["corrections"].value, mat.metadata["rejected"].value) == (15, 7)
    text = e2e["summary2"]
    assert "corrections: 15 applied, 7 rejected" in text
    assert "rejected by_hand.csv:4: negative count -4" in text
    assert "needs review (待人工核对, reports partly read): 1 agency-years" in text
    findings = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "findings", "--warehouse", str(w2)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        check=True,
    ).stdout
    assert "2 findings in" in findings and "1 agency-years 待人工核对 (needs_review)" in findings


def test_stale_corrections_are_reported_and_never_applied_to_new_bytes(e2e: dict[str, Any]) -> None:
    w3 = e2e["w3"]
    stale = _query(
        w3,
        """SELECT source_file, line_no, status_detail FROM marts.cell_corrections
                          WHERE correction_status = 'stale' ORDER BY 1, 2""",
    )
    assert [(f, n) for f, n, _ in stale] == [("2022_filled.csv", n) for n in range(2, 16)] + [("by_hand.csv", 2)]
    assert all(f"the file {A_FILE} has changed since it was corrected" in d for f, _, d in stale if f != "by_hand.csv")
    assert f"superseded: the current version of {B_ID} {YEAR} is {B_V2}" in stale[-1][2]
    assert _query(w3, "SELECT count(*) FROM marts.fct_requests WHERE cell_status = 'corrected'") == [(0,)]
    assert _compliance(w3) == {
        A_ID: ("needs_review", "待人工核对", "partial", 14, 0),
        B_ID: ("needs_review", "待人工核对", "partial", 7, 0),
    }
    # only a current report is corrected: the superseded version of B is as parsed
    assert _query(
        w3,
        """SELECT file_path, is_current, read_quality, n_cells_corrected FROM marts.report_versions
                         WHERE agency_id = ? ORDER BY version_no""",
        [B_ID],
    ) == [(B_FILE, False, "partial", 0), (B_V2, True, "partial", 0)]
    assert (
        "15 stale" in e2e["summary3"] and f"stale 2022_filled.csv:2: the file {A_FILE} has changed" in e2e["summary3"]
    )


# ---------------------------------------------------------------- the dashboard of run 2


@pytest.fixture
def tab(e2e: dict[str, Any], browser: Any) -> Iterator[Any]:
    from tests.browser import Page

    page = Page(browser, e2e["site2"])
    try:
        yield page
    finally:
        page.page.close()


def test_dashboard_counts_needs_review_and_marks_corrected_cells(e2e: dict[str, Any], tab: Any) -> None:
    from tests.browser import ARTIFACTS

    page = tab.open(f"overview?year={YEAR}")
    kpi = page.locator('.kpi[data-kpi="needs_review"]')
    assert kpi.locator(".l").inner_text() == "待人工核对" and kpi.locator(".n").inner_text() == "1"
    kpi.click()
    page.wait_for_selector("#agencies")
    assert page.eval_on_selector_all("#agencies tbody tr", "trs => trs.map(tr => tr.dataset.agency)") == [B_ID]

    page = tab.open(f"agency/{B_ID}?year={YEAR}")
    page.wait_for_selector("#read-quality")
    quality = page.locator("#read-quality")
    assert (
        quality.get_attribute("data-read-quality"),
        quality.get_attribute("data-unread"),
        quality.get_attribute("data-corrected"),
    ) == ("partial", "6", "1")
    assert "待人工核对" in quality.inner_text()
    assert page.inner_text(f'#agency-years tr[data-year="{YEAR}"] td[data-read-quality]') == "部分未识别（6 格未识别）"

    page = tab.open(f"agency/{A_ID}?year={YEAR}")
    page.wait_for_selector("#read-quality")
    assert page.get_attribute("#read-quality", "data-read-quality") == "complete"
    corrected = page.eval_on_selector_all(
        "#report-tables td.corrected",
        """tds => tds.map(td =>
        [td.closest('tr').dataset.row, td.dataset.column, td.innerText, td.title])""",
    )
    assert {(r, c): text for r, c, text, _ in corrected} == {
        (row, col): str(v) for row, values in A_READ.items() for col, v in zip(APPLICANTS, values, strict=False)
    }
    title = next(t for r, c, _, t in corrected if (r, c) == ("granted", "natural_person"))
    assert "人工核对值：12" in title and "原识别：无法识别，原文“12 | 3 | 15”" in title and "核对人 张三" in title
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-corrected.png"), full_page=True)
    tab.check_clean()


def test_dashboard_marks_placed_cells_with_the_printed_text(e2e: dict[str, Any], tab: Any, tmp_path: Path) -> None:
    """A number placed by order (the parser's `placed`) is drawn as a number, marked, with the printed text."""
    import duckdb

    from pipelines.dashboard import build_dashboard
    from tests.browser import Page

    warehouse = shutil.copy2(e2e["w2"], tmp_path / "placed.duckdb")
    con = duckdb.connect(str(warehouse))
    try:  # as the parser will write it: a value read from the row "6 | 6", placed by order
        con.execute(
            """UPDATE marts.fct_requests SET cell_status = 'placed', value = 6, raw_text = '6 | 6'
                       WHERE agency_id = ? AND row_key = 'partially_granted' AND column_key = 'total'""",
            [B_ID],
        )
    finally:
        con.close()
    build_dashboard(warehouse, tmp_path / "site")
    page = Page(tab.page.context.browser, tmp_path / "site")
    try:
        page.open(f"agency/{B_ID}?year={YEAR}").wait_for_selector("#read-quality")
        cell = page.page.locator(
            'table.report[data-table="requests"] tr[data-row="partially_granted"] td[data-column="total"]'
        )
        assert cell.get_attribute("data-cell-status") == "placed" and cell.inner_text() == "6"
        assert "按顺序放置（经勾稽关系确认）" in cell.get_attribute("title") and "原文“6 | 6”" in cell.get_attribute(
            "title"
        )
        page.check_clean()
    finally:
        page.page.close()
