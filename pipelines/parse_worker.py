"""Parsing files in supervised worker processes: one file's parser can only fail that file.

Kept free of Dagster/DuckDB imports so spawned workers start fast (~0.5 s).

Each worker is a process of its own, limited in memory (RLIMIT_AS, `WORKER_MEMORY_BYTES`), that
parses one file at a time; the supervisor (`ParsePool`) gives it the next file when it answers.
A file that takes longer than `PARSE_TIME_LIMIT_S` has its worker killed; a worker that dies (a
crash in a C library, the kernel's OOM killer) or runs out of memory is replaced. Either way the
file gets a one-line reason and the other files go on. A scan is read by OCR a page at a time
(seconds a page, up to `ocr.limits.MAX_OCR_PAGES` pages): each page OCR'd tells the supervisor, and
the limit then counts from that page, so a long scan is not cut off while a stuck page still is.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import multiprocessing
import os
import resource
import signal
import stat
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from .limits import MAX_FILE_BYTES, PARSE_TIME_LIMIT_S, WORKER_MEMORY_BYTES, size_text, too_large_reason
from .model import ParsedReport, ParseError

# ---------------------------------------------------------------- one file


def read_listed_file(path: str, expected_sha256: str | None = None) -> bytes:
    """The bytes of a file the inventory listed: opened without following a symbolic link, over
    the size limit not read, and (with `expected_sha256`) the very bytes the inventory hashed."""
    from .inventory import _read_fd, open_no_follow

    try:
        fd = open_no_follow(path)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ParseError("not a regular file (since the inventory): not read")
        if st.st_size > MAX_FILE_BYTES:
            raise ParseError(too_large_reason(st.st_size))
        data = _read_fd(fd, MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror}") from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise ParseError(too_large_reason(len(data)))
    if not data:
        raise ParseError("file is empty")
    if expected_sha256 is not None:
        got = hashlib.sha256(data).hexdigest()
        if got != expected_sha256:
            raise ParseError(
                f"file changed since the inventory read it (sha256 {expected_sha256[:12]}… then, "
                f"{got[:12]}… now): not parsed this run; the next run reads it again"
            )
    return data


def one_line(text: str, limit: int = 300) -> str:
    """A reason as one line of at most `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_one(path: str, expected_sha256: str | None = None) -> tuple[ParsedReport | None, str | None]:
    """(report, None) or (None, one-line reason); never raises (MemoryError included)."""
    from .parsing import parse_bytes

    try:
        data = read_listed_file(path, expected_sha256)
        return parse_bytes(data, os.path.basename(path)), None
    except ParseError as exc:
        return None, one_line(exc.reason)
    except MemoryError:
        return None, out_of_memory_reason()
    except RecursionError:
        return None, "structure nested too deeply to read (recursion limit): not read"
    except Exception as exc:  # noqa: BLE001 - a parser bug on one file must not stop the run
        text = one_line(str(exc))
        return None, f"parser error {type(exc).__name__}: {text}" if text else f"parser error {type(exc).__name__}"


def out_of_memory_reason() -> str:
    limit, _ = resource.getrlimit(resource.RLIMIT_AS)  # the worker's own limit
    if limit == resource.RLIM_INFINITY:
        return "out of memory: parsing needed more memory than the machine could give"
    return (
        f"out of memory: parsing needed more than the {size_text(limit)} a parser process may use "
        "(limits.WORKER_MEMORY_BYTES)"
    )


def timeout_reason(seconds: float) -> str:
    return f"parsing took longer than {seconds:g} s, the limit for one file (limits.PARSE_TIME_LIMIT_S): stopped"


def died_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        how = f"killed by {name}"
    else:
        how = f"exit status {exitcode}"
    return f"parser process died ({how}; out of memory?)"


# ---------------------------------------------------------------- the worker process

# Python's cyclic collector runs a young collection every 700 net new objects by default, and a
# parse makes ~1,000 short-lived ones per report (cells, lines, placed values), nearly all freed by
# reference counting; each full collection also walks every label the caches keep. A parse worker
# collects every 10,000 instead: a third of a text report's parse time, measured by `make bench`,
# which parses under the same setting. Cycles are rare in parsing, so little waits to be freed.
PARSE_GC_THRESHOLDS = (10_000, 10, 10)


def settle_gc_for_parsing() -> None:
    """The cyclic collector's thresholds of a process that parses many files (a parse worker)."""
    gc.set_threshold(*PARSE_GC_THRESHOLDS)


def _worker_main(
    conn: Connection, memory_limit: int, target: Callable[..., tuple[ParsedReport | None, str | None]]
) -> None:
    """Parse the files the supervisor sends, one at a time, until it sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the supervisor's to handle
    settle_gc_for_parsing()
    if memory_limit:
        with contextlib.suppress(ValueError, OSError):  # a lower hard limit already: keep it
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    _report_ocr_pages(conn)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        key, args = task
        try:
            report, reason = target(*args)
        except MemoryError:
            report, reason = None, out_of_memory_reason()
        except Exception as exc:  # noqa: BLE001 - a target other than parse_one may raise
            report, reason = None, one_line(f"parser error {type(exc).__name__}: {exc}")
        peak_kib = peak_rss_kib()
        # After a MemoryError the heap may be left fragmented: this worker retires, a new one starts.
        retire = reason is not None and reason.startswith("out of memory")
        try:
            conn.send((key, report, reason, peak_kib, retire))
        except MemoryError:
            conn.send((key, None, out_of_memory_reason(), peak_kib, True))
            return
        except (OSError, EOFError):  # the supervisor is gone
            return
        except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
            conn.send(
                (key, None, one_line(f"parser result could not be returned ({type(exc).__name__})"), peak_kib, False)
            )
        if retire:
            return


# A worker's message that is not an answer: a page of the file was OCR'd (progress, not a result).
PAGE_DONE = "page done"


def _report_ocr_pages(conn: Connection) -> None:
    """Each page OCR'd sends PAGE_DONE to the supervisor (its time limit restarts from there)."""

    def page_done(number: int, seconds: float) -> None:
        with contextlib.suppress(OSError, ValueError, EOFError):
            conn.send((PAGE_DONE, number, seconds))

    from .ocr.progress import on_page

    on_page(page_done)


def peak_rss_kib() -> int:
    """This process's peak resident memory (KiB): VmHWM, which starts afresh at exec (ru_maxrss
    keeps the high-water mark of the process that forked before the exec: the whole Dagster run's)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


@dataclass
class Outcome:
    key: object
    report: ParsedReport | None
    reason: str | None
    peak_rss_kib: int = 0  # the worker's peak resident memory so far (ru_maxrss)


class _Worker:
    def __init__(self, ctx: Any, memory_limit: int, target: Callable[..., Any]) -> None:
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child, memory_limit, target), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[object, tuple[Any, ...]] | None = None
        self.answer: tuple[Any, ...] | None = None  # read while looking for progress, not yet collected
        self.started = 0.0
        self.tasks_done = 0

    def send(self, key: object, args: tuple[Any, ...]) -> None:
        self.task = (key, args)
        self.started = time.monotonic()
        self.conn.send((key, args))

    def stop(self, kill: bool = False) -> None:
        if kill and self.proc.is_alive():
            self.proc.kill()
        else:
            with contextlib.suppress(OSError, ValueError):
                self.conn.send(None)
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _page_progress(w: _Worker, message: tuple[Any, ...]) -> None:
    """A page OCR'd by a worker, to the command line's progress (pipelines/ocr/progress_bar.py)."""
    if w.task is not None and w.task[1] and isinstance(w.task[1][0], str):
        from .ocr.progress_bar import worker_page

        with contextlib.suppress(Exception):
            worker_page(w.task[1][0], int(message[1]), float(message[2]))


class ParsePool:
    """Up to `workers` supervised parse processes (spawned: the Dagster process has threads,
    forking it can deadlock). `run` yields one Outcome per task as files finish, never raises for a
    file's sake."""

    def __init__(
        self,
        workers: int = 2,
        time_limit: float = PARSE_TIME_LIMIT_S,
        memory_limit: int = WORKER_MEMORY_BYTES,
        target: Callable[..., Any] = parse_one,
        tasks_per_worker: int | None = None,
    ) -> None:
        self.workers = max(1, workers)
        self.time_limit = time_limit
        self.memory_limit = memory_limit
        self.target = target
        self.tasks_per_worker = tasks_per_worker  # 1: a fresh process per file (to measure each file's peak)
        self.ctx = multiprocessing.get_context("spawn")
        self.restarts = 0
        self.peak_rss_kib = 0  # the largest peak resident memory of any worker

    def run(self, tasks: Iterable[tuple[object, tuple[Any, ...]]]) -> Iterator[Outcome]:
        pending = deque(tasks)
        idle: list[_Worker] = []
        busy: dict[Connection, _Worker] = {}
        try:
            while pending or busy:
                while pending and len(busy) < self.workers:
                    w = idle.pop() if idle else _Worker(self.ctx, self.memory_limit, self.target)
                    key, args = pending.popleft()
                    try:
                        w.send(key, args)
                    except (OSError, ValueError):  # died while idle: a new one takes the file
                        w.stop(kill=True)
                        pending.appendleft((key, args))
                        continue
                    busy[w.conn] = w
                now = time.monotonic()
                deadline = min(w.started for w in busy.values()) + self.time_limit
                ready = wait([*busy, *(w.proc.sentinel for w in busy.values())], timeout=max(deadline - now, 0))
                done: set[Connection] = set()
                for obj in ready:
                    ended = (
                        busy.get(obj)
                        if isinstance(obj, Connection)
                        else next((x for x in busy.values() if x.proc.sentinel == obj), None)
                    )
                    if ended is None or ended.conn in done:
                        continue
                    if isinstance(obj, Connection) and self._progress(ended):
                        continue  # a page OCR'd: the file goes on, its time limit counts from now
                    outcome, healthy = self._collect(ended)
                    done.add(ended.conn)
                    del busy[ended.conn]
                    ended.tasks_done += 1
                    self.peak_rss_kib = max(self.peak_rss_kib, outcome.peak_rss_kib)
                    if healthy and (self.tasks_per_worker is None or ended.tasks_done < self.tasks_per_worker):
                        idle.append(ended)
                    elif healthy:
                        ended.stop()
                    else:
                        ended.stop(kill=True)
                        self.restarts += 1
                    yield outcome
                now = time.monotonic()
                for conn, w in list(busy.items()):
                    if conn not in done and now - w.started >= self.time_limit:
                        del busy[conn]
                        w.stop(kill=True)
                        self.restarts += 1
                        assert w.task is not None
                        yield Outcome(w.task[0], None, timeout_reason(self.time_limit))
        finally:
            for w in [*idle, *busy.values()]:
                w.stop(kill=w in busy.values())

    @staticmethod
    def _progress(w: _Worker) -> bool:
        """Read the worker's messages waiting on its pipe: progress (PAGE_DONE) restarts its time
        limit; an answer is kept for `_collect`. True when only progress was there."""
        try:
            while w.answer is None and w.conn.poll():
                message = w.conn.recv()
                if message[0] == PAGE_DONE:
                    w.started = time.monotonic()
                    _page_progress(w, message)
                else:
                    w.answer = message
        except Exception:  # noqa: BLE001 - EOF, or half a message from a worker that died: _collect says so
            return False
        return w.answer is None and w.proc.is_alive()

    def _collect(self, w: _Worker) -> tuple[Outcome, bool]:
        """The answer of a worker that is readable or has exited: (outcome, still usable)."""
        assert w.task is not None
        key = w.task[0]
        try:
            answer, w.answer = w.answer, None
            while answer is None and w.conn.poll():
                message = w.conn.recv()
                answer = None if message[0] == PAGE_DONE else message
            if answer is not None:
                got_key, report, reason, peak, retire = answer
                return Outcome(got_key, report, reason, peak), not retire and w.proc.is_alive()
        except Exception:  # noqa: BLE001, S110 - EOF, or half a message from a worker that died sending it
            pass
        w.proc.join(timeout=5)
        return Outcome(key, None, died_reason(w.proc.exitcode)), False
