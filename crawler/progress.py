"""Extension: a progress line per interval, and the per-portal summary at the end.

The line: pages fetched, reports found, pages/min, errors, blocked, requests queued. At the end
the recorder closes (flushing log, WARC, state, CDXJ, WACZ) and the summary is printed and saved
as DIR/crawls/<crawl_id>/summary.json.
"""

from __future__ import annotations

import logging
import time

from scrapy import signals
from scrapy.crawler import Crawler
from twisted.internet import task

from crawler.recorder import CrawlRecorder

logger = logging.getLogger("nianbao.progress")


def browser_share_line(totals: dict) -> str:
    """How much of the crawl needed a browser (crawler.browser counts ``via_browser``)."""
    via, captures = totals.get("via_browser", 0), totals.get("captures", 0)
    share = 100.0 * via / captures if captures else 0.0
    return f"  browser: {via} of {captures} requests went through the browser ({share:.1f}%)"


def format_summary(summary: dict) -> str:
    lines = [f"crawl {summary['crawl_id']}: {summary['totals'].get('captures', 0)} captures in "
             f"{summary['elapsed_s']} s, {summary['totals'].get('report', 0)} reports, "
             f"{summary['totals'].get('attachment', 0)} attachments"]
    lines.append(browser_share_line(summary["totals"]))
    for p in summary["portals"]:
        years = ", ".join(f"{y}:{n}" for y, n in p["reports_by_year"].items()) or "none"
        flags = []
        if p["blocked"]:
            flags.append("blocked " + ", ".join(f"{k}×{v}" for k, v in p["blocked"].items()))
        if p["errors"]:
            flags.append("errors " + ", ".join(f"{k}×{v}" for k, v in p["errors"].items()))
        lines.append(f"  {p['seed_agency']} <{p['seed_url']}> column {'found' if p['column_found'] else 'NOT found'}"
                     f" [{'/'.join(p['families']) or '?'}]; reports by year {years}"
                     + (f"; {'; '.join(flags)}" if flags else ""))
    return "\n".join(lines)


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.recorder = CrawlRecorder.for_crawler(crawler)
        self.task: task.LoopingCall | None = None
        self.started = time.monotonic()
        self.last = (self.started, 0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        ext = cls(crawler, crawler.settings.getfloat("NIANBAO_PROGRESS_INTERVAL"))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider) -> None:
        if self.interval > 0:
            self.task = task.LoopingCall(self.log_line)
            self.task.start(self.interval, now=False)

    def line(self) -> str:
        totals = self.recorder.totals
        pages = totals["captures"]
        now = time.monotonic()
        then, before = self.last
        rate = (pages - before) / max(now - then, 1e-6) * 60
        self.last = (now, pages)
        queued = 0
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and getattr(engine, "_slot", None) is not None:
            try:
                queued = len(engine._slot.scheduler)
            except TypeError:
                queued = 0
        errors = totals["error"]
        return (f"progress: {pages} pages, {max(totals['report'], totals['reports_found'])} reports, {rate:.0f} pages/min, "
                f"{errors} errors, {totals['blocked']} blocked, {queued} queued")

    def log_line(self) -> None:
        logger.info(self.line())

    def spider_closed(self, spider, reason) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.recorder.close()
        summary = getattr(self.recorder, "final_summary", None)
        if summary:
            print(format_summary(summary), flush=True)
