"""The incremental crawl's capture index: ``DIR/state/captures.sqlite`` (stdlib sqlite3).

Every capture of every crawl (request key, record id, WARC location, payload digest, validators)
as one row, indexed by request key and by record id, so a crawl looks up what it needs per
request and holds nothing per earlier capture in memory: the state does not grow with the
archive's years.

It is a cache of the WARC files, which stay the source of truth. A crawl is ``complete`` in
the ``crawls`` table once all its rows are in (set in the same transaction as its last rows,
with a synced commit); any crawl under ``DIR/crawls/`` that is not complete is re-read from its
WARC files (crawler.incremental). That is why the rows written while a crawl runs need no
durability of their own: they are committed in batches without fsync (WAL, ``synchronous=NORMAL``),
and a crawl that dies, by kill -9 or power loss, is rebuilt from its WARC files when it is
resumed. A database that cannot be read is moved aside and rebuilt the same way.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
#: rows written between two commits while crawling (a commit costs no fsync in WAL mode)
BATCH = 2000
#: the columns of a capture row, in the order of ``captures`` (``dom`` is spread over the dom_* ones)
FIELDS = ("crawl_id", "key", "url", "type", "status", "record_id", "warc_file", "offset", "length", "date",
          "payload_digest", "refers_to", "etag", "last_modified", "content_type")
DOM_FIELDS = ("url", "record_id", "warc_file", "offset", "length")

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS crawls (
    crawl_id TEXT PRIMARY KEY,
    complete INTEGER NOT NULL DEFAULT 0,
    captures INTEGER,
    indexed_at TEXT,
    source TEXT  -- where the rows came from: crawl (written as captured), warc (re-read), jsonl (imported)
);
CREATE TABLE IF NOT EXISTS captures (
    seq INTEGER PRIMARY KEY,  -- capture order; the latest capture of a key wins
    crawl_id TEXT NOT NULL, key TEXT NOT NULL, url TEXT NOT NULL, type TEXT NOT NULL, status INTEGER,
    record_id TEXT NOT NULL, warc_file TEXT NOT NULL, offset INTEGER NOT NULL, length INTEGER, date TEXT,
    payload_digest TEXT, refers_to TEXT, etag TEXT, last_modified TEXT, content_type TEXT,
    {", ".join(f"dom_{f} {'INTEGER' if f in ('offset', 'length') else 'TEXT'}" for f in DOM_FIELDS)}
);
CREATE INDEX IF NOT EXISTS captures_by_key ON captures (key, crawl_id, seq);
CREATE INDEX IF NOT EXISTS captures_by_record ON captures (record_id);
CREATE INDEX IF NOT EXISTS captures_by_crawl ON captures (crawl_id, seq);
-- the crawl log lines this crawl wrote (a resumed run never repeats one); rebuilt from the log
CREATE TABLE IF NOT EXISTS logged (line TEXT PRIMARY KEY) WITHOUT ROWID;
"""

_INSERT = (f"INSERT INTO captures ({', '.join(FIELDS)}, {', '.join('dom_' + f for f in DOM_FIELDS)}) "
           f"VALUES ({', '.join('?' * (len(FIELDS) + len(DOM_FIELDS)))})")
_COLUMNS = ", ".join(("seq", *FIELDS, *(f"dom_{f}" for f in DOM_FIELDS)))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _values(row: dict) -> tuple:
    dom = row.get("dom") or {}
    return (*(row.get(f) for f in FIELDS), *(dom.get(f) for f in DOM_FIELDS))


def _as_row(cursor: sqlite3.Cursor, values: tuple) -> dict:
    """A capture as crawler.incremental uses it (the shape of the old captures.jsonl lines)."""
    row = dict(zip(FIELDS, values[1:1 + len(FIELDS)], strict=True))
    row["seq"] = values[0]
    dom = values[1 + len(FIELDS):]
    if dom[1] is not None:
        row["dom"] = dict(zip(DOM_FIELDS, dom, strict=True))
    return row


class CaptureIndex:
    """One connection, used from the crawl's thread only (Scrapy's reactor)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.pending = 0  # rows written since the last commit
        try:
            self.conn = self._open()
        except sqlite3.DatabaseError as exc:  # a cache: move it aside, every crawl is re-read from WARC
            aside = self.path.with_name(f"{self.path.name}.unreadable-{datetime.now(UTC):%Y%m%dT%H%M%SZ}")
            logger.warning("capture index %s cannot be read (%s): moved to %s, rebuilding it from the WARC files",
                           self.path, exc, aside.name)
            self.path.replace(aside)
            for suffix in ("-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self.conn = self._open()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None)  # transactions are explicit
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-2048")  # 2 MB of pages whatever the archive holds (the OS caches the file)
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
                for table in tables:  # an index of another layout: rebuilt (a cache of the WARC files)
                    conn.execute(f'DROP TABLE "{table}"')
                conn.executescript(_SCHEMA)
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            conn.execute("SELECT count(*) FROM crawls").fetchone()
            conn.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        # the last line about each report page in earlier crawls' logs (crawler.incremental.finish)
        conn.execute("CREATE TEMP TABLE previous_reports (url TEXT PRIMARY KEY, role TEXT, digest TEXT, "
                     "log INTEGER, offset INTEGER)")
        conn.execute("BEGIN")
        return conn

    # -- transactions ----------------------------------------------------------------------------
    def commit(self, *, durable: bool = False) -> None:
        """End the open transaction and start the next; ``durable`` syncs it to disk (the marks
        of complete crawls: a lost one only costs a re-read, but it costs minutes)."""
        self.conn.execute("COMMIT")
        if durable:  # WAL + NORMAL syncs at checkpoints only: this one copies the WAL in, synced
            self.conn.execute("PRAGMA wal_checkpoint(FULL)").fetchone()
        self.conn.execute("BEGIN")
        self.pending = 0

    def close(self) -> None:
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError:
            pass  # no transaction open
        self.conn.close()

    # -- crawls ----------------------------------------------------------------------------------
    def complete_crawls(self) -> set[str]:
        return {r[0] for r in self.conn.execute("SELECT crawl_id FROM crawls WHERE complete")}

    def forget(self, crawl_id: str) -> None:
        """Drop a crawl's rows (before they are read again from its WARC files)."""
        self.conn.execute("DELETE FROM captures WHERE crawl_id = ?", (crawl_id,))
        self.conn.execute("DELETE FROM crawls WHERE crawl_id = ?", (crawl_id,))

    def mark_complete(self, crawl_id: str, source: str) -> None:
        count = self.conn.execute("SELECT count(*) FROM captures WHERE crawl_id = ?", (crawl_id,)).fetchone()[0]
        self.conn.execute("INSERT OR REPLACE INTO crawls (crawl_id, complete, captures, indexed_at, source) "
                          "VALUES (?, 1, ?, ?, ?)", (crawl_id, count, _now(), source))

    # -- rows ------------------------------------------------------------------------------------
    def add(self, row: dict) -> None:
        """One capture (the crawl's hot path: an insert, a commit every BATCH rows)."""
        self.conn.execute(_INSERT, _values(row))
        self.pending += 1
        if self.pending >= BATCH:
            self.commit()

    def add_many(self, rows: Iterable[dict]) -> int:
        cur = self.conn.executemany(_INSERT, (_values(r) for r in rows))
        return cur.rowcount

    def max_seq(self) -> int:
        return self.conn.execute("SELECT coalesce(max(seq), 0) FROM captures").fetchone()[0]

    def by_record(self, record_id: str) -> dict | None:
        cur = self.conn.execute(f"SELECT {_COLUMNS} FROM captures WHERE record_id = ? LIMIT 1", (record_id,))
        values = cur.fetchone()
        return _as_row(cur, values) if values else None

    def location(self, record_id: str) -> tuple[str, int] | None:
        """(WARC file, offset) of a response record, for a revisit's replay."""
        found = self.conn.execute("SELECT warc_file, offset FROM captures WHERE record_id = ? AND type = 'response' "
                                  "LIMIT 1", (record_id,)).fetchone()
        return (found[0], found[1]) if found else None

    def of_key(self, key: str, *, crawl_id: str, own: bool, max_seq: int | None = None) -> Iterator[dict]:
        """Captures of a request key, latest first: of this crawl (``own``, up to ``max_seq``) or
        of every other crawl (the latest crawl id first)."""
        if own:
            cur = self.conn.execute(f"SELECT {_COLUMNS} FROM captures WHERE key = ? AND crawl_id = ? AND seq <= ? "
                                    "ORDER BY seq DESC", (key, crawl_id, max_seq if max_seq is not None else -1))
        else:
            cur = self.conn.execute(f"SELECT {_COLUMNS} FROM captures WHERE key = ? AND crawl_id <> ? "
                                    "ORDER BY crawl_id DESC, seq DESC", (key, crawl_id))
        for values in cur.fetchall():
            yield _as_row(cur, values)

    def rows_of(self, crawl_id: str, *, after_seq: int = 0, limit: int = 1000) -> list[dict]:
        cur = self.conn.execute(f"SELECT {_COLUMNS} FROM captures WHERE crawl_id = ? AND seq > ? ORDER BY seq "
                                "LIMIT ?", (crawl_id, after_seq, limit))
        return [_as_row(cur, v) for v in cur.fetchall()]

    def count_keys(self, *, not_crawl: str, excluding_statuses: Iterable[int]) -> int:
        """Distinct request keys other crawls answered with a final status."""
        statuses = sorted(excluding_statuses)
        marks = ", ".join("?" * len(statuses))
        return self.conn.execute(
            f"SELECT count(DISTINCT key) FROM captures WHERE crawl_id <> ? AND (status IS NULL OR status NOT IN "
            f"({marks}))", (not_crawl, *statuses)).fetchone()[0]

    # -- log lines written -----------------------------------------------------------------------
    def clear_logged(self) -> None:
        self.conn.execute("DELETE FROM logged")

    def mark_logged(self, line: str) -> bool:
        """Remember a log line; False when it was there already."""
        cur = self.conn.execute("INSERT OR IGNORE INTO logged (line) VALUES (?)", (line,))
        if cur.rowcount:
            self.pending += 1
            if self.pending >= BATCH:
                self.commit()
        return bool(cur.rowcount)

    def is_logged(self, line: str) -> bool:
        return self.conn.execute("SELECT 1 FROM logged WHERE line = ?", (line,)).fetchone() is not None

    # -- earlier crawls' report lines (a temporary table, filled when a crawl ends) ----------------
    def clear_previous_reports(self) -> None:
        self.conn.execute("DELETE FROM temp.previous_reports")

    def put_previous_report(self, url: str, role: str, digest: str | None, log: int, offset: int, *,
                            update: bool = False) -> None:
        """A later line wins; ``update`` only replaces a URL already there (a gone line)."""
        if update:
            self.conn.execute("UPDATE temp.previous_reports SET role = ?, digest = ?, log = ?, offset = ? "
                              "WHERE url = ?", (role, digest, log, offset, url))
        else:
            self.conn.execute("INSERT OR REPLACE INTO temp.previous_reports VALUES (?, ?, ?, ?, ?)",
                              (url, role, digest, log, offset))

    def previous_report(self, url: str) -> tuple[str, str | None] | None:
        """(role, payload digest) of the last line about this report page, if any."""
        found = self.conn.execute("SELECT role, digest FROM temp.previous_reports WHERE url = ?", (url,)).fetchone()
        return (found[0], found[1]) if found else None

    def previous_reports(self, *, role: str, chunk: int = 1000) -> Iterator[tuple[str, int, int]]:
        """(URL, log number, line offset) of the report pages whose last line has this role."""
        after = ""
        while rows := self.conn.execute("SELECT url, log, offset FROM temp.previous_reports WHERE role = ? AND "
                                        "url > ? ORDER BY url LIMIT ?", (role, after, chunk)).fetchall():
            after = rows[-1][0]
            yield from rows
