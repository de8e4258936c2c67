"""Spider middleware: a list page that yields nothing to follow but is built by its scripts is
fetched again with the browser (once per URL), so the links the scripts write are followed too.

It looks at what the spider made of the plain response: article or list requests mean
the page was read without a browser; none, on a 年报 column or list page that renders itself
client-side (crawler.browser.detect), means it was not.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response, TextResponse

from crawler.browser import BROWSER_META
from crawler.browser.detect import needs_rendering
from crawler.browser.service import VIA
from crawler.browser.session import browser_available
from crawler.discovery import columns, pages
from crawler.recorder import nb

FOLLOWED_KINDS = {"article", "list"}


def leads_on(item) -> bool:
    """A request that reads further into the page's content: an article or a list page (column
    links are not counted: breadcrumbs and navigation point at columns on every page)."""
    return isinstance(item, Request) and nb(item).get("kind") in FOLLOWED_KINDS


class ClientRenderDetector:
    def __init__(self, max_pages: int) -> None:
        self.max_pages = max_pages
        self.handed: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClientRenderDetector:
        if not browser_available(crawler.settings):
            raise NotConfigured("browser path off (NIANBAO_BROWSER, or no chromium)")
        return cls(crawler.settings.getint("NIANBAO_BROWSER_DETECT_MAX"))

    def process_spider_output(self, response: Response, result, spider=None):
        followed = 0
        for item in result:
            if leads_on(item):
                followed += 1
            yield item
        request = self.render_request(response, followed)
        if request is not None:
            yield request

    async def process_spider_output_async(self, response: Response, result, spider=None):
        followed = 0
        async for item in result:
            if leads_on(item):
                followed += 1
            yield item
        request = self.render_request(response, followed)
        if request is not None:
            yield request

    def render_request(self, response: Response, followed: int) -> Request | None:
        request = response.request
        meta = nb(request) if request is not None else {}
        if (request is None or request.meta.get(BROWSER_META) or not isinstance(response, TextResponse)
                or response.status != 200 or meta.get("kind") not in ("hub", "column", "list")
                or response.url in self.handed or len(self.handed) >= self.max_pages):
            return None
        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        if "html" not in ctype.lower():
            return None
        html = pages.decode_html(response.body, ctype)
        page = pages.parse_page(response.url, html)
        name = page.metas.get("ColumnName") or page.title
        is_list = meta.get("kind") in ("column", "list") or bool(meta.get("nb_column")) or \
            columns.column_score(name, response.url) >= 5
        if not needs_rendering(html, link_count=len(pages.extract_links(page)), followed=followed, is_list=is_list):
            return None
        self.handed.add(response.url)
        new_meta = dict(request.meta)
        new_meta["nb"] = dict(meta, via=VIA, browser_reason="client-side rendering")
        new_meta[BROWSER_META] = True
        return request.replace(url=response.url, meta=new_meta, dont_filter=True, priority=request.priority + 1)
