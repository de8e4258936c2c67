"""Reports found during a crawl, set aside on disk until it ends.

The spider logs reports only when the crawl ends, so that a repost (the same agency and year,
published again later) is told apart from its original whichever was fetched first. A crawl of a
few thousand portals finds tens of thousands of reports; keeping them in memory made the
crawler's RSS grow with the crawl, so they wait in a scratch SQLite file in the crawl's folder,
removed once the reports are logged. Nothing here needs to survive a crash: a resumed crawl
finds the same reports again (from the archive) and starts the file afresh.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path

COMMIT_EVERY = 1000


class DeferredReports:
    """An append-only store of (group key, publication date, url, held capture, what was found),
    and of the digests of the documents each found report links."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path)
        self._db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            DROP TABLE IF EXISTS found;
            CREATE TABLE found (
                seq INTEGER PRIMARY KEY, host TEXT, agency TEXT, year INTEGER,
                date TEXT, url TEXT, held TEXT, found TEXT
            );
            DROP TABLE IF EXISTS attachment;
            CREATE TABLE attachment (parent TEXT, digest TEXT, UNIQUE (parent, digest));
            """
        )
        self._uncommitted = 0

    def add(self, host: str, agency: str | None, year: int | None, date: str | None, held: dict,
            found: dict) -> None:
        self._db.execute(
            "INSERT INTO found (host, agency, year, date, url, held, found) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (host, agency, year, date, held["url"], json.dumps(held, ensure_ascii=False),
             json.dumps(found, ensure_ascii=False)))
        self._uncommitted += 1
        if self._uncommitted >= COMMIT_EVERY:
            self._db.commit()
            self._uncommitted = 0

    def add_attachment(self, parent: str, digest: str) -> None:
        """A document a found report links (by the digest of its bytes): a report reposted as the
        same file under a new page has too few figures on the page to be recognised by them."""
        self._db.execute("INSERT OR IGNORE INTO attachment (parent, digest) VALUES (?, ?)", (parent, digest))

    def attachment_digests(self, url: str) -> frozenset[str]:
        return frozenset(d for (d,) in self._db.execute("SELECT digest FROM attachment WHERE parent = ?", (url,)))

    def groups(self) -> Iterator[list[tuple[str | None, dict, dict]]]:
        """Per (host, agency, year), in the order each was first found: its reports as
        (date, held, found), earliest published first (undated last), then by URL."""
        self._db.commit()
        rows = self._db.execute(
            """
            SELECT MIN(seq) OVER (PARTITION BY host, agency, year) AS first, date, held, found
            FROM found ORDER BY first, COALESCE(date, '9999'), url
            """)
        for _first, group in groupby(rows, key=lambda row: row[0]):
            yield [(date, json.loads(held), json.loads(found)) for _, date, held, found in group]

    def close(self, *, remove: bool = True) -> None:
        self._db.close()
        if remove:
            self.path.unlink(missing_ok=True)
