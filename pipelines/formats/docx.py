"""Word documents (DOCX): the body's paragraphs and tables in document order.

A paragraph is a non-positional row (split into fields at tabs, as text laid out with tabs
is a row of fields; a paragraph without tabs is one cell). A table row is a positional row:
every `w:tc` is a cell box, placed on the table grid from `w:gridBefore` and the `w:gridSpan`
of the cells before it. A horizontally merged cell (gridSpan, or legacy hMerge) is one cell
spanning its columns; a vertically merged continuation cell (vMerge without "restart") is
covered by the cell above and is left out of its row, as pdfplumber leaves out covered
boxes and HTML omits rowspan-covered cells. The XML is read directly because python-docx's
`row.cells` repeats merged cells. Cell text is its paragraphs joined by newlines, so digits
of two paragraphs or two cells never run together into one number.
"""

from __future__ import annotations

import io
import zipfile
from functools import lru_cache

from ..grid import Cell, Grid, GridRow, RowList
from ..model import ParseError
from .office import open_package

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = f"{{{W}}}"


def _tag(el) -> str:
    tag = el.tag
    return tag if isinstance(tag, str) else ""


# ---------------------------------------------------------------- text


_T = _W + "t"
_P = _W + "p"
_TBL = _W + "tbl"
_MARKS = {_W + "tab": "\t", _W + "ptab": "\t", _W + "br": "\n", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_NOT_TEXT = frozenset(
    (
        _W + "del",
        _W + "moveFrom",
        _W + "txbxContent",
        f"{{{MC}}}Fallback",
        _W + "pPr",
        _W + "rPr",
        _W + "instrText",
        _W + "delText",
    )
)


_R = _W + "r"
_RPR = _W + "rPr"


def _paragraph_text(p) -> str:
    """The visible text of a w:p: runs, hyperlinks, fields' results and insertions; not
    deleted or moved-away text, not the Fallback copy of a drawing, not text boxes."""
    out: list[str] = []
    _walk(p, out)
    return "".join(out)


def _walk(el, out: list[str]) -> None:
    for child in el:
        tag = child.tag
        if tag == _R:  # (most children: a run's children walked here, as the branch below would)
            for grand in child:
                tag = grand.tag
                if tag == _T:
                    out.append(grand.text or "")
                elif tag == _RPR:  # (in _NOT_TEXT; most runs have one)
                    continue
                elif tag in _MARKS:
                    out.append(_MARKS[tag])
                elif tag in _NOT_TEXT:
                    continue
                elif len(grand):
                    _walk(grand, out)
        elif tag == _T:
            out.append(child.text or "")
        elif tag in _MARKS:
            out.append(_MARKS[tag])
        elif tag in _NOT_TEXT:
            continue
        elif len(child):
            _walk(child, out)


def _child(el, tag: str):
    """The first child of `el` with this tag (el.find(tag) without lxml's path machinery), or None."""
    if el is None:
        return None
    for child in el:
        if child.tag == tag:
            return child
    return None


def _text_boxes(p) -> list:
    """Paragraphs inside text boxes anchored in a w:p (the Choice copy only)."""
    boxes = []
    for tx in p.iter(_W + "txbxContent"):
        if any(_tag(a) == f"{{{MC}}}Fallback" for a in tx.iterancestors()):
            continue
        boxes.append(tx)
    return boxes


def _block_items(parent):
    """w:p and w:tbl children in document order, looking through content controls."""
    for child in parent:
        tag = child.tag
        if tag in (_P, _TBL):
            yield child
        elif tag == _W + "sdt":
            content = _child(child, _W + "sdtContent")
            if content is not None:
                yield from _block_items(content)
        elif tag in (_W + "customXml", _W + "ins", _W + "moveTo"):
            yield from _block_items(child)


_TC, _TC_PR = _W + "tc", _W + "tcPr"
_LOOK_THROUGH = frozenset((_W + "sdt", _W + "customXml", _W + "ins", _W + "moveTo"))


def _cell_text(tc) -> str:
    return _cell_pr_text(tc)[1]


def _cell_pr_text(tc) -> tuple:
    """The cell's first w:tcPr (or None) and its text, in one walk over its children."""
    tc_pr = None
    parts: list[str] = []
    for child in tc:  # (_block_items(tc), with its most common children handled here)
        tag = child.tag
        if tag == _P:
            out: list[str] = []  # (_paragraph_text(child))
            _walk(child, out)
            parts.append("".join(out))
        elif tag == _TC_PR:
            if tc_pr is None:
                tc_pr = child
        elif tag == _TBL or tag in _LOOK_THROUGH:
            for item in _block_items((child,)):
                if item.tag == _P:
                    parts.append(_paragraph_text(item))
                else:  # a nested table: its cells' paragraphs, each on its own line
                    for tr in _rows(item):
                        for inner in _cells(tr):
                            parts.append(_cell_text(inner))
    return tc_pr, (parts[0].strip() if len(parts) == 1 else "\n".join(parts).strip())


# ---------------------------------------------------------------- tables


def _rows(tbl):
    for child in tbl:
        tag = child.tag
        if tag == _W + "tr":
            yield child
        elif tag == _W + "sdt":
            content = _child(child, _W + "sdtContent")
            if content is not None:
                yield from _rows(content)
        elif tag == _W + "customXml":
            yield from _rows(child)


def _cells(tr):
    for child in tr:
        tag = child.tag
        if tag == _W + "tc":
            yield child
        elif tag == _W + "sdt":
            content = _child(child, _W + "sdtContent")
            if content is not None:
                yield from _cells(content)
        elif tag == _W + "customXml":
            yield from _cells(child)


_VAL = _W + "val"


def _int_val(el, default: int) -> int:
    try:
        return max(int(el.get(_VAL)), 0) if el is not None else default  # None: TypeError below
    except (TypeError, ValueError):
        return default


_GRID_SPAN, _V_MERGE, _H_MERGE = _W + "gridSpan", _W + "vMerge", _W + "hMerge"


_TR_PR = _W + "trPr"
_DEL, _GRID_BEFORE = _W + "del", _W + "gridBefore"
_SDT, _CUSTOM_XML = _W + "sdt", _W + "customXml"
_NO_PROPS: tuple = (None, None, None)


def _cell_props(tbl) -> dict:
    """w:tcPr → its first w:gridSpan, w:vMerge and w:hMerge children (None for each it has not), for
    the cell properties in the table that have any: one walk of the table in lxml instead of a look
    at every property of every cell."""
    out: dict = {}
    slot = {_GRID_SPAN: 0, _V_MERGE: 1, _H_MERGE: 2}
    for prop in tbl.iter(_GRID_SPAN, _V_MERGE, _H_MERGE):
        parent = prop.getparent()
        if parent.tag != _TC_PR:
            continue
        found = out.get(parent)
        if found is None:
            found = out[parent] = [None, None, None]
        i = slot[prop.tag]
        if found[i] is None:
            found[i] = prop
    return out


def _table_rows(tbl, t_no: int) -> list[GridRow]:
    out: list[GridRow] = RowList()
    props = _cell_props(tbl)  # (keeps the w:tcPr elements alive: lxml gives the same object for each)
    prev_vmerge: set[int] = set()  # grid columns where a vertically merged cell is open above
    r_no = 0
    for tr in _rows(tbl):
        tr_pr = None
        tcs = []
        for child in tr:  # (_child(tr, trPr) and _cells(tr) in one walk)
            tag = child.tag
            if tag == _TC:
                tcs.append(child)
            elif tag == _TR_PR:
                if tr_pr is None:
                    tr_pr = child
            elif tag in (_SDT, _CUSTOM_XML):
                tcs.extend(_cells((child,)))
        if tr_pr is not None and _child(tr_pr, _DEL) is not None:
            continue  # a row deleted with track changes
        r_no += 1
        src = f"table {t_no} row {r_no}"
        col = _int_val(_child(tr_pr, _GRID_BEFORE), 0) if tr_pr is not None else 0
        cells: list[Cell] = []
        open_here: set[int] = set()
        for tc in tcs:
            tc_pr, text = _cell_pr_text(tc)  # (the text of a covered cell is not used)
            grid_span, v, h = props.get(tc_pr, _NO_PROPS) if tc_pr is not None else _NO_PROPS
            span = max(_int_val(grid_span, 1), 1) if grid_span is not None else 1
            start = col
            col += span
            if v is not None:
                if v.get(_VAL) == "restart":
                    open_here.add(start)
                elif start in prev_vmerge:  # covered by the merged cell above
                    open_here.add(start)
                    continue
                # a continuation with nothing open above (e.g. the first row of a table split
                # out of a merge) is shown by Word as a cell of its own
            if h is not None and h.get(_VAL) != "restart" and cells and cells[-1].col + cells[-1].span == start:
                cells[-1].span += span  # legacy horizontal merge: continuation widens the cell
                continue
            cells.append(Cell(text, start, f"{src} col {start + 1}", span))
        prev_vmerge = open_here
        if any(c.text for c in cells):
            out.append(GridRow(cells, positional=True, source=src))
    return out


# ---------------------------------------------------------------- reader


def _paragraph_row(text: str, src: str) -> GridRow:
    fields = text.strip().split("\t") if "\t" in text.strip() else [text.strip()]
    cells = [Cell(f.strip(), i, src if len(fields) == 1 else f"{src} field {i + 1}") for i, f in enumerate(fields)]
    return GridRow(cells, positional=False, source=src)


def _open(data: bytes):
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise ParseError("password-protected Office file (encrypted container); it cannot be read")
        raise ParseError("legacy Word .doc (OLE) file; only DOCX is supported")
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError as exc:  # pragma: no cover
        raise ParseError(f"DOCX support is not installed ({exc})") from exc
    open_package(data, "DOCX")  # zip directory and XML prologs within the limits (formats/office.py)
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError) as exc:
        raise ParseError("DOCX is corrupt: not a readable zip package") from exc
    except KeyError as exc:
        raise ParseError(f"DOCX is corrupt: missing part {exc}") from exc
    except MemoryError:
        raise
    except Exception as exc:  # lxml and python-docx raise many types on broken parts
        if "Excessive depth" in str(exc):
            raise ParseError("DOCX XML is nested more than 256 levels deep (the XML parser's limit): not read") from exc
        raise ParseError(f"DOCX cannot be opened ({type(exc).__name__}: {str(exc)[:80]})") from exc


_DOCUMENT_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_OFFICE_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_PARSER = None


class _Unsupported(Exception):
    """A package the direct reader leaves to python-docx."""


def _parser():
    """python-docx's parser settings (blank text between elements dropped, no entities), no network,
    no huge trees; DTDs are refused before (formats/office.py)."""
    global _PARSER
    if _PARSER is None:
        from lxml import etree

        _PARSER = etree.XMLParser(
            remove_blank_text=True, resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False
        )
    return _PARSER


@lru_cache(maxsize=64)  # (the same two small parts in many files of one producer)
def _main_part(rels_xml: bytes, types_xml: bytes) -> str:
    """The main document part ("/word/document.xml") the package's relationships and content types
    name, as python-docx finds it; _Unsupported when they name none, or not one python-docx reads."""
    import posixpath

    from lxml import etree

    parser = _parser()
    rels = etree.fromstring(rels_xml, parser)
    targets = [
        r.get("Target")
        for r in rels.iter(_PKG_REL)
        if r.get("Type") == _OFFICE_DOCUMENT and r.get("TargetMode") != "External"
    ]
    if len(targets) != 1 or not targets[0]:
        raise _Unsupported("main document relationship")
    part = posixpath.normpath(posixpath.join("/", targets[0]))
    types = etree.fromstring(types_xml, parser)
    overrides = {(o.get("PartName") or "").lower(): o.get("ContentType") for o in types.iter(_CT + "Override")}
    defaults = {(d.get("Extension") or "").lower(): d.get("ContentType") for d in types.iter(_CT + "Default")}
    content_type = overrides.get(part.lower()) or defaults.get(posixpath.splitext(part)[1][1:].lower())
    if content_type != _DOCUMENT_MAIN or part.lower() in ("/", "/[content_types].xml"):
        raise _Unsupported("main document content type")
    return part


def _body_direct(data: bytes):
    """The w:body of the main document part, read with lxml as python-docx finds and parses it."""
    from lxml import etree

    z = open_package(data, "DOCX")  # zip directory and XML prologs within the limits (formats/office.py)
    part = _main_part(z.read("_rels/.rels"), z.read("[Content_Types].xml"))
    root = etree.fromstring(z.read(part[1:]), _parser())
    if root.tag != _W + "document":
        raise _Unsupported("main document element")
    body = root.find(_W + "body")
    if body is None:
        raise _Unsupported("no body")
    return body


def read_docx(data: bytes) -> Grid:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        body = _open(data).element.body  # OLE: _open says what it is
    else:
        try:
            body = _body_direct(data)
        except ParseError:
            raise
        except Exception:  # noqa: BLE001 - anything the direct reader does not know: python-docx, as before
            body = _open(data).element.body
    grid = Grid()
    p_no = t_no = 0
    any_boxes = next(body.iter(_W + "txbxContent"), None) is not None
    for item in _block_items(body):
        if _tag(item) == _W + "p":
            p_no += 1
            for b_no, box in enumerate(_text_boxes(item) if any_boxes else (), start=1):
                for q_no, q in enumerate(_block_items(box), start=1):
                    if _tag(q) == _W + "p" and _paragraph_text(q).strip():
                        grid.rows.append(
                            _paragraph_row(_paragraph_text(q), f"paragraph {p_no} text box {b_no} line {q_no}")
                        )
            text = _paragraph_text(item)
            if text.strip():
                grid.rows.append(_paragraph_row(text, f"paragraph {p_no}"))
        else:
            t_no += 1
            grid.rows.extend(_table_rows(item, t_no))
    if not grid.rows:
        raise ParseError("DOCX has no text")
    grid.text = "\n".join(r.text for r in grid.rows)
    return grid
