"""What a grid read by OCR carries besides the grid: each cell's provenance. Light (no numpy):
parsing checks every grid against `OcrGrid`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from ..grid import Grid
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

    @property
    def clean_numeral(self) -> bool:
        """A plain number, as OCR printed it: digits, one decimal point or thousands commas, a sign."""
        t = unicodedata.normalize("NFKC", self.text).strip()
        return bool(re.fullmatch(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[+-]?\d+(?:\.\d+)?", t))

    @property
    def confident(self) -> bool:
        """Read with high confidence: by the page read, or by the re-read when both read the same."""
        if self.conf >= MIN_DIGIT_CONFIDENCE:
            return True
        same = unicodedata.normalize("NFKC", self.text).strip() == unicodedata.normalize("NFKC", self.reread).strip()
        return same and self.reread_conf >= MIN_DIGIT_CONFIDENCE and self.conf > 0

    @property
    def double_read(self) -> bool:
        """The page read and the upscaled re-read agree, both confident."""
        a = unicodedata.normalize("NFKC", self.text).strip()
        b = unicodedata.normalize("NFKC", self.reread).strip()
        return bool(a) and a == b and min(self.conf, self.reread_conf) >= MIN_DIGIT_CONFIDENCE


@dataclass
class OcrGrid(Grid):
    """A grid read by OCR: `cells` maps each grid cell's source to its provenance."""

    cells: dict[str, OcrCell] = field(default_factory=dict)
    engine: str = ""
    pages: int = 0
    # Reads the given cells a second time (their crops upscaled) and fills reread/reread_conf.
    reread: Callable[[list[OcrCell]], None] | None = None

    def provenance(self, source: str) -> OcrCell | None:
        """The OCR cell a parsed cell's source names (the aligner may append a note to it)."""
        if source in self.cells:
            return self.cells[source]
        for key in self.cells:
            if source.startswith(key):
                return self.cells[key]
        return None
