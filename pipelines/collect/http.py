"""The collector's HTTP client (httpx): polite, bounded, and never raising for a failed fetch.

Every fetch returns a `Fetched`: the final URL, status, headers that matter, the body (None on 304
or failure) and, when it failed, a short `failure` reason (`http_404`, `timeout`, `redirect_loop`,
`too_many_redirects`, `too_large`, `connection_error`, `not_allowed`). Redirects are followed by
hand so that every hop is checked against the allow-list and loops are named. Only hosts in
OGI_COLLECT_ALLOW (comma-separated host or host:port) are fetched when it is set: the tests set it
to 127.0.0.1, so that nothing they start can reach another address.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

ALLOW_ENV = "OGI_COLLECT_ALLOW"
USER_AGENT = (
    "ogi-warehouse-collector/1.0 (government information disclosure annual reports; +https://example.invalid/ogi)"
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Worth another try: the server is busy or failed for the moment.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Limits:
    """How the client behaves; the defaults suit real government sites (slow, easily overloaded)."""

    timeout: float = 20.0  # seconds for connect, each read and the whole body
    retries: int = 2  # further tries after a timeout, connection error or 429/5xx
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    host_delay: float = 1.0  # seconds between two requests to one host
    per_host: int = 2  # requests in flight to one host
    max_bytes: int = 50 * 1024 * 1024  # a report larger than this is refused
    max_redirects: int = 5
    user_agent: str = USER_AGENT


@dataclass
class Fetched:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int | None  # None when no response came
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body: bytes | None = None  # None on 304 and on failure
    failure: str | None = None  # the reason, None when the fetch succeeded (200 or 304)
    detail: str = ""
    attempts: int = 0
    redirects: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def allowed_hosts(value: str | None = None) -> frozenset[str] | None:
    """The allow-list from OGI_COLLECT_ALLOW (None when unset: every host)."""
    text = os.environ.get(ALLOW_ENV) if value is None else value
    if text is None or not text.strip():
        return None
    return frozenset(h.strip().lower() for h in text.split(",") if h.strip())


def host_allowed(url: str, allow: Iterable[str] | None) -> bool:
    if allow is None:
        return True
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    allow = set(allow)
    return host in allow or f"{host}:{parts.port}" in allow


class Client:
    """One per collection: a pooled httpx client, the per-host politeness state, the allow-list."""

    def __init__(self, limits: Limits | None = None, allow: Iterable[str] | None = None) -> None:
        self.limits = limits or Limits()
        self.allow = frozenset(allow) if allow is not None else allowed_hosts()
        timeout = httpx.Timeout(self.limits.timeout)
        self._http = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": self.limits.user_agent, "Accept-Encoding": "gzip, deflate"},
            trust_env=False,  # no proxy from the environment: the allow-list is what is reached
        )
        self._lock = threading.Lock()
        self._slots: dict[str, threading.Semaphore] = {}
        self._next_at: dict[str, float] = {}
        self.requests = 0
        self.not_modified = 0
        self.bytes_downloaded = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _slot(self, host: str) -> threading.Semaphore:
        with self._lock:
            return self._slots.setdefault(host, threading.Semaphore(self.limits.per_host))

    def _wait_turn(self, host: str) -> None:
        """Space requests to one host by host_delay (whichever thread asks)."""
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next_at.get(host, now))
            self._next_at[host] = at + self.limits.host_delay
        if at > now:
            time.sleep(at - now)

    def _once(self, url: str, headers: dict[str, str]) -> Fetched:
        """One request, no redirect followed; the body read up to max_bytes."""
        host = urlsplit(url).netloc.lower()
        with self._slot(host):
            self._wait_turn(host)
            with self._lock:
                self.requests += 1
            try:
                with self._http.stream("GET", url, headers=headers) as r:
                    out = Fetched(
                        url,
                        url,
                        r.status_code,
                        r.headers.get("content-type"),
                        r.headers.get("etag"),
                        r.headers.get("last-modified"),
                    )
                    if r.status_code in REDIRECT_STATUSES:
                        out.detail = r.headers.get("location") or ""
                        return out
                    declared = r.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
                        out.failure, out.detail = "too_large", f"{declared} bytes declared"
                        return out
                    if r.status_code == 200:
                        chunks, size = [], 0
                        for chunk in r.iter_bytes():
                            size += len(chunk)
                            if size > self.limits.max_bytes:
                                out.failure, out.detail = "too_large", f"over {self.limits.max_bytes} bytes"
                                return out
                            chunks.append(chunk)
                        out.body = b"".join(chunks)
                        with self._lock:
                            self.bytes_downloaded += size
                    return out
            except httpx.TimeoutException as exc:
                return Fetched(url, url, None, failure="timeout", detail=type(exc).__name__)
            except (httpx.HTTPError, OSError) as exc:
                return Fetched(url, url, None, failure="connection_error", detail=f"{type(exc).__name__}: {exc}"[:200])

    def _with_retries(self, url: str, headers: dict[str, str]) -> tuple[Fetched, int]:
        attempts = 0
        while True:
            attempts += 1
            got = self._once(url, headers)
            retry = got.failure in ("timeout", "connection_error") or got.status in RETRY_STATUSES
            if not retry or attempts > self.limits.retries:
                return got, attempts
            time.sleep(self.limits.backoff * 2 ** (attempts - 1))

    def get(self, url: str, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        """GET url (conditionally when etag/last_modified are known): redirects followed within
        limits, every hop on the allow-list. Never raises for what the network or server does."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        current, attempts = url, 0
        while True:
            if not host_allowed(current, self.allow):
                return Fetched(
                    url,
                    current,
                    None,
                    failure="not_allowed",
                    detail=f"{ALLOW_ENV} does not name the host",
                    redirects=seen,
                )
            if current in seen:
                return Fetched(
                    url,
                    current,
                    None,
                    failure="redirect_loop",
                    detail=" -> ".join([*seen, current]),
                    redirects=seen,
                    attempts=attempts,
                )
            if len(seen) > self.limits.max_redirects:
                return Fetched(
                    url,
                    current,
                    None,
                    failure="too_many_redirects",
                    detail=f"over {self.limits.max_redirects}",
                    redirects=seen,
                    attempts=attempts,
                )
            got, n = self._with_retries(current, headers)
            attempts += n
            got.url, got.attempts, got.redirects = url, attempts, list(seen)
            got.final_url = current
            if got.status in REDIRECT_STATUSES and got.failure is None:
                if not got.detail:
                    got.failure = "bad_redirect"
                    return got
                seen.append(current)
                current = urljoin(current, got.detail)
                continue
            if got.failure is None and got.status == 304:
                with self._lock:
                    self.not_modified += 1
            elif got.failure is None and got.status != 200:
                got.failure = f"http_{got.status}"
            return got
