"""Download handler for http/https: our byte-keeping client, or Chromium when a request asks.

Why not scrapy-playwright: its handler subclasses Scrapy's own HTTP handler and falls back to it
for every request that is not for the browser, which would replace our byte-keeping client
(crawler.handler) on the plain path; and it hands the spider bodies from Playwright's
``response.body()`` (decoded, headers rebuilt), which cannot be archived as the server's bytes.
So this handler keeps ``RawHttpDownloadHandler`` for plain requests and sends requests flagged
``meta["nb_browser"]`` to crawler.browser.service, which drives Playwright's async API directly
on the crawl's asyncio loop behind a recording proxy. Being the download handler, the browser
path runs inside Scrapy's download slots: the same per-host concurrency, delay and AutoThrottle
as plain requests, and every downloader middleware (robots, private-address guard, cookies) has
already seen the request.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.browser import BROWSER_META
from crawler.browser.service import BrowserService
from crawler.browser.session import browser_available
from crawler.handler import RawHttpDownloadHandler


class BrowserAwareDownloadHandler(RawHttpDownloadHandler):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.browser = BrowserService.for_crawler(crawler) if browser_available(crawler.settings) else None

    async def download_request(self, request: Request) -> Response:
        if self.browser is not None and request.meta.get(BROWSER_META):
            return await self.browser.fetch(request)
        return await super().download_request(request)

    async def close(self) -> None:
        await super().close()
        if self.browser is not None:
            await self.browser.close()
