"""HTML pages (CMS articles, Word "save as web page"): text blocks and table rows in order.

The document is walked in reading order. Text outside tables becomes one-cell rows, one per
block (p, div, h1–h6, li, …) or <br>-separated line. Every <tr> becomes a positional row
whose cells are its <td>/<th>: `col` is the grid column after the rowspans of the rows
above, `span` the colspan. A cell's text joins its inline pieces without adding anything
(Word splits one number across several <span>s: "1<span>2</span>3" prints 123) and puts a
newline between block-level pieces and at <br>. &nbsp; and full-width spaces are spaces, so
a cell holding only &nbsp; is empty, i.e. blank.

A row one of whose cells holds a nested table is page layout (the whole article inside a
layout table): its cells are walked as document content, so the nested tables' rows are
rows themselves and nothing is counted twice.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Container, Iterator
from typing import Any

from lxml import etree

from ..grid import Cell, Grid, GridRow, RowList
from ..limits import MAX_GRID_CELLS, MAX_MARKUP_TAGS, MAX_ROW_CELLS, MAX_ROW_COLUMNS
from ..model import ParseError

# Elements that start a new line of text (everything else is inline and joins without a gap).
_BLOCK = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "dir",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "html",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "legend",
    ]
)
# Elements whose content is never printed as page text.
_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "head",
        "iframe",
        "object",
        "embed",
        "svg",
        "math",
        "canvas",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "map",
        "area",
        "audio",
        "video",
        "source",
        "track",
        "meta",
        "link",
        "base",
    ]
)
# Elements that end a cell's one line of inline text (_inline_text).
_NOT_INLINE = _BLOCK | _SKIP | {"br"}
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|mso-hide\s*:\s*all|visibility\s*:\s*hidden", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\v\u00a0\u3000\u2002\u2003\u2009\u200b\ufeff]+")

# (matched on the lower-cased head: declared_encoding)
_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-z0-9_\-.:]+)""")
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([a-z0-9_\-.:]+)""")
_GB = frozenset(
    {
        "gbk",
        "gb2312",
        "gb_2312",
        "gb_2312-80",
        "gb-2312",
        "x-gbk",
        "cp936",
        "ms936",
        "euc-cn",
        "euccn",
        "csgb2312",
        "chinese",
        "iso-ir-58",
        "gb18030",
        "windows-936",
    }
)


# ---------------------------------------------------------------- decoding


def declared_encoding(data: bytes) -> str | None:
    """The charset the page declares (<meta charset>, http-equiv content-type, <?xml encoding>)."""
    # (the patterns, on the lower-cased head, match where they would ignoring case: searched with
    # case, "<meta" is found by a fast scan instead of a try at every byte)
    head = data[:8192].lower()
    m = _XML_DECL.match(head) or _CHARSET.search(head)
    if not m:
        return None
    name = m.group(1).decode("ascii", "ignore").strip().lower()
    if name in _GB:
        return "gb18030"  # the superset: GBK/GB2312 pages often hold characters outside GB2312
    if name.startswith("big5"):
        return "big5hkscs"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode_html(data: bytes) -> str:
    """The page's text: BOM first, then the declared charset, then UTF-8, then GB18030."""
    return _decoded(data)[0]


def _decoded(data: bytes) -> tuple[str, str]:
    """decode_html's text, and the codec it was decoded with."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), "utf-16"
    declared = declared_encoding(data)
    if declared and codecs.lookup(declared).name in ("cp1252", "iso8859-1", "latin-1", "ascii"):
        declared = None  # a Western default on a Chinese page is a CMS template's leftover: sniff instead
    candidates = [e for e in (declared, "utf-8", "gb18030") if e]
    for enc in dict.fromkeys(candidates):
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            continue
    enc = declared or "utf-8"
    return data.decode(enc, errors="replace"), enc


# ---------------------------------------------------------------- text


def _norm(text: str) -> str:
    """One printed line: every run of whitespace (incl. &nbsp;, full-width space) is one space."""
    return _SPACES.sub(" ", text).strip()


def _leaf_text(text: str) -> str:
    """_norm of a cell's whole text, kept per text (a city's tables print the same labels and
    numbers on every page)."""
    line = _LEAF_TEXTS.get(text)
    if line is None:
        if len(_LEAF_TEXTS) >= 65536:
            _LEAF_TEXTS.clear()  # bounded: a worker parses thousands of pages
        line = _LEAF_TEXTS[text] = _norm(text)
    return line


_LEAF_TEXTS: dict[str, str] = {}


def _tag(el) -> str | None:
    """Lower-case tag name, None for comments and processing instructions."""
    tag = el.tag
    return tag.lower() if tag.__class__ is str else None


def _hidden(el) -> bool:
    """The element is hidden by its own attributes (hidden, or a style hiding it). The walk asks
    the page's set of them instead (_page_styles): one pass over the page, not a call per element."""
    if el.get("hidden") is not None:
        return True
    style = el.get("style")
    if not style:
        return False
    return _style_hides(style)


def _style_hides(style: str) -> bool:
    hidden = _STYLE_HIDDEN.get(style)
    if hidden is None:
        if len(_STYLE_HIDDEN) >= 4096:
            _STYLE_HIDDEN.clear()  # bounded: a page may print any number of styles
        hidden = _STYLE_HIDDEN[style] = _hiding_style(style)
    return hidden


# style attribute → whether it hides the element (a page repeats a few styles on every cell)
_STYLE_HIDDEN: dict[str, bool] = {}


def _hiding_style(style: str) -> bool:
    if style.isascii():  # (the pattern's words, ignoring case, are only in ASCII as these)
        low = style.lower()
        if "display" not in low and "mso-hide" not in low and "visibility" not in low:
            return False
    return _HIDDEN_STYLE.search(style) is not None


_LEADING_INT = re.compile(r"\s*(\d{1,9})")


def _int_attr(el, name: str, limit: int) -> int:
    value = el.get(name)
    if not value:
        return min(1, limit)
    n = _LEADING_INTS.get(value)
    if n is None:
        if len(_LEADING_INTS) >= 4096:
            _LEADING_INTS.clear()  # bounded: a page may print any number of values
        m = _LEADING_INT.match(value)
        n = _LEADING_INTS[value] = int(m.group(1)) if m else 1
    return min(max(n, 1), limit)


# attribute value → its leading integer, 1 when none (a page repeats a few colspan/rowspan values)
_LEADING_INTS: dict[str, int] = {}


def _cell_text(td, hidden: Container) -> str:
    """All text of a table cell: inline pieces joined as is, block pieces and <br> on new lines.
    Nested tables are left out (their rows are rows of their own). `hidden`: the page's hidden
    elements (_page_styles)."""
    if not len(td):  # text only
        return _leaf_text(td.text) if td.text else ""
    # Most cells hold inline markup only (<font>, <span>), or one paragraph of it (Word's
    # <p class=MsoNormal><span>): then the text is one line, the cell's string value, and the
    # walk below (a Python call per element) is not needed.
    inline = _inline_text(td, hidden)
    if inline is not None:
        return inline
    return _cell_text_walk(td, hidden)


def _inline_text(td, hidden: Container) -> str | None:
    """The cell's one line of text when it holds only visible inline elements, or a single
    paragraph of them with nothing printed around it; None for any other cell."""
    para = None
    if len(td) == 1:
        first = td[0]
        tag = first.tag
        if (tag == "p" or (tag.__class__ is str and tag.lower() == "p")) and first not in hidden:
            para = first  # the cell's only child is a paragraph (Word's cells)
    for el in _descendants(td if para is None else para):
        tag = el.tag
        if tag.__class__ is not str:
            continue  # a comment: its text is no page text (its tail is, in both ways)
        if tag.lower() in _NOT_INLINE or el in hidden:
            return None
    if para is not None:
        if (td.text and _norm(td.text)) or (para.tail and _norm(para.tail)):
            return None  # text beside the paragraph: lines of their own
        return _leaf_text(_text_of(para))
    return _leaf_text(_text_of(td))


# Children taken as a list (el[:]), which costs a fraction of lxml's iterators (iterdescendants()
# is ~4 µs to set up, more than all the rest of a Word cell's scan), when an element has at most
# this many; more are iterated, one element object at a time (a list of a hostile page's million
# paragraphs would hold ~70 MB of them at once).
_LISTED = 64


def _text_of(el) -> str:
    """The element's string value (every text node below it, comments left out), as XPath's
    string() gives it, by lxml's text serialiser: a third of string()'s cost. An element holding
    one childless element (Word's <p><span>12</span></p>, a <span> in a cell) is read from its
    three texts instead, a fraction of the serialiser's cost: its text before the child, the
    child's, the text after it."""
    if len(el) == 1:
        child = el[0]
        if child.tag.__class__ is str and not len(child):  # (a comment's text is no text)
            return (el.text or "") + (child.text or "") + (child.tail or "")
    return etree.tostring(el, method="text", encoding=str, with_tail=False)


def _cell_text_walk(td, hidden: Container) -> str:
    lines: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if buf:
            line = _norm("".join(buf))
            buf.clear()
            if line:
                lines.append(line)

    def walk(el) -> None:
        tag = el.tag
        if tag.__class__ is not str:
            return
        tag = tag.lower()
        if tag in _SKIP or tag == "table" or el in hidden:
            return
        if tag == "br":
            flush()
            return
        block = tag in _BLOCK
        if block:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el[:] if len(el) <= _LISTED else el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    if td.text:
        buf.append(td.text)
    for child in td[:] if len(td) <= _LISTED else td:
        walk(child)
        if child.tail:
            buf.append(child.tail)
    flush()
    return "\n".join(lines)


def _has_table(el) -> bool:
    # (the HTML parser gives lower-case tag names: "table" is the only spelling to look for)
    for _ in el.iterdescendants("table"):
        return True
    return False


def _table_rows(table) -> tuple[list[tuple[int, Any]], list]:
    """The table's own rows (not those of nested tables) in document order, each with the
    number of its row group (a rowspan never reaches past its <thead>/<tbody>/<tfoot>), and its
    captions (one pass over its children, each tag name read once)."""
    rows = []
    captions = []
    group = 0
    for child in table[:] if len(table) <= _LISTED else table:
        tag = child.tag
        if tag.__class__ is not str:
            continue  # a comment or processing instruction
        tag = tag.lower()
        if tag == "tr":
            rows.append((group, child))
        elif tag in _ROW_GROUPS:
            group += 1
            rows.extend((group, c) for c in (child[:] if len(child) <= _LISTED else child) if _tag(c) == "tr")
            group += 1
        elif tag == "caption":
            captions.append(child)
    return rows, captions


_ROW_GROUPS = frozenset(("thead", "tbody", "tfoot"))


def _small_cell_text(td) -> str | None:
    """The text (before _leaf_text) of a cell holding one element, itself holding at most one
    childless element, where _inline_text reads one line: a <p> alone, with nothing printed beside it
    (Word's <td><p><span>12</span></p></td>), or an inline element (<td>1<span>2</span>3</td>).
    None for any other cell. Read from the few texts directly, without _inline_text's walk over
    the descendants; only on a page hiding nothing, whose tag names are as parsed (_names_as_parsed):
    then a tag is in a set of lower-case names exactly when _tag() of it is."""
    if len(td) != 1:
        return None
    child = td[0]
    tag = child.tag
    n = len(child)
    if n > 1:
        return None
    if n:
        inner = child[0]
        inner_tag = inner.tag
        if inner_tag in _NOT_INLINE or len(inner):
            return None
        # (a comment's text is no text; its tail is)
        inner_text = (inner.text or "") + (inner.tail or "") if inner_tag.__class__ is str else inner.tail or ""
    else:
        inner_text = ""
    if tag == "p":  # the cell's paragraph: one line when nothing is printed beside it
        text = td.text
        if text and _norm(text):
            return None
        text = child.tail
        if text and _norm(text):
            return None
        return (child.text or "") + inner_text
    if tag in _NOT_INLINE:
        return None
    head = td.text or ""
    if tag.__class__ is not str:
        return head + (child.tail or "")  # a comment: n is 0
    return head + (child.text or "") + inner_text + (child.tail or "")


def _names_as_parsed(text: str) -> bool:
    """Every tag name of the page is its own lower-case form: libxml2 lower-cases ASCII letters,
    and the one other character whose lower case is ASCII (KELVIN SIGN, "k") is not in the text."""
    return "\u212a" not in text


class _Walker:
    """Turns a parsed document into grid rows in reading order."""

    def __init__(self, hidden: Container, css_grids: bool, names_as_parsed: bool = False) -> None:
        self.hidden = hidden  # the page's hidden elements (_page_styles)
        self.css_grids = css_grids  # some element's style lays it out as a CSS grid
        # every tag name is its own lower-case form (_names_as_parsed): the tables' cells are read
        # by _small_cell_text where they can be
        self.names_as_parsed = names_as_parsed
        self.rows: list[GridRow] = RowList()
        self.buf: list[str] = []
        self.n_blocks = 0
        self.n_tables = 0

    # text outside tables ------------------------------------------------

    def flush(self) -> None:
        if not self.buf:
            return  # (most blocks start and end with nothing gathered)
        line = _norm("".join(self.buf))
        self.buf.clear()
        if line:
            self.n_blocks += 1
            src = f"html block {self.n_blocks}"
            self.rows.append(GridRow([Cell(line, 0, src)], positional=False, source=src))

    def walk(self, el) -> None:
        tag = el.tag
        if tag.__class__ is not str:
            return  # a comment or processing instruction
        tag = tag.lower()
        if tag in _SKIP or el in self.hidden:
            return
        if tag in _LAID_OUT:
            if tag == "br":
                self.flush()
                return
            if tag == "table":
                self.flush()
                self.table(el)
                return
            if self.css_grids and _grid_columns(el, self.hidden):
                self.flush()
                self.css_grid(el, _grid_columns(el, self.hidden))
                return
            # (a div row has three cells at least: an element with fewer children is none)
            if len(el) >= 3 and _is_div_row(el, self.hidden):
                self.flush()
                self.div_row(el)
                return
        buf = self.buf  # (flush empties it in place)
        block = tag in _BLOCK
        if block and buf:
            self.flush()
        text = el.text
        if text:
            buf.append(text)
        if len(el):
            for child in el[:] if len(el) <= _LISTED else el:
                self.walk(child)
                text = child.tail
                if text:
                    buf.append(text)
        if block and buf:
            self.flush()

    # tables ----------------------------------------------------------------

    def table(self, table) -> None:
        self.n_tables += 1
        t_no = self.n_tables
        rows, captions = _table_rows(table)
        for caption in captions:
            self.walk(caption)
        hidden = self.hidden
        leaf_texts = _LEAF_TEXTS
        col_names = _COL_NAMES
        out = self.rows
        nested = _has_table(table)  # (no nested table in the table: none in any of its cells)
        # (_small_cell_text reads most cells of a page hiding nothing, its tag names as parsed)
        small_cells = self.names_as_parsed and not hidden
        prefix = f"table {t_no} row "
        # columns still covered by a rowspan from above: grid column -> rows left (always > 0)
        covered: dict[int, int] = {}
        last_group = 0
        r_no = 0
        for group, tr in rows:
            r_no += 1
            if group != last_group:
                covered, last_group = {}, group
            if small_cells:  # (tag names as parsed: _tag() of each is itself; nothing hidden)
                tds = [c for c in tr[:] if c.tag in _CELL_TAGS_TD]
            else:
                # (the HTML parser gives lower-case tag names; any other spelling goes through _tag)
                tds = [
                    c
                    for c in tr[:]
                    if (c.tag in _CELL_TAGS_TD or (c.tag.__class__ is str and _tag(c) in _CELL_TAGS_TD))
                    and c not in hidden
                ]
            if nested and any(_has_table(td) for td in tds):
                # Layout: the row's cells are page content holding tables of their own.
                for td in tds:
                    self.walk(td)
                covered = {}
                continue
            src = prefix + str(r_no)
            if len(tds) > MAX_ROW_CELLS:
                continue  # wider than any report table (limits.MAX_ROW_CELLS): not a report row
            cells: list[Cell] = []
            new_cover: dict[int, int] = {}
            col = 0
            for td in tds:
                if covered:
                    while col in covered:
                        col += 1
                # (most cells have neither attribute: no call for them; an attribute's name list
                # costs less than looking both up)
                names = td.keys()
                if names:
                    span = _int_attr(td, "colspan", 1000) if "colspan" in names else 1
                    rowspan = _int_attr(td, "rowspan", 10000) if "rowspan" in names else 1
                else:
                    span = rowspan = 1
                if col + span > MAX_ROW_COLUMNS:
                    break  # spans past any report table's width (limits.MAX_ROW_COLUMNS): the rest left out
                if rowspan > 1:
                    for c in range(col, col + span):
                        new_cover[c] = rowspan - 1
                if len(td):
                    text = _small_cell_text(td) if small_cells else None
                    if text is not None:
                        if not text.isalnum():  # (letters and digits only: no space to normalise)
                            line = leaf_texts.get(text)
                            text = _leaf_text(text) if line is None else line
                    else:
                        text = _inline_text(td, hidden)
                        if text is None:
                            text = _cell_text_walk(td, hidden)
                else:  # text only (most cells): _cell_text's first case, without the call
                    text = td.text
                    if not text:
                        text = ""
                    elif not text.isalnum():  # (letters and digits only, a number: no space to normalise)
                        line = leaf_texts.get(text)
                        text = _leaf_text(text) if line is None else line
                cells.append(Cell(text, col, src + col_names[col], span))
                col += span
            if covered or new_cover:
                covered = {c: n - 1 for c, n in covered.items() if n > 1} | new_cover
            out.append(GridRow(cells, True, src))

    # tables without <table> ------------------------------------------------

    def div_row(self, el) -> None:
        """A row of a table a CMS printed without table tags (<div class=tr><p class=td>…): its
        children are its cells, an empty one a printed blank. Without the table's grid, columns
        are not known: the row is a row of fields, as tab-separated text is."""
        self.n_blocks += 1
        src = f"html div row {self.n_blocks}"
        cells = [
            Cell(_cell_text(c, self.hidden), i, f"{src} cell {i + 1}")
            for i, c in enumerate(_element_children(el, self.hidden))
        ]
        self.rows.append(GridRow(cells, positional=False, source=src))

    def css_grid(self, el, n_cols: int) -> None:
        """A table laid out as a CSS grid (grid-template-columns, cells spanning columns and rows by
        grid-column / grid-row: span N): cells placed row by row in the grid's own auto-flow,
        as a browser places them, into positional rows like an HTML table's."""
        self.n_tables += 1
        t_no = self.n_tables
        rows: list[list[Cell]] = []
        taken: set[tuple[int, int]] = set()
        r = c = 0
        for child in _element_children(el, self.hidden):
            span = _grid_span(child, "grid-column", n_cols)
            rspan = _grid_span(child, "grid-row", 1000)
            if len(taken) + span * rspan > MAX_GRID_CELLS:
                raise ParseError(
                    f"HTML CSS grid {t_no} covers more than {MAX_GRID_CELLS:,} cells "
                    "(limits.MAX_GRID_CELLS): not a report"
                )
            while True:
                if c + span > n_cols:
                    r, c = r + 1, 0
                    continue
                if any((r, c + k) in taken for k in range(span)):
                    c += 1
                    continue
                break
            while len(rows) <= r:
                rows.append([])
            rows[r].append(Cell(_cell_text(child, self.hidden), c, f"table {t_no} row {r + 1} col {c + 1}", span))
            for dr in range(rspan):
                for k in range(span):
                    taken.add((r + dr, c + k))
            c += span
        for r_no, cells in enumerate(rows, start=1):
            if cells:
                self.rows.append(GridRow(cells, positional=True, source=f"table {t_no} row {r_no}"))


_CELL_TAGS_TD = frozenset(("td", "th"))


class _ColumnNames(dict):  # type: ignore[type-arg]
    """A cell's source after its row's, " col N", by grid column (at most limits.MAX_ROW_COLUMNS)."""

    def __missing__(self, col: int) -> str:
        name = self[col] = f" col {col + 1}"
        return name


_COL_NAMES = _ColumnNames()
# Elements that may hold a table built without table tags.
_CONTAINERS = frozenset(["div", "section", "article", "p", "span"])
# Elements the walk may not take as text: line breaks, tables, and the containers above.
_LAID_OUT = _CONTAINERS | {"br", "table"}
_CELL_TAGS = frozenset(["div", "p", "span", "section"])
_GRID_TEMPLATE = re.compile(r"grid-template-columns\s*:\s*([^;\"']+)", re.IGNORECASE)
_REPEAT = re.compile(r"repeat\(\s*(\d{1,9})\s*,[^)]*\)", re.IGNORECASE)


def _element_children(el, hidden: Container) -> list:
    return [c for c in el[:] if _tag(c) is not None and _tag(c) not in _SKIP and c not in hidden]


def _grid_columns(el, hidden: Container) -> int:
    """The number of column tracks of an element laid out as a CSS grid (its inline style), 0 otherwise."""
    m = _GRID_TEMPLATE.search(el.get("style") or "")
    if not m:
        return 0
    value = m.group(1)
    n = sum(int(r.group(1)) for r in _REPEAT.finditer(value))
    n += len(_REPEAT.sub(" ", value).split())
    if n > MAX_ROW_CELLS:
        return 0  # wider than any report table: laid out as ordinary blocks
    return n if n >= 2 and len(_element_children(el, hidden)) >= n else 0


def _grid_span(el, prop: str, limit: int) -> int:
    m = re.search(prop + r"\s*:\s*span\s+(\d{1,9})", el.get("style") or "", re.IGNORECASE)
    return min(max(int(m.group(1)), 1), limit) if m else 1


def _is_div_row(el, hidden: Container) -> bool:
    """An element holding only cell-like children (at least three, no text of its own, none
    holding blocks), next to a sibling shaped the same: a row of a table without table tags."""
    kids = _element_children(el, hidden)
    if len(kids) < 3 or (el.text or "").strip() or any((k.tail or "").strip() for k in kids):
        return False
    # (the cheap tests first: a page's content <div> fails at its mixed children, before its
    # paragraphs' descendants are looked at)
    tags = {_tag(k) for k in kids}
    if len(tags) != 1 or not tags <= _CELL_TAGS:
        return False
    if any(_tag(d) in _BLOCK_NO_P for k in kids for d in _descendants(k)):
        return False
    siblings = [s for s in (el.getprevious(), el.getnext()) if s is not None and _tag(s) == _tag(el)]
    return any(
        len(_element_children(s, hidden)) >= 2 and {_tag(k) for k in _element_children(s, hidden)} == {_tag(kids[0])}
        for s in siblings
    )


def _descendants(el) -> Iterator:
    """Every node below the element (elements, comments), in no particular order (the callers ask
    whether any is of a kind): depth first by child lists (_LISTED)."""
    if len(el) > _LISTED:
        yield from el.iterdescendants()
        return
    todo = el[:]
    while todo:
        node = todo.pop()
        yield node
        n = len(node)
        if n > _LISTED:
            yield from node.iterdescendants()
        elif n:
            todo += node[:]


# Blocks a cell may not hold (a cell may hold paragraphs: Word's MsoNormal fragments).
_BLOCK_NO_P = _BLOCK - {"p", "span"}


def rows_from_tree(root, names_as_parsed: bool = False, nothing_styled: bool = False) -> tuple[list[GridRow], str]:
    """Grid rows of a parsed (sub)tree, and the page title (empty when there is none).
    `names_as_parsed`: _names_as_parsed of the parsed text (the fast path for tables);
    `nothing_styled`: _nothing_styled of the page (its styles are not looked at)."""
    title = ""
    for t in root.iter("title"):
        title = _norm(_string_value(t))
        if title:
            break
    hidden, css_grids = (frozenset(), False) if nothing_styled else _page_styles(root)
    walker = _Walker(hidden, css_grids, names_as_parsed)
    walker.walk(root)  # <head> is skipped: its title is returned apart
    walker.flush()
    return walker.rows, title


# Every style attribute of a page, and whether any element has the hidden attribute: libxml2 finds
# them without a Python call for each element (an iteration over the tree costs ~3x more).
_STYLES = etree.XPath("descendant-or-self::*/@style", smart_strings=False)
_ANY_HIDDEN_ATTRIBUTE = etree.XPath("boolean(descendant-or-self::*/@hidden)")
_STYLED = etree.XPath("descendant-or-self::*[@hidden or @style]")


def _page_styles(root) -> tuple[Container, bool]:
    """The page's hidden elements (_hidden), and whether any element's style lays it out as a CSS
    grid. A page repeats a few styles on all its elements (Word's cells): each different one is
    read once, and the elements are visited one by one only on a page that hides something."""
    styles = set(_STYLES(root))
    css_grids = any(_GRID_TEMPLATE.search(s) for s in styles)
    if not _ANY_HIDDEN_ATTRIBUTE(root) and not any(_style_hides(s) for s in styles):
        return frozenset(), css_grids
    return {el for el in _STYLED(root) if _hidden(el)}, css_grids


_HTML_PARSER = None
# An element's text content (lxml.html's text_content()).
_string_value = etree.XPath("string()")


def _html_parser():
    """lxml.html's parser (the same libxml2 HTML parser, same options) without its element class lookup:
    plain elements, no Python call for each element the walk touches."""
    global _HTML_PARSER
    if _HTML_PARSER is None:
        _HTML_PARSER = etree.HTMLParser()
    return _HTML_PARSER


def parse_tree(text: str):
    """lxml's document tree of an HTML text (ParseError when there is nothing to parse)."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)  # lxml refuses str input with an encoding declaration
    if not text or text.isspace():  # (as strip() would leave nothing, without the copy)
        raise ParseError("HTML page is empty")
    # (a text no longer than the limit cannot hold more tags: not counted)
    n_tags = text.count("<") if len(text) > MAX_MARKUP_TAGS else 0
    if n_tags > MAX_MARKUP_TAGS:  # lxml's tree would take ~200 bytes per element
        raise ParseError(
            f"HTML has {n_tags:,} tags, more than the {MAX_MARKUP_TAGS:,} a report page may have "
            "(limits.MAX_MARKUP_TAGS): not read"
        )
    try:
        root = etree.fromstring(text, _html_parser())
        if root is None:  # as lxml.html.document_fromstring
            raise etree.ParserError("Document is empty")
        return root
    except MemoryError:
        raise
    except (etree.LxmlError, ValueError) as exc:
        raise ParseError(f"HTML cannot be parsed ({exc})") from exc


def grid_from_html(text: str, nothing_styled: bool = False) -> Grid:
    """`nothing_styled`: _nothing_styled of the page the text was decoded from."""
    rows, title = rows_from_tree(parse_tree(text), _names_as_parsed(text), nothing_styled)
    if title:
        rows.insert(0, GridRow([Cell(title, 0, "html title")], positional=False, source="html title"))
    if not rows:
        raise ParseError("HTML page has no text")
    return Grid(rows=rows, text="\n".join([r.text for r in rows]))


def read_html(data: bytes) -> Grid:
    text, codec = _decoded(data)
    return grid_from_html(text, _nothing_styled(data, codec, text))


# Codecs that write every ASCII character as its own byte and no other character with an ASCII
# byte that is not part of a multi-byte sequence: a run of ASCII characters of the text is the same
# run of bytes in the page.
_ASCII_BYTES_CODECS = frozenset(["utf-8", "gb18030", "big5hkscs"])
# What a page must hold, ignoring case, to hide an element or lay one out as a CSS grid (_hidden,
# _HIDDEN_STYLE, _GRID_TEMPLATE; "visibility: hidden" holds "hidden"), and the start of the named
# character references of a character of _FOLDS_TO_ASCII (HTML5's &Idot; &imath; &inodot;; no other
# named reference spells an ASCII letter but &fjlig;, "fj", in none of the words). (Each word is a
# pass over the page: as few as will do.)
_STYLE_WORDS = (b"hidden", b"display", b"mso-hide", b"grid-template", b"&i")
# The characters other than ASCII letters that re.IGNORECASE matches to an ASCII letter (dotted and
# dotless i, long s, Kelvin sign): a style holding one may hide an element with no ASCII word for it.
_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
# A numeric character reference (on the lower-cased page): its value without leading zeros, at most
# as many digits as make a value past any character (a longer one is larger still).
_NUMERIC_REFERENCE = re.compile(rb"&#(?:x0*([0-9a-f]{1,8})|0*([0-9]{1,10}))")
_FOLDS_TO_ASCII_CODES = frozenset(ord(c) for c in _FOLDS_TO_ASCII)


def _nothing_styled(data: bytes, codec: str, text: str) -> bool:
    """No element of the page is hidden (_hidden) or laid out as a CSS grid, told from its bytes
    without the two passes over every element _page_styles makes: the words those need are not in
    the page. (Named character references spell no ASCII letter but in &fjlig;, "fj".)"""
    if codec not in _ASCII_BYTES_CODECS:
        return False
    low = data.lower()  # (bytes: ASCII letters only)
    if any(word in low for word in _STYLE_WORDS):
        return False
    if any(char in text for char in _FOLDS_TO_ASCII):
        return False
    # A character reference may spell a word (&#100;isplay) or a character of _FOLDS_TO_ASCII; the
    # ones a Chinese page holds (&#12288;, the full-width space) spell neither.
    for m in _NUMERIC_REFERENCE.finditer(low):
        hex_digits, digits = m.groups()
        code = int(hex_digits, 16) if hex_digits else int(digits)
        if code < 0x80 or code in _FOLDS_TO_ASCII_CODES:
            return False
    return True
