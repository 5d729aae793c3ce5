"""Limits and settings of the OCR reader (the rest of the project's limits: pipelines/limits.py).

Any change here that may change what OCR reads must bump OCR_SETTINGS_VERSION: cached OCR results
are keyed by it (with the file's sha256 and the engine's version).
"""

from __future__ import annotations

OCR_SETTINGS_VERSION = "3"

# Resolution PDF pages are rendered at for OCR: PP-OCR reads table digits right from ~150 dpi.
OCR_DPI = 200

# Text detection runs on the page scaled to at most this many pixels on its longer side.
DET_MAX_SIDE = 1600

# Pages one file may have to be OCR'd (a scanned report has 5–40; OCR costs seconds a page, so a
# 500-page scan is refused before its first page is read).
MAX_OCR_PAGES = 60

# Pixels of one page image (an A4 page at 300 dpi has 8.7 million, at 600 dpi 35 million). Pillow's
# decompression-bomb guard is set to this; a PDF page larger than this is rendered smaller.
MAX_OCR_PAGE_PIXELS = 40_000_000

# A digit read by OCR is a candidate only at this recognition confidence or more (and then only
# when the table's identities confirm it, or its double read agrees: pipelines/ocr/trust.py).
# PP-OCRv4 gives a lone "0" 0.6–0.95; on the scanned corpus no number read at 0.5 or more was a
# misread (386 cells of scan150 and painted, before the identities), so 0.7 keeps a margin.
MIN_DIGIT_CONFIDENCE = 0.70

# The double read: a number's crop re-read upscaled by this factor, with a margin of this share of
# its height around it (a wide margin makes a lone 0 read as "。": 0.3 did, 0.0 reads 0.7–0.96).
REREAD_SCALE = 2.0
REREAD_MARGIN = 0.0

# Dark pixels a table cell may hold outside the box of the words OCR read in it (specks, a seal's
# dark fringe): more means a glyph the detector did not find — "7 9" printed apart read as "9" —
# and the number is not taken (a digit at 200 dpi is 150 or more).
MAX_STRAY_INK_PIXELS = 40

# Mixed PDFs (ocr/mixed.py): on a page with a text layer, an image is read by OCR as a table pasted
# as a picture only when it is at least this wide and this high (shares of the page) and no
# text-layer character lies on it; a logo, a seal picture or an icon is smaller and is never read.
# A page without a text layer is read whole when an image covers this share of it (a scanned page).
MIN_PICTURE_WIDTH = 0.40
MIN_PICTURE_HEIGHT = 0.08
MIN_SCANNED_PAGE_AREA = 0.25

# A black-and-white page's specks (a fax's): dark dots of at most this many pixels standing alone
# are removed before reading (pages.despeckle). On the fax corpus page 2864 of 4536 dark blobs are
# one pixel, 68 two; a decimal point at 200 dpi is ~16 pixels (at a fax's 100 dpi ~4).
SPECK_PIXELS = 2

# A pixel of a seal's red is print under the seal's ink (pages.suppress_red) when its red channel is
# darker than this share of the mean red of the seal's pixels in a window this many pixels wide
# around it: on the seal corpus page a digit's strokes under the ring measure 79–112 where the
# ring's own measure 150–230, and the ring's thin JPEG'd parts 92–133 where it is all ring.
PRINT_UNDER_SEAL = 0.65
PRINT_UNDER_SEAL_WINDOW = 21

# A table box's words read as digits mixed with marks are read again from their crop made black and
# white at Otsu's threshold, then at this grey level (layout.read_garbled): on the seal corpus page a
# digit under the seal's remains read "3特1稀" at the page read, "31" at 90, "11" at 60.
GARBLED_THRESHOLD = 90
