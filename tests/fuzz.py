"""Mutation fuzzing of the parser: corpus files with bytes flipped, inserted, deleted, duplicated or
cut, through `parse_bytes` in process, each input with a time limit.

Every input is a pure function of its seed (`mutate(seed)`), so a failure is replayed with

    .venv/bin/python -m tests.fuzz --replay SEED

and a longer campaign than the test's is `python -m tests.fuzz --inputs 50000 --first-seed 100000`.
An input passes when it parses or raises ParseError (a one-line reason) within the time limit;
anything else — another exception, a hang, running out of memory — is a failure to fix in the reader.
"""

from __future__ import annotations

import argparse
import io
import logging
import multiprocessing
import os
import random
import re
import resource
import signal
import sys
import time
import traceback
import zipfile
import zlib
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
TIME_LIMIT_S = 10.0
MEMORY_LIMIT_BYTES = 2048 << 20
# Share of the inputs per format (PDFs parse ~10× slower than the rest, hence fewer of them).
FORMAT_WEIGHTS = {"pdf": 2, "docx": 3, "xlsx": 3, "html": 3, "markdown": 3, "text": 3}


@lru_cache(maxsize=1)
def seeds_files() -> tuple[tuple[str, Path], ...]:
    """(format, path) of every corpus file, the smaller PDFs only (speed), in a fixed order."""
    from pipelines.parsing import sniff_format

    out = []
    for path in sorted(CORPUS.glob("*/raw/*")):
        if not path.is_file():
            continue
        fmt = sniff_format(path.read_bytes(), path.name)
        if (fmt == "pdf" and path.stat().st_size > 100_000) or fmt == "image":
            continue  # scans and photos are OCR'd, seconds a page: fuzzed with OCR off below
        out.append((fmt, path))
    return tuple(out)


@cache
def _bytes(path: Path) -> bytes:
    return path.read_bytes()


_INTERESTING = [
    b"\x00",
    b"\xff",
    b"0",
    b"-1",
    b"9" * 12,
    b"\n",
    b"\t",
    b" ",
    b"<",
    b">",
    b"/",
    b"|",
    b"%",
    b"(",
    b")",
    b"[",
    b"]",
    b"<<",
    b">>",
    b"obj",
    b"endobj",
    b"stream",
    b"R",
    b"\xe5\xb9\xb4",
    b"&",
    b";",
    b"<table>",
    b"</td>",
    b'colspan="999999"',
    b"<w:tbl>",
    b'<c r="XFD1048576">',
    b"1e308",
    b"\xef\xbb\xbf",
    b"\r\n",
]


def _mutate_bytes(rng: random.Random, data: bytes, donor: bytes) -> tuple[bytes, str]:
    """One to three raw mutations of data; returns the new bytes and what was done."""
    buf = bytearray(data)
    steps: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        n = len(buf)
        op = rng.choice(("flip", "flip", "bits", "insert", "delete", "truncate", "duplicate", "interesting", "splice"))
        if n == 0:
            op = "insert"
        if op == "flip":
            k = rng.randint(1, 8)
            for _ in range(k):
                buf[rng.randrange(n)] = rng.randrange(256)
            steps.append(f"flip {k} bytes")
        elif op == "bits":
            i = rng.randrange(n)
            buf[i] ^= 1 << rng.randrange(8)
            steps.append(f"bit at {i}")
        elif op == "insert":
            i = rng.randint(0, n)
            chunk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
            buf[i:i] = chunk
            steps.append(f"insert {len(chunk)} at {i}")
        elif op == "delete":
            i = rng.randrange(n)
            k = rng.randint(1, max(1, min(n - i, 256)))
            del buf[i : i + k]
            steps.append(f"delete {k} at {i}")
        elif op == "truncate":
            i = rng.randrange(n)
            del buf[i:]
            steps.append(f"truncate at {i}")
        elif op == "duplicate":
            i = rng.randrange(n)
            k = rng.randint(1, max(1, min(n - i, 4096)))
            j = rng.randint(0, n)
            buf[j:j] = buf[i : i + k] * rng.choice((1, 1, 2, 8))
            steps.append(f"duplicate {k} from {i} to {j}")
        elif op == "interesting":
            i = rng.randrange(n)
            token = rng.choice(_INTERESTING)
            buf[i : i + rng.randint(0, len(token))] = token
            steps.append(f"token {token[:12]!r} at {i}")
        else:  # splice: a chunk of another file of the same format
            if not donor:
                continue
            i = rng.randrange(len(donor))
            k = rng.randint(1, min(len(donor) - i, 2048))
            j = rng.randint(0, n)
            buf[j : j + rng.randint(0, k)] = donor[i : i + k]
            steps.append(f"splice {k} at {j}")
    return bytes(buf), "; ".join(steps)


def _mutate_member(rng: random.Random, data: bytes, donor: bytes) -> tuple[bytes, str]:
    """A DOCX/XLSX with one XML part mutated (the package stays a valid zip)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        xml = [i for i in infos if i.filename.endswith((".xml", ".rels"))]
        main = [
            i
            for i in xml
            if i.filename in ("word/document.xml", "xl/sharedStrings.xml") or i.filename.startswith("xl/worksheets/")
        ]
        target = rng.choice(main if main and rng.random() < 0.7 else xml or infos).filename
        parts = {i.filename: z.read(i.filename) for i in infos}
    if rng.random() < 0.5:  # whole elements moved or doubled: one per line
        split = parts[target].replace(b"><", b">\n<")
        mutated, how = _mutate_lines(rng, split, b"")
        mutated = mutated.replace(b">\n<", b"><")
    else:
        mutated, how = _mutate_bytes(rng, parts[target], b"")
    parts[target] = mutated
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in infos:
            z.writestr(i.filename, parts[i.filename])
    return out.getvalue(), f"part {target}: {how}"


_STREAM = re.compile(rb"(/Length\s+)(\d+)([^>]*?>>\s*stream\r?\n)", re.DOTALL)


def _mutate_pdf_stream(rng: random.Random, data: bytes, donor: bytes) -> tuple[bytes, str]:
    """A PDF with one stream's decoded content mutated, re-encoded and its /Length fixed (what the
    content interpreter and the layout code see, past the zlib checksum)."""
    streams = []
    for m in _STREAM.finditer(data):
        start = m.end()
        length = int(m.group(2))
        body = data[start : start + length]
        flate = b"FlateDecode" in data[max(0, m.start() - 200) : m.end()]
        try:
            content = zlib.decompress(body) if flate else body
        except zlib.error:
            continue
        streams.append((m, start, length, flate, content))
    if not streams:
        return _mutate_bytes(rng, data, donor)
    m, start, length, flate, content = rng.choice(streams)
    if rng.random() < 0.5:
        mutated, how = _mutate_lines(rng, content, b"")
    else:
        mutated, how = _mutate_bytes(rng, content, b"")
    body = zlib.compress(mutated) if flate else mutated
    out = data[: m.start(2)] + str(len(body)).encode() + data[m.end(2) : start] + body + data[start + length :]
    return out, f"stream at {start}: {how}"


def _mutate_lines(rng: random.Random, data: bytes, donor: bytes) -> tuple[bytes, str]:
    """Line-level edits (a row dropped, doubled or moved, numbers changed): the aligner's inputs."""
    lines = data.split(b"\n")
    steps = []
    for _ in range(rng.choice((1, 2, 3, 5))):
        if not lines:
            break
        i = rng.randrange(len(lines))
        op = rng.choice(("drop", "double", "move", "numbers", "donor", "join", "split"))
        if op == "drop":
            del lines[i]
        elif op == "double":
            lines[i:i] = [lines[i]] * rng.choice((1, 2, 30))
        elif op == "move":
            line = lines.pop(i)
            lines.insert(rng.randint(0, len(lines)), line)
        elif op == "numbers":
            lines[i] = re.sub(rb"\d+", lambda _: str(rng.choice((0, 1, 7, 99, 10**9, 10**30))).encode(), lines[i])
        elif op == "donor" and donor:
            other = donor.split(b"\n")
            lines.insert(i, rng.choice(other))
        elif op == "join" and i + 1 < len(lines):
            lines[i : i + 2] = [lines[i] + lines[i + 1]]
        elif op == "split" and lines[i]:
            k = rng.randrange(len(lines[i]))
            lines[i : i + 1] = [lines[i][:k], lines[i][k:]]
        steps.append(f"{op} line {i}")
    return b"\n".join(lines), "; ".join(steps)


@dataclass(frozen=True)
class Input:
    seed: int
    fmt: str
    source: Path
    data: bytes = field(repr=False)
    mutation: str


def mutate(seed: int) -> Input:
    rng = random.Random(seed)
    files = seeds_files()
    by_fmt: dict[str, list[Path]] = {}
    for fmt, path in files:
        by_fmt.setdefault(fmt, []).append(path)
    fmts = sorted(f for f in by_fmt if f in FORMAT_WEIGHTS)
    fmt = rng.choices(fmts, weights=[FORMAT_WEIGHTS[f] for f in fmts])[0]
    source = rng.choice(by_fmt[fmt])
    donor = _bytes(rng.choice(by_fmt[fmt]))
    data = _bytes(source)
    if fmt in ("docx", "xlsx") and rng.random() < 0.6:
        data, how = _mutate_member(rng, data, donor)
    elif fmt == "pdf" and rng.random() < 0.6:
        data, how = _mutate_pdf_stream(rng, data, donor)
    elif fmt in ("html", "markdown", "text") and rng.random() < 0.4:
        data, how = _mutate_lines(rng, data, donor)
    else:
        data, how = _mutate_bytes(rng, data, donor)
    return Input(seed, fmt, source, data, how)


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so that no reader's `except Exception` swallows it."""


def _alarm(signum: int, frame: object) -> None:
    raise _Timeout()


@dataclass
class Failure:
    seed: int
    source: str
    mutation: str
    kind: str  # "exception", "timeout"
    detail: str

    def __str__(self) -> str:
        return (
            f"seed {self.seed} ({self.source}, {self.mutation}): {self.kind}: {self.detail}\n"
            f"  replay: .venv/bin/python -m tests.fuzz --replay {self.seed}"
        )


def run_one(seed: int, time_limit: float = TIME_LIMIT_S) -> tuple[Failure | None, float]:
    from pipelines.model import ParseError
    from pipelines.parsing import parse_bytes

    # A mutated PDF that loses its text layer would go to OCR (seconds a page): refused instead.
    os.environ.setdefault("OGI_OCR", "off")
    inp = mutate(seed)
    name = inp.source.name
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        parse_bytes(inp.data, name)
        failure = None
    except ParseError as exc:
        failure = (
            None
            if "\n" not in exc.reason
            else Failure(seed, name, inp.mutation, "exception", f"ParseError reason of several lines: {exc.reason!r}")
        )
    except _Timeout:
        failure = Failure(seed, name, inp.mutation, "timeout", f"no answer within {time_limit:g} s")
    except Exception as exc:  # noqa: BLE001 - what the fuzz is looking for
        tb = traceback.extract_tb(exc.__traceback__)
        where = " < ".join(f"{Path(f.filename).name}:{f.lineno}" for f in reversed(tb[-4:]))
        failure = Failure(seed, name, inp.mutation, "exception", f"{type(exc).__name__}: {str(exc)[:200]} at {where}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return failure, time.perf_counter() - started


def _worker(seeds: list[int], time_limit: float, out: multiprocessing.Queue[object]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    logging.disable(logging.CRITICAL)  # pdfplumber logs every broken metadata key
    failures: list[Failure] = []
    slowest = (0.0, -1)
    per_format: dict[str, float] = {}
    for seed in seeds:
        try:
            failure, seconds = run_one(seed, time_limit)
        except MemoryError:
            failure, seconds = Failure(seed, "?", "?", "exception", "MemoryError"), 0.0
        if failure is not None:
            failures.append(failure)
        slowest = max(slowest, (seconds, seed))
        fmt = mutate(seed).fmt
        per_format[fmt] = per_format.get(fmt, 0.0) + seconds
    out.put((failures, slowest, len(seeds), per_format))


@dataclass
class Report:
    inputs: int
    seconds: float
    failures: list[Failure]
    slowest: tuple[float, int]
    seconds_by_format: dict[str, float] = field(default_factory=dict)


def fuzz(n_inputs: int, first_seed: int = 0, processes: int = 2, time_limit: float = TIME_LIMIT_S) -> Report:
    """n_inputs mutations (seeds first_seed…) across `processes` spawned processes."""
    seeds = list(range(first_seed, first_seed + n_inputs))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(seeds[i::processes], time_limit, out)) for i in range(processes)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    failures: list[Failure] = []
    slowest = (0.0, -1)
    done = 0
    by_format: dict[str, float] = {}
    for _ in procs:
        f, s, n, per_format = out.get(timeout=3600)
        failures += f
        slowest = max(slowest, s)
        done += n
        for k, v in per_format.items():
            by_format[k] = by_format.get(k, 0.0) + v
    for p in procs:
        p.join()
    return Report(done, time.perf_counter() - started, sorted(failures, key=lambda f: f.seed), slowest, by_format)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inputs", type=int, default=3000)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--replay", type=int, help="run one seed in this process and show its traceback")
    ap.add_argument("--write", type=Path, help="with --replay: write the mutated input to this file")
    args = ap.parse_args()
    if args.replay is not None:
        inp = mutate(args.replay)
        print(f"seed {inp.seed}: {inp.source} ({inp.fmt}), {inp.mutation}, {len(inp.data)} bytes")
        if args.write:
            args.write.write_bytes(inp.data)
        from pipelines.parsing import parse_bytes

        start = time.perf_counter()
        try:
            report = parse_bytes(inp.data, inp.source.name)
            print(f"parsed: {report.agency} {report.report_year} ({time.perf_counter() - start:.2f} s)")
        except Exception as exc:  # noqa: BLE001
            traceback.print_exc()
            print(f"{type(exc).__name__} after {time.perf_counter() - start:.2f} s")
        return
    report = fuzz(args.inputs, args.first_seed, args.processes)
    print(
        f"{report.inputs} inputs in {report.seconds:.1f} s, slowest {report.slowest[0]:.2f} s (seed "
        f"{report.slowest[1]}), {len(report.failures)} failures"
    )
    print("parse seconds by format: " + ", ".join(f"{k} {v:.1f}" for k, v in sorted(report.seconds_by_format.items())))
    for f in report.failures:
        print(f)
    sys.exit(1 if report.failures else 0)


if __name__ == "__main__":
    main()
