"""Parse throughput per format on one core, and peak memory, over data/raw (`make bench`)."""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path

from .inventory import raw_files
from .model import ParseError
from .parsing import parse_file, sniff_format


def bench(raw_dirs: list[Path], repeat: int) -> str:
    seconds: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)
    for path in (p for d in raw_dirs for p in raw_files(d)):
        fmt = sniff_format(path.read_bytes(), path.name)
        for _ in range(repeat):
            start = time.perf_counter()
            try:
                parse_file(path)
            except ParseError:
                failed[fmt] += 1
            seconds[fmt] += time.perf_counter() - start
            counts[fmt] += 1
    lines = [f"{'format':<10}{'parses':>8}{'failed':>8}{'seconds':>10}{'reports/s':>11}"]
    for fmt in sorted(counts):
        rate = counts[fmt] / seconds[fmt] if seconds[fmt] else float("inf")
        lines.append(f"{fmt:<10}{counts[fmt]:>8}{failed[fmt]:>8}{seconds[fmt]:>10.2f}{rate:>11.1f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is KiB on Linux
    lines.append(f"peak memory (max RSS): {peak_mb:.0f} MiB")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    root = Path(__file__).resolve().parent.parent
    # The real reports plus the test corpus, which holds every format the parser reads.
    ap.add_argument("raw_dirs", nargs="*", type=Path,
                    default=[root / "data" / "raw", root / "tests" / "corpus" / "fixtures" / "raw"])
    ap.add_argument("--repeat", type=int, default=3, help="parses per file (timings are summed)")
    args = ap.parse_args()
    print(bench(args.raw_dirs, args.repeat))


if __name__ == "__main__":
    main()
