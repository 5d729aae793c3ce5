"""The generated city's websites: what `ogi sites` writes and serves, and what the collector's tests
collect from (issue #13).

From a city written by `ogi generate` (agencies.csv, publications.csv, the report files) this writes,
for each registered agency, a 政府信息公开年报 column at `/<agency_id>/xxgk/ndbg/index.html`:

- list pages in three CMS styles (TRS-like `<ul>` with a createPageHTML script, a `<table>` with a
  下一页 link, `<div>` items with numbered page links), four items a page, with links that are not
  reports among them;
- article pages printing 发布时间 and linking the report as an attachment (PDF, DOCX, XLSX, text);
  an HTML report is itself the article page (its date only on the list page);
- two stages of the same sites, the second a collection season later: one report published late
  (only in stage 2), a corrected report republished at the same URL (stage 2), a report whose
  article page moved (stage 2: the old address redirects);
- pages that fail: a link to a page that is not there (404), a slow page (slower than the
  collector's timeout in the tests), a redirect loop; and a GBK-encoded list page (declared in a
  meta tag) and one whose encoding only the Content-Type header gives.

`SiteServer` serves a written site on 127.0.0.1 (a threaded http.server on a free port) with
ETag/Last-Modified and 304 answers; `write_sites` returns the `SiteTruth` the tests compare with.
"""

from __future__ import annotations

import csv
import datetime as dt
import email.utils
import hashlib
import html
import io
import json
import re
import shutil
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..metadata import AGENCY_COLUMNS, SITE_COLUMNS

PAGE_SIZE = 4
STYLES = ("trs", "table", "div")
LIST_PATH = "xxgk/ndbg/index.html"
ROUTES = "routes.json"
TRUTH = "site_truth.json"
_STEM = re.compile(r"^(?P<agency>.+?)_(?P<year>\d{4})(?:_v(?P<version>\d+))?$")
_CONTENT_TYPES = {
    ".html": "text/html",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
}


@dataclass
class SiteReport:
    """One report as a site publishes it."""

    agency_id: str  # the agency whose site lists it
    city_file: str  # its path in the city folder
    title: str
    report_year: int
    published_at: str  # ISO date, the site's (list page and printed 发布时间)
    report_path: str  # the URL path of the report's bytes
    article_path: str  # the URL path of the list item's link
    printed: bool  # the article page prints 发布时间 (an attachment's article)
    stages: tuple[int, ...] = (1, 2)
    note: str = ""  # late, changed_at_same_url, moved


@dataclass
class SiteTruth:
    """What the sites hold, for the tests: the reports and the failing links per stage."""

    agencies: list[str]
    reports: list[SiteReport]
    failures: dict[str, str] = field(default_factory=dict)  # url path -> expected reason
    gbk_agency: str = ""
    header_charset_agency: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @staticmethod
    def from_json(text: str) -> SiteTruth:
        d = json.loads(text)
        reports = [SiteReport(**{**r, "stages": tuple(r["stages"])}) for r in d.pop("reports")]
        return SiteTruth(reports=reports, **d)


def _read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _title(name: str, year: int) -> str:
    return f"{name}{year}年政府信息公开工作年度报告"


def _http_date(day: str) -> str:
    d = dt.datetime.fromisoformat(day).replace(hour=9, tzinfo=dt.UTC)
    return email.utils.format_datetime(d, usegmt=True)


def plan_sites(city_dir: Path) -> SiteTruth:
    """Which agency's site lists which report, on which stage, at which paths."""
    city_dir = Path(city_dir)
    agencies = _read_csv(city_dir / "agencies.csv")
    names = {a["agency_id"]: a["name"] for a in agencies}
    parent = {a["agency_id"]: a["parent_id"] for a in agencies}
    city_gov = next((a["agency_id"] for a in agencies if not a["parent_id"]), agencies[0]["agency_id"])
    pubs = _read_csv(city_dir / "publications.csv")
    reports: list[SiteReport] = []
    for p in pubs:
        stem = Path(p["file"]).stem
        ext = Path(p["file"]).suffix
        m = _STEM.match(stem)
        if not m:
            continue
        owner = m["agency"]
        year = int(m["year"])
        # a body not in the registry publishes on the city government's portal
        site = owner if owner in names else city_gov
        month = p["published_at"][:7].replace("-", "")
        folder = f"/{site}/xxgk/ndbg/{month}"
        name = Path(p["file"]).name
        printed_name = names.get(owner) or _unregistered_name(city_dir / p["file"], year) or owner
        if ext == ".html":
            report_path = article_path = f"{folder}/{name}"
            printed = False
        else:
            report_path = f"{folder}/{name}"
            article_path = f"{folder}/t{p['published_at'].replace('-', '')}_{stem}.html"
            printed = True
        reports.append(
            SiteReport(
                site, p["file"], _title(printed_name, year), year, p["published_at"], report_path, article_path, printed
            )
        )
    reports.sort(key=lambda r: (r.published_at, r.city_file))
    # the events of stage 2 (a collection season later)
    by_stem = {str(Path(r.city_file).with_suffix("")): r for r in reports}  # v1 and v2 may differ in format
    fixes = [r for r in reports if _version(r.city_file)]
    for v2 in fixes:
        v1 = by_stem.get(re.sub(r"_v\d+$", "", str(Path(v2.city_file).with_suffix(""))))
        if v1 is None:
            continue
        if Path(v1.city_file).suffix == Path(v2.city_file).suffix:  # the same file URL, new bytes
            v2.report_path, v2.article_path = v1.report_path, v1.article_path
        elif v1.printed and v2.printed:  # the same article page, now linking the corrected attachment
            v2.article_path = v1.article_path
            v2.report_path = v1.report_path.rsplit("/", 1)[0] + "/" + Path(v2.city_file).name
        else:
            continue
        v2.stages, v2.note = (2,), "changed_at_same_url"
        v1.stages = (1,)
        break
    plain = [r for r in reports if r.stages == (1, 2) and r.printed and not _version(r.city_file)]
    if plain:
        late = plain[-1]  # the last published: it appears only in the second season
        late.stages, late.note = (2,), "late"
    if len(plain) > 2:
        moved = plain[0]
        moved.note = "moved"  # stage 2 links its article at a new address; the old one redirects
    site_ids = sorted({r.agency_id for r in reports} | set(names))
    truth = SiteTruth(site_ids, reports)
    if site_ids:
        a = city_gov
        truth.failures = {
            f"/{a}/xxgk/ndbg/missing/t2019_404.html": "http_404",
            f"/{a}/xxgk/ndbg/slow/t2018_slow.html": "timeout",
            f"/{a}/loop/a.html": "redirect_loop",
        }
        gbk = [s for s in site_ids if s != a and parent.get(s)]
        truth.gbk_agency = gbk[0] if gbk else a
        truth.header_charset_agency = gbk[1] if len(gbk) > 1 else a
    return truth


def _version(city_file: str) -> str | None:
    """The _vN of a corrected re-publication's file name, None for a first publication."""
    m = _STEM.match(Path(city_file).stem)
    return m["version"] if m else None


def _unregistered_name(path: Path, year: int) -> str | None:
    """The body name printed in a report's first lines (the title names it before the year)."""
    try:
        head = path.read_bytes()[:4000]
    except OSError:
        return None
    for enc in ("utf-8", "gb18030"):
        try:
            text = head.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    m = re.search(r"([\u4e00-\u9fff（）()]{2,40}?)" + str(year) + r"年", text)
    return m[1] if m else None


def _list_item(style: str, href: str, title: str, day: str) -> str:
    t = html.escape(title)
    short = html.escape(title[:14] + "…") if len(title) > 15 else t
    if style == "trs":
        return f'<li><a href="{href}" title="{t}" target="_blank">{short}</a><span class="date">{day}</span></li>'
    if style == "table":
        return f'<tr><td class="t"><a href="{href}">{t}</a></td><td class="d">[{day.replace("-", "/")}]</td></tr>'
    y, m, d = day.split("-")
    return f'<div class="news-item"><a href="{href}">{t}</a><em>{y}年{m}月{d}日</em></div>'


def _list_page(agency: str, name: str, style: str, items: list[str], page: int, n_pages: int, charset: str) -> str:
    if style == "trs":
        script = f'<script>createPageHTML({n_pages}, {page}, "index", "html");</script>'
        body = f'<ul class="list">{"".join(items)}</ul>{script}'
    elif style == "table":
        body = f'<table class="list">{"".join(items)}</table>'
        if page + 1 < n_pages:
            body += f'<div class="page"><a href="index_{page + 1}.html">下一页</a></div>'
    else:
        body = (
            "".join(items)
            + '<div class="pager">'
            + "".join(
                f'<a href="{"index.html" if i == 0 else f"index_{i}.html"}">{i + 1}</a>'
                for i in range(n_pages)
                if i != page
            )
            + "</div>"
        )
    meta = f'<meta charset="{charset}">' if charset else ""
    return (
        f"<!DOCTYPE html><html><head>{meta}<title>政府信息公开年报_{html.escape(name)}</title></head><body>"
        f'<div class="nav"><a href="/{agency}/index.html">首页</a> &gt; <a href="/{agency}/xxgk/">政府信息公开</a>'
        f' &gt; 政府信息公开年报</div><div class="side"><a href="/{agency}/xxgk/zn.html">政府信息公开指南</a></div>'
        f"{body}</body></html>"
    )


def _article(title: str, day: str, attachment: str, name: str) -> str:
    t = html.escape(title)
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{t}</title></head><body>'
        f'<h1 class="title">{t}</h1><div class="info">发布时间：{day}　来源：本机关　浏览次数：</div>'
        f'<div class="content"><p>{t}全文见附件。</p>'
        f'<p>附件：<a href="{attachment}">{html.escape(name)}</a></p></div></body></html>'
    )


def _write(root: Path, path: str, data: bytes) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


def write_sites(city_dir: Path, out: Path) -> SiteTruth:
    """Write stage1/ and stage2/ of the city's sites under `out` (replacing them), their routes and
    the site truth; returns the truth."""
    city_dir, out = Path(city_dir), Path(out)
    truth = plan_sites(city_dir)
    names = {a["agency_id"]: a["name"] for a in _read_csv(city_dir / "agencies.csv")}
    for stage in (1, 2):
        root = out / f"stage{stage}"
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        routes: dict[str, dict[str, Any]] = {}
        for i, agency in enumerate(truth.agencies):
            style = STYLES[i % len(STYLES)]
            listed = [r for r in truth.reports if r.agency_id == agency and stage in r.stages]
            listed.sort(key=lambda r: (r.published_at, r.city_file), reverse=True)  # newest first
            items: list[tuple[str, str, str]] = []  # href, title, day
            for r in listed:
                article = r.article_path
                if r.note == "moved" and stage == 2:
                    article = r.article_path.replace("/xxgk/ndbg/", "/xxgk/ndbg/moved/")
                    routes[r.article_path] = {"redirect": article}
                items.append((article, r.title, r.published_at))
                data = (city_dir / r.city_file).read_bytes()
                _write(root, r.report_path, data)
                routes.setdefault(r.report_path, {})["last_modified"] = _http_date(r.published_at)
                if r.printed:
                    page = _article(r.title, r.published_at, r.report_path, Path(r.city_file).name)
                    _write(root, article, page.encode("utf-8"))
            if agency == truth.agencies[0] or any(p.startswith(f"/{agency}/") for p in truth.failures):
                for path, reason in truth.failures.items():
                    if not path.startswith(f"/{agency}/"):
                        continue
                    year = {"http_404": 2019, "timeout": 2018, "redirect_loop": 2017}[reason]
                    items.append((path, _title(names.get(agency, agency), year), f"{year + 1}-03-30"))
                    if reason == "timeout":
                        routes[path] = {"slow": True}
                        _write(
                            root,
                            path,
                            _article(
                                _title(names.get(agency, agency), year), f"{year + 1}-03-30", "x.pdf", "x.pdf"
                            ).encode(),
                        )
                    elif reason == "redirect_loop":
                        other = path.replace("/a.html", "/b.html")
                        routes[path] = {"redirect": other}
                        routes[other] = {"redirect": path}
            # links that are not annual reports, as every column has around it
            items.insert(
                1 if items else 0,
                (f"/{agency}/xxgk/tzgg/gzyd.html", f"关于印发{2020 + i % 5}年政务公开工作要点的通知", "2024-04-01"),
            )
            pages_ = [items[k : k + PAGE_SIZE] for k in range(0, len(items), PAGE_SIZE)] or [[]]
            charset = (
                "gbk" if agency == truth.gbk_agency else ("" if agency == truth.header_charset_agency else "utf-8")
            )
            encoding = "gb18030" if agency in (truth.gbk_agency, truth.header_charset_agency) else "utf-8"
            for n, page_items in enumerate(pages_):
                text = _list_page(
                    agency,
                    names.get(agency, agency),
                    style,
                    [_list_item(style, *it) for it in page_items],
                    n,
                    len(pages_),
                    charset,
                )
                path = f"/{agency}/xxgk/ndbg/" + ("index.html" if n == 0 else f"index_{n}.html")
                _write(root, path, text.encode(encoding))
                if agency == truth.header_charset_agency:
                    routes[path] = {"content_type": "text/html; charset=GB2312"}
        (root / ROUTES).write_text(json.dumps(routes, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / TRUTH).write_text(truth.to_json(), encoding="utf-8")
    return truth


def site_registry(city_dir: Path, base_url: str) -> bytes:
    """The city's agencies.csv with each agency's list_page_url on the served sites."""
    rows = _read_csv(Path(city_dir) / "agencies.csv")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = (*AGENCY_COLUMNS, *SITE_COLUMNS)
    w.writerow(header)
    for row in rows:
        row = {**row, "list_page_url": f"{base_url.rstrip('/')}/{row['agency_id']}/{LIST_PATH}", "report_url": ""}
        w.writerow([row.get(h, "") for h in header])
    return buf.getvalue().encode("utf-8")


# ---------------------------------------------------------------- the local server


class SiteServer:
    """The written sites served on 127.0.0.1 at a free port (a thread; `with` starts and stops it).
    `stage` chooses the season served; `slow_seconds` how long the slow page takes; `requests`
    counts what it answered, by status."""

    def __init__(self, sites_dir: Path, stage: int = 1, slow_seconds: float = 3.0, port: int = 0) -> None:
        self.sites_dir = Path(sites_dir)
        self.stage = stage
        self.slow_seconds = slow_seconds
        self.statuses: dict[int, int] = {}
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:  # http.server's name
                server._answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> SiteServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() waits for serve_forever, which only a started server runs
            self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _routes(self) -> dict[str, dict[str, Any]]:
        path = self.sites_dir / f"stage{self.stage}" / ROUTES
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _send(self, h: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: bytes = b"") -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.user_agents.add(h.headers.get("User-Agent", ""))
        try:
            h.send_response(status)
            for k, v in headers.items():
                h.send_header(k, v)
            h.send_header("Content-Length", str(len(body)))
            h.end_headers()
            if body:
                h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the slow page)

    def _answer(self, h: BaseHTTPRequestHandler) -> None:
        from urllib.parse import unquote

        path = unquote(h.path.split("?", 1)[0])
        route = self._routes().get(path, {})
        if "redirect" in route:
            self._send(h, 301, {"Location": route["redirect"]})
            return
        if route.get("slow"):
            time.sleep(self.slow_seconds)
        file = (self.sites_dir / f"stage{self.stage}" / path.lstrip("/")).resolve()
        root = (self.sites_dir / f"stage{self.stage}").resolve()
        if root not in file.parents or not file.is_file():
            self._send(h, 404, {"Content-Type": "text/html; charset=utf-8"}, "<h1>404 页面不存在</h1>".encode())
            return
        body = file.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        headers = {
            "Content-Type": route.get("content_type") or _CONTENT_TYPES.get(file.suffix, "application/octet-stream"),
            "ETag": etag,
        }
        if route.get("last_modified"):
            headers["Last-Modified"] = route["last_modified"]
        if h.headers.get("If-None-Match") == etag or (
            h.headers.get("If-None-Match") is None
            and route.get("last_modified")
            and h.headers.get("If-Modified-Since") == route["last_modified"]
        ):
            self._send(h, 304, {"ETag": etag})
            return
        self._send(h, 200, headers, body)
