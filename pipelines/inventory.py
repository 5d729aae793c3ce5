"""Which files under the raw folder are reports (light module: bench and parse workers import it)."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

AGENCIES_CSV = "agencies.csv"


def raw_files(raw_dir: Path) -> Iterator[Path]:
    """Every report file under raw_dir (recursive), hidden files/folders and the agency registry excluded."""
    for path in sorted(raw_dir.rglob("*")):
        rel = path.relative_to(raw_dir)
        if not path.is_file() or any(part.startswith(".") for part in rel.parts):
            continue
        if rel.as_posix() == AGENCIES_CSV:
            continue
        yield path
