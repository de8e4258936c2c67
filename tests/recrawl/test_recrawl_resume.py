"""kill -9 at many points of a crawl, re-run the same command: the same archive and database as an
uninterrupted crawl, valid WARC files, nothing lost and nothing archived twice."""

from __future__ import annotations

import json
import shutil
import signal
from collections import Counter

import pytest
from recrawlkit import (
    build_db,
    crawl_dirs,
    db_content,
    kill_when,
    read_log,
    run_crawl,
    summary,
    warc_records,
    warcio_check,
)

KILLED = -signal.SIGKILL


@pytest.fixture(scope="module")
def baseline(springs, tmp_path_factory):
    """One portal crawled without interruption, built into a database."""
    springs.last_spring()
    out = tmp_path_factory.mktemp("uninterrupted")
    proc = run_crawl(springs.proxy, springs.seeds_one, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (crawl,) = crawl_dirs(out)
    log = read_log(crawl)
    assert sum(e["role"] == "report" for e in log) >= 8
    return {"out": out, "log": log, "db": db_content(build_db(out)), "responses": response_uris(out)}


def response_uris(out, crawl_id=None) -> Counter:
    return Counter(r["WARC-Target-URI"] for r in warc_records(out, crawl_id) if r["WARC-Type"] == "response")


def assert_like_uninterrupted(out, baseline, crawl_id=None) -> None:
    proc = warcio_check(out)
    assert proc.returncode == 0, proc.stdout[-3000:]
    # every exchange archived exactly once: nothing lost, nothing twice
    assert response_uris(out, crawl_id) == baseline["responses"]
    crawl = crawl_dirs(out)[-1]
    log = read_log(crawl)
    ids = [e["warc_record_id"] for e in log if e.get("warc_record_id")]
    assert len(ids) == len(set(ids)), "a capture logged twice"
    assert {e["url"] for e in log if e.get("warc_record_id")} == {e["url"] for e in baseline["log"] if e.get("warc_record_id")}
    want = sorted((e["url"], e["agency"], e["year"]) for e in baseline["log"] if e["role"] == "report")
    assert sorted((e["url"], e["agency"], e["year"]) for e in log if e["role"] == "report") == want
    assert db_content(build_db(out)) == baseline["db"]
    assert not (out / "state" / "current.json").exists()


def resume(springs, out) -> dict:
    proc = run_crawl(springs.proxy, springs.seeds_one, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    crawls = crawl_dirs(out)
    return summary(crawls[-1])


def repairs(out) -> list[dict]:
    path = out / "state" / "repairs.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.mark.parametrize("crash_at, repaired", [
    ("mid-record:8", "torn record"),  # the 8th response record cut in half on disk
    ("between-records:17", "without the request record"),  # a response written, its request not
    ("capture:26", None),  # an exchange archived, nobody told yet
])
def test_killed_while_capturing(springs, baseline, tmp_path, crash_at, repaired):
    springs.last_spring()
    out = tmp_path / "dir"
    proc = run_crawl(springs.proxy, springs.seeds_one, out, "-s", f"NIANBAO_CRASH_AT={crash_at}")
    assert proc.returncode == KILLED, proc.stderr[-2000:]
    assert (out / "state" / "current.json").exists()
    done = resume(springs, out)
    inc = done["incremental"]
    assert inc["resumed"] and inc["replayed_from_this_crawl"] > 0
    if repaired:
        assert any(repaired in r["reason"] for r in repairs(out)), repairs(out)
        assert any(repaired in r["reason"] for r in inc["repairs"])
    assert len(crawl_dirs(out)) == 1
    assert_like_uninterrupted(out, baseline)


def test_killed_while_logging_the_reports_at_the_end(springs, baseline, tmp_path):
    springs.last_spring()
    out = tmp_path / "dir"
    at = len(baseline["log"]) - 4  # reports are logged when the crawl ends: this is among them
    proc = run_crawl(springs.proxy, springs.seeds_one, out, "-s", f"NIANBAO_CRASH_AT=log:{at}")
    assert proc.returncode == KILLED
    (crawl,) = crawl_dirs(out)
    assert not (crawl / "summary.json").exists() and len(read_log(crawl)) == at - 1
    resume(springs, out)
    assert_like_uninterrupted(out, baseline)


def test_killed_from_outside_at_any_moment(springs, baseline, tmp_path):
    springs.last_spring()
    out = tmp_path / "dir"

    def busy(path) -> bool:
        logs = list((path / "crawls").glob("*/log.jsonl")) if (path / "crawls").exists() else []
        return bool(logs) and logs[0].read_bytes().count(b"\n") >= 12

    assert kill_when(springs.proxy, springs.seeds_one, out, busy) == KILLED
    resume(springs, out)
    assert_like_uninterrupted(out, baseline)


def test_killed_twice_then_resumed(springs, baseline, tmp_path):
    springs.last_spring()
    out = tmp_path / "dir"
    first = run_crawl(springs.proxy, springs.seeds_one, out, "-s", "NIANBAO_CRASH_AT=mid-record:5")
    second = run_crawl(springs.proxy, springs.seeds_one, out, "-s", "NIANBAO_CRASH_AT=mid-record:6")
    assert (first.returncode, second.returncode) == (KILLED, KILLED)
    resume(springs, out)
    assert len([r for r in repairs(out) if "torn record" in r["reason"]]) == 2
    assert_like_uninterrupted(out, baseline)


def test_killed_during_the_next_springs_incremental_crawl(springs, baseline, tmp_path):
    springs.last_spring()
    out = tmp_path / "dir"
    shutil.copytree(baseline["out"], out, ignore=shutil.ignore_patterns("nianbao.db*"))
    proc = run_crawl(springs.proxy, springs.seeds_one, out, "-s", "NIANBAO_CRASH_AT=mid-record:12")
    assert proc.returncode == KILLED
    done = resume(springs, out)
    assert done["incremental"]["resumed"] and done["incremental"]["previous_captures"] > 0
    first, second = crawl_dirs(out)
    # the second crawl holds revisits only, each once, and no response stored again
    records = warc_records(out, second.name)
    assert not [r for r in records if r["WARC-Type"] == "response"]
    revisits = Counter(r["WARC-Target-URI"] for r in records if r["WARC-Type"] == "revisit")
    assert revisits == baseline["responses"]
    proc = warcio_check(out)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert db_content(build_db(out)) == baseline["db"]
