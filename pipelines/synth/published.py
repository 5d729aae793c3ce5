"""Reports as published on the web: CMS article pages of government sites, for the published corpus.

Not a rendering variant of the generated city (not in `render.variants()`): these pages feed
tests/corpus/published (tests/make_published_corpus.py), where they are also printed by a browser
and re-saved by office software. A page is one truth laid out by `pipelines.synth.layout` and
wrapped in what a real site puts around it, chosen by the parameters of `Page`:

  chrome     top bar written by an inline script, header with a search box, a navigation bar and a
             sub-navigation listing the other years' reports ("2022年政府信息公开工作年度报告"),
             breadcrumb (当前位置：首页 > 政务公开 > 政府信息公开年报), an optional 信息索引 table,
             left/right sidebars (相关文章 with years and dates), inline <style> and <script>,
             footer (主办单位, 网站标识码, ICP备案, 公网安备)
  meta line  来源：… 发布时间：2024-01-20 10:30 浏览次数：… before or after the <h1> title
  run-on     a section heading run into the preceding paragraph: in the same text ("…报告如下。
             二、主动公开政府信息情况"), or in a <span>/<strong> inside that paragraph
  cells      "plain" text, or "mso": Word's MsoNormal <p><span> fragments (a label split over two or
             three paragraphs and several spans, Latin and digits in their own spans)
  table      a real <table>; "divrows": the CMS stripped the table tags, each row a flex <div> of
             <p> cells, merged cells undone (the label only in its first row); "grid": cells as
             <div>s of a CSS grid (looks like a table, has no rows in the markup); "stripped":
             every cell a <p> of its own, one per line
  borders    all cells ruled, none, or horizontal rules only; header rows in <thead> (repeated on
             every printed page) or not; header rows shaded (seen in print only with backgrounds)
  width      the article column's width in px (600–700: labels wrap inside their cells in print)
  align      cells aligned to the middle, top (Word's default: a wrapped label runs on below its
             values) or bottom; value cells centred or right-aligned under centred headers

The truth of a page is exactly the data it prints (blank cells are null).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape
from typing import Any

from pipelines.synth.layout import LCell, LTable, layout
from pipelines.template import APPLICANT_PARTS, OUTCOME_ROWS_2021

from .numbers import Proactive, YearData, _with_total, truth

# ---------------------------------------------------------------- truths


def dense_truth(agency: str, year: int, seed: int, template: str | None = None) -> dict[str, Any]:
    """A generator truth (numbers.truth) whose cells are distinct and non-zero almost everywhere.

    Every outcome cell of section 三 is a different number, so a value read one row or one
    column off is a wrong number, never a lucky match; the identities R01–R04 hold.
    """
    rng = random.Random(f"published:{seed}")
    pool = rng.sample(range(1, 400), len(OUTCOME_ROWS_2021) * len(APPLICANT_PARTS))
    outcomes = {
        r: dict(zip(APPLICANT_PARTS, pool[i * 6 : (i + 1) * 6], strict=False)) for i, r in enumerate(OUTCOME_ROWS_2021)
    }
    carried = dict(zip(APPLICANT_PARTS, rng.sample(range(1, 90), 6), strict=False))
    forward = dict(zip(APPLICANT_PARTS, rng.sample(range(1, 90), 6), strict=False))
    processed = {c: sum(outcomes[r][c] for r in OUTCOME_ROWS_2021) for c in APPLICANT_PARTS}
    new = {c: processed[c] + forward[c] - carried[c] for c in APPLICANT_PARTS}
    req = {"new_received": _with_total(new), "carried_over": _with_total(carried)}
    req |= {r: _with_total(outcomes[r]) for r in OUTCOME_ROWS_2021}
    req["total_processed"] = _with_total(processed)
    req["carried_forward"] = _with_total(forward)
    review = {}
    for block in ("review", "litigation_direct", "litigation_after_review"):
        parts = dict(zip(("upheld", "corrected", "other", "pending"), rng.sample(range(1, 60), 4), strict=False))
        review[block] = {**parts, "total": sum(parts.values())}
    v = iter(rng.sample(range(2, 900), 16))
    p = Proactive(
        reg_issued=next(v) % 9 + 1,
        reg_repealed=next(v) % 5 + 1,
        reg_in_force=next(v) % 80 + 20,
        doc_issued=next(v) % 40 + 3,
        doc_repealed=next(v) % 12 + 1,
        doc_in_force=next(v) % 300 + 50,
        license=next(v) * 7,
        services=next(v),
        penalty=next(v) * 3,
        coercion=next(v) % 97 + 2,
        fee_10k_yuan=round(rng.uniform(10, 900), 2),
        procurement_projects=next(v) % 50 + 5,
        procurement_amount=round(rng.uniform(100, 9000), 2),
    )
    p.items = {k: next(v) % 150 + 10 for k in ("license", "services", "penalty", "coercion")}
    p.items["fees"] = rng.randint(2, 9)
    p.changes = {k: rng.choice((-4, -3, -2, -1, 1, 2, 3, 5)) for k in p.items}
    return truth(agency, YearData(year, req, review, p), template)


def blank_total_column(t: dict[str, Any]) -> dict[str, Any]:
    """The 2019 habit of leaving section 三's 总计 column empty in every row (printed blank: null)."""
    for cols in t["requests"].values():
        cols["total"] = None
    return t


# ---------------------------------------------------------------- sites


@dataclass(frozen=True)
class Site:
    name: str  # 滨江市人民政府
    domain: str
    host_org: str  # 主办单位
    site_code: str  # 网站标识码
    icp: str
    police: str  # 公网安备


SITES = (
    Site(
        "滨江市人民政府",
        "www.binjiang.gov.cn",
        "滨江市人民政府办公室",
        "3208000001",
        "苏ICP备05008888号-1",
        "苏公网安备 32080202000123号",
    ),
    Site(
        "云溪区人民政府",
        "www.yunxi.gov.cn",
        "云溪区人民政府办公室",
        "4301120014",
        "湘ICP备12003456号",
        "湘公网安备 43011202000456号",
    ),
    Site(
        "江阳市人民政府门户网站",
        "www.jiangyang.gov.cn",
        "江阳市人民政府办公室（江阳市大数据局）",
        "5105000003",
        "蜀ICP备09001234号-2",
        "川公网安备 51050202000789号",
    ),
    Site(
        "金江市人民政府",
        "www.jinjiang.gov.cn",
        "金江市人民政府办公室",
        "3301000008",
        "浙ICP备07004321号",
        "浙公网安备 33010202000321号",
    ),
)


@dataclass(frozen=True)
class Page:
    site: int = 0
    meta_first: bool = False  # 来源/发布时间 line above the title
    index_table: bool = False  # the 信息索引 table (索引号, 发布机构, …) above the article
    sidebar: str = "right"  # "left", "right", "both", "none"
    width: int = 900  # article column, px
    title_px: int = 24
    font_px: int = 16
    runon: str = ""  # "", "p" (same text), "span", "strong"
    cells: str = "plain"  # "plain", "mso"
    table: str = "table"  # "table", "divrows", "grid", "stripped"
    borders: str = "all"  # "all", "none", "rules"
    thead: bool = False
    shading: bool = False
    blank: str = ""
    print_css: bool = False  # an @media print sheet that hides the site chrome, as some sites have
    search: str = "form"  # the search box: a <form> with an <input>, or "div" (a scripted box)
    valign: str = "middle"  # cells' vertical alignment: "middle" (CMS default), "top" (Word's), "bottom"
    num_align: str = "center"  # value cells "center"ed or "right"-aligned (headers stay centred)
    published: str = ""  # 发布时间, default: year+1-01-20 10:30


# ---------------------------------------------------------------- narrative


def _num(t: dict[str, Any], row: str) -> int | None:
    v = t["requests"].get(row, {}).get("total")
    if v is None:
        cols = [x for x in t["requests"].get(row, {}).values() if x is not None]
        v = sum(cols) if cols else None
    return None if v is None else int(v)


def _sections(t: dict[str, Any], tables: list[LTable]) -> list[tuple[str, list[Any]]]:
    """(heading, body) of the six sections; a body holds paragraphs (str) and tables."""
    y, agency = t["report_year"], t["agency"]
    new = _num(t, "new_received")
    applied = (
        f"（二）依申请公开。{y}年，共收到政府信息公开申请{new}件，均在法定期限内答复。"
        if new is not None
        else f"（二）依申请公开。{y}年，依法依规办理政府信息公开申请，均在法定期限内答复。"
    )
    return [
        (
            "一、总体情况",
            [
                f"{y}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》（以下简称《条例》），坚持以公开为常态、"
                "不公开为例外，推进政务公开工作。",
                f"（一）主动公开。{y}年，通过门户网站主动公开政府信息，及时发布政策文件和政策解读。",
                applied,
                "（三）政府信息管理。严格落实公开前保密审查，动态更新政府信息公开指南。",
                "（四）平台建设。优化政府信息公开专栏，规范栏目设置。",
                f"（五）监督保障。将政府信息公开工作纳入年度考核，加强业务培训。现将{y}年度有关情况报告如下。",
            ],
        ),
        ("二、主动公开政府信息情况", [tables[0], f"注：以上数据统计期限自{y}年1月1日起至{y}年12月31日止。"]),
        ("三、收到和处理政府信息公开申请情况", [tables[1], f"{y}年，本机关未收取政府信息公开信息处理费。"]),
        ("四、政府信息公开行政复议、行政诉讼情况", [tables[2], "对复议、诉讼中发现的问题，已逐件整改落实。"]),
        (
            "五、存在的主要问题及改进情况",
            ["政策解读形式还不够丰富。下一步，将进一步加强政策解读，推进政务公开标准化规范化。"],
        ),
        ("六、其他需要报告的事项", [f"本机关{y}年度未发生政府信息公开工作责任追究情况。"]),
    ]


# ---------------------------------------------------------------- cells


def _runs(text: str) -> list[str]:
    """Word's runs: Latin/digits and Chinese in separate spans."""
    out, run, latin = [], "", None
    for ch in text:
        is_latin = ch.isascii()
        if latin is not None and is_latin != latin:
            out.append(run)
            run = ""
        run += ch
        latin = is_latin
    if run:
        out.append(run)
    return out


def _mso_spans(text: str) -> str:
    parts = []
    for r in _runs(text):
        if r.isascii():
            if r.replace(".", "").isdigit() and len(r) > 2:  # a number split over two runs
                parts.append(
                    f"<span lang=EN-US style='font-size:10.5pt'>{r[:1]}</span>"
                    f"<span lang=EN-US style='font-size:10.5pt;font-family:宋体'>{r[1:]}</span>"
                )
            else:
                parts.append(f"<span lang=EN-US style='font-size:10.5pt'>{escape(r)}</span>")
        else:
            parts.append(
                f"<span style='font-size:10.5pt;font-family:宋体;mso-bidi-font-family:宋体'>{escape(r)}</span>"
            )
    return "".join(parts)


def fragments(text: str) -> list[str]:
    """A label as a Word cell holds it: broken into two or three paragraphs at its punctuation."""
    if len(text) <= 7:
        return [text]
    cuts = [i + 1 for i, ch in enumerate(text) if ch in "）、，“”" and 3 <= i + 1 <= len(text) - 3]
    if not cuts:
        cuts = [len(text) // 2]
    pieces, start = [], 0
    for c in cuts[:2]:
        if c - start >= 3:
            pieces.append(text[start:c])
            start = c
    pieces.append(text[start:])
    return [p for p in pieces if p]


def _mso_cell(text: str) -> str:
    p = "<p class=MsoNormal align=center style='text-align:center;line-height:18.0pt;mso-line-height-rule:exactly'>"
    if not text:
        return f"{p}<span lang=EN-US><o:p>&nbsp;</o:p></span></p>"
    return "".join(f"{p}{_mso_spans(f)}<span lang=EN-US><o:p></o:p></span></p>" for f in fragments(text))


def _plain_cell(text: str) -> str:
    return escape(text)


# ---------------------------------------------------------------- tables

_HEADER_ROWS = {0: 0, 1: 3, 2: 3}  # header rows of (proactive, requests, review) for <thead>


def _weights(t: LTable, index: int) -> list[float]:
    if index == 0:
        return [34, 22, 22, 22]
    if index == 1:
        return [6, 9, 22] + [9.0] * 7
    return [100 / 15] * 15


def _span_attrs(c: LCell) -> str:
    a = ""
    if c.colspan > 1:
        a += f' colspan="{c.colspan}"'
    if c.rowspan > 1:
        a += f' rowspan="{c.rowspan}"'
    return a


def _is_header(t: LTable, index: int, r: int) -> bool:
    if index == 0:  # group rows and 信息内容 rows
        row = t.rows[r]
        return len(row) == 1 or row[0].text == "信息内容"
    return r < _HEADER_ROWS[index]


def _table(t: LTable, index: int, page: Page) -> str:
    cell = _mso_cell if page.cells == "mso" else _plain_cell
    w = _weights(t, index)
    cls = "MsoTableGrid" if page.cells == "mso" else "report"
    attrs = ' border="1" cellspacing="0" cellpadding="0"' if page.borders == "all" else ' border="0" cellspacing="0"'
    out = [
        f'<table class="{cls}"{attrs} width="100%" style="border-collapse:collapse">',
        "<colgroup>" + "".join(f'<col style="width:{x:.2f}%">' for x in w) + "</colgroup>",
    ]
    n_head = _HEADER_ROWS[index] if page.thead else 0
    body_tags = bool(n_head) or page.cells == "mso"  # rows pasted from Word land in the editor's <tbody>
    out.append("<thead>" if n_head else "<tbody>" if body_tags else "")
    for r, row in enumerate(t.rows):
        if n_head and r == n_head:
            out.append("</thead>\n<tbody>")
        head = _is_header(t, index, r)
        cls_r = ' class="th"' if head else ""
        tds = []
        for c in row:
            style = ' class="n"' if not head and _is_value(c.text) else ""
            if page.cells == "mso":
                ruled = "border:solid windowtext 1.0pt;" if page.borders == "all" else ""
                style += f" valign={page.valign} style='{ruled}padding:0cm 5.4pt'"
            tds.append(f"<td{_span_attrs(c)}{style}>{cell(c.text)}</td>")
        out.append(f"<tr{cls_r}>" + "".join(tds) + "</tr>")
    if body_tags:
        out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


def _is_value(text: str) -> bool:
    return not text or text[0] in "0123456789+-—/"


def _matrix(t: LTable) -> list[list[tuple[LCell, int, int] | None]]:
    """For every (row, column) of the table: (cell, origin row, origin column) covering it."""
    grid: list[list[tuple[LCell, int, int] | None]] = [[None] * t.n_cols for _ in t.rows]
    for r, row in enumerate(t.rows):
        col = 0
        for c in row:
            while col < t.n_cols and grid[r][col] is not None:
                col += 1
            for dr in range(c.rowspan):
                for dc in range(c.colspan):
                    if r + dr < len(grid) and col + dc < t.n_cols:
                        grid[r + dr][col + dc] = (c, r, col)
            col += c.colspan
    return grid


def _divrows(t: LTable, index: int, page: Page) -> str:
    """A table whose tags a CMS stripped: rows of <p> cells; merged cells undone (label in the first row)."""
    w = _weights(t, index)
    out = ['<div class="tbl">']
    for r, row in enumerate(_matrix(t)):
        cells, col = [], 0
        while col < t.n_cols:
            entry = row[col]
            if entry is None:
                col += 1
                continue
            c, r0, _c0 = entry
            width = sum(w[col : col + c.colspan])
            text = c.text if r0 == r else ""
            inner = _mso_cell(text) if page.cells == "mso" else escape(text)
            tag = "div" if page.cells == "mso" else "p"
            cells.append(f'<{tag} class="td" style="width:{width:.2f}%">{inner}</{tag}>')
            col += c.colspan
        head = " th" if _is_header(t, index, r) else ""
        out.append(f'<div class="tr{head}">' + "".join(cells) + "</div>")
    out.append("</div>")
    return "\n".join(out)


def _grid(t: LTable, index: int, page: Page) -> str:
    """Cells as <div>s of a CSS grid: looks like the table, the markup has no rows."""
    w = _weights(t, index)
    cols = " ".join(f"{x:.2f}fr" for x in w)
    out = [f'<div class="grid" style="grid-template-columns:{cols}">']
    for r, row in enumerate(t.rows):
        head = " th" if _is_header(t, index, r) else ""
        for c in row:
            style = ""
            if c.colspan > 1:
                style += f"grid-column:span {c.colspan};"
            if c.rowspan > 1:
                style += f"grid-row:span {c.rowspan};"
            inner = _mso_cell(c.text) if page.cells == "mso" else escape(c.text) or "&nbsp;"
            out.append(f'<div class="gc{head}" style="{style}">{inner}</div>')
    out.append("</div>")
    return "\n".join(out)


def _stripped(t: LTable, index: int, page: Page) -> str:
    """Every cell a paragraph of its own, in source order (the table tags and empty cells gone)."""
    return "\n".join(f'<p class="cellp">{escape(c.text)}</p>' for row in t.rows for c in row if c.text)


_TABLE_STYLES = {"table": _table, "divrows": _divrows, "grid": _grid, "stripped": _stripped}


# ---------------------------------------------------------------- page


def _css(page: Page) -> str:
    border = {"all": "1px solid #000", "none": "none", "rules": "none"}[page.borders]
    rules = (
        "#zoom table, #zoom .tbl, #zoom .grid { border-top: 1.5px solid #333; border-bottom: 1.5px solid #333; }\n"
        "#zoom td, #zoom .tr, #zoom .gc { border-bottom: 1px solid #999 !important; }\n"
        if page.borders == "rules"
        else ""
    )
    shade = "#zoom .th, #zoom .th td { background: #d9e2f3; font-weight: bold; }\n" if page.shading else ""
    side_w = 230
    total = page.width + side_w * (2 if page.sidebar == "both" else 0 if page.sidebar == "none" else 1) + 30
    print_css = (
        "@media print { .topbar, .header, .nav, .subnav, .side, .footer, .share, .crumb { display: none; }\n"
        "  .w, .main { width: auto; } .article { width: auto; flex: 1 1 auto; min-width: 0; } }\n"
        if page.print_css
        else ""
    )
    return f"""body {{ margin: 0; font-family: "Microsoft YaHei", "微软雅黑", "SimSun", sans-serif; font-size: {page.font_px}px;
  color: #333; background: #f4f4f4; }}
a {{ color: #333; text-decoration: none; }}
ul {{ list-style: none; margin: 0; padding: 0; }}
.topbar {{ background: #eee; font-size: 12px; padding: 4px 0; }}
.w {{ width: {total}px; margin: 0 auto; }}
.header {{ background: #b40000; color: #fff; height: 90px; }}
.header .logo {{ font-size: 30px; font-weight: bold; padding: 24px 0 0 20px; float: left; }}
.header form, .header .search {{ float: right; padding-top: 30px; }}
.header .kw {{ background: #fff; color: #999; padding: 2px 60px 2px 6px; font-size: 13px; }}
.nav {{ background: #8c0000; overflow: hidden; }}
.nav li {{ float: left; padding: 8px 18px; }}
.nav a {{ color: #fff; }}
.subnav {{ font-size: 13px; padding: 6px 0; border-bottom: 1px solid #ddd; background: #fff; }}
.subnav a {{ margin-right: 12px; }}
.crumb {{ font-size: 13px; padding: 8px 0; }}
.main {{ display: flex; gap: 15px; background: #fff; }}
.side {{ width: {side_w}px; flex: none; font-size: 13px; }}
.side h3 {{ font-size: 15px; border-bottom: 2px solid #b40000; margin: 8px 0; }}
.side li {{ padding: 3px 0; }}
.side .d {{ color: #999; margin-left: 4px; }}
.article {{ width: {page.width}px; flex: none; padding: 10px 0; }}
.article h1 {{ font-size: {page.title_px}px; text-align: center; color: #b40000; line-height: 1.5; margin: 10px 0; }}
.info {{ text-align: center; font-size: 13px; color: #666; border-bottom: 1px dashed #ccc; padding-bottom: 8px; }}
.share {{ font-size: 12px; color: #888; text-align: right; }}
#zoom p {{ line-height: 1.8; margin: 6px 0; }}
#zoom table {{ border-collapse: collapse; width: 100%; margin: 8px 0; font-size: {page.font_px - 2}px; }}
#zoom td {{ border: {border}; padding: 3px 4px; text-align: center; vertical-align: {page.valign}; }}
#zoom td.n {{ text-align: {page.num_align}; }}
#zoom td p, #zoom .td p, #zoom .gc p {{ margin: 0; text-indent: 0; line-height: 1.4; }}
#zoom .tbl {{ margin: 8px 0; font-size: {page.font_px - 2}px; }}
#zoom .tr {{ display: flex; }}
#zoom .td {{ margin: 0; padding: 3px 4px; border: {border}; box-sizing: border-box; text-align: center;
  text-indent: 0; line-height: 1.4; }}
#zoom .grid {{ display: grid; margin: 8px 0; font-size: {page.font_px - 2}px; border-left: {border}; border-top: {border}; }}
#zoom .gc {{ border-right: {border}; border-bottom: {border}; padding: 3px 4px; text-align: center;
  display: flex; align-items: center; justify-content: center; flex-direction: column; }}
#zoom p.cellp {{ text-indent: 0; margin: 0; line-height: 1.5; }}
{rules}{shade}.footer {{ background: #333; color: #ccc; font-size: 12px; text-align: center; padding: 12px 0; margin-top: 20px; }}
{print_css}"""


def _other_years(t: dict[str, Any]) -> list[int]:
    y = t["report_year"]
    return [y + 1, y - 1, y - 2, y - 3]


def _chrome_top(t: dict[str, Any], page: Page, site: Site) -> str:
    years = "".join(f'<a href="/zwgk/ndbg/{y}/">{y}年政府信息公开工作年度报告</a>' for y in _other_years(t)[1:])
    search = (
        '<form action="/search/" method="get"><input type="text" name="q" placeholder="请输入关键词"> '
        '<button type="submit">搜索</button></form>'
        if page.search == "form"
        else '<div class="search" onclick="location.href=\'/search/\'"><span class="kw">请输入关键词</span> '
        '<span class="btn">搜索</span></div>'
    )
    return f"""<div class="topbar"><div class="w"><script>document.write("今天是：{t["report_year"] + 1}年1月25日 星期四");</script>
 <span style="float:right"><a href="#">无障碍浏览</a> | <a href="#">长者模式</a></span></div></div>
<div class="header"><div class="w"><div class="logo">{escape(site.name)}</div>
{search}</div></div>
<div class="nav"><div class="w"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/zwfw/">政务服务</a></li><li><a href="/hdjl/">互动交流</a></li><li><a href="/ztzl/">专题专栏</a></li></ul></div></div>
<div class="subnav"><div class="w"><a href="/zwgk/zn/">政府信息公开指南</a><a href="/zwgk/zd/">政府信息公开制度</a><a href="/zwgk/fdzdgk/">法定主动公开内容</a>
<a href="/zwgk/ndbg/">政府信息公开年报</a>：{years}</div></div>
<div class="crumb"><div class="w">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/ndbg/">政府信息公开年报</a></div></div>"""


def _sidebar(t: dict[str, Any], title: str) -> str:
    y, agency = t["report_year"], t["agency"]
    related = "".join(
        f'<li><a href="/zwgk/ndbg/{yy}/">{escape(agency)}{yy}年政府信息公开工作年度报告</a>'
        f'<span class="d">{yy + 1}-01-{18 + (yy % 7):02d}</span></li>'
        for yy in _other_years(t)
    )
    return f"""<div class="side"><h3>{escape(title)}</h3><ul>{related}
<li><a href="/zwgk/tzgg/">关于做好{y + 1}年政务公开工作的通知</a><span class="d">{y + 1}-03-02</span></li>
</ul>
<h3>热点信息</h3><ul><li><a href="#">政府信息公开指南</a></li><li><a href="#">依申请公开</a></li></ul></div>"""


def _index_table(t: dict[str, Any], title: str, date: str) -> str:
    return f"""<table class="xxgk" border="1" cellspacing="0" width="100%" style="font-size:13px;border-collapse:collapse">
<tr><th>索引号：</th><td>11320800MB1234567X/{t["report_year"] + 1}-00012</td><th>分类：</th><td>政府信息公开年报</td></tr>
<tr><th>发布机构：</th><td>{escape(t["agency"])}</td><th>发文日期：</th><td>{date[:10]}</td></tr>
<tr><th>名称：</th><td colspan="3">{escape(title)}</td></tr>
</table>"""


def _paragraph(s: str) -> str:
    return f'<p style="text-indent:2em">{escape(s)}</p>'


def _body(t: dict[str, Any], page: Page, tables: list[LTable]) -> str:
    render_table = _TABLE_STYLES[page.table]
    y = t["report_year"]
    out: list[str] = [
        _paragraph(
            f"本报告根据《中华人民共和国政府信息公开条例》要求编制，所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。"
        )
    ]
    pending: str | None = None  # the last paragraph, held back so that a heading can run into it
    for heading, body in _sections(t, tables):
        if pending is not None and page.runon:
            joined = {
                "p": escape(pending + heading),
                "span": f'{escape(pending)}<span style="font-weight:bold;font-family:黑体">{escape(heading)}</span>',
                "strong": f"{escape(pending)}<strong>{escape(heading)}</strong>",
            }[page.runon]
            out.append(f'<p style="text-indent:2em">{joined}</p>')
        else:
            if pending is not None:
                out.append(_paragraph(pending))
            out.append(f'<p style="text-indent:2em"><strong>{escape(heading)}</strong></p>')
        pending = None
        for b in body:
            if pending is not None:
                out.append(_paragraph(pending))
                pending = None
            if isinstance(b, str):
                pending = b
            else:
                out.append(render_table(b, next(i for i, x in enumerate(tables) if x is b), page))
    if pending is not None:
        out.append(_paragraph(pending))
    out.append(f'<p style="text-align:right">{escape(t["agency"])}</p>')
    out.append(f'<p style="text-align:right">{y + 1}年1月20日</p>')
    return "\n".join(out)


def page_html(t: dict[str, Any], page: Page) -> bytes:
    """The CMS article page publishing report `t` (canonical truth, optional `display` overrides)."""
    site = SITES[page.site]
    doc = layout(t, blank=page.blank)
    tables = [b for b in doc.blocks if isinstance(b, LTable)]
    title = doc.title
    date = page.published or f"{t['report_year'] + 1}-01-20 10:30"
    meta = (
        f'<div class="info">来源：{escape(t["agency"])} &nbsp;&nbsp; 发布时间：{date} &nbsp;&nbsp; '
        f'浏览次数：<span id="hits">{1000 + t["report_year"] % 97 * 13}</span> &nbsp;&nbsp; '
        f'字号：[<a href="#">大</a> <a href="#">中</a> <a href="#">小</a>]</div>'
    )
    head = (meta + f"\n<h1>{escape(title)}</h1>") if page.meta_first else (f"<h1>{escape(title)}</h1>\n" + meta)
    article = f"""<div class="article">
{_index_table(t, title, date) if page.index_table else ""}
{head}
<div class="share"><a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>
<div id="zoom" class="TRS_Editor">
{_body(t, page, tables)}
</div>
<div class="share">附件：无</div>
<div class="prevnext"><p>上一篇：<a href="#">{escape(t["agency"])}{t["report_year"] - 1}年政府信息公开工作年度报告</a></p>
<p>下一篇：<a href="#">关于公布{t["report_year"] + 1}年度政务公开工作要点的通知</a></p></div>
</div>"""
    side_l = _sidebar(t, "相关文章") if page.sidebar in ("left", "both") else ""
    side_r = (
        _sidebar(t, "相关文章" if page.sidebar == "right" else "政策解读") if page.sidebar in ("right", "both") else ""
    )
    html = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="{escape(site.name)}">
<meta name="ArticleTitle" content="{escape(title)}">
<meta name="PubDate" content="{date}">
<title>{escape(title)}_{escape(site.name)}</title>
<script src="/js/jquery-1.12.4.min.js"></script>
<style>
{_css(page)}</style>
<script>
var _hmt = _hmt || [];
var articleInfo = {{ title: "{escape(title)}", year: "{t["report_year"]}", channel: "政府信息公开年报" }};
function changeSize(n) {{ document.getElementById("zoom").style.fontSize = n + "px"; }}
</script>
</head>
<body>
{_chrome_top(t, page, site)}
<div class="w main">
{side_l}
{article}
{side_r}
</div>
<div class="footer"><div class="w">
<p>主办单位：{escape(site.host_org)} &nbsp; 联系电话：0517-83601234</p>
<p>网站标识码：{site.site_code} &nbsp; <a href="https://beian.miit.gov.cn/">{site.icp}</a> &nbsp; {site.police}</p>
</div></div>
<script>
(function () {{ var hm = document.createElement("script"); hm.src = "/stat/hm.js?site={site.site_code}";
  var s = document.getElementsByTagName("script")[0]; s.parentNode.insertBefore(hm, s); }})();
</script>
</body>
</html>
"""
    return html.encode("utf-8")
