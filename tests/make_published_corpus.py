"""Build tests/corpus/published: reports as published on the web, printed by a browser, saved by office software.

Run from the repo root: `.venv/bin/python -m tests.make_published_corpus` (needs /usr/bin/chromium,
driven by playwright from the venv's test extra, and LibreOffice's `soffice`; about two minutes).

Every file is rendered from a truth (the data it prints) and its truth is written next to it:

  web_*        CMS article pages (pipelines/synth/published.py): site chrome around the report,
               run-on section headings, Word <p><span> cells, <div> tables, the 2019 总计 column empty
  chrome_*     those pages and the existing HTML fixtures and probes printed to A4 PDF by headless
               Chromium (page.pdf), most with the browser's header and footer (date and time + title,
               URL + "1/5"), some with background graphics
  lo_docx_*, lo_xlsx_*, lo_pdf_*
               the pages opened in LibreOffice Writer (saved as DOCX, exported as PDF directly or
               through the DOCX) and in Calc (HTML import, saved as XLSX); the existing DOCX fixtures
               and probes exported to PDF by Writer

Deterministic where the tools allow: fixed seeds, fixed print dates and URLs in the headers, the
PDFs' creation dates and ids and the Office zips' dates fixed after the fact. Each output is checked:
its text (pdfplumber for PDFs) must hold the report's title and every number the truth prints.
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipelines.synth.layout import display
from pipelines.synth.published import SITES, Page, blank_total_column, dense_truth, page_html
from pipelines.synth.render import deterministic_zip

TESTS = Path(__file__).resolve().parent
OUT = TESTS / "corpus" / "published"
FIXTURES = TESTS / "corpus" / "fixtures"
PROBES = TESTS / "corpus" / "probes"
CANONICAL = ("agency", "report_year", "template", "proactive", "requests", "review_litigation")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--font-render-hinting=none",
    "--lang=zh-CN",
]  # a Chinese user's browser: Han text falls back to the SC fonts


# ---------------------------------------------------------------- truths


def _fixture(name: str) -> dict[str, Any]:
    return json.loads((TESTS / "fixture_truths" / f"{name}.json").read_text(encoding="utf-8"))


def _with_defect(t: dict[str, Any]) -> dict[str, Any]:
    """Two printed arithmetic errors, kept as printed: an outcome row's 总计 (R01, R02) and a
    section 四 block total (R04)."""
    t["requests"]["unable_not_held"]["total"] += 10
    t["review_litigation"]["litigation_direct"]["total"] -= 3
    return t


def _with_blanks(t: dict[str, Any]) -> dict[str, Any]:
    """Cells printed blank: a whole section 四 block, a proactive cell, two outcome cells."""
    t["review_litigation"]["litigation_after_review"] = dict.fromkeys(t["review_litigation"]["litigation_after_review"])
    t["proactive"]["admin_coercion"]["decisions"] = None
    t["requests"]["denied_state_secret"]["research"] = None
    t["requests"]["denied_state_secret"]["social_org"] = None
    return t


def _generated(path: str) -> dict[str, Any]:
    from pipelines.synth.generate import plan_city

    plan = _generated.plan = getattr(_generated, "plan", None) or plan_city(n_agencies=60, years=(2019, 2023), seed=11)
    return next(r.truth for r in plan.reports if r.path == path)


def build_truths() -> dict[str, dict[str, Any]]:
    t = {
        "fx21": _fixture("fixture2021"),
        "fx19": _fixture("fixture2019"),
        "d21a": dense_truth("滨江市云溪区市场监督管理局", 2023, 1),
        "d21b": dense_truth("江阳市东湖区新城街道办事处", 2022, 2),
        "d21c": dense_truth("云溪区人民政府办公室", 2024, 3),
        "d21d": _with_defect(dense_truth("滨江市生态环境局", 2023, 4)),
        "d21e": _with_blanks(dense_truth("江阳市自然资源和规划局", 2021, 5)),
        "d19a": dense_truth("云溪区教育局", 2020, 6),
        "d19t": blank_total_column(dense_truth("江阳市住房和城乡建设局", 2019, 7)),
        "d19u": blank_total_column(dense_truth("滨江市云溪区城关镇人民政府", 2020, 8)),
        "g19r01": _generated("金江市/gen-sb-0001_2019.pdf"),  # the generator's R01 defect
        "g20blank": _generated("金江市清河县/gen-sb-0040_2020.xlsx"),  # cells printed blank
        "g23": _generated("金江市/gen-sb-0006_2023.pdf"),
    }
    return t


# ---------------------------------------------------------------- what is built


@dataclass(frozen=True)
class Print:
    """Chromium's print dialog: the header and footer (date + title, URL + page numbers), backgrounds."""

    header_footer: bool = True
    background: bool = False
    margin_mm: int = 10
    landscape: bool = False
    date: str = ""  # the header's date and time, default (year+1)/1/25 10:30


@dataclass(frozen=True)
class Web:
    name: str  # the layout
    truth: str
    page: Page
    what: str
    print: Print | None = field(default_factory=Print)  # None: not printed


WEB = [
    Web(
        "portal",
        "d21a",
        Page(site=0),
        "full portal page: navigation with other years' report links, breadcrumb, search form, right sidebar "
        "(相关文章 with years and dates), inline scripts/styles, footer; meta line after the <h1>",
        Print(),
    ),
    Web(
        "meta_first_index",
        "d21b",
        Page(site=2, meta_first=True, index_table=True, sidebar="left", width=680, title_px=28),
        "来源/发布时间 line and the 信息索引 table before the title; the long <h1> title wraps; left sidebar; "
        "680px column",
        Print(background=True, date="2023/2/3 09:05"),
    ),
    Web(
        "runon_p",
        "d21c",
        Page(site=1, runon="p", sidebar="both", width=700),
        "each section heading run into the preceding paragraph in one <p> (…报告如下。二、主动公开政府信息情况); "
        "sidebars on both sides",
        Print(),
    ),
    Web(
        "runon_span",
        "d19a",
        Page(site=0, runon="span", width=820),
        "2019 template; headings in a bold <span> inside the preceding paragraph",
        Print(header_footer=False),
    ),
    Web(
        "runon_strong",
        "fx21",
        Page(site=1, runon="strong", meta_first=True),
        "headings in <strong> inside the preceding paragraph; meta line before the title",
        Print(date="2023/1/30 16:42"),
    ),
    Web(
        "mso",
        "d21d",
        Page(site=2, cells="mso", width=660, search="div"),
        "Word-pasted table: every cell MsoNormal <p><span> fragments, labels split over 2–3 paragraphs, numbers "
        "split over two spans; 660px column; printed arithmetic errors (R01/R02, R04)",
        Print(background=True),
    ),
    Web(
        "mso19",
        "fx19",
        Page(site=0, cells="mso", runon="span", width=700),
        "2019 template as Word-pasted fragments, run-on <span> headings, signed 本年增/减 and 251000元",
        Print(),
    ),
    Web(
        "divrows",
        "d21e",
        Page(site=1, table="divrows", width=700, search="div"),
        "tables whose tags the CMS stripped: rows as flex <div>s of <p> cells, merged cells undone (label in the "
        "first row only); blank cells",
        Print(),
    ),
    Web(
        "grid",
        "g23",
        Page(site=3, table="grid", cells="mso", borders="rules", shading=True, search="div"),
        "cells as <div>s of a CSS grid (no rows in the markup), horizontal rules only, shaded header rows",
        Print(background=True),
    ),
    Web(
        "stripped",
        "d21b",
        Page(site=2, table="stripped", width=760),
        "table tags and empty cells stripped: every cell a <p> of its own, one per line",
        Print(header_footer=False),
    ),
    Web(
        "total_blank19",
        "d19t",
        Page(site=2, width=900, search="div"),
        "2019 template with section 三's 总计 column printed empty in every row",
        Print(),
    ),
    Web(
        "total_blank19_mso",
        "d19u",
        Page(site=1, cells="mso", width=640, borders="rules"),
        "2019, 总计 column empty, Word fragments, horizontal rules only, 640px column",
        Print(),
    ),
    Web(
        "narrow_rules",
        "d21c",
        Page(site=0, width=620, borders="rules", sidebar="none", print_css=True, title_px=26),
        "620px column, only horizontal rules, print stylesheet hiding the site chrome; labels wrap over 2–3 lines",
        Print(date="2025/2/14 08:30"),
    ),
    Web(
        "narrow_thead",
        "g19r01",
        Page(site=3, width=660, font_px=18, thead=True, shading=True, search="div"),
        "2019 generated report with an R01 error; header rows in <thead> (repeated on every printed page), shaded",
        Print(background=True),
    ),
    Web(
        "noborder",
        "g20blank",
        Page(site=3, borders="none", width=760, blank="—", search="div"),
        "tables with no borders at all, blanks printed —",
        Print(),
    ),
    Web(
        "unruled_top",
        "d21a",
        Page(site=1, borders="none", valign="top", num_align="right", width=640, sidebar="left"),
        "no borders, cells top-aligned (a wrapped label runs on below its values), numbers right-aligned under "
        "centred headers, 640px column",
        Print(),
    ),
    Web(
        "unruled_bottom",
        "d21b",
        Page(site=0, borders="none", valign="bottom", width=660, meta_first=True),
        "no borders, cells bottom-aligned (a wrapped label starts above its values), 660px column",
        Print(),
    ),
    Web(
        "rules_top19",
        "d19t",
        Page(site=2, borders="rules", valign="top", width=640, cells="mso"),
        "2019, 总计 column empty, Word fragments top-aligned, horizontal rules only, 640px column",
        Print(background=True),
    ),
    Web(
        "runon_divrows",
        "d21d",
        Page(site=0, runon="p", table="divrows", cells="mso", meta_first=True, width=700, search="div"),
        "run-on headings + stripped table tags with Word fragments + meta line first",
        Print(header_footer=False, background=True),
    ),
]

# Existing HTML of the other corpora, printed by Chromium (their truth is copied).
PRINTED_HTML = [
    (FIXTURES, "fixture2021__html_cms", Print()),
    (FIXTURES, "fixture2019__html_cms", Print(background=True)),
    (FIXTURES, "fixture2021__html_word", Print()),
    (FIXTURES, "fixture2019__html_word", Print(header_footer=False)),
    (FIXTURES, "fixture2021__html_layout", Print()),
    (FIXTURES, "fixture2021__html_gbk", Print()),
    (FIXTURES, "html_word_county2020", Print()),
    (PROBES, "h21_big_table", Print()),
    (PROBES, "h21_cn_year_sidebar", Print()),
    (PROBES, "h21_unmerged", Print(header_footer=False)),
    (PROBES, "h19_sec4_rows_unmerged", Print()),
    (PROBES, "h21_wps_qita", Print()),
]

# LibreOffice: (kind, web layout) — kind: docx (Writer, HTML import), xlsx (Calc, HTML import),
# pdf (Writer, HTML import, PDF export), docx_pdf (the DOCX Writer saved, exported to PDF).
OFFICE = [
    ("docx", "portal"),
    ("docx", "mso"),
    ("docx", "runon_p"),
    ("docx", "total_blank19"),
    ("docx", "divrows"),
    ("xlsx", "portal"),
    ("xlsx", "meta_first_index"),
    ("xlsx", "mso19"),
    ("xlsx", "total_blank19_mso"),
    ("xlsx", "narrow_thead"),
    ("xlsx", "grid"),
    ("pdf", "runon_strong"),
    ("pdf", "noborder"),
    ("pdf", "mso"),
    ("pdf", "total_blank19"),
    ("docx_pdf", "portal"),
    ("docx_pdf", "divrows"),
    ("docx_pdf", "narrow_thead"),
]
OFFICE_HTML = [  # existing HTML opened in LibreOffice
    ("docx", FIXTURES, "fixture2021__html_word"),
    ("xlsx", PROBES, "h21_big_table"),
]
OFFICE_DOCX = [  # existing DOCX exported to PDF by Writer
    (FIXTURES, "fixture2021__docx_plain"),
    (FIXTURES, "fixture2019__docx_plain"),
    (FIXTURES, "fixture2021__docx_word_export"),
    (FIXTURES, "fixture2019__docx_split_table"),
    (FIXTURES, "fixture2021__docx_slash_blanks"),
    (PROBES, "d19_split_fwminus"),
    (PROBES, "d21_fw_sep"),
    (PROBES, "d21_split_before_qita"),
    (PROBES, "d21_split_midgroup"),
]


# ---------------------------------------------------------------- determinism

_PDF_DATE = re.compile(rb"(/(?:CreationDate|ModDate)\s*\(D:)(\d{14})")
_PDF_ID = re.compile(rb"(/ID\s*\[\s*<)([0-9A-Fa-f]+)(>\s*<)([0-9A-Fa-f]+)(>)")
_PDF_CHECKSUM = re.compile(rb"(/DocChecksum\s*/)([0-9A-Fa-f]+)")
_XMP_DATE = re.compile(rb"(<xmp:(?:CreateDate|ModifyDate|MetadataDate)>)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


def fixed_pdf(data: bytes) -> bytes:
    """Creation dates and document ids replaced by fixed values of the same length (offsets unchanged)."""
    data = _PDF_DATE.sub(lambda m: m.group(1) + b"20240125103000", data)
    data = _PDF_ID.sub(
        lambda m: m.group(1) + b"0" * len(m.group(2)) + m.group(3) + b"0" * len(m.group(4)) + m.group(5), data
    )
    data = _PDF_CHECKSUM.sub(lambda m: m.group(1) + b"0" * len(m.group(2)), data)
    return _XMP_DATE.sub(lambda m: m.group(1) + b"2024-01-25T10:30:00", data)


_W_DATE = re.compile(rb'(w:date=")[^"]*(")')


def fixed_office(data: bytes) -> bytes:
    """An Office zip with fixed dates: entry times, document properties, and the dates of the comments
    Writer adds for HTML it cannot place (`HTML: <meta …>`)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "word/comments.xml":
                body = _W_DATE.sub(rb"\g<1>2024-01-25T10:30:00Z\g<2>", body)
            dst.writestr(info, body)
    return deterministic_zip(out.getvalue())


# ---------------------------------------------------------------- Chromium


def _stable_id(key: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(key)) % 900000 + 100000


def _templates(date: str, url: str) -> tuple[str, str]:
    """Chrome's default header (date and time left, title centred) and footer (URL left, n/N right)."""
    style = (
        "font-family:'Noto Sans CJK SC',sans-serif;font-size:8px;color:#000;width:100%;margin:0 10mm;"
        "display:flex;justify-content:space-between;white-space:nowrap"
    )
    header = (
        f'<div style="{style}"><span>{date}</span><span class="title" style="overflow:hidden;'
        f'text-overflow:ellipsis;max-width:70%"></span><span></span></div>'
    )
    footer = (
        f'<div style="{style}"><span>{url}</span>'
        f'<span><span class="pageNumber"></span>/<span class="totalPages"></span></span></div>'
    )
    return header, footer


def print_pdfs(jobs: list[tuple[Path, Path, Print, str, str]]) -> None:
    """(html file, pdf out, print options, header date, footer URL) printed by headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
            # A closed network: only the local file itself loads (scripts and images of the site fail).
            context.route(re.compile(r"^(?!file:).*"), lambda route: route.abort())
            for src, out, opts, date, url in jobs:
                page = context.new_page()
                page.goto(src.as_uri(), wait_until="load")
                header, footer = _templates(date, url)
                margin = f"{opts.margin_mm}mm"
                pdf = page.pdf(
                    format="A4",
                    landscape=opts.landscape,
                    print_background=opts.background,
                    display_header_footer=opts.header_footer,
                    header_template=header,
                    footer_template=footer,
                    margin={"top": margin, "bottom": margin, "left": margin, "right": margin},
                )
                out.write_bytes(fixed_pdf(pdf))
                page.close()
        finally:
            browser.close()


# ---------------------------------------------------------------- LibreOffice

FILTERS = {
    "docx": ("HTML (StarWriter)", "docx:MS Word 2007 XML"),
    "xlsx": ("HTML (StarCalc)", "xlsx:Calc MS Excel 2007 XML"),
    "pdf": ("HTML (StarWriter)", "pdf:writer_pdf_Export"),
    "docx2pdf": ("", "pdf:writer_pdf_Export"),
}


def soffice(src: Path, kind: str, outdir: Path, profile: Path) -> Path:
    infilter, convert = FILTERS[kind]
    cmd = ["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    if infilter:
        cmd.append(f"--infilter={infilter}")
    cmd += ["--convert-to", convert, "--outdir", str(outdir), str(src)]
    outdir.mkdir(parents=True, exist_ok=True)
    ext = convert.split(":")[0]
    out = outdir / f"{src.stem}.{ext}"
    out.unlink(missing_ok=True)
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=180)
    if not out.exists():
        raise RuntimeError(f"soffice failed on {src.name} ({kind}): {proc.stdout} {proc.stderr}")
    return out


# ---------------------------------------------------------------- checks

_NUM = re.compile(r"\d+(?:,\d{3})*(?:\.\d+)?")
# Chromium's PDFs (Skia, Noto CJK) map some ideographs to radicals that NFKC leaves alone.
_RADICALS = str.maketrans(
    {
        "⺠": "民",
        "⻔": "门",
        "⻚": "页",
        "⻓": "长",
        "⻅": "见",
        "⻋": "车",
        "⻉": "贝",
        "⻢": "马",
        "⻛": "风",
        "⻜": "飞",
        "⻩": "黄",
        "⻬": "齐",
        "⻰": "龙",
        "⻄": "西",
    }
)


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_RADICALS)


def _numbers(text: str) -> Counter[str]:
    return Counter(n.replace(",", "") for n in _NUM.findall(_norm(text)))


def printed_numbers(t: dict[str, Any]) -> Counter[str]:
    """Every number the report prints in its three tables (as digit strings, signs dropped)."""
    out: Counter[str] = Counter()
    for table in ("proactive", "requests", "review_litigation"):
        for row, cols in t[table].items():
            for col, v in cols.items():
                if v is not None:
                    out += _numbers(display(t, table, row, col))
    return out


def extract_text(path: Path) -> str:
    ext = path.suffix
    if ext == ".pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return "\n".join(p.extract_text() or "" for p in pdf.pages)
    if ext == ".docx":
        with zipfile.ZipFile(path) as z:
            xml = z.read("word/document.xml").decode("utf-8")
        paras = re.findall(r"<w:p[ >].*?</w:p>", xml, re.S)
        return "\n".join("".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", p)) for p in paras)
    if ext == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        return "\n".join(
            " ".join("" if v is None else str(v) for v in row)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
        )
    from lxml import html as lhtml

    doc = lhtml.document_fromstring(path.read_bytes())
    for el in doc.iter("td", "th", "p", "div", "li", "br", "tr", "h1", "h2", "h3"):
        el.tail = "\n" + (el.tail or "")
    return doc.text_content()


def check(path: Path, t: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(problems, notes): the title's agency or a printed number missing from the file's text is a
    problem; a number printed broken over two lines of its cell ("499" / "3") is a note."""
    text = extract_text(path)
    flat = re.sub(r"\s+", "", _norm(text))
    problems, notes = [], []
    if re.sub(r"\s+", "", _norm(t["agency"])) not in flat:
        problems.append(f"agency {t['agency']} not in the text")
    tokens = [n.replace(",", "") for n in _NUM.findall(_norm(text))]
    tokens = [n[:-2] if path.suffix == ".xlsx" and n.endswith(".0") else n for n in tokens]
    missing = printed_numbers(t) - Counter(tokens)
    wrapped = sorted(
        n
        for n in missing
        if path.suffix == ".pdf" and any(n[:i] in tokens and n[i:] in tokens for i in range(1, len(n)))
    )
    if wrapped:
        notes.append(f"numbers broken over two lines of their cell: {wrapped}")
    rest = {n: c for n, c in missing.items() if n not in wrapped}
    if rest:
        problems.append(f"numbers not in the text: {rest}")
    return problems, notes


# ---------------------------------------------------------------- main


def _canonical(t: dict[str, Any]) -> dict[str, Any]:
    return {k: t[k] for k in CANONICAL}


def main() -> None:
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    truths = build_truths()
    raw, truth_dir = OUT / "raw", OUT / "truth"
    for d in (raw, truth_dir):
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
    written: dict[str, dict[str, Any]] = {}  # file name -> truth

    def emit(name: str, data: bytes, t: dict[str, Any]) -> None:
        (raw / name).write_bytes(data)
        written[name] = t

    with tempfile.TemporaryDirectory(prefix="ogi-published-") as tmp_s:
        tmp = Path(tmp_s)
        by_layout = {w.name: w for w in WEB}
        chrome_jobs: list[tuple[Path, Path, Print, str, str]] = []
        chrome_truth: dict[Path, dict[str, Any]] = {}
        for w in WEB:
            t = truths[w.truth]
            stem = f"web_{w.name}__{w.truth}"
            emit(f"{stem}.html", page_html(t, w.page), t)
            if w.print:
                out = tmp / f"chrome_{w.name}__{w.truth}.pdf"
                date = w.print.date or f"{t['report_year'] + 1}/1/25 10:30"
                url = (
                    f"http://{SITES[w.page.site].domain}/zwgk/ndbg/{t['report_year'] + 1}01/"
                    f"t{t['report_year'] + 1}0120_{_stable_id(stem)}.html"
                )
                chrome_jobs.append((raw / f"{stem}.html", out, w.print, date, url))
                chrome_truth[out] = t
        for corpus, stem, opts in PRINTED_HTML:
            t = json.loads((corpus / "truth" / f"{stem}.json").read_text(encoding="utf-8"))
            out = tmp / f"chrome_{corpus.name}__{stem}.pdf"
            url = f"http://www.binjiang.gov.cn/art/{t['report_year'] + 1}/1/20/art_{_stable_id(stem)}.html"
            chrome_jobs.append(
                (corpus / "raw" / f"{stem}.html", out, opts, opts.date or f"{t['report_year'] + 1}/2/1 14:05", url)
            )
            chrome_truth[out] = t
        print(f"printing {len(chrome_jobs)} pages with Chromium", flush=True)
        print_pdfs(chrome_jobs)
        for out, t in chrome_truth.items():
            emit(out.name, out.read_bytes(), t)

        # LibreOffice: the pages without a <form> (Writer's HTML import stops on form controls headless).
        profile = tmp / "lo-profile"
        src_dir = tmp / "lo-src"
        src_dir.mkdir()
        office_jobs: list[tuple[str, Path, dict[str, Any], str]] = []
        for kind, layout_name in OFFICE:
            w = by_layout[layout_name]
            t = truths[w.truth]
            src = src_dir / f"{w.name}__{w.truth}.html"
            src.write_bytes(page_html(t, replace(w.page, search="div")))
            office_jobs.append((kind, src, t, f"lo_{kind}_{w.name}__{w.truth}"))
        for kind, corpus, stem in OFFICE_HTML:
            t = json.loads((corpus / "truth" / f"{stem}.json").read_text(encoding="utf-8"))
            office_jobs.append((kind, corpus / "raw" / f"{stem}.html", t, f"lo_{kind}_{corpus.name}__{stem}"))
        for corpus, stem in OFFICE_DOCX:
            t = json.loads((corpus / "truth" / f"{stem}.json").read_text(encoding="utf-8"))
            office_jobs.append(("docx2pdf", corpus / "raw" / f"{stem}.docx", t, f"lo_pdf_{corpus.name}__{stem}"))
        print(f"converting {len(office_jobs)} files with LibreOffice", flush=True)
        for kind, src, t, stem in office_jobs:
            work = tmp / "lo-out" / stem
            if kind == "docx_pdf":
                docx = soffice(src, "docx", work, profile)
                out = soffice(docx, "docx2pdf", work / "pdf", profile)
                stem = stem.replace("lo_docx_pdf_", "lo_pdf_via_docx_")
            else:
                out = soffice(src, kind, work, profile)
            data = out.read_bytes()
            data = fixed_pdf(data) if out.suffix == ".pdf" else fixed_office(data)
            emit(f"{stem}{out.suffix}", data, t)

    problems = 0
    for name, t in sorted(written.items()):
        stem = Path(name).stem
        (truth_dir / f"{stem}.json").write_text(
            json.dumps(_canonical(t), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        issues, notes = check(raw / name, t)
        size = (raw / name).stat().st_size
        flag = ("  PROBLEM: " + "; ".join(issues) if issues else "") + ("  note: " + "; ".join(notes) if notes else "")
        problems += bool(issues)
        print(f"{size / 1024:7.0f} KB  {name}{flag}")
    total = sum(p.stat().st_size for p in raw.iterdir())
    print(f"{len(written)} files, {total / 1024 / 1024:.1f} MB")
    if problems:
        sys.exit(f"{problems} files do not print their truth")


if __name__ == "__main__":
    main()
