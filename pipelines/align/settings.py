"""Every threshold of the aligner, named in one place (pdfplumber's `TableSettings` is the model).

A layout the aligner misreads is diagnosed with `ogi parse FILE --grid` and fixed by a general
mechanism; a setting changes only where a measured corpus says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AlignSettings:
    # ---- title and year
    title_window_chars: int = 3000  # text searched for the title when section 一 is not found
    agency_max_chars: int = 40  # a longer "agency" is page furniture, not a name
    # ---- section headings
    heading_max_chars: int = 30  # a heading row says little else (a run-in heading needs its numeral)
    heading_max_cells: int = 2
    run_in_headings: bool = True  # "……如下。二、主动公开政府信息情况" opens section 二 mid-line
    # ---- row labels
    label_min_score: float = 2.0  # characters of a template spelling a label must match
    label_margin: float = 0.5  # the best row must beat the runner-up by this many characters
    fuzzy_min_chars: int = 4  # shorter labels match exactly or by containment only
    fuzzy_min_ratio: float = 0.8  # similarity (0-1) for a typo'd label ("其他法律行政止公开")
    fuzzy_weight: float = 0.9  # a fuzzy match counts for less than an exact one of the same length
    header_words_min: int = 2  # this many header words in a row make it header text, not a label
    # ---- placement
    values_on_next_lines: bool = True  # a row's values continued below its label (one value per line,
    #                                    总计 alone on the next line), only between its template neighbours
    place_by_order: bool = True  # value rows without labels placed in template order, only where their
    #                              count fills the gap exactly and the table's identities confirm every value
    identity_tolerance: float = 1e-6
    infer_zero_outcomes: bool = True  # a 0 （七）总计 makes a zero-only row's unplaced cells 0 (inferred)
    # ---- absence (R09 needs proof)
    absence_needs_neighbours: bool = True  # "not printed" only between the row's found template neighbours
    absence_max_run: int = 3  # more rows missing in a run is a reading failure, not dropped items
    absence_max_edge_run: int = 1  # at a table's first or last row, where one side is the header or the end


DEFAULT_SETTINGS = AlignSettings()
