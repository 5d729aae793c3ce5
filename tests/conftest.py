"""Shared fixtures (the repository paths, a scratch copy of data/raw, one monitored run, the
browser) and the kind of every test module.

Kinds (pytest markers, registered in pyproject.toml; docs/contributing.md):
  unit         hand-written inputs in process: template, grid, readers, aligner, rules, scorer, …
               (`make test-fast` runs these: under a minute on two cores)
  corpus       the parser, the check and the generator over whole corpora: tests/corpus/*, the real
               reports, generated cities, hostile files, fuzzing
  integration  Dagster and dbt runs, the warehouse, real processes (`ogi run`, parse workers)
  browser      the dashboard in headless Chromium; any test that uses the `browser` fixture is
               marked `browser` too, whatever its module's kind
A module missing from TEST_KINDS stops the run: every test module says what kind it is.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

KINDS = ("unit", "corpus", "integration", "browser")
TEST_KINDS: dict[str, str] = {
    "test_aligner": "unit",
    "test_batches": "unit",
    "test_aligner_evidence": "unit",
    "test_format_docx": "unit",
    "test_format_docx_xml": "unit",
    "test_format_html": "unit",
    "test_format_markdown": "unit",
    "test_format_pdf": "unit",
    "test_format_xlsx": "unit",
    "test_format_xlsx_xml": "unit",
    "test_format_xlsx_plain": "unit",
    "test_inventory": "unit",
    "test_landing_tables": "unit",
    "test_parser_text": "unit",
    "test_rules": "unit",
    "test_rules_parity": "integration",
    "test_score": "unit",
    "test_template": "unit",
    "test_docs": "unit",
    "test_check": "corpus",
    "test_corpus_score": "corpus",
    "test_damaged_findings": "corpus",
    "test_fuzz": "corpus",
    "test_generate": "corpus",
    "test_hostile_files": "corpus",
    "test_parser_real": "corpus",
    "test_score_corpora": "corpus",
    "test_corrections": "integration",
    "test_export": "integration",
    "test_hostile_e2e": "integration",
    "test_hostile_text": "integration",
    "test_landing_assets": "integration",
    "test_metadata_files": "integration",
    "test_monitoring_e2e": "integration",
    "test_parse_worker": "integration",
    "test_pipeline_e2e": "integration",
    "test_publish": "integration",
    "test_schedules": "integration",
    "test_dashboard": "browser",
    # collecting from the agencies' websites (issue #13)
    "test_collect_pages": "unit",
    "test_collect_sites": "integration",
    # scale-out of parsing (pipelines/shards.py)
    "test_shards": "unit",
    "test_celery_shards": "integration",
    # OCR of scanned, faxed and photographed reports (issue #16)
    "test_ocr": "corpus",
    "test_ocr_mixed": "corpus",  # mixed PDFs: tables pasted as pictures, a scanned page
    "test_ocr_images": "unit",
    "test_ocr_debug": "unit",  # issue 16: debug images, crops' locations, OCR progress (ocr-review)
    "test_ocr_review": "integration",  # issue 16: the OCR pool, crops in the workbook and dashboard, --debug
    # issue 12 (fast runs): dbt unit tests outside the runs; incremental builds equal full ones
    "test_dbt_unit_tests": "integration",
    "test_incremental_builds": "integration",
    "test_publish_kill": "integration",
}


def _unlisted(names: set[str]) -> None:
    unlisted = sorted(n for n in names if Path(n).stem not in TEST_KINDS)
    if unlisted:
        raise pytest.UsageError(
            f"test module(s) without a kind: {', '.join(unlisted)}. Add each to TEST_KINDS in "
            f"tests/conftest.py as one of {', '.join(KINDS)} (docs/contributing.md, 'Tests')."
        )


def pytest_configure(config: pytest.Config) -> None:
    """Before anything is collected (and before xdist starts its workers): every test module of
    tests/ has a kind."""
    _unlisted({p.name for p in Path(__file__).parent.glob("test_*.py")})


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With -m, a module none of whose tests can match is not even imported (`make test-fast`
    collects the unit modules only: importing the others costs more than running the unit tests).
    Its tests carry {kind} or {kind, browser}; the module is skipped only when both fail -m."""
    markexpr = config.getoption("markexpr", "")
    kind = TEST_KINDS.get(collection_path.stem)
    if not markexpr or kind is None or collection_path.suffix != ".py":
        return None
    try:
        from _pytest.mark.expression import Expression

        expr = Expression.compile(markexpr)
        possible = ({kind}, {kind, "browser"})
        if not any(expr.evaluate(lambda name, marks=marks, **_: name in marks) for marks in possible):
            return True
    except Exception:  # noqa: BLE001 - pytest's private expression API changed: collect as usual
        return None
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test with its module's kind (TEST_KINDS); an unlisted module stops the run."""
    _unlisted({item.path.name for item in items})
    for item in items:
        item.add_marker(TEST_KINDS[item.path.stem])
        if "browser" in getattr(item, "fixturenames", ()) and TEST_KINDS[item.path.stem] != "browser":
            item.add_marker("browser")
    longest_first(items)  # test time (issue 12), below


REPO_ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = REPO_ROOT / "data" / "raw"
REAL_REPORTS = ("hzq2023.pdf", "hzq2024.pdf", "szfgs2024.pdf", "xianfeng2021.txt")


def query(warehouse: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Rows of `sql` on the warehouse, opened read-only (as the office's readers do)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def copy_raw(dest: Path) -> Path:
    """A private copy of the real reports and the agency registry (tests never touch data/raw)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in REAL_REPORTS:
        shutil.copy2(RAW_DIR / name, dest / name)
    shutil.copy2(RAW_DIR / "agencies.csv", dest / "agencies.csv")
    return dest


def city_beside_real(dest: Path, n_agencies: int, seed: int) -> Path:
    """`copy_raw` plus a generated city (2021–2022) in `dest/city`: the raw folder of the
    whole-run tests."""
    from pipelines.synth.generate import generate

    raw = copy_raw(dest)
    generate(raw / "city", n_agencies=n_agencies, years=(2021, 2022), seed=seed)
    return raw


def mart_tables(con: Any, catalog: str | None = None) -> list[str]:
    """The names of the marts in an open DuckDB connection (of the attached `catalog`, if given)."""
    where = "table_schema = 'marts'" + (" AND table_catalog = ?" if catalog else "")
    sql = f"SELECT table_name FROM information_schema.tables WHERE {where} ORDER BY 1"
    return [t for (t,) in con.execute(sql, [catalog] if catalog else []).fetchall()]


@pytest.fixture(scope="module")
def raw_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_raw(tmp_path_factory.mktemp("raw"))


MONITORED_CITY = "city"
MONITORED_SEED = 10  # this city has findings of R00–R04, R06 and R08–R11, and a corrected re-publication


@pytest.fixture(scope="session")
def monitored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Any]:
    """(raw dir, warehouse, run result) of one materialization of everything: a generated city
    (25 agencies, 2020–2022) beside the real reports and registry. Shared by the monitoring,
    dashboard and rules parity tests; the dashboard asset writes `dashboard/` beside the warehouse."""
    from pipelines.definitions import JOB_NAME, build_defs
    from pipelines.synth.generate import generate

    raw = copy_raw(tmp_path_factory.mktemp("raw"))
    generate(raw / MONITORED_CITY, n_agencies=25, years=(2020, 2022), seed=MONITORED_SEED)
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    result = build_defs(raw, warehouse).resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    return raw, warehouse, result


@pytest.fixture(scope="module")
def browser() -> Any:
    """Headless Chromium (tests/browser.py), one per module: closed before another module's Dagster
    runs (playwright's sync API keeps an event loop of its own while it is open)."""
    from tests.browser import chromium

    with chromium() as b:
        yield b


# ---------------------------------------------------------------- OCR (issue 16)
# The scanned corpus's OCR results are committed (tests/corpus/scanned/ocr-cache, made by real OCR
# runs: `.venv/bin/python -m tests.make_scanned_corpus --ocr`): every test session reads them from
# a private copy, so the corpus tests align, confirm and score every scanned report without paying
# 5–60 s of OCR a page; tests/test_ocr.py runs the engine itself on pages of its own.
SCANNED_OCR_CACHE = Path(__file__).resolve().parent / "corpus" / "scanned" / "ocr-cache"


@pytest.fixture(scope="session", autouse=True)
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    from pipelines.ocr.cache import CACHE_ENV

    folder = tmp_path_factory.mktemp("ocr-cache")
    if SCANNED_OCR_CACHE.is_dir():
        for f in SCANNED_OCR_CACHE.glob("*.json"):
            shutil.copy2(f, folder / f.name)
    os.environ[CACHE_ENV] = str(folder)
    return folder


# ---------------------------------------------------------------- test time (issue 12)
# Every whole run of the suite ran `dbt build` on a warehouse path of its own, and dbt parses the
# whole project again whenever the profile's path changes (~6 s of CPU more than a partial parse),
# in every whole run. The session's dbt (tests/dbt_parse_cache.py, run by pipelines/bin/dbt-guarded
# through OGI_DBT, so also in `ogi run` subprocesses and Celery workers) leaves the path out of
# that comparison only; it builds and tests exactly as the pipeline's dbt does.


@pytest.fixture(scope="session", autouse=True)
def dbt_parse_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    import os

    from tests.dbt_parse_cache import SERVER_ENV, SHIM_ENV, start_server, write_shim

    if SHIM_ENV in os.environ:  # a dbt of one's own (OGI_DBT=.venv/bin/dbt: every run parses in full, as before)
        yield Path(os.environ[SHIM_ENV])
        return
    folder = tmp_path_factory.mktemp("dbt-shim")
    shim = write_shim(folder)
    os.environ[SHIM_ENV] = str(shim)
    # dbt imported once per test process, forked for each command (tests/dbt_parse_cache.py, `serve`)
    server, os.environ[SERVER_ENV] = start_server(folder)
    yield shim
    server.kill()
    server.wait()


# Whole warehouse runs shared by modules that only read them. A session fixture is built once per
# xdist worker, so under `make test` (-n 2 --dist loadfile) the modules that share one are one unit
# of work (`pytest_xdist_make_scheduler` below): they run on the same worker, one after the other,
# and the fixture is built once. (xdist's own --dist loadgroup does not group with pytest 9.)
SHARED_GROUPS = {
    "test_dashboard": "monitored",  # these three read the `monitored` run
    "test_monitoring_e2e": "monitored",
    "test_rules_parity": "monitored",  # its city and real reports are the `monitored` run's
    "test_publish": "publish_city",  # both start from `publish_city`'s clean run
    "test_publish_kill": "publish_city",
    "test_export": "export_city",  # the export's city is the Celery test's raw folder and in-process reference
    "test_celery_shards": "export_city",
}
# The longest units first, so that the two workers finish together (with --no-loadscope-reorder
# xdist hands them out in collection order; its own order, most tests first, left one worker alone
# with the long whole-run modules at the end). By seconds of a whole `make test` (--durations=0, summed by unit).
LONGEST_FIRST = (
    "publish_city",
    "monitored",
    "test_corrections",
    "export_city",
    "test_incremental_builds",
    "test_collect_sites",
    "test_hostile_e2e",
)


def _unit(module: str) -> str:
    """The unit of work (for xdist) of a test module's tests: its shared group, or the module."""
    return SHARED_GROUPS.get(module, module)


def longest_first(items: list[pytest.Item]) -> None:
    rank = {u: i for i, u in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(_unit(item.path.stem), len(rank)))  # stable: modules stay whole


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """--dist loadfile, with the modules of a shared group as one file."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedRunScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return _unit(Path(path).stem) if Path(path).stem in SHARED_GROUPS else path

    return SharedRunScheduling(config, log)


PUBLISH_CITY = {"n_agencies": 12, "seed": 21}


@pytest.fixture(scope="session")
def publish_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(raw dir, published warehouse) of one clean, uninterrupted `ogi run` (a subprocess) of a
    generated city beside the real reports: the reference of tests/test_publish_kill.py and the
    first state of tests/test_publish.py. Read only: a test that changes either works on a copy
    (`copy_warehouse`)."""
    from tests.test_publish import _finish, _run

    raw = city_beside_real(tmp_path_factory.mktemp("publish_raw"), **PUBLISH_CITY)
    wh = tmp_path_factory.mktemp("publish_clean") / "warehouse.duckdb"
    code, out = _finish(_run(raw, wh))
    assert code == 0, out[-3000:]
    return raw, wh


def copy_warehouse(published: Path, dest: Path) -> Path:
    """A copy of a published warehouse and its work folder (the work copy, parse cache; no lock) at `dest`."""
    from pipelines.publish import work_path

    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(published, dest)
    shutil.copytree(work_path(published).parent, work_path(dest).parent, ignore=shutil.ignore_patterns("*.lock"))
    return dest


EXPORT_YEARS = (2021, 2022)
EXPORT_SEED = 50  # 12 agencies, 2021–2022: R02/R04/R10/R11 in 2021, R03/R09/R10/R11 in 2022


@pytest.fixture(scope="session")
def export_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(raw dir, warehouse) of one in-process run of a generated city alone (no real reports: a
    year's findings are exactly its defects.csv rows) and a file that is not a report (broken.pdf,
    quarantined). tests/test_export.py exports it; tests/test_celery_shards.py runs the same raw
    folder on Celery workers and compares with it. Read only."""
    from pipelines.definitions import JOB_NAME, build_defs
    from pipelines.synth.generate import generate

    raw = tmp_path_factory.mktemp("export_raw")
    generate(raw / "city", n_agencies=12, years=EXPORT_YEARS, seed=EXPORT_SEED)
    (raw / "broken.pdf").write_bytes(b"%PDF-1.7\n not a report")
    warehouse = tmp_path_factory.mktemp("export_warehouse") / "warehouse.duckdb"
    result = build_defs(raw, warehouse).resolve_job_def(JOB_NAME).execute_in_process(raise_on_error=False)
    assert result.success
    return raw, warehouse
