"""Which template row a label names, and which words are header text: the template's spellings.

Labels are compared as `label_key` (numbering, punctuation and whitespace removed). A label
names a row when it holds one of the row's spellings (the longest match wins, by a margin),
when it is a long enough part of one, or, for a typo, when it is similar enough; the other
rows must score clearly lower, otherwise the label names nothing.
"""

from __future__ import annotations

from difflib import SequenceMatcher
from functools import lru_cache

from ..grid import Cell, label_key
from ..template import HEADER_WORDS, REQUEST_GROUP_LABELS, STRUCTURE_LABELS, TEMPLATES, Row, Table
from .settings import AlignSettings


class RowMatcher:
    """Label → template row for one table of one template version."""

    def __init__(self, table: Table, settings: AlignSettings) -> None:
        self.table = table
        self.settings = settings
        self.spellings: list[tuple[Row, str]] = [(r, label_key(m)) for r in table.rows for m in r.match]
        words = {label_key(w) for w in HEADER_WORDS.get(table.key, ())}
        for r in table.rows:
            for c in r.columns:
                words |= {label_key(a) for a in (c.label, *c.aliases)}
        self.header_words = frozenset(w for w in words if w)
        self.structure = frozenset(label_key(s) for s in STRUCTURE_LABELS) | frozenset(REQUEST_GROUP_LABELS)

    # ------------------------------------------------------------ rows

    def match(self, labels: list[Cell], group: str | None) -> Row | None:
        """The row the labels name, or None when no row is named with certainty."""
        best: tuple[float, Row | None] = (0.0, None)
        runner_up = 0.0
        for cell in labels:
            key = label_key(cell.text)
            if not key:
                continue
            for row in self.table.rows:
                score = max(self._score(key, m, row, group) for r, m in self.spellings if r is row)
                if score > best[0]:
                    if best[1] is not row:
                        runner_up = best[0]
                    best = (score, row)
                elif score > runner_up and row is not best[1]:
                    runner_up = score
        score, row = best
        if row is None or score < self.settings.label_min_score or score - runner_up < self.settings.label_margin:
            return None
        return row

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
            ratio = _ratio(key, spelling)
            if ratio >= s.fuzzy_min_ratio:
                return ratio * len(spelling) * s.fuzzy_weight
        return 0.0

    def mentioned_rows(self, text: str) -> set[str]:
        """Rows whose spelling the text contains (or nearly): evidence a row is printed there."""
        key = label_key(text)
        out: set[str] = set()
        if len(key) < 2:
            return out
        for row, spelling in self.spellings:
            if len(spelling) < 3:
                continue  # 其他, 总计, 规章: too short to prove anything inside other text
            if spelling in key or (len(key) >= self.settings.fuzzy_min_chars and key in spelling):
                out.add(row.key)
            elif len(key) >= self.settings.fuzzy_min_chars and _ratio(key, spelling) >= self.settings.fuzzy_min_ratio:
                out.add(row.key)
        return out

    # ------------------------------------------------------------ header and structure words

    def is_header_word(self, text: str) -> bool:
        key = label_key(text)
        return bool(key) and key in self.header_words

    def is_structure(self, text: str) -> bool:
        """A group label, block heading or other label-only line that names no row."""
        key = label_key(text)
        return bool(key) and any(key == w or (w in key and len(key) <= len(w) + 2) for w in self.structure)


def request_group(text: str) -> str | None:
    """The outcome group a group label names ("（三）不予公开" → denied), None otherwise."""
    key = label_key(text)
    for label, group in REQUEST_GROUP_LABELS.items():
        if label in key and len(key) <= len(label) + 2:
            return group
    return None


@lru_cache(maxsize=65536)
def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


@lru_cache(maxsize=16)
def matcher(version: str, table: str, settings: AlignSettings) -> RowMatcher:
    return RowMatcher(TEMPLATES[version].table(table), settings)
