"""WARC files + crawl logs → DIR/nianbao.db.

Reads each record where the crawl log says it is (``warc_file``/``warc_offset``: never
rediscovered by scanning), decodes it as a browser would (``archive.replay``), hands it to
``parsers.parse_report`` and saves the result with ``archive.db``. Idempotent and incremental:
a crawl log already built with the current parser version is skipped, a report version already
parsed by it is not parsed again, and a new ``PARSER_VERSION`` re-parses everything and replaces
the derived rows. One report's failure is recorded on its row (``parse_status='error'``), never
raised.
"""

from __future__ import annotations

import csv
import hashlib
import json
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from archive import db as archive_db
from archive import gazetteer, versions
from archive.replay import ArchiveReadError, read_response

DB_NAME = "nianbao.db"
ParseFn = Callable[..., dict]

# Which parse of a report's page and attachments stands for the report: tables first, then a scan
# (an image-only attachment says more than a page that merely introduces it), then the rest.
_STATUS_RANK = {"ok": 0, "partial": 1, "image_only": 2, "partial_without_tables": 3, "error": 4, "not_a_report": 5}
# A page that quotes the report's title in 《》 is about the report (解读, 图解, 一文读懂…), not the report.
_QUOTED_REPORT_TITLE = re.compile(r"《[^》]*(年度报告|年报)[^》]*》")
_CAPTURE_FIELDS = ("crawl_id", "url", "method", "status", "role", "agency", "year", "seed_agency", "seed_url",
                   "title", "reason", "parent_url", "content_type", "payload_digest", "warc_file",
                   "warc_offset", "warc_length", "warc_record_id", "via", "fetched_at")


@dataclass
class BuildStats:
    crawls_seen: int = 0
    crawls_built: int = 0
    captures: int = 0
    reports_seen: int = 0
    reports_parsed: int = 0
    reports_unchanged: int = 0  # same bytes as a version already built: not parsed
    reports_same_content: int = 0  # new bytes, parsed, but saying what a version already built says
    not_reports: int = 0
    errors: int = 0
    bad_log_lines: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class Progress:
    """One line of counts, rate and ETA: rewritten in place on a terminal, every few seconds otherwise."""

    def __init__(self, stream=None, interval: float = 2.0):
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.started = time.monotonic()
        self.last = 0.0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def update(self, done: int, total: int, stats: BuildStats, *, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.last < (0.2 if self.tty else self.interval):
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = stats.reports_parsed / elapsed
        left = total - done
        eta = f"{left / rate:.0f}s" if rate > 0 and left else "0s"
        line = (f"build: {done}/{total} reports ({stats.reports_parsed} parsed, {stats.reports_unchanged} unchanged, "
                f"{stats.errors} errors, {stats.not_reports} not reports), {rate:.1f} reports/s, ETA {eta}")
        if self.tty:
            self.stream.write("\r" + line + ("\n" if final else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def default_parse() -> tuple[ParseFn, str]:
    import parsers

    return parsers.parse_report, str(parsers.PARSER_VERSION)


def build(directory: Path | str, *, parse: ParseFn | None = None, parser_version: str | None = None,
          seeds_path: Path | str | None = None, progress: Progress | None = None,
          workers: int | None = None) -> BuildStats:
    """Build or update DIR/nianbao.db from DIR/warc and DIR/crawls/*/log.jsonl.

    With the project's parser, reports are parsed by `workers` processes (default: one per core)
    while this process alone writes the database, in log order, so the result is the same.
    """
    directory = Path(directory)
    workers = 1 if parse is not None else max(1, workers or os.cpu_count() or 1)
    if parse is None:
        parse, default_version = default_parse()
        parser_version = parser_version or default_version
    if parser_version is None:
        raise ValueError("a custom parse function needs its parser_version")
    started = time.monotonic()
    stats = BuildStats()
    progress = progress or Progress()
    seeds = load_seeds(seeds_path, directory)
    logs = sorted((directory / "crawls").glob("*/log.jsonl"))
    database = _open(directory / DB_NAME, progress)

    plans = []
    for log in logs:
        stats.crawls_seen += 1
        sha1 = hashlib.sha1(log.read_bytes()).hexdigest()
        crawl_id = log.parent.name
        row = database.execute("select log_sha1, parser_version from crawls where id = ?", [crawl_id]).fetchone()
        if row and row[0] == sha1 and row[1] == parser_version:
            continue
        entries, bad = read_log(log)
        stats.bad_log_lines += bad
        plans.append((log, crawl_id, sha1, entries))
    total = sum(len(group_reports(entries)) for *_, entries in plans)
    done = 0
    touched: set[str] = set()
    pool = None
    for log, crawl_id, sha1, entries in plans:
        stats.crawls_built += 1
        with database.conn:
            capture_rows = [capture_row(crawl_id, line, e) for line, e in entries]
            crawl = {
                "id": crawl_id,
                "started": min((c["fetched_at"] for c in capture_rows if c["fetched_at"]), default=None),
                "finished": max((c["fetched_at"] for c in capture_rows if c["fetched_at"]), default=None),
                "captures": len(capture_rows), "reports": 0,
                "log_file": str(log.relative_to(directory)), "log_sha1": None,
                "parser_version": parser_version, "built_at": None,
            }
            archive_db.save_crawl(database, crawl)
            archive_db.save_captures(database, capture_rows)
            stats.captures += len(capture_rows)
        reports_in_crawl = 0
        groups = group_reports(entries)
        todo = [_needs_parse(database, page[1], attachments, parser_version) for page, attachments in groups]
        parsed_ahead = None
        if workers > 1 and sum(todo) >= 2 * workers:
            pool = pool or ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            jobs = [(str(directory), str(directory / DB_NAME), [page[1]] + [a for _, a in attachments])
                    for (page, attachments), needed in zip(groups, todo, strict=True) if needed]
            parsed_ahead = pool.map(_parse_job, jobs)
        for (page, attachments), needed in zip(groups, todo, strict=True):
            stats.reports_seen += 1
            ahead = None
            if needed and parsed_ahead is not None:
                try:
                    ahead = next(parsed_ahead)
                except Exception:  # a dead worker: this process parses the rest itself
                    parsed_ahead = None
            with database.conn:
                report_id = build_report(database, directory, crawl_id, page, attachments, parse,
                                         parser_version, seeds, stats, ahead=ahead)
            if report_id:
                touched.add(report_id)
                reports_in_crawl += 1
            done += 1
            progress.update(done, total, stats)
        with database.conn:
            database["crawls"].update(crawl_id, {
                "reports": reports_in_crawl, "log_sha1": sha1,
                "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            })
    if pool is not None:
        pool.shutdown(cancel_futures=True)
    if plans:
        with database.conn:
            archive_db.mark_latest(database)
            versions.mark_versions(database, directory)  # revised versions, reports gone from portals
            archive_db.save_cross_year_checks(database)
            archive_db.refresh_figures(database)
        database.execute("pragma optimize")  # planner statistics for the canned queries
        progress.update(done, total, stats, final=True)
    stats.seconds = time.monotonic() - started
    stats.statuses = dict(database.execute("select parse_status, count(*) from reports group by 1").fetchall())
    database.close()
    return stats


def _open(path: Path, progress: Progress) -> sqlite_utils.Database:
    """The database, made afresh when it was built with another schema (it is derived: rebuild it)."""
    if path.exists():
        database = sqlite_utils.Database(path)
        found = (archive_db.schema_version(database) if "meta" in database.table_names() else None)
        database.close()
        if found != str(archive_db.SCHEMA_VERSION):
            progress.stream.write(f"build: {path.name} has schema {found}, this build writes "
                                  f"{archive_db.SCHEMA_VERSION}: rebuilding it from the WARC files\n")
            path.unlink()
    database = sqlite_utils.Database(path)
    archive_db.ensure_schema(database)
    return database


# --- crawl logs -----------------------------------------------------------------------------

def read_log(path: Path) -> tuple[list[tuple[int, dict]], int]:
    """(line number, entry) for each JSON object line; a line that is not one is counted, not fatal."""
    entries, bad = [], 0
    with path.open(encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                continue
            if isinstance(entry, dict):
                entries.append((number, entry))
            else:
                bad += 1
    return entries, bad


def capture_row(crawl_id: str, line: int, entry: dict) -> dict:
    row = {name: entry.get(name) for name in _CAPTURE_FIELDS}
    row["crawl_id"] = entry.get("crawl_id") or crawl_id
    row["line"] = line
    row["id"] = capture_id(crawl_id, line)
    return row


def capture_id(crawl_id: str, line: int) -> str:
    return archive_db.stable_id(crawl_id, line)


def _has_record(entry: dict) -> bool:
    return bool(entry.get("warc_file")) and entry.get("warc_offset") is not None


def group_reports(entries: Iterable[tuple[int, dict]]) -> list[tuple[tuple[int, dict], list[tuple[int, dict]]]]:
    """Each archived report page with the archived attachments whose parent it is (log order)."""
    entries = list(entries)
    attachments: dict[str, list[tuple[int, dict]]] = {}
    for line, e in entries:
        if e.get("role") == "attachment" and _has_record(e) and e.get("parent_url"):
            attachments.setdefault(e["parent_url"], []).append((line, e))
    groups, seen = [], set()
    for line, e in entries:
        if e.get("role") != "report" or not _has_record(e) or not _ok_status(e.get("status")):
            continue
        if e.get("url") in seen:  # the same page captured twice in one crawl: the first is the report
            continue
        seen.add(e.get("url"))
        docs = [a for a in attachments.get(e.get("url"), []) if _ok_status(a[1].get("status"))]
        groups.append(((line, e), docs))
    return groups


def _ok_status(status) -> bool:
    """2xx, or 304: an unchanged page whose revisit record leads to the earlier payload."""
    return status is None or 200 <= int(status) < 300 or int(status) == 304


# --- one report -----------------------------------------------------------------------------

def version_key(page: dict, attachments: list[tuple[int, dict]]) -> str:
    """A report version is its page and documents as served: same bytes, same id, on every rebuild."""
    docs = sorted((a.get("url") or "", a.get("payload_digest") or a.get("warc_record_id") or "")
                  for _, a in attachments)
    return archive_db.stable_id(page.get("url"), page.get("payload_digest") or page.get("warc_record_id"),
                                json.dumps(docs))


def _needs_parse(database, page: dict, attachments: list[tuple[int, dict]], parser_version: str) -> bool:
    row = database.execute("select parser_version from reports where id = ?",
                           [version_key(page, attachments)]).fetchone()
    return not row or row[0] != parser_version


def _parse_job(job: tuple[str, str, list[dict]]) -> list[dict]:
    """In a worker process: the project parser's results for one report's page and attachments."""
    import sqlite3

    import parsers

    directory, db_path, entries = job
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        resolve = archive_db.record_resolver(conn)
        return [parse_capture(Path(directory), e, parsers.parse_report, resolve) for e in entries]
    finally:
        conn.close()


def build_report(database, directory: Path, crawl_id: str, page_entry: tuple[int, dict],
                 attachments: list[tuple[int, dict]], parse: ParseFn, parser_version: str,
                 seeds: dict[str, dict], stats: BuildStats, ahead: list[dict] | None = None) -> str | None:
    """Parse and save one report page (with its attachments); its id, or None for a non-report."""
    line, page = page_entry
    report_id = version_key(page, attachments)
    page_capture = capture_id(crawl_id, line)
    existing = database.execute("select parser_version from reports where id = ?", [report_id]).fetchone()
    if existing and existing[0] == parser_version:
        stats.reports_unchanged += 1
        _seen_again(database, report_id, crawl_id, line, page, attachments)
        return report_id

    candidates = [(page_capture, page)] + [(capture_id(crawl_id, ln), a) for ln, a in attachments]
    if ahead is None or len(ahead) != len(candidates):  # not parsed by a worker: parse here
        ahead = [parse_capture(directory, entry, parse, archive_db.record_resolver(database))
                 for _, entry in candidates]
    results = [(order, cap_id, entry, result)
               for order, ((cap_id, entry), result) in enumerate(zip(candidates, ahead, strict=True))]
    stats.reports_parsed += 1
    best = min(results, key=lambda r: (_rank(r[3]), -_tables_present(r[3]), r[0]))
    _, doc_capture, doc_entry, parsed = best
    status = parsed.get("status") or "error"
    if status == "partial" and not _tables_present(parsed) and _QUOTED_REPORT_TITLE.search(page.get("title") or ""):
        parsed = {"status": "not_a_report", "reason": f"look-alike: its title quotes the report ({page.get('title')})"}
        status = "not_a_report"
    if status == "not_a_report":
        stats.not_reports += 1
        if existing:  # a new parser decided an old "report" is not one: it leaves the reports
            archive_db.delete_report(database, report_id)
        database["captures"].update(page_capture, {"reason": page.get("reason") or
                                                   f"not a report: {parsed.get('reason') or ''}".strip()})
        return None
    if status == "error":
        stats.errors += 1
    page_parsed = results[0][3]
    agency = _more_specific(parsed.get("agency") or page_parsed.get("agency"), page.get("agency"))
    seed = seeds.get(gazetteer.normalise_name(agency)) if agency else None
    agency_id = archive_db.save_agency(database, agency, seed=seed) if agency else None
    province = level = None
    if agency_id is not None:
        agency, province, level = database.execute("select name, province, level from agencies where id = ?",
                                                   [agency_id]).fetchone()
    text = parsed.get("text") or page_parsed.get("text")
    report = {
        "id": report_id, "agency_id": agency_id, "agency": agency, "province": province, "level": level,
        "year": _int(parsed.get("year")) or _int(page_parsed.get("year")) or _int(page.get("year")),
        "title": parsed.get("title") or page_parsed.get("title") or page.get("title"),
        "url": page.get("url"), "document_url": doc_entry.get("url"),
        "format": "image" if status == "image_only" and not parsed.get("format") else parsed.get("format"),
        "published": parsed.get("published") or page_parsed.get("published"),
        "template": parsed.get("template"),
        "parse_status": status, "parse_reason": parsed.get("reason"), "parser_version": parser_version,
        "is_latest": 1,
        "warc_file": page.get("warc_file"), "warc_offset": page.get("warc_offset"),
        "warc_length": page.get("warc_length"), "warc_record_id": page.get("warc_record_id"),
        "payload_digest": page.get("payload_digest"), "content_type": page.get("content_type"),
        "document_capture_id": doc_capture,
        "fetched_at": page.get("fetched_at"), "crawl_id": crawl_id,
        "last_seen_at": page.get("fetched_at"), "last_seen_crawl": crawl_id,
        "archived": f"/-/archive/{report_id}",
        "warnings": json.dumps(parsed.get("warnings"), ensure_ascii=False) if parsed.get("warnings") else None,
        "text": text,
    }
    if existing:  # first capture of this version stays its origin
        first = database.execute("select fetched_at, crawl_id, last_seen_at, last_seen_crawl from reports "
                                 "where id = ?", [report_id]).fetchone()
        report["fetched_at"], report["crawl_id"] = min((first[0] or "", first[1]), (report["fetched_at"] or "", crawl_id))
        report["last_seen_at"], report["last_seen_crawl"] = max((first[2] or "", first[3]),
                                                                (report["last_seen_at"] or "", crawl_id))
    report["content_digest"] = content_digest(parsed, status, text)
    if not existing:
        # New bytes, same report: a page whose counter or layout changed but whose report did not
        # is the version already archived, seen again, not a new version.
        same = database.execute("select id from reports where url = ? and content_digest = ? and parser_version = ?",
                                [report["url"], report["content_digest"], parser_version]).fetchone()
        if same:
            stats.reports_same_content += 1
            _seen_again(database, same[0], crawl_id, line, page, attachments)
            return same[0]
    archive_db.save_report(database, report, parsed if status in ("ok", "partial") else None)
    _link_captures(database, report_id, crawl_id, line, attachments)
    return report_id


def content_digest(parsed: dict, status: str, text: str | None) -> str:
    """What the report says (tables, agency, year, status, text), whatever bytes carried it."""
    keys = ("agency", "year", "template", "table2", "table2_2019", "table3", "table4")
    content = json.dumps({k: parsed.get(k) for k in keys}, sort_keys=True, ensure_ascii=False, default=str)
    return archive_db.stable_id(content, status, text or "", size=40)


def _seen_again(database, report_id: str, crawl_id: str, line: int, page: dict, attachments) -> None:
    _link_captures(database, report_id, crawl_id, line, attachments)
    last = database.execute("select last_seen_at from reports where id = ?", [report_id]).fetchone()[0]
    if (page.get("fetched_at") or "") > (last or ""):
        database["reports"].update(report_id, {"last_seen_at": page.get("fetched_at"), "last_seen_crawl": crawl_id})


def _link_captures(database, report_id, crawl_id, line, attachments) -> None:
    ids = [capture_id(crawl_id, line)] + [capture_id(crawl_id, ln) for ln, _ in attachments]
    database.execute(f"update captures set report_id = ? where id in ({','.join('?' * len(ids))})",
                     [report_id, *ids])


def _more_specific(parsed: str | None, logged: str | None) -> str | None:
    """The parser's agency, unless the crawl log names the same body more fully (人民政府 → 吴起县人民政府)."""
    if parsed and logged and logged != parsed and gazetteer.normalise_name(logged).endswith(
            gazetteer.normalise_name(parsed)):
        return logged
    return parsed or logged


def _rank(parsed: dict) -> int:
    status = parsed.get("status")
    if status == "partial" and not _tables_present(parsed):
        status = "partial_without_tables"
    return _STATUS_RANK.get(status, _STATUS_RANK["error"])


def _tables_present(parsed: dict) -> int:
    return sum(1 for k in ("table2", "table2_2019", "table3", "table4") if parsed.get(k))


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def parse_capture(directory: Path, entry: dict, parse: ParseFn, resolve=None) -> dict:
    """The parser's result for one archived response; a failure becomes an `error` result."""
    try:
        response = read_response(directory / "warc", entry["warc_file"], entry["warc_offset"],
                                 entry.get("warc_record_id"), resolve=resolve)
    except (ArchiveReadError, OSError) as exc:
        return {"status": "error", "reason": f"WARC: {exc}"}
    content_type = response.content_type or entry.get("content_type")
    try:
        result = parse(response.body, url=entry.get("url") or response.target_uri, content_type=content_type)
    except Exception as exc:  # one report's failure must not stop the build
        return {"status": "error", "reason": f"parser raised {type(exc).__name__}: {exc}"[:500]}
    if not isinstance(result, dict):
        return {"status": "error", "reason": f"parser returned {type(result).__name__}"}
    result = dict(result)
    if response.decode_error:
        result.setdefault("warnings", [])
        result["warnings"] = list(result["warnings"] or []) + [
            {"code": "content_decoding", "message": response.decode_error}]
    return result


# --- seeds ----------------------------------------------------------------------------------

def load_seeds(seeds_path: Path | str | None, directory: Path) -> dict[str, dict]:
    """Seed rows by normalised agency name (adcode, level, parent complete the agencies table)."""
    candidates = [Path(seeds_path)] if seeds_path else [directory / "seeds.csv", *sorted(directory.glob("*/seeds.csv")),
                                                        *sorted(directory.glob("crawls/*/seeds.csv"))]
    seeds: dict[str, dict] = {}
    for path in candidates:
        if not path.is_file():
            continue
        with path.open(encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if row.get("agency"):
                    seeds[gazetteer.normalise_name(row["agency"])] = row
    return seeds
