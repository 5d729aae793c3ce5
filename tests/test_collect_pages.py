"""The collector's pure functions on hand-written pages: encodings (GBK declared in a meta tag or only
in the header, undeclared), list links in three CMS styles with their dates, further pages, article
attachments, the printed 发布时间, the allow-list of hosts."""

from __future__ import annotations

import datetime as dt

from pipelines.collect import pages
from pipelines.collect.collector import _file_name
from pipelines.collect.http import Client, Limits, allowed_hosts, host_allowed

BASE = "http://127.0.0.1:9/a1/xxgk/ndbg/index.html"
TITLE = "某市教育局2023年政府信息公开工作年度报告"


def test_gbk_declared_in_meta_or_header_or_not_at_all() -> None:
    text = f"<html><head><meta charset=gbk></head><body><a href='x.html'>{TITLE}</a></body></html>"
    body = text.encode("gbk")
    assert pages.charset(body, None) == "gb18030"
    assert TITLE in pages.decode(body)
    assert pages.charset(body, "text/html; charset=UTF-8") == "UTF-8"  # the header wins
    bare = text.replace("<meta charset=gbk>", "").encode("gb2312")
    assert pages.charset(bare, "text/html; charset=GB2312") == "gb18030"
    assert TITLE in pages.decode(bare, "text/html; charset=GB2312")
    assert TITLE in pages.decode(bare)  # undeclared: not UTF-8, read as GB18030
    assert pages.report_links(bare, BASE)[0].title == TITLE


def test_list_links_in_three_cms_styles_with_their_dates() -> None:
    trs = (
        '<ul class="list"><li><a href="./202402/t20240115_1.html" title="' + TITLE + '">某市教育局2023年政府…</a>'
        '<span>2024-01-15</span></li><li><a href="/a1/tzgg/1.html">关于印发2024年政务公开工作要点的通知</a>'
        "<span>2024-04-01</span></li></ul>"
    )
    table = f'<table><tr><td><a href="202402/r.html">{TITLE}</a></td><td>[2024/01/16]</td></tr></table>'
    div = f'<div class="news-item"><a href="202402/d.html">{TITLE}</a><em>2024年01月17日</em></div>'
    for html, url, day in (
        (trs, "http://127.0.0.1:9/a1/xxgk/ndbg/202402/t20240115_1.html", dt.date(2024, 1, 15)),
        (table, "http://127.0.0.1:9/a1/xxgk/ndbg/202402/r.html", dt.date(2024, 1, 16)),
        (div, "http://127.0.0.1:9/a1/xxgk/ndbg/202402/d.html", dt.date(2024, 1, 17)),
    ):
        found = pages.report_links(html.encode(), BASE)
        assert found == [pages.Link(url, TITLE, day)], html


def test_report_titles() -> None:
    assert pages.is_report_title("某县人民政府2022年政府信息公开工作年度报告")
    assert pages.is_report_title("2022年度政府信息公开年报")
    assert not pages.is_report_title("政府信息公开工作年度报告（模板说明）")  # no year
    assert not pages.is_report_title("关于印发2024年政务公开工作要点的通知")
    assert pages.report_year("某局2021年度政府信息公开工作报告年度报告") == 2021


def test_further_pages() -> None:
    trs = b'<script>createPageHTML(3, 0, "index", "html");</script>'
    assert pages.next_pages(trs, BASE) == [
        "http://127.0.0.1:9/a1/xxgk/ndbg/index_1.html",
        "http://127.0.0.1:9/a1/xxgk/ndbg/index_2.html",
    ]
    nxt = '<div class="page"><a href="index_1.html">下一页</a></div>'.encode()
    assert pages.next_pages(nxt, BASE) == ["http://127.0.0.1:9/a1/xxgk/ndbg/index_1.html"]
    numbered = b'<div><a href="index.html">1</a><a href="index_1.html">2</a></div>'
    assert pages.next_pages(numbered, BASE) == ["http://127.0.0.1:9/a1/xxgk/ndbg/index_1.html"]


def test_article_attachment_and_printed_date() -> None:
    article = (
        f"<html><body><h1>{TITLE}</h1><div class='info'>发布时间：2024-01-15　来源：本机关</div>"
        "<p>附件：<a href='/a1/files/report.pdf'>report.pdf</a> <a href='/a1/other.html'>返回</a></p></body></html>"
    ).encode()
    assert [a.url for a in pages.attachments(article, BASE)] == ["http://127.0.0.1:9/a1/files/report.pdf"]
    assert pages.printed_date(article) == dt.date(2024, 1, 15)
    assert pages.printed_date("<p>发布日期: 2024年3月5日</p>".encode()) == dt.date(2024, 3, 5)
    assert pages.printed_date("<p>时间：2024/02/29</p>".encode()) == dt.date(2024, 2, 29)
    assert pages.printed_date(f"<h1>{TITLE}</h1>".encode()) is None  # a year in the title is no date
    assert pages.printed_date("<p>统计时间2023年1月1日至2023年12月31日</p>".encode()) is None  # no label
    assert not pages.holds_report(article)
    assert pages.holds_report(f"<h1>{TITLE}</h1><table><tr><td>1</td></tr></table>".encode())


def test_stored_file_names() -> None:
    assert _file_name("http://h/a/202401/gen_2023.pdf", "application/pdf", "ab" * 32) == "gen_2023.pdf"
    assert _file_name("http://h/a/download?id=1", "application/pdf", "ab" * 32) == "download.pdf"
    assert _file_name("http://h/a/../x/报告.docx", None, "ab" * 32) == "报告.docx"


def test_allow_list_refuses_other_hosts_before_connecting() -> None:
    assert allowed_hosts("127.0.0.1, example.org:8080") == frozenset({"127.0.0.1", "example.org:8080"})
    assert allowed_hosts("") is None
    assert host_allowed("http://127.0.0.1:8765/x", {"127.0.0.1"})
    assert host_allowed("http://example.org:8080/x", {"example.org:8080"})
    assert not host_allowed("http://example.org/x", {"127.0.0.1"})
    with Client(Limits(retries=0, host_delay=0), allow={"127.0.0.1"}) as client:
        got = client.get("http://192.0.2.1/report.pdf")  # TEST-NET: refused before any connection
        assert got.failure == "not_allowed" and client.requests == 0
