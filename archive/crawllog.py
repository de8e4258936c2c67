"""The crawl log: one JSON line per capture (and per outcome that captured nothing).

Contract in ARCHITECTURE.md ("Crawl log"). `build` reads it to find every report and attachment
in the WARC files without rediscovering anything, so the field names and roles are fixed here.
Lines are flushed one by one: a crash loses at most the line being written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

# `gone`: a report of an earlier crawl no longer on its portal (404/410 or no longer listed)
ROLES = ("column", "list", "report", "attachment", "lookalike", "other", "robots", "blocked", "error", "gone")

#: the contract's fields, in the order they are written
FIELDS = (
    "crawl_id", "url", "method", "status", "role", "agency", "year", "seed_agency", "seed_url",
    "title", "reason", "parent_url", "content_type", "payload_digest",
    "warc_file", "warc_offset", "warc_length", "warc_record_id", "via", "fetched_at",
)


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_crawl_id(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


class CrawlLog:
    """Appends entries to ``log.jsonl``; unknown roles are a programming error, not data."""

    def __init__(self, path: str | os.PathLike, crawl_id: str, *, clock: Callable[[], str] = iso_now) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.crawl_id = crawl_id
        self._clock = clock
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 (closed in close())
        self.count = 0

    def write(self, **entry) -> dict:
        role = entry.get("role")
        if role not in ROLES:
            raise ValueError(f"crawl log: unknown role {role!r}")
        unknown = set(entry) - set(FIELDS)
        if unknown:
            raise ValueError(f"crawl log: unknown fields {sorted(unknown)}")
        entry.setdefault("crawl_id", self.crawl_id)
        entry.setdefault("method", "GET")
        entry.setdefault("via", "http")
        entry.setdefault("fetched_at", self._clock())
        line = {field: entry.get(field) for field in FIELDS}
        self._fh.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._fh.flush()
        self.count += 1
        return line

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()


def read_log(path: str | os.PathLike) -> Iterator[dict]:
    """Entries of one log; a torn last line (crash mid-write) is skipped, not fatal."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue


def read_all_logs(out_dir: str | os.PathLike) -> Iterator[dict]:
    """Every entry of every crawl under ``DIR/crawls/``, oldest crawl first."""
    for log in sorted(Path(out_dir, "crawls").glob("*/log.jsonl")):
        yield from read_log(log)
