"""Headless Chromium for the dashboard tests: Debian's /usr/bin/chromium driven by playwright
(which never downloads a browser here). Without them the browser tests skip, unless
OGI_REQUIRE_BROWSER=1 (.ci/run), where a missing browser fails."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO_ROOT

ARTIFACTS = REPO_ROOT / "build" / "test-artifacts"
# As root and on a closed network: no sandbox, and none of Chromium's own background connections.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
]


@contextmanager
def chromium() -> Iterator[Any]:
    required = os.environ.get("OGI_REQUIRE_BROWSER") == "1"
    executable = os.environ.get("OGI_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed")
    if not Path(executable).exists():
        if required:
            pytest.fail(f"OGI_REQUIRE_BROWSER=1 but Chromium is not at {executable} (apt-get install chromium)")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


# Every Content-Security-Policy violation of the page, recorded before any of its scripts runs.
CSP_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


class Page:
    """One tab on a dashboard that records console errors, page errors, Content-Security-Policy
    violations and every non-local request."""

    def __init__(self, browser: Any, root: Path) -> None:
        self.root = root
        self.page = browser.new_page(viewport={"width": 1300, "height": 900})
        self.page.add_init_script(CSP_RECORDER)
        self.errors: list[str] = []
        self.remote: list[str] = []
        self.page.on(
            "console",
            lambda m: self.errors.append(f"console.{m.type}: {m.text}") if m.type in ("error", "warning") else None,
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else self.remote.append(r.url))

    def open(self, fragment: str = "") -> Any:
        self.page.goto((self.root / "index.html").as_uri() + (f"#{fragment}" if fragment else ""))
        self.page.wait_for_selector("#app h2")
        return self.page

    def table(self, selector: str, key_attr: str) -> dict[str, dict[str, int]]:
        """{row's data-<key_attr>: {cell's data-status: number}} of a status table."""
        rows = self.page.eval_on_selector_all(
            f"{selector} tbody tr",
            f"""trs => trs.map(tr => [tr.dataset.{key_attr},
                 Array.from(tr.querySelectorAll('td')).map(td => [td.dataset.status, td.innerText])])""",
        )
        return {key: {s: int(text) for s, text in cells} for key, cells in rows}

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations || []")

    def check_clean(self) -> None:
        assert self.errors == [], self.errors
        assert self.remote == [], self.remote
        assert self.csp_violations() == []


def js_number(value: float | int) -> str:
    """A number as the page prints it (JavaScript's String(n)): 12, 7730.28, 3985758."""
    value = float(value)
    return str(int(value)) if value.is_integer() else repr(value)
