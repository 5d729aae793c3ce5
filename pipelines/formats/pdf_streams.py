"""Decompression bombs in a PDF found before pdfium reads it.

pdfium unpacks a page's content stream whole, uncapped: a few kilobytes can unpack to gigabytes.
Every stream of a PDF stands in the file as `<< … >> stream … endstream` (object streams hold no
streams), so the streams are found in the bytes, and those that could unpack past a limit of
pipelines/limits.py are unpacked here, capped and counted (the output is thrown away). A stream is
only unpacked when its filters' largest ratio times its length could pass a limit: an ordinary
report's streams are not unpacked at all. Over a limit, PDFLimit (a ParseError) stops the file.

An encrypted file's streams are not readable here (they unpack as garbage and count as nothing).
"""

from __future__ import annotations

import binascii
import re
import zlib
from base64 import a85decode
from collections.abc import Callable

from ..limits import MAX_PDF_DECODED_BYTES, MAX_PDF_STREAM_BYTES, size_text
from ..model import ParseError


class PDFLimit(ParseError):
    """A PDF over one of the limits of pipelines/limits.py."""


# The most a filter's output can be per byte of its input: deflate ~1032:1; an LZW code of 9–12
# bits names at most 4,096 bytes; a run-length pair repeats one byte 128 times; ASCII85's "z" is
# four zero bytes; a hex pair is one byte. Image filters are not unpacked to read text.
_RATIO = {"FlateDecode": 1032, "LZWDecode": 3641, "RunLengthDecode": 64, "ASCII85Decode": 4, "ASCIIHexDecode": 1}
_ABBREVIATIONS = {"Fl": "FlateDecode", "LZW": "LZWDecode", "RL": "RunLengthDecode", "A85": "ASCII85Decode"}
_ABBREVIATIONS["AHx"] = "ASCIIHexDecode"

_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_FILTER = re.compile(rb"/Filter\s*(\[[^\]]*\]|/[A-Za-z0-9#]+|\d+\s+\d+\s+R)")
_NAME = re.compile(rb"/([A-Za-z0-9#]+)")


def stream_too_large(size: int) -> PDFLimit:
    return PDFLimit(
        f"PDF has a stream that unpacks to more than {size_text(MAX_PDF_STREAM_BYTES)} "
        "(limits.MAX_PDF_STREAM_BYTES): not read (a decompression bomb?)"
    )


def check_streams(data: bytes) -> None:
    """PDFLimit when a stream of the file unpacks past MAX_PDF_STREAM_BYTES or all of them past
    MAX_PDF_DECODED_BYTES."""
    streams: list[tuple[int, int, list[str], int]] = []  # (bound, start, filters, end)
    for m in _STREAM.finditer(data):
        start = m.end()
        window = max(0, m.start() - 8192)
        head = data.rfind(b"obj", window, m.start())  # the object's dictionary
        filters = _filters(data[window if head < 0 else head : m.start() + 2])
        if not filters:
            continue
        end = data.find(b"endstream", start)
        end = len(data) if end < 0 else end
        bound = end - start
        for f in filters:
            bound *= _RATIO.get(f, 1)
        streams.append((bound, start, filters, end))
    # First with a bound of what each stream unpacks to, found by unpacking a deflated stream only
    # until the rest of it cannot pass MAX_PDF_STREAM_BYTES: a report's large font and image streams
    # are then unpacked in part. Only when the bounds could pass MAX_PDF_DECODED_BYTES are the sizes
    # taken exactly (a bound is never below the size, so this decides as the exact sizes would).
    exact: dict[int, int] = {}
    if not _within_total(data, streams, lambda s: _unpacked_bound(data, s, exact)):
        if not _within_total(data, streams, lambda s: exact.get(s[1]) or _unpacked_size(data, s)):
            raise PDFLimit(
                f"PDF streams unpack to more than {size_text(MAX_PDF_DECODED_BYTES)} in all "
                "(limits.MAX_PDF_DECODED_BYTES): not read (a decompression bomb?)"
            )


def _within_total(
    data: bytes, streams: list[tuple[int, int, list[str], int]], size: Callable[[tuple[int, int, list[str], int]], int]
) -> bool:
    """Whether the streams can unpack to MAX_PDF_DECODED_BYTES at most, each stream counted at its
    bound unless `size` unpacks it (PDFLimit when a stream unpacked passes MAX_PDF_STREAM_BYTES)."""
    total = 0
    undecoded: list[tuple[int, int, list[str], int]] = []
    for s in streams:
        if s[0] > MAX_PDF_STREAM_BYTES:
            total += size(s)
        else:
            undecoded.append(s)
    undecoded.sort(reverse=True)
    rest = sum(s[0] for s in undecoded)
    for s in undecoded:  # the largest first, until what could still unpack fits the limit
        if total + rest <= MAX_PDF_DECODED_BYTES:
            break
        rest -= s[0]
        total += size(s)
    return total + rest <= MAX_PDF_DECODED_BYTES


def _unpacked_bound(data: bytes, stream: tuple[int, int, list[str], int], exact: dict[int, int]) -> int:
    """At least what the stream unpacks to, at most MAX_PDF_STREAM_BYTES (PDFLimit past it): a
    deflated stream is unpacked until what its remaining bytes could add (_RATIO each, and a few
    bytes of bits held between two pieces) cannot pass the limit. Sizes found whole go into `exact`
    (by the stream's start). A stream that breaks off or passes the limit is left to _unpacked_size."""
    _, start, filters, end = stream
    if filters != ["FlateDecode"]:
        exact[start] = _unpacked_size(data, stream)
        return exact[start]
    cap, ratio = MAX_PDF_STREAM_BYTES, _RATIO["FlateDecode"]
    d = zlib.decompressobj()
    view = memoryview(data)
    size, at, step = 0, start, 1 << 12
    while at < end:
        piece = view[at : min(at + step, end)]
        at += len(piece)
        try:
            size += len(d.decompress(piece, cap + 1 - size))
        except zlib.error:
            size = cap + 1  # (what a broken stream counts depends on the pieces it is read in)
        if size > cap:  # decided as _unpacked_size decides it
            exact[start] = _unpacked_size(data, stream)
            return exact[start]
        if d.eof:
            break
        if size + (end - at + 16) * ratio <= cap:
            return size + (end - at + 16) * ratio
    exact[start] = size
    return size


def _filters(head: bytes) -> list[str]:
    m = _FILTER.search(head)
    if m is None:
        return []
    if m.group(1)[:1].isdigit():
        return ["FlateDecode"]  # an indirect filter name: counted as the most common one
    names = [n.decode("latin-1") for n in _NAME.findall(m.group(1))]
    return [_ABBREVIATIONS.get(n, n) for n in names]


def _unpacked_size(data: bytes, stream: tuple[int, int, list[str], int]) -> int:
    _, start, filters, end = stream
    out = data[start:end]
    for f in filters:
        decode = _DECODERS.get(f)
        if decode is None:
            break  # an image filter: not unpacked to read text
        out = decode(out, MAX_PDF_STREAM_BYTES)
        if len(out) > MAX_PDF_STREAM_BYTES:
            raise stream_too_large(len(out))
    return len(out)


def _inflate(data: bytes, cap: int) -> bytes:
    """What inflates before the end, an error or cap + 1 bytes (a truncated stream is read so far)."""
    d = zlib.decompressobj()
    out = bytearray()
    step = 1 << 16
    for start in range(0, len(data), step):
        try:
            out += d.decompress(data[start : start + step], cap + 1 - len(out))
        except zlib.error:
            break
        if len(out) > cap or d.eof:
            break
    return bytes(out)


def _lzw(data: bytes, cap: int) -> bytes:
    """LZWDecode (PDF 1.7 § 7.4.4, early change), up to cap + 1 bytes."""
    out = bytearray()
    table: list[bytes] = [bytes([i]) for i in range(256)] + [b"", b""]
    width, bits, n_bits = 9, 0, 0
    prev = b""
    for byte in data:
        bits = (bits << 8) | byte
        n_bits += 8
        while n_bits >= width:
            n_bits -= width
            code = bits >> n_bits
            bits &= (1 << n_bits) - 1
            if code == 256:
                del table[258:]
                width, prev = 9, b""
                continue
            if code == 257:
                return bytes(out)
            if not prev:
                entry = table[code] if code < len(table) else b""
            else:
                if code < len(table):
                    entry = table[code]
                elif code == len(table):
                    entry = prev + prev[:1]
                else:
                    return bytes(out)  # a code not yet defined: the data is corrupt, read so far
                if len(table) < 4096:
                    table.append(prev + entry[:1])
            out += entry
            if len(out) > cap:
                return bytes(out)
            prev = entry
            width = 12 if len(table) >= 2047 else 11 if len(table) >= 1023 else 10 if len(table) >= 511 else 9
    return bytes(out)


def _rldecode(data: bytes, cap: int) -> bytes:
    """RunLengthDecode (PDF 1.7 § 7.4.5), up to cap + 1 bytes; a truncated run ends the data."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        length = data[i]
        i += 1
        if length == 128:
            break
        if length < 128:
            out += data[i : i + length + 1]
            i += length + 1
        elif i < n:
            out += data[i : i + 1] * (257 - length)
            i += 1
        if len(out) > cap:
            break
    return bytes(out)


def _a85(data: bytes, cap: int) -> bytes:
    body = data.strip()
    body = body[2:] if body.startswith(b"<~") else body
    body = body.split(b"~>")[0]
    try:
        return a85decode(body, ignorechars=b" \t\n\r\x0b\x0c")
    except ValueError:
        return b""


def _ahx(data: bytes, cap: int) -> bytes:
    hexdigits = re.sub(rb"[^0-9A-Fa-f]", b"", data.split(b">")[0])
    try:
        return binascii.unhexlify(hexdigits[: len(hexdigits) // 2 * 2])
    except binascii.Error:
        return b""


_DECODERS = {
    "FlateDecode": _inflate,
    "LZWDecode": _lzw,
    "RunLengthDecode": _rldecode,
    "ASCII85Decode": _a85,
    "ASCIIHexDecode": _ahx,
}
