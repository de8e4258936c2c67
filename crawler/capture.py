"""Downloader middleware nearest the downloader: archive every exchange as it arrived.

It runs before decompression, redirects and retries see the response, so the WARC holds the
server's bytes even for answers the spider never gets (3xx, retried 429/503, robots.txt, block
pages, truncated bodies). For those it also writes the crawl-log line itself.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.handler import EXCHANGE_KEY
from crawler.recorder import CrawlRecorder, nb


class CaptureMiddleware:
    def __init__(self, recorder: CrawlRecorder, retry_codes: set[int], enabled: bool = True) -> None:
        self.recorder = recorder
        self.retry_codes = retry_codes
        self.enabled = enabled

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CaptureMiddleware:
        codes = {int(c) for c in crawler.settings.getlist("RETRY_HTTP_CODES")}
        return cls(CrawlRecorder.for_crawler(crawler), codes, crawler.settings.getbool("NIANBAO_WARC_CAPTURE"))

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        exchange = request.meta.pop(EXCHANGE_KEY, None)
        if exchange is None:
            return response
        self.recorder.capture(request, exchange, archive=self.enabled)
        status = response.status
        if request.url.endswith("/robots.txt") and not nb(request):
            self.recorder.record(request, "robots", reason=f"robots.txt HTTP {status}")
        elif 300 <= status < 400 and response.headers.get("Location"):
            location = response.headers.get("Location").decode("latin-1")
            self.recorder.record(request, "other", reason=f"redirect: {status} to {location}")
        elif status in self.retry_codes and not request.meta.get("dont_retry"):
            retry_after = response.headers.get("Retry-After")
            note = f"Retry-After {retry_after.decode('latin-1')}, " if retry_after else ""
            self.recorder.record(request, "error", reason=f"http-{status}: {note}retried with backoff")
        return response

    def process_exception(self, request: Request, exception: Exception, spider=None) -> None:
        exchange = request.meta.pop(EXCHANGE_KEY, None)
        if exchange is not None and exchange.response_head:
            self.recorder.capture(request, exchange, archive=self.enabled)
            self.recorder.record(request, "error", reason=failure_reason(exception))
        return None


def failure_reason(exception: Exception) -> str:
    """``kind: detail`` for a failed download; the kind is what summaries count."""
    name = type(exception).__name__
    kind = {"DownloadCancelledError": "max-size", "ResponseDataLossError": "truncated",
            "DownloadTimeoutError": "timeout", "DownloadConnectionRefusedError": "connection-refused",
            "CannotResolveHostError": "dns"}.get(name, "download-failed")
    return f"{kind}: {exception}"[:300]
