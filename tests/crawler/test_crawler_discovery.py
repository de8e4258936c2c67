"""Discovery rules as plain functions, on strings taken from portals.md."""

from __future__ import annotations

import pytest

from crawler.backoff import retry_after_seconds
from crawler.discovery import columns, pages, scope, titles
from crawler.discovery.blocks import detect_block
from crawler.guard import is_private_address
from crawler.seeds import SeedError, read_seeds


@pytest.mark.parametrize(("title", "agency", "year"), [
    ("龙游县人民政府2022年政府信息公开工作年度报告", "龙游县人民政府", 2022),
    ("重庆市铜梁区\n2023年政府信息公开工作年度报告", "重庆市铜梁区", 2023),
    ("大埔县三河镇人民政府2023年政府信息\n公开工作年度报告", "大埔县三河镇人民政府", 2023),
    ("鄂尔多斯市2018年政府信息公开年度报告", "鄂尔多斯市", 2018),
    ("市扶农办2016年度政府信息公开工作报告", "市扶农办", 2016),
    ("屯溪区人民政府2019年度政府信息公开年报", "屯溪区人民政府", 2019),
    ("宿州市人民政府2019年政府信息公开工作年度报告（图片版）", "宿州市人民政府", 2019),
    ("上海市黄浦区人民政府2022年政府信息公开工作年度报告（超链版）.pdf", "上海市黄浦区人民政府", 2022),
    ("2023 年政府信息公開工作年度報告", None, 2023),
    ("瀏陽(liú)市人民政府2023年政府信息公開工作年度報告", "浏阳市人民政府", 2023),
])
def test_report_titles_of_the_survey(title, agency, year):
    verdict = titles.classify_title(title)
    assert (verdict.kind, verdict.agency, verdict.year) == ("report", agency, year)


@pytest.mark.parametrize(("title", "kind"), [
    ("《莘县王庄集镇人民政府2023年政府信息公开工作年度报告》已经编制完成…现就年报内容进行如下解读", "解读"),
    ("屯溪区人民政府办公室2019年度政府信息公开年报（图解）", "图解"),
    ("永嘉县人民政府2024年政府信息公开工作年度报告(图解版本)", "图解"),
    ("一文读懂《青山县人民政府2022年政府信息公开工作年度报告》", "解读"),
    ("山西省人民政府办公厅政府信息公开年度报告制度(试行)", "制度"),
    ("涼山州關于做好2013年政府信息公開工作年度報告編制和發布工作的通知", "编制通知"),
    ("关于印发石城县2024年政务公开工作要点的通知", "工作要点"),
    ("东莞市市场监督管理局关于提醒企业履行2022年度年报公示义务的公告", "企业年报"),
    ("2016年政府工作报告", "政府工作报告"),
])
def test_lookalikes_of_the_survey(title, kind):
    verdict = titles.classify_title(title)
    assert verdict.kind == "lookalike" and verdict.reason.startswith(kind)


def test_other_titles_say_nothing():
    for title in ("恩格贝生态示范区召开2020年度工作会暨党风廉政建设会议", "南县住房和城乡建设局2018年度整体支出 绩效评价报告"):
        assert titles.classify_title(title).kind == "other"


def test_truncated_list_titles_are_worth_fetching():
    assert titles.looks_like_report_link("青山县卫生健康局2024年政府信息公...")
    assert not titles.looks_like_report_link("今日要闻")


def test_other_agency_and_places():
    assert titles.seed_place("湘乡市信访局") == "湘乡市"
    assert titles.agency_is_elsewhere("湖南省人民政府", "青山县人民政府").startswith("other-agency")
    assert titles.agency_is_elsewhere("青山县河西镇人民政府", "青山县人民政府") is None
    assert titles.agency_is_elsewhere("白水县人民政府", "青山县人民政府", ("白水县", "青山县")).startswith("other-agency")


def test_column_scores():
    assert columns.column_score("政府信息公开年报", "http://x.gov.cn/zwgk/zfxxgknb/") >= 10
    assert columns.column_score("", "http://x.gov.cn/zwgk/xxgknb/index.html") >= 5
    assert columns.column_score("", "http://x.gov.cn/gkmlpt/annualreport#2629") >= 5
    assert columns.column_score("青山县人民信息公开年度报告制度(试行)", "http://x.gov.cn/zwgk/zfxxgknb/202401/t20240101_1.html") == 0
    assert columns.column_score("今日要闻", "http://x.gov.cn/news/") == 0


def page(html: str, url: str = "http://www.x.gov.cn/zwgk/zfxxgknb/") -> pages.Page:
    return pages.parse_page(url, html)


def test_trs_countpage_is_zero_based():
    html = '<script>var currentPage = 0;var countPage = 3//共多少页\ndocument.write("<a href=\\"index"+"_" + nextPage + "."+"html\\">下一页</a>");</script>'
    pg = pages.script_pagination(page(html), 60)
    assert pg.urls == ("http://www.x.gov.cn/zwgk/zfxxgknb/index_1.html", "http://www.x.gov.cn/zwgk/zfxxgknb/index_2.html")


def test_create_page_html_four_and_six_arguments():
    four = pages.script_pagination(page('<script>createPageHTML(3, 0, "index", "shtml");</script>'), 60)
    assert [u.rsplit("/", 1)[1] for u in four.urls] == ["index_1.shtml", "index_2.shtml"]
    six = pages.script_pagination(page("<script>createPageHTML('page_div', 3, 1, 'xlist', 'shtml', 25);</script>"), 60)
    assert [u.rsplit("/", 1)[1] for u in six.urls] == ["xlist.shtml", "xlist_2.shtml", "xlist_3.shtml"]
    assert "1-based" in six.mechanism and "0-based" in four.mechanism


def test_hanweb_island_links_and_dataproxy():
    html = """<div id="212860"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=2&appid=1&webid=1&path=/&columnid=33718&unitid=212860"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href='/art/2024/1/30/art_33718_1.html' title='某县2023年政府信息公开工作年度报告'>某县…</a></li>]]></record>
</recordset></datastore></script></div>"""
    p = page(html, "http://www.x.gov.cn/col/col33718/index.html")
    links = [link for link in pages.extract_links(p) if link.source == "island"]
    assert [link.url for link in links] == ["http://www.x.gov.cn/art/2024/1/30/art_33718_1.html"]
    assert links[0].label == "某县2023年政府信息公开工作年度报告"
    hw = pages.hanweb_list(p)
    assert hw.form is None and "page=2" in hw.get_template and hw.proxy_url.endswith("/module/web/jpage/dataproxy.jsp")
    found, total, total_pages = pages.parse_datastore(
        "<datastore><totalrecord>12</totalrecord><totalpage>3</totalpage><recordset><record><![CDATA[<a href='/art/a.html'>x</a>]]></record></recordset></datastore>",
        "http://www.x.gov.cn/")
    assert (len(found), total, total_pages) == (1, 12, 3)


def test_jpaas_and_gkmlpt_parameters():
    html = ("<script>var webId = '2945'; var pageId = '1487002'; var tplSetId = 'abc'; var tagId = '阳光政务_分页列表';"
            "var u='/api-gateway/jpaas-publish-server/front/page/build/unit?'; JSON.stringify({pageNo:n,pageSize:10})</script>")
    params = pages.jpaas_params(page(html))
    url = pages.jpaas_url(params, 2)
    assert "parseType=bulidstatic" in url and "paramJson=%7B%22pageNo%22%3A2%2C%22pageSize%22%3A10%7D" in url
    gk = pages.gkmlpt_config(page("<script>window._CONFIG = {SID: '175', TREE: [{\"id\": 2629, \"name\": \"年报\", \"children\": []}]};</script>",
                                  "http://www.x.gov.cn/gkmlpt/annualreport"))
    assert gk == ("175", [(2629, "年报")])


def test_document_write_links_and_pagination_links():
    p = page("<div><script>if(1){document.write('<a href=\"./P020240808575593646209.pdf\">附件1.pdf</a>');}</script></div>"
             '<a href="/zwgk/list.jsp?colid=3100&page=2">2</a>', "http://www.x.gov.cn/zwgk/list.jsp?colid=3100&page=1")
    links = pages.extract_links(p)
    assert any(link.url == "http://www.x.gov.cn/zwgk/P020240808575593646209.pdf" and link.source == "script" for link in links)
    page2 = next(link for link in links if link.text == "2")
    assert pages.is_pagination_link(p.url, page2)


def test_charsets_that_lie():
    text = "政府信息公开"
    gbk_meta = f'<meta http-equiv="Content-Type" content="text/html; charset=gbk">{text}'.encode("gbk")
    assert text in pages.decode_html(gbk_meta, "text/html")
    assert text in pages.decode_html(text.encode("utf-8"), "text/html; charset=ISO-8859-1")
    assert text in pages.decode_html(text.encode("utf-8"), None)


def test_scope_and_traps():
    assert scope.registered_domain("wjw.qingshan.gov.cn") == "qingshan.gov.cn"
    assert scope.in_scope("http://wjw.qingshan.gov.cn/a", "qingshan.gov.cn")
    assert not scope.in_scope("http://www.zwgk365.com/a", "qingshan.gov.cn")
    assert scope.trap_kind("http://www.x.gov.cn/gate/big5/www.x.gov.cn/a.html") == "big5-gateway"
    assert scope.trap_kind("http://www.x.gov.cn/jsearchfront/search.do?q=1&p=2") == "search"
    assert scope.is_attachment_url("http://x.gov.cn/module/download/downfile.jsp?classid=0&filename=ab.pdf")
    assert scope.url_pattern("http://x.gov.cn/zwgk/hdjl/rl/2024-01.html") == scope.url_pattern("http://x.gov.cn/zwgk/hdjl/rl/2031-07.html")


def test_blocks():
    assert detect_block(412, {}, b"<meta content=\"x\" r=\"m\"><script r='m'>$_ts=window['$_ts'];$_ts.nsd=1;</script>").startswith("js-challenge-412")
    assert detect_block(521, {}, b"<script>document.cookie=('__jsl_clearance_s=')+(1);location.href=location.pathname</script>").startswith("js-challenge-521")
    assert detect_block(200, {}, "<title>服务器安全狗防护验证页面</title>".encode()).startswith("waf-safedog")
    assert detect_block(200, {}, "<a href='/safedog.html'>专题</a>".encode()) is None


def test_retry_after_and_private_addresses():
    assert retry_after_seconds(b"7", 2.0) == 7.0
    assert retry_after_seconds(None, 2.0) == 2.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 2.0, now=1445412470.0) == 10.0
    for address in ("127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.1.1", "::1", "::ffff:10.0.0.1"):
        assert is_private_address(address)
    assert not is_private_address("8.8.8.8")


def test_seed_robots_override_needs_a_reason(tmp_path):
    path = tmp_path / "seeds.csv"
    path.write_text("agency,url,notes\n某县人民政府,http://www.x.gov.cn/,robots: ignore 经县政府办书面同意存档\n某局,http://y.gov.cn/,\n",
                    encoding="utf-8")
    first, second = read_seeds(path)
    assert first.robots_override == "经县政府办书面同意存档" and second.robots_override is None
    path.write_text("agency,url,robots\n某县人民政府,http://www.x.gov.cn/,ignore\n", encoding="utf-8")
    with pytest.raises(SeedError, match="without a reason"):
        read_seeds(path)


def test_guard_never_resolves_names_behind_a_proxy_and_refuses_private_literals(monkeypatch):
    import asyncio

    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest

    from crawler import settings
    from crawler.guard import PrivateAddressGuard

    mws = settings.DOWNLOADER_MIDDLEWARES
    assert mws["crawler.guard.PrivateAddressGuard"] > 750  # after HttpProxyMiddleware sets meta["proxy"]
    guard = PrivateAddressGuard(False)

    async def no_dns(*args, **kwargs):
        raise AssertionError("a name was looked up although a proxy is configured")

    async def scenario():
        monkeypatch.setattr(asyncio.get_running_loop(), "getaddrinfo", no_dns)
        proxied = Request("http://www.example-county.gov.cn/", meta={"proxy": "http://127.0.0.1:8899"})
        assert await guard.process_request(proxied) is None
        for url in ("http://127.0.0.1:8080/", "http://10.0.0.7/", "http://[::1]/"):
            with pytest.raises(IgnoreRequest, match="private-address"):
                await guard.process_request(Request(url, meta={"proxy": "http://127.0.0.1:8899"}))

    asyncio.run(scenario())
