"""Hostile files, built in memory from the test corpus: zip bombs, XML entity bombs, decompression
bombs, endless and deeply nested structures, oversized files. Each builder returns the file's bytes.

`HOSTILE` lists what `write_all` writes into a raw folder with the fragment of the one-line reason
the file must be quarantined with (None: the file is read, as a report or quarantined for being no
report, and only must not hurt anyone).
"""

from __future__ import annotations

import io
import os
import re
import signal
import struct
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "corpus" / "fixtures" / "raw"
DOCX = FIXTURES / "fixture2021__docx_plain.docx"
XLSX = FIXTURES / "fixture2021__xlsx_one_sheet.xlsx"
HTML = FIXTURES / "fixture2021__html_cms.html"
TEXT = FIXTURES / "fixture2021__text_tabs.txt"
GiB = 1 << 30
MiB = 1 << 20


# ---------------------------------------------------------------- zip packages


def rezip(
    src: bytes, replace: dict[str, bytes], add: dict[str, bytes] | None = None, method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """A copy of the zip `src` with some members replaced and some added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(src)) as zin, zipfile.ZipFile(out, "w", method, compresslevel=9) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, replace.get(info.filename, zin.read(info.filename)))
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out.getvalue()


def _deflated_repeat(head: bytes, unit: bytes, size: int, tail: bytes, adler: bool = False) -> tuple[bytes, int, int]:
    """Raw deflate of head + unit repeated up to `size` bytes + tail, built in a second: one
    compressed block of a mebibyte of `unit`, self-contained (full flush), repeated. Returns
    (compressed, crc32 — or adler32 for a zlib stream —, uncompressed size)."""
    block = unit * max(1, MiB // len(unit))
    copies = max(1, size // len(block))

    def deflate(data: bytes, mode: int) -> bytes:
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(mode)

    body = deflate(head, zlib.Z_FULL_FLUSH) + deflate(block, zlib.Z_FULL_FLUSH) * copies + deflate(tail, zlib.Z_FINISH)
    check = zlib.adler32 if adler else zlib.crc32
    value = check(head)
    for _ in range(copies):
        value = check(block, value)
    return body, check(tail, value), len(head) + len(block) * copies + len(tail)


def _zip(members: list[tuple[str, bytes, int, int]], declared: dict[str, int] | None = None) -> bytes:
    """A zip written by hand from raw-deflated members (name, compressed, crc32, size); `declared`
    overrides the uncompressed size its headers state."""
    out = bytearray()
    central = bytearray()
    for name, data, crc, size in members:
        size = (declared or {}).get(name, size)
        n = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), size, len(n), 0) + n + data
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(data),
                size,
                len(n),
                0,
                0,
                0,
                0,
                0,
                offset,
            )
            + n
        )
    directory = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), directory, 0)
    return bytes(out)


def _members(src: bytes) -> list[tuple[str, bytes, int, int]]:
    out = []
    with zipfile.ZipFile(io.BytesIO(src)) as z:
        for info in z.infolist():
            data = z.read(info.filename)
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            out.append((info.filename, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    return out


def _docx_part() -> tuple[bytes, bytes]:
    src = DOCX.read_bytes()
    return src, zipfile.ZipFile(io.BytesIO(src)).read("word/document.xml")


def zip_bomb(
    src: bytes, part: str, marker: bytes, unit: bytes, size: int, declared: dict[str, int] | None = None
) -> bytes:
    """The package `src` with `part` filled after `marker` with `unit` up to `size` bytes."""
    members = _members(src)
    xml = zipfile.ZipFile(io.BytesIO(src)).read(part)
    i = xml.index(marker) + len(marker)
    body, crc, total = _deflated_repeat(xml[:i], unit, size, xml[i:])
    return _zip([(n, body, crc, total) if n == part else (n, d, c, s) for n, d, c, s in members], declared)


def docx_zip_bomb(size: int = GiB) -> bytes:
    """word/document.xml unpacking to `size` bytes of empty paragraphs (~1 MB for 1 GiB)."""
    return zip_bomb(DOCX.read_bytes(), "word/document.xml", b"<w:body>", b"<w:p/>", size)


def docx_ratio_bomb() -> bytes:
    """A 30 MB part (under the size limit per part) compressed ~1000:1."""
    return docx_zip_bomb(30 * MiB)


def docx_lying_size() -> bytes:
    """A zip whose directory says word/document.xml unpacks to 1 KB while it unpacks to 100 MB."""
    return zip_bomb(
        DOCX.read_bytes(), "word/document.xml", b"<w:body>", b"<w:p/>", 100 * MiB, declared={"word/document.xml": 1024}
    )


def docx_many_members(n: int = 3000) -> bytes:
    return rezip(DOCX.read_bytes(), {}, add={f"extra/item{i}.xml": b"<a/>" for i in range(n)})


def docx_bzip2() -> bytes:
    return rezip(DOCX.read_bytes(), {}, method=zipfile.ZIP_BZIP2)


LAUGHS_DTD = '<!ENTITY lol "lollollollollollollollollollol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
)


def _with_dtd(xml: bytes, root: str, dtd: str, entity: str) -> bytes:
    body = xml.split(b"?>", 1)[1] if xml.lstrip().startswith(b"<?xml") else xml
    body = re.sub(rb"(<w:t(?: [^>]*)?>|<t(?: [^>]*)?>)", lambda m: m.group(1) + f"&{entity};".encode(), body, count=1)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE {root} [{dtd}]>\n'.encode() + body


def docx_billion_laughs() -> bytes:
    src, doc = _docx_part()
    return rezip(src, {"word/document.xml": _with_dtd(doc, "w:document", LAUGHS_DTD, "lol9")})


def docx_external_entity() -> bytes:
    src, doc = _docx_part()
    return rezip(
        src, {"word/document.xml": _with_dtd(doc, "w:document", '<!ENTITY x SYSTEM "file:///etc/passwd">', "x")}
    )


def docx_deep_nesting(depth: int = 5000) -> bytes:
    src, doc = _docx_part()
    nest = b"<w:tbl><w:tr><w:tc>" * depth + b"<w:p><w:r><w:t>x</w:t></w:r></w:p>" + b"</w:tc></w:tr></w:tbl>" * depth
    return rezip(src, {"word/document.xml": doc.replace(b"<w:body>", b"<w:body>" + nest, 1)})


def _sheet() -> tuple[bytes, bytes]:
    src = XLSX.read_bytes()
    return src, zipfile.ZipFile(io.BytesIO(src)).read("xl/worksheets/sheet1.xml")


def xlsx_billion_laughs() -> bytes:
    src, sheet = _sheet()
    return rezip(src, {"xl/worksheets/sheet1.xml": _with_dtd(sheet, "worksheet", LAUGHS_DTD, "lol9")})


def xlsx_zip_bomb(size: int = GiB) -> bytes:
    return zip_bomb(XLSX.read_bytes(), "xl/worksheets/sheet1.xml", b"<sheetData>", b" ", size)


def xlsx_merge_everything() -> bytes:
    """One merged range over the whole sheet (17 billion cells: openpyxl makes an object per cell)."""
    src, sheet = _sheet()
    merged = re.sub(
        rb'<mergeCells count="(\d+)">',
        lambda m: b'<mergeCells count="%d"><mergeCell ref="P60:XFD1048576"/>' % (int(m.group(1)) + 1),
        sheet,
        count=1,
    )
    assert merged != sheet
    return rezip(src, {"xl/worksheets/sheet1.xml": merged})


def xlsx_far_cell() -> bytes:
    """A cell at XFD1048576: the used range becomes the whole sheet (rows read across it)."""
    src, sheet = _sheet()
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'
    return rezip(src, {"xl/worksheets/sheet1.xml": sheet.replace(b"</sheetData>", far, 1)})


# ---------------------------------------------------------------- HTML and text


def html_entity_bomb() -> bytes:
    """The HTML report with an internal DTD of nested entities and &lol9; (a billion laughs) in it."""
    page = HTML.read_bytes()
    page = re.sub(rb"<!DOCTYPE[^>]*>", b"", page, count=1, flags=re.IGNORECASE)
    head = f'<!DOCTYPE html [{LAUGHS_DTD}<!ENTITY x SYSTEM "file:///etc/passwd">]>'.encode()
    return head + page.replace(b"<body>", b"<body><p>&lol9; &x;</p>", 1)


def html_deep_nesting(depth: int = 100_000) -> bytes:
    page = HTML.read_bytes()
    return page.replace(b"</body>", b"<div>" * depth + b"x" + b"</div>" * depth + b"</body>", 1)


def html_wide_spans() -> bytes:
    """A table row of 10,000 cells each spanning 1,000 columns and 10,000 rows."""
    row = b"<tr>" + b'<td colspan="1000" rowspan="10000">1</td>' * 10_000 + b"</tr>"
    return HTML.read_bytes().replace(b"</body>", b"<table>" + row * 3 + b"</table></body>", 1)


def html_css_grid_bomb() -> bytes:
    """A CSS grid of 1,000 columns whose 1,000 cells each span 1,000 columns and 1,000 rows."""
    cells = b'<div style="grid-column: span 1000; grid-row: span 1000">1</div>' * 1000
    grid = b'<div style="display:grid; grid-template-columns: repeat(1000, 1fr)">' + cells + b"</div>"
    return HTML.read_bytes().replace(b"</body>", grid + b"</body>", 1)


def html_long_number() -> bytes:
    """A colspan of 5,000 digits (int() refuses more than 4,300)."""
    return HTML.read_bytes().replace(b"<td", b'<td colspan="' + b"9" * 5000 + b'"', 1)


def html_many_tags(n: int = 1_100_000) -> bytes:
    """More tags than any report page (an lxml element each)."""
    return b"<html><body>" + b"<p>1</p>" * n + b"</body></html>"


def html_many_rows(n: int = 990_000) -> bytes:
    """Under the tag limit, but a row for each paragraph: the reader stops at the row limit."""
    return b"<html><body>" + b"<p>1</p>" * n + b"</body></html>"


def text_long_line(size: int = 40 * MiB) -> bytes:
    return b"1\t" * (size // 2)


def text_many_lines(n: int = 2_000_000) -> bytes:
    return TEXT.read_bytes() + b"1\n" * n


# ---------------------------------------------------------------- PDF


def _pdf(objs: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT = b"BT /F1 12 Tf 72 720 Td (2024 annual report) Tj ET\n"


def _page(contents: int, parent: int = 2) -> bytes:
    return (
        b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
        b"/Resources << /Font << /F1 3 0 R >> >> >>" % (parent, contents)
    )


def _stream(data: bytes, filters: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), filters) + data + b"\nendstream"


def _one_page(content_stream: bytes) -> bytes:
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            _FONT,
            _page(5),
            content_stream,
        ]
    )


def pdf_flate_bomb(size: int = GiB) -> bytes:
    """A page whose content stream inflates to `size` bytes of spaces (~1 MB for 1 GiB)."""
    body, adler, _ = _deflated_repeat(_TEXT, b" ", size, b"", adler=True)
    z = b"\x78\xda" + body + struct.pack(">I", adler)
    return _one_page(_stream(z, b"/Filter /FlateDecode "))


def pdf_runlength_bomb(size: int = 128 * MiB) -> bytes:
    """RunLengthDecode: two bytes repeat one byte 128 times (pdfminer builds a list of ints)."""
    return _one_page(_stream(_TEXT + b"\x81 " * (size // 128) + b"\x80", b"/Filter /RunLengthDecode "))


def _lzw_codes(codes: list[int]) -> bytes:
    """Codes packed as pdfminer's LZWDecoder reads them (9 bits, 10 from table size 511, …)."""
    bits = 0
    n = 0
    out = bytearray()
    width = 9
    table = 258
    first = True  # the first code after a clear adds no table entry
    for code in codes:
        bits = (bits << width) | code
        n += width
        while n >= 8:
            n -= 8
            out.append((bits >> n) & 0xFF)
        bits &= (1 << n) - 1
        if code == 256:
            width, table, first = 9, 258, True
        elif first:
            first = False
        else:
            table += 1
            width = {511: 10, 1023: 11, 2047: 12}.get(table, width)
    if n:
        out.append((bits << (8 - n)) & 0xFF)
    return bytes(out)


def pdf_lzw_bomb(repeats: int = 300_000) -> bytes:
    """LZW codes naming ever longer runs of one byte, then the longest one over and over: ~4 KB
    out of each 12-bit code, and pdfminer's table grows by as much each time."""
    codes = [256, 32, *range(258, 4096), *([4095] * repeats)]
    return _one_page(_stream(_lzw_codes(codes), b"/Filter /LZWDecode "))


def pdf_many_pages(n: int = 600) -> bytes:
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT, _stream(_TEXT)]
    kids = []
    for _ in range(n):
        objs.append(_page(4))
        kids.append(b"%d 0 R" % len(objs))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % n
    return _pdf(objs)


def pdf_busy_page(n: int = 300_000) -> bytes:
    """One page drawing `n` characters (compressed, ~100 KB)."""
    content = b"BT /F1 1 Tf " + b"(x) Tj " * n + b"ET"
    return _one_page(_stream(zlib.compress(content, 9), b"/Filter /FlateDecode "))


def pdf_page_tree_loop() -> bytes:
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [2 0 R 4 0 R] /Count 2 >>",
            _FONT,
            _page(5),
            _stream(_TEXT),
        ]
    )


def pdf_xobject_loop() -> bytes:
    """A form XObject that draws itself."""
    form = (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /XObject << /X 6 0 R >> "
        b"/Font << /F1 3 0 R >> >> /Length %d >>\nstream\n" % len(_TEXT + b"/X Do") + _TEXT + b"/X Do\nendstream"
    )
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            _FONT,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
            b"/Resources << /Font << /F1 3 0 R >> /XObject << /X 6 0 R >> >> >>",
            _stream(b"/X Do"),
            form,
        ]
    )


def pdf_deep_nesting(depth: int = 200_000) -> bytes:
    return _pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * depth + b"]" * depth + b" >>",
            b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
            _FONT,
            _page(5),
            _stream(_TEXT),
        ]
    )


def pdf_many_pages_slow(n: int = 450) -> bytes:
    """Under the page limit, but slow: used with a lowered time limit."""
    return pdf_many_pages(n)


# ---------------------------------------------------------------- the raw folder

# name → (builder, fragment of the reason it is quarantined with; None: only must not hurt)
HOSTILE: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "bomb-1GiB.docx": (docx_zip_bomb, "over the 64.0 MB limit for one part"),
    "bomb-ratio.docx": (docx_ratio_bomb, "limits.MAX_ZIP_RATIO"),
    "bomb-lying-size.docx": (docx_lying_size, "does not match its zip directory entry"),
    "members-3000.docx": (docx_many_members, "limits.MAX_ZIP_MEMBERS"),
    "bzip2.docx": (docx_bzip2, "compressed with bzip2"),
    "laughs.docx": (docx_billion_laughs, "declares a DTD"),
    "external-entity.docx": (docx_external_entity, "declares a DTD"),
    "deep.docx": (docx_deep_nesting, "nested more than 256 levels deep"),
    "laughs.xlsx": (xlsx_billion_laughs, "declares a DTD"),
    "bomb-1GiB.xlsx": (xlsx_zip_bomb, "over the 64.0 MB limit for one part"),
    "merge-everything.xlsx": (xlsx_merge_everything, "merged ranges cover"),
    "far-cell.xlsx": (xlsx_far_cell, "spans 1,048,576 rows × 16,384 columns"),
    "laughs.html": (html_entity_bomb, None),
    "deep.html": (html_deep_nesting, None),
    "wide-spans.html": (html_wide_spans, None),
    "css-grid-bomb.html": (html_css_grid_bomb, "limits.MAX_GRID_CELLS"),
    "long-number.html": (html_long_number, None),
    "many-tags.html": (html_many_tags, "limits.MAX_MARKUP_TAGS"),
    "many-rows.html": (html_many_rows, "limits.MAX_GRID_ROWS"),
    "long-line.txt": (text_long_line, "limits.MAX_LINE_CHARS"),
    "many-lines.txt": (text_many_lines, "limits.MAX_GRID_ROWS"),
    "bomb-1GiB.pdf": (pdf_flate_bomb, "limits.MAX_PDF_STREAM_BYTES"),
    "bomb-runlength.pdf": (pdf_runlength_bomb, "limits.MAX_PDF_STREAM_BYTES"),
    "bomb-lzw.pdf": (pdf_lzw_bomb, "limits.MAX_PDF_STREAM_BYTES"),
    "pages-600.pdf": (pdf_many_pages, "limits.MAX_PDF_PAGES"),
    "busy-page.pdf": (pdf_busy_page, "limits.MAX_PDF_PAGE_OBJECTS"),
    "page-tree-loop.pdf": (pdf_page_tree_loop, None),
    "xobject-loop.pdf": (pdf_xobject_loop, None),
    "deep.pdf": (pdf_deep_nesting, None),
}


def write_all(folder: Path) -> dict[str, str | None]:
    """Every HOSTILE file into folder; name → expected reason fragment."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (build, _) in HOSTILE.items():
        (folder / name).write_bytes(build())
    return {name: fragment for name, (_, fragment) in HOSTILE.items()}


def sparse_file(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no disk space (a hole)."""
    with open(path, "wb") as f:
        f.truncate(size)


# ---------------------------------------------------------------- parse worker targets (tests)


def parse_or_die(path: str, expected_sha256: str | None = None):
    """parse_one, except that a file called *crash* kills its process, *slow* sleeps, *hog*
    allocates without end: what a parser bug in a C library, a hang or a leak would do. A file
    called *scanN* first "OCRs" N pages of 2 s each (the OCR reader's page hooks, as a real scan
    calls them), and *scanN-stuck* then hangs on the next page."""
    from pipelines.parse_worker import parse_one

    name = os.path.basename(path)
    scan = re.search(r"scan(\d+)", name)
    if scan:
        from pipelines.ocr.progress import page_done

        for page in range(1, int(scan.group(1)) + 1):
            time.sleep(2.0)
            page_done(page, 2.0)
        if "stuck" in name:
            time.sleep(3600)
    if "crash" in name:
        os.kill(os.getpid(), signal.SIGKILL)
    if "slow" in name:
        time.sleep(3600)
    if "hog" in name:  # reserves address space without touching it (no real memory is used)
        import mmap

        hog = []
        while True:
            try:
                hog.append(mmap.mmap(-1, 64 * MiB))
            except OSError:  # ENOMEM at the worker's RLIMIT_AS: what Python's allocator raises
                raise MemoryError from None
    return parse_one(path, expected_sha256)
