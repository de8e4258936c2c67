"""Downloader middleware: JavaScript challenges and WAF block pages are `blocked`, not pages.

A 412 with a ``$_ts`` script, a 521 with a cookie script, a Safedog page: the response is archived
as served (the capture middleware already wrote it), logged as ``blocked`` with the reason, marked
for the browser path in the portal state, and never retried or parsed as the page it replaced.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler.discovery.blocks import detect_block
from crawler.recorder import CrawlRecorder


class BlockPageMiddleware:
    def __init__(self, recorder: CrawlRecorder) -> None:
        self.recorder = recorder

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BlockPageMiddleware:
        return cls(CrawlRecorder.for_crawler(crawler))

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        reason = detect_block(response.status, response.headers, response.body)
        if reason is None:
            return response
        self.recorder.record(request, "blocked", reason=reason)
        raise IgnoreRequest(f"blocked: {reason}")
