"""Visit each agency's website, download its annual reports into the raw folder, log every fetch.

What is kept, in the collect folder (`collect/` beside the raw folder, or OGI_COLLECT_DIR):
- `fetch_log.jsonl`: one JSON line per fetch, appended (landing.fetch_log);
- `reports.json`: one entry per report version found: agency, URLs, title, year, sha256, the file
  under the raw folder, the printed 发布时间 and the list page's date, first/last seen, and since
  when it is no longer linked (landing.collected_reports);
- `validators.json` and `pages/`: the ETag/Last-Modified and the body of each page last fetched,
  so the next collection asks conditionally and re-reads a page the server says is unchanged.

A report's bytes are stored unchanged under `<raw>/<agency_id>/`, never overwritten: a report that
changes at the same URL is stored beside the old one (a new version), and one that disappears
stays, marked `missing_since`. Failures are rows of the fetch log with a reason; a collection
never fails because a site does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from . import pages
from .http import Client, Fetched, Limits

COLLECT_DIR_ENV = "OGI_COLLECT_DIR"
FETCH_LOG = "fetch_log.jsonl"
REPORTS = "reports.json"
VALIDATORS = "validators.json"
PAGES = "pages"
MAX_LIST_PAGES = 50  # pages of one list followed at most
# Content types a report is published in that are not HTML.
_EXT_BY_TYPE = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "text/plain": ".txt",
    "text/markdown": ".md",
    "text/html": ".html",
}
_SAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def default_collect_dir(raw_dir: Path) -> Path:
    """OGI_COLLECT_DIR, else `collect/` beside the raw folder (as corrections/ is)."""
    env = os.environ.get(COLLECT_DIR_ENV)
    return Path(env) if env else Path(raw_dir).resolve().parent / "collect"


@dataclass(frozen=True)
class Site:
    """Where one agency publishes: its 年报 list page and/or a report's own URL."""

    agency_id: str
    name: str
    list_page_url: str | None = None
    report_url: str | None = None


@dataclass
class Summary:
    agencies_visited: int = 0
    reports_new: int = 0
    reports_changed: int = 0
    reports_unchanged: int = 0
    reports_missing: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    not_modified: int = 0
    bytes_downloaded: int = 0

    def lines(self) -> list[str]:
        failures = ", ".join(f"{k} {v}" for k, v in sorted(self.failures.items())) or "none"
        return [
            f"agencies visited: {self.agencies_visited}",
            f"reports: {self.reports_new} new, {self.reports_changed} changed, {self.reports_unchanged} unchanged"
            f" ({self.reports_missing} no longer linked)",
            f"failures by reason: {failures}",
            f"requests: {self.requests} ({self.not_modified} answered 304 Not Modified),"
            f" bytes downloaded: {self.bytes_downloaded}",
        ]


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _sha(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _read_json(path: Path, default: Any) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return default


def _write_json(path: Path, value: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    tmp.replace(path)


def _file_name(url: str, content_type: str | None, sha256: str) -> str:
    """A safe file name from the URL's last segment, with the extension its content type implies."""
    last = unquote(urlsplit(url).path.rsplit("/", 1)[-1]) or "index.html"
    stem, dot, ext = last.rpartition(".")
    if not dot:
        stem, ext = last, ""
    stem = _SAFE_NAME.sub("_", stem).strip("._")[:80] or sha256[:12]
    ext = "." + ext.lower() if ext else ""
    mime = (content_type or "").split(";")[0].strip().lower()
    if not pages.is_attachment_url(f"x{ext}") and ext not in (".html", ".htm"):
        ext = _EXT_BY_TYPE.get(mime, ext or ".bin")
    return stem + ext


class Collection:
    """One collection run over a raw folder and its collect folder."""

    def __init__(
        self,
        raw_dir: Path,
        collect_dir: Path | None = None,
        limits: Limits | None = None,
        allow: Iterable[str] | None = None,
        workers: int = 4,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.raw_dir = Path(raw_dir)
        self.dir = Path(collect_dir) if collect_dir else default_collect_dir(self.raw_dir)
        self.limits = limits or Limits()
        self.allow = allow
        self.workers = workers
        self.progress = progress
        self._lock = threading.Lock()
        self.summary = Summary()
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / PAGES).mkdir(exist_ok=True)
        self.validators: dict[str, dict[str, Any]] = _read_json(self.dir / VALIDATORS, {})
        self.reports: list[dict[str, Any]] = _read_json(self.dir / REPORTS, [])
        self._log: list[dict[str, Any]] = []

    # ------------------------------------------------------------ fetching with the cache

    def _fetch(self, client: Client, site: Site, url: str, purpose: str) -> tuple[Fetched, bytes | None, str | None]:
        """(the fetch, the body: new or the cached one on 304, its sha256); logged."""
        known = self.validators.get(url, {})
        got = client.get(url, known.get("etag"), known.get("last_modified"))
        body: bytes | None = None
        sha: str | None = None
        now = _now()
        first_seen = None
        if got.ok and got.not_modified and known.get("sha256"):
            sha = known["sha256"]
            cached = self.dir / PAGES / sha
            body = cached.read_bytes() if cached.exists() else None
            first_seen = known.get("first_seen_at")
        elif got.ok and got.body is not None:
            body, sha = got.body, _sha(got.body)
            if purpose != "report" or (got.content_type or "").startswith("text/html"):
                (self.dir / PAGES / sha).write_bytes(body)
            first_seen = known.get("first_seen_at") if known.get("sha256") == sha else now
            with self._lock:
                self.validators[url] = {
                    "etag": got.etag,
                    "last_modified": got.last_modified,
                    "sha256": sha,
                    "content_type": got.content_type,
                    "first_seen_at": first_seen,
                }
        content_type = got.content_type or known.get("content_type")
        entry = {
            "agency_id": site.agency_id,
            "purpose": purpose,
            "url": url,
            "final_url": got.final_url,
            "fetched_at": now,
            "status": got.status,
            "content_type": content_type,
            "size_bytes": len(got.body) if got.body is not None else None,
            "sha256": sha,
            "etag": got.etag or known.get("etag"),
            "last_modified": got.last_modified or known.get("last_modified"),
            "printed_published_at": None,
            "not_modified": got.not_modified,
            "first_seen_at": first_seen,
            "failure": got.failure,
            "detail": got.detail[:500] if got.detail else None,
            "attempts": got.attempts,
        }
        with self._lock:
            self._log.append(entry)
            if got.failure:
                self.summary.failures[got.failure] += 1
        got.content_type = content_type
        return got, body, sha

    # ------------------------------------------------------------ one site

    def _stored(self, sha: str) -> bool:
        with self._lock:
            return any(r["sha256"] == sha and (self.raw_dir / r["file_path"]).exists() for r in self.reports)

    def _store(self, site: Site, url: str, body: bytes, content_type: str | None, sha: str) -> str:
        """The report's path relative to the raw folder: the file already holding these bytes, or a new one."""
        folder = self.raw_dir / site.agency_id
        folder.mkdir(parents=True, exist_ok=True)
        for r in self.reports:
            if r["agency_id"] == site.agency_id and r["sha256"] == sha and (self.raw_dir / r["file_path"]).exists():
                return str(r["file_path"])
        name = _file_name(url, content_type, sha)
        path = folder / name
        if path.exists() and _sha(path.read_bytes()) != sha:
            stem, dot, ext = name.rpartition(".")
            path = folder / (f"{stem}_{sha[:8]}.{ext}" if dot else f"{name}_{sha[:8]}")
        if not path.exists():
            tmp = path.with_name("." + path.name + ".part")  # a hidden partial file: the inventory skips it
            tmp.write_bytes(body)
            tmp.replace(path)
        return path.relative_to(self.raw_dir).as_posix()

    def _report(
        self,
        client: Client,
        site: Site,
        link: pages.Link,
        list_url: str | None,
        reached: set[str],
    ) -> None:
        got, body, sha = self._fetch(client, site, link.url, "article")
        if not got.ok or body is None or sha is None:
            if got.ok:  # 304 without a cached body: ask again unconditionally next time
                with self._lock:
                    self.validators.pop(link.url, None)
            return
        article_url, report_url, printed = None, link.url, None
        report_got: Fetched = got
        report_body: bytes | None = body
        report_sha: str | None = sha
        is_html = "html" in (got.content_type or "") or not pages.is_attachment_url(link.url)
        if is_html:
            printed = pages.printed_date(body, got.content_type)
            files = pages.attachments(body, got.final_url, got.content_type)
            if files:
                article_url, report_url = link.url, files[0].url
                report_got, report_body, report_sha = self._fetch(client, site, report_url, "report")
                if not report_got.ok or report_sha is None or (report_body is None and not self._stored(report_sha)):
                    if report_got.ok:  # 304 for bytes no longer kept: ask again unconditionally next time
                        with self._lock:
                            self.validators.pop(report_url, None)
                    return
            elif not pages.holds_report(body, got.content_type):
                with self._lock:  # the article's own log row (other threads append theirs)
                    entry = next(e for e in reversed(self._log) if e["url"] == link.url)
                    entry["failure"] = "no_report"
                    entry["detail"] = "the page neither holds a report nor links an attachment"
                    self.summary.failures["no_report"] += 1
                return
        if report_sha is None:  # checked above for each path; for the type checker
            return
        with self._lock:
            for entry in reversed(self._log):  # the article's printed date on its log row
                if entry["url"] == link.url and entry["agency_id"] == site.agency_id:
                    entry["printed_published_at"] = printed.isoformat() if printed else None
                    break
            reached.add(report_url)
            if article_url:
                reached.add(article_url)
            now = _now()
            # the same URL: the report's own, or the article page that links it (a corrected attachment
            # replacing the old one on the same page is a new version of the same report)
            same = [
                r
                for r in self.reports
                if r["agency_id"] == site.agency_id
                and (r["report_url"] == report_url or (article_url and r.get("article_url") == article_url))
            ]
            row = next((r for r in same if r["sha256"] == report_sha and r["report_url"] == report_url), None)
            if row is not None:
                row.update(last_seen_at=now, missing_since=None, article_url=article_url, list_url=list_url)
                if printed and not row.get("printed_published_at"):
                    row["printed_published_at"] = printed.isoformat()
                self.summary.reports_unchanged += 1
                return
            seen_elsewhere = any(r["agency_id"] == site.agency_id and r["sha256"] == report_sha for r in self.reports)
        if report_body is None:  # 304: the bytes are stored already (a row of another URL holds them)
            file_path = next(r["file_path"] for r in self.reports if r["sha256"] == report_sha)
        else:
            file_path = self._store(site, report_url, report_body, report_got.content_type, report_sha)
        with self._lock:
            self.reports.append(
                {
                    "agency_id": site.agency_id,
                    "title": link.title,
                    "report_year": pages.report_year(link.title),
                    "list_url": list_url,
                    "article_url": article_url,
                    "report_url": report_url,
                    "file_path": file_path,
                    "sha256": report_sha,
                    "size_bytes": len(report_body) if report_body is not None else None,
                    "content_type": report_got.content_type,
                    "printed_published_at": printed.isoformat() if printed else None,
                    "list_published_at": link.list_date.isoformat() if link.list_date else None,
                    "first_seen_at": now,
                    "last_seen_at": now,
                    "missing_since": None,
                }
            )
            if seen_elsewhere:  # moved: the same bytes at a new address
                self.summary.reports_unchanged += 1
            elif same:
                self.summary.reports_changed += 1
            else:
                self.summary.reports_new += 1

    def visit(self, client: Client, site: Site) -> None:
        reached: set[str] = set()
        lists_ok = True
        if site.list_page_url:
            queue, visited = [site.list_page_url], set[str]()
            found: dict[str, tuple[pages.Link, str]] = {}
            while queue and len(visited) < MAX_LIST_PAGES:
                url = queue.pop(0)
                if url in visited:
                    continue
                visited.add(url)
                got, body, _ = self._fetch(client, site, url, "list")
                if not got.ok or body is None:
                    lists_ok = False
                    continue
                for link in pages.report_links(body, got.final_url, got.content_type):
                    found.setdefault(link.url, (link, url))
                queue += [u for u in pages.next_pages(body, got.final_url, got.content_type) if u not in visited]
            for link, list_url in found.values():
                self._report(client, site, link, list_url, reached)
        if site.report_url:
            self._report(client, site, pages.Link(site.report_url, f"{site.name}", None), None, reached)
        with self._lock:
            self.summary.agencies_visited += 1
            if lists_ok:  # a report is missing only when the lists were read whole
                now = _now()
                for r in self.reports:
                    linked = r["report_url"] in reached or (r.get("article_url") or "") in reached
                    if r["agency_id"] == site.agency_id and not linked and not r["missing_since"]:
                        r["missing_since"] = now
                        self.summary.reports_missing += 1
        if self.progress:
            self.progress(site.agency_id)

    # ------------------------------------------------------------ the run

    def run(self, sites: list[Site]) -> Summary:
        with Client(self.limits, self.allow) as client:
            if self.workers > 1 and len(sites) > 1:
                with ThreadPoolExecutor(self.workers) as pool:
                    list(pool.map(lambda s: self.visit(client, s), sites))
            else:
                for site in sites:
                    self.visit(client, site)
            self.summary.requests = client.requests
            self.summary.not_modified = client.not_modified
            self.summary.bytes_downloaded = client.bytes_downloaded
        self.save()
        return self.summary

    def save(self) -> None:
        with (self.dir / FETCH_LOG).open("a", encoding="utf-8") as f:
            for entry in self._log:
                f.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        self._log = []
        self.reports.sort(key=lambda r: (r["agency_id"], r["report_url"], r["first_seen_at"], r["sha256"]))
        _write_json(self.dir / REPORTS, self.reports)
        _write_json(self.dir / VALIDATORS, self.validators)


def collect(
    raw_dir: Path,
    sites: list[Site],
    collect_dir: Path | None = None,
    limits: Limits | None = None,
    allow: Iterable[str] | None = None,
    workers: int = 4,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Collect every site's reports into raw_dir; the log and reports into the collect folder."""
    return Collection(raw_dir, collect_dir, limits, allow, workers, progress).run(sites)


def read_fetch_log(collect_dir: Path) -> list[dict[str, Any]]:
    path = Path(collect_dir) / FETCH_LOG
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a line cut by a killed run
    return out


def read_reports(collect_dir: Path) -> list[dict[str, Any]]:
    return list(_read_json(Path(collect_dir) / REPORTS, []))


def summary_dict(summary: Summary) -> dict[str, Any]:
    d = asdict(summary)
    d["failures"] = dict(summary.failures)
    return d


def registry_sites(raw_dir: Path) -> list[Site]:
    """The agencies of every agencies.csv under raw_dir (the rows the registry applies) that name a
    list_page_url or report_url."""
    from ..corrections import read_csv_records
    from ..inventory import AGENCIES_CSV, metadata_files
    from ..metadata import AGENCY_COLUMNS, AGENCY_REQUIRED, SITE_COLUMNS, read_registry

    raw_dir = Path(raw_dir)
    registered = {r.agency_id: r.name for r in read_registry(raw_dir)[0]}
    sites: dict[str, Site] = {}
    for path in metadata_files(raw_dir, AGENCIES_CSV):
        records, _ = read_csv_records(
            path, path.relative_to(raw_dir).as_posix(), AGENCY_REQUIRED, (*AGENCY_COLUMNS, *SITE_COLUMNS)
        )
        for _line, fields in records:
            agency_id = (fields.get("agency_id") or "").strip()
            list_url = (fields.get("list_page_url") or "").strip() or None
            report_url = (fields.get("report_url") or "").strip() or None
            if agency_id in registered and agency_id not in sites and (list_url or report_url):
                sites[agency_id] = Site(agency_id, registered[agency_id], list_url, report_url)
    return list(sites.values())
