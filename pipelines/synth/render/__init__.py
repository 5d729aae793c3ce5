"""Renderers of a report layout: one module per format, each exposing VARIANTS.

A variant is (file extension, function truth -> bytes): the truth (canonical JSON, values chosen
by hand for the test corpus or drawn by the generator) is laid out by `pipelines.synth.layout`
and printed in that format. What a renderer prints is the truth of the file it writes.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

Renderer = Callable[[dict[str, Any]], bytes]
FORMAT_MODULES = ("text", "markdown", "html", "docx", "xlsx", "pdf")


def variants() -> dict[str, tuple[str, Renderer]]:
    """Every rendering variant, named "<module>_<variant>", with its file extension."""
    out: dict[str, tuple[str, Renderer]] = {}
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name, spec in getattr(module, "VARIANTS", {}).items():
            out[f"{info.name}_{name}"] = spec
    return out


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)")


def deterministic_zip(data: bytes) -> bytes:
    """An Office file (a zip) with fixed entry times and document dates: same input, same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _CORE_DATES.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, body)
    return out.getvalue()
