"""Checking what OCR read (issue 16, items 5 and 6): the OCR pool, the crops of cells to review in
the workbook and on the dashboard, `ogi parse --debug`.

One warehouse run (in process, two shards) over two files of the scanned corpus (their OCR results
come from the committed cache, tests/conftest.py): the sealed scan (a PDF with no text layer, 2022,
cells under the seal left to review) and the TIFF scan (an image file, 2019). Truth comes from
outside the code under test: the rows the parser gives for each file in this process, the source
probe's own text layer (where the sealed report's cell is printed), and the scan's page rendered
here by pdfium.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from PIL import Image

from pipelines.definitions import JOB_NAME, build_defs
from pipelines.export import REVIEW_HEADER, REVIEW_SHEET, export_workbook
from pipelines.ocr.review import NO_CROP_NO_PLACE, NO_CROP_TEXT_LAYER, crops_of_files
from pipelines.parsing import parse_file
from pipelines.resources import OCR_POOL
from tests.conftest import query

TESTS = Path(__file__).resolve().parent
SCANNED = TESTS / "corpus" / "scanned" / "raw"
PAINTED = "painted__fixture2021__pdf_pagebreak.pdf"  # every cell read: for `ogi parse --debug`
SEALED = "seal__p21_ruled_thousands_fw.pdf"
PROBES = TESTS / "corpus" / "probes" / "raw"
TIFF = "tiff__fixture2019__pdf_ruled.tif"
# A cell of the sealed report under the seal that the parser leaves unread: （三）2.其他法律行政法规禁止公开, 商业企业.
CELL = ("requests", "denied_law_forbidden", "commercial")
SHARDS = 2


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    raw = tmp_path_factory.mktemp("raw")
    for name in (SEALED, TIFF):
        shutil.copy2(SCANNED / name, raw / name)
    warehouse = tmp_path_factory.mktemp("warehouse") / "warehouse.duckdb"
    job = build_defs(raw, warehouse, shards=SHARDS).resolve_job_def(JOB_NAME)
    result = job.execute_in_process(raise_on_error=False)
    assert result.success
    steps = {
        e.step_key: e.event_type_value
        for e in result.all_events
        if e.event_type_value in ("STEP_SUCCESS", "STEP_SKIPPED")
    }
    deferred = set()
    for k in range(SHARDS):
        if steps[f"parsed_reports.parse_ocr_{k:03d}"] == "STEP_SUCCESS":
            deferred |= {f[0] for f in result.output_for_node(f"parsed_reports.parse_shard_{k:03d}", "ocr")}
    return {"raw": raw, "warehouse": warehouse, "deferred": deferred, "steps": steps}


# ---------------------------------------------------------------- the OCR pool


def test_definitions_put_ocr_parsing_in_the_ocr_pool(tmp_path: Path) -> None:
    job = build_defs(tmp_path / "raw", tmp_path / "w.duckdb", shards=3).resolve_job_def(JOB_NAME)
    ops = {d.name: d for d in job.all_node_defs if isinstance(d, __import__("dagster").OpDefinition)}
    assert {n for n, d in ops.items() if d.pool == OCR_POOL} == {"parse_ocr_000", "parse_ocr_001", "parse_ocr_002"}
    assert all(ops[f"parse_shard_{k:03d}"].pool is None for k in range(3))  # the other parsing runs beside it


def test_ocr_pool_limit_is_the_cores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg

    from pipelines.resources import set_ocr_pool_limit

    home = tmp_path / "home"
    home.mkdir()
    shutil.copy2(TESTS.parent / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.from_config(str(home)) as instance:
        set_ocr_pool_limit(instance)
        assert instance.event_log_storage.get_concurrency_info(OCR_POOL).slot_count == os.cpu_count()
        monkeypatch.setenv("OGI_OCR_POOL_LIMIT", "1")
        set_ocr_pool_limit(instance)
        assert instance.event_log_storage.get_concurrency_info(OCR_POOL).slot_count == 1


def test_scans_are_parsed_by_the_ocr_steps_into_the_rows_parsing_gives(run: dict[str, Any]) -> None:
    from pipelines.shards import shard_of

    raw, warehouse = run["raw"], run["warehouse"]
    assert run["deferred"] == {_sha(raw / SEALED), _sha(raw / TIFF)}
    # a shard without a file for OCR skips its OCR step (no step process started for nothing)
    with_ocr = {shard_of(_sha(raw / name), SHARDS) for name in (SEALED, TIFF)}
    for k in range(SHARDS):
        assert run["steps"][f"parsed_reports.parse_ocr_{k:03d}"] == (
            "STEP_SUCCESS" if k in with_ocr else "STEP_SKIPPED"
        )
    for name in (SEALED, TIFF):
        sha = _sha(raw / name)
        expected = sorted(
            (c.table, c.row, c.column, c.value, c.raw_text, c.status, c.source or None)
            for c in parse_file(raw / name).cells
        )
        landed = query(
            warehouse,
            "SELECT table_key, row_key, column_key, value, raw_text, cell_status, source_location"
            " FROM landing.parsed_cells WHERE report_id = ? ORDER BY ALL",
            [sha],
        )
        assert [tuple(r) for r in landed] == expected


# ---------------------------------------------------------------- crops


_BOX = re.compile(r"box (\d+),(\d+),(\d+),(\d+) px")


def _page_at_200dpi(path: Path, index: int) -> np.ndarray:
    """The scan's page as pdfium renders it at 200 dpi, the resolution it was scanned at (its own
    rendering here, not the OCR reader's), grey."""
    return np.asarray(_render(path, index).convert("L")).astype(np.int16)


def _render(path: Path, index: int) -> Image.Image:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(path))
    try:
        return doc[index].render(scale=200 / 72).to_pil().convert("RGB")
    finally:
        doc.close()


def _not_seal(path: Path, index: int) -> np.ndarray:
    """True where the scan's page (rendered as `_page_at_200dpi`) is not the seal's red: the OCR
    reader whitens the red before reading, so a crop is compared with the scan only elsewhere."""
    rgb = np.asarray(_render(path, index)).astype(np.int16)
    red = (rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])) > 40
    return ~red


def _differs(crop: np.ndarray, page: np.ndarray, keep: np.ndarray) -> float:
    """Mean grey difference between a crop and a same-sized piece of the page, off the seal."""
    return float(np.abs(crop - page)[keep].mean())


def _review_row(ws: Any, file_name: str, keys: tuple[str, str, str]) -> tuple[int, dict[str, Any]]:
    header = [c.value for c in ws[1]]
    for n, values in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        row = dict(zip(header, values, strict=False))
        if row["报告文件"] == file_name and (row["table"], row["row"], row["column"]) == keys:
            return n, row
    raise AssertionError(f"{file_name} {keys} not in {REVIEW_SHEET}")


@pytest.fixture(scope="module")
def workbook(run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("export") / "2022.xlsx"
    export_workbook(run["warehouse"], 2022, out, raw_dir=run["raw"])
    return openpyxl.load_workbook(out)[REVIEW_SHEET]


def test_workbook_anchors_the_crop_on_the_unread_cells_row(workbook: Any) -> None:
    n, row = _review_row(workbook, SEALED, CELL)
    column = REVIEW_HEADER.index("截图")
    anchored = [(img.anchor._from.row + 1, img.anchor._from.col) for img in workbook._images]
    assert (n, column) in anchored
    assert row["截图"] is None  # the image is the cell's content
    assert len(anchored) == workbook.max_row - 1  # every row of this workbook is an OCR'd cell with a box


def test_crop_is_the_scan_at_the_box_provenance_gives(workbook: Any, run: dict[str, Any]) -> None:
    from tests.make_scanned_corpus import word_box

    n, row = _review_row(workbook, SEALED, CELL)
    x0, y0, x1, y1 = (int(v) for v in _BOX.search(row["位置"]).groups())  # type: ignore[union-attr]
    # the truth of where the cell is: the source probe prints its number there (its text layer)
    probe = PROBES / "p21_ruled_thousands_fw.pdf"
    page_i, (px0, ptop, px1, pbottom), printed = word_box(probe, "法规禁止", 1, line_tolerance=10)
    s = 200 / 72
    assert row["位置"].startswith(f"page {page_i + 1} ")
    assert x0 <= px0 * s and px1 * s <= x1 and y0 <= ptop * s and pbottom * s <= y1, (row["位置"], printed)

    crop_of_row = next(img for img in workbook._images if img.anchor._from.row + 1 == n)
    crop = np.asarray(Image.open(io.BytesIO(crop_of_row._data())).convert("L")).astype(np.int16)
    page = _page_at_200dpi(run["raw"] / SEALED, page_i)
    keep = _not_seal(run["raw"] / SEALED, page_i)
    m = 6  # review.CROP_MARGIN
    here = page[y0 - m : y1 + m, x0 - m : x1 + m]
    assert crop.shape == here.shape
    assert _differs(crop, here, keep[y0 - m : y1 + m, x0 - m : x1 + m]) < 3
    # the same check on the box half a row lower fails: it can tell a crop taken elsewhere
    dy = (y1 - y0) // 2
    lower = page[y0 - m + dy : y1 + m + dy, x0 - m : x1 + m]
    near = max(_differs(crop, here, keep[y0 - m : y1 + m, x0 - m : x1 + m]), 1)
    assert _differs(crop, lower, keep[y0 - m + dy : y1 + m + dy, x0 - m : x1 + m]) > 3 * near


def test_text_layer_cells_have_no_crop() -> None:
    def read(_: Any) -> bytes:
        raise AssertionError("a text-layer file is not read for a crop")

    got = crops_of_files([(("x.pdf", "0" * 64), "page 2 table 1 r5c4"), (("x.pdf", "0" * 64), None)], read)
    assert got == [NO_CROP_TEXT_LAYER, NO_CROP_NO_PLACE]


@pytest.fixture(scope="module")
def site(run: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from pipelines.dashboard import build_dashboard

    out = tmp_path_factory.mktemp("site") / "dashboard"
    build_dashboard(run["warehouse"], out, raw_dir=run["raw"])
    return out


def _agency_payloads(site: Path) -> dict[str, Any]:
    out = {}
    for f in sorted((site / "data" / "agency").glob("*.js")):
        text = f.read_text(encoding="utf-8")
        m = re.match(r"window\.OGI_AGENCY\((\".*?\"), (.*)\);\s*$", text, re.S)
        assert m, f
        out[json.loads(m[1])] = json.loads(m[2])
    return out


def test_dashboard_lists_the_cell_with_its_crop(site: Path, run: dict[str, Any]) -> None:
    entries = [
        (key, e) for key, p in _agency_payloads(site).items() for r in p["reports"] for e in r.get("review") or []
    ]
    ours = [e for _, e in entries if tuple(e["keys"]) == CELL]
    assert len(ours) == 1 and ours[0]["crop"], ours
    assert ours[0]["row"] == "（三）2.其他法律行政法规禁止公开" or "禁止公开" in ours[0]["row"]
    crop = site / ours[0]["crop"]
    assert crop.is_file()
    x0, y0, x1, y1 = (int(v) for v in _BOX.search(ours[0]["where"]).groups())  # type: ignore[union-attr]
    page_i = int(ours[0]["where"].split()[1]) - 1
    page = _page_at_200dpi(run["raw"] / SEALED, page_i)
    keep = _not_seal(run["raw"] / SEALED, page_i)[y0 - 6 : y1 + 6, x0 - 6 : x1 + 6]
    here = page[y0 - 6 : y1 + 6, x0 - 6 : x1 + 6]
    assert _differs(np.asarray(Image.open(crop).convert("L")).astype(np.int16), here, keep) < 3


def test_dashboard_page_shows_the_crop(site: Path, browser: Any) -> None:
    from tests.browser import Page

    key = next(k for k, p in _agency_payloads(site).items() if any(r.get("review") for r in p["reports"]))
    tab = Page(browser, site)
    try:
        page = tab.open(f"agency/{key}?year=2022")
        page.wait_for_selector("#review img.crop")
        loaded = page.eval_on_selector_all(
            "#review img.crop", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
        )
        assert loaded and all(ok for _, ok in loaded), loaded
        assert all((site / src).is_file() for src, _ in loaded)
        tab.check_clean()
    finally:
        tab.page.close()


# ---------------------------------------------------------------- ogi parse --debug


def test_parse_debug_writes_a_page_image_per_ocr_page(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, ["parse", str(SCANNED / PAINTED), "--debug", str(tmp_path)])
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["painted__fixture2021__pdf_pagebreak.p1.png", "painted__fixture2021__pdf_pagebreak.p2.png"]
    h, w = _page_at_200dpi(SCANNED / PAINTED, 0).shape  # the scan's page (upright, not skewed) at its 200 dpi
    assert Image.open(tmp_path / written[0]).size == (w, h)
