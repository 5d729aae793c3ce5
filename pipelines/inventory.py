"""Which files under the raw folder are reports (light module: bench and parse workers import it)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

AGENCIES_CSV = "agencies.csv"
PUBLICATIONS_CSV = "publications.csv"
DEFECTS_CSV = "defects.csv"
# Metadata files at any depth (docs/monitoring.md), and folders of generator truth: never reports.
METADATA_FILES = frozenset({AGENCIES_CSV, PUBLICATIONS_CSV, DEFECTS_CSV})
TRUTH_DIR = "truth"


def _visible(rel: Path) -> bool:
    return not any(part.startswith(".") for part in rel.parts)


def raw_files(raw_dir: Path) -> Iterator[Path]:
    """Every report file under raw_dir (recursive): hidden files/folders, the metadata csv files
    (agencies.csv, publications.csv, defects.csv) and everything under a `truth/` folder excluded."""
    for path in sorted(raw_dir.rglob("*")):
        rel = path.relative_to(raw_dir)
        if not path.is_file() or not _visible(rel):
            continue
        if rel.name in METADATA_FILES or TRUTH_DIR in rel.parts[:-1]:
            continue
        yield path


def metadata_files(raw_dir: Path, name: str) -> Iterator[Path]:
    """Every visible file called `name` under raw_dir (recursive), in path order."""
    for path in sorted(raw_dir.rglob(name)):
        rel = path.relative_to(raw_dir)
        if path.is_file() and _visible(rel) and TRUTH_DIR not in rel.parts[:-1]:
            yield path
