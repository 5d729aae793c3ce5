"""Build tests/corpus/scanned: the PDF fixtures and probes as an office receives them on paper.

Run from the repo root: `.venv/bin/python -m tests.make_scanned_corpus` (pypdfium2 renders, Pillow and
OpenCV degrade; seconds). `.venv/bin/python -m tests.make_scanned_corpus --ocr` leaves the raw files as
they are and fills ocr-cache/ with their OCR results (minutes a page: after OCR_SETTINGS_VERSION
changes), removing the cache files of other versions. Every report is a PDF of tests/corpus/fixtures
or tests/corpus/probes, rendered to page images and degraded; its truth is the source's own truth (copied), except where
the script paints a printed digit differently (then the truth says what is printed).

File names: `<degradation>__<source>.<ext>`; the degradation is what the coverage is reported by:

  scan150     grey scan at 150 dpi, sensor noise                              image-only PDF
  skew        200 dpi, rotated +2.5° / -3°, noise, JPEG quality 60            image-only PDF
  tiff        200 dpi, +1.5° skew, noise, multi-page TIFF (JPEG-compressed)   .tif
  fax         200 dpi black and white (threshold), speckle, CCITT G4 TIFF      .tif
  rotated     pages fed sideways (90°) and upside down (180°)                 image-only PDF
  phone       phone photos: perspective, uneven light, dark table border, JPEG  image-only PDF
  seal        a red official seal (盖章) stamped over the tables               image-only PDF
  longimg     the pages stacked into one long picture (长图), as sent by chat  .png
  painted     one printed digit painted over with another, so the table does not add up
              (truth: the painted digit); the parser must say needs-review or raise the
              finding from a double read, never a wrong number
  pasted      a Word/WPS PDF: prose, title and year as text, the three tables pasted in as
              pictures (screenshots of the fixture's tables at 170 dpi)          text PDF + images
  mixedpages  the fixture's text PDF with its requests-table page replaced by a scan (200 dpi,
              grey, noise, 1.2° skew)                                            text PDF + 1 scan
  jpeg        one page photographed as JPEG (no title: not a report alone) is not built; every
              file holds a whole report

Deterministic: fixed seeds (numpy default_rng per file), fixed PDF dates.

`--only pasted,mixedpages` builds the named kinds alone (the other files are left as they are);
`--ocr` then reads every file of the corpus with real OCR into tests/corpus/scanned/ocr-cache
(only what is not cached yet is OCR'd: after OCR_SETTINGS_VERSION changes, `--ocr` alone refills it).
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFont

TESTS = Path(__file__).resolve().parent
OUT = TESTS / "corpus" / "scanned"
SOURCES = {"fixtures": TESTS / "corpus" / "fixtures", "probes": TESTS / "corpus" / "probes"}
SERIF = "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf"
CJK = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
PDF_DATE = "D:20240301120000+08'00'"

Page = Image.Image


def render(pdf_path: Path, dpi: int) -> list[Page]:
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()


# ---------------------------------------------------------------- degradations (pure, seeded)


def noise(img: Page, rng: np.random.Generator, sigma: float = 8.0) -> Page:
    a = np.asarray(img).astype(np.float32)
    a += rng.normal(0, sigma, a.shape[:2])[..., None]
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def grey(img: Page) -> Page:
    return img.convert("L").convert("RGB")


def skew(img: Page, degrees: float) -> Page:
    return img.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255))


def jpeg(img: Page, quality: int) -> Page:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def fax(img: Page, rng: np.random.Generator) -> Page:
    a = np.asarray(img.convert("L")).astype(np.float32)
    a += rng.normal(0, 18, a.shape)
    bw = np.where(a < 150, 0, 255).astype(np.uint8)
    speck = rng.random(bw.shape) < 0.0008
    bw[speck] = 0
    return Image.fromarray(bw).convert("1")


def phone(img: Page, rng: np.random.Generator) -> Page:
    """The page photographed on a desk: a dark border, a perspective, light falling off to a corner."""
    a = np.asarray(img)
    h, w = a.shape[:2]
    pad = int(0.08 * w)
    canvas_w, canvas_h = w + 2 * pad, h + 2 * pad
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-0.025, 0.025, (4, 2)) * [w, h]
    dst = np.float32([[pad, pad], [pad + w, pad], [pad + w, pad + h], [pad, pad + h]]) + jitter.astype(np.float32)
    m = cv2.getPerspectiveTransform(src, dst)
    desk = np.full((canvas_h, canvas_w, 3), (46, 40, 34), np.uint8)
    warped = cv2.warpPerspective(a, m, (canvas_w, canvas_h), dst=desk, borderMode=cv2.BORDER_TRANSPARENT)
    yy, xx = np.mgrid[0:canvas_h, 0:canvas_w].astype(np.float32)
    light = 1.05 - 0.35 * (xx / canvas_w) * (yy / canvas_h)  # darker towards the lower right
    out = warped.astype(np.float32) * light[..., None]
    out += rng.normal(0, 5, out.shape[:2])[..., None]
    out = cv2.GaussianBlur(np.clip(out, 0, 255).astype(np.uint8), (3, 3), 0)
    return jpeg(Image.fromarray(out), 80)


def seal(img: Page, centre: tuple[int, int], radius: int) -> Page:
    """A red official seal (ring, star, an arc of characters) multiplied onto the page."""
    layer = Image.new("RGB", img.size, (255, 255, 255))
    d = ImageDraw.Draw(layer)
    cx, cy = centre
    d.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=(215, 30, 35), width=max(6, radius // 18))
    star = []
    for k in range(10):
        r = radius * (0.32 if k % 2 == 0 else 0.13)
        a = -math.pi / 2 + k * math.pi / 5
        star.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    d.polygon(star, fill=(215, 30, 35))
    font = ImageFont.truetype(CJK, size=max(18, radius // 5))
    words = "滨江市政府信息公开专用章"
    for k, ch in enumerate(words):
        a = math.radians(-160 + k * (140 / (len(words) - 1)))
        x, y = cx + 0.72 * radius * math.cos(a), cy + 0.72 * radius * math.sin(a)
        d.text((x, y), ch, font=font, fill=(215, 30, 35), anchor="mm")
    a = np.asarray(img).astype(np.float32) * np.asarray(layer).astype(np.float32) / 255.0
    return Image.fromarray(a.astype(np.uint8))


def stack(pages: list[Page]) -> Page:
    w = max(p.width for p in pages)
    out = Image.new("RGB", (w, sum(p.height for p in pages)), (255, 255, 255))
    y = 0
    for p in pages:
        out.paste(p, (0, y))
        y += p.height
    return out


# ---------------------------------------------------------------- painting a digit


def word_box(
    pdf_path: Path, row_label: str, nth_value: int, line_tolerance: float = 4
) -> tuple[int, tuple[float, float, float, float], str]:
    """(page index, box in points, text) of the nth number printed on the line of `row_label` (words
    whose top is within `line_tolerance` points of the label's: wider for a label that wraps, whose
    numbers sit between its lines)."""
    with pdfplumber.open(str(pdf_path)) as pdf:
        for i, page in enumerate(pdf.pages):
            words = page.extract_words()
            for w in words:
                if row_label in w["text"]:
                    line = sorted(
                        (v for v in words if abs(v["top"] - w["top"]) < line_tolerance and v["text"].isdigit()),
                        key=lambda v: v["x0"],
                    )
                    v = line[nth_value]
                    return i, (v["x0"], v["top"], v["x1"], v["bottom"]), v["text"]
    raise LookupError(row_label)


def paint(img: Page, box_pt: tuple[float, float, float, float], dpi: int, text: str) -> Page:
    """White out the printed number and print `text` in its place, in a serif of the same height."""
    s = dpi / 72
    x0, y0, x1, y1 = (v * s for v in box_pt)
    out = img.copy()
    d = ImageDraw.Draw(out)
    d.rectangle([x0 - 2, y0 - 2, x1 + 2, y1 + 2], fill=(255, 255, 255))
    font = ImageFont.truetype(SERIF, size=int((y1 - y0) * 1.05))
    d.text(((x0 + x1) / 2, (y0 + y1) / 2), text, font=font, fill=(0, 0, 0), anchor="mm")
    return out


# ---------------------------------------------------------------- writing


def write_pdf(pages: list[Page], path: Path, dpi: int) -> None:
    pages[0].save(
        path,
        "PDF",
        resolution=dpi,
        save_all=True,
        append_images=pages[1:],
        creationDate=PDF_DATE,
        modDate=PDF_DATE,
        producer="scanner",
        creator="scanner",
        title="",
    )


def write_tiff(pages: list[Page], path: Path, dpi: int, compression: str) -> None:
    pages[0].save(path, "TIFF", save_all=True, append_images=pages[1:], compression=compression, dpi=(dpi, dpi))


def truth_of(source: str, name: str) -> dict[str, Any]:
    return json.loads((SOURCES[source] / "truth" / f"{name}.json").read_text(encoding="utf-8"))


Build = Callable[[list[Page], np.random.Generator], list[Page]]


# ---------------------------------------------------------------- mixed PDFs (text with pictures)


def pasted_tables(pdf_path: Path, dpi: int) -> bytes:
    """The PDF remade as a Word user makes it: every character outside the ruled tables drawn again
    as text where it was (reportlab, STSong-Light), every table pasted in as a screenshot of itself
    rendered at `dpi` (PNG) in its place."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    images = render(pdf_path, dpi)
    out = io.BytesIO()
    with pdfplumber.open(str(pdf_path)) as pdf:
        w0, h0 = float(pdf.pages[0].width), float(pdf.pages[0].height)
        c = canvas.Canvas(out, pagesize=(w0, h0), invariant=1)
        for page, img in zip(pdf.pages, images, strict=True):
            w, h = float(page.width), float(page.height)
            c.setPageSize((w, h))
            boxes = [t.bbox for t in page.find_tables()]

            def inside(ch: dict[str, Any], boxes: list[Any] = boxes) -> bool:
                x, y = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
                return any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

            for ch in page.chars:
                if not inside(ch) and ch["text"].strip():
                    c.setFont("STSong-Light", float(ch["size"]))
                    c.drawString(float(ch["x0"]), float(ch["matrix"][5]), ch["text"])
            s = dpi / 72
            for x0, top, x1, bottom in boxes:
                x0, top, x1, bottom = x0 - 2, top - 2, x1 + 2, bottom + 2
                shot = img.crop((int(x0 * s), int(top * s), int(x1 * s), int(bottom * s)))
                c.drawImage(ImageReader(shot), x0, h - bottom, x1 - x0, bottom - top)
            c.showPage()
        c.save()
    return out.getvalue()


def scanned_page(pdf_path: Path, index: int, page_img: Page) -> bytes:
    """The PDF with page `index` replaced by an image of it (a scanned page among text pages)."""
    doc = pdfium.PdfDocument(str(pdf_path))
    try:
        w, h = doc[index].get_size()
        doc.del_page(index)
        page = doc.new_page(w, h, index=index)
        obj = pdfium.PdfImage.new(doc)
        buf = io.BytesIO()
        page_img.save(buf, "JPEG", quality=75)
        obj.load_jpeg(io.BytesIO(buf.getvalue()), inline=False)
        obj.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(obj)
        page.gen_content()
        out = io.BytesIO()
        doc.save(out)
        # pdfium writes a new file ID on every save: a fixed one (same length) keeps the bytes fixed
        return re.sub(
            rb"/ID\s*\[<([0-9A-Fa-f]+)><([0-9A-Fa-f]+)>\]",
            lambda m: b"/ID[<" + b"0" * len(m[1]) + b"><" + b"0" * len(m[2]) + b">]",
            out.getvalue(),
        )
    finally:
        doc.close()


def build_mixed(only: set[str] | None = None) -> list[str]:
    """The mixed-PDF kinds: text PDFs whose tables or one page are pictures."""
    made: list[str] = []

    def emit(kind: str, name: str, data: bytes, truth: dict[str, Any]) -> None:
        if only is not None and kind not in only:
            return
        stem = f"{kind}__{name}"
        (OUT / "raw" / f"{stem}.pdf").write_bytes(data)
        (OUT / "truth" / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", "utf-8")
        made.append(f"{stem}.pdf")

    name = "fixture2021__pdf_blanks"
    emit("pasted", name, pasted_tables(SOURCES["fixtures"] / "raw" / f"{name}.pdf", 170), truth_of("fixtures", name))

    name = "fixture2019__pdf_ruled"
    source = SOURCES["fixtures"] / "raw" / f"{name}.pdf"
    index, _, _ = word_box(source, "予以公开", 0)
    rng = np.random.default_rng(12)
    page = grey(noise(skew(render(source, 200)[index], 1.2), rng, 6))
    emit("mixedpages", name, scanned_page(source, index, page), truth_of("fixtures", name))
    return made


def build() -> list[str]:
    if OUT.exists():
        shutil.rmtree(OUT / "raw", ignore_errors=True)
        shutil.rmtree(OUT / "truth", ignore_errors=True)
    (OUT / "raw").mkdir(parents=True, exist_ok=True)
    (OUT / "truth").mkdir(parents=True, exist_ok=True)
    made: list[str] = []

    def emit(kind: str, source: str, name: str, ext: str, pages: list[Page], dpi: int, truth: dict[str, Any]) -> None:
        stem = f"{kind}__{name}"
        path = OUT / "raw" / f"{stem}.{ext}"
        if ext == "pdf":
            write_pdf(pages, path, dpi)
        elif ext == "tif":
            write_tiff(pages, path, dpi, "group4" if pages[0].mode == "1" else "jpeg")
        elif ext == "png":
            pages[0].save(path, "PNG", optimize=True)
        (OUT / "truth" / f"{stem}.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", "utf-8")
        made.append(path.name)

    def src(source: str, name: str) -> Path:
        return SOURCES[source] / "raw" / f"{name}.pdf"

    # scan150: the lowest resolution the issue asks for
    rng = np.random.default_rng(150)
    pages = [grey(noise(p, rng, 6)) for p in render(src("fixtures", "fixture2021__pdf_ruled"), 150)]
    emit(
        "scan150",
        "fixtures",
        "fixture2021__pdf_ruled",
        "pdf",
        pages,
        150,
        truth_of("fixtures", "fixture2021__pdf_ruled"),
    )

    # skew ±3°, JPEG
    rng = np.random.default_rng(3)
    pages = render(src("fixtures", "fixture2019__pdf_blanks"), 200)
    pages = [jpeg(noise(skew(p, a), rng, 7), 60) for p, a in zip(pages, (2.5, -3.0), strict=False)]
    emit(
        "skew",
        "fixtures",
        "fixture2019__pdf_blanks",
        "pdf",
        pages,
        200,
        truth_of("fixtures", "fixture2019__pdf_blanks"),
    )

    # multi-page TIFF
    rng = np.random.default_rng(4)
    pages = [grey(noise(skew(p, 1.5), rng, 5)) for p in render(src("fixtures", "fixture2019__pdf_ruled"), 200)]
    emit(
        "tiff", "fixtures", "fixture2019__pdf_ruled", "tif", pages, 200, truth_of("fixtures", "fixture2019__pdf_ruled")
    )

    # fax: black and white
    rng = np.random.default_rng(5)
    pages = [fax(skew(p, -0.8), rng) for p in render(src("fixtures", "fixture2021__pdf_blanks"), 200)]
    emit(
        "fax", "fixtures", "fixture2021__pdf_blanks", "tif", pages, 200, truth_of("fixtures", "fixture2021__pdf_blanks")
    )

    # fed sideways and upside down
    rng = np.random.default_rng(6)
    pages = render(src("fixtures", "fixture2019__pdf_pagebreak"), 200)
    turns = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270)
    pages = [grey(noise(p.transpose(t), rng, 5)) for p, t in zip(pages, turns, strict=False)]
    emit(
        "rotated",
        "fixtures",
        "fixture2019__pdf_pagebreak",
        "pdf",
        pages,
        200,
        truth_of("fixtures", "fixture2019__pdf_pagebreak"),
    )

    # phone photos
    rng = np.random.default_rng(7)
    pages = [phone(p, rng) for p in render(src("probes", "p21_ruled_vertical_label"), 200)]
    emit(
        "phone", "probes", "p21_ruled_vertical_label", "pdf", pages, 200, truth_of("probes", "p21_ruled_vertical_label")
    )

    # a red seal over the tables
    rng = np.random.default_rng(8)
    pages = render(src("probes", "p21_ruled_thousands_fw"), 200)
    w, h = pages[1].size
    pages[1] = seal(pages[1], (int(0.62 * w), int(0.30 * h)), int(0.11 * w))
    pages[0] = seal(pages[0], (int(0.70 * w), int(0.62 * h)), int(0.11 * w))
    pages = [noise(p, rng, 5) for p in pages]
    emit("seal", "probes", "p21_ruled_thousands_fw", "pdf", pages, 200, truth_of("probes", "p21_ruled_thousands_fw"))

    # a long picture (长图): the pages stacked, as a chat app sends a report
    pages = [grey(p) for p in render(src("fixtures", "fixture2019__pdf_unruled"), 150)]
    emit(
        "longimg",
        "fixtures",
        "fixture2019__pdf_unruled",
        "png",
        [stack(pages)],
        150,
        truth_of("fixtures", "fixture2019__pdf_unruled"),
    )

    # one digit painted differently: （一）予以公开 自然人 9 → 6, so R01 and R02 no longer hold
    rng = np.random.default_rng(10)
    source = src("fixtures", "fixture2021__pdf_pagebreak")
    page_i, box, printed = word_box(source, "予以公开", 0)
    truth = truth_of("fixtures", "fixture2021__pdf_pagebreak")
    painted = str(int(printed) + 2)
    assert truth["requests"]["granted"]["natural_person"] == int(printed)
    truth["requests"]["granted"]["natural_person"] = int(painted)
    pages = render(source, 200)
    pages[page_i] = paint(pages[page_i], box, 200, painted)
    pages = [grey(noise(p, rng, 5)) for p in pages]
    emit("painted", "fixtures", "fixture2021__pdf_pagebreak", "pdf", pages, 200, truth)
    return made + build_mixed()


def fill_ocr_cache() -> list[str]:
    """The OCR results of every file in raw/ into ocr-cache/ (read by the engine where missing: first
    reads, second reads, ink measures — all that `ogi parse` and `ogi check` ask for), and the cache
    files of other engine or settings versions removed. The raw files are not touched."""
    import os

    from pipelines.check import check_file
    from pipelines.model import ParseError
    from pipelines.ocr.cache import CACHE_ENV, key
    from pipelines.ocr.engine import engine_id
    from pipelines.parsing import parse_file

    cache = OUT / "ocr-cache"
    os.environ[CACHE_ENV] = str(cache)
    engine = engine_id()
    keep = set()
    done = []
    for raw in sorted((OUT / "raw").iterdir()):
        keep.add(f"{key(raw.read_bytes(), engine)}.json")
        try:
            parse_file(raw)
        except ParseError as exc:
            print(f"{raw.name}: not read: {exc.reason}")
        check_file(raw)
        done.append(raw.name)
    for stale in cache.glob("*.json"):
        if stale.name not in keep:
            stale.unlink()
    return done


if __name__ == "__main__":
    import sys

    # --only KINDS: build only these mixed-PDF kinds; --ocr: refill ocr-cache/ for the raw files as
    # they are (after an OCR settings change), the others' entries untouched, stale ones removed
    args = sys.argv[1:]
    if "--only" in args:
        for name in build_mixed(set(args[args.index("--only") + 1].split(","))):
            print(name)
    elif "--ocr" not in args:
        for name in build():
            print(name)
    if "--ocr" in args:
        for name in fill_ocr_cache():
            print(name)
