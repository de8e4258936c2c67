"""The crawl's record keeper: WARC files, the crawl log, per-portal summary and state.

One instance per crawler (``CrawlRecorder.for_crawler``), shared by the capture middleware (which
archives every exchange the moment it arrives) and the spider (which decides what a capture was:
column, list, report...). Each capture gets exactly one log line: the spider's verdict, or, for
answers the spider never sees (redirects, retried 429/503, robots.txt, block pages), the
middleware's; captures nobody classified are flushed as ``other`` when the crawl closes.
"""

from __future__ import annotations

import json
import logging
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archive.crawllog import CrawlLog, new_crawl_id
from archive.warc import WarcFileWriter, WarcLocation
from crawler.rawhttp import RawExchange
from crawler.useragent import honest_user_agent

logger = logging.getLogger(__name__)

META = "nb"  # request.meta key: {seed_url, seed_agency, role, parent_url, title, agency, year}
CAPTURE = "nb_capture"  # request.meta key: the WARC location of this request's response
LOGGED = "nb_logged"
# the request meta (``nb``) a crawl-log line is made of (CrawlRecorder._entry, write_entry)
ENTRY_META = ("seed_url", "seed_agency", "parent_url", "title", "agency", "year", "via")


def nb(request: Request) -> dict:
    return request.meta.get(META) or {}


def write_json_atomic(path: Path, data: Any) -> None:
    """Idempotent save: write aside, then rename over (a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


class PortalSummary:
    """What a portal yielded this crawl, for the printed summary and summary.json."""

    def __init__(self, seed_url: str, seed_agency: str) -> None:
        self.seed_url = seed_url
        self.seed_agency = seed_agency
        self.agencies: list[str] = []
        self.roles: Counter[str] = Counter()
        self.reports_by_year: Counter[int] = Counter()
        self.columns: dict[str, dict] = {}
        self.families: set[str] = set()
        self.pagination: set[str] = set()
        self.blocked: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.lookalikes: Counter[str] = Counter()
        self.robots_override: str | None = None
        self.needs_browser: list[str] = []

    def as_dict(self) -> dict:
        return {
            "seed_url": self.seed_url,
            "seed_agency": self.seed_agency,
            "host": urlsplit(self.seed_url).netloc,
            "agencies": self.agencies,
            "column_found": bool(self.columns),
            "columns": sorted(self.columns),
            "families": sorted(self.families),
            "pagination": sorted(self.pagination),
            "reports": self.roles["report"],
            "reports_by_year": {str(y): n for y, n in sorted(self.reports_by_year.items())},
            "attachments": self.roles["attachment"],
            "captures_by_role": dict(sorted(self.roles.items())),
            "blocked": dict(self.blocked),
            "errors": dict(self.errors),
            "lookalikes": dict(self.lookalikes),
            "robots_override": self.robots_override,
            "needs_browser": self.needs_browser[:20],
        }


class CrawlRecorder:
    def __init__(self, crawler: Crawler) -> None:
        settings = crawler.settings
        out = settings.get("NIANBAO_OUT_DIR")
        if not out:
            raise NotConfigured("NIANBAO_OUT_DIR is not set (nianbao crawl --out DIR / -a out=DIR)")
        self.crawler = crawler
        self.out_dir = Path(out)
        self.incremental = None
        if settings.getbool("NIANBAO_INCREMENTAL") and settings.getbool("NIANBAO_WARC_CAPTURE"):
            from crawler.incremental import CaptureState

            self.incremental = CaptureState(self.out_dir, crash_at=settings.get("NIANBAO_CRASH_AT") or "")
        resume_id = self.incremental.resume_id if self.incremental is not None else None
        self.crawl_id = resume_id or settings.get("NIANBAO_CRAWL_ID") or new_crawl_id()
        while not resume_id and (self.out_dir / "crawls" / self.crawl_id).exists():  # never mix two crawls' logs
            self.crawl_id = new_crawl_id(datetime.now(UTC)) + f"-{os.getpid()}"
            if (self.out_dir / "crawls" / self.crawl_id).exists():
                self.crawl_id += "b"
        self.crawl_dir = self.out_dir / "crawls" / self.crawl_id
        self.warc_dir = self.out_dir / "warc"
        self.state_dir = self.out_dir / "state"
        self.do_cdxj = settings.getbool("NIANBAO_CDXJ")
        self.do_wacz = settings.getbool("NIANBAO_WACZ")
        self.cdxj_lines = None
        if self.do_cdxj:  # each record's index line made as it is written; sorted at the end
            from archive.cdxj import CdxjLines

            self.cdxj_lines = CdxjLines(self.crawl_dir / "index.cdxj.lines")
        self.warc = WarcFileWriter(
            self.warc_dir, f"nianbao-{self.crawl_id}", max_size=settings.getint("NIANBAO_WARC_MAX_SIZE"),
            index=self.cdxj_lines,
            warcinfo={
                "operator": settings.get("NIANBAO_OPERATOR"),
                "isPartOf": f"nianbao crawl {self.crawl_id}",
                "http-header-user-agent": honest_user_agent(settings),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "description": "government information disclosure annual reports (政府信息公开工作年度报告)",
            },
        )
        if self.incremental is not None:  # repair an interrupted run's files, load earlier captures
            self.incremental.start(self.crawl_id, self.crawl_dir, self.warc, settings.get("NIANBAO_SEEDS"))
        self.log = CrawlLog(self.crawl_dir / "log.jsonl", self.crawl_id)
        self.portals: dict[str, PortalSummary] = {}
        self.pending: dict[str, dict] = {}
        self.totals: Counter[str] = Counter()
        self.started = datetime.now(UTC)
        self.closed = False
        crawler.signals.connect(self.close, signal=signals.spider_closed)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> CrawlRecorder:
        rec = getattr(crawler, "_nianbao_recorder", None)
        if rec is None:
            rec = cls(crawler)
            crawler._nianbao_recorder = rec  # type: ignore[attr-defined]
        return rec

    # -- portals ---------------------------------------------------------------------------------
    def portal(self, seed_url: str | None, seed_agency: str | None = None) -> PortalSummary | None:
        """The summary of the portal (host) a seed is on; seeds sharing a host share it."""
        if not seed_url:
            return None
        host = urlsplit(seed_url).netloc.lower()
        summary = self.portals.get(host)
        if summary is None:
            summary = self.portals[host] = PortalSummary(seed_url, seed_agency or "")
        if seed_agency and seed_agency not in summary.agencies:
            summary.agencies.append(seed_agency)
        return summary

    def note_discovery(self, request_or_meta: Request | dict, *, column: str | None = None, family: str | None = None,
                       pagination: str | None = None, title: str | None = None) -> None:
        meta = nb(request_or_meta) if isinstance(request_or_meta, Request) else request_or_meta
        summary = self.portal(meta.get("seed_url"), meta.get("seed_agency"))
        if summary is None:
            return
        if column and column not in summary.columns:
            summary.columns[column] = {"title": title}
        if family:
            summary.families.add(family)
        if pagination:
            summary.pagination.add(pagination)

    # -- capture ---------------------------------------------------------------------------------
    def capture(self, request: Request, ex: RawExchange, *, archive: bool = True) -> WarcLocation | None:
        """Archive one exchange; remember where it went on the request.

        ``archive=False`` (benchmarks only) notes the answer without writing WARC records.
        """
        if not ex.response_head:
            return None
        ctype = ex.header(b"content-type")
        capture = {
            "status": ex.status,
            "content_type": ctype.decode("latin-1") if ctype else None,
            "fetched_at": ex.started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "method": ex.method,
        }
        if not archive:
            request.meta[CAPTURE] = dict(capture, request_key=id(request))
            request.meta.pop(LOGGED, None)
            self.totals["captures"] += 1
            return None
        loc = self.incremental.write(self.warc, request, ex) if self.incremental is not None else None
        if loc is None:  # new or changed: archived in full (otherwise a revisit record was written)
            loc = self.warc.write_exchange(ex.url, ex.request_block, ex.response_block, ip_address=ex.ip_address,
                                           date=ex.started, truncated=ex.truncated)
        capture.update({
            "payload_digest": loc.payload_digest,
            "warc_file": loc.warc_file,
            "warc_offset": loc.warc_offset,
            "warc_length": loc.warc_length,
            "warc_record_id": loc.warc_record_id,
        })
        # meta is copied onto retries and redirects: a capture belongs to this request object only
        request.meta[CAPTURE] = dict(capture, request_key=id(request))
        request.meta.pop(LOGGED, None)
        meta = nb(request)
        self.pending[loc.warc_record_id] = {"url": ex.url, "meta": meta, **capture}
        self.totals["captures"] += 1
        self.totals["bytes"] += len(ex.response_wire)
        if self.incremental is not None:
            self.incremental.captured(self.warc, request, ex, loc)
        return loc

    def restore(self, request: Request, done: dict) -> None:
        """A resumed crawl's exchange served from the archive: the log points at the record it holds."""
        capture = {"status": done.get("record_status", done["status"]), "content_type": done.get("content_type"),
                   "fetched_at": done.get("date"),
                   "method": request.method, "payload_digest": done.get("payload_digest"),
                   "warc_file": done["warc_file"], "warc_offset": done["offset"], "warc_length": done["length"],
                   "warc_record_id": done["record_id"]}
        request.meta[CAPTURE] = dict(capture, request_key=id(request))
        request.meta.pop(LOGGED, None)
        self.pending[done["record_id"]] = {"url": request.url, "meta": nb(request), **capture}

    def record(self, request: Request, role: str, *, reason: str | None = None, title: str | None = None,
               agency: str | None = None, year: int | None = None, status: int | None = None,
               url: str | None = None) -> dict | None:
        """The one log line for this request's capture (or its non-captured outcome)."""
        if request.meta.get(LOGGED) == id(request):
            return None
        request.meta[LOGGED] = id(request)
        return self._log_capture(url or request.url, request.method, nb(request), self._own_capture(request),
                                 role=role, reason=reason, title=title, agency=agency, year=year, status=status)

    def hold(self, request: Request) -> dict:
        """The spider will classify this capture later (when the crawl ends).

        Returns what that needs as plain values, so the spider keeps no ``Request`` (with its
        callbacks, headers and meta) alive for the length of the crawl; ``record_held`` logs it.
        """
        capture = self._own_capture(request)
        self.totals["reports_found"] += 1
        if capture.get("warc_record_id"):
            self.pending.pop(capture["warc_record_id"], None)
        request.meta[LOGGED] = id(request)  # nobody else logs this capture now
        meta = nb(request)
        return {"url": request.url, "method": request.method,
                "meta": {k: meta[k] for k in ENTRY_META if k in meta},
                "capture": {k: v for k, v in capture.items() if k != "request_key"}}

    def record_held(self, held: dict, role: str, *, reason: str | None = None, title: str | None = None,
                    agency: str | None = None, year: int | None = None) -> dict:
        """The log line of a capture ``hold`` set aside."""
        return self._log_capture(held["url"], held["method"], held["meta"], held["capture"], role=role,
                                 reason=reason, title=title, agency=agency, year=year, status=None)

    @staticmethod
    def _own_capture(request: Request) -> dict:
        """This request's capture; meta is copied onto retries and redirects, their copies are not theirs."""
        capture = request.meta.get(CAPTURE) or {}
        return capture if capture.get("request_key") == id(request) else {}

    def _log_capture(self, url: str, method: str, meta: dict, capture: dict, **verdict) -> dict:
        if capture.get("warc_record_id"):
            self.pending.pop(capture["warc_record_id"], None)
        entry = self._entry(url, meta, capture, **verdict)
        entry.setdefault("method", method)
        return self.write_entry(entry, meta)

    def _entry(self, url: str, meta: dict, capture: dict, **verdict) -> dict:
        entry = {
            "url": url,
            "seed_agency": meta.get("seed_agency"),
            "seed_url": meta.get("seed_url"),
            "parent_url": meta.get("parent_url"),
            "title": verdict.get("title") or meta.get("title"),
            "agency": verdict.get("agency") if verdict.get("agency") is not None else meta.get("agency"),
            "year": verdict.get("year") if verdict.get("year") is not None else meta.get("year"),
            "role": verdict["role"],
            "reason": verdict.get("reason"),
            "via": meta.get("via", "http"),
        }
        for key in ("status", "content_type", "payload_digest", "warc_file", "warc_offset", "warc_length",
                    "warc_record_id", "fetched_at", "method"):
            if key in capture:
                entry[key] = capture[key]
        if verdict.get("status") is not None:
            entry["status"] = verdict["status"]
        return entry

    def write_entry(self, entry: dict, meta: dict) -> dict:
        """One log line, counted in the totals and the portal's summary."""
        if self.incremental is not None and self.incremental.already_logged(entry):
            return entry  # a resumed crawl: the interrupted run wrote this line already
        line = self.log.write(**entry)
        role = line["role"]
        self.totals[role] += 1
        summary = self.portal(meta.get("seed_url"), meta.get("seed_agency"))
        if summary is not None:
            summary.roles[role] += 1
            if role == "report" and line.get("year"):
                summary.reports_by_year[int(line["year"])] += 1
            elif role == "blocked":
                summary.blocked[(line.get("reason") or "blocked").split(":")[0]] += 1
                summary.needs_browser.append(line["url"])
            elif role == "error":
                summary.errors[(line.get("reason") or "error").split(":")[0]] += 1
            elif role == "lookalike":
                summary.lookalikes[(line.get("reason") or "lookalike").split(":")[0]] += 1
        return line

    def flush_pending(self) -> None:
        for _record_id, pend in list(self.pending.items()):
            meta = pend["meta"]
            capture = {k: v for k, v in pend.items() if k not in ("url", "meta")}
            role = "robots" if pend["url"].endswith("/robots.txt") else "other"
            self.write_entry(self._entry(pend["url"], meta, capture, role=role, reason="not classified by the spider"),
                        meta)
        self.pending.clear()

    # -- end of crawl ----------------------------------------------------------------------------
    def summary(self) -> dict:
        elapsed = (datetime.now(UTC) - self.started).total_seconds()
        return {
            "crawl_id": self.crawl_id,
            "started": self.started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "elapsed_s": round(elapsed, 1),
            "totals": dict(self.totals),
            # requests the browser path made (crawler.browser), of all captured requests
            "browser": {"requests": self.totals["via_browser"], "of": self.totals["captures"],
                        "share": round(self.totals["via_browser"] / self.totals["captures"], 4)
                        if self.totals["captures"] else 0.0},
            "warc_files": list(self.warc.files),
            "portals": [p.as_dict() for p in sorted(self.portals.values(), key=lambda p: p.seed_url)],
        }

    def save_state(self) -> None:
        """What the next crawl needs: per portal, its columns, CMS family and pagination."""
        path = self.state_dir / "portals.json"
        state: dict = {}
        if path.exists():
            try:
                state = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                state = {}
        stale = self.incremental.stale_urls if self.incremental is not None else set()  # 404 now: moved
        for host, p in self.portals.items():
            prev = state.get(host, {})
            state[host] = {
                "seed_url": p.seed_url,
                "agency": p.seed_agency,
                "agencies": p.agencies,
                "columns": sorted((set(prev.get("columns", [])) | set(p.columns)) - stale),
                "families": sorted(set(prev.get("families", [])) | p.families),
                "pagination": sorted(set(prev.get("pagination", [])) | p.pagination),
                "needs_browser": bool(p.blocked) or prev.get("needs_browser", False),
                "blocked": dict(p.blocked),
                "browser_urls": p.needs_browser[:50],
                "robots_override": p.robots_override,
                "last_crawl": self.crawl_id,
            }
        write_json_atomic(path, state)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.flush_pending()
        incremental = self.incremental.finish(self) if self.incremental is not None else None
        self.log.close()
        self.warc.close()
        self.save_state()
        summary = self.summary()
        if incremental is not None:
            summary["incremental"] = incremental
        files = [self.warc_dir / f for f in self.warc.files]
        if self.cdxj_lines is not None and not files:
            self.cdxj_lines.close()
            self.cdxj_lines.path.unlink(missing_ok=True)
        if self.do_cdxj and files:
            try:
                from archive.cdxj import write_cdxj

                summary["cdxj"] = str(write_cdxj(files, self.crawl_dir / "index.cdxj", self.cdxj_lines))
            except Exception as exc:  # an index failure must not lose the crawl's summary
                logger.exception("CDXJ index failed")
                summary["cdxj_error"] = repr(exc)
        if self.do_wacz and files:
            try:
                from archive.wacz import write_wacz

                pages = [(e["url"], e["fetched_at"], e.get("title")) for e in self._report_pages()]
                summary["wacz"] = str(write_wacz(files, self.crawl_dir / f"{self.crawl_id}.wacz", pages))
            except Exception as exc:
                logger.exception("WACZ package failed")
                summary["wacz_error"] = repr(exc)
        write_json_atomic(self.crawl_dir / "summary.json", summary)
        if self.incremental is not None:
            self.incremental.ended()
        self.final_summary = summary

    def _report_pages(self) -> list[dict]:
        from archive.crawllog import read_log

        return [e for e in read_log(self.log.path) if e["role"] == "report" and e.get("warc_record_id")]

