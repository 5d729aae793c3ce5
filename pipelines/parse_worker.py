"""What a parse worker process runs: kept free of Dagster/DuckDB imports so spawned workers start fast."""

from __future__ import annotations

from pathlib import Path

from .model import ParsedReport, ParseError
from .parsing import parse_file


def parse_one(path: str) -> tuple[ParsedReport | None, str | None]:
    """(report, None) or (None, one-line reason); never raises."""
    try:
        return parse_file(Path(path)), None
    except ParseError as exc:
        return None, exc.reason
    except Exception as exc:  # a parser bug on one file must not stop the run
        text = " ".join(str(exc).split())[:300]
        return None, f"parser error {type(exc).__name__}: {text}" if text else f"parser error {type(exc).__name__}"
