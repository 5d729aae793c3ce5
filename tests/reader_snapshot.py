"""Snapshot of what the readers and the aligner make of every input, to prove a reader rewrite
changes nothing: `python -m tests.reader_snapshot OUT.jsonl [DIR ...]` writes, per file, its format,
the grid (every row and cell: text, column, span, source), the canonical JSON and the aligner's
trace (`ogi parse --grid`), or the ParseError reason; `--compare A B` lists the files that differ.

Inputs: tests/corpus/*/raw, data/raw (the real reports), any DIR given (a generated city), and
the mutated files of the fuzzer (`--fuzz N`: seeds 0..N-1; only those the old code reads matter,
an unreadable mutation may fail with another reason).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _inputs(dirs: list[Path], formats: set[str] | None) -> list[tuple[str, bytes]]:
    from pipelines.parsing import sniff_format

    roots = [
        *sorted((REPO / "tests" / "corpus").glob("*/raw")),
        REPO / "data" / "raw",
        *dirs,
    ]
    out = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.suffix in (".csv", ".json"):
                continue
            data = path.read_bytes()
            if formats and sniff_format(data, path.name) not in formats:
                continue
            out.append((str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path), data))
    return out


def snapshot(name: str, data: bytes) -> dict:
    from pipelines.align import align_traced, format_trace
    from pipelines.model import ParseError
    from pipelines.parsing import read_grid, sniff_format

    fmt = sniff_format(data, Path(name).name)
    rec: dict = {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "format": fmt}
    try:
        grid = read_grid(data, fmt)
    except ParseError as exc:
        rec["read_error"] = exc.reason
        return rec
    rec["grid"] = [[r.source, r.positional, [[c.text, c.col, c.span, c.source] for c in r.cells]] for r in grid.rows]
    rec["text"] = grid.text
    try:
        report, lines = align_traced(grid, fmt)
    except ParseError as exc:
        rec["align_error"] = exc.reason
        return rec
    rec["json"] = json.dumps(report.to_json(), ensure_ascii=False, indent=1)
    rec["trace"] = format_trace(lines)
    return rec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--formats", default="", help="comma-separated formats to keep (default: all)")
    ap.add_argument("--fuzz", type=int, default=0)
    ap.add_argument("--compare", type=Path, help="compare OUT with this older snapshot")
    args = ap.parse_args()
    if args.compare:
        old = {r["file"]: r for r in map(json.loads, args.compare.read_text().splitlines())}
        new = {r["file"]: r for r in map(json.loads, args.out.read_text().splitlines())}
        diff = [f for f in old if f in new and old[f] != new[f]]
        missing = sorted(set(old) ^ set(new))
        for f in diff:
            keys = [k for k in set(old[f]) | set(new[f]) if old[f].get(k) != new[f].get(k)]
            print(f"DIFF {f}: {', '.join(sorted(keys))}")
        for f in missing:
            print(f"MISSING {f}")
        print(f"{len(old)} old, {len(new)} new, {len(diff)} differ, {len(missing)} missing")
        sys.exit(1 if diff or missing else 0)
    formats = set(filter(None, args.formats.split(","))) or None
    items = _inputs(args.dirs, formats)
    if args.fuzz:
        from tests.fuzz import mutate

        for seed in range(args.fuzz):
            inp = mutate(seed)
            if formats is None or inp.fmt in formats:
                items.append((f"fuzz/{seed}/{inp.source.name}.{inp.fmt}", inp.data))
    with args.out.open("w") as f:
        for name, data in items:
            f.write(json.dumps(snapshot(name, data), ensure_ascii=False) + "\n")
    print(f"{len(items)} files → {args.out}")


if __name__ == "__main__":
    main()
