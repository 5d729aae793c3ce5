"""The one representation every format reduces to: a document as rows of cells.

A format reader produces a `Grid`: the document's rows in reading order (narrative lines
and table rows alike), each a list of cells with their text, column position and source
location. The aligner maps any grid onto the template; no format aligns on its own.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from operator import attrgetter
from typing import SupportsIndex

from .limits import MAX_GRID_ROWS
from .model import ParseError
from .template import (
    BLANK_TOKENS,
    LABEL_VARIANTS,
    PAGE_PREFIX,
    PAGE_WORD,
    PAGES_TOTAL_WORD,
    REPORT_NAME,
    REPORT_NAME_ENDINGS,
    REPORT_NAME_OPTIONAL_WORDS,
    SIGN_WORDS,
    VALUE_UNITS,
)


@dataclass(slots=True)  # (no instance dict: a report makes hundreds of cells, the aligner reads them often)
class Cell:
    text: str
    col: int  # first grid column the cell covers
    source: str  # "line 57 field 3", "page 3 table 2 row 5 col 4", …
    span: int = 1  # grid columns the cell covers (HTML/DOCX colspan, merged PDF boxes)


# A cell's text, for map(): the aligner's per-cell loops run in C rather than in bytecode.
cell_text = attrgetter("text")


def filled(cells: list[Cell]) -> list[Cell]:
    """The cells that print something: [c for c in cells if c.text.strip()], the loop run in C."""
    return list(compress(cells, map(str.strip, map(cell_text, cells))))


@dataclass(slots=True)
class GridRow:
    cells: list[Cell]
    # True when every cell is a real cell box (PDF ruling lines, HTML <td>, DOCX cells): an
    # empty cell is then a blank cell. False for text split on tabs or gaps, where an empty
    # field may be a layout artefact (a merged label spilling over), so it proves nothing.
    positional: bool
    source: str = ""

    @property
    def text(self) -> str:
        return " ".join(filter(None, map(cell_text, self.cells)))  # (the filled cells' texts)


class RowList(list):  # type: ignore[type-arg]
    """A reader's rows, at most limits.MAX_GRID_ROWS: a file that reads as more rows than any report
    has stops its reader there (ParseError), before its rows fill the memory."""

    def append(self, row: GridRow) -> None:
        if len(self) >= MAX_GRID_ROWS:
            raise ParseError(too_many_rows_reason())
        super().append(row)

    def extend(self, rows: Iterable[GridRow]) -> None:
        for row in rows:
            self.append(row)

    def insert(self, index: SupportsIndex, row: GridRow) -> None:
        if len(self) >= MAX_GRID_ROWS:
            raise ParseError(too_many_rows_reason())
        super().insert(index, row)


def too_many_rows_reason() -> str:
    return (
        f"the file reads as more than {MAX_GRID_ROWS:,} rows, the most a report may have "
        "(limits.MAX_GRID_ROWS): not a report"
    )


@dataclass
class Grid:
    rows: list[GridRow] = field(default_factory=RowList)
    # The document's plain text in reading order, for the title, year and template.
    text: str = ""


# ---------------------------------------------------------------- cell text

_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {
        "．": ".",
        "－": "-",
        "＋": "+",
        "，": ",",
        "／": "/",
        "﹣": "-",
        "−": "-",
    }
)

# (char, replacement) of _FULLWIDTH: str.translate looks every character of a Chinese text up in a
# dict, while a replace per pair present scans at C speed (no value holds a key: same result).
_FULLWIDTH_PAIRS = tuple((chr(k), v) for k, v in _FULLWIDTH.items())


def _ascii_forms(text: str) -> str:
    """text.translate(_FULLWIDTH), faster on long texts."""
    if text.isascii():
        return text  # (every key of _FULLWIDTH is non-ASCII)
    for char, ascii_form in _FULLWIDTH_PAIRS:
        if char in text:
            text = text.replace(char, ascii_form)
    return text


def _no_spaces(text: str) -> str:
    r"""re.sub(r"\s+", "", text): str.split() splits on exactly the characters \s matches."""
    return "".join(text.split())


# The text functions below are pure and called for every cell many times over; a city repeats the
# same labels and values in every report, so their results are kept (bounded).
_memo = lru_cache(maxsize=1 << 16)


def one_of(words: tuple[str, ...] | list[str]) -> str:
    """A regex alternation of literal words, longest first (减少 before 减)."""
    return "(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"


def spaced(word: str) -> str:
    """A regex of a literal word with whitespace allowed between its characters (text wraps anywhere)."""
    return r"\s*".join(re.escape(c) for c in word)


# "…政府信息公开工作年度报告" and its variants (template.REPORT_NAME_*), whitespace anywhere.
REPORT_NAME_PATTERN = (
    spaced(REPORT_NAME)
    + "".join(rf"\s*(?:{spaced(w)})?" for w in REPORT_NAME_OPTIONAL_WORDS)
    + r"\s*(?:"
    + "|".join(spaced(e) for e in REPORT_NAME_ENDINGS)
    + ")"
)

# The sign may be written out, as 2019's 本年增/减 column sometimes is: "增加2", "减少3", "减1".
_NUMBER = re.compile(
    rf"^([+-]|{one_of(tuple(SIGN_WORDS))})?(\d+(?:,\d{{3}})*(?:\.\d+)?){one_of(VALUE_UNITS)}?"
    r"(?:[（(][^）)]*[）)])?$"
)
_NEGATIVE = ("-", *(w for w, sign in SIGN_WORDS.items() if sign < 0))


_SPLIT_DIGITS = re.compile(r"\d\s+[\d.]|\.\s+\d")


def clean_once(text: str | None) -> str:
    """NFKC-normalised text with all whitespace removed (cells wrap lines anywhere). Not kept: for
    a text seen once, such as a whole report's (kept, a long parse worker would hold thousands)."""
    if not text:
        return ""
    return _no_spaces(_ascii_forms(unicodedata.normalize("NFKC", text)))


clean = _memo(clean_once)  # cells and labels: a city prints the same ones in every report


@_memo
def is_blank_token(text: str | None) -> bool:
    return clean(text) in BLANK_TOKENS


@_memo
def parse_number(text: str | None) -> float | None:
    """The number a value cell prints, or None when the text is not a number.

    Accepts full-width digits, a sign (or 增加/减少), thousands separators, a unit or a
    parenthetical note glued on ("251000元", "22（其中修订16件）").
    """
    if text and _SPLIT_DIGITS.search(unicodedata.normalize("NFKC", text)):
        return None  # "1 2" may be two cells run together, or one number wrapped: not certain
    t = clean(text)
    m = _NUMBER.match(t)
    if not m:
        return None
    value = float(m.group(2).replace(",", ""))
    return -value if m.group(1) in _NEGATIVE else value


# Digits with spaces, commas or points between them and an optional sign: a value, even where it
# cannot be read as one number ("1 2"); a date ("2021-03-02") or a time is not.
_NUMERIC_LOOKING = re.compile(r"[+\-]?\s*\d[\d\s.,]*")


_PAGE_MARK = re.compile(
    rf"^(?:[-—–－~]\s*\d{{1,3}}\s*[-—–－~]|{PAGE_PREFIX}\s*\d{{1,3}}\s*{PAGE_WORD}"
    rf"(?:\s*/?\s*{PAGES_TOTAL_WORD}\s*\d{{1,3}}\s*{PAGE_WORD})?"
    rf"|\d{{1,3}}\s*/\s*{PAGES_TOTAL_WORD}?\s*\d{{1,3}}\s*{PAGE_WORD}?)$"
)


@_memo
def is_page_mark(text: str | None) -> bool:
    """ "- 4 -", "第4页", "4/5": a page number printed into the text, never a value."""
    return bool(_PAGE_MARK.match(unicodedata.normalize("NFKC", text or "").strip()))


@_memo
def is_value_token(text: str | None) -> bool:
    """A cell that holds a value (readable or not), as opposed to a label."""
    if is_page_mark(text):
        return False
    if is_blank_token(text) or parse_number(text) is not None:
        return True
    return bool(_NUMERIC_LOOKING.fullmatch(unicodedata.normalize("NFKC", text or "").strip()))


# Two or more spaces (or a full-width space run) separate cells in space-aligned text.
_SPACE_SPLIT = re.compile(r"(?: {2,}|\u3000+)")


def text_fields(line: str) -> list[str]:
    """_text_fields(line) as a list of its own, kept for lines of a table's length (a city prints
    the same lines in every report; a long paragraph is not worth keeping)."""
    if len(line) > 500:
        return list(_text_fields.__wrapped__(line))
    return list(_text_fields(line))


@_memo
def _text_fields(line: str) -> tuple[str, ...]:
    """A line of text without cell boxes split into its fields: at runs of two or more spaces,
    and, within a field, a trailing run of values separated by single spaces ("二、上年结转… 8 9 0 7",
    "0 0 — 0 0 0 0" as a converter prints a table row) is split into one field per value. A
    label keeps its own spaces; a lone "1 2" stays one field only where it is one of the
    line's cells (tab-separated text never comes here)."""
    out: list[str] = []
    for text in _SPACE_SPLIT.split(line.strip()) if line.strip() else [""]:
        tokens = text.split(" ")
        if len(tokens) < 2 or is_page_mark(text):
            out.append(text)
            continue
        n = 0
        while n < len(tokens) and tokens[-1 - n] and is_value_token(tokens[-1 - n]):
            n += 1
        label = " ".join(tokens[: len(tokens) - n]).strip()
        if n == 0 or (label and is_value_token(label)):
            out.append(text)
        else:
            out.extend([label] if label else [])
            out.extend(tokens[len(tokens) - n :])
    return tuple(out)


_PUNCT = re.compile(r"[\s,，、。.．:：;；'\"“”‘’()（）\[\]【】《》<>〈〉\-—–_/／·•]+")
_NUMBERING = re.compile(r"^(?:[（(]?[一二三四五六七八九十]+[)）、.．]|[（(]?\d{1,2}[)）、.．])+")
_CIRCLED = re.compile(r"^\s*[①-⑳]")


@_memo
def is_numbered(text: str | None) -> bool:
    """The label starts with an item number: "（七）", "3.", "一、"."""
    t = _ascii_forms(unicodedata.normalize("NFKC", text or ""))
    return bool(_NUMBERING.match(_no_spaces(t)))


@_memo
def label_key(text: str | None) -> str:
    """A label reduced for matching: no numbering prefix, punctuation or whitespace."""
    t = _CIRCLED.sub("", text or "")  # ③ (NFKC would make it a bare 3)
    t = _no_spaces(_ascii_forms(unicodedata.normalize("NFKC", t)))
    t = _NUMBERING.sub("", t)
    for variant, canonical in LABEL_VARIANTS.items():
        t = t.replace(variant, canonical)
    return _PUNCT.sub("", t)
