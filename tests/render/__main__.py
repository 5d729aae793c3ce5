"""Write every rendered variant of every fixture truth into tests/corpus/fixtures/."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.fixture_layout import FIXTURES, load_truth  # noqa: E402

BASES = ("fixture2021", "fixture2019")


def main() -> None:
    raw = FIXTURES / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        module = importlib.import_module(f"tests.render.{info.name}")
        for variant, (ext, render) in getattr(module, "VARIANTS", {}).items():
            for base in BASES:
                truth = load_truth(base)
                name = f"{base}__{info.name}_{variant}"
                (raw / f"{name}.{ext}").write_bytes(render(truth))
                (FIXTURES / "truth" / f"{name}.json").write_text(
                    json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
                print(f"wrote {name}.{ext}")


if __name__ == "__main__":
    main()
