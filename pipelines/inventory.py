"""Which files under the raw folder are reports, and their bytes read safely.

Light module: the bench, the parse workers and the sensor import it.

The walk (`walk`) never follows a symbolic link: neither to a file nor to a folder, inside or
outside the raw folder, nor in a loop. Every entry that is not read — a symbolic link, a named
pipe, socket or device, a file or folder that cannot be read, a file that keeps changing while it
is read — is still listed (`inventory`), with a `format` saying why (`NOT_READ`), so that the
parsing step quarantines it with a one-line reason instead of dropping it silently.

Paths are stored printable (`printable`): the path relative to the raw folder, UTF-8, with a
byte that is not UTF-8 written \\xNN, a control or invisible formatting character written \\n,
\\r, \\t or \\uNNNN, and a backslash written \\\\. The escaping is reversible (`os_path`), so the
parse worker opens the very file the inventory listed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .landing_tables import Row, landing_table
from .limits import MAX_FILE_BYTES, READ_ATTEMPTS

AGENCIES_CSV = "agencies.csv"
PUBLICATIONS_CSV = "publications.csv"
DEFECTS_CSV = "defects.csv"
# Metadata files at any depth (docs/monitoring.md), and folders of generator truth: never reports.
METADATA_FILES = frozenset({AGENCIES_CSV, PUBLICATIONS_CSV, DEFECTS_CSV})
TRUTH_DIR = "truth"

# Entries listed but not read (the `format` of their landing.raw_report_files row); their sha256
# is the hash of a description of the entry, not of content (`_not_read_sha`).
SYMLINK = "symlink"
SPECIAL = "special"
UNREADABLE = "unreadable"
CHANGING = "changing"
NOT_READ = frozenset({SYMLINK, SPECIAL, UNREADABLE, CHANGING})
FILE = "file"


# ---------------------------------------------------------------- printable paths

_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_INVISIBLE = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})


def printable(raw: bytes) -> str:
    """A file system path (bytes) as printable text; `unprintable` reverses it."""
    out: list[str] = []
    for ch in raw.decode("utf-8", "surrogateescape"):
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # a byte that is not UTF-8 (surrogateescape)
            out.append(f"\\x{o - 0xDC00:02x}")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif unicodedata.category(ch) in _INVISIBLE:
            out.append(f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(ch)
    return "".join(out)


def unprintable(text: str) -> bytes:
    """The bytes a printable path stands for."""
    out = bytearray()
    pos = 0
    for m in re.finditer(r"\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})", text):
        out += text[pos : m.start()].encode("utf-8")
        code = m.group(1)
        if code in ("\\", "n", "r", "t"):
            out += {"\\": b"\\", "n": b"\n", "r": b"\r", "t": b"\t"}[code]
        elif code[0] == "x":
            out.append(int(code[1:], 16))
        else:
            out += chr(int(code[1:], 16)).encode("utf-8", "surrogatepass")
        pos = m.end()
    out += text[pos:].encode("utf-8")
    return bytes(out)


def os_path(raw_dir: Path, path: str) -> str:
    """The file system path (for open) of a printable path relative to raw_dir."""
    return os.fsdecode(os.path.join(os.fsencode(raw_dir), unprintable(path)))


# ---------------------------------------------------------------- the walk


@dataclass(frozen=True)
class Entry:
    rel: bytes  # relative to the raw folder, as the file system has it
    kind: str  # FILE, or one of NOT_READ (a folder that cannot be listed is UNREADABLE)
    is_dir: bool = False

    @property
    def path(self) -> str:
        """Printable path relative to the raw folder (the warehouse's file_path)."""
        return printable(self.rel) + ("/" if self.is_dir else "")

    @property
    def name(self) -> str:
        return printable(os.path.basename(self.rel))


def _visible(name: bytes) -> bool:
    return not name.startswith(b".")


def walk(raw_dir: Path) -> Iterator[Entry]:
    """Every visible entry under raw_dir in path order, depth first, without following any symbolic
    link; hidden files and folders and everything under a `truth/` folder are left out. Regular
    files are FILE; the rest is listed with why it is not read."""
    root = os.fsencode(raw_dir)
    if not os.path.isdir(root):
        return
    stack: list[bytes] = [b""]
    while stack:
        rel_dir = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel_dir) if rel_dir else root) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            yield Entry(rel_dir, UNREADABLE, is_dir=True)
            continue
        below: list[bytes] = []
        for e in entries:
            if not _visible(e.name):
                continue
            rel = os.path.join(rel_dir, e.name) if rel_dir else e.name
            try:
                st = os.lstat(os.path.join(root, rel))
            except OSError:
                yield Entry(rel, UNREADABLE)
                continue
            if stat.S_ISLNK(st.st_mode):
                yield Entry(rel, SYMLINK)
            elif stat.S_ISDIR(st.st_mode):
                if e.name != TRUTH_DIR.encode():
                    below.append(rel)
            elif stat.S_ISREG(st.st_mode):
                yield Entry(rel, FILE)
            else:
                yield Entry(rel, SPECIAL)
        stack.extend(reversed(below))


def _ordered(raw_dir: Path) -> list[Entry]:
    """walk() in full path order (by path components, as sorted(Path.rglob) orders)."""
    return sorted(walk(raw_dir), key=lambda e: e.rel.split(b"/"))


def raw_files(raw_dir: Path) -> Iterator[Path]:
    """Every report file under raw_dir (recursive): regular files only (symbolic links are never
    followed), hidden files/folders, the metadata csv files (agencies.csv, publications.csv,
    defects.csv) and everything under a `truth/` folder excluded."""
    for e in _ordered(raw_dir):
        if e.kind == FILE and os.path.basename(e.rel).decode("utf-8", "replace") not in METADATA_FILES:
            yield Path(os.fsdecode(os.path.join(os.fsencode(raw_dir), e.rel)))


def fingerprint_lines(raw_dir: Path) -> Iterator[bytes]:
    """One line per entry of the raw folder (reports, metadata, links, pipes: everything the
    inventory lists or reads), path and size and time as lstat sees them: any change to the folder
    changes the lines (the sensor's fingerprint)."""
    root = os.fsencode(raw_dir)
    for e in _ordered(raw_dir):
        try:
            st = os.lstat(os.path.join(root, e.rel))
            yield b"%s\0%s\0%d\0%d\n" % (e.rel, e.kind.encode(), st.st_size, st.st_mtime_ns)
        except OSError:
            yield b"%s\0%s\0gone\n" % (e.rel, e.kind.encode())


def metadata_files(raw_dir: Path, name: str) -> Iterator[Path]:
    """Every visible regular file called `name` under raw_dir (recursive), in path order; a symbolic
    link of that name is not followed (the inventory lists it as not read)."""
    for e in _ordered(raw_dir):
        if e.kind == FILE and os.path.basename(e.rel) == name.encode():
            yield Path(os.fsdecode(os.path.join(os.fsencode(raw_dir), e.rel)))


# ---------------------------------------------------------------- reading a file once


@dataclass
class ReadResult:
    data: bytes | None  # None when not read (too large, changing, not a regular file)
    size: int
    mtime: float | None
    kind: str  # FILE (read, or too large), SPECIAL, CHANGING
    detail: str = ""


def _read_fd(fd: int, cap: int) -> bytes:
    """Up to `cap` bytes from fd's current position (a function of its own: tests change files
    while it reads)."""
    chunks: list[bytes] = []
    left = cap
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _same(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_ino, a.st_size, a.st_mtime_ns, a.st_ctime_ns) == (b.st_ino, b.st_size, b.st_mtime_ns, b.st_ctime_ns)


def open_no_follow(path: str | bytes) -> int:
    """A read-only descriptor of path itself: a symbolic link is refused (ELOOP), a named pipe
    opened without blocking."""
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))


def read_once(path: str | bytes, limit: int = MAX_FILE_BYTES, head: int = 0) -> ReadResult:
    """The file's bytes, read once and checked unchanged while read (size, times and inode before
    and after, and the byte count); OSError when it cannot be opened or read. A file over `limit`
    is not read (its first `head` bytes are, to tell its format)."""
    fd = open_no_follow(path)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return ReadResult(None, 0, None, SPECIAL, _file_type(st.st_mode))
        detail = ""
        for attempt in range(READ_ATTEMPTS):
            before = os.fstat(fd)
            if before.st_size > limit:
                data = _read_fd(fd, head) if head else None
                return ReadResult(data, before.st_size, before.st_mtime, FILE, "too large")
            os.lseek(fd, 0, os.SEEK_SET)
            data = _read_fd(fd, limit + 1)
            after = os.fstat(fd)
            if _same(before, after) and len(data) == after.st_size:
                return ReadResult(data, len(data), after.st_mtime, FILE)
            detail = f"{before.st_size} → {after.st_size} bytes, {len(data)} read"
            time.sleep(0.05 * (attempt + 1))
        return ReadResult(None, os.fstat(fd).st_size, None, CHANGING, detail)
    finally:
        os.close(fd)


def _file_type(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


# ---------------------------------------------------------------- the inventory


@dataclass
class RawFile:
    """One row of landing.raw_report_files."""

    path: str
    name: str
    sha256: str
    size: int
    format: str
    modified_at: datetime | None
    note: str = ""  # why it is not read, or which file it duplicates (for the log)

    @property
    def extension(self) -> str | None:
        return Path(self.name).suffix.lower().lstrip(".") or None

    def row(self) -> Row:
        return landing_table("raw_report_files").row(
            file_path=self.path,
            file_name=self.name,
            sha256=self.sha256,
            size_bytes=self.size,
            format=self.format,
            extension=self.extension,
            modified_at=self.modified_at,
        )


def _timestamp(seconds: float | None) -> datetime | None:
    """A modification time as a datetime; None for one datetime cannot hold (year 33658)."""
    if seconds is None:
        return None
    try:
        return datetime.fromtimestamp(seconds)
    except (OverflowError, OSError, ValueError):
        return None


def _not_read_sha(kind: str, rel: bytes, detail: str) -> str:
    """The sha256 of an entry that is not read: of a description of it (kind, path, detail), so
    that it changes when the entry does and never equals a real file's."""
    return hashlib.sha256(b"ogi:not-read\0" + kind.encode() + b"\0" + rel + b"\0" + detail.encode()).hexdigest()


def inventory(raw_dir: Path, log: Callable[[str], None] | None = None) -> list[RawFile]:
    """Every entry of the raw folder that is a report file or may be one (everything but the
    metadata csv files), each read once: path, sha256 of the bytes read, size, format sniffed
    from those bytes; an entry not read gets a NOT_READ format (the parsing step quarantines it
    with the reason, `not_read_reason`)."""
    from .parsing import sniff_format  # heavy: only when an inventory is taken

    root = os.fsencode(raw_dir)
    out: list[RawFile] = []
    first_of: dict[str, str] = {}
    for e in _ordered(raw_dir):
        name = e.name
        if e.kind == FILE and name in METADATA_FILES:
            continue  # read by the registry / publications assets
        full = os.path.join(root, e.rel)
        if e.kind != FILE:
            target = ""
            if e.kind == SYMLINK:
                with contextlib.suppress(OSError):  # gone or changed since listed: no target shown
                    target = printable(os.readlink(full))
            out.append(
                RawFile(
                    e.path,
                    name,
                    _not_read_sha(e.kind, e.rel, target),
                    0,
                    e.kind,
                    None,
                    not_read_reason(raw_dir, e.path, e.kind),
                )
            )
            continue
        try:
            got = read_once(full, head=65536)
        except OSError as exc:
            out.append(
                RawFile(
                    e.path,
                    name,
                    _not_read_sha(UNREADABLE, e.rel, str(exc.errno)),
                    0,
                    UNREADABLE,
                    None,
                    f"cannot read: {exc.strerror}",
                )
            )
            continue
        if got.kind != FILE:
            out.append(
                RawFile(
                    e.path,
                    name,
                    _not_read_sha(got.kind, e.rel, got.detail),
                    got.size,
                    got.kind,
                    _timestamp(got.mtime),
                    not_read_reason(raw_dir, e.path, got.kind),
                )
            )
            continue
        fmt = sniff_format(got.data or b"", name)
        if got.detail == "too large":  # not read: hashed by description, parsing says why
            sha = _not_read_sha("too large", e.rel, f"{got.size}:{got.mtime}")
            out.append(RawFile(e.path, name, sha, got.size, fmt, _timestamp(got.mtime), "over the size limit"))
            continue
        sha = hashlib.sha256(got.data or b"").hexdigest()
        note = f"same bytes as {first_of[sha]} (parsed once)" if sha in first_of else ""
        first_of.setdefault(sha, e.path)
        out.append(RawFile(e.path, name, sha, got.size, fmt, _timestamp(got.mtime), note))
    if log is not None:
        for f in out:
            if f.note:
                log(f"{f.path}: {f.note}")
    return out


def not_read_reason(raw_dir: Path, path: str, kind: str) -> str:
    """One line: why the entry `path` (printable, relative to raw_dir) of a NOT_READ kind is not read."""
    full = os_path(raw_dir, path.rstrip("/"))
    if kind == SYMLINK:
        try:
            target = os.readlink(full)
        except OSError:
            return "symbolic link (gone since the inventory): not followed"
        shown = printable(os.fsencode(target))
        try:
            st = os.stat(full)
        except OSError as exc:
            import errno

            if exc.errno == errno.ELOOP:
                return f"symbolic link to '{shown}', a loop: not followed"
            return f"symbolic link to '{shown}', which does not exist: not followed"
        real_root = os.path.realpath(raw_dir)
        inside = os.path.commonpath([real_root, os.path.realpath(full)]) == real_root
        what = "folder" if stat.S_ISDIR(st.st_mode) else "file"
        where = "inside the raw folder" if inside else "outside the raw folder"
        return (
            f"symbolic link to '{shown}', a {what} {where}: not followed (symbolic links under the raw "
            "folder never are; copy the file in)"
        )
    if kind == SPECIAL:
        try:
            what = _file_type(os.lstat(full).st_mode)
        except OSError:
            what = "not a regular file"
        return f"{what}, not a regular file: not read"
    if kind == CHANGING:
        return (
            f"file changed while it was read ({READ_ATTEMPTS} attempts): not parsed this run; "
            "the next run reads it again"
        )
    if kind == UNREADABLE:
        try:
            if path.endswith("/"):
                os.listdir(full)
            else:
                os.close(open_no_follow(full))
        except OSError as exc:
            return f"{'folder' if path.endswith('/') else 'file'} cannot be read: {exc.strerror}"
        return "could not be read when the inventory ran: not parsed this run; the next run reads it again"
    return f"not read ({kind})"
