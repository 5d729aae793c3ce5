"""PDFs with a text layer: table cells from ruling lines, other text as gap-split lines.

Tables drawn with ruling lines become positional rows: every cell box is a cell, an
empty box is a blank cell, a merged box is one cell (pdfplumber reports the covered
positions as None and we drop them). Text outside the tables becomes lines ordered by
their position on the page, split into cells at wide horizontal gaps.
"""

from __future__ import annotations

import io
import logging
from statistics import median

from ..grid import Cell, Grid, GridRow
from ..model import ParseError

logging.getLogger("pdfminer").setLevel(logging.ERROR)

_LINE_TOLERANCE = 3.0  # points: words whose tops differ less are on one line


def _inside(word: dict, bbox: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = bbox
    cx, cy = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return x0 <= cx <= x1 and top <= cy <= bottom


def _text_lines(words: list[dict], page_no: int) -> list[tuple[float, GridRow]]:
    """Words outside tables grouped into lines; a gap wider than two characters splits cells."""
    lines: list[list[dict]] = []
    for w in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if lines and abs(lines[-1][0]["top"] - w["top"]) <= _LINE_TOLERANCE:
            lines[-1].append(w)
        else:
            lines.append([w])
    out: list[tuple[float, GridRow]] = []
    for i, line in enumerate(lines, start=1):
        line.sort(key=lambda w: w["x0"])
        char_w = median((w["x1"] - w["x0"]) / max(len(w["text"]), 1) for w in line)
        groups: list[list[dict]] = [[line[0]]]
        for w in line[1:]:
            if w["x0"] - groups[-1][-1]["x1"] > 2.0 * char_w:
                groups.append([w])
            else:
                groups[-1].append(w)
        src = f"page {page_no} line {i}"
        cells = [Cell("".join(w["text"] for w in g), j, f"{src} x={g[0]['x0']:.0f}") for j, g in enumerate(groups)]
        out.append((line[0]["top"], GridRow(cells, positional=False, source=src)))
    return out


def read_pdf(data: bytes) -> Grid:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    grid = Grid()
    texts: list[str] = []
    n_chars = 0
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect:
        raise ParseError("PDF is password-protected")
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises many types on broken files
        raise ParseError(f"PDF cannot be opened ({type(exc).__name__}: {str(exc)[:80]})")
    with pdf:
        try:
            pages = list(pdf.pages)
        except Exception as exc:
            raise ParseError(f"PDF is corrupt ({type(exc).__name__})")
        for page_no, page in enumerate(pages, start=1):
            try:
                chars = page.chars
                n_chars += len(chars)
                tables = page.find_tables()
                words = page.extract_words(keep_blank_chars=False, use_text_flow=False)
            except Exception as exc:
                raise ParseError(f"PDF page {page_no} cannot be read ({type(exc).__name__})")
            rows_out: list[tuple[float, GridRow]] = []
            for t_no, table in enumerate(tables, start=1):
                extracted = table.extract()
                for r_no, (row, texts_in_row) in enumerate(zip(table.rows, extracted), start=1):
                    src = f"page {page_no} table {t_no} row {r_no}"
                    cells = [Cell(texts_in_row[c] or "", c, f"{src} col {c + 1}")
                             for c, box in enumerate(row.cells) if box is not None]  # None: merged
                    rows_out.append((row.bbox[1], GridRow(cells, positional=True, source=src)))
            outside = [w for w in words if not any(_inside(w, t.bbox) for t in tables)]
            rows_out.extend(_text_lines(outside, page_no))
            rows_out.sort(key=lambda item: item[0])
            grid.rows.extend(r for _, r in rows_out)
            texts.append("\n".join(r.text for _, r in rows_out))
    if n_chars == 0:
        raise ParseError("PDF has no text layer (a scanned image?); OCR is not supported")
    grid.text = "\n".join(texts)
    return grid
