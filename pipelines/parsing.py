"""Parsing entry points: file bytes in, a ParsedReport out. Pure; no Dagster, no DuckDB."""

from __future__ import annotations

from pathlib import Path

from .aligner import align
import importlib
import re
from typing import Callable

from .grid import Grid
from .model import ParsedReport, ParseError

# format → "module:function" turning file bytes into a Grid (imported on first use).
READERS: dict[str, str] = {
    "pdf": "pipelines.formats.pdf:read_pdf",
    "text": "pipelines.formats.text:read_text",
    "markdown": "pipelines.formats.markdown:read_markdown",
    "html": "pipelines.formats.html:read_html",
    "docx": "pipelines.formats.docx:read_docx",
    "xlsx": "pipelines.formats.xlsx:read_xlsx",
}


def reader_for(fmt: str) -> Callable[[bytes], Grid]:
    spec = READERS.get(fmt)
    if spec is None:
        raise ParseError(f"format '{fmt}' is not supported")
    module, func = spec.split(":")
    return getattr(importlib.import_module(module), func)


# A Markdown table's header rule: | --- | :---: | (pipes and dashes only).
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)


def sniff_format(data: bytes, name: str = "") -> str:
    """The file's format from its content (the extension only breaks ties)."""
    head = data[:4096]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        if b"word/" in data[:65536] or name.lower().endswith(".docx"):
            return "docx"
        if b"xl/" in data[:65536] or name.lower().endswith(".xlsx"):
            return "xlsx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # legacy .doc/.xls (not supported: convert to DOCX/XLSX)
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or b"<table" in lowered:
        return "html"
    text = head.decode("utf-8", errors="ignore")
    if _MD_TABLE_RULE.search(text) or (name.lower().endswith((".md", ".markdown")) and "|" in text):
        return "markdown"
    return "text"


def parse_bytes(data: bytes, name: str = "") -> ParsedReport:
    fmt = sniff_format(data, name)
    grid = reader_for(fmt)(data)
    return align(grid, fmt)


def parse_file(path: Path) -> ParsedReport:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}")
    if not data:
        raise ParseError("file is empty")
    return parse_bytes(data, Path(path).name)
