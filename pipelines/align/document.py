"""Stage 1: the document's own facts — the reporting body, the report year, the template version.

The title is "<机关>YYYY年政府信息公开工作年度报告" (or the year after the name, 年报, the year in
Chinese numerals, the agency on the line above). A web page or a browser's print of it puts
navigation, breadcrumbs, links to other years' reports, a 来源/发布时间 line and the browser's
own header ("2024/1/25 10:30 …") around it: the title nearest the report's first section wins,
one of the year the report's statistics period names where it names one, and an agency is only
taken from the title's own words, never from page furniture.
"""

from __future__ import annotations

import re

from ..grid import REPORT_NAME_PATTERN, Grid, clean_once, one_of, spaced
from ..template import (
    AGENCY_NAME_ENDINGS,
    BODY_FIRST_HEADINGS,
    BREADCRUMB_LABEL,
    CHINESE_DIGITS,
    PAGE_FURNITURE_LABELS,
    REPORT_PERIOD_PHRASE,
    TEMPLATE_MARKERS,
    template_for_year,
)
from .settings import AlignSettings

# A year in digits, or in Chinese numerals as some titles print it (二〇二二年, 二○二二, 二零二二).
_YEAR = r"(?:19|20)\d{2}|[一二][" + "".join(CHINESE_DIGITS) + "]{3}"
_TITLE_CORE = rf"(?P<year>{_YEAR})\s*年\s*度?\s*(?P<mid>[^\n\d]{{0,40}}?)\s*{REPORT_NAME_PATTERN}"
# The year after the name: "<机关>政府信息公开工作年度报告（2022年度）".
_TITLE_YEAR_AFTER_CORE = rf"(?P<mid>){REPORT_NAME_PATTERN}\s*[（(]\s*(?P<year>{_YEAR})\s*年?\s*度?\s*[)）]"
# Each title with the words before it on its line (`pre`: the agency, or page furniture), and the
# title alone, which is searched first (see _titles).
_TITLES = [(re.compile(rf"(?P<pre>[^\n]*?){core}"), re.compile(core)) for core in (_TITLE_CORE, _TITLE_YEAR_AFTER_CORE)]
_AGENCY_SUFFIX = re.compile(one_of(AGENCY_NAME_ENDINGS) + "$")
# 一、总体情况 (or 1.总体情况), 二、主动公开政府信息情况: where the body begins.
_FIRST_SECTION = re.compile(
    "|".join(
        rf"(?:{numeral}|{CHINESE_DIGITS[numeral]})\s*[、.．]?\s*{spaced(phrase)}"
        for numeral, phrase in BODY_FIRST_HEADINGS
    )
)
_PERIOD = re.compile(rf"{REPORT_PERIOD_PHRASE}(?:为|是)?自?\s*(\d{{4}})\s*年\s*1\s*月\s*1\s*日")
# Page furniture before an agency name on the title's line: a browser's date and time, a
# breadcrumb, a site name joined by "_" or "|", a label such as 标题：.
_FURNITURE = re.compile(
    rf"^.*(?:[>›»|_/\\]|\d{{1,2}}:\d{{2}}|{one_of(PAGE_FURNITURE_LABELS)}[:：]|{BREADCRUMB_LABEL}[:：]?)"
)


def _year(text: str) -> int:
    """A title's year: "2022" or "二〇二二"."""
    return int("".join(CHINESE_DIGITS.get(c, c) for c in text))


def _squeeze(text: str | None) -> str:
    """A title fragment without spaces, quotes or a leading/trailing 的."""
    t = re.sub(r"\s+", "", text or "").strip('《》"“”「」:：')
    return t.removesuffix("的")


def _titles(pattern: re.Pattern[str], core: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """pattern.finditer(text) for a pattern that is `(?P<pre>[^\\n]*?)` + core, without its cost:
    finditer tries the lazy prefix from every position of a line that holds no title (time
    quadratic in the line's length; a web page prints whole paragraphs on one line). The next
    match of the pattern starts where the search stands or at the start of the line of the
    core's next match, whichever is later, and its core is that match."""
    out: list[re.Match[str]] = []
    pos = 0
    while (c := core.search(text, pos)) is not None:
        m = pattern.match(text, max(pos, text.rfind("\n", pos, c.start()) + 1))
        if m is None:  # (cannot happen: the core matches there)
            pos = c.start() + 1
            continue
        out.append(m)
        pos = m.end()
    return out


def _agency_from(fragment: str) -> str:
    """The agency in the words before a title's year: page furniture before it cut off."""
    t = _FURNITURE.sub("", fragment)
    t = re.sub(r"^[\s\d\-—:：.．年月日]+", "", t)  # a leading date ("2024-01-20 ")
    return _squeeze(t)


def read_title(grid: Grid, settings: AlignSettings) -> tuple[str | None, int | None, list[str]]:
    """(agency, report year, notes) from the title; notes say what was assumed."""
    text = grid.text
    notes: list[str] = []
    body = _FIRST_SECTION.search(text)
    head = text[: body.start()] if body else text[: settings.title_window_chars]
    titles = sorted([m for pattern, core in _TITLES for m in _titles(pattern, core, head)], key=lambda t: t.end())
    period = _PERIOD.search(text)
    if period and any(_year(t.group("year")) == int(period.group(1)) for t in titles):
        titles = [t for t in titles if _year(t.group("year")) == int(period.group(1))]
    m = titles[-1] if titles else None
    if not m:
        if period:
            notes.append("report year read from the statistics period; the title names no year")
            return None, int(period.group(1)), notes
        return None, None, notes
    year = _year(m.group("year"))
    agency = _squeeze(m.group("mid")) or _agency_from(m.group("pre"))
    if not agency:
        # The title's first line may be the agency alone; anything else above the title
        # (a site's navigation, a sheet name) is not taken for one.
        lines = [ln for ln in head[: m.start()].splitlines() if ln.strip()]
        above = _agency_from(lines[-1]) if lines else ""
        agency = above if _AGENCY_SUFFIX.search(above) else ""
    if not agency or len(agency) > settings.agency_max_chars or re.search(r"\d", agency):
        return None, year, notes
    return agency, year, notes


def template_version(grid: Grid, year: int | None) -> tuple[str, list[str]]:
    """The template the tables follow, from words only one version prints; else the year's."""
    text = clean_once(grid.text)
    n21 = sum(m in text for m in TEMPLATE_MARKERS["2021"])
    n19 = sum(m in text for m in TEMPLATE_MARKERS["2019"])
    if n21 > n19:
        return "2021", []
    if n19 > n21:
        return "2019", []
    guess = template_for_year(year) if year else "2021"
    return guess, [f"template version not recognisable from the tables; assumed {guess} from the report year"]
