"""The command line's OCR progress: "OCR report.pdf page 3/7 (4.2 s, 11 s so far)" per page OCR'd.

`ogi parse` and `ogi check` read the file in their own process: `OcrProgress` registers a page
hook (pipelines/ocr/progress.py). `ogi run` parses in worker processes: each page a worker OCRs
reaches the supervisor (pipelines/parse_worker.py), which calls `worker_page`; it prints while a
`RunProgress` context is open (the in-process executor; steps run in other processes or on
other machines print nothing here). A page taken from the OCR cache is not OCR'd and prints
nothing. Written to stderr (stdout keeps the report or JSON), overwriting one line on a terminal;
silent when stdout is not a terminal, unless asked (-v): then one line per page.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from .progress import on_page, remove_page_hook


def page_count(path: str | Path) -> int | None:
    """Pages of a PDF or image file (what "page 3/7" counts), None when they cannot be counted."""
    try:
        data = Path(path).read_bytes()
        from ..parsing import sniff_format

        fmt = sniff_format(data, Path(path).name)
        if fmt == "pdf":
            from .pages import pdf_page_count

            return pdf_page_count(data)
        if fmt == "image":
            import io

            from PIL import Image

            with Image.open(io.BytesIO(data)) as im:
                return int(getattr(im, "n_frames", 1))
    except Exception:  # noqa: BLE001 - a count for a progress line, never a failure
        return None
    return None


class OcrProgress:
    """Prints a line per page OCR'd of the file `name` while open."""

    def __init__(
        self,
        name: str,
        total: int | Callable[[], int | None] | None = None,
        verbose: bool = False,
        stream: IO[str] | None = None,
    ) -> None:
        self.name = name
        self.total = total  # pages of the file, or how to count them (asked at the first page OCR'd)
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(sys.stdout, "isatty", lambda: False)()) and bool(
            getattr(self.stream, "isatty", lambda: False)()
        )
        self.active = verbose or self.tty
        self.pages = 0
        self.seconds = 0.0
        self.seen: set[int] = set()
        self._open_line = False

    def line(self, number: int, seconds: float) -> str:
        self.pages += 1
        self.seconds += seconds
        if callable(self.total):
            self.total = self.total()
        of = f"/{self.total}" if self.total else ""
        # a page named again: its numbers' crops read a second time (the double read)
        again = " read again" if number in self.seen else ""
        self.seen.add(number)
        return f"OCR {self.name} page {number}{of}{again} ({seconds:.1f} s, {self.seconds:.0f} s so far)"

    def page(self, number: int, seconds: float) -> None:
        text = self.line(number, seconds)
        if not self.active:
            return
        if self.tty:
            self.stream.write("\r\x1b[2K" + text)
            self._open_line = True
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def __enter__(self) -> OcrProgress:
        on_page(self.page)
        return self

    def __exit__(self, *exc: object) -> None:
        remove_page_hook(self.page)
        if self._open_line:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------- `ogi run`: pages OCR'd in parse workers

_run_lock = threading.Lock()
_run: dict[str, Any] = {"active": False, "verbose": False, "files": {}}


class RunProgress:
    """While open, pages OCR'd by parse workers in this process print (see the module's text)."""

    def __init__(self, verbose: bool = False) -> None:
        self.verbose = verbose

    def __enter__(self) -> RunProgress:
        with _run_lock:
            _run.update(active=True, verbose=self.verbose, files={})
        return self

    def __exit__(self, *exc: object) -> None:
        with _run_lock:
            files: dict[str, OcrProgress] = _run["files"]
            for p in files.values():
                if p._open_line:
                    p.stream.write("\n")
            _run.update(active=False, files={})


def worker_page(path: str, number: int, seconds: float) -> None:
    """A parse worker OCR'd page `number` of the file at `path` in `seconds` (the supervisor's call)."""
    with _run_lock:
        if not _run["active"]:
            return
        files: dict[str, OcrProgress] = _run["files"]
        bar = files.get(path)
        if bar is None:
            bar = files[path] = OcrProgress(os.path.basename(path), lambda: page_count(path), verbose=_run["verbose"])
        bar.page(number, seconds)
