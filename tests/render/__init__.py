"""Renderers of the fixture corpus: one module per format, each exposing VARIANTS.

`python -m tests.render` (from the repo root) writes tests/corpus/fixtures/raw/NAME.ext and
truth/NAME.json for every variant of every fixture truth. A variant is a function
(truth: dict) -> bytes plus a file extension; the truth of a rendered file is the fixture
truth it was rendered from (base name before the first "__").
"""
