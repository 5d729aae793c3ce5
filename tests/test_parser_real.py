"""The parser against the hand-checked truth of real published reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.parsing import parse_file

ROOT = Path(__file__).resolve().parents[1]
TRUTH = ROOT / "tests" / "corpus" / "real" / "truth"
RAW = ROOT / "data" / "raw"
SCORED = ("proactive", "requests", "review_litigation")


def _raw_for(name: str) -> Path:
    matches = [p for p in RAW.iterdir() if p.stem == name]
    assert len(matches) == 1, f"no raw file for {name}"
    return matches[0]


@pytest.mark.parametrize("truth_path", sorted(TRUTH.glob("*.json")), ids=lambda p: p.stem)
def test_real_report_matches_truth(truth_path: Path) -> None:
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    got = parse_file(_raw_for(truth_path.stem)).to_json()
    assert got["report_year"] == truth["report_year"]
    assert got["template"] == truth["template"]
    assert got["agency"] == truth["agency"]
    mismatches = []
    n = 0
    for table in SCORED:
        for row, cols in truth[table].items():
            for col, expected in cols.items():
                n += 1
                actual = got[table].get(row, {}).get(col)
                if actual != expected:
                    mismatches.append(f"{table}.{row}.{col}: truth {expected}, parsed {actual}")
    assert n >= 190
    assert mismatches == []


def test_inferred_values_are_flagged() -> None:
    """xianfeng2021 prints six numbers for seven cells in two rows: placed only by inference, with warnings."""
    report = parse_file(RAW / "xianfeng2021.txt")
    inferred = [c for c in report.cells if c.status == "inferred"]
    assert {c.row for c in inferred} == {"partially_granted", "denied_state_secret"}
    for c in inferred:
        assert any(w.row == c.row and w.column == c.column and "inferred" in w.message for w in report.warnings)


def test_blank_review_block_is_blank_not_zero() -> None:
    report = parse_file(RAW / "xianfeng2021.txt")
    review = [c for c in report.cells if c.table == "review_litigation" and c.row == "review"]
    assert [c.status for c in review] == ["blank"] * 5
    assert all(c.value is None for c in review)


def test_printed_errors_are_kept_as_printed() -> None:
    """hzq2023 prints 行政复议 10, 1, 0, 0 with total 0: stored exactly, never corrected."""
    report = parse_file(RAW / "hzq2023.pdf")
    values = [
        report.cell("review_litigation", "review", c).value
        for c in ("upheld", "corrected", "other", "pending", "total")
    ]
    assert values == [10, 1, 0, 0, 0]
    assert report.cell("review_litigation", "review", "total").source.startswith("page 4 table 2")
