"""OCR's image steps and layout on hand-made images and reads (issue 16): no engine runs here.

Each input is drawn here with known content (a black stroke under a red seal, specks beside a
decimal point, a tall picture with blank gaps, a vertical label standing across two printed
lines), and the expected result is what the drawing holds.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipelines.ocr.engine import bands
from pipelines.ocr.layout import PageRead, Word, _cell_text, page_rows
from pipelines.ocr.pages import despeckle, suppress_red
from pipelines.ocr.provenance import OcrCell, same_reading

SEAL_RED = np.array([215, 30, 35], dtype=np.float32) / 255.0


def _sealed(page: np.ndarray, y0: int, y1: int, x0: int, x1: int) -> np.ndarray:
    """The page with a red seal stamped (multiplied, as ink over print) on a rectangle of it."""
    out = page.astype(np.float32)
    out[y0:y1, x0:x1] *= SEAL_RED
    return out.astype(np.uint8)


def test_red_seal_over_a_black_digit_and_a_grey_ruling_line_is_lifted_off_them() -> None:
    page = np.full((120, 200, 3), 250, np.uint8)
    page[30:90, 40:52] = 0  # a black digit's stroke
    page[:, 120:122] = 110  # a thin grey ruling line (a scan's anti-aliased rule), on beyond the seal
    sealed = _sealed(page, 20, 100, 20, 180)
    out = suppress_red(sealed)
    grey = out.astype(np.int16)
    # the seal on paper turns white, the print under it keeps its darkness (grey, not red)
    assert grey[60, 80].min() >= 240, grey[60, 80]
    assert grey[60, 45].max() <= 40, grey[60, 45]
    assert grey[60, 121].max() <= 150, grey[60, 121]  # the ruling line survives (was wiped to white)
    assert np.ptp(grey[60, 121]) <= 5  # grey: no red left
    assert (out[:, :20] == page[:, :20]).all() and (out[:20] == page[:20]).all()  # outside the seal untouched


def test_a_seals_own_strokes_are_not_drawn_back_as_lines() -> None:
    page = np.full((200, 200, 3), 250, np.uint8)
    sealed = page.copy()
    sealed[40:160, 60:64] = (110, 0, 0)  # a straight stroke of the seal (dark red, as a JPEG'd ring is)
    out = suppress_red(sealed)
    assert out[40:160, 60:64].min() >= 240


def test_a_page_without_red_is_left_as_it_is() -> None:
    page = np.full((50, 50, 3), 240, np.uint8)
    page[10:40, 20:25] = 30
    assert suppress_red(page) is page


def test_fax_specks_are_removed_and_a_decimal_point_is_kept() -> None:
    page = np.full((80, 120, 3), 255, np.uint8)
    page[20:60, 30:36] = 0  # a digit's stroke
    page[55:59, 40:44] = 0  # a decimal point: 16 pixels
    for y, x in [(5, 5), (70, 100), (40, 20), (10, 90)]:  # lone specks, one pixel each
        page[y, x] = 0
    page[30, 60:62] = 0  # a speck of two pixels
    out = despeckle(page)
    assert (out[5, 5] == 255).all() and (out[70, 100] == 255).all() and (out[30, 60:62] == 255).all()
    assert (out[20:60, 30:36] == 0).all()
    assert (out[55:59, 40:44] == 0).all()


def test_a_grey_page_is_not_despeckled() -> None:
    page = np.full((40, 40, 3), 230, np.uint8)
    page[5, 5] = 0
    assert despeckle(page) is page


def test_a_tall_picture_splits_into_page_like_bands_at_blank_rows() -> None:
    w = 400
    img = np.full((2000, w, 3), 255, np.uint8)
    text_rows = list(range(20, 1980, 40))  # a line of text every 40 rows, 20 rows high
    for y in text_rows:
        img[y : y + 20, 30:370] = 0
    got = bands(img)
    assert got[0][0] == 0 and got[-1][1] == 2000
    assert all(a[1] == b[0] for a, b in itertools.pairwise(got))
    assert len(got) >= 3  # about √2 × 400 = 566 rows a band
    for _, bottom in got[:-1]:
        assert not any(y <= bottom < y + 20 for y in text_rows), bottom  # never through a line
    assert bands(img[:560]) == [(0, 560)]  # a picture of page shape is one band


def _word(x0: float, y0: float, x1: float, y1: float, text: str) -> Word:
    return Word(x0, y0, x1, y1, text, 0.99)


def test_a_vertical_label_standing_across_two_lines_does_not_join_them() -> None:
    words = [
        _word(240, 2363, 430, 2386, "6.属于四类过程性信息"),
        _word(588, 2364, 606, 2388, "0"),
        _word(669, 2362, 685, 2388, "1"),
        _word(120, 2371, 147, 2413, "本"),  # one character of 本年度 printed down a merged cell
        _word(245, 2400, 413, 2423, "7.属于行政执法案卷"),
        _word(588, 2401, 606, 2425, "2"),
        _word(669, 2400, 685, 2424, "3"),
    ]
    page = PageRead(1, 1241, 3508, 150.0, 0, 0.0, words, [])
    cells: dict[str, OcrCell] = {}
    rows = [r for _, r in page_rows(page, "engine", cells)]
    texts = [[c.text for c in r.cells] for r in rows]
    assert ["7.属于行政执法案卷", "2", "3"] in texts
    assert not any(len(t) > 4 for t in texts), texts  # no line of both rows' values


def test_a_speck_before_a_number_is_dropped_and_the_number_marked_mended() -> None:
    assert _cell_text([_word(10, 10, 40, 40, ".0")]) == ("0", "speck")
    assert _cell_text([_word(10, 10, 30, 40, "4"), _word(40, 10, 60, 40, "4")]) == ("44", "spaced")
    assert _cell_text([_word(10, 10, 60, 40, "35.62")]) == ("35.62", "")
    assert _cell_text([_word(10, 10, 60, 40, "一")]) == ("—", "dash")  # a dash read as 一: a blank
    assert _cell_text([_word(10, 10, 60, 40, "一、")]) == ("一、", "")


def test_two_reads_agree_only_when_they_differ_in_spaces_between_digits() -> None:
    assert same_reading("44", "4 4 ")
    assert same_reading("１２", "12")
    assert not same_reading("44", "4.4")
    assert not same_reading("10", "1O")
    assert not same_reading("44", "45")
    assert not same_reading("", "")


class _Reads:
    """The engine's recognition stubbed: each call returns the next of the given reads, one per crop."""

    def __init__(self, *reads: tuple[str, float]) -> None:
        self.reads = list(reads)

    def __call__(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        out, self.reads = self.reads[: len(crops)], self.reads[len(crops) :]
        return out


def _garbled(monkeypatch: pytest.MonkeyPatch, first: str, *again: tuple[str, float]) -> str:
    from pipelines.ocr import engine
    from pipelines.ocr.layout import CellBox, read_garbled

    monkeypatch.setattr(engine, "recognise", _Reads(*again))
    img = np.full((100, 200, 3), 255, np.uint8)
    word = Word(60, 30, 120, 70, first, 0.6)
    (out,) = read_garbled(img, [[CellBox(40, 20, 160, 80, True)]], [word])
    return out.text


def test_a_garbled_read_is_replaced_only_by_the_same_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _garbled(monkeypatch, "3特1稀", ("3.1", 0.86), ("31", 0.99)) == "31"  # the point is not taken
    assert _garbled(monkeypatch, "3特1稀", ("11", 0.9), ("3 1.", 0.8)) == "3特1稀"  # never another digit
    assert _garbled(monkeypatch, "O", ("0", 0.95)) == "0"
    assert _garbled(monkeypatch, "O", ("8", 0.99), ("B", 0.9)) == "O"


def _second(monkeypatch: pytest.MonkeyPatch, first: str, *reads: tuple[str, float]) -> tuple[str, float]:
    from pipelines.ocr import engine
    from pipelines.ocr.layout import second_reads

    monkeypatch.setattr(engine, "recognise", _Reads(*reads))
    img = np.full((100, 200, 3), 255, np.uint8)
    ((text, conf),) = second_reads(img, [(60, 30, 120, 70)], [first])
    return text, conf


def test_a_second_read_is_read_black_and_white_only_to_drop_marks_or_gain_confidence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _second(monkeypatch, "31", ("3特1", 0.8), ("31", 0.99)) == ("31", 0.99)
    assert _second(monkeypatch, "67", ("6.7", 0.95), ("67", 0.99)) == ("6.7", 0.95)  # a point may be decimal
    assert _second(monkeypatch, "0", ("0", 0.66), ("0", 0.97)) == ("0", 0.97)
    assert _second(monkeypatch, "0", ("0", 0.66), ("8", 0.99), ("6", 0.9)) == ("0", 0.66)  # never flipped
    assert _second(monkeypatch, "31", ("38", 0.9), ("31", 0.99)) == ("38", 0.9)  # a disagreement stays one
