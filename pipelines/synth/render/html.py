"""HTML renderings of a fixture, as real sites publish them.

cms     a CMS article page: nav, breadcrumb and footer around the report, <table border=1>
        with colspan/rowspan, UTF-8, blank cells empty
word    Word "save as web page": MsoNormal paragraphs in every cell, <span lang=EN-US>
        wrappers, numbers split across spans, &nbsp; blanks, vertical labels one character
        per line, conditional comments, spacer row, GB2312 declared in http-equiv
gbk     a GBK-encoded page declaring <meta charset=gbk>, blanks printed "—"
slash   blanks printed "/", uppercase tags, <tbody>, <th> in the first row, cell text on its own
        source lines
layout  an old portal: the article inside a layout table (nested tables), blanks "-"
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from pipelines.synth.layout import LCell, LDoc, LTable, layout

_NAV = """<div class="top-nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/bsfw/">办事服务</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政府信息公开</a> &gt; 政府信息公开年报</div>"""
_FOOTER = """<div class="footer"><p>主办单位：本机关办公室 &nbsp; 联系电话：0517-83601234</p>
<p>网站标识码：3208000001 &nbsp; 苏ICP备05008888号-1</p></div>
<script>var _hmt = _hmt || []; document.write("<p>2099年政府信息公开工作年度报告</p>");</script>"""


def _attrs(c: LCell) -> str:
    a = ""
    if c.colspan > 1:
        a += f' colspan="{c.colspan}"'
    if c.rowspan > 1:
        a += f' rowspan="{c.rowspan}"'
    return a


def _table(
    t: LTable, cell: Callable[[LCell], str], open_tag: str = '<table border="1" cellspacing="0">', td: str = "td"
) -> str:
    out = [open_tag]
    for row in t.rows:
        out.append("<tr>" + "".join(f"<{td}{_attrs(c)}>{cell(c)}</{td}>" for c in row) + "</tr>")
    out.append("</table>")
    return "\n".join(out)


def _doc_body(doc: LDoc, para: Callable[[str], str], table: Callable[[LTable], str]) -> str:
    return "\n".join(para(b) if isinstance(b, str) else table(b) for b in doc.blocks)


def cms(truth: dict[str, Any]) -> bytes:
    doc = layout(truth)
    body = _doc_body(
        doc, lambda s: f'<p style="text-indent:2em;">{escape(s)}</p>', lambda t: _table(t, lambda c: escape(c.text))
    )
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(doc.title)}_政府信息公开_门户网站</title>
<style>table {{ border-collapse: collapse; }} td {{ padding: 2px; }}</style>
<script src="/js/jquery.min.js"></script></head>
<body>{_NAV}
<div class="article"><h1 class="title">{escape(doc.title)}</h1>
<div class="info">发布时间：{truth.get("published_at") or f"{truth['report_year'] + 1}-01-20"} &nbsp; 来源：本机关 &nbsp; 浏览次数：<span id="hits">128</span></div>
<div class="content" id="zoom">
{body}
</div></div>
<!-- 相关链接 -->
{_FOOTER}
</body></html>"""
    return page.encode("utf-8")


def _word_spans(text: str) -> str:
    """Word's runs: digits and Latin in <span lang=EN-US>, Chinese in 宋体 spans, numbers split."""
    if not text:
        return "<span lang=EN-US><o:p>&nbsp;</o:p></span>"
    if text.replace(".", "").isdigit() and len(text) > 1:
        head, tail = text[:1], text[1:]
        return (
            f"<span lang=EN-US style='font-size:10.5pt'>{head}</span><span lang=EN-US\n"
            f"style='font-size:10.5pt;font-family:宋体'>{tail}</span>"
        )
    out, run, latin = [], "", None
    for ch in text:
        is_latin = ch.isascii()
        if latin is not None and is_latin != latin:
            out.append(run)
            run = ""
        run += ch
        latin = is_latin
    out.append(run)
    return "".join(
        f"<span lang=EN-US style='font-size:10.5pt'>{escape(r)}</span>"
        if r.isascii()
        else f"<span style='font-size:10.5pt;font-family:宋体;mso-ascii-font-family:\"Times New Roman\"'>{escape(r)}</span>"
        for r in out
    )


def _word_cell(c: LCell) -> str:
    if c.rowspan > 3 and c.text:  # a tall merged label: one character per line
        inner = "<br>\n".join(_word_spans(ch) for ch in c.text)
    else:
        inner = _word_spans(c.text)
    return f"<p class=MsoNormal align=center style='text-align:center;mso-line-height-rule:exactly'>{inner}</p>"


def _word_table(t: LTable) -> str:
    out = [
        "<table class=MsoTableGrid border=1 cellspacing=0 cellpadding=0\n"
        " style='border-collapse:collapse;border:none;mso-border-alt:solid windowtext .5pt'>"
    ]
    for i, row in enumerate(t.rows):
        out.append(f"<tr style='mso-yfti-irow:{i};height:15.0pt'>")
        for c in row:
            out.append(
                f" <td width={47 * c.colspan}{_attrs(c).replace(chr(34), '')} valign=top\n"
                f" style='width:{35.25 * c.colspan}pt;border:solid windowtext 1.0pt;padding:0cm 5.4pt'>"
                f"{_word_cell(c)}</td>"
            )
        out.append("</tr>")
    out.append(
        "<![if !supportMisalignedColumns]>\n<tr height=0>"
        + "".join("<td width=47 style='border:none'></td>" for _ in range(t.n_cols))
        + "</tr>\n<![endif]>"
    )
    out.append("</table>")
    return "\n".join(out)


def word(truth: dict[str, Any]) -> bytes:
    doc = layout(truth)

    def para(s: str) -> str:
        return (
            f"<p class=MsoNormal style='text-indent:32.0pt;line-height:28.0pt'>{_word_spans(s)}"
            f"<span lang=EN-US><o:p></o:p></span></p>"
        )

    body = _doc_body(doc, para, _word_table)
    page = f"""<html xmlns:v="urn:schemas-microsoft-com:vml"
xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word"
xmlns="http://www.w3.org/TR/REC-html40">
<head>
<meta http-equiv=Content-Type content="text/html; charset=gb2312">
<meta name=ProgId content=Word.Document>
<meta name=Generator content="Microsoft Word 15">
<title>{escape(doc.title)}</title>
<!--[if gte mso 9]><xml>
 <o:DocumentProperties><o:Author>admin</o:Author></o:DocumentProperties>
</xml><![endif]-->
<style>
<!--
p.MsoNormal, li.MsoNormal, div.MsoNormal {{mso-style-parent:""; margin:0cm; font-size:10.5pt;}}
-->
</style>
</head>
<body lang=ZH-CN style='tab-interval:21.0pt;text-justify-trim:punctuation'>
<div class=WordSection1 style='layout-grid:15.6pt'>
<p class=MsoNormal align=center style='text-align:center'><b>{_word_spans(doc.title)}</b></p>
<p class=MsoNormal><span lang=EN-US><o:p>&nbsp;</o:p></span></p>
{body}
</div>
</body>
</html>"""
    return page.encode("gb18030")


def gbk(truth: dict[str, Any]) -> bytes:
    doc = layout(truth, blank="—")
    body = _doc_body(
        doc,
        lambda s: f"<div class=para>&#12288;&#12288;{escape(s)}</div>",
        lambda t: _table(
            t, lambda c: f"<font face=宋体>{escape(c.text)}</font>", '<table width="100%" border="1" align="center">'
        ),
    )
    page = f"""<html><head><meta charset=gbk><title>{escape(doc.title)}</title></head>
<body><center><h2>{escape(doc.title)}</h2></center>
{body}
<div align=right>{truth["agency"]}<br>{truth["report_year"] + 1}年1月28日</div>
</body></html>"""
    return page.encode("gbk")


def slash(truth: dict[str, Any]) -> bytes:
    doc = layout(truth, blank="/")

    def table(t: LTable) -> str:
        # An explicit <tbody>, the first row's cells as <th>.
        out = ["<TABLE BORDER=1 CELLPADDING=3>", "<TBODY>"]
        for i, row in enumerate(t.rows):
            td = "TH" if i == 0 else "TD"
            out.append("<TR>" + "".join(f"<{td}{_attrs(c)}>\n    {escape(c.text)}\n  </{td}>" for c in row) + "</TR>")
        out.append("</TBODY></TABLE>")
        return "\n".join(out)

    body = _doc_body(doc, lambda s: f"<P>{escape(s)}</P>", table)
    page = f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=utf-8">
<TITLE>{escape(doc.title)}</TITLE></HEAD>
<BODY><H3 ALIGN=CENTER>{escape(doc.title)}</H3>
{body}
</BODY></HTML>"""
    return page.encode("utf-8")


def layout_table(truth: dict[str, Any]) -> bytes:
    doc = layout(truth, blank="-")
    body = _doc_body(
        doc,
        lambda s: f"<p>{escape(s)}</p>",
        lambda t: _table(
            t, lambda c: f"<span>{escape(c.text)}</span>", '<table width="96%" border="1" bordercolor="#000000">'
        ),
    )
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{escape(doc.title)}</title></head><body>
<table width="1000" align="center" border="0"><tr>
<td width="200" valign="top"><ul><li>机构概况</li><li>政府信息公开指南</li><li>政府信息公开年报</li></ul></td>
<td width="800" valign="top"><table width="100%"><tr><td align="center"><b>{escape(doc.title)}</b></td></tr>
<tr><td>{body}</td></tr></table></td>
</tr></table>
<table width="1000" align="center"><tr><td>版权所有 &copy; 本机关</td></tr></table>
</body></html>"""
    return page.encode("utf-8")


VARIANTS = {
    "cms": ("html", cms),
    "word": ("html", word),
    "gbk": ("html", gbk),
    "slash": ("html", slash),
    "layout": ("html", layout_table),
}
