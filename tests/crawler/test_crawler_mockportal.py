"""One crawl of the mock portal (edge cases as endpoints), then many assertions on its outputs."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from mockserver import COLUMN, REPORT, MockPortal
from replay import replay
from test_crawler_warc import warcio_check

from archive.crawllog import read_log
from archive.warc import read_record_block, split_http_head

FAST = ["-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_TIMEOUT=1.5",
        "-s", "DOWNLOAD_MAXSIZE=1000000",
        "-s", "NIANBAO_ASSET_MAXSIZE=1000000", "-s", "NIANBAO_PROGRESS_INTERVAL=0.5", "-s", "RETRY_TIMES=1"]


def nianbao_crawl(seeds: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nianbao.cli", "crawl", "--seeds", str(seeds), "--out", str(out),
                           *extra], capture_output=True, text=True, timeout=240)


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mockcrawl")
    with MockPortal() as portal:
        seeds = tmp / "seeds.csv"
        seeds.write_text(f"agency,url,notes\n测试县人民政府,{portal.base}/,official mock portal\n", encoding="utf-8")
        out = tmp / "out"
        # the plain path alone: its challenges cannot be passed by a browser (tests/crawler/test_browser_*)
        proc = nianbao_crawl(seeds, out, "--allow-private", *FAST, "-s", "NIANBAO_BROWSER=0")
        (crawl_dir,) = list((out / "crawls").iterdir())
        entries = list(read_log(crawl_dir / "log.jsonl"))
        yield {"proc": proc, "out": out, "dir": crawl_dir, "log": entries, "portal": portal,
               "by_path": {e["url"].removeprefix(portal.base): e for e in entries}}


def entries_for(crawl, path):
    return [e for e in crawl["log"] if e["url"] == crawl["portal"].base + path]


def test_crawl_exits_zero_and_prints_progress_and_summary(crawl):
    proc = crawl["proc"]
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "progress:" in proc.stderr and "pages/min" in proc.stderr
    assert "column found" in proc.stdout
    summary = json.loads((crawl["dir"] / "summary.json").read_text())
    (portal,) = summary["portals"]
    assert portal["column_found"] and portal["reports_by_year"] == {"2023": 2}
    assert set(portal["blocked"]) == {"js-challenge-412", "js-challenge-521", "waf-safedog"}


def test_every_warc_file_passes_warcio_check(crawl):
    files = sorted((crawl["out"] / "warc").glob("*.warc.gz"))
    assert files
    proc = warcio_check(*files)
    assert proc.returncode == 0, proc.stdout


def test_reports_attachments_and_lookalikes_are_logged_with_agency_and_year(crawl):
    by_path = crawl["by_path"]
    report = by_path["/nb/202401/t20240125_1.html"]
    assert (report["role"], report["agency"], report["year"]) == ("report", "测试县卫生健康局", 2023)
    gbk = by_path["/nb/202403/t20240301_4.html"]  # GBK labelled in <meta> only
    assert (gbk["role"], gbk["agency"], gbk["year"]) == ("report", "测试县人民政府", 2023)
    for path in ("/nb/202401/P020240125000001.pdf", "/nb/202401/P020240125000002.doc"):  # the .doc is document.write'd
        att = by_path[path]
        assert (att["role"], att["agency"], att["year"]) == ("attachment", "测试县卫生健康局", 2023)
        assert att["parent_url"].endswith("/nb/202401/t20240125_1.html")
    assert by_path["/nb/202401/t20240120_2.html"]["role"] == "lookalike"
    assert by_path["/nb/202401/t20240120_2.html"]["reason"].startswith("解读")
    assert by_path["/nb/202402/t20240210_3.html"]["role"] in ("lookalike", "other")
    assert by_path["/nb/"]["role"] == "column"
    assert all(e["role"] != "report" for e in crawl["log"] if "解读" in (e["title"] or ""))


def test_every_capture_has_exactly_one_log_line(crawl):
    ids = [e["warc_record_id"] for e in crawl["log"] if e["warc_record_id"]]
    assert len(ids) == len(set(ids))
    from warcio.archiveiterator import ArchiveIterator

    responses = set()
    for f in (crawl["out"] / "warc").glob("*.warc.gz"):
        with open(f, "rb") as fh:
            responses |= {r.rec_headers.get_header("WARC-Record-ID") for r in ArchiveIterator(fh) if r.rec_type == "response"}
    assert responses == set(ids)


def test_warc_holds_the_bytes_as_sent_chunked_and_gzipped(crawl):
    portal = crawl["portal"]
    for path in ("/nb/", "/nb/202401/t20240125_1.html"):
        entry = crawl["by_path"][path]
        headers, block = read_record_block(crawl["out"] / "warc", entry["warc_file"], entry["warc_offset"],
                                           entry["warc_length"])
        assert block == portal.sent[path]
        head, body = split_http_head(block)
        assert b"Content-Encoding: gzip" in head and (body.startswith(b"\x1f\x8b") or body[:8].count(b"\r\n"))
    head, body = split_http_head(portal.sent["/nb/"])
    assert b"Transfer-Encoding: chunked" in head and b"X-Mock:odd" in head  # not normalised
    assert portal.sent["/nb/202401/t20240125_1.html"].startswith(b"HTTP/1.1 200 Fine\r\n")
    assert gzip.decompress(split_http_head(portal.sent["/nb/202401/t20240125_1.html"])[1]) == REPORT
    assert COLUMN  # the column page decodes in the spider: it found the reports listed in it


def test_request_records_hold_what_was_sent(crawl):
    from warcio.archiveiterator import ArchiveIterator

    entry = crawl["by_path"]["/nb/"]
    with open(crawl["out"] / "warc" / entry["warc_file"], "rb") as fh:
        requests = [r for r in ArchiveIterator(fh, no_record_parse=True) if r.rec_type == "request"
                    and r.rec_headers.get_header("WARC-Concurrent-To") == entry["warc_record_id"]
                    and (raw := r.raw_stream.read()) is not None]
    assert len(requests) == 1
    assert raw.startswith(b"GET /nb/ HTTP/1.1\r\nHost: 127.0.0.1:")
    assert b"User-Agent: nianbao/" in raw and b"+https://" in raw


def test_robots_mirrors_and_big5_are_never_fetched(crawl):
    portal = crawl["portal"]
    assert "/private/secret.html" not in portal.hits
    assert entries_for(crawl, "/private/secret.html")[0]["role"] == "robots"
    assert not any(p.startswith("/gate/big5/") for p in portal.hits)
    assert not any("mirror.example.com" in e["url"] for e in crawl["log"] if e["status"])


def test_429_and_503_are_retried_after_retry_after(crawl):
    portal = crawl["portal"]
    for path, status in (("/ratelimited.html", 429), ("/flaky.html", 503)):
        assert portal.hits[path] == 2
        lines = entries_for(crawl, path)
        assert [e["status"] for e in lines] == [status, 200]
        assert lines[0]["role"] == "error" and "Retry-After 1" in lines[0]["reason"]
    times = [i for i, (p, _) in enumerate(portal.requests) if p == "/ratelimited.html"]
    assert len(times) == 2


def test_challenges_and_waf_pages_are_blocked_not_pages(crawl):
    for path, reason in (("/challenge412.html", "js-challenge-412"), ("/challenge521.html", "js-challenge-521"),
                         ("/safedog.html", "waf-safedog")):
        lines = entries_for(crawl, path)
        assert [e["role"] for e in lines] == ["blocked"], lines
        assert lines[0]["reason"].startswith(reason)
        assert crawl["portal"].hits[path] == 1  # never retried
    state = json.loads((crawl["out"] / "state" / "portals.json").read_text())
    (portal_state,) = state.values()
    assert portal_state["needs_browser"] is True
    assert any(u.endswith("/challenge412.html") for u in portal_state["browser_urls"])


def test_size_limit_timeout_truncation_and_soft_404_are_recorded(crawl):
    huge = entries_for(crawl, "/huge.zip")
    assert huge[0]["role"] == "error" and huge[0]["reason"].startswith("max-size")
    headers, _ = read_record_block(crawl["out"] / "warc", huge[0]["warc_file"], huge[0]["warc_offset"],
                                   huge[0]["warc_length"])
    assert headers["WARC-Truncated"] == "length"
    truncated = entries_for(crawl, "/nb/202401/truncated.pdf")
    assert truncated and all(e["reason"].startswith("truncated") for e in truncated)
    headers, _ = read_record_block(crawl["out"] / "warc", truncated[0]["warc_file"], truncated[0]["warc_offset"],
                                   truncated[0]["warc_length"])
    assert headers["WARC-Truncated"] == "disconnect"
    slow = entries_for(crawl, "/slow.html")
    assert slow and slow[-1]["role"] == "error" and slow[-1]["reason"].startswith("timeout")
    assert entries_for(crawl, "/soft404.html")[0]["reason"].startswith("soft-404")


def test_redirects_are_logged_and_followed(crawl):
    (hop,) = entries_for(crawl, "/redirect")
    assert hop["status"] == 302 and hop["reason"] == "redirect: 302 to /nb/"


def test_state_cdxj_and_wacz(crawl):
    state = json.loads((crawl["out"] / "state" / "portals.json").read_text())
    (portal_state,) = state.values()
    assert any(c.endswith("/nb/") for c in portal_state["columns"])
    assert "trs" in portal_state["families"]
    cdxj = (crawl["dir"] / "index.cdxj").read_text()
    assert "t20240125_1.html" in cdxj
    wacz = next(crawl["dir"].glob("*.wacz"))
    with zipfile.ZipFile(wacz) as zf:
        names = zf.namelist()
        pages = zf.read("pages/pages.jsonl").decode()
    assert any(n.startswith("archive/") and n.endswith(".warc.gz") for n in names)
    assert "datapackage.json" in names and "t20240125_1.html" in pages
    check = subprocess.run([str(Path(sys.executable).with_name("wacz")), "validate", "-f", str(wacz)],
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0 and "is valid" in check.stdout + check.stderr, check.stdout + check.stderr


def test_pywb_replays_the_report_page_as_served(crawl, tmp_path):
    portal = crawl["portal"]
    url = portal.base + "/nb/202401/t20240125_1.html"
    status, headers, body = replay(sorted((crawl["out"] / "warc").glob("*.warc.gz")), url, tmp_path)
    assert status == "200 Fine"
    assert body == gzip.decompress(split_http_head(portal.sent["/nb/202401/t20240125_1.html"])[1])
    assert headers.get("X-Archive-Orig-Content-Encoding") == "gzip"


def test_private_destinations_are_refused_without_allow_private(tmp_path):
    with MockPortal() as portal:
        seeds = tmp_path / "seeds.csv"
        seeds.write_text(f"agency,url,notes\n测试县人民政府,{portal.base}/,official\n"
                         f"测试县教育局,http://localhost:{portal.port}/nb/,official\n",
                         encoding="utf-8")
        proc = nianbao_crawl(seeds, tmp_path / "out", *FAST, "-s", "NIANBAO_WACZ=0")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert portal.hits == {}
    (crawl_dir,) = list((tmp_path / "out" / "crawls").iterdir())
    entries = list(read_log(crawl_dir / "log.jsonl"))
    assert len(entries) == 2
    assert all(e["role"] == "error" and e["reason"].startswith("private-address") for e in entries)


def test_bad_seed_file_is_a_clear_error(tmp_path):
    seeds = tmp_path / "seeds.csv"
    seeds.write_text("agency,url\n某县,ftp://x\n", encoding="utf-8")
    proc = nianbao_crawl(seeds, tmp_path / "out")
    assert proc.returncode == 2 and "http(s) url" in proc.stderr


def test_a_seed_may_override_robots_only_with_a_recorded_reason(tmp_path):
    with MockPortal() as portal:
        seeds = tmp_path / "seeds.csv"
        seeds.write_text(f"agency,url,notes\n测试县人民政府,{portal.base}/private/secret.html,"
                         "official; robots: ignore 县政府办书面同意为存档抓取\n", encoding="utf-8")
        proc = nianbao_crawl(seeds, tmp_path / "out", "--allow-private", *FAST, "-s", "NIANBAO_WACZ=0")
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert portal.hits["/private/secret.html"] == 1
    (crawl_dir,) = list((tmp_path / "out" / "crawls").iterdir())
    entries = list(read_log(crawl_dir / "log.jsonl"))
    assert any(e["reason"] == "robots-override: 县政府办书面同意为存档抓取" for e in entries)
    summary = json.loads((crawl_dir / "summary.json").read_text())
    assert summary["portals"][0]["robots_override"] == "县政府办书面同意为存档抓取"
