"""kill -9 during a crawl of portals only a browser reads (a list built client-side, a 412 JS
challenge), re-run: every report logged with agency and year, no browser capture stored twice.

A resumed crawl answers a browser request it already rendered with the rendered DOM from the
archive (the links the scripts wrote), never renders nor stores it again."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from recrawlkit import crawl_dirs, read_log, run_crawl, warc_records, warcio_check, write_seeds

pytestmark = pytest.mark.browser

KILLED = -signal.SIGKILL
#: the client-side-list portal (SpaPortal) and a portal behind a 412 `$_ts` challenge
BROWSER_HOSTS = ("www.jinshui.gov.cn", "www.yq.gov.cn")


@pytest.fixture(scope="module")
def browser_farm(farm, tmp_path_factory):
    seeds = write_seeds(farm.farm.seed_rows(), tmp_path_factory.mktemp("bseeds") / "seeds.csv", BROWSER_HOSTS)
    reports = sorted((r["page_url"], r["agency"], r["year"]) for r in farm.manifest["reports"]
                     if r["host"] in BROWSER_HOSTS)
    assert len(reports) >= 10
    return seeds, reports


def captures(out) -> tuple[Counter, Counter]:
    """(response records per URL, rendered-DOM records per URL)."""
    records = warc_records(out)
    responses = Counter(r["WARC-Target-URI"] for r in records if r["WARC-Type"] == "response")
    doms = Counter(r["WARC-Target-URI"] for r in records
                   if r["WARC-Type"] == "resource" and r["WARC-Target-URI"].startswith("urn:nianbao:dom:"))
    return responses, doms


@pytest.fixture(scope="module")
def uninterrupted(farm, browser_farm, tmp_path_factory):
    seeds, reports = browser_farm
    out = tmp_path_factory.mktemp("browser-uninterrupted")
    proc = run_crawl(farm.proxy, seeds, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    log = read_log(crawl_dirs(out)[-1])
    assert sorted((e["url"], e["agency"], e["year"]) for e in log if e["role"] == "report") == reports
    responses, doms = captures(out)
    assert doms and all(n == 1 for n in doms.values())
    return responses, doms


@pytest.mark.parametrize("crash_at", ["capture:4", "capture:12", "mid-record:20", "capture:30"])
def test_killed_browser_crawl_resumes_from_the_rendered_dom(farm, browser_farm, uninterrupted, tmp_path, crash_at):
    seeds, reports = browser_farm
    out = tmp_path / "dir"
    proc = run_crawl(farm.proxy, seeds, out, "-s", f"NIANBAO_CRASH_AT={crash_at}")
    assert proc.returncode == KILLED, proc.stderr[-2000:]
    proc = run_crawl(farm.proxy, seeds, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (crawl,) = crawl_dirs(out)
    log = read_log(crawl)
    assert sorted((e["url"], e["agency"], e["year"]) for e in log if e["role"] == "report") == reports
    responses, doms = captures(out)
    # each render stored once (its main document and its DOM record)
    assert all(n == 1 for n in doms.values()), doms
    # the client-side-list portal is deterministic: exactly the uninterrupted crawl's records (each
    # list twice: the server's page, then the browser's render), its lists rendered or replayed
    spa = BROWSER_HOSTS[0]
    assert {u: n for u, n in responses.items() if spa in u} == {u: n for u, n in uninterrupted[0].items() if spa in u}
    assert {u for u in doms if spa in u} == {u for u in uninterrupted[1] if spa in u}
    # (the challenge portal is not compared record for record: whether a plain request already
    # carries the browser's cookie depends on timing, in an uninterrupted crawl too)
    ids = [e["warc_record_id"] for e in log if e.get("warc_record_id")]
    assert len(ids) == len(set(ids)), "a capture logged twice"
    assert warcio_check(out).returncode == 0
