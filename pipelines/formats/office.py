"""DOCX and XLSX packages (zip files of XML parts), checked before python-docx or openpyxl open them.

The zip directory is read first: too many members, a member or all of them unpacking to more
than the limits, a compression ratio only a zip bomb has, or a compression method Office never
uses (bzip2/LZMA are decompressed without a size bound by zipfile) — the file is refused before
anything is extracted. Then every XML part is stream-read up to its root element: a DTD
(<!DOCTYPE …>) is refused, because Office parts never declare one and a DTD is how entity
expansion ("billion laughs") and external entities get in. For a workbook, the cells written and
the areas of merged ranges are counted from the sheets' XML, streamed, before openpyxl makes an
object for each of them.

Reading a member never yields more than the size its directory entry declares (zipfile stops
there and fails the CRC), so the declared sizes checked here bound what the libraries unpack.
"""

from __future__ import annotations

import io
import re
import struct
import typing
import zipfile
import zlib

from ..limits import (
    MAX_MARKUP_TAGS,
    MAX_SHEET_CELLS,
    MAX_XML_PROLOG_BYTES,
    MAX_ZIP_MEMBER_BYTES,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_RATIO,
    MAX_ZIP_TOTAL_BYTES,
    ZIP_RATIO_FLOOR,
    size_text,
)
from ..model import ParseError

_CHUNK = 1 << 16
_SAFE_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}


def _shown(name: str) -> str:
    """A member name fit for a one-line reason."""
    text = "".join(ch if ch.isprintable() else "?" for ch in name)
    return text if len(text) <= 80 else text[:79] + "…"


def member_count(data: bytes) -> int | None:
    """The number of members the zip's end-of-central-directory record declares (None when there
    is no such record): read before zipfile builds an object per member."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65536 - 22))
    if end < 0 or end + 22 > len(data):
        return None
    (total,) = struct.unpack_from("<H", data, end + 10)
    if total == 0xFFFF:  # ZIP64: the count is in the ZIP64 record before it
        loc = data.rfind(b"PK\x06\x06", max(0, end - 65536), end)
        if loc >= 0 and loc + 56 <= len(data):
            (total,) = struct.unpack_from("<Q", data, loc + 32)
    return total


def open_package(data: bytes, kind: str) -> zipfile.ZipFile:
    """The zip of a DOCX/XLSX (`kind` names it in reasons) once its directory and XML prologs are
    within the limits; ParseError otherwise."""
    count = member_count(data)
    if count is not None and count > MAX_ZIP_MEMBERS:
        raise ParseError(
            f"{kind} package has {count:,} members, more than the {MAX_ZIP_MEMBERS:,} an Office file may "
            "have (limits.MAX_ZIP_MEMBERS): not read"
        )
    try:
        z = _Package(data)
        infos = z.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        struct.error,
        NotImplementedError,
        OSError,
        UnicodeDecodeError,
        KeyError,
        IndexError,
    ):
        raise ParseError(f"{kind} is corrupt: not a readable zip package") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ParseError(
            f"{kind} package has {len(infos):,} members, more than the {MAX_ZIP_MEMBERS:,} an Office "
            "file may have (limits.MAX_ZIP_MEMBERS): not read"
        )
    total = 0
    for info in infos:
        name = info.filename  # (shown in a reason only: _shown below)
        if info.compress_type not in _SAFE_METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise ParseError(
                f"{kind} part {_shown(name)} is compressed with {method}, which Office files never use: not read"
            )
        if info.file_size > MAX_ZIP_MEMBER_BYTES:
            raise ParseError(
                f"{kind} part {_shown(name)} unpacks to {size_text(info.file_size)}, over the "
                f"{size_text(MAX_ZIP_MEMBER_BYTES)} limit for one part (limits.MAX_ZIP_MEMBER_BYTES): "
                "not read (a zip bomb?)"
            )
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ParseError(
                f"{kind} part {_shown(name)} is compressed {ratio:,}:1 ({size_text(info.compress_size)} unpacking "
                f"to {size_text(info.file_size)}), more than the {MAX_ZIP_RATIO}:1 of any real document "
                "(limits.MAX_ZIP_RATIO): not read (a zip bomb)"
            )
        total += info.file_size
    if total > MAX_ZIP_TOTAL_BYTES:
        raise ParseError(
            f"{kind} package unpacks to {size_text(total)}, over the {size_text(MAX_ZIP_TOTAL_BYTES)} "
            "limit (limits.MAX_ZIP_TOTAL_BYTES): not read (a zip bomb?)"
        )
    for info in infos:
        if not info.is_dir():
            _check_prolog(z, info, kind)
            if info.file_size > 3 * MAX_MARKUP_TAGS:  # below, it cannot hold that many tags
                _check_tags(z, info, kind)
    return z


def _check_tags(z: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str) -> None:
    """Refuse an XML part with more tags than MAX_MARKUP_TAGS (counted streaming: lxml would hold
    an element for each)."""
    n = 0
    try:
        with z.open(info) as f:
            while chunk := f.read(_CHUNK * 16):
                n += chunk.count(b"<")
                if n > MAX_MARKUP_TAGS:
                    raise ParseError(
                        f"{kind} part {_shown(info.filename)} has more than {MAX_MARKUP_TAGS:,} tags "
                        "(limits.MAX_MARKUP_TAGS; a report has ~20,000): not read"
                    )
    except ParseError:
        raise
    except zipfile.BadZipFile as exc:
        raise ParseError(
            f"{kind} is corrupt: part {_shown(info.filename)} does not match its zip directory entry ({exc})"
        ) from None
    except (zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise ParseError(f"{kind} is corrupt: part {_shown(info.filename)} cannot be unpacked") from None


_ROOT = re.compile(r"<[A-Za-z_:\u00c0-\uffff]")


def _head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", "replace")
    if head[:1] == b"<" and head[1:2] == b"\x00":
        return head[: len(head) // 2 * 2].decode("utf-16-le", "replace")
    if head[:1] == b"\x00" and head[1:2] == b"<":
        return head[: len(head) // 2 * 2].decode("utf-16-be", "replace")
    return head.decode("latin-1")


_FIRST_PROLOG_BYTES = 4096  # a part's prolog and root element are almost always within this


def _check_prolog(z: zipfile.ZipFile, info: zipfile.ZipInfo, kind: str) -> None:
    """Refuse an XML part with a DTD; read only up to its root element (or MAX_XML_PROLOG_BYTES)."""
    if isinstance(z, _Package):
        # Straight from the package's bytes (clean members only; anything unusual is read below, by
        # zipfile, for its errors). A part no larger than MAX_XML_PROLOG_BYTES is unpacked whole and
        # its CRC checked, as the reads below do; of a larger one, only its start.
        if info.file_size <= MAX_XML_PROLOG_BYTES:
            whole = z.unpacked(info)
            if whole is not None:
                _check_head(whole, True, info, kind)
                z.keep(info, whole)
                return
        else:
            for size in (_FIRST_PROLOG_BYTES, MAX_XML_PROLOG_BYTES):
                head = z.unpacked(info, size)
                if head is None:
                    break
                if _check_head(head, size == MAX_XML_PROLOG_BYTES, info, kind):
                    return
    name = _LazyShown(info.filename)
    head = b""
    try:
        with z.open(info) as f:
            while len(head) < MAX_XML_PROLOG_BYTES:
                chunk = f.read(min(_CHUNK, MAX_XML_PROLOG_BYTES - len(head)))
                if not chunk:
                    break
                head += chunk
                text = _head_text(head).lstrip("\ufeff \t\r\n")
                if not text.startswith("<"):
                    return  # not XML (an image, a binary part): nothing to check
                root = _ROOT.search(text)
                if root:
                    _refuse_dtd(text[: root.start()], name, kind)
                    return
    except ParseError:
        raise
    except zipfile.BadZipFile as exc:  # e.g. more data than the directory declares: its CRC fails
        raise ParseError(f"{kind} is corrupt: part {name} does not match its zip directory entry ({exc})") from None
    except (zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
        raise ParseError(f"{kind} is corrupt: part {name} cannot be unpacked") from None
    text = _head_text(head).lstrip("\ufeff \t\r\n")
    _refuse_dtd(text, name, kind)
    if text.startswith("<") and len(head) >= MAX_XML_PROLOG_BYTES:
        raise ParseError(
            f"{kind} part {name} has no XML element in its first {size_text(MAX_XML_PROLOG_BYTES)} "
            "(limits.MAX_XML_PROLOG_BYTES): not read"
        )


def _check_head(head: bytes, final: bool, info: zipfile.ZipInfo, kind: str) -> bool:
    """_check_prolog's verdict on the first bytes of a part: True when they decide it (ParseError when
    they refuse it); False when more bytes are needed. `final`: the part's first MAX_XML_PROLOG_BYTES
    (or all of it), after which the reads in _check_prolog decide as this does."""
    text = _head_text(head).lstrip("\ufeff \t\r\n")
    if not final and len(text) < 2:
        return False  # blank so far (or one character): the part's first characters are still to come
    if not text.startswith("<"):
        return True  # not XML (an image, a binary part): nothing to check
    root = _ROOT.search(text)
    if root and (final or root.end() < len(text) - 1):  # (the last character of a cut may be half of one)
        _refuse_dtd(text[: root.start()], _LazyShown(info.filename), kind)
        return True
    if not final:
        return False
    _refuse_dtd(text, _LazyShown(info.filename), kind)
    if len(head) >= MAX_XML_PROLOG_BYTES:
        raise ParseError(
            f"{kind} part {_LazyShown(info.filename)} has no XML element in its first "
            f"{size_text(MAX_XML_PROLOG_BYTES)} (limits.MAX_XML_PROLOG_BYTES): not read"
        )
    return True


class _Package(zipfile.ZipFile):
    """The zip of a DOCX/XLSX, whose clean members are unpacked straight from its bytes: zipfile's
    reader (ZipExtFile) costs more than unpacking a report's small parts. A member with anything
    unusual (a local header that differs from the directory, encryption, a data descriptor, a CRC or
    size that does not match) is read by zipfile, which raises what it always raised."""

    def __init__(self, data: bytes) -> None:
        super().__init__(io.BytesIO(data))
        self._bytes = data
        self.kept: dict[zipfile.ZipInfo, bytes] = {}  # members already unpacked (prolog and cell checks)
        self._kept_small = 0

    def keep(self, info: zipfile.ZipInfo, whole: bytes) -> None:
        """Keep a small part unpacked for its reader (up to _KEPT_SMALL_BYTES in all)."""
        if self._kept_small + len(whole) <= _KEPT_SMALL_BYTES:
            self._kept_small += len(whole)
            self.kept[info] = whole

    def read(self, name: str | zipfile.ZipInfo, pwd: bytes | None = None) -> bytes:
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if pwd is None:
            whole = self.kept.get(info) or self.unpacked(info)
            if whole is not None:
                return whole
        return super().read(info, pwd)

    def unpacked(self, info: zipfile.ZipInfo, limit: int | None = None) -> bytes | None:
        """The member's bytes (the first `limit` of them), or None when zipfile must read it.
        Whole, they are checked against the directory's size and CRC, as zipfile checks them."""
        data = self._bytes
        start = info.header_offset
        if (
            info.flag_bits & 0x61  # encrypted, patched data, strong encryption
            or start < 0
            or data[start : start + 4] != b"PK\x03\x04"
            or len(data) < start + 30
        ):
            return None
        (flags,) = struct.unpack_from("<H", data, start + 6)
        name_len, extra_len = struct.unpack_from("<2H", data, start + 26)
        try:
            local_name = data[start + 30 : start + 30 + name_len].decode("utf-8" if flags & 0x800 else "cp437")
        except UnicodeDecodeError:
            return None
        if local_name != info.orig_filename:
            return None
        start += 30 + name_len + extra_len
        raw = data[start : start + info.compress_size]
        size = info.file_size
        if len(raw) != info.compress_size or size == 0:
            return None
        want = size if limit is None else min(limit, size)
        key = None
        if info.compress_type == zipfile.ZIP_STORED:
            if info.compress_size != size:
                return None
            out = raw[:want]
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            if want == size and size <= _UNPACKED_KEPT_BYTES:
                key = (info.CRC, size, raw)
                kept = _UNPACKED.get(key)
                if kept is not None:
                    return kept
            try:
                out = zlib.decompressobj(-15).decompress(raw, want)
            except zlib.error:
                return None
        else:
            return None
        if len(out) != want or (want == size and zlib.crc32(out) != info.CRC):
            return None
        if key is not None:
            if len(_UNPACKED) >= _UNPACKED_KEPT:
                _UNPACKED.clear()
            _UNPACKED[key] = out
        return out


# Small parts unpacked whole, by their compressed bytes, CRC and size (the styles, theme, settings and
# relationships of one producer's files are the same bytes): unpacking them again gives the same.
_UNPACKED: dict[tuple[int, int, bytes], bytes] = {}
_UNPACKED_KEPT = 128
_UNPACKED_KEPT_BYTES = 128 * 1024


_KEPT_BYTES = 16 * 1024 * 1024  # a sheet up to this size is unpacked once, for its check and its reading
_KEPT_SMALL_BYTES = 8 * 1024 * 1024  # small parts kept unpacked by the prolog check, in all


def _chunks(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> typing.IO[bytes]:
    """A member to read in chunks: unpacked straight from the package (and kept for its reader) when
    it is clean and not huge; otherwise streamed by zipfile."""
    if isinstance(z, _Package) and info.file_size <= _KEPT_BYTES:
        whole = z.kept.get(info) or z.unpacked(info)
        if whole is not None:
            z.kept[info] = whole
            return io.BytesIO(whole)
    return z.open(info)


class _LazyShown:
    """_shown(name) made only when a reason prints it (most parts pass every check)."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __str__(self) -> str:
        return _shown(self.name)

    def __format__(self, spec: str) -> str:
        return format(_shown(self.name), spec)


def _refuse_dtd(prolog: str, name: object, kind: str) -> None:
    if "<!DOCTYPE" in prolog or "<!ENTITY" in prolog:
        raise ParseError(
            f"{kind} part {name} declares a DTD (<!DOCTYPE …>), which Office files never do: not read "
            "(XML entities can expand to gigabytes or read other files)"
        )


# ---------------------------------------------------------------- workbooks

_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_MERGE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*[\"']\$?([A-Za-z]{1,3})\$?(\d{1,7})"
    rb"(?::\$?([A-Za-z]{1,3})\$?(\d{1,7}))?"
)


_CELL_UNPREFIXED = re.compile(rb"<c[\s/>]")  # (a literal start: searched faster than _CELL)


def _count_cells(part: bytes) -> int:
    """len(_CELL.findall(part)), searched without prefixes when no tag can have one before c."""
    if b":c" in part:
        return len(_CELL.findall(part))
    return len(_CELL_UNPREFIXED.findall(part))


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


_SHEET_PART = re.compile(r"xl/worksheets/[^/]+\.xml$", re.IGNORECASE)


def _merges(part: bytes) -> typing.Iterator[re.Match[bytes]]:
    """_MERGE.finditer(part), searched from the tag of the first "mergeCell" (a match holds that word,
    and its tag's "<" is the last before it: a prefix has none), not through every tag before it."""
    first = part.find(b"mergeCell")
    if first < 0:
        return iter(())
    return _MERGE.finditer(part, max(part.rfind(b"<", 0, first), 0))


def check_workbook_cells(z: zipfile.ZipFile) -> None:
    """ParseError when the sheets write more cells, or merge larger areas, than MAX_SHEET_CELLS
    (counted from the XML, streamed, before openpyxl makes an object for each)."""
    cells = merged = 0
    for info in z.infolist():
        if not _SHEET_PART.match(info.filename):
            continue
        tail = b""
        try:
            with _chunks(z, info) as f:
                while True:
                    chunk = f.read(_CHUNK)
                    if not chunk:
                        break
                    buf = tail + chunk
                    cut = buf.rfind(b">") + 1  # whole tags only; the rest waits for the next chunk
                    if cut == 0 and len(buf) < _CHUNK * 4:
                        tail = buf
                        continue
                    cut = cut or len(buf)
                    part, tail = buf[:cut], buf[cut:]
                    cells += _count_cells(part)
                    for m in _merges(part):
                        c0, r0 = _col_number(m.group(1)), int(m.group(2))
                        c1, r1 = (_col_number(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
                        merged += (abs(c1 - c0) + 1) * (abs(r1 - r0) + 1)
                    if cells > MAX_SHEET_CELLS or merged > MAX_SHEET_CELLS:
                        break
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError, RuntimeError):
            raise ParseError(f"XLSX is corrupt: part {_shown(info.filename)} cannot be unpacked") from None
        if cells > MAX_SHEET_CELLS:
            raise ParseError(
                f"XLSX sheets write more than {MAX_SHEET_CELLS:,} cells (limits.MAX_SHEET_CELLS; a report "
                "has about 1,000): not read"
            )
        if merged > MAX_SHEET_CELLS:
            raise ParseError(
                f"XLSX merged ranges cover {merged:,} cells, more than the {MAX_SHEET_CELLS:,} a report "
                "sheet may have (limits.MAX_SHEET_CELLS): not read"
            )
