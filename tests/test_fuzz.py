"""Mutation fuzzing in CI (tests/fuzz.py): a few thousand seeded mutations of the corpora through
`parse_bytes` in process, each with a time limit — 0 exceptions other than ParseError, 0 hangs.

OGI_FUZZ_INPUTS / OGI_FUZZ_FIRST_SEED run another campaign (`python -m tests.fuzz` too)."""

from __future__ import annotations

import os

from tests.fuzz import fuzz

INPUTS = int(os.environ.get("OGI_FUZZ_INPUTS", "2500"))
FIRST_SEED = int(os.environ.get("OGI_FUZZ_FIRST_SEED", "0"))


def test_mutated_corpus_files_never_crash_nor_hang() -> None:
    report = fuzz(INPUTS, FIRST_SEED, processes=2)
    print(
        f"fuzz: {report.inputs} inputs in {report.seconds:.1f} s, slowest {report.slowest[0]:.2f} s "
        f"(seed {report.slowest[1]}), {len(report.failures)} failures"
    )
    assert report.inputs == INPUTS
    assert not report.failures, "\n" + "\n".join(str(f) for f in report.failures)
