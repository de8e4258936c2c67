"""crawl → crawl again (nothing changed) → next year → crawl: only what is new is fetched and stored."""

from __future__ import annotations

import json
import sqlite3

import pytest
from recrawlkit import (
    HOSTS,
    MOVED_HOST,
    build_db,
    crawl_dirs,
    read_log,
    run_crawl,
    summary,
    warc_records,
    warcio_check,
)

from archive.replay import read_response
from archive.warc import REVISIT_PROFILE
from crawler.incremental import NOT_MODIFIED_PROFILE


@pytest.fixture(scope="module")
def three_crawls(springs, tmp_path_factory):
    """Last spring twice (unchanged portals), then this spring, into one DIR."""
    out = tmp_path_factory.mktemp("springs-crawl")
    springs.last_spring()
    first_requests = len(springs.server.requests)
    procs = [run_crawl(springs.proxy, springs.seeds, out)]
    middle_requests = len(springs.server.requests)
    procs.append(run_crawl(springs.proxy, springs.seeds, out))
    second_statuses = [r[3] for r in list(springs.server.requests)[middle_requests:]]
    springs.this_spring()
    try:
        procs.append(run_crawl(springs.proxy, springs.seeds, out))
    finally:
        springs.last_spring()
    for proc in procs:
        assert proc.returncode == 0, proc.stderr[-3000:]
    dirs = crawl_dirs(out)
    assert len(dirs) == 3
    assert middle_requests > first_requests
    return out, dirs, second_statuses


def warc_bytes(out, crawl_dir) -> int:
    return sum(p.stat().st_size for p in (out / "warc").glob(f"nianbao-{crawl_dir.name}-*.warc.gz"))


def test_second_crawl_of_unchanged_portals_writes_90_percent_fewer_bytes(three_crawls):
    out, (first, second, _), statuses = three_crawls
    before, again = warc_bytes(out, first), warc_bytes(out, second)
    assert again <= 0.10 * before, (before, again)
    assert summary(second)["incremental"]["warc_bytes"] == again
    assert statuses.count(304) >= 0.8 * len(statuses)  # the server was asked conditionally and said so


def test_unchanged_pages_are_revisits_pointing_at_the_original_capture(three_crawls):
    out, (first, second, _), _ = three_crawls
    originals = {r["WARC-Record-ID"]: r for r in warc_records(out, first.name) if r["WARC-Type"] == "response"}
    records = warc_records(out, second.name)
    assert not [r for r in records if r["WARC-Type"] == "response"]  # nothing stored again in full
    revisits = [r for r in records if r["WARC-Type"] == "revisit"]
    assert revisits
    for rev in revisits:
        original = originals[rev["WARC-Refers-To"]]
        assert rev["WARC-Refers-To-Target-URI"] == original["WARC-Target-URI"] == rev["WARC-Target-URI"]
        assert rev["WARC-Refers-To-Date"] == original["WARC-Date"]
        assert rev["WARC-Payload-Digest"] == original["WARC-Payload-Digest"]
        assert rev["WARC-Profile"] in (NOT_MODIFIED_PROFILE, REVISIT_PROFILE)
    assert {r["WARC-Profile"] for r in revisits} >= {NOT_MODIFIED_PROFILE}
    # the second crawl still knows every report and attachment (answered from the archive)
    first_log, second_log = read_log(first), read_log(second)
    for role in ("report", "attachment"):
        assert {e["url"] for e in first_log if e["role"] == role} == {e["url"] for e in second_log if e["role"] == role}


def test_every_file_passes_warcio_check(three_crawls):
    out, *_ = three_crawls
    proc = warcio_check(out)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_a_revisit_replays_the_original_payload(three_crawls):
    out, (first, second, _), _ = three_crawls
    where = {r["WARC-Record-ID"]: (r["_file"], r["_offset"]) for r in warc_records(out) if r["WARC-Type"] == "response"}
    report = next(e for e in read_log(second) if e["role"] == "report")
    original = next(e for e in read_log(first) if e["role"] == "report" and e["url"] == report["url"])
    got = read_response(out / "warc", report["warc_file"], report["warc_offset"], report["warc_record_id"],
                        resolve=where.get)
    want = read_response(out / "warc", original["warc_file"], original["warc_offset"], original["warc_record_id"])
    assert got.body == want.body and got.record_id == original["warc_record_id"]


def test_next_year_every_new_report_is_found(springs, three_crawls):
    _, (_, _, third), _ = three_crawls
    new = [u for u in springs.changes.new if any(f"//{h}/" in u for h in HOSTS)]
    assert new
    found = {e["url"] for e in read_log(third) if e["role"] == "report"}
    assert set(new) <= found
    assert set(new) <= set(summary(third)["incremental"]["new_reports"])


def test_next_year_revised_reports_are_new_versions(springs, three_crawls):
    out, (first, _, third), _ = three_crawls
    revised = [u for u in springs.changes.revised if MOVED_HOST not in u]
    assert len(revised) == len(HOSTS)
    for url in revised:
        old = next(e for e in read_log(first) if e["role"] == "report" and e["url"] == url)
        new = next(e for e in read_log(third) if e["role"] == "report" and e["url"] == url)
        assert new["status"] == 200 and new["payload_digest"] != old["payload_digest"]
        body = read_response(out / "warc", new["warc_file"], new["warc_offset"]).body
        assert "更正说明".encode() in body or "更正说明".encode("gbk") in body
    assert set(revised) == set(summary(third)["incremental"]["revised_reports"])


def test_next_year_removed_reports_are_marked_gone_and_kept(springs, three_crawls):
    out, (first, second, third), _ = three_crawls
    where = {r["WARC-Record-ID"]: (r["_file"], r["_offset"]) for r in warc_records(out) if r["WARC-Type"] == "response"}
    gone = {e["url"]: e for e in read_log(third) if e["role"] == "gone"}
    removed = {u for u in springs.changes.removed if MOVED_HOST not in u}
    deleted = {u for u in springs.changes.deleted if MOVED_HOST not in u}
    assert len(removed) == len(deleted) == len(HOSTS)
    assert removed | deleted == set(gone)
    for url, entry in gone.items():
        if url in deleted:  # still linked, the page answers 404
            assert entry["status"] == 404 and entry["reason"].startswith("gone: HTTP 404")
        else:
            assert entry["status"] is None and entry["reason"].startswith("gone: no longer listed")
        first_seen = next(e for e in read_log(first) if e["role"] == "report" and e["url"] == url)
        last_seen = next(e for e in read_log(second) if e["role"] == "report" and e["url"] == url)
        assert entry["warc_record_id"] == last_seen["warc_record_id"]  # where the archive keeps it
        assert entry["payload_digest"] == first_seen["payload_digest"]
        kept = read_response(out / "warc", entry["warc_file"], entry["warc_offset"], resolve=where.get)
        assert kept.record_id == first_seen["warc_record_id"] and kept.body


def test_database_keeps_both_versions_flags_the_change_and_the_gone(springs, three_crawls):
    out, *_ = three_crawls
    db = build_db(out)
    conn = sqlite3.connect(db)
    try:
        revised = [u for u in springs.changes.revised if MOVED_HOST not in u]
        removed = [u for u in springs.changes.removed + springs.changes.deleted if MOVED_HOST not in u]
        for url in revised:
            rows = conn.execute("select id, revised, revision_of, is_latest from reports where url = ? "
                                "order by fetched_at", [url]).fetchall()
            assert len(rows) == 2, rows
            (old_id, old_revised, old_of, old_latest), (_new_id, new_revised, new_of, new_latest) = rows
            assert (old_revised, old_of, new_revised, new_of) == (0, None, 1, old_id)
            assert (old_latest, new_latest) == (0, 1)
        for url in removed:
            rows = conn.execute("select gone_crawl, gone_reason from reports where url = ?", [url]).fetchall()
            assert len(rows) == 1 and rows[0][0] and rows[0][1].startswith("gone:")
        unchanged = conn.execute("select count(*) from reports where revised = 1").fetchone()[0]
        assert unchanged == len(revised)  # an unchanged report is one row, seen again
        gone_captures = conn.execute("select count(*) from captures where role = 'gone'").fetchone()[0]
        assert gone_captures == len(removed)
    finally:
        conn.close()


def test_a_moved_column_is_found_again_and_its_reports_are_not_gone(springs, tmp_path):
    out = tmp_path / "dir"
    springs.last_spring()
    procs = [run_crawl(springs.proxy, springs.seeds_moved, out)]
    springs.this_spring()
    try:
        procs.append(run_crawl(springs.proxy, springs.seeds_moved, out))
    finally:
        springs.last_spring()
    assert [p.returncode for p in procs] == [0, 0], procs[-1].stderr[-3000:]
    ((old, new),) = [m for m in springs.changes.moved_columns if MOVED_HOST in m[0]]
    first, second = crawl_dirs(out)
    log = read_log(second)
    assert any(e["url"] == old and e["status"] == 404 for e in log)  # the stale seed / remembered column
    assert any(e["url"] == new and e["role"] in ("column", "list") for e in log)
    removed = {u for u in springs.changes.removed + springs.changes.deleted if MOVED_HOST in u}
    before = {e["url"] for e in read_log(first) if e["role"] == "report"}
    after = {e["url"] for e in log if e["role"] == "report"}
    assert before - removed <= after  # the moved column's reports were found again, at their URLs
    assert {u for u in springs.changes.new if MOVED_HOST in u} <= after
    assert {e["url"] for e in log if e["role"] == "gone"} == removed
    state = json.loads((out / "state" / "portals.json").read_text(encoding="utf-8"))
    assert new in state[MOVED_HOST]["columns"]
    assert old not in state[MOVED_HOST]["columns"]  # forgotten: next spring does not ask for it again
    assert old in summary(second)["incremental"]["stale_urls"]  # and the maintainer is told


def test_next_year_unchanged_reports_and_attachments_are_not_downloaded_again(springs, three_crawls):
    out, (first, _, third), _ = three_crawls
    known = {e["url"] for e in read_log(first) if e["role"] in ("report", "attachment")}
    revised = set(springs.changes.revised)
    again = [e for e in read_log(third) if e["role"] in ("report", "attachment") and e["url"] in known - revised]
    assert again
    types = {r["WARC-Record-ID"]: r["WARC-Type"] for r in warc_records(out, third.name)}
    assert {(e["status"], types[e["warc_record_id"]]) for e in again} == {(304, "revisit")}
