"""Report versions across crawls: which version revises which, and which reports are gone.

The build keeps one `reports` row per report *version* (page and documents as served). Across
springs that gives, per page URL, a chain of versions; this pass (run at the end of every build,
recomputed from scratch, so idempotent) flags it for users:

* ``revision_of``: the id of the version this one replaced (same URL, earlier, different content);
  ``revised`` = 1 on every version after the first: "this report was changed in place";
* ``gone_crawl`` / ``gone_reason``: on the latest version of a report whose portal no longer has it
  (a ``gone`` line of the crawl log, written by crawler.incremental) and that no later crawl found
  again. The row and the archived original stay.
"""

from __future__ import annotations

from pathlib import Path

from archive.crawllog import read_all_logs

COLUMNS = {"revision_of": str, "revised": int, "gone_crawl": str, "gone_reason": str}


def ensure_columns(db) -> None:
    have = db["reports"].columns_dict
    for name, kind in COLUMNS.items():
        if name not in have:
            db["reports"].add_column(name, kind)


def last_events(directory: Path | str) -> dict[str, dict]:
    """Per report page URL, the latest crawl-log line that said it is there (report) or gone."""
    out: dict[str, dict] = {}
    for entry in read_all_logs(directory):
        if entry.get("role") in ("report", "gone") and entry.get("url"):
            out[entry["url"]] = entry
    return out


def mark_versions(db, directory: Path | str) -> None:
    ensure_columns(db)
    rows = db.execute("select id, url from reports order by url, coalesce(fetched_at, ''), crawl_id, id").fetchall()
    updates = []
    previous_url, previous_id = None, None
    for report_id, url in rows:
        earlier = previous_id if url == previous_url else None
        updates.append((earlier, 1 if earlier else 0, report_id))
        previous_url, previous_id = url, report_id
    db.conn.executemany("update reports set revision_of = ?, revised = ? where id = ?", updates)
    db.execute("update reports set gone_crawl = null, gone_reason = null")
    for url, event in last_events(directory).items():
        if event.get("role") != "gone":
            continue
        latest = db.execute("select id from reports where url = ? order by coalesce(fetched_at, '') desc, id desc "
                            "limit 1", [url]).fetchone()
        if latest:
            db.execute("update reports set gone_crawl = ?, gone_reason = ? where id = ?",
                       [event.get("crawl_id"), event.get("reason"), latest[0]])
