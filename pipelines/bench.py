"""Parse throughput per format on one core, and peak memory, over data/raw (`make bench`)."""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

from .inventory import raw_files
from .model import ParseError
from .parse_worker import settle_gc_for_parsing
from .parsing import parse_file, sniff_format


def _in_generated_city(path: Path, root: Path) -> bool:
    """Files of a generated city (a folder with defects.csv) are left to the end-to-end bench."""
    return any(
        (parent / "defects.csv").exists()
        for parent in path.parents
        if parent != root.parent and root in (parent, *parent.parents)
    )


def _floor_html(data: bytes) -> None:
    from lxml import etree

    etree.fromstring(data, etree.HTMLParser())


def _floor_zip_xml(data: bytes) -> None:
    """Unzip the XML parts holding the cells of a DOCX/XLSX and parse them with lxml: what reading
    the format costs at least (the floor the issue's parse_speed tool measures)."""
    import io
    import zipfile

    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.endswith(".xml") and (
                name.startswith("word/document") or name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml"
            ):
                etree.fromstring(z.read(name))


def _floor_pdf(data: bytes) -> None:
    """pypdfium2's text and every character's box, page by page: what any layout-aware PDF reader
    does at least (the floor of the issue's parse_speed tool)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    for page in pdf:
        text_page = page.get_textpage()
        text_page.get_text_range()
        for i in range(text_page.count_chars()):
            text_page.get_charbox(i)


# The cost of merely reading a format, timed on the same files side by side (issue 12: parsing HTML,
# DOCX and XLSX should cost at most 5× this, PDF at most 2×).
FLOORS = {"html": _floor_html, "docx": _floor_zip_xml, "xlsx": _floor_zip_xml, "pdf": _floor_pdf}


def bench(raw_dirs: list[Path], repeat: int) -> str:
    settle_gc_for_parsing()  # parsed as a run's parse worker parses
    seconds: dict[str, float] = defaultdict(float)
    floors: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    for path in (p for d in raw_dirs for p in raw_files(d) if not _in_generated_city(p, d)):
        data = path.read_bytes()
        fmt = sniff_format(data, path.name)
        if fmt not in counts:  # the format's first file once untimed: imports and caches are not its cost
            with contextlib.suppress(ParseError):
                parse_file(path)
        for _ in range(repeat):
            # CPU time of this process (every thread of it), the cost on one core: what other
            # processes of the machine do is not counted
            start = time.process_time()
            try:
                parse_file(path)
            except ParseError:
                failed[fmt] += 1
            seconds[fmt] += time.process_time() - start
            counts[fmt] += 1
            if fmt in FLOORS:
                start = time.process_time()
                with contextlib.suppress(Exception):  # a file the floor cannot read costs what it cost
                    FLOORS[fmt](data)
                floors[fmt] += time.process_time() - start
    head = f"{'format':<10}{'parses':>8}{'failed':>8}{'seconds':>10}{'ms/parse':>10}{'reports/s':>11}"
    lines = [f"{head}{'floor ms':>10}{'× floor':>9}"]
    for fmt in sorted(counts):
        rate = counts[fmt] / seconds[fmt] if seconds[fmt] else float("inf")
        per = seconds[fmt] / counts[fmt] * 1000
        floor = f"{floors[fmt] / counts[fmt] * 1000:>10.2f}" if floors.get(fmt) else f"{'':>10}"
        ratio = f"{seconds[fmt] / floors[fmt]:>9.1f}" if floors.get(fmt) else f"{'':>9}"
        lines.append(
            f"{fmt:<10}{counts[fmt]:>8}{failed[fmt]:>8}{seconds[fmt]:>10.2f}{per:>10.2f}{rate:>11.1f}{floor}{ratio}"
        )
    lines.append(
        "times are CPU seconds of this process (one core; other processes' load not counted); "
        "floor: the time of merely reading the format on the same files, side by side (lxml parse of the "
        "HTML; unzip + lxml of the DOCX/XLSX cell parts; pypdfium2 text and character boxes of the PDF); "
        "× floor: parse time over it (issue 12: HTML, DOCX, XLSX at most 5×; PDF 2×; text at least 500 reports/s)"
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux
    lines.append(f"peak memory (max RSS): {peak_mb:.0f} MiB")
    return "\n".join(lines)


# Issue 12's goals for a run, in seconds beyond a run of the same job on an empty folder (the job's
# fixed cost: Dagster, dbt on empty tables, publishing): the whole city, and one new or changed file.
E2E_CITY_GOAL_S = 60.0
E2E_ONE_FILE_GOAL_S = 15.0


def bench_end_to_end(agencies: int, seed: int) -> str:
    """Generate a city, then run the whole warehouse job (each in a child process): on an empty
    folder, on the city less one report, with that report added (one new file), with one report
    changed, and with nothing changed. Seconds, and seconds beyond the empty-folder run."""
    import subprocess
    import sys
    import tempfile

    ogi = [sys.executable, "-m", "pipelines.cli"]
    lines = [f"end to end, generated city ({agencies} agencies, 2019-2024, seed {seed}):"]
    with tempfile.TemporaryDirectory() as tmp:
        raw, empty, held = Path(tmp) / "raw", Path(tmp) / "empty", Path(tmp) / "held"
        empty.mkdir()
        held.mkdir()
        warehouse = str(Path(tmp) / "w.duckdb")

        def step(name: str, cmd: list[str]) -> tuple[float, str] | str:
            start = time.perf_counter()
            proc = subprocess.run(
                cmd, check=False, capture_output=True, text=True, env={**os.environ, "DAGSTER_HOME": ""}
            )
            seconds = time.perf_counter() - start
            if proc.returncode != 0:
                return "\n".join([*lines, f"  {name} FAILED:", proc.stdout[-2000:], proc.stderr[-2000:]])
            return seconds, proc.stdout

        def run(raw_dir: Path, wh: str) -> list[str]:
            return [*ogi, "run", "--raw-dir", str(raw_dir), "--warehouse", wh]

        made = step(
            "generate", [*ogi, "generate", "--agencies", str(agencies), "--seed", str(seed), "--out", str(raw / "city")]
        )
        if isinstance(made, str):
            return made
        lines.append(f"  {'generate':<44}{made[0]:>8.1f} s")
        reports = sorted(p for p in (raw / "city").rglob("*") if p.is_file() and p.parent != raw / "city")
        new_file = next(p for p in reports if p.suffix == ".pdf")  # the costliest format to parse
        changed = next(p for p in reports if p.suffix == ".txt")
        new_file.rename(held / new_file.name)

        def add_back() -> None:
            (held / new_file.name).rename(new_file)

        def change() -> None:
            with changed.open("a", encoding="utf-8") as f:  # a new version of the file: a new sha256
                f.write("\n")

        # The city first: a cold start (imports, caches) counts against the city, not the baseline.
        runs = (
            ("run (land, parse, dbt, dashboard)", None, run(raw, warehouse)),
            ("run on an empty folder", None, run(empty, str(Path(tmp) / "empty.duckdb"))),
            ("again, one new file", add_back, run(raw, warehouse)),
            ("again, one changed file", change, run(raw, warehouse)),
            ("again, nothing changed", None, run(raw, warehouse)),
        )
        timed: dict[str, tuple[float, str]] = {}
        for name, before, cmd in runs:
            if before:
                before()
            done = step(name, cmd)
            if isinstance(done, str):
                return done
            timed[name] = done
        base = timed["run on an empty folder"][0]
        lines.append(f"  {'run on an empty folder':<44}{base:>8.1f} s")
        for name, (seconds, stdout) in timed.items():
            if name == "run on an empty folder":
                continue
            goal = E2E_CITY_GOAL_S if name.startswith("run (") else E2E_ONE_FILE_GOAL_S
            beyond = seconds - base
            verdict = "OK" if beyond < goal else "over"
            lines.append(f"  {name:<44}{seconds:>8.1f} s  {beyond:>+6.1f} s beyond empty (goal < {goal:.0f}) {verdict}")
            if name.startswith("run ("):
                lines += [
                    f"    {ln.strip()}"
                    for ln in stdout.splitlines()
                    if ln.startswith(("files found", "reports parsed", "generated city"))
                ]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    lines.append(f"  peak memory of the largest process (max RSS): {peak:.0f} MiB")
    return "\n".join(lines)


# ---------------------------------------------------------------- OCR (issue 16): s/page, share of a run, a blank page

# The scans of the mixed run (tests/corpus/scanned: a two-page scan with no text layer) and the page
# timed alone (the first page of the 150 dpi scan): three pages and a blank one, so the section takes
# minutes (1 min 53 s on the shared 2-core machine at a load of ~10).
OCR_BENCH_SCANS = ("painted__fixture2021__pdf_pagebreak.pdf",)
OCR_BENCH_PAGE = "scan150__fixture2021__pdf_ruled.pdf"


def bench_ocr(text_dirs: list[Path], scanned_dir: Path, max_text_files: int = 80) -> str:
    """Fresh OCR (an empty OCR cache: nothing is taken from it): seconds for one page of a scan and
    for a blank A4 page, side by side in this process; then a run's parsing over the text reports of
    `text_dirs` mixed with a few scans, and the share of its time spent in OCR (the page hooks'
    seconds, pipelines/ocr/progress.py, over the run's wall time)."""
    import tempfile

    import numpy as np

    from .ocr import engine
    from .ocr.cache import CACHE_ENV
    from .ocr.layout import read_page
    from .ocr.limits import OCR_DPI
    from .ocr.pages import pdf_pages
    from .ocr.progress import on_page, remove_page_hook

    lines = ["OCR (fresh: empty OCR cache; engine " + engine.engine_id() + "):"]
    saved = os.environ.get(CACHE_ENV)
    with tempfile.TemporaryDirectory() as cache:
        os.environ[CACHE_ENV] = cache
        try:
            engine._engine()  # loaded once per process (about a second): not a page's cost
            pages = pdf_pages((scanned_dir / OCR_BENCH_PAGE).read_bytes())
            _, load = next(pages)
            page = load()
            del pages  # (the generator closes the document)
            blank = np.full((round(297 / 25.4 * OCR_DPI), round(210 / 25.4 * OCR_DPI), 3), 255, np.uint8)
            start = time.perf_counter()
            read = read_page(page.image, 1, page.dpi)
            scan_s = time.perf_counter() - start
            start = time.perf_counter()
            read_page(blank, 1, OCR_DPI)
            blank_s = time.perf_counter() - start
            lines.append(
                f"  one scanned page ({OCR_BENCH_PAGE} p1, {page.image.shape[1]}x{page.image.shape[0]} px, "
                f"{len(read.words)} text lines): {scan_s:.1f} s/page; a blank A4 page at {OCR_DPI} dpi: "
                f"{blank_s:.1f} s ({blank_s / scan_s:.0%} of it)"
            )
            ocr_s = 0.0

            def counted(_number: int, seconds: float) -> None:
                nonlocal ocr_s
                ocr_s += seconds

            texts = [p for d in text_dirs for p in raw_files(d) if not _in_generated_city(p, d)][:max_text_files]
            scans = [scanned_dir / name for name in OCR_BENCH_SCANS]
            on_page(counted)
            n_pages = 0
            start = time.perf_counter()
            try:
                for path in [*texts, *scans]:
                    with contextlib.suppress(ParseError):
                        parse_file(path)
            finally:
                total = time.perf_counter() - start
                remove_page_hook(counted)
            from .ocr.progress_bar import page_count

            n_pages = sum(page_count(p) or 0 for p in scans)
            lines.append(
                f"  a run's parsing, {len(texts)} text-layer and other reports + {len(scans)} scans ({n_pages} pages): "
                f"{total:.1f} s, of which OCR {ocr_s:.1f} s ({ocr_s / total:.0%}; pages and their numbers' "
                f"second reads); {ocr_s / max(n_pages, 1):.1f} s of OCR per scanned page"
            )
        finally:
            if saved is None:
                os.environ.pop(CACHE_ENV, None)
            else:
                os.environ[CACHE_ENV] = saved
    lines.append("  (one process, side by side: compare the figures with each other, not across machines or loads)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parent.parent
    # The real reports plus the test corpus, which holds every format the parser reads.
    ap.add_argument(
        "raw_dirs",
        nargs="*",
        type=Path,
        default=[root / "data" / "raw", root / "tests" / "corpus" / "fixtures" / "raw"],
    )
    ap.add_argument("--repeat", type=int, default=5, help="parses per file (timings are summed)")
    ap.add_argument("--city", type=int, default=320, help="agencies of the generated city run end to end (0: skip)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-ocr", action="store_true", help="skip the OCR section (minutes: fresh OCR of a few pages)")
    args = ap.parse_args()
    print(bench(args.raw_dirs, args.repeat), flush=True)
    if args.city:
        print(bench_end_to_end(args.city, args.seed), flush=True)
    if not args.no_ocr:
        print(bench_ocr(args.raw_dirs, root / "tests" / "corpus" / "scanned" / "raw"), flush=True)


if __name__ == "__main__":
    main()
