"""Each CMS family's list shape and pagination, through the proxy, against the manifest."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from urllib.parse import urlencode

import lxml.html
from farmhttp import fetch_via, polite_get

from farm.portals.opaque import _spa_key


def portal(farm, host):
    return next(p for p in farm.manifest["portals"] if p["host"] == host)


def reports_on(farm, host):
    return [r for r in farm.manifest["reports"] if r["host"] == host]


def static_links(html: bytes | str) -> list[str]:
    """The hrefs a crawler without JavaScript sees (scripts are raw text, not markup)."""
    doc = lxml.html.fromstring(html)
    return [a.get("href") for a in doc.iter("a") if a.get("href")]


# -- TRS classic -----------------------------------------------------------------------------------
def test_trs_second_list_page_exists_only_in_the_script(farm, get):
    col = portal(farm, "www.qingshan.gov.cn")["nb_column"]
    first = get(col).text()
    assert "var countPage = 2" in first and "var currentPage = 0" in first
    assert not any("index_1" in h for h in static_links(first))
    second = get(col + "index_1.html")
    assert second.status == 200 and "var currentPage = 1" in second.text()
    assert get(col + "index_2.html").status == 404
    hrefs = static_links(first) + static_links(second.body)
    reports = [r for r in reports_on(farm, "www.qingshan.gov.cn") if r["column_url"] == col]
    assert reports
    for r in reports:
        assert "./" + r["page_url"].removeprefix(col) in hrefs


def test_some_trs_lists_show_another_date_than_the_page(farm, get):
    shifted = [r for r in farm.manifest["reports"] if r["list_date"]]
    assert shifted and all(r["list_date"] < r["published"] for r in shifted)
    r = next(r for r in shifted if r["family"] == "trs" and not r["needs_browser"])
    col = polite_get(farm.proxy, r["column_url"]).text()
    for n in range(1, 5):
        if r["list_date"] not in col:
            col += polite_get(farm.proxy, r["column_url"] + f"index_{n}.html").text()
    assert r["list_date"] in col


def test_trs_urls_encode_the_publish_date(farm):
    for r in reports_on(farm, "www.qingshan.gov.cn"):
        m = re.search(r"/(\d{6})/t(\d{8})_\d+\.html$", r["page_url"])
        assert m, r["page_url"]
        assert m.group(2) == r["published"].replace("-", "") and m.group(1) == m.group(2)[:6]


def test_trs_article_page_markers(farm, get):
    r = next(r for r in reports_on(farm, "www.qingshan.gov.cn") if r["delivery"] == "html")
    page = get(r["page_url"]).text()
    assert 'class="TRS_Editor"' in page
    assert f'<meta name="ArticleTitle" content="{r["title"]}">' in page
    assert f'<meta name="PubDate" content="{r["published"]}' in page
    assert '<meta name="SiteName" content="青山县人民政府">' in page


def test_trs_create_page_html_variant(farm, get):
    col = portal(farm, "wjw.qingshan.gov.cn")["nb_column"]
    page = get(col).body
    assert re.search(rb'createPageHTML\(\d+, 0, "index", "html"\)', page)


def test_trs_attachments_relative_and_some_written_by_script(farm, get):
    scripted = [r for r in farm.manifest["reports"]
                if any(d.get("linked_by_script") for d in r["documents"])]
    assert scripted, "some attachment links exist only inside document.write"
    r = scripted[0]
    page = get(r["page_url"]).text()
    doc_url = r["documents"][0]["url"]
    name = doc_url.rsplit("/", 1)[1]
    assert name.startswith("P0")
    assert f"./{name}" not in static_links(page)
    assert f'href=\\"./{name}\\"' in page or f"href=\"./{name}\"" in page.split("document.write")[1]
    assert get(doc_url).status == 200


def test_year_folder_lies(farm):
    liars = [r for r in reports_on(farm, "www.baishui.gov.cn") if r["folder_year"] and r["folder_year"] != r["year"]]
    assert len(liars) == 1
    assert "/2020_" in liars[0]["page_url"] and liars[0]["year"] != 2020


# -- six-argument createPageHTML (.shtml, 1-based) --------------------------------------------------
def test_shtml_pagination_is_one_based(farm, get):
    col = portal(farm, "www.anping.gov.cn")["nb_column"]
    first = get(col).text()
    m = re.search(r"createPageHTML\('page_div', (\d+), 1, 'common_list', 'shtml', (\d+)\)", first)
    assert m and int(m.group(1)) >= 2
    assert get(col + "common_list_2.shtml").status == 200
    assert get(col + "common_list_1.shtml").status == 404
    assert get(col + f"common_list_{int(m.group(1)) + 1}.shtml").status == 404


# -- Hanweb JCMS ------------------------------------------------------------------------------------
def hanweb_column(farm, get, host="www.xiangxiang.gov.cn"):
    col = portal(farm, host)["nb_column"]
    page = get(col).text()
    unitid = re.search(r'<div id="(\d+)"><script type="text/xml"><datastore>', page).group(1)
    columnid = re.search(r"/col/col(\d+)/", col).group(1)
    webid = re.search(r'"webid": (\d+)', page).group(1)
    return col, page, columnid, unitid, webid


def test_hanweb_column_has_no_article_links_but_a_datastore_island(farm, get):
    col, page, columnid, unitid, _ = hanweb_column(farm, get)
    assert not [h for h in static_links(page) if "/art/" in h]
    island = re.findall(r"<record><!\[CDATA\[<li><a href='(/art/[^']+)'", page)
    assert len(island) == 8
    assert re.search(r"/\*totalRecord:(\d+) dataStore\*/", page)


def test_hanweb_dataproxy_post_returns_the_rest(farm, get):
    col, page, columnid, unitid, webid = hanweb_column(farm, get)
    total = int(re.search(r"totalRecord:(\d+)", page).group(1))
    assert total > 8
    form = urlencode({"col": 1, "appid": 1, "webid": webid, "path": "/", "columnid": columnid,
                      "sourceContentType": 1, "unitid": unitid, "webname": "湘乡市人民政府", "permissiontype": 0})
    url = "http://www.xiangxiang.gov.cn/module/jpage/dataproxy.jsp?startrecord=1&endrecord=60&perpage=20"
    got = get(url, method="POST", body=form.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert got.status == 200 and got.headers["Content-Type"].startswith("text/xml")
    records = re.findall(r"href='(/art/[^']+)'", got.text())
    assert len(records) == total
    island = re.findall(r"<record><!\[CDATA\[<li><a href='(/art/[^']+)'", page)
    assert records[:8] == island
    col_reports = [r["page_url"] for r in farm.manifest["reports"] if r["column_url"] == col]
    assert {u.removeprefix("http://www.xiangxiang.gov.cn") for u in col_reports} <= set(records)
    # columnid and unitid must belong together
    wrong = form.replace(f"unitid={unitid}", f"unitid={int(unitid) + 311}")
    got = get(url, method="POST", body=wrong.encode(), headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "<totalrecord>0</totalrecord>" in got.text()
    # the other path variant does not exist on this site
    assert get("http://www.xiangxiang.gov.cn/module/web/jpage/dataproxy.jsp?startrecord=1&endrecord=60&perpage=20",
               method="POST", body=form.encode()).status == 404


def test_hanweb_dataproxy_get_page_variant(farm, get):
    col, page, columnid, unitid, webid = hanweb_column(farm, get)
    seen = []
    for n in range(1, 10):
        got = get(f"http://www.xiangxiang.gov.cn/module/jpage/dataproxy.jsp?page={n}&appid=1&webid={webid}"
                  f"&path=/&columnid={columnid}&unitid={unitid}&permissiontype=0")
        recs = re.findall(r"href='(/art/[^']+)'", got.text())
        if not recs:
            break
        seen += recs
    total = int(re.search(r"<totalrecord>(\d+)</totalrecord>", got.text()).group(1))
    assert len(seen) == total


def test_hanweb_article_and_downfile_redirect(farm, get):
    attached = [r for r in reports_on(farm, "www.xiangxiang.gov.cn") + reports_on(farm, "www.longxi.gov.cn")
                if r["delivery"] == "attachment" and r["host"] == "www.xiangxiang.gov.cn"]
    assert attached
    r = attached[0]
    assert re.search(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$", r["page_url"])
    doc = r["documents"][0]
    assert "/module/download/downfile.jsp?classid=0&filename=" in doc["url"]
    got = get(doc["url"])
    assert got.status == 302 and got.headers["Location"].startswith("/attach/0/")
    assert get(doc["final_url"]).status == 200
    page = get(r["page_url"]).text()
    assert 'name="i_columnid"' in page and "<DIV id=zoom>" in page


# -- Hanweb jpaas -----------------------------------------------------------------------------------
def test_jpaas_needs_referer_and_pages_inside_paramjson(farm, get):
    col = portal(farm, "www.nanhu.gov.cn")["nb_column"]
    page = get(col).text()
    assert not [h for h in static_links(page) if "/art/" in h]
    web_id = re.search(r"var webId = '(\d+)'", page).group(1)
    page_id = re.search(r"var pageId = '(\d+)'", page).group(1)
    tpl = re.search(r"var tplSetId = '(\w+)'", page).group(1)
    assert "parseType=bulidstatic" in page

    def api(param_json, **extra):
        q = {"parseType": "bulidstatic", "webId": web_id, "tplSetId": tpl, "pageType": "column",
             "tagId": "阳光政务_分页列表", "editType": "null", "pageId": page_id, **extra}
        if param_json is not None:
            q["paramJson"] = json.dumps(param_json)
        return "http://www.nanhu.gov.cn/api-gateway/jpaas-publish-server/front/page/build/unit?" + urlencode(q)

    assert get(api({"pageNo": 1, "pageSize": 5})).status == 403
    ref = {"Referer": col}
    one = json.loads(get(api({"pageNo": 1, "pageSize": 5}), headers=ref).body)
    two = json.loads(get(api({"pageNo": 2, "pageSize": 5}), headers=ref).body)
    bare = json.loads(get(api(None, pageNo=2, pageSize=5), headers=ref).body)
    assert one["success"] and one["data"]["total"] > 5
    assert one["data"]["html"] != two["data"]["html"] and "/art/" in two["data"]["html"]
    assert bare["data"]["html"] != two["data"]["html"]  # a bare pageNo is ignored


# -- Guangdong gkmlpt --------------------------------------------------------------------------------
def test_gkmlpt_api_and_its_page_quirk(farm, get):
    col = portal(farm, "www.dongping.gov.cn")["nb_column"]
    assert "#" in col
    shell = get(col.split("#")[0]).text()
    sid = re.search(r"SID: '(\d+)'", shell).group(1)
    cat = col.split("#")[1]
    assert not [h for h in static_links(shell) if "post_" in h]
    base = f"http://www.dongping.gov.cn/gkmlpt/api/all/{cat}?sid={sid}&page="
    one = get(base + "1")
    assert one.status == 200
    data = json.loads(one.body)
    assert data["articles"] and data["classify"]["post_count"] == len(data["articles"])
    assert get(base + "0").body == one.body
    assert get(base + "2").status == 404
    urls = {a["url"] for a in data["articles"]}
    for r in reports_on(farm, "www.dongping.gov.cn"):
        if r["column_url"] == col:
            assert r["page_url"] in urls
            assert re.search(r"/gkmlpt/content/\d+/\d+/post_\d+\.html$", r["page_url"])
    wrong_sid = json.loads(get(f"http://www.dongping.gov.cn/gkmlpt/api/all/{cat}?sid=1&page=1").body)
    assert wrong_sid["articles"] == []


# -- opaque ids, iframe shells, browser-only lists ---------------------------------------------------
def test_shandong_object_ids_carry_the_publish_date(farm, get):
    rs = reports_on(farm, "www.xiyang.gov.cn")
    assert rs
    for r in rs:
        m = re.search(r"/site_\w+/channel_[\w]+/doc_([0-9a-f]{24})\.html$", r["page_url"])
        assert m, r["page_url"]
        stamp = dt.datetime.fromtimestamp(int(m.group(1)[:8], 16), dt.timezone(dt.timedelta(hours=8)))
        assert stamp.date().isoformat() == (r["id_date"] or r["published"])
    migrated = [r for r in rs if r["id_date"]]
    assert migrated and all(r["id_date"] > r["published"] for r in migrated)  # a re-import, like guanxian's
    col = portal(farm, "www.xiyang.gov.cn")["nb_column"]
    first = get(col).text()
    nxt = [h for h in static_links(first) if h.endswith("index_2.html")]
    assert nxt and get("http://www.xiyang.gov.cn" + nxt[0]).status == 200


def test_iframe_shell_holds_the_list_in_a_same_host_frame(farm, get):
    col = portal(farm, "www.taiping.gov.cn")["nb_column"]
    shell = fetch_retrying(farm, col)
    assert not [h for h in static_links(shell) if re.search(r"/\d{4}/\d{2}-\d{2}/", h)]
    src = lxml.html.fromstring(shell).xpath("//iframe/@src")[0]
    frame = fetch_retrying(farm, "http://www.taiping.gov.cn" + src)
    links = static_links(frame)
    assert any(re.search(r"^/\d{4}/\d{2}-\d{2}/\d+\.html$", h) for h in links)


def fetch_retrying(farm, url):
    for _ in range(3):  # this host answers 503 to the first of every three requests for a URL
        got = fetch_via(farm.proxy, url)
        if got.status == 200:
            return got.body
    raise AssertionError(f"{url}: {got.status}")


def test_spa_list_is_only_revealed_by_running_the_script(farm, get):
    col = portal(farm, "www.jinshui.gov.cn")["nb_column"]
    page = get(col).text()
    hidden = [r for r in reports_on(farm, "www.jinshui.gov.cn") if r["column_url"] == col]
    assert hidden and all(r["needs_browser"] for r in hidden)
    for r in hidden:
        path = r["page_url"].removeprefix("http://www.jinshui.gov.cn")
        assert path not in page and path.rsplit("/", 1)[1] not in page
    # what the page's script does, done by hand: XOR with a key computed from the seed in the script
    blob = re.search(r'data-v="([^"]+)"', page).group(1)
    seed = int(re.search(r"var s=(\d+),k=\[\]", page).group(1))
    key = _spa_key(seed)
    raw = base64.b64decode(blob)
    records = json.loads(bytes(b ^ key[i % 16] for i, b in enumerate(raw)).decode())
    assert {r["page_url"].removeprefix("http://www.jinshui.gov.cn") for r in hidden} <= {x["u"] for x in records}
    assert portal(farm, "www.jinshui.gov.cn")["lists_need_browser"]


def test_gbk_page_labelled_only_in_meta(farm, get):
    got = get(portal(farm, "wjw.qingshan.gov.cn")["nb_column"])
    assert got.headers["Content-Type"] == "text/html"
    assert re.search(rb'<meta http-equiv="Content-Type" content="text/html; charset=(gb2312|gbk)">', got.body)
    text = got.body.decode("gbk")
    assert "青山县卫生健康局" in text
    try:
        got.body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("a GBK page must not also be valid UTF-8")


def test_mirror_host_copies_a_report_in_traditional_with_pinyin(farm, get):
    mirrors = [x for x in farm.manifest["lookalikes"] if x["kind"] == "mirror"]
    assert mirrors and all(".gov.cn" not in x["url"].split("/")[2] for x in mirrors)
    page = get(mirrors[0]["url"]).text()
    assert re.search(r"[\u4e00-\u9fff]\([a-zāáǎàēéěèīíǐìōóǒòūúǔùü]+\)", page)
    assert mirrors[0]["same_as"].startswith("https://www.liuyang.gov.cn/")


def test_snowflake_ids_carry_the_publish_date(farm, get):
    rs = reports_on(farm, "www.wuqi.gov.cn")
    assert rs
    for r in rs:
        m = re.search(r"/(\d{18,19})\.html$", r["page_url"])
        assert m, r["page_url"]
        millis = (int(m.group(1)) >> 22) + 1288834974657
        stamp = dt.datetime.fromtimestamp(millis / 1000, dt.timezone(dt.timedelta(hours=8)))
        assert stamp.date().isoformat() == r["published"]
    assert get(rs[0]["page_url"]).status == 200


def test_hanweb_column_page_answers_any_uid_pagenum(farm, get):
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "duplicate-params")
    a = get(trap["url_prefix"] + "7543749&pageNum=3")
    b = get(trap["url_prefix"].split("?")[0])
    assert a.status == 200 and a.body == b.body


def test_anhui_openness_lists_and_downloads(farm, get):
    p = next(p for p in farm.manifest["portals"] if p["family"] == "anhui")
    first = get(p["nb_column"]).text()
    assert "data-catId=" in first
    links = static_links(first)
    rs = [r for r in reports_on(farm, p["host"]) if r["column_url"] == p["nb_column"]]
    assert rs and all(re.search(r"/openness/OpennessAnnualReport/show/\d+\.html$", r["page_url"]) for r in rs)
    pages = [h for h in links if "pageIndex=" in h]
    seen = set(links)
    for h in pages:
        seen |= set(static_links(get(f"http://{p['host']}{h}").body))
    assert {r["page_url"].split(p["host"], 1)[1] for r in rs} <= seen
    attached = [d for r in reports_on(farm, p["host"]) for d in r["documents"] if d["format"] != "html"]
    assert attached and all(re.search(r"/download/[0-9a-f]{24}\.\w+$", d["url"]) for d in attached)


def test_an_old_report_is_pinned_on_top_of_the_list(farm, get):
    col = portal(farm, "www.qingshan.gov.cn")["nb_column"]
    first = [h for h in static_links(get(col).body) if h.startswith("./")]
    reports = [r for r in reports_on(farm, "www.qingshan.gov.cn") if r["column_url"] == col]
    oldest = min(reports, key=lambda r: r["published"])
    assert first[0] == "./" + oldest["page_url"].removeprefix(col)
    assert oldest["published"] < max(r["published"] for r in reports)
