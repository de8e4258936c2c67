"""Retries that honour Retry-After (429/503), bounded, slowing the whole host down meanwhile.

Scrapy's RetryMiddleware retries at once; a portal that says "come back in 5 s" gets its wish:
the host's download slot waits that long before the next request (and is restored when the
host answers again). A 429/503 without Retry-After delays only its own retry
(NIANBAO_RETRY_AFTER_DEFAULT). A Retry-After beyond NIANBAO_RETRY_AFTER_MAX is not waited for: the answer stands as an
error.
"""

from __future__ import annotations

import asyncio
import email.utils
import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response


def retry_after_seconds(value: bytes | str | None, default: float, now: float | None = None) -> float:
    """Seconds asked by a Retry-After header (delta-seconds or HTTP date); ``default`` if absent."""
    if value is None:
        return default
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return default
    if when is None:
        return default
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


class RetryAfterMiddleware(RetryMiddleware):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        mw = cls(crawler.settings)
        mw.crawler = crawler
        mw.max_wait = crawler.settings.getfloat("NIANBAO_RETRY_AFTER_MAX")
        mw.default_wait = crawler.settings.getfloat("NIANBAO_RETRY_AFTER_DEFAULT")
        mw.saved_delays = {}
        return mw

    def _restore_host(self, request: Request) -> None:
        """The host answers again: back to the delay it had before it asked us to wait."""
        if not self.saved_delays:
            return
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        if key in self.saved_delays:
            slot = downloader.slots.get(key)
            delay = self.saved_delays.pop(key)
            if slot is not None:
                slot.delay = delay

    async def process_response(self, request: Request, response: Response, spider=None) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in (429, 503):
            if response.status < 400:
                self._restore_host(request)
            return super().process_response(request, response)
        asked = response.headers.get("Retry-After")
        wait = retry_after_seconds(asked, self.default_wait)
        if wait > self.max_wait:
            return response  # not waited for; the spider's errback records the error
        retry = self._retry(request, f"HTTP {response.status}, Retry-After {wait:g}s")
        if retry is None:
            return response
        if asked is not None:
            self._slow_host(request, wait)  # the host asked for a pause: the whole host waits
        else:
            await asyncio.sleep(wait)  # no ask: this request backs off; the host's slot stays free
        return retry

    def _slow_host(self, request: Request, wait: float) -> None:
        engine = getattr(self.crawler, "engine", None)
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        key = downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None:
            self.saved_delays.setdefault(key, slot.delay)
            slot.delay = max(slot.delay, wait)
            slot.lastseen = time.monotonic()  # the wait counts from this answer
