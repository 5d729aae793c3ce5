"""Which template row a label names, and which words are header text: the template's spellings.

Labels are compared as `label_key` (numbering, punctuation and whitespace removed). A label
names a row when it holds one of the row's spellings (the longest match wins, by a margin),
when it is a long enough part of one, or, for a typo, when it is similar enough; the other
rows must score clearly lower, otherwise the label names nothing.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from rapidfuzz.distance import LCSseq

from ..grid import Cell, is_numbered, label_key
from ..template import HEADER_WORDS, REQUEST_GROUP_LABELS, STRUCTURE_LABELS, TEMPLATES, Row, Table
from .settings import AlignSettings


class RowMatcher:
    """Label → template row for one table of one template version."""

    def __init__(self, table: Table, settings: AlignSettings) -> None:
        self.table = table
        self.settings = settings
        # the row's match spellings and its full template label (a wrapped fragment of a long
        # label, "只计这一情形，不计其他情形）", is part of the label, not of the short spelling)
        self.spellings: list[tuple[Row, str]] = list(
            dict.fromkeys(
                (r, key) for r in table.rows for key in [*(label_key(m) for m in r.match), label_key(r.label)] if key
            )
        )
        words = {label_key(w) for w in HEADER_WORDS.get(table.key, ())}
        for r in table.rows:
            for c in r.columns:
                words |= {label_key(a) for a in (c.label, *c.aliases)}
        self.header_words = frozenset(w for w in words if w)
        self.by_row: list[tuple[Row, list[str]]] = [
            (r, [m for row, m in self.spellings if row is r]) for r in table.rows
        ]
        # (label key, group) → each row's score: a city prints the same labels in every report
        self._scores: dict[tuple[str, str | None], list[tuple[Row, float]]] = {}
        self._header_word: dict[str, bool] = {}  # text → is_header_word(text)
        self._mentioned: dict[str, frozenset[str]] = {}  # text → mentioned_rows(text)
        self._structure: dict[str, bool] = {}  # text → is_structure(text)
        self._matched: dict[tuple[str | tuple[str, ...], str | None], tuple[Row | None]] = {}  # → match
        self.structure = frozenset(label_key(s) for s in STRUCTURE_LABELS) | frozenset(REQUEST_GROUP_LABELS)

    # ------------------------------------------------------------ rows

    def match(self, labels: list[Cell], group: str | None) -> Row | None:
        """The row the labels name, or None when no row is named with certainty.

        Each label cell is read whole and by its space-separated parts (a text line prints a
        group label and an item label in one field: "三、本年度办理结果 1.本机关不掌握相关政府").
        A group label (（三）不予公开) names no row while any other label is beside it."""
        # the result is kept per (the cells' texts, group): a pure function of them
        texts: str | tuple[str, ...] = labels[0].text if len(labels) == 1 else tuple(c.text for c in labels)
        hit = self._matched.get((texts, group))
        if hit is None:
            if len(self._matched) > 50_000:
                self._matched.clear()  # bounded: a worker parses thousands of reports
            hit = self._matched[(texts, group)] = (self._match_texts(label_parts(labels), group),)
        return hit[0]

    def _match_texts(self, texts: list[str], group: str | None) -> Row | None:
        items = [t for t in texts if not request_group(t)]
        best: tuple[float, Row | None] = (0.0, None)
        runner_up = 0.0
        for text in items or texts:
            key = label_key(text)
            if not key:
                continue
            for row, score in self._row_scores(key, group):
                if score > best[0]:
                    if best[1] is not row:
                        runner_up = best[0]
                    best = (score, row)
                elif score > runner_up and row is not best[1]:
                    runner_up = score
        best_score, best_row = best
        if (
            best_row is None
            or best_score < self.settings.label_min_score
            or best_score - runner_up < self.settings.label_margin
        ):
            return None
        return best_row

    def _row_scores(self, key: str, group: str | None) -> list[tuple[Row, float]]:
        """Each row's score for the label key, in template order, rows scoring 0 left out (a 0
        changes neither the best score nor the runner-up's in `match`)."""
        scores = self._scores.get((key, group))
        if scores is None:
            if len(self._scores) > 50_000:
                self._scores.clear()  # bounded: a worker parses thousands of reports
            scores = []
            for row, spellings in self.by_row:
                score = max((self._score(key, m, row, group) for m in spellings), default=0.0)
                if score > 0.0:
                    scores.append((row, score))
            self._scores[(key, group)] = scores
        return scores

    def _score(self, key: str, spelling: str, row: Row, group: str | None) -> float:
        """How strongly a label names a row: the length of the template text it matches."""
        s = self.settings
        if spelling == "其他":
            # （六）3.其他 is "其他" with nothing else, and only under the （六） group.
            return 2.5 if key == "其他" and group == "other" else 0.0
        if spelling in key:
            return float(len(spelling))
        if len(key) >= s.fuzzy_min_chars and key in spelling:
            return float(len(key))
        if len(key) >= s.fuzzy_min_chars and len(spelling) >= s.fuzzy_min_chars:
            ratio = _ratio_at_least(key, spelling, s.fuzzy_min_ratio)
            if ratio >= s.fuzzy_min_ratio:
                return ratio * len(spelling) * s.fuzzy_weight
        return 0.0

    def complete(self, row: Row, labels: list[Cell]) -> bool:
        """The labels print one of the row's spellings whole (not a wrapped fragment of it)."""
        keys = [label_key(t) for t in label_parts(labels)]
        return any(spelling in key for key in keys for r, spelling in self.spellings if r is row)

    def extends(self, row: Row, upper: str, joined: str) -> bool:
        """The joined label reads more of the row's label (or one of its spellings) than its upper
        part alone."""
        a, b = label_key(upper), label_key(joined)
        for spelling in [m for r, m in self.spellings if r is row] + [label_key(row.label)]:
            if spelling in b and spelling not in a:
                return True
            if b in spelling and len(b) > len(a):
                return True
        return False

    def mentioned_rows(self, text: str) -> frozenset[str]:
        """Rows whose spelling the text contains (or nearly): evidence a row is printed there.
        Kept per text: the finishing stage asks it of every item for every row left unplaced."""
        known = self._mentioned.get(text)
        if known is None:
            if len(self._mentioned) > 50_000:
                self._mentioned.clear()  # bounded: a worker parses thousands of reports
            known = self._mentioned[text] = frozenset(self._mentioned_rows(text))
        return known

    def _mentioned_rows(self, text: str) -> set[str]:
        key = label_key(text)
        out: set[str] = set()
        if len(key) < 2:
            return out
        for row, spelling in self.spellings:
            if len(spelling) < 3:
                continue  # 其他, 总计, 规章: too short to prove anything inside other text
            if (
                spelling in key
                or (len(key) >= self.settings.fuzzy_min_chars and key in spelling)
                or (
                    len(key) >= self.settings.fuzzy_min_chars
                    and _ratio_at_least(key, spelling, self.settings.fuzzy_min_ratio) >= self.settings.fuzzy_min_ratio
                )
            ):
                out.add(row.key)
        return out

    # ------------------------------------------------------------ header and structure words

    def is_header_word(self, text: str) -> bool:
        """A column's name (自然人, 总计, 结果维持 …), or several separated by spaces ("自然人 法人或其他组织
        总计" on one text line); a numbered label ("（七）总计", "3.其他") is a row's."""
        known = self._header_word.get(text)
        if known is None:
            if len(self._header_word) > 50_000:
                self._header_word.clear()  # bounded: a worker parses thousands of reports
            parts = text.split()
            known = self._header_word[text] = bool(parts) and all(
                (key := label_key(p)) and key in self.header_words and not is_numbered(p) for p in parts
            )
        return known

    def header_word_count(self, cells: list[Cell]) -> int:
        return sum(len(c.text.split()) for c in cells if self.is_header_word(c.text))

    def is_structure(self, text: str) -> bool:
        """A group label, block heading or other label-only line that names no row; or a piece of
        one up to three characters long (a tall vertical label, 三、本年度办理结果, prints a
        character or two on each of the rows beside it: "本年" / "度办" / "理结")."""
        known = self._structure.get(text)
        if known is None:
            if len(self._structure) > 50_000:
                self._structure.clear()  # bounded: a worker parses thousands of reports
            key = label_key(text) or re.sub(r"\s+", "", text or "").strip("、.．,，")
            known = self._structure[text] = bool(key) and any(
                key == w or (w in key and len(key) <= len(w) + 2) or (len(key) <= 3 and key in w)
                for w in self.structure
            )
        return known


# Fields of a text line are separated by spaces; a line break inside a cell is a wrapped label.
FIELD_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def label_parts(labels: list[Cell]) -> list[str]:
    """Each label cell's text, and its space-separated parts when it has several."""
    out: list[str] = []
    for c in labels:
        out.append(c.text)
        parts = FIELD_SPACES.split(c.text.strip())
        if len(parts) > 1:
            out.extend(parts)
    return out


@lru_cache(maxsize=1 << 16)  # a pure function of the text: a city prints the same labels in every report
def request_group(text: str) -> str | None:
    """The outcome group a group label names ("（三）不予公开" → denied), None otherwise."""
    key = label_key(text)
    for label, group in REQUEST_GROUP_LABELS.items():
        if label in key and len(key) <= len(label) + 2:
            return group
    return None


def _ratio_at_least(a: str, b: str, min_ratio: float) -> float:
    """SequenceMatcher(None, a, b).ratio(), or 0.0 where an upper bound of it proves it below
    min_ratio (the callers then see no match either way). The bounds are difflib's own
    real_quick_ratio (the lengths) and the longest common subsequence, which no set of matching
    blocks exceeds: 2·LCS/(len a + len b) ≥ the ratio, computed the way difflib computes it."""
    total = len(a) + len(b)
    if 2.0 * min(len(a), len(b)) / total < min_ratio:
        return 0.0
    if 2.0 * LCSseq.similarity(a, b) / total < min_ratio:
        return 0.0
    return _ratio(a, b)


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def matcher(version: str, table: str, settings: AlignSettings) -> RowMatcher:
    """The RowMatcher of a template table under these settings, kept per settings object (hashing
    the frozen settings for an lru_cache lookup costs more than the lookup saves)."""
    key = (version, table, id(settings))
    hit = _MATCHERS.get(key)
    if hit is not None and hit[0] is settings:
        return hit[1]
    if len(_MATCHERS) >= 16:
        _MATCHERS.clear()
    m = RowMatcher(TEMPLATES[version].table(table), settings)
    _MATCHERS[key] = (settings, m)
    return m


_MATCHERS: dict[tuple[str, str, int], tuple[AlignSettings, RowMatcher]] = {}
