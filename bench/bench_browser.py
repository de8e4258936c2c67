"""The browser path under load: pages/s through Chromium, and Chromium's memory over 1,000 pages.

The farm serves an extra virtual host for this run, ``www.spa1000.gov.cn``: 1,000 list pages
rendered client-side (each page's script fetches its JSON and builds the list of links). The
crawl's own browser path (crawler.browser.service: recording proxy, Chromium with the brief's
flags, contexts capped and recycled, WARC capture of every exchange plus the rendered DOM) renders
every page through the farm proxy, ``NIANBAO_BROWSER_MAX_PAGES`` at a time.

Figures: pages/s, the share of pages whose DOM holds the script-built list, WARC bytes, and the
summed RSS of Chromium's process tree sampled every 50 pages. Target (issue 6): memory stays
flat, under 1.5 GB.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

PAGES = 1000
HOST = "www.spa1000.gov.cn"
RSS_LIMIT_MB = 1500.0


def add_client_rendered_site(built_farm, pages: int = PAGES) -> None:
    """A 1,000-page client-rendered site on the running farm (JSON fetched by the page's script)."""
    from farm.model import Resource, Site

    site = Site(HOST)
    for n in range(1, pages + 1):
        records = [{"t": f"示例县第{n}页第{i}条 政府信息公开", "u": f"/xxgk/c/{n}-{i}.shtml"} for i in range(10)]
        site.add(f"/api/list_{n}.json", Resource("application/json; charset=utf-8",
                                                  json.dumps(records, ensure_ascii=False).encode()))
        html = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>政府信息公开年报_示例县</title></head><body>"
                f"<ul id='list'><li>加载中……</li></ul><script>fetch('/api/list_{n}.json').then(r=>r.json())"
                ".then(d=>{document.getElementById('list').innerHTML=d.map(x=>'<li><a href=\"'+x.u+'\">'+x.t+"
                "'</a></li>').join('');});</script></body></html>")
        site.add_html(f"/xxgk/nb/index_{n}.html", html)
    built_farm.sites[HOST] = site


def _settings(out: Path) -> dict:
    from crawler import settings as module

    values = {k: getattr(module, k) for k in dir(module) if k.isupper()}
    values.update(NIANBAO_OUT_DIR=str(out), NIANBAO_BROWSER=True, NIANBAO_CDXJ=False, NIANBAO_WACZ=False)
    return values


async def _crawl(crawler, proxy_url: str, pages: int) -> dict:
    from scrapy import Request

    from crawler.browser import BROWSER_META
    from crawler.browser.service import BrowserService
    from crawler.browser.session import tree_pss_bytes, tree_rss_bytes

    service = BrowserService.for_crawler(crawler)
    limit = asyncio.Semaphore(crawler.settings.getint("NIANBAO_BROWSER_MAX_PAGES"))
    samples: list[tuple[int, float, float]] = []
    done = {"pages": 0, "with_list": 0, "errors": 0}

    async def one(n: int) -> None:
        url = f"http://{HOST}/xxgk/nb/index_{n}.html"
        request = Request(url, meta={BROWSER_META: True, "nb": {"kind": "column", "via": "browser",
                                                                 "scope": "spa1000.gov.cn"}})
        async with limit:
            try:
                response = await service.fetch(request)
                if f"/xxgk/c/{n}-9.shtml" in response.text:
                    done["with_list"] += 1
            except Exception:
                done["errors"] += 1
        done["pages"] += 1
        if done["pages"] % 50 == 0 and service.session is not None and service.session.browser_pid():
            pid = service.session.browser_pid()
            samples.append((done["pages"], tree_rss_bytes(pid) / 2**20, tree_pss_bytes(pid) / 2**20))

    started = time.perf_counter()
    try:
        await asyncio.gather(*(one(n) for n in range(1, pages + 1)))
    finally:
        elapsed = time.perf_counter() - started
        restarts = service.session.restarts if service.session else 0
        await service.close()
    return dict(done, elapsed=elapsed, samples=samples, restarts=restarts)


def run(pages: int = PAGES) -> dict:
    from scrapy.utils.test import get_crawler

    from crawler.recorder import CrawlRecorder
    from farm import FarmServer, build_farm

    if not shutil.which("chromium"):
        raise RuntimeError("Debian's chromium is not installed")
    built = build_farm()
    add_client_rendered_site(built, pages)
    server = FarmServer(built).start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    saved = {k: os.environ.get(k) for k in ("http_proxy", "https_proxy", "no_proxy", "NO_PROXY")}
    os.environ.update(http_proxy=server.proxy_url, https_proxy=server.proxy_url)
    os.environ.pop("no_proxy", None)
    os.environ.pop("NO_PROXY", None)
    try:
        crawler = get_crawler(settings_dict=_settings(tmp))
        result = asyncio.run(_crawl(crawler, server.proxy_url, pages))
        recorder = CrawlRecorder.for_crawler(crawler)
        recorder.close()
        warc_bytes = sum(p.stat().st_size for p in (tmp / "warc").glob("*.warc.gz"))
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)
    samples = result["samples"]
    rss = [mb for _, mb, _ in samples]
    pss = [mb for _, _, mb in samples]
    quarter = max(1, len(rss) // 4)
    first, last = sum(rss[:quarter]) / quarter if rss else 0.0, sum(rss[-quarter:]) / quarter if rss else 0.0
    figures = {
        "pages": result["pages"],
        "pages_with_script_built_list": result["with_list"],
        "errors": result["errors"],
        "browser_restarts": result["restarts"],
        "elapsed_s": round(result["elapsed"], 1),
        "pages_per_s": round(result["pages"] / result["elapsed"], 2),
        "warc_mb": round(warc_bytes / 2**20, 1),
        "chromium_rss_mb_samples": [[n, round(mb)] for n, mb, _ in samples],
        "chromium_pss_mb_samples": [[n, round(mb)] for n, _, mb in samples],
        "chromium_pss_mb_max": round(max(pss), 1) if pss else None,
        "chromium_rss_mb_max": round(max(rss), 1) if rss else None,
        "chromium_rss_mb_first_quarter": round(first, 1),
        "chromium_rss_mb_last_quarter": round(last, 1),
        "target_rss_mb": RSS_LIMIT_MB,
        "meets_target": bool(rss) and max(rss) < RSS_LIMIT_MB and last <= first * 1.5,
    }
    print(f"browser: {figures['pages']} client-rendered pages in {figures['elapsed_s']} s = "
          f"{figures['pages_per_s']} pages/s ({figures['pages_with_script_built_list']} with the script-built list, "
          f"{figures['errors']} errors, {figures['browser_restarts']} restarts); WARC {figures['warc_mb']} MB")
    print(f"browser: Chromium RSS (process tree) first quarter {figures['chromium_rss_mb_first_quarter']} MB, "
          f"last quarter {figures['chromium_rss_mb_last_quarter']} MB, max {figures['chromium_rss_mb_max']} MB "
          f"(target: flat, < {RSS_LIMIT_MB:g} MB) -> {'ok' if figures['meets_target'] else 'MISSED'}; "
          f"PSS max {figures['chromium_pss_mb_max']} MB")
    return figures


if __name__ == "__main__":
    import sys

    print(json.dumps(run(int(sys.argv[1]) if len(sys.argv) > 1 else PAGES), indent=2))
