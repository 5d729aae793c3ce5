"""The `ogi` command line."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table as RichTable

from .model import ParsedReport, ParseError
from .template import TEMPLATES

app = typer.Typer(
    add_completion=False, no_args_is_help=True, help="ogi-warehouse: 政府信息公开工作年度报告 data warehouse"
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


@app.command()
def parse(
    file: Path = typer.Argument(..., help="a report as published (PDF, text, …)"),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text (readable) or json"),
    grid: bool = typer.Option(
        False,
        "--grid",
        help="print the grid as the aligner saw it: every row with its "
        "section, role, template row and what was done, and each cell's source",
    ),
    debug: Path = typer.Option(
        None,
        "--debug",
        help="write into this folder <file>.p<N>.png per page: for a scan, the page as OCR read it with the word "
        "boxes (by confidence), the ruling lines, the table grid and each placed cell's key; for a PDF with a "
        "text layer, pdfplumber's debug image (table finder, words)",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="OCR progress even when not on a terminal"),
) -> None:
    """Parse one report; print its three tables (or the canonical JSON with --format json)."""
    from .parsing import parse_file, parse_file_traced

    if debug is not None:
        raise typer.Exit(_parse_debug(file, debug, verbose))
    try:
        if grid:
            from .align import format_trace

            with ocr_progress(file, verbose):
                report, lines = parse_file_traced(file)
            print(format_trace(lines))
            for w in report.warnings:
                print(f"warning: {w.message}")
            return
        with ocr_progress(file, verbose):
            report = parse_file(file)
    except ParseError as exc:
        print(f"{file}: {exc.reason}", file=sys.stderr)
        raise typer.Exit(2) from exc
    if format is OutputFormat.json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
        return
    print_report(report, Console(width=max(Console().width, 120)))


# ---------------------------------------------------------------- OCR review (issue 16): --debug, progress


def _parse_debug(file: Path, out_dir: Path, verbose: bool) -> int:
    """`ogi parse FILE --debug DIR`: the report's tables as usual, and a debug PNG per OCR'd page."""
    from .ocr.debug import write_debug_images, write_pdf_debug_images
    from .ocr.review import is_ocr_file
    from .parsing import parse_bytes, read_file, sniff_format

    try:
        data = read_file(file)
        with ocr_progress(file, verbose):
            report = parse_bytes(data, file.name)
    except ParseError as exc:
        print(f"{file}: {exc.reason}", file=sys.stderr)
        return 2
    print_report(report, Console(width=max(Console().width, 120)))
    if is_ocr_file(data, file.name):
        written = write_debug_images(data, file.stem, report, out_dir)
    elif sniff_format(data, file.name) == "pdf":
        written = write_pdf_debug_images(data, file.stem, out_dir)  # pdfplumber's own, on the text layer
    else:
        print(f"{file}: not a PDF nor read by OCR: no page images to draw", file=sys.stderr)
        return 0
    for path in written:
        print(f"wrote {path}")
    return 0


def ocr_progress(file: Path, verbose: bool = False) -> Any:
    """A context in which each page OCR'd prints "OCR FILE page 3/7 (4.2 s, 12 s so far)" on stderr
    (pipelines/ocr/progress_bar.py); silent when stdout is not a terminal, unless `verbose`."""
    from .ocr.progress_bar import OcrProgress, page_count

    return OcrProgress(file.name, lambda: page_count(file), verbose=verbose)  # counted only when OCR starts


def _fmt(report: ParsedReport, table: str, row: str, col: str) -> str:
    c = report.cell(table, row, col)
    if c is None or c.status == "absent":
        return "[dim]·[/dim]"
    if c.status == "blank":
        return "[dim]空[/dim]"
    if c.status == "unreadable":
        return "[red]?[/red]"
    v = c.value if c.value is not None else 0
    text = f"{int(v)}" if float(v).is_integer() else f"{v:g}"
    return f"[yellow]{text}*[/yellow]" if c.status == "inferred" else text


def _short(label: str, width: int = 18) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def print_report(report: ParsedReport, console: Console) -> None:
    tpl = TEMPLATES[report.template]
    console.print(
        f"[bold]{report.agency or '（未识别机关）'}[/bold]  {report.report_year}年度  "
        f"模板 {report.template}（{tpl.notice}）  格式 {report.format}"
    )
    for table_key, table in tpl.tables.items():
        if table_key == "proactive":
            rt = RichTable(title=table.label, show_lines=False)
            rt.add_column("信息内容")
            rt.add_column("项目")
            rt.add_column("数量", justify="right")
            for row in table.rows:
                for col in row.columns:
                    rt.add_row(f"{row.group_label} {row.label}", col.label, _fmt(report, table_key, row.key, col.key))
        else:
            columns = table.rows[0].columns
            rt = RichTable(title=table.label)
            rt.add_column("", no_wrap=True)
            for col in columns:
                rt.add_column(col.label, justify="right")
            for row in table.rows:
                rt.add_row(_short(row.short_label), *(_fmt(report, table_key, row.key, c.key) for c in columns))
        console.print(rt)
    console.print("[dim]空 = 报告中为空白（非0）；? = 无法确定位置；* = 推断值；· = 报告未列出该行[/dim]")
    if report.warnings:
        console.print(f"[bold]警告 warnings ({len(report.warnings)})[/bold]")
        for w in report.warnings:
            console.print(f"  - {w.message}", markup=False)


@app.command()
def run(
    raw_dir: Path = typer.Option(Path("data/raw"), help="folder of published reports"),
    warehouse: Path = typer.Option(None, help="DuckDB file (default $OGI_WAREHOUSE or data/warehouse.duckdb)"),
    corrections_dir: Path = typer.Option(
        None, help="folder of corrections CSV files (default: corrections/ beside the raw folder, data/corrections)"
    ),
    wait: float = typer.Option(
        3600,
        "--wait",
        help="seconds to wait for another run building the same warehouse "
        "(then exit 3 with a message; 0 = do not wait)",
    ),
    executor: str = typer.Option(
        None,
        help="where the steps run: in_process (default), multiprocess, or celery (workers on other "
        "machines; README 'Parsing on several machines'); default $OGI_EXECUTOR",
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="OCR progress even when not on a terminal"),
) -> None:
    """Run the warehouse job end to end (landing → parsing → corrections → dbt → publish) and print a summary."""
    from .ocr.progress_bar import RunProgress
    from .runner import main_run

    with RunProgress(verbose):  # pages OCR'd by the in-process run's parse workers
        code = main_run(raw_dir, warehouse, corrections_dir=corrections_dir, wait=wait, executor=executor)
    raise typer.Exit(code)


@app.command()
def generate(
    agencies: int = typer.Option(320, "--agencies", help="number of agencies in the city"),
    years: str = typer.Option("2019-2024", "--years", help="report years, FIRST-LAST"),
    seed: int = typer.Option(1, "--seed", help="the city (its name, agencies, values and defects)"),
    out: Path = typer.Option(..., "--out", help="folder to write the city into"),
    workers: int = typer.Option(0, "--workers", help="render in this many processes, 0 = one per CPU (same bytes)"),
    province_reports: int = typer.Option(
        0, "--province-reports", help="instead of one city: a province of cities with about this many reports"
    ),
) -> None:
    """Generate a fictional prefecture-level city: registry, reports in every format, truths, defects
    (or, with --province-reports, a province: many such cities, one folder each; --agencies unused)."""
    from .synth.generate import generate as run_generate
    from .synth.province import generate_province

    first, _, last = years.partition("-")
    if province_reports:
        generate_province(out, province_reports, (int(first), int(last or first)), seed, workers)
        return
    run_generate(out, agencies, (int(first), int(last or first)), seed, workers)


class FindingsFormat(StrEnum):
    text = "text"
    csv = "csv"


@app.command()
def findings(
    warehouse: Path = typer.Option(None, help="DuckDB file (default $OGI_WAREHOUSE or data/warehouse.duckdb)"),
    format: FindingsFormat = typer.Option(FindingsFormat.text, "--format", "-f", help="text (readable) or csv"),
) -> None:
    """Print the current findings (the defects.csv columns plus the rule text); reads the warehouse read-only."""
    from .monitoring import main_findings

    raise typer.Exit(main_findings(warehouse, format.value))


@app.command()
def check(
    file: Path = typer.Argument(..., help="a report before it is published"),
    format: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text (Chinese) or json"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="OCR progress even when not on a terminal"),
) -> None:
    """Check one report before publication: R01–R05, R08, R09, R12. Exit 1 with findings, 0 clean, 2 unreadable."""
    from .check import check_file

    with ocr_progress(file, verbose):
        code, out = check_file(file, format.value)
    print(out)
    raise typer.Exit(code)


@app.command()
def score(
    corpus: Path = typer.Option(..., "--corpus", help="a folder with raw/NAME.* and truth/NAME.json"),
    raw: Path = typer.Option(
        None, "--raw", help="the reports' folder when it is not CORPUS/raw (tests/corpus/real: --raw data/raw)"
    ),
    findings: bool = typer.Option(
        False, "--findings", help="compare `ogi check` findings with the truth's implied findings instead of the cells"
    ),
    max_wrong: int = typer.Option(None, "--max-wrong", help="exit 1 when more wrong cells than this"),
    min_coverage: float = typer.Option(None, "--min-coverage", help="exit 1 when correct/cells is below this (0-1)"),
    allow_missed: bool = typer.Option(
        False, "--allow-missed", help="with --findings: exit 1 only on a false finding, not on a missed one"
    ),
    timeout: float = typer.Option(120.0, "--timeout", help="seconds allowed per report"),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="list every wrong cell"),
) -> None:
    """Score the parser on a truth corpus (correct / missing / blank_as_zero / wrong per cell), or with
    --findings `ogi check` against the truth's findings. Exit 1 when a threshold is not met, 2 without truth."""
    from .score import main as score_main

    raise typer.Exit(score_main(corpus, raw, findings, max_wrong, min_coverage, allow_missed, verbose, timeout))


@app.command()
def export(
    year: int = typer.Option(..., help="report year"),
    out: Path = typer.Option(..., help="the .xlsx file to write"),
    agency: str = typer.Option(None, help="only this agency id (a workbook to send back to it)"),
    warehouse: Path = typer.Option(None, help="DuckDB file (default $OGI_WAREHOUSE or data/warehouse.duckdb)"),
    raw_dir: Path = typer.Option(
        None,
        help="the reports' folder, for the crops of OCR'd cells in 待人工核对 (default: raw/ beside the warehouse)",
    ),
) -> None:
    """Excel for the office: 汇总 (every agency's status) and 问题清单 (every finding) of one year."""
    from .export import export_workbook
    from .warehouse import default_warehouse

    try:
        path = export_workbook(warehouse or default_warehouse(), year, out, agency, raw_dir=raw_dir)
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(2) from None
    print(f"wrote {path}")


corrections_app = typer.Typer(no_args_is_help=True, help="Corrections: a person's value for a cell (data/corrections/)")
app.add_typer(corrections_app, name="corrections")


@corrections_app.command("import")
def corrections_import(
    workbook: Path = typer.Argument(..., help="an exported workbook (ogi export) whose 待人工核对 sheet is filled in"),
    out: Path = typer.Option(
        None,
        "--out",
        help="the CSV to write (default: corrections folder / <workbook>.csv; an existing file is never overwritten)",
    ),
    corrections_dir: Path = typer.Option(None, help="corrections folder (default: corrections/ beside the raw folder)"),
    raw_dir: Path = typer.Option(Path("data/raw"), help="folder of published reports"),
    warehouse: Path = typer.Option(None, help="DuckDB file (default $OGI_WAREHOUSE or data/warehouse.duckdb)"),
    by: str = typer.Option(None, "--by", help="corrected_by for rows whose 核对人 is empty"),
) -> None:
    """Read the filled 待人工核对 sheet, validate it and write a corrections CSV (exit 1 when rows are rejected)."""
    from .corrections import main_import

    raise typer.Exit(main_import(workbook, out, corrections_dir, raw_dir, warehouse, by))


@app.command()
def dashboard(
    out: Path = typer.Option(None, help="folder to write the site into (default: dashboard/ beside the warehouse)"),
    warehouse: Path = typer.Option(None, help="DuckDB file (default $OGI_WAREHOUSE or data/warehouse.duckdb)"),
    raw_dir: Path = typer.Option(
        None, help="the reports' folder, for the crops of OCR'd cells to review (default: raw/ beside the warehouse)"
    ),
) -> None:
    """Offline dashboard: a static site (open index.html from disk, no network) of the warehouse."""
    from .dashboard import build_dashboard
    from .warehouse import default_warehouse

    db = warehouse or default_warehouse()
    try:
        built = build_dashboard(db, out or Path(db).parent / "dashboard", raw_dir=raw_dir or Path(db).parent / "raw")
    except (ValueError, FileNotFoundError, RuntimeError) as exc:
        print(str(exc), file=sys.stderr)
        raise typer.Exit(2) from None
    print(
        f"wrote {built.index} ({built.n_agencies} agencies, {built.n_agency_years} agency-years, "
        f"{built.n_reports} reports, {built.n_findings} findings; years {built.years[0]}–{built.years[-1]})"
        if built.years
        else f"wrote {built.index} (the warehouse holds no report year yet)"
    )


@app.command("landing-sources")
def landing_sources(
    check: bool = typer.Option(False, "--check", help="only compare: exit 1 when the committed file differs"),
) -> None:
    """Write dbt's sources file (dbt_project/models/staging/_sources.yml) from the landing table
    descriptions in pipelines/landing_tables.py."""
    from .landing_tables import main

    raise typer.Exit(main(["--check"] if check else []))


# ---------------------------------------------------------------- collecting from the websites (issue #13)


@app.command()
def collect(
    raw_dir: Path = typer.Option(
        Path("data/raw"), help="raw folder: its agencies.csv names the sites; reports go here"
    ),
    collect_dir: Path = typer.Option(
        None, help="the fetch log and validators (default $OGI_COLLECT_DIR or collect/ beside the raw folder)"
    ),
    timeout: float = typer.Option(20.0, help="seconds before a request is given up"),
    retries: int = typer.Option(2, help="further tries after a timeout, connection error, 429 or 5xx"),
    delay: float = typer.Option(1.0, help="seconds between two requests to one host"),
    per_host: int = typer.Option(2, help="requests in flight to one host"),
    workers: int = typer.Option(4, help="agencies visited at once"),
) -> None:
    """Visit every agency website the registry names (list_page_url, report_url), download new or changed
    reports into the raw folder and log every fetch; then `ogi run` builds the warehouse. Only hosts in
    $OGI_COLLECT_ALLOW (comma-separated) are reached when it is set."""
    from rich.progress import Progress

    from .collect.collector import collect as run_collect
    from .collect.collector import default_collect_dir, registry_sites
    from .collect.http import Limits

    sites = registry_sites(raw_dir)
    if not sites:
        print(f"no agency in {raw_dir}/**/agencies.csv names a list_page_url or report_url: nothing to collect")
        raise typer.Exit(0)
    limits = Limits(timeout=timeout, retries=retries, host_delay=delay, per_host=per_host)
    folder = collect_dir or default_collect_dir(raw_dir)
    with Progress(console=Console(stderr=True)) as progress:
        task = progress.add_task("visiting agency websites", total=len(sites))
        summary = run_collect(
            raw_dir, sites, folder, limits, workers=workers, progress=lambda _a: progress.advance(task)
        )
    for line in summary.lines():
        print(line)
    print(f"fetch log: {folder}")


@app.command()
def sites(
    city: Path = typer.Option(Path("data/raw/demo_city"), help="a city written by `ogi generate`"),
    out: Path = typer.Option(Path("build/sites"), help="folder to write the sites into"),
    registry: Path = typer.Option(
        Path("build/collected/raw/agencies.csv"), help="where to write the registry naming the served sites"
    ),
    port: int = typer.Option(8765, help="port on 127.0.0.1"),
    stage: int = typer.Option(1, help="1: the first season's sites; 2: a season later (late, changed, moved reports)"),
    serve: bool = typer.Option(True, help="serve the sites until interrupted"),
) -> None:
    """Write the generated city's websites (pipelines/synth/sites.py) and serve them on 127.0.0.1, with a
    registry to collect them: `OGI_COLLECT_ALLOW=127.0.0.1 ogi collect --raw-dir build/collected/raw`."""
    import time

    from .synth.sites import SiteServer, site_registry, write_sites

    truth = write_sites(city, out)
    print(f"wrote {len(truth.agencies)} sites, {len(truth.reports)} reports: {out}")
    server = SiteServer(out, stage=stage, port=port)
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_bytes(site_registry(city, server.base_url))
    print(f"registry: {registry}")
    if not serve:
        server.stop()
        return
    with server:
        print(f"serving stage {stage} at {server.base_url}/ (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    app()
