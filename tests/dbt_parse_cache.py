"""dbt for the test session: dbt's partial parsing kept across warehouses (tests/conftest.py, `dbt_parse_cache`).

dbt parses the whole project again (~11 s of CPU, ~7 s more than a partial parse) whenever the
profile's connection values differ from the last parse's, and the DuckDB profile holds the
warehouse's path: every test warehouse is a new path, so every whole run of the test suite parsed in
full. Here the path alone is left out of that comparison (the database name and every other value
stay in it): nothing of this project's parse reads the path (no model, macro or test reads
target.path or OGI_WAREHOUSE), so the manifest is the one a full parse gives, as in production,
where the warehouse path does not change and dbt parses partially. dbt builds and tests the marts
exactly as before; only its parse cache is reused. (`dbt --version` is answered by pipelines/bin/dbt-guarded.)
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

# The dbt executable pipelines/bin/dbt-guarded runs when OGI_DBT names it (a shim the session writes).
SHIM_ENV = "OGI_DBT"


def _profile_hash_without_path() -> None:
    from dbt.parser.manifest import ManifestLoader

    build_state_check = ManifestLoader.build_manifest_state_check

    def state_check(self: ManifestLoader) -> object:
        credentials = type(self.root_project.credentials)
        keys = credentials._connection_keys
        credentials._connection_keys = lambda c: tuple(k for k in keys(c) if k != "path")
        try:
            return build_state_check(self)
        finally:
            credentials._connection_keys = keys

    ManifestLoader.build_manifest_state_check = state_check


def write_shim(folder: Path, call: str = "main()", name: str = "dbt") -> Path:
    """An executable `dbt` in `folder` that runs this module with the test session's Python."""
    shim = folder / name
    repo = Path(__file__).resolve().parent.parent
    shim.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(repo)!r})\n"
        f"from tests.dbt_parse_cache import {call.split('(')[0]}\n{call}\n",
        encoding="utf-8",
    )
    shim.chmod(0o755)
    return shim


def main() -> None:
    import os

    address = os.environ.get(SERVER_ENV)
    code = _client(address) if address else None
    if code is not None:
        sys.exit(code)
    _profile_hash_without_path()
    from dbt.cli.main import cli

    sys.argv[0] = "dbt"
    sys.exit(cli())


# ---------------------------------------------------------------- a warm dbt (test time, issue 12)
# Every dbt command of a test run started a Python that imported dbt, its adapter and their
# libraries again (~3 s of CPU each, ~25 builds a suite). The session starts one server per test
# process (tests/conftest.py, `dbt_parse_cache`) that has imported them once, and forks a child for
# each dbt command: the child takes the command's stdin/stdout/stderr (passed over a unix socket),
# its arguments, environment and working folder, runs dbt's own CLI exactly as `main` does, and
# exits with dbt's code. A fork starts from the imported modules and nothing else: dbt has read no
# project, profile or environment yet, so each command parses, builds and logs as a new process does.
# The child dies with its command: when the shim that asked for it goes (even by kill -9: the shim
# dies with its run, pipelines/bin/dbt-guarded), the socket closes and the child kills itself; the
# shim forwards SIGINT/SIGTERM (dagster-dbt interrupts dbt with SIGINT). The server dies with its
# test process (PR_SET_PDEATHSIG) and at the end of the session.
SERVER_ENV = "OGI_DBT_SERVER"  # the server's unix socket; without it (or if it is gone) the shim runs dbt itself
_FDS = (0, 1, 2)
_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


def _die_with_parent() -> None:
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _recv_exact(conn: Any, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def _client(address: str) -> int | None:
    """Run this command on the warm server: its exit code, or None when no server answers."""
    import array
    import json
    import os
    import signal
    import socket
    import struct

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address)
    except OSError:
        conn.close()
        return None
    request = json.dumps({"argv": ["dbt", *sys.argv[1:]], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
    fds = array.array("i")
    for fd in _FDS:  # a closed stdin (CI has none) is /dev/null
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            fds.append(os.open(os.devnull, os.O_RDWR))
    conn.sendmsg([struct.pack("!I", len(request))], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds.tobytes())])
    conn.sendall(request)
    forwarded: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        forwarded.append(signum)
        with contextlib.suppress(OSError):
            conn.sendall(bytes([signum]))

    for name in _SIGNALS:
        signal.signal(getattr(signal, name), forward)
    while True:
        try:
            reply = _recv_exact(conn, 4)
        except InterruptedError:
            continue
        except (EOFError, OSError):  # the child died without a code: as killed by the signal it was sent
            if forwarded:
                signal.signal(forwarded[-1], signal.SIG_DFL)
                os.kill(os.getpid(), forwarded[-1])
            print("dbt (warm server) ended without an exit code", file=sys.stderr)
            return 1
        return int(struct.unpack("!i", reply)[0])


def _child(conn: Any) -> None:
    """One dbt command in a forked child of the server (never returns)."""
    import array
    import json
    import os
    import resource
    import signal
    import socket
    import struct
    import threading
    import time

    code = 1
    log = None
    try:
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        msg, ancdata, _flags, _addr = conn.recvmsg(4, socket.CMSG_SPACE(len(_FDS) * array.array("i").itemsize))
        if len(msg) < 4:
            msg += _recv_exact(conn, 4 - len(msg))
        fds = array.array("i")
        for level, kind, data in ancdata:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - len(data) % fds.itemsize])
        request = json.loads(_recv_exact(conn, struct.unpack("!I", msg)[0]))
        log = os.dup(2)  # the server's log: one line a command (its arguments, seconds, CPU seconds)
        started = time.monotonic()
        for target, fd in zip(_FDS, fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = request["argv"]

        def watch() -> None:  # a signal byte is forwarded; the shim gone is the end of the command
            while True:
                try:
                    data = conn.recv(1)
                except OSError:
                    data = b""
                if not data:
                    os.kill(os.getpid(), signal.SIGKILL)
                os.kill(os.getpid(), data[0])

        threading.Thread(target=watch, daemon=True).start()
        from dbt.cli.main import cli

        try:
            cli()
            code = 0
        except SystemExit as end:
            if end.code is None or isinstance(end.code, int):
                code = end.code or 0
            else:
                print(end.code, file=sys.stderr)
                code = 1
    except BaseException:  # noqa: BLE001 - reported on the command's stderr, as dbt's own crash would be
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            if log is not None:
                cpu = resource.getrusage(resource.RUSAGE_SELF)
                seconds = f"{time.monotonic() - started:.2f}\t{cpu.ru_utime + cpu.ru_stime:.2f}"
                os.write(log, f"{' '.join(sys.argv[1:3])}\t{code}\t{seconds}\n".encode())
        finally:
            try:
                conn.sendall(struct.pack("!i", code))
            finally:
                os._exit(code)


# What dbt imports for a build, imported once in the server (each fork starts with them): all but a
# few small modules of a `dbt build` (babel's local time zone, read when imported, is left to each command).
_WARM_MODULES = (
    "dbt.cli.main",
    "dbt.adapters.duckdb",
    "dbt.adapters.duckdb.impl",
    "dbt.adapters.duckdb.environments.local",
    "dbt.parser.manifest",
    "dbt.task.build",
    "dbt.task.run",
    "dbt.task.test",
    "dbt_common.clients.agate_helper",
    "google.protobuf.descriptor_pb2",
    "multiprocessing.dummy",
    "agate",
    "duckdb",
)


def serve(address: str) -> None:
    """The warm dbt server on the unix socket `address` (runs until its parent process dies)."""
    import importlib
    import os
    import signal
    import socket

    _die_with_parent()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address + ".tmp")
    listener.listen(64)
    os.replace(address + ".tmp", address)  # the shims connect once the socket is listening
    _profile_hash_without_path()
    for name in _WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    while True:
        conn, _ = listener.accept()
        sys.stdout.flush()
        sys.stderr.flush()
        if os.fork() == 0:
            listener.close()
            _child(conn)
        conn.close()


def start_server(folder: Path) -> tuple[Any, str]:
    """(the process, its socket) of a warm dbt server in `folder` (its output in folder/server.log)."""
    import subprocess
    import time

    address = str(folder / "dbt.sock")
    script = write_shim(folder, "serve(sys.argv[1])", name="dbt-server")
    with open(folder / "server.log", "wb") as log:
        proc = subprocess.Popen([str(script), address], stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while not Path(address).exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc, address
