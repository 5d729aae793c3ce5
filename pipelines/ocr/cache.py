"""OCR results kept by file content, engine and settings, so that no file is OCR'd twice.

One JSON file per (sha256 of the file, engine id, OCR_SETTINGS_VERSION) under the cache folder:
$OGI_OCR_CACHE, else `.work/ocr-cache` beside the warehouse ($OGI_WAREHOUSE or
data/warehouse.duckdb). What is kept is every page's PageRead (geometry, cells, words and their
confidences): the grid is rebuilt from it in milliseconds. A page read is written as soon as it is
done (a run killed on page 9 keeps pages 1–8). A cache file that cannot be read is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .layout import PageRead
from .limits import OCR_SETTINGS_VERSION

CACHE_ENV = "OGI_OCR_CACHE"


def cache_dir() -> Path:
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env)
    from ..warehouse import default_warehouse

    return default_warehouse().parent / ".work" / "ocr-cache"


def key(data: bytes, engine: str) -> str:
    h = hashlib.sha256(data).hexdigest()
    tag = hashlib.sha256(f"{engine}|{OCR_SETTINGS_VERSION}".encode()).hexdigest()[:12]
    return f"{h}-{tag}"


class OcrCache:
    def __init__(self, data: bytes, engine: str, folder: Path | None = None) -> None:
        self.folder = folder or cache_dir()
        self.path = self.folder / f"{key(data, engine)}.json"
        self.engine = engine
        self.pages: dict[int, PageRead] = {}
        # second reads: "page:x0,y0,x1,y1" → [text, confidence]
        self.rereads: dict[str, list[Any]] = {}
        try:
            doc: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("engine") == engine and doc.get("settings") == OCR_SETTINGS_VERSION:
                self.pages = {int(p["number"]): PageRead.from_json(p) for p in doc.get("pages", [])}
                self.rereads = dict(doc.get("rereads", {}))
        except (OSError, ValueError, TypeError, KeyError):
            self.pages, self.rereads = {}, {}

    def get(self, number: int) -> PageRead | None:
        return self.pages.get(number)

    def put(self, page: PageRead) -> None:
        self.pages[page.number] = page
        self._write()

    def put_rereads(self, found: dict[str, list[Any]]) -> None:
        self.rereads.update(found)
        self._write()

    def _write(self) -> None:
        doc = {
            "engine": self.engine,
            "settings": OCR_SETTINGS_VERSION,
            "pages": [p.to_json() for _, p in sorted(self.pages.items())],
            "rereads": dict(sorted(self.rereads.items())),
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(doc, f, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only or full disk costs a second OCR, never the parse
