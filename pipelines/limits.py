"""Every limit that keeps one hostile or broken file from stopping a run, in one place.

A file over a limit is quarantined with a one-line reason naming the limit (never a traceback);
the run goes on with the other files. The limits are far above anything a real annual report
needs (the figures in the comments are the largest seen in the real reports and the test corpora,
which a report of 10–40 pages stays well within) and low enough that the worst file of each kind
stays within the parse worker's memory and time.

Light module: imported by the readers, the inventory and the parse workers.
"""

from __future__ import annotations

MiB = 1 << 20

# ---------------------------------------------------------------- files

# One report file. The largest real report is 0.4 MB, a Word file full of photos a few MB; 50 MB
# leaves room for scanned attachments while a file over it is not read at all (not even hashed:
# a sparse terabyte would take an hour).
MAX_FILE_BYTES = 50 * MiB
# Reading a file that changes while it is read: attempts before it is reported as changing.
READ_ATTEMPTS = 3

# ---------------------------------------------------------------- what a reader may build

# Rows and cells of the grid a file is read into. A report is ~500–2,000 rows; 100,000 rows of
# 1,000,000 cells is ~200 MB of Python objects, the most a worker is allowed to spend on it.
MAX_GRID_ROWS = 100_000
MAX_GRID_CELLS = 1_000_000
# Fields in one printed line or cells in one table row (a report table has 15 columns), and the
# grid columns a row may reach through column spans.
MAX_ROW_CELLS = 1_000
MAX_ROW_COLUMNS = 10_000
# Characters in one line of a text or Markdown file (a whole report on one line is ~30,000).
MAX_LINE_CHARS = 1_000_000
# Tags in an HTML page or in one XML part of a DOCX/XLSX (a report page has ~20,000; lxml takes
# ~200 bytes per element, so 2,000,000 is ~400 MB of tree).
MAX_MARKUP_TAGS = 2_000_000

# ---------------------------------------------------------------- DOCX / XLSX (zip packages)

# The zip directory is checked before anything is extracted. The test corpora's packages hold
# 8–20 members of at most 0.3 MB, compressed at most 40:1.
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_TOTAL_BYTES = 256 * MiB  # all members, uncompressed (python-docx loads every part)
MAX_ZIP_MEMBER_BYTES = 64 * MiB  # one member, uncompressed
MAX_ZIP_RATIO = 200  # uncompressed : compressed, for members over ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 1 * MiB
# XML parts are read until their root element to refuse DTDs (Office parts never declare one:
# a DTD is how entity-expansion bombs and external entities get in); a prolog longer than this
# is refused too.
MAX_XML_PROLOG_BYTES = 64 * 1024
# Cells a workbook may hold (an XLSX report has ~1,000): cells written, merged ranges' areas and
# each sheet's used range (openpyxl makes an object per merged cell, and rows are read across the
# used range).
MAX_SHEET_CELLS = 500_000

# ---------------------------------------------------------------- PDF

# Pages (a report has 10–40; 500 pages take ~4 minutes and are not one report).
MAX_PDF_PAGES = 500
# One decoded stream (page content, font, object stream): the largest full CJK fonts are ~20 MB.
MAX_PDF_STREAM_BYTES = 64 * MiB
# All decoded streams of one file together.
MAX_PDF_DECODED_BYTES = 512 * MiB
# Characters, lines, rectangles, curves and images on one page (a dense page has ~5,000; pdfminer
# takes ~50 µs for each).
MAX_PDF_PAGE_OBJECTS = 50_000

# ---------------------------------------------------------------- the parse worker

# Wall-clock time to parse one file (the slowest report in the corpora takes 0.9 s).
PARSE_TIME_LIMIT_S = 120.0
# Address space of a parse worker process (RLIMIT_AS): the largest corpus file peaks at ~110 MB
# resident; a file needing more than this fails alone, as "out of memory".
WORKER_MEMORY_BYTES = 2048 * MiB


def size_text(n: int) -> str:
    """A byte count for a reason: "61.2 MB", "512 KB", "17 bytes"."""
    if n >= MiB:
        return f"{n / MiB:,.1f} MB"
    if n >= 1024:
        return f"{n / 1024:,.0f} KB"
    return f"{n:,} bytes"


def too_large_reason(size: int) -> str:
    return (
        f"file is {size_text(size)}, over the {size_text(MAX_FILE_BYTES)} limit for one report file "
        "(limits.MAX_FILE_BYTES): not read"
    )


# ---------------------------------------------------------------- checks the readers share

# Every separator str.splitlines() splits at (CRLF counted once).
_LINE_BREAKS = ("\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def check_line_count(text: str, what: str = "file") -> None:
    """ParseError when `text` has more lines than a grid may have rows (counted before splitting)."""
    from .model import ParseError

    n = sum(text.count(sep) for sep in _LINE_BREAKS) - text.count("\r\n") + 1
    if n > MAX_GRID_ROWS:
        raise ParseError(
            f"{what} has {n:,} lines, more than the {MAX_GRID_ROWS:,} a report may have "
            "(limits.MAX_GRID_ROWS): not a report"
        )


def check_line(line: str, where: str) -> None:
    """ParseError when one line is longer than MAX_LINE_CHARS."""
    from .model import ParseError

    if len(line) > MAX_LINE_CHARS:
        raise ParseError(
            f"{where} is {len(line):,} characters long, more than the {MAX_LINE_CHARS:,} a line of a "
            "report may have (limits.MAX_LINE_CHARS): not a report"
        )


def check_row_cells(n: int, where: str) -> None:
    """ParseError when one row has more cells (fields) than MAX_ROW_CELLS."""
    from .model import ParseError

    if n > MAX_ROW_CELLS:
        raise ParseError(
            f"{where} has {n:,} cells, more than the {MAX_ROW_CELLS:,} a row of a report may have "
            "(limits.MAX_ROW_CELLS): not a report"
        )
