"""The browser path's parts on a local mock server (edge cases as endpoints): the recording proxy
keeps the server's bytes; Chromium renders client-side lists, handles downloads, survives a crash
and a hung page, and always closes its pages."""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crawler import rawhttp
from crawler.browser.recproxy import TOKEN_HEADER, RecordingProxy, parse_request_head
from crawler.browser.session import BrowserSession

LIST_HTML = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>年报</title></head><body>"
             "<ul id='list'><li>加载中……</li></ul><script>fetch('/api.json').then(r=>r.json()).then(d=>{"
             "document.getElementById('list').innerHTML=d.map(x=>'<li><a href=\"'+x.u+'\">'+x.t+'</a></li>').join('');"
             "});</script></body></html>").encode()
API_JSON = '[{"u":"/a/1.html","t":"某县2023年政府信息公开工作年度报告"},{"u":"/a/2.html","t":"某县2022年报"}]'.encode()
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
GZ_PAGE = gzip.compress("<html><body><p>压缩的页面</p></body></html>".encode(), mtime=0)


def chunked(data: bytes, size: int = 7) -> bytes:
    return b"".join(b"%x\r\n" % len(data[i:i + size]) + data[i:i + size] + b"\r\n"
                    for i in range(0, len(data), size)) + b"0\r\n\r\n"


RAW = {
    "/list": b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n" % len(LIST_HTML)
             + LIST_HTML,
    "/api.json": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                 + chunked(API_JSON),
    "/gz": b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
           b"Transfer-Encoding: chunked\r\nX-Odd:  two  spaces \r\n\r\n" + chunked(GZ_PAGE, 5),
    "/doc.pdf": b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
                b"filename=r.pdf\r\nContent-Length: %d\r\n\r\n" % len(PDF) + PDF,
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path.startswith("http://"):
            path = "/" + path.split("/", 3)[3]
        self.server.seen.append((path, dict(self.headers)))
        if path == "/hang":
            time.sleep(8)
            return
        raw = RAW.get(path) or b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        self.wfile.write(raw)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", httpd
    httpd.shutdown()


def test_request_head_parsing():
    method, target, headers = parse_request_head(b"GET http://a.gov.cn/x?y=1 HTTP/1.1\r\nHost: a.gov.cn\r\n"
                                                 b"X-Nianbao-Capture: t1\r\n\r\n")
    assert (method, target) == ("GET", "http://a.gov.cn/x?y=1")
    assert (b"X-Nianbao-Capture", b"t1") in headers


def test_recording_proxy_relays_and_records_the_servers_bytes(server):
    base, _ = server
    recorded = []

    async def go():
        proxy = await RecordingProxy(lambda token, ex: recorded.append((token, ex))).start()
        try:
            got = await rawhttp.fetch("GET", f"{base}/gz", [(b"X-Nianbao-Capture", b"tok1")], proxy=proxy.url)
            untagged = await rawhttp.fetch("GET", f"{base}/gz", [], proxy=proxy.url)
        finally:
            await proxy.close()
        return got, untagged

    got, untagged = asyncio.run(go())
    assert got.response_block == RAW["/gz"]  # what the client got is what the server sent
    (token, ex), = recorded
    assert token == "tok1" and ex.response_block == RAW["/gz"]  # and so is what was recorded
    assert TOKEN_HEADER not in ex.request_block.lower()  # our tag never reaches the server
    assert untagged.status == 403  # requests not tied to a page (browser housekeeping) never go out


@pytest.mark.browser
def test_chromium_renders_lists_records_xhr_downloads_and_recovers(server, tmp_path):
    base, httpd = server
    exchanges: list[tuple[str | None, rawhttp.RawExchange]] = []

    async def go():
        proxy = await RecordingProxy(lambda token, ex: exchanges.append((token, ex))).start()
        session = BrowserSession(proxy_url=proxy.url, pages_per_context=2, max_contexts=1, page_timeout=3,
                                 settle=1.0, screenshots=True)
        out = {}
        try:
            out["list"] = await session.render(f"{base}/list", site="a", token="t-list", header="X-Nianbao-Capture")
            out["pdf"] = await session.render(f"{base}/doc.pdf", site="a", token="t-pdf", header="X-Nianbao-Capture")
            for n in range(3):  # a third context: the cap replaced the first two
                await session.render(f"{base}/list?n={n}", site="a", token=f"t{n}", header="X-Nianbao-Capture")
            out["open_pages"] = sum(len(c.context.pages) for c in session._contexts.values())
            out["contexts"] = len(session._contexts)
            pid = session.browser_pid()
            os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.5)
            out["after_crash"] = await session.render(f"{base}/list", site="b", token="t-crash",
                                                      header="X-Nianbao-Capture")
            out["new_pid"] = session.browser_pid() != pid
            started = time.monotonic()
            out["hang"] = await session.render(f"{base}/hang", site="b", token="t-hang", header="X-Nianbao-Capture")
            out["hang_s"] = time.monotonic() - started
            out["after_hang"] = await session.render(f"{base}/list", site="b", token="t-ok", header="X-Nianbao-Capture")
            out["restarts"] = session.restarts
        finally:
            await session.close()
            await proxy.close()
        return out

    out = asyncio.run(go())
    # the list the script built from the XHR answer is in the DOM
    assert '<a href="/a/1.html">某县2023年政府信息公开工作年度报告</a>' in out["list"].html
    assert out["list"].screenshot.startswith(b"\x89PNG")
    by_token = {}
    for token, ex in exchanges:
        by_token.setdefault(token, []).append(ex)
    urls = {ex.url.removeprefix(base): ex for ex in by_token["t-list"]}
    assert urls["/list"].response_block == RAW["/list"] and urls["/api.json"].response_block == RAW["/api.json"]
    # the download: reported as such, and its bytes recorded whole by the proxy
    assert out["pdf"].download and out["pdf"].html is None
    (pdf,) = by_token["t-pdf"]
    assert pdf.response_block == RAW["/doc.pdf"]
    # pages closed, contexts capped
    assert out["open_pages"] == 0 and out["contexts"] == 1
    # a killed browser is restarted on the next page
    assert out["after_crash"].html and "/a/1.html" in out["after_crash"].html and out["new_pid"]
    # a hung page fails in bounded time, and the browser still works afterwards
    assert out["hang"].html is None or "加载中" not in (out["hang"].html or "")
    assert out["hang_s"] < 3 + 1.0 + 15 + 5
    assert out["after_hang"].html and "/a/1.html" in out["after_hang"].html
    assert out["restarts"] >= 1
    # the browser's User-Agent is the crawler's own choice, never touched by our proxy tag
    assert all("X-Nianbao-Capture" not in h and "x-nianbao-capture" not in h for _, h in httpd.seen)


def _service(tmp_path, **overrides):
    from scrapy.utils.test import get_crawler

    from crawler import settings as module
    from crawler.browser.service import BrowserService

    values = {k: getattr(module, k) for k in dir(module) if k.isupper()}
    values.update(NIANBAO_OUT_DIR=str(tmp_path), NIANBAO_BROWSER=True, NIANBAO_CDXJ=False, NIANBAO_WACZ=False,
                  NIANBAO_BROWSER_SETTLE=1.0, NIANBAO_BROWSER_PAGE_TIMEOUT=5.0, **overrides)
    return BrowserService.for_crawler(get_crawler(settings_dict=values))


@pytest.mark.browser
def test_service_archives_page_xhr_dom_and_download_and_guards_private_addresses(server, tmp_path, monkeypatch):
    from scrapy import Request
    from warcio.archiveiterator import ArchiveIterator

    from archive.crawllog import read_log
    from crawler.browser import BROWSER_META

    base, _ = server
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    meta = {BROWSER_META: True, "nb": {"kind": "column", "via": "browser", "scope": "127.0.0.1",
                                       "seed_url": f"{base}/list", "seed_agency": "某县人民政府"}}

    async def go(service):
        try:
            page = await service.fetch(Request(f"{base}/list", meta=dict(meta)))
            pdf = await service.fetch(Request(f"{base}/doc.pdf", meta=dict(meta)))
            return page, pdf
        finally:
            await service.close()

    service = _service(tmp_path / "ok", NIANBAO_ALLOW_PRIVATE=True)
    page, pdf = asyncio.run(go(service))
    service.recorder.close()
    assert "/a/1.html" in page.text and page.headers[b"X-Nianbao-Via"] == b"browser"
    assert pdf.body == PDF and pdf.headers[b"Content-Type"] == b"application/pdf"  # the download, whole
    records = {}
    for f in (tmp_path / "ok" / "warc").glob("*.warc.gz"):
        with open(f, "rb") as fh:
            for rec in ArchiveIterator(fh, no_record_parse=True):
                records.setdefault(rec.rec_type, []).append(
                    (rec.rec_headers.get_header("WARC-Target-URI"), rec.rec_headers.get_header("WARC-Record-ID"),
                     rec.rec_headers.get_header("WARC-Concurrent-To"), rec.raw_stream.read()))
    responses = {uri.removeprefix(base): (rid, block) for uri, rid, _, block in records["response"]}
    for path in ("/list", "/api.json", "/doc.pdf"):
        assert responses[path][1] == RAW[path], path
    (dom,) = [r for r in records["resource"] if r[0].startswith("urn:nianbao:dom:")]
    assert dom[2] == responses["/list"][0] and b'<a href="/a/1.html">' in dom[3]
    log = list(read_log(next((tmp_path / "ok" / "crawls").glob("*/log.jsonl"))))
    assert {e["via"] for e in log} == {"browser"} and any(e["url"].endswith("/api.json") for e in log)

    guarded = _service(tmp_path / "guarded", NIANBAO_ALLOW_PRIVATE=False)
    with pytest.raises(Exception, match="no response"):
        asyncio.run(go(guarded))
    guarded.recorder.close()


def test_scripts_requests_obey_robots_txt_as_the_page_did(tmp_path):
    from types import SimpleNamespace

    from scrapy import Request
    from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
    from scrapy.robotstxt import ProtegoRobotParser

    service = _service(tmp_path, NIANBAO_ALLOW_PRIVATE=True)  # (no name lookups in tests)
    robots = RobotsTxtMiddleware(service.crawler)
    robots._parsers["www.a.gov.cn"] = ProtegoRobotParser.from_crawler(service.crawler,
                                                                      b"User-agent: *\nDisallow: /api/\n")
    service.crawler.engine = SimpleNamespace(downloader=SimpleNamespace(middleware=SimpleNamespace(middlewares=[robots])))
    page = Request("http://www.a.gov.cn/list.html", meta={"nb": {"scope": "a.gov.cn"}})
    service.jobs["tok"] = type("Job", (), {"request": page, "exchanges": []})()
    assert service.permit("http://www.a.gov.cn/api/list.json", "tok").startswith("robots-disallow")
    assert service.permit("http://www.a.gov.cn/data/list.json", "tok") is None
    assert service.permit("http://www.b.gov.cn/data/list.json", "tok").startswith("out-of-scope")
    overridden = Request(page.url, meta={"nb": {"scope": "a.gov.cn"}, "dont_obey_robotstxt": True})
    service.jobs["tok"].request = overridden  # a seed's recorded robots override covers its scripts too
    assert service.permit("http://www.a.gov.cn/api/list.json", "tok") is None
    service.recorder.close()
