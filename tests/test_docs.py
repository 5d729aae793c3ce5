"""The repository is self-contained and its README says what is there.

- No test, module, README or docs page needs a path outside the repository: `../shared` is named
  only as an optional extra tool (the scorer's twin, cross-checked when present), never as
  something to read.
- The README's Tests table lists every test module under its kind in tests/conftest.py.
- The README's Layout section names every top-level entry and every module of pipelines/.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.conftest import TEST_KINDS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
# Files allowed to name ../shared, each only as an optional tool beside the repository.
OPTIONAL_SHARED = {
    "README.md",
    "docs/contributing.md",
    "pipelines/score.py",
    "pipelines/truth_findings.py",
    "tests/test_score_corpora.py",
    "tests/test_docs.py",
}


def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        return out.splitlines()
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (an unpacked archive)
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file() and ".venv" not in p.parts]


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_nothing_reads_outside_the_repository() -> None:
    texts = [
        p
        for p in _tracked()
        if p.endswith((".py", ".md", ".toml", ".yml", ".yaml", ".sql", ".cfg")) or p in ("Makefile", ".ci/run")
    ]
    named = sorted(p for p in texts if "shared/" in (ROOT / p).read_text(encoding="utf-8", errors="replace"))
    assert set(named) <= OPTIONAL_SHARED, f"files naming ../shared: {sorted(set(named) - OPTIONAL_SHARED)}"
    for p in named:
        for line in (ROOT / p).read_text(encoding="utf-8").splitlines():
            if "shared/" in line and p != "tests/test_docs.py":
                assert "shared/spec" not in line and "shared/corpus" not in line, f"{p}: {line.strip()}"
    # Paths outside the repository in the tests: only the optional cross-check.
    for p in (ROOT / "tests").glob("*.py"):
        if p.name in ("test_score_corpora.py", "test_docs.py"):
            continue
        text = p.read_text(encoding="utf-8")
        assert not re.search(
            r"ROOT\.parent\b|\.parent\.parent\.parent|['\"]/work/|['\"]/home/|expanduser|\.\./shared", text
        ), f"{p.name} names a path outside the repository"


def test_readme_lists_every_test_module_by_kind() -> None:
    rows = [ln for ln in _section("Tests").splitlines() if ln.startswith("| `")]
    listed: dict[str, str] = {}
    for row in rows:
        kind = re.match(r"\| `(\w+)`", row)[1]  # type: ignore[index]
        for name in re.findall(r"`(test_[\w*]+)`", row):
            matches = [m for m in TEST_KINDS if re.fullmatch(name.replace("*", r"\w+"), m)]
            assert matches, f"README names {name}, which tests/conftest.py does not list"
            for m in matches:
                listed[m] = kind
    assert listed == TEST_KINDS


def test_readme_layout_matches_the_tree() -> None:
    layout = _section("Layout")
    tracked = _tracked()
    top = {p.split("/")[0] for p in tracked} - {".gitignore", "README.md"}
    missing = sorted(t for t in top if t not in layout)
    modules = {
        p.split("/")[1].removesuffix(".py") for p in tracked if p.startswith("pipelines/") and p.count("/") >= 1
    } - {"__init__"}
    missing += sorted(f"pipelines/{m}" for m in modules if not re.search(rf"\b{m}(\.py|/)", layout))
    docs = {p for p in tracked if p.startswith("docs/") and p.count("/") == 1}
    missing += sorted(d for d in docs if d not in layout)
    assert not missing, f"not in the README's Layout section: {missing}"
