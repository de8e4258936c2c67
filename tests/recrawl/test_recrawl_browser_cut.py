"""kill -9 between a rendered page's response record and its DOM record (the browser path writes
the exchanges of a render, then the DOM): the resumed crawl renders the page again and ties the
new DOM to the response already archived, instead of storing the page a second time."""

from __future__ import annotations

import signal
from collections import Counter

import pytest
from recrawlkit import crawl_dirs, read_log, run_crawl, warc_records, warcio_check, write_seeds

pytestmark = pytest.mark.browser

KILLED = -signal.SIGKILL
SPA = "www.jinshui.gov.cn"  # the client-side-list portal (SpaPortal): deterministic, every list rendered


def captured(out) -> list[dict]:
    """Response and revisit records in capture order (the N of NIANBAO_CRASH_AT=capture:N)."""
    return [r for r in warc_records(out) if r["WARC-Type"] in ("response", "revisit")]


def doms(out) -> dict[str, str]:
    """Record id of a rendered page's response -> its DOM record's target."""
    return {r["WARC-Concurrent-To"]: r["WARC-Target-URI"] for r in warc_records(out)
            if r["WARC-Type"] == "resource" and r["WARC-Target-URI"].startswith("urn:nianbao:dom:")}


def sent_by_chromium(out, response_id: str) -> bool:
    """The request record of this response carries Chromium's headers (its cache is off)."""
    from warcio.archiveiterator import ArchiveIterator

    for path in sorted((out / "warc").glob("*.warc.gz")):
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type == "request" and record.rec_headers.get_header("WARC-Concurrent-To") == response_id:
                    return record.http_headers.get_header("Pragma") == "no-cache"
    return False


@pytest.fixture(scope="module")
def spa(farm, tmp_path_factory):
    seeds = write_seeds(farm.farm.seed_rows(), tmp_path_factory.mktemp("cut-seeds") / "seeds.csv", (SPA,))
    out = tmp_path_factory.mktemp("cut-uninterrupted")
    proc = run_crawl(farm.proxy, seeds, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = captured(out)
    rendered = doms(out)
    # the captures that are a render's main document: where a kill leaves a page without its DOM
    points = [n for n, r in enumerate(records, 1) if r["WARC-Record-ID"] in rendered]
    assert points
    reports = sorted((e["url"], e["agency"], e["year"]) for e in read_log(crawl_dirs(out)[0]) if e["role"] == "report")
    return seeds, records, points, reports


def test_a_render_cut_before_its_dom_is_not_stored_twice(farm, spa, tmp_path):
    seeds, records, points, reports = spa
    # the order of captures varies a little from run to run: try the capture points around renders
    tries = sorted({p + d for p in points[:2] for d in (0, 1, -1, 2, -2) if p + d > 0}, key=lambda n: abs(n - points[0]))
    for attempt, n in enumerate(tries[:8]):
        out = tmp_path / f"dir{attempt}"
        proc = run_crawl(farm.proxy, seeds, out, "-s", f"NIANBAO_CRASH_AT=capture:{n}")
        assert proc.returncode == KILLED, proc.stderr[-2000:]
        cut = captured(out)[-1]
        if cut["WARC-Record-ID"] not in doms(out) and sent_by_chromium(out, cut["WARC-Record-ID"]):
            break  # the kill came between this render's response record and its DOM record
    else:
        pytest.fail(f"no kill at captures {tries[:8]} landed between a render's response and its DOM")
    proc = run_crawl(farm.proxy, seeds, out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the render ran again: its DOM now belongs to the response archived before the kill
    assert doms(out).get(cut["WARC-Record-ID"]) == f"urn:nianbao:dom:{cut['WARC-Target-URI']}"
    # and every page is stored as often as by the uninterrupted crawl, each DOM once
    responses = Counter(r["WARC-Target-URI"] for r in captured(out))
    assert responses == Counter(r["WARC-Target-URI"] for r in records)
    assert all(n == 1 for n in Counter(doms(out).values()).values())
    log = read_log(crawl_dirs(out)[0])
    assert sorted((e["url"], e["agency"], e["year"]) for e in log if e["role"] == "report") == reports
    ids = [e["warc_record_id"] for e in log if e.get("warc_record_id")]
    assert len(ids) == len(set(ids)), "a capture logged twice"
    assert warcio_check(out).returncode == 0
