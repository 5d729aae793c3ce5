"""Pure functions over the pages of an agency's website: bytes and URLs in, typed records out.

Chinese government sites are built on a handful of CMSs (TRS WCM, 大汉, 政府网站集约化平台 …); their
政府信息公开年报 columns differ in markup but not in substance: a list of links whose titles name the
year and 年度报告, a date beside each link, further pages (a 下一页 link or TRS's
`createPageHTML(n, i, "index", "html")` script), and article pages that either hold the report as
HTML or link it as an attachment (PDF, DOCX, XLSX …), often printing 发布时间 at the top.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import urldefrag, urljoin

import lxml.html

# Attachment extensions a report is published as.
ATTACHMENT_EXTENSIONS = (".pdf", ".docx", ".doc", ".xlsx", ".xls", ".wps", ".et", ".txt", ".md")
# The title of an annual report link: a year (4 digits, or 二〇二四 written out) and 年度报告 / 年报.
_REPORT_TITLE = re.compile(r"年度?报告|年报")
_YEAR = re.compile(r"(20\d\d)\s*年")
_DATE = re.compile(r"(20\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
# A printed publication date: 发布时间：2024-01-15, 发布日期: 2024年1月15日, 时间：2024/1/15 …
# The colon is required: a report's own text says 统计时间2023年1月1日至… without one.
_PRINTED = re.compile(
    r"(?:发布|公开|发文|成文)?(?:时间|日期)\s*[:：]\s*(20\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
_TRS_PAGES = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"']([^\"']+)[\"']\s*,\s*[\"']([^\"']+)[\"']")
_NEXT_TEXT = ("下一页", "下页", "后一页")
# Block elements a list item lives in: its date is printed inside the same block.
_ITEM_TAGS = ("li", "tr", "dd", "dl", "p", "div")


@dataclass(frozen=True)
class Link:
    """A link of a list page: absolute URL, its title, the date printed beside it (if any)."""

    url: str
    title: str
    list_date: dt.date | None


def _gbk_family(name: str) -> str:
    """GB2312 and GBK pages are decoded as GB18030 (their superset: a GBK page with a character
    outside GB2312, as real pages have, decodes all the same)."""
    return "gb18030" if name.lower().replace("-", "").replace("_", "") in ("gb2312", "gbk", "gb18030", "hz") else name


def charset(body: bytes, content_type: str | None) -> str | None:
    """The declared encoding: the Content-Type header's charset, else a meta tag in the first 4 KiB."""
    if content_type:
        header = _HEADER_CHARSET.search(content_type)
        if header:
            return _gbk_family(header[1])
    meta = _META_CHARSET.search(body[:4096])
    return _gbk_family(meta[1].decode("ascii")) if meta else None


def decode(body: bytes, content_type: str | None = None) -> str:
    """A page's text: the declared encoding when it decodes, else UTF-8, else GB18030 (undeclared
    Chinese pages are one or the other), else UTF-8 with replacement characters."""
    declared = charset(body, content_type)
    for name in (declared, "utf-8", "gb18030"):
        if not name:
            continue
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


def _tree(text: str) -> lxml.html.HtmlElement | None:
    if not text.strip():
        return None
    try:
        return lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError):
        return None


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def parse_date(text: str) -> dt.date | None:
    """The first date written in the text (2024-01-15, 2024/1/15, 2024.01.15, 2024年1月15日)."""
    m = _DATE.search(_clean(text))
    if not m:
        return None
    try:
        return dt.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def _absolute(base_url: str, href: str) -> str | None:
    href = href.strip()
    if not href or href.startswith(("javascript:", "mailto:", "#", "tel:")):
        return None
    url, _ = urldefrag(urljoin(base_url, href))
    return url if url.startswith(("http://", "https://")) else None


def _item_date(a: lxml.html.HtmlElement, title: str) -> dt.date | None:
    """The date printed in the list item around the link (its text without the title)."""
    for node in a.iterancestors():
        if node.tag in _ITEM_TAGS:
            text = _clean(node.text_content()).replace(title, " ")
            day = parse_date(text)
            if day is not None:
                return day
            if node.tag in ("li", "tr", "dd"):  # the item itself holds no date
                return None
    return None


def links(body: bytes, base_url: str, content_type: str | None = None) -> list[Link]:
    """Every link of a page with its title (the text, else the title attribute) and the date beside it,
    in page order, each URL once."""
    tree = _tree(decode(body, content_type))
    if tree is None:
        return []
    out: list[Link] = []
    seen: set[str] = set()
    for a in tree.iter("a"):
        url = _absolute(base_url, a.get("href") or "")
        if url is None or url in seen:
            continue
        title = _clean(a.text_content()) or _clean(a.get("title") or "")
        # a shortened title (… at the end) is printed in full in the title attribute
        full = _clean(a.get("title") or "")
        if full and len(full) > len(title):
            title = full
        seen.add(url)
        out.append(Link(url, title, _item_date(a, title)))
    return out


def report_year(title: str) -> int | None:
    """The report year a title names (2023年度… → 2023), None when it names none."""
    m = _YEAR.search(_clean(title))
    return int(m[1]) if m else None


def is_report_title(title: str) -> bool:
    """An annual report's title: a year and 年度报告 (or 年报), e.g. 某局2023年政府信息公开工作年度报告."""
    text = _clean(title)
    return bool(_REPORT_TITLE.search(text)) and report_year(text) is not None


def report_links(body: bytes, base_url: str, content_type: str | None = None) -> list[Link]:
    """The annual reports a list page links."""
    return [link for link in links(body, base_url, content_type) if is_report_title(link.title)]


def next_pages(body: bytes, base_url: str, content_type: str | None = None) -> list[str]:
    """The further pages of a list: a 下一页 link, numbered page links, and the pages TRS's
    createPageHTML(count, current, "index", "html") script writes (index_1.html …)."""
    text = decode(body, content_type)
    out: list[str] = []
    for m in _TRS_PAGES.finditer(text):
        count, name, ext = int(m[1]), m[3], m[4]
        out += [urljoin(base_url, f"{name}_{i}.{ext}") for i in range(1, min(count, 500))]
    tree = _tree(text)
    if tree is not None:
        for a in tree.iter("a"):
            label = _clean(a.text_content())
            if label in _NEXT_TEXT or label.isdigit() or a.get("class") in ("next", "next-page"):
                url = _absolute(base_url, a.get("href") or "")
                if url is not None:
                    out.append(url)
    base = urldefrag(base_url)[0]
    return [u for i, u in enumerate(out) if u != base and u not in out[:i]]


def is_attachment_url(url: str) -> bool:
    path = url.split("?", 1)[0].lower()
    return path.endswith(ATTACHMENT_EXTENSIONS)


def attachments(body: bytes, base_url: str, content_type: str | None = None) -> list[Link]:
    """The attachments an article page links (a report file), in page order."""
    return [link for link in links(body, base_url, content_type) if is_attachment_url(link.url)]


def printed_date(body: bytes, content_type: str | None = None) -> dt.date | None:
    """The 发布时间 an article page prints (the first labelled date), None when it prints none."""
    tree = _tree(decode(body, content_type))
    if tree is None:
        return None
    for bad in tree.xpath("//script|//style"):
        bad.drop_tree()
    m = _PRINTED.search(_clean(tree.text_content()))
    return parse_date(m[1]) if m else None


def holds_report(body: bytes, content_type: str | None = None) -> bool:
    """An article page that is the report itself: its text names 年度报告 and it prints a table."""
    text = decode(body, content_type)
    return bool(_REPORT_TITLE.search(text)) and "<table" in text.lower()
