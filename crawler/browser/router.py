"""Downloader middleware: which requests the browser fetches, and the hand-over of challenges.

* A seed whose notes ask for a browser: its pages (not its documents) go to the browser.
* A plain response that is a known JavaScript challenge (412 ``$_ts``, 521 ``__jsl_clearance``)
  is logged as ``blocked`` with its reason (the capture middleware already archived it as
  served) and the same request is handed to the browser, which runs the script as any visitor's
  browser would. Other block pages (WAF verdicts, CAPTCHAs) are left to crawler.blocking: no
  solving, no disguise. A challenge the browser does not pass either stays blocked.
* Cookies the browser earned on a site go with later plain requests to that site, so its other
  pages, list APIs and documents (PDF, DOCX…) are fetched by the plain path: the browser is used
  where it is needed, not for everything after.

Runs before crawler.blocking.BlockPageMiddleware on responses (higher number) and before the
cookie middleware on requests (lower number), so the injected cookies join Scrapy's jar.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.browser import BROWSER_META
from crawler.browser.detect import is_browser_challenge, seed_wants_browser
from crawler.browser.service import VIA, BrowserService, site_key
from crawler.browser.session import browser_available
from crawler.discovery import scope
from crawler.discovery.blocks import detect_block
from crawler.recorder import CrawlRecorder, nb

PLAIN_KINDS = {"attachment", "asset", "probe"}


def browser_request(request: Request, reason: str) -> Request:
    meta = dict(request.meta)
    meta["nb"] = dict(nb(request), via=VIA, browser_reason=reason)
    meta[BROWSER_META] = True
    return request.replace(meta=meta, dont_filter=True)


class BrowserRouter:
    def __init__(self, crawler: Crawler) -> None:
        if not browser_available(crawler.settings):
            raise NotConfigured("browser path off (NIANBAO_BROWSER, or no chromium)")
        self.crawler = crawler
        self.service = BrowserService.for_crawler(crawler)
        self.recorder = CrawlRecorder.for_crawler(crawler)
        self.hinted_sites: set[str] | None = None
        self.challenged: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserRouter:
        return cls(crawler)

    def _hinted(self) -> set[str]:
        if self.hinted_sites is None:
            seeds = getattr(self.crawler.spider, "seed_list", None) or []
            self.hinted_sites = {site_key(s.url) for s in seeds if seed_wants_browser(s.notes)}
        return self.hinted_sites

    def process_request(self, request: Request, spider=None) -> None:
        if request.meta.get(BROWSER_META):
            return None
        site = site_key(request.url)
        cookies = self.service.cookies_for(request.url)
        if cookies:
            host = urlsplit(request.url).hostname or ""
            mine = [c for c in cookies if host == c["domain"].lstrip(".") or host.endswith("." + c["domain"].lstrip("."))
                    or c["domain"].startswith(".") and host.endswith(c["domain"])]
            if mine:
                request.cookies = [{"name": c["name"], "value": c["value"], "domain": c["domain"],
                                    "path": c.get("path") or "/"} for c in mine]
        kind = nb(request).get("kind")
        if (site in self._hinted() and request.method == "GET" and kind not in PLAIN_KINDS
                and not scope.is_attachment_url(request.url) and not request.url.endswith("/robots.txt")):
            request.meta["nb"] = dict(nb(request), via=VIA, browser_reason="seed notes ask for a browser")
            request.meta[BROWSER_META] = True
        return None

    def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        if request.meta.get(BROWSER_META) or request.method != "GET" or nb(request).get("kind") in PLAIN_KINDS:
            return response
        reason = detect_block(response.status, response.headers, response.body)
        if not is_browser_challenge(reason):
            return response
        self.challenged.add(site_key(request.url))
        self.recorder.record(request, "blocked", reason=f"{reason}; handed to the browser")
        return browser_request(request, reason.split(":")[0])
