"""Parsing entry points: file bytes in, a ParsedReport out. Pure; no Dagster, no DuckDB."""

from __future__ import annotations

from pathlib import Path

from .aligner import align
from .formats.pdf import read_pdf
from .formats.text import read_text
from .grid import Grid
from .model import ParsedReport, ParseError

READERS = {"pdf": read_pdf, "text": read_text}


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
        return "ole"  # legacy .doc/.xls
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"
    lowered = head.lower()
    if b"<html" in lowered or b"<!doctype html" in lowered or b"<table" in lowered:
        return "html"
    text = head.decode("utf-8", errors="ignore")
    if "|" in text and "---" in text and name.lower().endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def parse_bytes(data: bytes, name: str = "") -> ParsedReport:
    fmt = sniff_format(data, name)
    reader = READERS.get(fmt)
    if reader is None:
        raise ParseError(f"format '{fmt}' is not supported yet")
    grid: Grid = reader(data)
    return align(grid, fmt)


def parse_file(path: Path) -> ParsedReport:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}")
    if not data:
        raise ParseError("file is empty")
    return parse_bytes(data, Path(path).name)
