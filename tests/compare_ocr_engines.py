"""Compare OCR engines on the scanned corpus, side by side in one process (issue 16, README figures).

    .venv/bin/python -m tests.compare_ocr_engines [--engine=rapidocr|tesseract] [NAME ...]
                                                       (default: both engines on scan150__fixture2021__pdf_ruled)

Needs Debian's `tesseract-ocr` and `tesseract-ocr-chi-sim` for the Tesseract column (apt-get install -y
tesseract-ocr tesseract-ocr-chi-sim); not a test, and not part of the project's dependencies.

Each engine reads the same page images into the same PageRead (cells from the ruling lines by
OpenCV, the same for both); the grid is aligned by the one aligner and scored against the truth:

  raw    — every number the aligner placed, before the trust step: `wrong` counts misreads
  kept   — after `trust.confirm` (what the parser returns): wrong must be 0

RapidOCR's pages go through the whole page step (geometry, double read); Tesseract's are read
whole-page with `--psm 3` (its own layout analysis), words with their confidence / 100 and no
second read (its numbers are then confirmed by the identities only).
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from pipelines.align import align
from pipelines.ocr import layout, pages
from pipelines.ocr.provenance import OcrGrid
from pipelines.ocr.trust import confirm
from pipelines.parsing import sniff_format
from pipelines.score import score_one

CORPUS = Path(__file__).resolve().parent / "corpus" / "scanned"


def tesseract_words(img: np.ndarray) -> list[layout.Word]:
    from PIL import Image

    with tempfile.NamedTemporaryFile(suffix=".png") as f:
        Image.fromarray(img).save(f.name)
        out = subprocess.run(
            ["tesseract", f.name, "-", "-l", "chi_sim", "--psm", "3", "tsv"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    words = []
    for row in csv.DictReader(io.StringIO(out), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        x, y, w, h = (int(row[k]) for k in ("left", "top", "width", "height"))
        words.append(layout.Word(x, y, x + w, y + h, text, max(float(row["conf"]), 0.0) / 100))
    return words


def read(path: Path, engine: str) -> tuple[OcrGrid, int, float]:
    data = path.read_bytes()
    source = pages.pdf_pages(data) if sniff_format(data, path.name) == "pdf" else pages.image_pages(data)
    grid = OcrGrid(engine=engine)
    texts, seconds, n = [], 0.0, 0
    for number, load in source:
        page = load()
        start = time.perf_counter()
        if engine == "tesseract":
            img = page.image
            tables = layout.find_cells(img, page.dpi)
            read_ = layout.PageRead(number, img.shape[1], img.shape[0], page.dpi, 0, 0.0, tesseract_words(img), tables)
        else:
            read_ = layout.read_page(page.image, number, page.dpi)
        seconds += time.perf_counter() - start
        n += 1
        rows = layout.page_rows(read_, engine, grid.cells)
        grid.rows.extend(r for _, r in rows)
        texts.append("\n".join(r.text for _, r in rows))
    grid.text = "\n".join(texts)
    grid.pages = n
    return grid, n, seconds


def main(args: list[str]) -> None:
    engines = [a.removeprefix("--engine=") for a in args if a.startswith("--engine=")] or ["rapidocr", "tesseract"]
    names = [a for a in args if not a.startswith("--")]
    for name in names or ["scan150__fixture2021__pdf_ruled"]:
        path = next((CORPUS / "raw").glob(f"{name}.*"))
        truth = json.loads((CORPUS / "truth" / f"{name}.json").read_text(encoding="utf-8"))
        for engine in engines:
            grid, n, seconds = read(path, engine)
            try:
                raw = align(grid, "pdf")
                raw_score = score_one(truth, raw.to_json())
                kept = score_one(truth, confirm(align(grid, "pdf"), grid).to_json())
            except Exception as exc:  # noqa: BLE001 - an engine whose text is not a report scores nothing
                print(f"{name} {engine}: not read ({exc}); {seconds / n:.1f} s/page")
                continue
            print(
                f"{name} {engine}: {seconds / n:.1f} s/page over {n} pages; raw correct {raw_score['correct']}/"
                f"{raw_score['cells']} wrong {raw_score['wrong']}; kept correct {kept['correct']}/{kept['cells']} "
                f"wrong {kept['wrong']}",
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
