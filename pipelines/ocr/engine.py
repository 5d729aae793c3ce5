"""The OCR engine: RapidOCR's PP-OCRv4 Chinese models on ONNX Runtime, CPU only, offline.

`rapidocr-onnxruntime` carries its three models in its wheel (detection, 0°/180° line classifier,
recognition); nothing is downloaded at run time. Its stages are used one by one rather than
through `RapidOCR.__call__`, because:

- its per-line 0°/180° classifier turns single digits upside down ("6" read as "9" at 0.98
  confidence, seen on the fixtures): the classifier is used only to tell the whole page's
  orientation, on its longest lines, never per box;
- numeric boxes are re-read from their crop upscaled (the double read of issue 16).

The engine is loaded once per process (about a second) and kept.
"""

from __future__ import annotations

import itertools
import math
import threading
from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import numpy as np

ENGINE_NAME = "rapidocr-onnxruntime"


def engine_id() -> str:
    """The engine and its version, as every OCR'd cell's provenance names it."""
    return f"{ENGINE_NAME} {version(ENGINE_NAME)} PP-OCRv4"


@dataclass
class Box:
    """One line of text the detector found: its quadrilateral (page pixels, clockwise from the
    top left) and what recognition read in it."""

    quad: list[tuple[float, float]]
    text: str = ""
    conf: float = 0.0

    @property
    def x0(self) -> float:
        return min(p[0] for p in self.quad)

    @property
    def x1(self) -> float:
        return max(p[0] for p in self.quad)

    @property
    def y0(self) -> float:
        return min(p[1] for p in self.quad)

    @property
    def y1(self) -> float:
        return max(p[1] for p in self.quad)


_LOCK = threading.Lock()
_ENGINE: Any = None


def _engine() -> Any:
    global _ENGINE
    with _LOCK:
        if _ENGINE is None:
            import logging

            from rapidocr_onnxruntime import RapidOCR

            logging.getLogger("RapidOCR").setLevel(logging.ERROR)
            eng = RapidOCR(rec_batch_num=12)
            _ENGINE = eng
    return _ENGINE


def detect(img: np.ndarray) -> list[list[tuple[float, float]]]:
    """Text line quadrilaterals of an RGB page image, in reading order (top to bottom, left to right).
    Detection runs on the page scaled to at most DET_MAX_SIDE pixels (a table digit is still
    ~15 px high there); the boxes are scaled back. A picture much taller than a page (a long
    picture, 长图: a report's pages stacked as a chat app sends them) is detected band by band,
    cut at blank rows into page-like bands (`bands`), so that it is not shrunk until its lines
    run together."""
    out: list[list[tuple[float, float]]] = []
    for top, bottom in bands(img):
        for q in _detect_one(img[top:bottom]):
            out.append([(x, y + top) for x, y in q])
    out.sort(key=lambda q: (round(min(p[1] for p in q) / 10), min(p[0] for p in q)))
    return out


def bands(img: np.ndarray) -> list[tuple[int, int]]:
    """(top, bottom) rows of the page-like bands a tall picture is detected in: about one A4 page
    high (√2 × its width), each cut at the blankest row near the page height (the fewest dark
    pixels: between two text lines, never through one). One band for a picture of page shape."""
    from .limits import DET_MAX_SIDE

    h, w = img.shape[:2]
    page_h = max(int(w * math.sqrt(2)), 1)
    if h <= DET_MAX_SIDE or h <= 1.25 * page_h:
        return [(0, h)]
    dark = (img.min(axis=2) < 128).sum(axis=1) if img.ndim == 3 else (img < 128).sum(axis=1)
    cuts = [0]
    while h - cuts[-1] > page_h:
        lo, hi = cuts[-1] + int(0.8 * page_h), cuts[-1] + page_h
        window = dark[lo:hi]
        # the middle of the blankest run of rows in the window
        least = window.min()
        rows = np.flatnonzero(window == least)
        runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
        best = max(runs, key=len)
        cuts.append(lo + int(best[len(best) // 2]))
    cuts.append(h)
    return list(itertools.pairwise(cuts))


def _detect_one(img: np.ndarray) -> list[list[tuple[float, float]]]:
    import cv2

    from .limits import DET_MAX_SIDE

    eng = _engine()
    scale = min(1.0, DET_MAX_SIDE / max(img.shape[:2]))
    small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1.0 else img
    boxes, _ = eng.text_det(np.ascontiguousarray(small[..., ::-1]))
    if boxes is None or len(boxes) == 0:
        return []
    return [[(float(x) / scale, float(y) / scale) for x, y in b] for b in boxes]


def crop(img: np.ndarray, quad: list[tuple[float, float]], margin: float = 0.0, scale: float = 1.0) -> np.ndarray:
    """The quadrilateral cut out and made upright (RGB), widened by `margin` × its height, resized by `scale`."""
    import cv2

    pts = np.array(quad, dtype=np.float32)
    w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    w, h = max(w, 2), max(h, 2)
    m = round(margin * h)
    dst = np.array([[m, m], [m + w, m], [m + w, m + h], [m, m + h]], dtype=np.float32)
    mat = cv2.getPerspectiveTransform(pts, dst)
    out = cv2.warpPerspective(img, mat, (w + 2 * m, h + 2 * m), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    if scale != 1.0:
        out = cv2.resize(out, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return out


def recognise(crops: list[np.ndarray]) -> list[tuple[str, float]]:
    """(text, confidence) of each upright line crop (RGB)."""
    if not crops:
        return []
    eng = _engine()
    res, _ = eng.text_rec([np.ascontiguousarray(c[..., ::-1]) for c in crops])
    return [(str(t), float(c)) for t, c in res]


def upside_down(crops: list[np.ndarray]) -> float:
    """The share of the line crops the classifier calls 180° with confidence (page orientation)."""
    if not crops:
        return 0.0
    eng = _engine()
    _, cls_res, _ = eng.text_cls([np.ascontiguousarray(c[..., ::-1]) for c in crops])
    flipped = sum(1 for label, conf in cls_res if label == "180" and conf >= 0.9)
    return flipped / len(crops)
