"""The spring re-crawl: fetch only what is new, and resume a crawl that was killed.

What earlier crawls captured is known by *request key* (method, URL, digest of a POST body):
the payload digest, the validators (ETag / Last-Modified) and where the record is. It lives in
``DIR/state/captures.sqlite`` (crawler.captureindex), an index of the WARC files looked up per
request, so memory does not grow with the archive's earlier captures: a crawl missing from it is
re-read from its WARC files, which stay the source of truth (a ``captures.jsonl`` of an earlier
version is imported once).

* **Conditional requests.** A GET whose URL answered 200 before carries ``If-None-Match`` /
  ``If-Modified-Since``. A 304 is archived as a ``revisit`` record (server-not-modified profile)
  pointing at the original capture, and the spider gets the original response rebuilt from the
  archive, so it walks the page as before without downloading it.
* **Identical payloads.** A 200 whose payload digest equals the earlier capture's (lists and APIs
  without validators) is archived as a ``revisit`` record (identical-payload-digest profile).
  Revisits are GETs and stand alone, without a request record: a revisit costs ~450 bytes, which
  is what makes a re-crawl of unchanged portals write >90% fewer bytes. POSTs are archived in full.
* **Resume.** ``DIR/state/current.json`` names the crawl under way; a crawl that started and never
  wrote its summary is continued under the same id: its WARC files are repaired
  (archive.repair), every exchange it already holds is served to the spider from the archive
  (never fetched twice, never archived twice), and log lines it already wrote are not repeated.
* **Browser pages.** A page rendered by Chromium (crawler.browser) is archived as the server's
  response plus a ``resource`` record ``urn:nianbao:dom:<url>`` tied to it. A resumed crawl
  answers a browser request whose render it already holds with that rendered DOM (what the spider
  saw, links written by scripts included), and a plain request for the same URL with the server's
  bytes, so both paths replay as they ran. An earlier crawl's browser pages are rendered again (a
  client-side list changes from one spring to the next); an unchanged document becomes a revisit.
  A render the interruption cut between its exchanges and its DOM record is rendered again, and
  takes back the exchanges already archived that it receives byte for byte (never stored twice).
* **Gone.** A report of an earlier crawl that this crawl did not find again on its (reachable)
  portal, or that answered 404/410, gets a ``gone`` line in the crawl log; the archive keeps it.

The middleware is a thin adapter; `CaptureState` holds the logic and the recorder calls it.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes

from archive.crawllog import read_log
from archive.repair import repair_warc, scan_warc, warc_files
from archive.replay import ArchiveReadError, dechunk, read_response
from archive.warc import WarcFileWriter, WarcLocation, read_record_block, sha1_digest, split_http_head
from crawler.browser import BROWSER_META, DOM_PREFIX
from crawler.captureindex import CaptureIndex

logger = logging.getLogger(__name__)

NOT_MODIFIED_PROFILE = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
PREVIOUS = "nb_previous"  # request.meta: the key of the earlier capture a conditional request relies on
FROM_ARCHIVE = "nb_from_archive"
# Answers that are not a page's final word: never replayed to a resumed crawl (it asks again).
RETRYABLE = {408, 429, 500, 502, 503, 504, 522, 524}
GONE_STATUSES = {404, 410}


def request_key(method: str, url: str, body: bytes | None) -> str:
    key = f"{method.upper()} {url}"
    return f"{key} {sha1_digest(body)}" if body else key


def key_of(request: Request) -> str:
    return request_key(request.method, request.url, request.body)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _log_lines(path: Path, needles: tuple[bytes, ...]) -> Iterator[tuple[int, dict]]:
    """(byte offset, entry) of the crawl-log lines holding one of `needles` (the others are not
    parsed); a torn line is skipped, as archive.crawllog.read_log does."""
    offset = 0
    with open(path, "rb") as fh:
        for line in fh:
            start, offset = offset, offset + len(line)
            if not any(n in line for n in needles):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield start, entry


def _log_line_at(path: Path, offset: int) -> dict:
    with open(path, "rb") as fh:
        fh.seek(offset)
        return json.loads(fh.readline())


def _line_token(entry: dict) -> str:
    """What identifies a crawl-log line for a resumed run: its record, or what it says."""
    if entry.get("warc_record_id"):
        return "r " + entry["warc_record_id"]
    return "o " + json.dumps([entry.get("url"), entry.get("role"), entry.get("reason")], ensure_ascii=False)


def captures_of_files(files: list[Path], crawl_id: str) -> Iterator[dict]:
    """State entries for every complete exchange in these WARC files (request paired with response),
    one file at a time."""
    for path in files:
        yield from captures_of_file(path, crawl_id)


def captures_of_file(path: Path, crawl_id: str, tail: list | None = None) -> list[dict]:
    """The entries of one WARC file (a file is at most NIANBAO_WARC_MAX_SIZE).

    ``tail`` (files read in order) collects (entry, request record) of the responses without a
    rendered DOM after the last ``resource`` record: where an interrupted render may have stopped."""
    entries = []
    records, _end, _size = scan_warc(path)
    requests = {r.concurrent_to: r for r in records if r.rec_type == "request" and r.concurrent_to}
    doms = {r.concurrent_to: r for r in records if r.rec_type == "resource" and r.concurrent_to
            and (r.target_uri or "").startswith(DOM_PREFIX)}
    for rec in records:
        if rec.rec_type == "resource" and tail is not None:
            tail.clear()  # the browser path writes a render's resource records after its exchanges
        if rec.rec_type not in ("response", "revisit") or not rec.target_uri:
            continue
        req = requests.get(rec.record_id)
        method = req.method if req and req.method else "GET"
        body_digest = req.body_digest if req else None
        key = f"{method.upper()} {rec.target_uri}" + (f" {body_digest}" if body_digest else "")
        entries.append({
            "crawl_id": crawl_id, "key": key, "url": rec.target_uri, "type": rec.rec_type,
            "status": rec.status, "record_id": rec.record_id, "warc_file": path.name, "offset": rec.offset,
            "length": rec.length, "date": rec.date, "payload_digest": rec.payload_digest,
            "refers_to": rec.refers_to, "etag": rec.etag, "last_modified": rec.last_modified,
            "content_type": rec.content_type,
        })
        dom = doms.get(rec.record_id)
        if dom is not None:  # the main document of a browser render: its DOM is what the spider saw
            entries[-1]["dom"] = {"url": dom.target_uri[len(DOM_PREFIX):], "record_id": dom.record_id,
                                  "warc_file": path.name, "offset": dom.offset, "length": dom.length}
        elif tail is not None and rec.rec_type == "response" and req is not None:
            tail.append((entries[-1], req))
    return entries


class CaptureLookup(Mapping):
    """request key -> a capture as a request sees it (`CaptureState._effective`), looked up in the
    index when asked: of earlier crawls (``previous``), or of this crawl before its interruption
    (``done``: served by the server, ``done_rendered``: rendered by the browser). A small LRU
    keeps the few keys a request asks for several times (middleware, recorder, revisit)."""

    def __init__(self, state: CaptureState, *, own: bool, rendered: bool = False, count: int = 0) -> None:
        self.state = state
        self.own = own
        self.rendered = rendered
        self.count = count
        self._get = lru_cache(maxsize=256)(self._lookup)

    def _lookup(self, key: str) -> dict | None:
        if self.own and not self.count:
            return None  # not a resumed crawl: nothing of its own was archived before
        index = self.state.index
        for row in index.of_key(key, crawl_id=self.state.crawl_id, own=self.own, max_seq=self.state.start_seq):
            if self.own and bool(row.get("dom")) != self.rendered:
                continue  # a plain request replays the server's answer, a browser request the render
            if self.own and row["record_id"] in self.state.cut_renders_ids:
                continue  # the browser's, of a render cut short: it renders again and takes it back
            if row["status"] in RETRYABLE:
                continue
            original = self.state._original(row)
            if original is not None:
                return self.state._effective(row, original)
        return None

    def __getitem__(self, key: str) -> dict:
        found = self._get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __iter__(self) -> Iterator[str]:
        if not self.own:
            raise TypeError("the earlier crawls' captures are looked up by key, not listed")
        seen: set[str] = set()
        after = 0
        while rows := self.state.index.rows_of(self.state.crawl_id, after_seq=after):
            after = rows[-1]["seq"]
            for row in rows:
                if row["seq"] <= self.state.start_seq and row["key"] not in seen and row["key"] in self:
                    seen.add(row["key"])
                    yield row["key"]

    def __len__(self) -> int:
        return self.count


@dataclass
class LoggedOutcomes:
    """What the end of a crawl needs of its log, read in one pass as small values: the log's
    lines as dicts would cost a few hundred MB for a crawl of 50,000 pages."""

    reports: dict[str, str | None] = field(default_factory=dict)  # URL -> payload digest
    gone: set[str] = field(default_factory=set)
    answers: dict[str, tuple[int, bool]] = field(default_factory=dict)  # URL -> (status, soft 404)
    missing: set[str] = field(default_factory=set)  # answered 404/410
    reachable: set[str] = field(default_factory=set)  # hosts of seeds that yielded a report
    seed_urls: set[str | None] = field(default_factory=set)

    @classmethod
    def read(cls, path: Path) -> LoggedOutcomes:
        out = cls()
        for e in read_log(path):
            url, role, status = e["url"], e.get("role"), e.get("status")
            out.seed_urls.add(e.get("seed_url"))
            if role == "gone":
                out.gone.add(url)
            elif role == "report":
                out.reports[url] = e.get("payload_digest")
                out.reachable.add(urlsplit(e.get("seed_url") or "").netloc)
            if status is not None:
                out.answers[url] = (status, (e.get("reason") or "").startswith("soft-404"))
                if status in GONE_STATUSES:
                    out.missing.add(url)
        return out


class CaptureState:
    """Earlier crawls' captures (for conditional requests and revisits) and, when resuming, this
    crawl's own (served from the archive)."""

    def __init__(self, out_dir: Path, *, crash_at: str = "") -> None:
        self.out_dir = Path(out_dir)
        self.state_dir = self.out_dir / "state"
        self.warc_dir = self.out_dir / "warc"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        # one crawl per DIR at a time (a cron run overlapping a manual one); the kernel lets go of
        # the lock when the process dies, even by kill -9
        self._lock = open(self.state_dir / "crawl.lock", "a")  # noqa: SIM115 (held for the crawl's life)
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            raise RuntimeError(f"another crawl is running into {self.out_dir} (state/crawl.lock is held)") from None
        self.index_path = self.state_dir / "captures.sqlite"
        self.legacy_path = self.state_dir / "captures.jsonl"  # the index of earlier versions
        self.current_path = self.state_dir / "current.json"
        self.crash_at = crash_at
        self.resume_id: str | None = None
        current = self._current()
        if current and not (self.out_dir / "crawls" / current["crawl_id"] / "summary.json").exists():
            self.resume_id = current["crawl_id"]
        self.crawl_id = ""
        self.index: CaptureIndex | None = None  # opened by start()
        self.start_seq = 0  # this crawl's captures up to here were archived before an interruption
        # key -> [(location, status)] of the browser's exchanges of a render the interruption cut
        # between its response records and its DOM record: the render runs again and reuses them
        self.cut_renders: dict[str, list[tuple[WarcLocation, int | None]]] = {}
        self.cut_renders_ids: set[str] = set()
        # looked up in the index, per request key (CaptureLookup once started):
        self.previous: Mapping[str, dict] = {}  # latest capture of an earlier crawl (originals resolved)
        self.done: Mapping[str, dict] = {}  # latest final capture of this crawl before an interruption
        self.done_rendered: Mapping[str, dict] = {}  # this crawl's browser render of it (with its DOM)
        self.repairs: list[dict] = []
        self.counts: Counter[str] = Counter()
        self.bytes_before = 0
        self._lines_written = 0
        self._last_revisit: tuple[str, str] | None = None  # (revisit record id, original record id)
        self.stale_urls: set[str] = set()  # column URLs and seeds that answered 404/410 this crawl

    def _current(self) -> dict | None:
        try:
            return json.loads(self.current_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    # -- start -----------------------------------------------------------------------------------
    def start(self, crawl_id: str, crawl_dir: Path, writer: WarcFileWriter, seeds: str | None = None) -> None:
        """Before the crawl log opens: repair what an interruption left, index what earlier crawls hold."""
        self.crawl_id = crawl_id
        own_prefix = f"nianbao-{crawl_id}"
        self.index = index = CaptureIndex(self.index_path)
        self._import_legacy(crawl_id)
        complete = index.complete_crawls()
        for crawl in sorted(p.name for p in (self.out_dir / "crawls").glob("*") if p.is_dir()):
            if crawl == crawl_id or crawl in complete:
                continue
            # a crawl made before the index existed, abandoned after a kill, or whose index rows
            # were lost: re-read from its WARC files
            index.forget(crawl)
            for path in warc_files(self.warc_dir, f"nianbao-{crawl}"):
                index.add_many(captures_of_file(path, crawl))
            index.mark_complete(crawl, "warc")
            index.commit(durable=True)
        index.forget(crawl_id)  # this crawl's rows: from its own WARC files, which are what it holds
        index.clear_logged()
        own = 0
        if self.resume_id == crawl_id:
            own_files = warc_files(self.warc_dir, own_prefix)
            for path in own_files:
                result = repair_warc(path)
                for drop in result.dropped:
                    self.repairs.append({"warc_file": path.name, **drop})
                if result.size_after == 0:
                    path.unlink()  # nothing complete in it, not even its warcinfo
            own_files = [p for p in own_files if p.exists()]
            tail: list = []
            for path in own_files:
                own += index.add_many(captures_of_file(path, crawl_id, tail))
            self._find_cut_render(tail)
            writer.files[:0] = [p.name for p in own_files]
            self._repair_log(crawl_dir / "log.jsonl")
            for entry in read_log(crawl_dir / "log.jsonl") if (crawl_dir / "log.jsonl").exists() else ():
                index.mark_logged(_line_token(entry))
            self.bytes_before = sum(p.stat().st_size for p in own_files)
            logger.warning("resuming interrupted crawl %s: %d exchanges already archived, %d repairs",
                           crawl_id, own, len(self.repairs))
        self.start_seq = index.max_seq()
        index.commit()
        self.previous = CaptureLookup(self, own=False,
                                      count=index.count_keys(not_crawl=crawl_id, excluding_statuses=RETRYABLE))
        self.done = CaptureLookup(self, own=True, count=own)
        self.done_rendered = CaptureLookup(self, own=True, rendered=True, count=own)
        if self.repairs:
            with open(self.state_dir / "repairs.jsonl", "a", encoding="utf-8") as fh:
                for drop in self.repairs:
                    fh.write(json.dumps({"crawl_id": crawl_id, "at": _now(), **drop}, ensure_ascii=False) + "\n")
        current = {"crawl_id": crawl_id, "started": _now(), "seeds": seeds, "pid": os.getpid()}
        tmp = self.current_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(current, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.current_path)

    def _find_cut_render(self, tail: list) -> None:
        """The browser's exchanges after the last rendered DOM: a render the interruption cut
        before its DOM record (the browser path archives a render's exchanges, then its DOM, with
        nothing in between). Chromium's requests are told apart by the headers it sends
        (``Pragma: no-cache``, its cache being off), which the crawler's own requests never carry."""
        for entry, req in tail:
            try:
                _head, block = read_record_block(self.warc_dir, entry["warc_file"], req.offset, req.length)
                warc_headers, _ = read_record_block(self.warc_dir, entry["warc_file"], entry["offset"],
                                                    entry["length"])
            except (OSError, ValueError):
                continue
            head = block.split(b"\r\n\r\n", 1)[0].lower()
            if b"\r\npragma: no-cache" not in head:
                continue
            loc = WarcLocation(entry["warc_file"], entry["offset"], entry["length"], entry["record_id"],
                               entry["payload_digest"], warc_headers.get("WARC-Block-Digest", ""), entry["date"])
            self.cut_renders.setdefault(entry["key"], []).append((loc, entry["status"]))
            self.cut_renders_ids.add(entry["record_id"])
        if self.cut_renders:
            logger.warning("resuming: a render was cut before its DOM was archived (%s): its %d exchanges are "
                           "reused when it renders again", next(iter(self.cut_renders)), len(self.cut_renders_ids))

    def _reuse_cut_render(self, request: Request, ex) -> WarcLocation | None:
        """The record of a cut render (`_find_cut_render`) this browser exchange received again, byte
        for byte: the render takes it back instead of archiving it a second time."""
        meta = getattr(request, "meta", {})
        if not (meta.get(BROWSER_META) or (meta.get("nb") or {}).get("via") == "browser") or ex.truncated:
            return None
        candidates = self.cut_renders.get(request_key(ex.method, ex.url, getattr(request, "body", None)))
        if not candidates:
            return None
        _head, payload = split_http_head(ex.response_block)
        digest = sha1_digest(payload)
        for n, (loc, status) in enumerate(candidates):
            if status == ex.status and loc.payload_digest == digest:
                del candidates[n]
                self.counts["render_records_reused"] += 1
                return loc
        return None

    def _import_legacy(self, crawl_id: str) -> None:
        """``state/captures.jsonl`` of an earlier version: its finished crawls' rows, once (then it is
        renamed ``captures.jsonl.imported``). Rows of a crawl that never finished are left out: that
        crawl is re-read from its WARC files, as is the crawl being resumed."""
        if not self.legacy_path.exists():
            return
        index = self.index
        skip = index.complete_crawls() | {crawl_id}
        imported: set[str] = set()
        crawls = self.out_dir / "crawls"
        required = ("key", "url", "type", "record_id", "warc_file", "offset")

        def rows() -> Iterator[dict]:
            with open(self.legacy_path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue  # a torn last line (crash mid-write)
                    crawl = row.get("crawl_id") if isinstance(row, dict) else None
                    if not isinstance(crawl, str) or crawl in skip or any(row.get(k) is None for k in required):
                        continue
                    if crawl not in imported:
                        if (crawls / crawl).is_dir() and not (crawls / crawl / "summary.json").exists():
                            skip.add(crawl)
                            continue
                        index.forget(crawl)
                        imported.add(crawl)
                    yield row

        count = index.add_many(rows())
        for crawl in imported:
            index.mark_complete(crawl, "jsonl")
        index.commit(durable=True)
        os.replace(self.legacy_path, self.legacy_path.with_name(self.legacy_path.name + ".imported"))
        logger.info("capture index: %d captures of %d crawls imported from %s", count, len(imported),
                    self.legacy_path.name)

    def _repair_log(self, path: Path) -> None:
        """A torn last line would glue itself to the next one written: cut it off."""
        if not path.exists():
            return
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1
            os.truncate(path, keep)
            self.repairs.append({"log_file": str(path.relative_to(self.out_dir)), "offset": keep,
                                 "bytes": len(data) - keep, "reason": "torn crawl-log line"})

    def _original(self, row: dict) -> dict | None:
        """The full response record a capture's payload is in (itself, or what its revisit refers to)."""
        seen = 0
        while row is not None and row["type"] == "revisit" and seen < 5:
            row, seen = self.index.by_record(row.get("refers_to") or ""), seen + 1
        return row if row is not None and row["type"] == "response" else None

    @staticmethod
    def _effective(row: dict, original: dict) -> dict:
        """A capture as a later request sees it: the original's status and payload, the latest validators."""
        status = original["status"] if row["status"] == 304 else row["status"]
        return {**row, "status": status, "record_status": row["status"], "original": original,
                "etag": row.get("etag") or original.get("etag"),
                "last_modified": row.get("last_modified") or original.get("last_modified"),
                "content_type": original.get("content_type") if row["status"] == 304 else row.get("content_type")}

    # -- requests ----------------------------------------------------------------------------------
    def replay(self, entry: dict, request: Request) -> Response:
        """The archived response of `entry` (its original payload), as the download handler would give it."""
        original = entry["original"]
        archived = read_response(self.warc_dir, original["warc_file"], original["offset"], original["record_id"],
                                 resolve=self.index.location)
        raw = archived.raw
        if archived.transfer_encoding and "chunked" in archived.transfer_encoding.lower():
            try:
                raw = dechunk(raw)
            except ValueError:
                pass
        grouped: dict[str, list[str]] = {}
        for name, value in archived.headers:
            grouped.setdefault(name, []).append(value)
        headers = Headers(grouped)
        cls = responsetypes.from_args(headers=headers, url=request.url, body=raw)
        return cls(url=request.url, status=archived.status or 200, headers=headers, body=raw,
                   flags=["archived"], request=request)

    def replay_rendered(self, entry: dict, request: Request) -> HtmlResponse:
        """A browser render of this crawl as crawler.browser.service handed it to the spider: the
        rendered DOM (its ``resource`` record) with the main document's status."""
        dom = entry["dom"]
        try:
            _headers, body = read_record_block(self.warc_dir, dom["warc_file"], dom["offset"], dom["length"])
        except ValueError as exc:
            raise ArchiveReadError(str(exc)) from exc
        headers = Headers({"Content-Type": "text/html; charset=utf-8", "X-Nianbao-Via": "browser"})
        return HtmlResponse(url=entry["url"], status=entry["status"] or 200, headers=headers, body=body,
                            encoding="utf-8", flags=["archived"], request=request)

    # -- writing -----------------------------------------------------------------------------------
    def write(self, writer: WarcFileWriter, request: Request, ex) -> WarcLocation | None:
        """A revisit record instead of a full response when the payload is the one archived before;
        None when the exchange must be archived in full."""
        if self.cut_renders:
            reused = self._reuse_cut_render(request, ex)
            if reused is not None:
                return reused
        key = request_key(ex.method, ex.url, getattr(request, "body", None))
        prev = self.previous.get(key)
        if prev is None or ex.truncated or ex.method.upper() != "GET":
            return None  # new, cut short, or a POST (whose body only a request record would keep)
        original = prev["original"]
        if ex.status == 304 and getattr(request, "meta", {}).get(PREVIOUS) == key:
            head = ex.response_block
            self.counts["not_modified"] += 1
            loc = writer.write_revisit(ex.url, head, payload_digest=original["payload_digest"],
                                       refers_to=original["record_id"], refers_to_uri=original["url"],
                                       refers_to_date=original["date"], date=ex.started,
                                       profile=NOT_MODIFIED_PROFILE)
            self._last_revisit = (loc.warc_record_id, original["record_id"])
            return loc
        if ex.status == original["status"]:  # same answer, same bytes (a 404 page too)
            head, payload = split_http_head(ex.response_block)
            digest = sha1_digest(payload)
            if digest == original["payload_digest"]:
                self.counts["identical_payload"] += 1
                loc = writer.write_revisit(ex.url, head, payload_digest=digest, refers_to=original["record_id"],
                                           refers_to_uri=original["url"], refers_to_date=original["date"],
                                           date=ex.started)
                self._last_revisit = (loc.warc_record_id, original["record_id"])
                return loc
        return None

    def captured(self, writer: WarcFileWriter, request: Request, ex, loc: WarcLocation) -> None:
        """Remember a capture (after its records are on disk); the test crash points live here."""
        etag = ex.header(b"etag")
        modified = ex.header(b"last-modified")
        ctype = ex.header(b"content-type")
        revisit = self._last_revisit if self._last_revisit and self._last_revisit[0] == loc.warc_record_id else None
        rec_type = "revisit" if revisit else "response"
        row = {
            "crawl_id": self.crawl_id, "key": request_key(ex.method, ex.url, getattr(request, "body", None)), "url": ex.url,
            "type": rec_type, "status": ex.status, "record_id": loc.warc_record_id, "warc_file": loc.warc_file,
            "offset": loc.warc_offset, "length": loc.warc_length, "date": loc.warc_date,
            "payload_digest": loc.payload_digest,
            "refers_to": revisit[1] if revisit else None,
            "etag": etag.decode("latin-1") if etag else None,
            "last_modified": modified.decode("latin-1") if modified else None,
            "content_type": ctype.decode("latin-1") if ctype else None,
        }
        self.counts["captures"] += 1
        self.index.add(row)  # no sync: a resumed crawl re-reads its own WARC files
        self._maybe_crash("capture", self.counts["captures"], writer, loc)

    # -- the crawl log -----------------------------------------------------------------------------
    def already_logged(self, entry: dict) -> bool:
        """A line the interrupted run of this crawl already wrote (so a resumed run never repeats it)."""
        seen = not self.index.mark_logged(_line_token(entry))
        if not seen:
            self._lines_written += 1
            self._maybe_crash("log", self._lines_written)
        return seen

    # -- test crash points -------------------------------------------------------------------------
    def _maybe_crash(self, where: str, count: int, writer: WarcFileWriter | None = None,
                     loc: WarcLocation | None = None) -> None:
        """``NIANBAO_CRASH_AT`` (tests only): ``kind:N`` kills this process with SIGKILL at the Nth
        capture (``capture``, ``mid-record``: the record then cut in half on disk, as a kill during
        the write leaves it; ``between-records``: the response written, its request record not)
        or before the Nth new crawl-log line (``log``)."""
        if not self.crash_at:
            return
        kind, _, n = self.crash_at.partition(":")
        if not n.isdigit() or int(n) != count:
            return
        if where == "log" and kind != "log":
            return
        if where == "capture" and kind not in ("capture", "mid-record", "between-records"):
            return
        if where == "capture" and writer is not None and loc is not None and kind != "capture":
            cut = loc.warc_offset + (loc.warc_length // 2 if kind == "mid-record" else loc.warc_length)
            os.truncate(self.warc_dir / loc.warc_file, cut)
        os.kill(os.getpid(), signal.SIGKILL)

    # -- end ---------------------------------------------------------------------------------------
    def finish(self, recorder) -> dict:
        """Before the crawl log closes: log what an interruption left unlogged and the reports gone."""
        index = self.index
        log_path = recorder.log.path
        if self.resume_id == self.crawl_id:
            after = 0
            while rows := index.rows_of(self.crawl_id, after_seq=after):
                after = rows[-1]["seq"]
                for row in rows:
                    if index.is_logged("r " + row["record_id"]):
                        continue
                    entry = {"url": row["url"], "role": "other", "status": row["status"],
                             "content_type": row.get("content_type"), "payload_digest": row.get("payload_digest"),
                             "warc_file": row["warc_file"], "warc_offset": row["offset"],
                             "warc_length": row["length"], "warc_record_id": row["record_id"],
                             "reason": "captured before an interruption; not classified again"}
                    recorder.write_entry(entry, {})
        logged = LoggedOutcomes.read(log_path)
        logs = self._index_previous_reports()
        gone = self._gone(recorder, logged, logs)
        for entry in gone:
            recorder.write_entry(entry, {"seed_url": entry.get("seed_url"), "seed_agency": entry.get("seed_agency")})
        self.stale_urls = logged.missing & (self._remembered_columns() | logged.seed_urls)
        new, revised = [], []
        for url, digest in logged.reports.items():
            before = index.previous_report(url)
            if before is None:
                new.append(url)
            elif before[1] != digest:
                revised.append(url)
        own = warc_files(self.warc_dir, f"nianbao-{self.crawl_id}")
        # every capture of this crawl is in the index: it is complete (synced, unlike the rows)
        index.clear_logged()
        index.mark_complete(self.crawl_id, "crawl")
        index.commit(durable=True)
        return {
            "resumed": self.resume_id == self.crawl_id,
            "repairs": self.repairs,
            "previous_captures": len(self.previous),
            "replayed_from_this_crawl": self.counts["replayed"],
            "render_records_reused": self.counts["render_records_reused"],
            "conditional_requests": self.counts["conditional"],
            "not_modified": self.counts["not_modified"],
            "identical_payload": self.counts["identical_payload"],
            "warc_bytes": sum(p.stat().st_size for p in own),
            "new_reports": sorted(new),
            "revised_reports": sorted(revised),
            "gone_reports": [e["url"] for e in gone],
            # seeds and remembered column URLs that answered 404/410: the site moved, update the seed list
            "stale_urls": sorted(self.stale_urls),
        }

    def _remembered_columns(self) -> set[str]:
        try:
            portals = json.loads((self.state_dir / "portals.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        return {c for p in portals.values() for c in p.get("columns", [])}

    def ended(self) -> None:
        """The crawl wrote its summary: the next run starts a new crawl."""
        try:
            self.current_path.unlink()
        except FileNotFoundError:
            pass
        if self.index is not None:
            self.index.close()
            self.index = None
        self._lock.close()

    def _previous_logs(self) -> list[Path]:
        return [p for p in sorted((self.out_dir / "crawls").glob("*/log.jsonl")) if p.parent.name < self.crawl_id
                or (p.parent.name != self.crawl_id and (p.parent / "summary.json").exists())]

    def _index_previous_reports(self) -> list[Path]:
        """URL -> the last earlier crawl's line about a report page (a report, or its gone line), as
        (role, payload digest, log, line offset) in the index: read once, one line at a time."""
        index = self.index
        index.clear_previous_reports()
        logs = self._previous_logs()
        for n, log in enumerate(logs):
            for offset, e in _log_lines(log, (b'"report"', b'"gone"')):
                if e.get("role") == "report" and e.get("warc_record_id"):
                    index.put_previous_report(e.get("url"), "report", e.get("payload_digest"), n, offset)
                elif e.get("role") == "gone":
                    index.put_previous_report(e.get("url"), "gone", e.get("payload_digest"), n, offset, update=True)
        return logs

    def _gone(self, recorder, logged: LoggedOutcomes, logs: list[Path]) -> list[dict]:
        out = []
        for url, log_no, offset in self.index.previous_reports(role="report"):
            if url in logged.reports or url in logged.gone:
                continue
            answer = logged.answers.get(url)
            answered, soft_404 = answer if answer is not None else (None, False)
            if answer and answered not in GONE_STATUSES and not soft_404:
                continue  # still served, classified otherwise this time: not gone from the portal
            last = _log_line_at(logs[log_no], offset)
            host = urlsplit(last.get("seed_url") or "").netloc
            if answered in GONE_STATUSES:
                reason = f"gone: HTTP {answered}; the archive keeps the capture of {last.get('crawl_id')}"
            elif soft_404:
                reason = f"gone: the page says it does not exist (HTTP {answered}); the archive keeps the capture " \
                         f"of {last.get('crawl_id')}"
            elif host in logged.reachable and host in recorder.portals:
                reason = (f"gone: no longer listed on its portal; the archive keeps the capture of "
                          f"{last.get('crawl_id')}")
            else:
                continue  # the portal was not crawled or not reached this time: nothing is known
            out.append({"url": url, "role": "gone", "status": answered, "agency": last.get("agency"),
                        "year": last.get("year"), "seed_agency": last.get("seed_agency"),
                        "seed_url": last.get("seed_url"), "title": last.get("title"), "reason": reason,
                        "parent_url": last.get("parent_url"), "payload_digest": last.get("payload_digest"),
                        "warc_file": last.get("warc_file"), "warc_offset": last.get("warc_offset"),
                        "warc_length": last.get("warc_length"), "warc_record_id": last.get("warc_record_id")})
        return out


class IncrementalMiddleware:
    """Downloader middleware (just before the capture middleware): conditional requests, 304s
    answered from the archive, and a resumed crawl's own exchanges replayed instead of fetched."""

    def __init__(self, recorder, state: CaptureState) -> None:
        self.recorder = recorder
        self.state = state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        from crawler.recorder import CrawlRecorder

        recorder = CrawlRecorder.for_crawler(crawler)
        if getattr(recorder, "incremental", None) is None or not crawler.settings.getbool("NIANBAO_WARC_CAPTURE"):
            raise NotConfigured("incremental crawling is off")
        return cls(recorder, recorder.incremental)

    def process_request(self, request: Request, spider=None) -> Response | None:
        key = key_of(request)
        rendered = bool(request.meta.get(BROWSER_META))
        done = (self.state.done_rendered if rendered else self.state.done).get(key)
        if done is not None:
            try:
                response = self.state.replay_rendered(done, request) if rendered else self.state.replay(done, request)
            except (ArchiveReadError, OSError) as exc:
                logger.warning("cannot replay %s from the archive (%s): fetching it again", request.url, exc)
            else:
                self.state.counts["replayed"] += 1
                request.meta[FROM_ARCHIVE] = True
                self.recorder.restore(request, done)
                return response
        if rendered:
            return None  # Chromium sends its own requests: no conditional headers; it renders again
        prev = self.state.previous.get(key)
        if prev is not None and request.method == "GET" and prev["status"] == 200:
            sent = False
            if prev.get("etag") and b"If-None-Match" not in request.headers:
                request.headers[b"If-None-Match"] = prev["etag"]
                sent = True
            if prev.get("last_modified") and b"If-Modified-Since" not in request.headers:
                request.headers[b"If-Modified-Since"] = prev["last_modified"]
                sent = True
            if sent:
                request.meta[PREVIOUS] = key
                self.state.counts["conditional"] += 1
        return None

    def process_response(self, request: Request, response: Response, spider=None) -> Response:
        key = request.meta.get(PREVIOUS)
        if response.status == 304 and key and key in self.state.previous:
            try:
                return self.state.replay(self.state.previous[key], request)
            except (ArchiveReadError, OSError) as exc:
                logger.warning("304 for %s but its earlier capture is unreadable (%s)", request.url, exc)
        return response
