"""OCR: scanned, faxed and photographed reports read into the one Grid (issue 16).

- `reader`  — image files and PDFs without a text layer → `OcrGrid` (pages one at a time, cached)
- `pages`   — page images (PDF rendering, image frames, limits) and geometry (seal red, photo
              page cut-out, orientation, deskew)
- `layout`  — one page: ruling lines → cells, OCR words, the double read; → grid rows
- `trust`   — after alignment: a number read by OCR is kept only when the table confirms it
- `engine`  — RapidOCR (PP-OCRv4, ONNX Runtime, offline), `cache` — results by sha256 + engine + settings

Light on import (parsing imports `confirm_if_ocr`): numpy, OpenCV and the engine load with the
first page read.
"""

from __future__ import annotations

from typing import Any

from ..model import ParsedReport


def confirm_if_ocr(report: ParsedReport, grid: Any) -> ParsedReport:
    """The report as `trust.confirm` leaves it when the grid was read by OCR; else unchanged."""
    from .provenance import OcrGrid

    if isinstance(grid, OcrGrid):
        from .trust import confirm

        return confirm(report, grid)
    return report
