"""Seeds whose notes ask for a browser: their pages are rendered from the first request on,
https included (the recording proxy terminates TLS and records what upstream sent)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from test_browser_farm import payload

from archive.crawllog import read_log
from archive.warc import read_record_block

pytestmark = pytest.mark.browser

SEEDS = ("agency,url,notes\n"
         "金水县审计局,http://www.jinshui.gov.cn/xxgk/bm/sjj/nb/,列表由浏览器加载 (needs a browser)\n"
         "浏阳市农业农村局,http://www.liuyang.gov.cn/zwgk/bm/nyj/zfxxgknb/,needs a browser\n")


@pytest.fixture(scope="module")
def hinted(farm, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hinted")
    (tmp / "seeds.csv").write_text(SEEDS, encoding="utf-8")
    env = dict(os.environ, http_proxy=farm.proxy, https_proxy=farm.proxy)
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    proc = subprocess.run([sys.executable, "-m", "nianbao.cli", "crawl", "--seeds", str(tmp / "seeds.csv"),
                           "--out", str(tmp / "out"), "-s", "NIANBAO_BROWSER=1", "-s", "DOWNLOAD_DELAY=0.1",
                           "-s", "AUTOTHROTTLE_START_DELAY=0.1"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (crawl_dir,) = list((tmp / "out" / "crawls").iterdir())
    return tmp / "out", list(read_log(crawl_dir / "log.jsonl"))


def test_hinted_seeds_are_rendered_from_the_start_and_their_reports_found(farm, hinted):
    _, log = hinted
    for seed in ("http://www.jinshui.gov.cn/xxgk/bm/sjj/nb/", "http://www.liuyang.gov.cn/zwgk/bm/nyj/zfxxgknb/"):
        first = next(e for e in log if e["url"] == seed)
        assert first["via"] == "browser", first
    wanted = [r for r in farm.manifest["reports"]
              if r["seed_agency"] in ("金水县审计局", "浏阳市农业农村局") and not r.get("robots_disallowed")]
    assert {r["host"] for r in wanted} == {"www.jinshui.gov.cn", "www.liuyang.gov.cn"}
    for r in wanted:
        lines = [e for e in log if e["role"] == "report" and e["url"] in (r["page_url"], r["page_url"].replace(
            "http://", "https://"))]
        assert [(e["agency"], e["year"], e["via"]) for e in lines] == [(r["agency"], r["year"], "browser")], r["page_url"]
    # documents are fetched by the plain path, with the browser's cookies
    assert any(e["role"] == "attachment" and e["via"] == "http" and e["status"] == 200 for e in log)


def test_https_pages_through_the_browser_hold_the_servers_bytes(farm, hinted):
    out, log = hinted
    pages = [e for e in log if e["via"] == "browser" and e["url"].startswith("https://") and e["status"] == 200
             and "html" in (e["content_type"] or "") and e.get("warc_record_id")]
    assert pages
    for e in pages:
        _, block = read_record_block(out / "warc", e["warc_file"], e["warc_offset"], e["warc_length"])
        _, body = payload(block)
        _, served = farm.farm.raw_document(e["url"])
        assert body == served, e["url"]
