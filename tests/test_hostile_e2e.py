"""The real Dagster job over a raw folder holding a real report and every hostile file at once:
zip and entity bombs, decompression bombs, endless and deeply nested structures, an oversized
file, symbolic links out of the folder and in loops, a named pipe, names with newlines and bytes
that are not UTF-8, the same bytes under two names, a file changing while it is read, and parsers
that crash, hang or exhaust memory. The run succeeds, the real report reaches the marts, every
hostile entry is quarantined with its one-line reason, and the workers' memory stays bounded."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dagster import ExecuteInProcessResult

from pipelines import inventory
from pipelines.assets import parsed
from pipelines.assets.landing import asset_keys
from pipelines.definitions import JOB_NAME, build_defs
from pipelines.publish import work_path
from tests import hostile
from tests.conftest import RAW_DIR
from tests.conftest import query as _query

TIME_LIMIT_S = 30  # the run's limit lowered for the test: slow.pdf never answers
PEAK_LIMIT_MIB = 500

WEIRD_NAME = b"names/\xe6\x8a\xa5\xe5\x91\x8a 2021\n(\xff).txt"  # 报告 2021⏎(byte FF).txt
WEIRD_SHOWN = "names/报告 2021\\n(\\xff).txt"

# The files that crash, hang or exhaust a parser process. A shard parses its files in path order: this
# folder sorts first, so slow.pdf's TIME_LIMIT_S of waiting overlaps the parsing of the other files
# (on the pool's other process) instead of following it.
WORKERS = "0-workers"

# Entries beside the hostile files, and the reason fragment each is quarantined with.
OTHERS = {
    "links/to-passwd.pdf": "symbolic link to '/etc/passwd', a file outside the raw folder: not followed",
    "links/to-outside": "a folder outside the raw folder: not followed",
    "links/loop": "a folder inside the raw folder: not followed",
    "links/self.pdf": "a loop: not followed",
    "links/dangling.pdf": "which does not exist: not followed",
    "links/to-report.pdf": "a file inside the raw folder: not followed",
    "pipe.pdf": "a named pipe (FIFO), not a regular file: not read",
    "sparse-60MB.pdf": "file is 60.0 MB, over the 50.0 MB limit for one report file",
    "growing.pdf": "file changed while it was read (3 attempts): not parsed this run",
    f"{WORKERS}/crash.pdf": "parser process died (killed by SIGKILL; out of memory?)",
    f"{WORKERS}/slow.pdf": f"parsing took longer than {TIME_LIMIT_S} s, the limit for one file",
    f"{WORKERS}/hog.pdf": "out of memory: parsing needed more than the 2,048.0 MB a parser process may use",
}


def _build_raw(raw: Path) -> None:
    raw.mkdir()
    shutil.copy2(RAW_DIR / "hzq2024.pdf", raw / "hzq2024.pdf")
    shutil.copy2(RAW_DIR / "hzq2024.pdf", raw / "copy of hzq2024.pdf")  # the same bytes under two names
    shutil.copy2(RAW_DIR / "agencies.csv", raw / "agencies.csv")
    hostile.write_all(raw / "hostile")
    hostile.sparse_file(raw / "sparse-60MB.pdf", 60 << 20)
    os.mkfifo(raw / "pipe.pdf")
    outside = raw.parent / "outside"
    outside.mkdir()
    (outside / "secret.pdf").write_bytes((RAW_DIR / "hzq2023.pdf").read_bytes())
    links = raw / "links"
    links.mkdir()
    (links / "to-passwd.pdf").symlink_to("/etc/passwd")
    (links / "to-outside").symlink_to(outside, target_is_directory=True)
    (links / "loop").symlink_to(raw, target_is_directory=True)
    (links / "self.pdf").symlink_to(links / "self.pdf")
    (links / "dangling.pdf").symlink_to(raw / "nothing.pdf")
    (links / "to-report.pdf").symlink_to("../hzq2024.pdf")
    names = os.path.join(os.fsencode(raw), WEIRD_NAME)
    os.makedirs(os.path.dirname(names))
    with open(names, "wb") as f:
        f.write((RAW_DIR / "xianfeng2021.txt").read_bytes())
    (raw / "growing.pdf").write_bytes((RAW_DIR / "hzq2023.pdf").read_bytes())
    (raw / WORKERS).mkdir()
    for name in ("crash.pdf", "slow.pdf", "hog.pdf"):
        (raw / WORKERS / name).write_bytes(b"%PDF-1.7\n% " + name.encode() + b"\n")


@dataclass
class Run:
    result: ExecuteInProcessResult
    meta: dict[str, Any]
    quarantined: dict[str, str]
    parsed: dict[str, str]  # path → sha256
    files: dict[str, str]  # path → format


def _run(raw: Path, warehouse: Path, assets: list[str] | None = None) -> Run:
    job = build_defs(raw, warehouse).resolve_job_def(JOB_NAME)
    result = job.execute_in_process(
        raise_on_error=False, asset_selection=[k for a in assets for k in asset_keys(a)] if assets else None
    )
    mats = result.asset_materializations_for_node("parsed_reports")
    meta = {k: v.value for k, v in mats[0].metadata.items()} if mats else {}
    # a run of some assets only is not published: what it landed is in its work copy
    built = work_path(warehouse) if assets else warehouse
    return Run(
        result,
        meta,
        dict(_query(built, "SELECT file_path, reason FROM landing.quarantined_files")),
        dict(_query(built, "SELECT file_path, sha256 FROM landing.parsed_reports")),
        dict(_query(built, "SELECT file_path, format FROM landing.raw_report_files")),
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Run]:
    raw = tmp_path_factory.mktemp("hostile") / "raw"
    _build_raw(raw)
    warehouse = raw.parent / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parsed, "TIME_LIMIT_S", TIME_LIMIT_S)
        mp.setattr(parsed, "WORKER_TARGET", hostile.parse_or_die)
        real_read = inventory._read_fd

        def read_while_written(fd: int, cap: int) -> bytes:  # growing.pdf grows while it is read
            data = real_read(fd, cap)
            if os.path.samestat(os.fstat(fd), os.stat(raw / "growing.pdf")):
                with open(raw / "growing.pdf", "ab") as f:
                    f.write(b"% more\n")
            return data

        mp.setattr(inventory, "_read_fd", read_while_written)
        run = _run(raw, warehouse)
    return raw, warehouse, run


def test_the_run_succeeds_with_every_check(hostile_run: tuple[Path, Path, Run]) -> None:
    _, _, run = hostile_run
    assert run.result.success
    evaluations = {e.asset_check_key.to_user_string(): e.passed for e in run.result.get_asset_check_evaluations()}
    assert evaluations["landing/parsed_reports:every_file_accounted_for"]


HZQ2024_SHA = hashlib.sha256((RAW_DIR / "hzq2024.pdf").read_bytes()).hexdigest()


def test_the_real_report_reaches_the_marts(hostile_run: tuple[Path, Path, Run]) -> None:
    _, warehouse, _run = hostile_run
    ((rows,),) = _query(
        warehouse,
        """SELECT count(*) FROM marts.fct_requests r
                                    JOIN landing.parsed_reports p USING (report_id)
                                    WHERE p.sha256 = ? AND r.value IS NOT NULL""",
        [HZQ2024_SHA],
    )
    assert rows > 0
    assert _query(
        warehouse, "SELECT report_year, read_quality FROM marts.report_versions WHERE sha256 = ?", [HZQ2024_SHA]
    ) == [(2024, "complete")]


def test_every_hostile_file_is_quarantined_with_its_reason(hostile_run: tuple[Path, Path, Run]) -> None:
    _, _, run = hostile_run
    expected = {f"hostile/{name}": fragment for name, (_, fragment) in hostile.HOSTILE.items() if fragment}
    expected |= OTHERS
    for path, fragment in expected.items():
        assert path in run.quarantined, f"{path} not quarantined"
        reason = run.quarantined[path]
        assert reason.startswith(f"{path}: ") and fragment in reason, reason
    for path, reason in run.quarantined.items():
        assert "\n" not in reason and "\n" not in path and len(reason) < 500


def test_reports_inside_hostile_files_are_read(hostile_run: tuple[Path, Path, Run]) -> None:
    """The HTML report with an entity bomb, 100,000-deep nesting, span bombs or a 5,000-digit colspan
    is parsed; the PDFs with loops and deep nesting are read to their end."""
    _, _, run = hostile_run
    for name, (_, fragment) in hostile.HOSTILE.items():
        if fragment is None and name.endswith(".html"):
            assert f"hostile/{name}" in run.parsed
        elif fragment is None:
            assert "no report year" in run.quarantined[f"hostile/{name}"]


def test_names_and_duplicates(hostile_run: tuple[Path, Path, Run]) -> None:
    """A name with a newline and a byte that is not UTF-8 is stored printable and parsed; the same
    bytes under two names are two files and one parse."""
    raw, _, run = hostile_run
    assert run.files[WEIRD_SHOWN] == "text" and WEIRD_SHOWN in run.parsed
    assert os.path.exists(inventory.os_path(raw, WEIRD_SHOWN))
    assert run.files["hzq2024.pdf"] == run.files["copy of hzq2024.pdf"] == "pdf"
    # one parse, under the first of its paths
    assert [p for p, sha in run.parsed.items() if sha == HZQ2024_SHA] == ["copy of hzq2024.pdf"]
    assert "hzq2024.pdf" not in run.quarantined
    assert run.files["links/to-passwd.pdf"] == "symlink" and run.files["pipe.pdf"] == "special"
    assert not [p for p in run.files if p.startswith(("links/loop/", "links/to-outside/"))]


def test_worker_memory_stays_bounded(hostile_run: tuple[Path, Path, Run]) -> None:
    _, _, run = hostile_run
    print(
        f"peak parse worker memory: {run.meta['peak_worker_rss_mib']} MiB; "
        f"workers replaced: {run.meta['workers_replaced']}"
    )
    assert 0 < run.meta["peak_worker_rss_mib"] < PEAK_LIMIT_MIB
    assert run.meta["workers_replaced"] == 3  # crash, slow, hog


def test_the_summary_lists_each_quarantined_file_on_one_line(hostile_run: tuple[Path, Path, Run]) -> None:
    from pipelines.runner import summary

    _, warehouse, run = hostile_run
    lines = summary(warehouse).splitlines()
    listed = [ln for ln in lines if ln.startswith("  - ")]
    assert len(listed) == len(run.quarantined)


def test_a_second_run_reads_what_settled_and_nothing_else(hostile_run: tuple[Path, Path, Run]) -> None:
    """Landing and parsing again (the real parser now): cached quarantines stay, growing.pdf, read
    whole this time, is parsed."""
    raw, warehouse, first = hostile_run
    again = _run(raw, warehouse, ["raw_report_files", "parsed_reports"])
    assert again.result.success
    assert again.meta["parsed_this_run"] == 1 and "growing.pdf" in again.parsed
    assert again.meta["quarantined_this_run"] == 0
    assert set(again.quarantined) == set(first.quarantined) - {"growing.pdf"}
