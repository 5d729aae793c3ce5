"""What a grid read by OCR carries besides the grid: each cell's provenance. Light (no numpy):
parsing checks every grid against `OcrGrid`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from ..grid import Grid, parse_number
from .limits import MIN_DIGIT_CONFIDENCE


@dataclass
class OcrCell:
    """Provenance of one grid cell read by OCR: a person can find it and judge it."""

    page: int
    box: tuple[int, int, int, int]  # pixels of the upright page at `dpi`
    text_box: tuple[int, int, int, int] | None  # where its words are (what the second read reads)
    dpi: float
    text: str
    conf: float  # the lowest confidence of its words (1.0 for an empty box)
    reread: str
    reread_conf: float
    ink: bool
    engine: str
    in_table: bool
    stray_ink: int = -1  # dark pixels in the box outside the words read (-1: not measured)
    joined: bool = False  # mended by layout._cell_text: digit groups printed apart joined, a speck dropped
    spaced: bool = False  # mended only by joining digit groups printed apart in the one box
    # The image its box is in when that is not the page itself: a picture on a text PDF's page
    # (ocr.mixed numbers the file's pictures from 1); 0 for a page read whole.
    image: int = 0

    @property
    def clean_numeral(self) -> bool:
        """A number as the grid reads numbers (digits, a decimal point or thousands commas, a sign, a
        unit or a note in brackets after it) with nothing OCR may have made up: a letter where a
        digit should be ("1O", "l2") is not a number, and is never turned into one."""
        return parse_number(self.text) is not None

    @property
    def confident(self) -> bool:
        """Read with high confidence: by the page read, or by the re-read when both read the same."""
        if self.conf >= MIN_DIGIT_CONFIDENCE:
            return True
        return same_reading(self.text, self.reread) and self.reread_conf >= MIN_DIGIT_CONFIDENCE and self.conf > 0

    @property
    def double_read(self) -> bool:
        """The page read and the upscaled re-read agree, both confident."""
        return same_reading(self.text, self.reread) and min(self.conf, self.reread_conf) >= MIN_DIGIT_CONFIDENCE


_SPACED_DIGITS = re.compile(r"\d[\d ]*")


def same_reading(a: str, b: str) -> bool:
    """Two reads of one box read the same: the same text, or the same digits where one read saw
    them letter-spaced ("4 4", full-width digits printed apart) and the other did not. Only spaces
    between digits may differ: never a digit, a point or a comma."""
    a = unicodedata.normalize("NFKC", a).strip()
    b = unicodedata.normalize("NFKC", b).strip()
    if not a:
        return False
    if a == b:
        return True
    return bool(_SPACED_DIGITS.fullmatch(a) and _SPACED_DIGITS.fullmatch(b)) and a.replace(" ", "") == b.replace(
        " ", ""
    )


# The source of a row or cell OCR read on a mixed PDF's picture (ocr.mixed names them so).
_PICTURE_SOURCE = re.compile(r"page \d+ picture \d+\b")


@dataclass
class OcrGrid(Grid):
    """A grid read by OCR: `cells` maps each grid cell's source to its provenance."""

    cells: dict[str, OcrCell] = field(default_factory=dict)
    engine: str = ""
    pages: int = 0
    # Reads the given cells a second time (their crops upscaled) and fills reread/reread_conf.
    reread: Callable[[list[OcrCell]], None] | None = None
    # Fills each table cell's `stray_ink`: dark pixels in its box outside the words OCR read there.
    measure_ink: Callable[[list[OcrCell]], None] | None = None
    # A text PDF with pages or tables that are pictures (ocr.mixed): the grid's cells with no OCR
    # provenance come from the text layer and are taken as printed.
    mixed: bool = False

    def from_text_layer(self, source: str) -> bool:
        """A mixed PDF's cell printed in the text layer: no OCR provenance, and its source names no
        picture (a row OCR read names its picture: "page 2 picture 1 table 1 row 15")."""
        return self.mixed and bool(source) and not _PICTURE_SOURCE.match(source) and self.provenance(source) is None

    def provenance(self, source: str) -> OcrCell | None:
        """The OCR cell a parsed cell's source names (the aligner may append a note to it)."""
        if source in self.cells:
            return self.cells[source]
        for key in self.cells:
            if source.startswith(key):
                return self.cells[key]
        return None
