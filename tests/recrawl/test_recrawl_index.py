"""The capture index (DIR/state/captures.sqlite) is a cache of the WARC files: a DIR of the
earlier version (captures.jsonl) is imported once, a lost, unreadable or half-written index is
rebuilt from the WARC files, and either way the next crawl stores only revisits."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter

import pytest
from recrawlkit import crawl_dirs, run_crawl, summary, warc_records, warcio_check

from crawler.captureindex import DOM_FIELDS, FIELDS


@pytest.fixture(scope="module")
def first(springs, tmp_path_factory):
    """One portal crawled once: the DIR every test here copies."""
    springs.last_spring()
    out = tmp_path_factory.mktemp("index-first")
    proc = run_crawl(springs.proxy, springs.seeds_one, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (crawl,) = crawl_dirs(out)
    responses = Counter(r["WARC-Target-URI"] for r in warc_records(out) if r["WARC-Type"] == "response")
    return out, crawl.name, responses, index_rows(out, crawl.name)


def index_rows(out, crawl_id) -> list[dict]:
    conn = sqlite3.connect(out / "state" / "captures.sqlite")
    try:
        cur = conn.execute(f"select {', '.join(FIELDS)}, {', '.join('dom_' + f for f in DOM_FIELDS)} "
                           "from captures where crawl_id = ? order by seq", [crawl_id])
        rows = []
        for values in cur.fetchall():
            row = dict(zip(FIELDS, values[:len(FIELDS)], strict=True))
            if values[len(FIELDS) + 1] is not None:
                row["dom"] = dict(zip(DOM_FIELDS, values[len(FIELDS):], strict=True))
            rows.append(row)
        return rows
    finally:
        conn.close()


def crawls_table(out) -> dict[str, tuple]:
    conn = sqlite3.connect(out / "state" / "captures.sqlite")
    try:
        return {r[0]: r[1:] for r in conn.execute("select crawl_id, complete, source, captures from crawls")}
    finally:
        conn.close()


def drop_index(out) -> None:
    for path in (out / "state").glob("captures.sqlite*"):
        path.unlink()


def crawl_again(springs, out, first_responses) -> str:
    """The next crawl of the unchanged portal: revisits only, each URL once; its crawl id."""
    springs.last_spring()
    proc = run_crawl(springs.proxy, springs.seeds_one, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    _, second = crawl_dirs(out)
    records = warc_records(out, second.name)
    assert not [r for r in records if r["WARC-Type"] == "response"]  # nothing stored again in full
    assert Counter(r["WARC-Target-URI"] for r in records if r["WARC-Type"] == "revisit") == first_responses
    assert summary(second)["incremental"]["previous_captures"] > 0
    assert warcio_check(out).returncode == 0
    return second.name


def test_the_index_holds_every_capture_of_a_finished_crawl(first):
    out, crawl_id, responses, rows = first
    assert crawls_table(out)[crawl_id] == (1, "crawl", len(rows))
    assert Counter(r["url"] for r in rows if r["type"] == "response") == responses
    # the rows written while crawling are the rows the WARC files give
    from archive.repair import warc_files
    from crawler.incremental import captures_of_files

    from_warc = list(captures_of_files(warc_files(out / "warc", f"nianbao-{crawl_id}"), crawl_id))
    def strip(r):
        return {k: v for k, v in r.items() if k not in ("dom", "date")}
    assert sorted(map(json.dumps, map(strip, rows))) == sorted(map(json.dumps, map(strip, from_warc)))


def test_a_dir_of_the_earlier_version_is_imported_once(springs, first, tmp_path):
    src, crawl_id, responses, rows = first
    out = tmp_path / "dir"
    shutil.copytree(src, out)
    drop_index(out)
    with open(out / "state" / "captures.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        fh.write('{"crawl_id": "torn')  # a torn last line is skipped
    second = crawl_again(springs, out, responses)
    assert not (out / "state" / "captures.jsonl").exists()
    assert (out / "state" / "captures.jsonl.imported").exists()
    table = crawls_table(out)
    assert table[crawl_id] == (1, "jsonl", len(rows))  # imported, not re-read from the WARC files
    assert table[second][:2] == (1, "crawl")


def test_an_unreadable_index_is_moved_aside_and_rebuilt_from_the_warc_files(springs, first, tmp_path):
    src, crawl_id, responses, rows = first
    out = tmp_path / "dir"
    shutil.copytree(src, out)
    drop_index(out)
    (out / "state" / "captures.sqlite").write_bytes(b"not a database" * 100)
    crawl_again(springs, out, responses)
    assert list((out / "state").glob("captures.sqlite.unreadable-*"))
    assert crawls_table(out)[crawl_id] == (1, "warc", len(rows))


def test_a_crawl_whose_complete_mark_was_lost_is_read_again_from_its_warc_files(springs, first, tmp_path):
    """What a power cut can leave: the last rows of a crawl and its mark not on disk."""
    src, crawl_id, responses, rows = first
    out = tmp_path / "dir"
    shutil.copytree(src, out)
    conn = sqlite3.connect(out / "state" / "captures.sqlite")
    conn.execute("delete from captures where crawl_id = ? and seq > (select min(seq) + 3 from captures)", [crawl_id])
    conn.execute("delete from crawls where crawl_id = ?", [crawl_id])
    conn.commit()
    conn.close()
    crawl_again(springs, out, responses)
    assert crawls_table(out)[crawl_id] == (1, "warc", len(rows))
