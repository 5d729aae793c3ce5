"""Parsing entry points: file bytes in, a ParsedReport out. Pure; no Dagster, no DuckDB."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from operator import attrgetter
from pathlib import Path

from .align import Line, align, align_traced
from .grid import Grid, too_many_rows_reason
from .limits import MAX_FILE_BYTES, MAX_GRID_CELLS, MAX_GRID_ROWS, too_large_reason
from .model import ParsedReport, ParseError
from .ocr import confirm_if_ocr

# format → "module:function" turning file bytes into a Grid (imported on first use).
READERS: dict[str, str] = {
    "pdf": "pipelines.formats.pdf:read_pdf",
    "text": "pipelines.formats.text:read_text",
    "markdown": "pipelines.formats.markdown:read_markdown",
    "html": "pipelines.formats.html:read_html",
    "docx": "pipelines.formats.docx:read_docx",
    "xlsx": "pipelines.formats.xlsx:read_xlsx",
    "image": "pipelines.ocr.reader:read_image",  # scans and photos: OCR (issue 16)
}


def reader_for(fmt: str) -> Callable[[bytes], Grid]:
    spec = READERS.get(fmt)
    if spec is None:
        raise ParseError(f"format '{fmt}' is not supported")
    module, func = spec.split(":")
    reader: Callable[[bytes], Grid] = getattr(importlib.import_module(module), func)
    return reader


# A Markdown table's header rule: | --- | :---: | (pipes and dashes only).
_MD_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)+\|?\s*$", re.MULTILINE)


# A whole HTML document, and HTML markup that may also be a fragment pasted into Markdown.
_HTML_DOCUMENT = re.compile(rb"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<meta\s")
_HTML_FRAGMENT = re.compile(rb"<table[\s>]|<tr[\s>]|<td[\s>]|<p[\s>]|<div[\s>]|<br\s*/?>")
_MD_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)


# Image files OCR reads: PNG, JPEG, TIFF (little- and big-endian), WebP (RIFF....WEBP below).
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")


def sniff_format(data: bytes, name: str = "") -> str:
    """The file's format from its content (the extension only breaks ties)."""
    head = data[:4096]
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(_IMAGE_MAGIC):
        return "image"  # PNG, JPEG, TIFF (one or many pages), WebP: read by OCR
    if head.startswith(b"PK\x03\x04"):
        office = _office_zip_kind(data)
        if office:
            return office
        if b"word/" in data[:65536] or name.lower().endswith((".docx", ".docm")):
            return "docx"
        if b"xl/" in data[:65536] or name.lower().endswith((".xlsx", ".xlsm")):
            return "xlsx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0") and "EncryptedPackage".encode("utf-16-le") in data:
        # A password-protected DOCX/XLSX is an OLE container: its reader says so.
        return "xlsx" if name.lower().endswith((".xlsx", ".xlsm")) else "docx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"  # legacy .doc/.xls (not supported: convert to DOCX/XLSX)
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "unknown"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    lowered = head.lower()
    # (each pattern is searched only where the character it needs is there: a text report's head
    # holds no "<" and no "---", and a search tries every position)
    markup = b"<" in lowered
    if markup and _HTML_DOCUMENT.search(lowered):
        return "html"
    text = head.decode("utf-8", errors="ignore")
    md_name = name.lower().endswith((".md", ".markdown", ".mdown", ".mkd"))
    html_fragment = markup and bool(_HTML_FRAGMENT.search(lowered))
    # Markdown: a pipe table's rule row, or Markdown headings around raw HTML tables (pandoc's
    # way of printing merged cells), or the name says so.
    if ("---" in text and _MD_TABLE_RULE.search(text)) or md_name or (html_fragment and _MD_HEADING.search(text)):
        return "markdown"
    if html_fragment:
        return "html"
    return "text"


def _office_zip_kind(data: bytes) -> str | None:
    """ "docx" or "xlsx" from the package's main part, None when the zip is neither (or broken)."""
    import io
    import zipfile

    from .formats.office import member_count
    from .limits import MAX_ZIP_MEMBERS

    count = member_count(data)
    if count is not None and count > MAX_ZIP_MEMBERS:
        return None  # not opened here (an object per member); the reader refuses it with the reason
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
    except Exception:  # noqa: BLE001 - not a readable zip: the fallbacks below decide
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def read_grid(data: bytes, fmt: str) -> Grid:
    """The file's grid by its format's reader, within the limits of pipelines/limits.py."""
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(too_large_reason(len(data)))
    grid = reader_for(fmt)(data)
    check_grid(grid)
    return grid


_CELLS = attrgetter("cells")  # a GridRow's


def check_grid(grid: Grid) -> None:
    """ParseError when a grid is larger than a report's can be (the aligner's time grows with it)."""
    if len(grid.rows) > MAX_GRID_ROWS:  # (readers building a RowList stop before)
        raise ParseError(too_many_rows_reason())
    n_cells = sum(map(len, map(_CELLS, grid.rows)))  # (the loop in C: it runs for every row of every file)
    if n_cells > MAX_GRID_CELLS:
        raise ParseError(
            f"the file reads as {n_cells:,} cells, more than the {MAX_GRID_CELLS:,} a report "
            "may have (limits.MAX_GRID_CELLS): not a report"
        )


def parse_bytes_with_grid(data: bytes, name: str = "") -> tuple[ParsedReport, Grid]:
    """The parsed report and the grid it was aligned from (the narrative text is in grid.text)."""
    fmt = sniff_format(data, name)
    grid = read_grid(data, fmt)
    return confirm_if_ocr(align(grid, fmt), grid), grid


def parse_bytes(data: bytes, name: str = "") -> ParsedReport:
    return parse_bytes_with_grid(data, name)[0]


def read_file(path: Path) -> bytes:
    """The file's bytes; ParseError when it cannot be read, is empty, is not a regular file or is
    over the size limit (not read then)."""
    import os
    import stat

    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            raise ParseError("not a regular file: not read")
        if st.st_size > MAX_FILE_BYTES:
            raise ParseError(too_large_reason(st.st_size))
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(too_large_reason(len(data)))
    if not data:
        raise ParseError("file is empty")
    return data


def parse_file(path: Path) -> ParsedReport:
    return parse_bytes(read_file(path), Path(path).name)


def parse_file_traced(path: Path) -> tuple[ParsedReport, list[Line]]:
    """The parsed report and every grid row with what the aligner made of it (`ogi parse --grid`)."""
    data = read_file(path)
    fmt = sniff_format(data, Path(path).name)
    grid = read_grid(data, fmt)
    report, lines = align_traced(grid, fmt)
    return confirm_if_ocr(report, grid), lines
