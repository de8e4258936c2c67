"""The manifest's `needs_browser` is exact: a plain client that knows the families' rules reaches
every report marked false (and its documents) from the seed list, and none marked true.

The client below is deliberately knowledgeable (TRS/6-arg pager scripts, Hanweb islands and
dataproxy, jpaas and gkmlpt APIs, links inside document.write, iframes) but runs no JavaScript.
It ignores robots.txt: this is about what can be reached, not about politeness.
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote, urlencode, urljoin, urlsplit

from farmhttp import polite_get

SKIP = ("/gate/big5/", "/jsearchfront/", "/zwgk/hdjl/rl/", "/zwgk/xzzx/", "javascript:", "mailto:")
DOCUMENT = re.compile(r"\.(pdf|docx?|xlsx?|png|jpe?g|zip|ofd)$|downfile\.jsp|/download/", re.I)
HREF = re.compile(r"""(?:href|src)\s*=\s*\\?["']([^"'\\]+)\\?["']""", re.I)


def pager_pages(url: str, page: str) -> list[str]:
    """Later list pages that only the pagination script names."""
    out = []
    m = re.search(r"var countPage = (\d+)", page) or re.search(r'createPageHTML\((\d+), \d+, "index", "(\w+)"\)', page)
    if m:
        ext = m.group(2) if m.lastindex == 2 else "html"
        out += [urljoin(url, f"index_{i}.{ext}") for i in range(1, int(m.group(1)))]
    m = re.search(r"createPageHTML\('page_div', (\d+), \d+, '(\w+)', 'shtml', \d+\)", page)
    if m:
        out += [urljoin(url, f"{m.group(2)}_{i}.shtml") for i in range(2, int(m.group(1)) + 1)]
    return out


def api_links(proxy: str, url: str, page: str) -> list[str]:
    """Article links behind the families' list endpoints."""
    base = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    links = re.findall(r"<record><!\[CDATA\[<li><a href='([^']+)'", page)
    m = re.search(r'"webid": (\d+).*?"columnid": (\d+).*?"unitid": (\d+)', page)
    proxy_path = re.search(r"<nextgroup><!\[CDATA\[<a href=\"([^\"?]+)\?", page)
    if m and proxy_path:
        for n in range(1, 50):
            q = urlencode({"page": n, "webid": m.group(1), "columnid": m.group(2), "unitid": m.group(3)})
            recs = re.findall(r"href='([^']+)'", polite_get(proxy, f"{base}{proxy_path.group(1)}?{q}").text())
            if not recs:
                break
            links += recs
    m = re.search(r"var webId = '(\d+)'; var pageId = '(\d+)'; var tplSetId = '(\w+)'; var tagId = '([^']+)'", page)
    if m:
        for n in range(1, 50):
            q = urlencode({"parseType": "bulidstatic", "webId": m.group(1), "tplSetId": m.group(3), "pageType": "column",
                           "tagId": m.group(4), "editType": "null", "pageId": m.group(2),
                           "paramJson": json.dumps({"pageNo": n, "pageSize": 10})})
            data = json.loads(polite_get(proxy, f"{base}/api-gateway/jpaas-publish-server/front/page/build/unit?{q}",
                                         headers={"Referer": url}).body)
            recs = re.findall(r'href="([^"]+)"', (data.get("data") or {}).get("html", ""))
            if not recs:
                break
            links += recs
    m = re.search(r"SID: '(\d+)', TREE: (\[.*?\])\};", page)
    if m:
        cats = [int(c) for c in re.findall(r'"id": (\d+)', m.group(2))]
        for cat in cats:
            data = json.loads(polite_get(proxy, f"{base}/gkmlpt/api/all/{cat}?page=1&sid={m.group(1)}").body)
            links += [a["url"] for a in data["articles"]]
    return links


def crawl_host(proxy: str, host: str, starts: list[str]) -> tuple[set[str], set[str], int]:
    queue, seen, documents = list(starts), set(starts), set()
    fetched = 0
    while queue and fetched < 400:
        url = queue.pop(0)
        got = polite_get(proxy, url)
        fetched += 1
        if got.status != 200 or not (got.headers.get("Content-Type") or "").startswith("text/html"):
            continue
        page = got.body.decode("gb18030" if b"charset=gb" in got.body[:400] else "utf-8", "replace")
        found = [m for m in HREF.findall(page)] + pager_pages(url, page) + api_links(proxy, url, page)
        for href in found:
            absolute = urljoin(url, quote(html.unescape(href), safe="/:?&=#%;,+@"))
            absolute = absolute.split("#")[0] if "/gkmlpt/" not in absolute else absolute
            parts = urlsplit(absolute)
            if parts.hostname != host or any(s in absolute for s in SKIP) or absolute in seen:
                continue
            seen.add(absolute)
            if DOCUMENT.search(parts.path + ("?" + parts.query if parts.query else "")):
                documents.add(absolute)
            else:
                queue.append(absolute)
    return seen, documents, fetched


def test_plain_client_reaches_exactly_the_reports_that_need_no_browser(farm):
    with farm.seeds_path.open(encoding="utf-8", newline="") as fh:
        seeds = list(csv.DictReader(fh))
    starts: dict[str, list[str]] = defaultdict(list)
    for row in seeds:
        starts[urlsplit(row["url"]).hostname].append(row["url"])
    for portal in farm.manifest["portals"]:  # the home page too, as any crawler would try it
        starts[portal["host"]].append(portal["home"].replace("https://", "http://"))
    with ThreadPoolExecutor(max_workers=len(starts)) as pool:
        results = dict(zip(starts, pool.map(lambda h: crawl_host(farm.proxy, h, starts[h]), starts), strict=True))
    reached = {u for seen, _, _ in results.values() for u in seen}
    docs = {u for _, found, _ in results.values() for u in found}
    reached |= {u.replace("http://", "https://", 1) for u in reached}  # the https portal redirects
    docs |= {u.replace("http://", "https://", 1) for u in docs}
    plain = [r for r in farm.manifest["reports"] if not r["needs_browser"]]
    browser = [r for r in farm.manifest["reports"] if r["needs_browser"]]
    assert plain and browser
    assert [r["page_url"] for r in plain if r["page_url"] not in reached] == []
    assert [r["page_url"] for r in browser if r["page_url"] in reached] == []
    missing_docs = [d["url"] for r in plain for d in r["documents"] if d["format"] != "html" and d["url"] not in docs]
    assert missing_docs == []
