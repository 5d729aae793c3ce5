"""Malformed registry and publication files (issue #10): a missing column, a duplicate id, a BOM,
UTF-16 and GBK files, bad years and dates, paths that leave the raw folder, a comma that shifts
columns. Each gives a clear error naming the file and the line; the good rows still apply; nothing
is dropped without saying so (landing.rejected_metadata_rows, the Dagster log, the staging view,
the run summary lines, `ogi findings`).

First each case on the readers (pipelines/metadata.py, real files in a temporary folder), then one
real Dagster run (build_defs) over a raw folder holding all of them beside two reports.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipelines.metadata import read_publications, read_registry
from pipelines.monitoring import metadata_problem_lines
from tests.conftest import REPO_ROOT
from tests.conftest import query as _query

HEADER = "agency_id,name,aliases,level,parent_id,kind,first_year,last_year,is_generated\n"
FIXTURE = REPO_ROOT / "tests" / "corpus" / "fixtures" / "raw" / "fixture2021__text_tabs.txt"
TODAY = dt.date(2026, 12, 6)


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def _problems(problems: list[Any]) -> dict[tuple[str, int], list[tuple[str, bool]]]:
    out: dict[tuple[str, int], list[tuple[str, bool]]] = {}
    for p in problems:
        out.setdefault((p.source_file, p.line_no), []).append((p.reason, p.applied))
    return out


# ---------------------------------------------------------------- agencies.csv


def test_a_registry_without_a_required_column_is_rejected_whole_and_the_others_apply(tmp_path: Path) -> None:
    _write(tmp_path / "agencies.csv", HEADER + "a1,甲局,,city_department,,department,,,false\n")
    _write(tmp_path / "sub" / "agencies.csv", "agency_id,level\nb1,township\nb2,township\n")
    rows, problems = read_registry(tmp_path)
    assert [r[0] for r in rows] == ["a1"]
    [(reason, applied)] = _problems(problems)[("sub/agencies.csv", 1)]
    assert not applied
    assert reason.startswith("the file lacks the columns name: none of its 2 rows applied (columns: agency_id, name,")


def test_duplicate_ids_within_and_across_files_reject_the_later_rows(tmp_path: Path) -> None:
    _write(tmp_path / "agencies.csv", HEADER + "a1,甲局,,,,,,,\na2,乙局,,,,,,,\na1,甲局（重复）,,,,,,,\n")
    _write(tmp_path / "zz" / "agencies.csv", HEADER + "a2,乙局（另一份）,,,,,,,\na3,丙局,,,,,,,\n")
    rows, problems = read_registry(tmp_path)
    assert [(r[0], r[1], r[-1]) for r in rows] == [
        ("a1", "甲局", "agencies.csv"),
        ("a2", "乙局", "agencies.csv"),
        ("a3", "丙局", "zz/agencies.csv"),
    ]
    found = _problems(problems)
    assert found == {
        ("agencies.csv", 4): [
            (
                "agency_id 'a1' is already registered at agencies.csv:2 (ids are unique across every "
                "agencies.csv): this row is not applied",
                False,
            )
        ],
        ("zz/agencies.csv", 2): [
            (
                "agency_id 'a2' is already registered at agencies.csv:3 (ids are unique across "
                "every agencies.csv): this row is not applied",
                False,
            )
        ],
    }
    assert problems[0].rejection.fields["name"] == "甲局（重复）"  # the row as written is kept with the reason


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gb18030", "gbk"])
def test_bom_utf16_and_gbk_registries_are_read(tmp_path: Path, encoding: str) -> None:
    _write(
        tmp_path / "agencies.csv",
        HEADER + "a1,淮安市洪泽区人民政府,洪泽区政府|洪泽区,county_government,,,2019,,否\n",
        encoding,
    )
    rows, problems = read_registry(tmp_path)
    assert rows == [
        (
            "a1",
            "淮安市洪泽区人民政府",
            "洪泽区政府|洪泽区",
            "county_government",
            None,
            None,
            2019,
            None,
            False,
            "agencies.csv",
        )
    ]
    assert problems == []


def test_wrong_fields_are_left_empty_with_the_reason(tmp_path: Path) -> None:
    _write(
        tmp_path / "agencies.csv",
        HEADER + "p1,某市人民政府,,city_government,,government,2019,,false\n"
        "a1,甲局,,city_dept,p9,govt,2O19,,false\n"  # 3: level, parent, kind, year
        "a2,乙局,,city_department,p1,department,2023,2020,false\n"  # 4: first after last
        "a3,丙局,,city_department,a3,,１９９９,,false\n"  # 5: itself as parent, a year before 2008
        "a4,丁局,,city_department,p1,department,２０２０,2024,true\n",
    )  # 6: full-width digits are a year
    rows, problems = read_registry(tmp_path)
    by_id = {r[0]: r for r in rows}
    assert by_id["a1"][3:8] == (None, None, None, None, None)
    assert by_id["a2"][3:8] == ("city_department", "p1", "department", None, None)
    assert by_id["a3"][3:8] == ("city_department", None, None, None, None)
    assert by_id["a4"][3:] == ("city_department", "p1", "department", 2020, 2024, True, "agencies.csv")
    found = _problems(problems)
    assert sorted(found) == [("agencies.csv", 3), ("agencies.csv", 4), ("agencies.csv", 5)]
    assert all(applied for reasons in found.values() for _, applied in reasons)
    reasons = " | ".join(r for r, _ in found[("agencies.csv", 3)])
    assert "level 'city_dept' is not one of city_government," in reasons
    assert "parent_id 'p9' is not the agency_id of any registered agency: left empty" in reasons
    assert "kind 'govt' is not government or department: left empty" in reasons
    assert "first_year '2O19' is not a year (2008–2100): first_year and last_year left empty" in reasons
    assert "first_year 2023 is after last_year 2020" in found[("agencies.csv", 4)][0][0]
    assert {r.split(":")[0] for r, _ in found[("agencies.csv", 5)]} == {
        "parent_id 'a3' is the agency itself",
        "first_year '1999' is not a year (2008–2100)",
    }


def test_rows_that_cannot_be_applied_are_rejected_by_line(tmp_path: Path) -> None:
    _write(
        tmp_path / "agencies.csv",
        "\ufeffAgency_ID , Name,level,frist_year\n"
        "a1,甲局,city_department,2019\n"
        "\n"
        ",无编号,,\n"  # 4
        "a2, ,,\n"  # 5
        "a3,淮安市,某局,city_department,2019\n"  # 6: an unquoted comma shifts the columns
        '"a4","乙局,（合署）",,\n',
    )  # 7: quoted, fine
    rows, problems = read_registry(tmp_path)
    assert [(r[0], r[1]) for r in rows] == [("a1", "甲局"), ("a4", "乙局,（合署）")]
    found = _problems(problems)
    assert found[("agencies.csv", 1)] == [
        (
            "unknown column 'frist_year' in the header: its values are not read (columns: "
            "agency_id, name, aliases, level, parent_id, kind, first_year, last_year, "
            "is_generated, list_page_url, report_url)",  # the last two: where it publishes (issue #13)
            True,
        )
    ]
    assert found[("agencies.csv", 4)] == [("agency_id is empty: the row is not applied", False)]
    assert found[("agencies.csv", 5)] == [("name is empty for agency_id 'a2': the row is not applied", False)]
    assert found[("agencies.csv", 6)][0][0].startswith("the line has 5 values but the header 4 columns")


def test_an_unreadable_registry_says_so(tmp_path: Path) -> None:
    _write(tmp_path / "agencies.csv", "")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "agencies.csv").write_bytes(b"agency_id,name\n\x81\x30\xff\xff,x\n")  # not GB18030 either
    rows, problems = read_registry(tmp_path)
    assert rows == []
    found = _problems(problems)
    assert found[("agencies.csv", 1)][0][0].startswith("the file lacks the columns agency_id, name: none of its 0 rows")
    assert found[("b/agencies.csv", 1)][0][0].startswith("cannot read the file:")


# ---------------------------------------------------------------- publications.csv


def _reports(raw: Path, *paths: str) -> None:
    for p in paths:
        _write(raw / p, "report")


@pytest.mark.parametrize(
    "written, expected",
    [
        ("2024-03-01", dt.date(2024, 3, 1)),
        ("2024/3/1", dt.date(2024, 3, 1)),  # Excel on a Chinese Windows re-saves dates so
        ("2024.03.01", dt.date(2024, 3, 1)),
        ("2024年3月1日", dt.date(2024, 3, 1)),
        ("２０２４－０３－０１", dt.date(2024, 3, 1)),  # full-width
        ("2024-03-01 09:30", dt.date(2024, 3, 1)),
        ("", None),  # no date: R10 not assessable (documented)
    ],
)
def test_dates_as_people_write_them(tmp_path: Path, written: str, expected: dt.date | None) -> None:
    _reports(tmp_path, "r.pdf")
    _write(tmp_path / "publications.csv", f"file,published_at\nr.pdf,{written}\n")
    rows, problems = read_publications(tmp_path, today=TODAY)
    assert (rows, problems) == ([("r.pdf", expected, "publications.csv")], [])


@pytest.mark.parametrize(
    "written, reason",
    [
        ("03/01/2024", "published_at '03/01/2024' is not a date (write it as 2024-03-01): the row is not applied"),
        ("2024-02-30", "published_at '2024-02-30' is not a date of the calendar: the row is not applied"),
        ("去年三月", "published_at '去年三月' is not a date"),
        ("1999-03-01", "published_at '1999-03-01' is before 2008"),
        ("2027-01-01", "published_at '2027-01-01' is in the future (today is 2026-12-06)"),
    ],
)
def test_bad_dates_reject_the_row_with_file_and_line(tmp_path: Path, written: str, reason: str) -> None:
    _reports(tmp_path, "city/r.pdf", "city/ok.pdf")
    _write(tmp_path / "city" / "publications.csv", f"file,published_at\nok.pdf,2024-03-01\nr.pdf,{written}\n")
    rows, problems = read_publications(tmp_path, today=TODAY)
    assert rows == [("city/ok.pdf", dt.date(2024, 3, 1), "city/publications.csv")]
    [p] = problems
    assert (p.source_file, p.line_no, p.applied, p.file_kind) == ("city/publications.csv", 3, False, "publications")
    assert p.reason.startswith(reason)


def test_paths_are_kept_inside_the_raw_folder(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    _reports(raw, "city/a.pdf", "city/sub/b.pdf", "top.pdf")
    _write(tmp_path / "outside.pdf", "not under raw")
    _write(
        raw / "city" / "publications.csv",
        "file,published_at\n"
        "a.pdf,2024-03-01\n"  # 2 good
        "sub\\b.pdf,2024-03-02\n"  # 3 a Windows separator: good
        "../top.pdf,2024-03-03\n"  # 4 up, but still inside the raw folder: good
        "../../outside.pdf,2024-03-04\n"  # 5 outside
        "/etc/passwd,2024-03-04\n"  # 6 absolute
        "C:\\reports\\a.pdf,2024-03-04\n"  # 7 absolute (Windows)
        "\\\\server\\share\\a.pdf,2024-03-04\n"  # 8 absolute (a share)
        "sub/../../../outside.pdf,2024-03-04\n"  # 9 outside, in two steps
        "nowhere.pdf,2024-03-04\n"  # 10 no such file
        "a.pdf,2024-03-05\n"  # 11 listed twice
        ",2024-03-05\n",
    )  # 12 no file
    rows, problems = read_publications(raw, today=TODAY)
    assert [r[0] for r in rows] == ["city/a.pdf", "city/sub/b.pdf", "top.pdf"]
    found = {p.line_no: p.reason for p in problems}
    assert sorted(found) == [5, 6, 7, 8, 9, 10, 11, 12]
    assert found[5] == "the path '../../outside.pdf' leads outside the raw folder: the row is not applied"
    assert found[9] == "the path 'sub/../../../outside.pdf' leads outside the raw folder: the row is not applied"
    assert all("is absolute" in found[n] for n in (6, 7, 8))
    assert found[10] == "no such file under the raw folder: city/nowhere.pdf"
    assert found[11] == (
        "city/a.pdf is already listed at city/publications.csv:2 (published_at 2024-03-01): this row is not applied"
    )
    assert found[12] == "file is empty: which report was published?"
    assert all(p.source_file == "city/publications.csv" and not p.applied for p in problems)


def test_a_publications_file_without_published_at_is_rejected_whole(tmp_path: Path) -> None:
    _reports(tmp_path, "a.pdf")
    _write(tmp_path / "publications.csv", "file,date\na.pdf,2024-03-01\n", "gb18030")
    rows, problems = read_publications(tmp_path, today=TODAY)
    assert rows == []
    [p] = problems
    assert (p.source_file, p.line_no) == ("publications.csv", 1)
    assert p.reason == (
        "the file lacks the columns published_at: none of its 1 rows applied (columns: file, published_at)"
    )


# ---------------------------------------------------------------- a real run


def _report(name: str) -> str:
    return FIXTURE.read_text(encoding="utf-8").replace("滨江市交通运输局", name, 1)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from dagster import DagsterInstance

    from pipelines.definitions import JOB_NAME, build_defs

    tmp = tmp_path_factory.mktemp("metadata")
    raw = tmp / "raw"
    # the root registry, UTF-8 with a BOM (Excel's "CSV UTF-8"): one good agency, a duplicate, a bad year
    _write(
        raw / "agencies.csv",
        HEADER + "bj-jt,滨江市交通运输局,,city_department,,department,2022,,false\n"
        "bj-jt,滨江市交通运输局（重复）,,city_department,,department,,,false\n"
        "bj-cz,滨江市财政局,,city_department,,department,二〇二二,,false\n",
        "utf-8-sig",
    )
    # a registry saved as GBK (Excel's "CSV" on a Chinese Windows), one id already taken by the root file
    _write(
        raw / "mz" / "agencies.csv",
        HEADER + "bj-mz,滨江市民政局,,city_department,,department,2022,,false\n"
        "bj-jt,滨江市交通运输局,,city_department,,department,,,false\n",
        "gbk",
    )
    # a registry without its name column: none of its rows apply
    _write(raw / "broken" / "agencies.csv", "agency_id,level\nbj-x,township\n")
    _write(raw / "jt_2022.txt", _report("滨江市交通运输局"))
    _write(raw / "mz" / "mz_2022.txt", _report("滨江市民政局"))
    _write(
        raw / "publications.csv",
        "file,published_at\n"
        "jt_2022.txt,2023-02-10\n"  # 2 late (departments: 31 January)
        "../jt_2022.txt,2023-01-01\n"  # 3 outside the raw folder
        "jt_2022.txt,2023-01-15\n"  # 4 listed twice
        "gone.txt,2023-01-15\n",
        "utf-8",
    )  # 5 no such file
    _write(
        raw / "mz" / "publications.csv",
        "file,published_at\n"
        "mz_2022.txt,2023年1月20日\n"  # 2 good (on time)
        "mz_2022.txt,2023-01-32\n",
        "gbk",
    )  # 3 not a date
    warehouse = tmp / "warehouse.duckdb"
    with DagsterInstance.ephemeral() as instance:
        result = (
            build_defs(raw, warehouse)
            .resolve_job_def(JOB_NAME)
            .execute_in_process(instance=instance, raise_on_error=False)
        )
        logs = [e.user_message for e in instance.all_logs(result.run_id)]
    return {"raw": raw, "warehouse": warehouse, "result": result, "logs": logs}


EXPECTED = {
    ("agencies.csv", 3, False): "agency_id 'bj-jt' is already registered at agencies.csv:2",
    ("agencies.csv", 4, True): "first_year '二〇二二' is not a year (2008–2100)",
    ("broken/agencies.csv", 1, False): "the file lacks the columns name: none of its 1 rows applied",
    ("mz/agencies.csv", 3, False): "agency_id 'bj-jt' is already registered at agencies.csv:2",
    ("publications.csv", 3, False): "the path '../jt_2022.txt' leads outside the raw folder",
    ("publications.csv", 4, False): "jt_2022.txt is already listed at publications.csv:2 (published_at 2023-02-10)",
    ("publications.csv", 5, False): "no such file under the raw folder: gone.txt",
    ("mz/publications.csv", 3, False): "published_at '2023-01-32' is not a date",
}


def test_the_run_succeeds_and_the_good_rows_apply(run: dict[str, Any]) -> None:
    w = run["warehouse"]
    assert run["result"].success
    assert _query(w, "SELECT agency_id, name, first_year, source_file FROM landing.agencies ORDER BY 1") == [
        ("bj-cz", "滨江市财政局", None, "agencies.csv"),
        ("bj-jt", "滨江市交通运输局", 2022, "agencies.csv"),
        ("bj-mz", "滨江市民政局", 2022, "mz/agencies.csv"),
    ]
    # the GBK registry is read: its report is matched; the publication dates apply (R10 late / on time)
    assert _query(
        w,
        """SELECT agency_id, first_published_at, on_time, status FROM marts.agency_year_compliance
                        WHERE report_found ORDER BY 1""",
    ) == [("bj-jt", dt.date(2023, 2, 10), False, "late"), ("bj-mz", dt.date(2023, 1, 20), True, "compliant")]


def test_every_row_not_applied_is_listed_with_file_line_and_reason(run: dict[str, Any]) -> None:
    for table in ("landing.rejected_metadata_rows", "staging.stg_rejected_metadata_rows"):
        rows = _query(run["warehouse"], f"SELECT source_file, line_no, row_applied, reason, file_kind FROM {table}")
        found = {(s, n, a): reason for s, n, a, reason, _ in rows}
        assert set(found) == set(EXPECTED), table
        for key, start in EXPECTED.items():
            assert found[key].startswith(start), (key, found[key])
        assert {kind for *_, kind in rows} == {"agencies", "publications"}
    fields = _query(
        run["warehouse"],
        """SELECT fields FROM landing.rejected_metadata_rows
                                         WHERE source_file = 'agencies.csv' AND line_no = 3""",
    )[0][0]
    assert '"name": "滨江市交通运输局（重复）"' in fields


def test_rejections_are_logged_warned_and_summarised(run: dict[str, Any]) -> None:
    logs = "\n".join(run["logs"])
    for (source, line, _applied), start in EXPECTED.items():
        assert f"{source}:{line}: {start}" in logs, (source, line)
    assert "agencies row rejected: mz/agencies.csv:3" in logs
    assert "agencies row applied in part: agencies.csv:4" in logs
    warned = {
        e.event_specific_data.asset_check_key.name
        for e in run["result"].all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed
    }
    assert {"metadata_rows_rejected", "metadata_fields_left_empty"} <= warned
    con = duckdb.connect(str(run["warehouse"]), read_only=True)
    try:
        lines = metadata_problem_lines(con)
    finally:
        con.close()
    assert lines[0] == (
        "registry and publication files (agencies.csv, publications.csv): 7 rows not applied, "
        "1 applied with a field left empty (landing.rejected_metadata_rows)"
    )
    assert (
        "  not applied mz/agencies.csv:3: agency_id 'bj-jt' is already registered at agencies.csv:2 (ids are "
        "unique across every agencies.csv): this row is not applied" in lines
    )
    assert any(line.startswith("  applied, field left empty agencies.csv:4: first_year") for line in lines)
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "findings", "--warehouse", str(run["warehouse"])],
        check=False,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0 and "7 rows of agencies.csv / publications.csv not applied" in done.stdout
