"""Shared fixtures: the repository paths and a scratch copy of data/raw."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
RAW_DIR = REPO_ROOT / "data" / "raw"
REAL_REPORTS = ("hzq2023.pdf", "hzq2024.pdf", "szfgs2024.pdf", "xianfeng2021.txt")


def copy_raw(dest: Path) -> Path:
    """A private copy of the real reports and the agency registry (tests never touch data/raw)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in REAL_REPORTS:
        shutil.copy2(RAW_DIR / name, dest / name)
    shutil.copy2(RAW_DIR / "agencies.csv", dest / "agencies.csv")
    return dest


@pytest.fixture(scope="module")
def raw_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_raw(tmp_path_factory.mktemp("raw"))
