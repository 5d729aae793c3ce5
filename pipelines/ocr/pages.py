"""Page images, one at a time, and their geometry before any text is read.

Sources: a PDF's pages rendered by pdfium at OCR_DPI, or an image file's frames (PNG, JPEG, TIFF
with several pages, WebP, BMP) decoded by Pillow. Every page is bounded before it is decoded:
pages per file (limits: a 500-page scan is refused before one page is read) and pixels per page
(Pillow's decompression-bomb guard set to our limit).

Geometry, in this order (each step on the page as the previous one left it):
0. specks removed from a black-and-white page (a fax);
1. red suppression — a red official seal (盖章) stamped over cells turns white; black print under
   it stays black, and the ruling lines under it are drawn back from the red channel (a seal's red
   is bright in the red channel, print under it is dark there);
2. the page cut out of a photo — a light page on a darker desk is found as the largest bright
   quadrilateral and warped to a rectangle (phone photos: perspective, dark borders);
3. orientation of the whole page (0/90/180/270) — from the detected text lines: lines taller than
   wide mean the page lies on its side; the line classifier on the longest lines tells upside down;
4. deskew — the median slope of the long text lines, corrected when over 0.2°.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import ParseError
from . import engine
from .limits import MAX_OCR_PAGE_PIXELS, MAX_OCR_PAGES, OCR_DPI


@dataclass
class PageImage:
    number: int  # 1-based
    image: np.ndarray  # RGB, uint8
    dpi: float


def pdf_page_count(data: bytes) -> int:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except Exception as exc:  # noqa: BLE001 - pdfium's error on a broken file
        raise ParseError(f"PDF is corrupt or truncated ({type(exc).__name__})") from None
    try:
        return len(doc)
    finally:
        doc.close()


def pdf_pages(data: bytes) -> Iterator[tuple[int, Callable[[], PageImage]]]:
    """The PDF's pages, each with a function rendering it at OCR_DPI (less for a page so large it
    would pass the pixel limit); a page taken from the cache is never rendered."""
    import pypdfium2 as pdfium

    n = pdf_page_count(data)
    _check_pages(n, "PDF")
    doc = pdfium.PdfDocument(data)
    try:
        for i in range(n):
            yield i + 1, (lambda i=i: render_pdf_page(doc, i))  # type: ignore[misc]
    finally:
        doc.close()


def render_pdf_page(doc: Any, i: int) -> PageImage:
    """Page i (0-based) of an open pdfium document rendered at OCR_DPI (less for a page so large it
    would pass the pixel limit)."""
    page = doc[i]
    try:
        w_pt, h_pt = page.get_size()
        scale = OCR_DPI / 72
        pixels = w_pt * h_pt * scale * scale
        if pixels > MAX_OCR_PAGE_PIXELS:
            scale *= math.sqrt(MAX_OCR_PAGE_PIXELS / pixels)
        img = np.asarray(page.render(scale=scale).to_pil().convert("RGB"))
    except Exception as exc:  # noqa: BLE001 - pdfium on a broken page
        raise ParseError(f"PDF page {i + 1} cannot be rendered for OCR ({type(exc).__name__})") from None
    finally:
        page.close()
    return PageImage(i + 1, img, scale * 72)


def image_pages(data: bytes) -> Iterator[tuple[int, Callable[[], PageImage]]]:
    """The frames of an image file (a multi-page TIFF is a scanned report), each decoded only
    when asked for."""
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_OCR_PAGE_PIXELS  # Pillow warns over it (an error here), raises over twice

    def guarded(step: Callable[[], Any]) -> Any:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                return step()
        except ParseError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ParseError(_bomb_reason(None, None)) from None
        except UnidentifiedImageError:
            raise ParseError("image file cannot be decoded (not an image Pillow knows, or broken)") from None
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise ParseError(f"image file is corrupt or truncated ({type(exc).__name__})") from None

    im = guarded(lambda: Image.open(io.BytesIO(data)))
    n = guarded(lambda: getattr(im, "n_frames", 1))
    _check_pages(n, "image file")

    def frame(i: int) -> PageImage:
        def step() -> PageImage:
            im.seek(i)
            if im.width * im.height > MAX_OCR_PAGE_PIXELS:
                raise ParseError(_bomb_reason(im.width * im.height, i + 1))
            one = im.copy()
            one = ImageOps.exif_transpose(one) or one
            dpi = float((im.info.get("dpi") or (OCR_DPI, OCR_DPI))[0] or OCR_DPI)
            return PageImage(i + 1, np.asarray(one.convert("RGB")), dpi)

        page: PageImage = guarded(step)
        return page

    for i in range(n):
        yield i + 1, (lambda i=i: frame(i))  # type: ignore[misc]


def _check_pages(n: int, what: str) -> None:
    if n > MAX_OCR_PAGES:
        raise ParseError(
            f"{what} has {n} pages to OCR, more than {MAX_OCR_PAGES} (limits MAX_OCR_PAGES; a scanned report "
            "has 5–40): not read"
        )
    if n == 0:
        raise ParseError(f"{what} has no pages")


def _bomb_reason(pixels: int | None, page: int | None) -> str:
    where = f" (page {page}: {pixels:,} pixels)" if pixels and page else ""
    return (
        f"image is larger than {MAX_OCR_PAGE_PIXELS:,} pixels{where} (limits MAX_OCR_PAGE_PIXELS; an A4 page "
        "at 300 dpi has 8.7 million): not read (a decompression bomb?)"
    )


# ---------------------------------------------------------------- geometry


def suppress_red(img: np.ndarray) -> np.ndarray:
    """Seal red to white, the ruling lines under it kept.

    A seal's red (pixels much redder than they are green or blue: print is grey or black, and a
    black digit under the seal's ink stays black) turns white. A ruling line under the seal is
    red too (its grey times the seal's red), and whitening it broke the table's boxes (two cells
    read as one, their row lost); so straight strokes of the page seen in the red channel (the
    page without the seal: print under the seal's ink keeps its darkness there) are drawn back
    where they run on beyond the seal. The seal's own strokes — its ring, star and characters —
    lie wholly inside its red and are not drawn back (in the red channel alone they would stay
    as grey ghosts: a JPEG'd seal's thin strokes are dark there)."""
    import cv2

    from .limits import PRINT_UNDER_SEAL, PRINT_UNDER_SEAL_WINDOW

    a = img.astype(np.int16)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    red = (r - g > 50) & (r - b > 40)
    if not red.any():
        return img
    out = img.copy()
    out[red] = 255
    # the page in the red channel, the seal's own red on paper counted as white
    strong = red & (r > 110)
    seal_r = float(np.percentile(r[strong], 90)) if strong.any() else 255.0
    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    grey[red] = np.clip(r[red].astype(np.float32) * (255.0 / max(seal_r, 1.0)), 0, 255).astype(np.uint8)
    dark = (grey < 180).astype(np.uint8)
    k = max(25, min(img.shape[:2]) // 60)
    lines = np.bitwise_or(
        cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((1, k), np.uint8)),
        cv2.morphologyEx(dark, cv2.MORPH_OPEN, np.ones((k, 1), np.uint8)),
    )
    n, labels, _, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    if n > 1:
        outside = np.bincount(labels[(lines > 0) & ~red], minlength=n)
        keep = outside >= k  # a line that runs on beyond the seal
        keep[0] = False
        back = red & keep[labels]
        out[back] = grey[back][:, None]
    # black print under the seal's ink (a digit's strokes): much darker in the red channel than
    # the seal around it (a thin JPEG'd seal stroke is darker than a broad one, so the measure is
    # local: the mean red of the seal's pixels nearby)
    rf = np.where(red, r, 0).astype(np.float32)
    win = (PRINT_UNDER_SEAL_WINDOW, PRINT_UNDER_SEAL_WINDOW)
    local = cv2.boxFilter(rf, -1, win, normalize=False) / np.maximum(
        cv2.boxFilter(red.astype(np.float32), -1, win, normalize=False), 1.0
    )
    under = red & (r < PRINT_UNDER_SEAL * local)
    out[under] = grey[under][:, None]
    return out


def cut_out_page(img: np.ndarray) -> np.ndarray:
    """The page of a photo warped to a rectangle, when a light quadrilateral lies on a darker
    surround (a border of at least 2% of the image); the image unchanged otherwise."""
    import cv2

    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    border = np.concatenate([grey[: h // 50].ravel(), grey[-h // 50 :].ravel(), grey[:, : w // 50].ravel()])
    if np.median(border) > 120:
        return img  # a light border: a scan, not a photo
    small = cv2.resize(grey, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    _, mask = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return img
    page = max(contours, key=cv2.contourArea)
    if cv2.contourArea(page) < 0.3 * small.size:
        return img
    quad = cv2.approxPolyDP(page, 0.02 * cv2.arcLength(page, True), True)
    if len(quad) != 4:
        return img
    pts = quad.reshape(4, 2).astype(np.float32) * 4
    s, d = pts.sum(1), np.diff(pts, axis=1).ravel()
    tl, br, tr, bl = pts[np.argmin(s)], pts[np.argmax(s)], pts[np.argmin(d)], pts[np.argmax(d)]
    out_w = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    out_h = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    mat = cv2.getPerspectiveTransform(
        np.array([tl, tr, br, bl], dtype=np.float32),
        np.array([[0, 0], [out_w, 0], [out_w, out_h], [0, out_h]], dtype=np.float32),
    )
    warped = cv2.warpPerspective(img, mat, (out_w, out_h), flags=cv2.INTER_CUBIC)
    return flatten_light(warped)


def flatten_light(img: np.ndarray) -> np.ndarray:
    """Uneven light evened out: each pixel divided by the page's local background brightness."""
    import cv2

    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    k = max(31, (min(grey.shape) // 20) | 1)
    background = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8))
    background = cv2.GaussianBlur(background, (k, k), 0).astype(np.float32)
    out = img.astype(np.float32) * (235.0 / np.maximum(background, 1.0))[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def _long_lines(quads: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    """Quadrilaterals of lines of several characters (their direction means something)."""
    out = []
    for q in quads:
        w = math.dist(q[0], q[1])
        h = math.dist(q[0], q[3])
        if max(w, h) > 3 * min(w, h) and max(w, h) > 60:
            out.append(q)
    return out


def rotate(img: np.ndarray, quarter_turns: int) -> np.ndarray:
    """Rotated by quarter_turns × 90° counter-clockwise."""
    return np.ascontiguousarray(np.rot90(img, quarter_turns))


def upright(img: np.ndarray) -> tuple[np.ndarray, int, float, list[list[tuple[float, float]]]]:
    """The page turned upright and deskewed: (image, quarter turns applied, skew corrected in
    degrees, the text lines detected on the result)."""
    turns = 0
    quads = engine.detect(img)
    lines = _long_lines(quads)
    tall = sum(1 for q in lines if math.dist(q[0], q[3]) > math.dist(q[0], q[1]))
    if lines and tall > len(lines) / 2:
        turns = 1  # lying on its side: a quarter turn, the classifier below settles which side
        img = rotate(img, turns)
        quads = engine.detect(img)
        lines = _long_lines(quads)
    longest = sorted(lines, key=lambda q: -math.dist(q[0], q[1]))[:24]
    if longest and engine.upside_down([engine.crop(img, q) for q in longest]) > 0.6:
        turns = (turns + 2) % 4
        img = rotate(img, 2)
        quads = engine.detect(img)
        lines = _long_lines(quads)
    slopes = [math.degrees(math.atan2(q[1][1] - q[0][1], q[1][0] - q[0][0])) for q in lines]
    angle = float(np.median(slopes)) if len(slopes) >= 3 else 0.0
    if 0.2 < abs(angle) < 10:
        img = deskew(img, angle)
        quads = engine.detect(img)
    else:
        angle = 0.0
    return img, turns, angle, quads


def deskew(img: np.ndarray, angle: float) -> np.ndarray:
    """The page rotated by `angle` degrees (counter-clockwise), grown to keep every corner."""
    import cv2

    if not angle:
        return img
    h, w = img.shape[:2]
    mat = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(mat[0, 0]), abs(mat[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    mat[0, 2] += nw / 2 - w / 2
    mat[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(img, mat, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=(255, 255, 255))


def despeckle(img: np.ndarray) -> np.ndarray:
    """A black-and-white page (a fax, a scan thresholded to 1 bit) with its specks removed: dark
    specks of at most SPECK_PIXELS pixels standing alone turn white. A fax's specks beside a digit
    read as a point (".0", a number no longer) or as ink a digit left behind; a printed full stop
    or decimal point at fax resolution is larger. Grey and colour pages are left as they are."""
    import cv2

    from .limits import SPECK_PIXELS

    grey = img[..., 0] if img.ndim == 3 else img
    if np.count_nonzero((grey != 0) & (grey != 255)) > 0.01 * grey.size:
        return img  # not black and white
    ink = (grey < 128).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    specks = np.flatnonzero(stats[:, cv2.CC_STAT_AREA] <= SPECK_PIXELS)
    specks = specks[specks > 0]
    if not len(specks):
        return img
    out = img.copy()
    out[np.isin(labels, specks)] = 255
    return out


def prepare(img: np.ndarray) -> np.ndarray:
    """The steps before orientation: a black-and-white page's specks removed, seal red suppressed,
    a photo's page cut out."""
    return cut_out_page(suppress_red(despeckle(img)))


def replay(img: np.ndarray, turns: int, skew: float) -> np.ndarray:
    """The page as `upright` left it, from its turns and skew (for the re-read of crops)."""
    return deskew(rotate(prepare(img), turns), skew)
