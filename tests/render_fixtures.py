"""Write every rendered variant of the hand-chosen fixture truths into tests/corpus/fixtures/.

Run from the repo root: `.venv/bin/python -m tests.render_fixtures`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.synth.render import variants

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "corpus" / "fixtures"
BASE_TRUTHS = TESTS / "fixture_truths"  # the hand-chosen data
BASES = ("fixture2021", "fixture2019")


def load_truth(name: str) -> dict[str, Any]:
    return json.loads((BASE_TRUTHS / f"{name}.json").read_text(encoding="utf-8"))


def main() -> None:
    (FIXTURES / "raw").mkdir(parents=True, exist_ok=True)
    for variant, (ext, render) in variants().items():
        for base in BASES:
            truth = load_truth(base)
            name = f"{base}__{variant}"
            (FIXTURES / "raw" / f"{name}.{ext}").write_bytes(render(truth))
            (FIXTURES / "truth" / f"{name}.json").write_text(
                json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
            print(f"wrote {name}.{ext}")


if __name__ == "__main__":
    main()
