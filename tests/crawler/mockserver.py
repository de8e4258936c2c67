"""A small portal on 127.0.0.1 with the HTTP edge cases as endpoints (Scrapy's mockserver style).

It writes raw bytes to the socket, so a test can compare the WARC record with exactly what was
sent (``MockPortal.sent[path]``): gzip bodies, chunked framing, a header without a space, bare
reason phrases, 429 with Retry-After, 503 then OK, robots disallow, redirects, a truncated body,
a huge body, JS challenge and WAF pages, a slow page, a soft 404.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SITE = "测试县人民政府"


def page(title: str, body: str, charset: str = "utf-8") -> bytes:
    return (f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">'
            f'<title>{title}</title><meta name="SiteName" content="{SITE}"></head>'
            f'<body><div class="main">{body}</div></body></html>').encode(charset)


REPORT_TITLE = "测试县卫生健康局2023年政府信息公开工作年度报告"
HOME = page(SITE, """<ul>
<li><a href="/nb/">政府信息公开年报</a></li>
<li><a href="/redirect">旧版年报栏目</a></li>
<li><a href="/private/secret.html">内部</a></li>
<li><a href="/ratelimited.html">通知公告</a></li>
<li><a href="/flaky.html">政务公开</a></li>
<li><a href="/challenge412.html">网上办事</a></li>
<li><a href="/challenge521.html">互动交流</a></li>
<li><a href="/safedog.html">专题专栏</a></li>
<li><a href="/slow.html">走进测试</a></li>
<li><a href="/soft404.html">旧版网站</a></li>
<li><a href="/huge.zip">数据下载</a></li>
<li><a href="/gate/big5/127.0.0.1/nb/">繁體版</a></li>
<li><a href="http://mirror.example.com/nb/">镜像</a></li>
</ul>""")
COLUMN = page(f"政府信息公开年报_{SITE}", f"""<ul class="list">
<li><a href="./202401/t20240125_1.html" title="{REPORT_TITLE}">测试县卫生健康局2023年政府信息公...</a></li>
<li><a href="./202401/t20240120_2.html">《测试县人民政府2023年政府信息公开工作年度报告》解读</a></li>
<li><a href="./202402/t20240210_3.html">测试县2023年政务公开工作要点</a></li>
<li><a href="./202403/t20240301_4.html">测试县人民政府2023年政府信息公开工作年度报告</a></li>
</ul>""")
REPORT = page(REPORT_TITLE, f"""<h2 class="title">{REPORT_TITLE}</h2>
<div class="TRS_Editor"><p>一、总体情况</p><p>二、主动公开政府信息情况</p></div>
<p>附件：<a href="./P020240125000001.pdf">{REPORT_TITLE}.pdf</a> <a href="./truncated.pdf">附件3.pdf</a></p>
<div class="fj"><script>if("a" != ""){{document.write('<a href="./P020240125000002.doc">附件2.doc</a>');}}</script></div>""")
LOOKALIKE = page(f"《测试县人民政府2023年政府信息公开工作年度报告》解读_{SITE}", "<p>现就年报内容进行如下解读。</p>")
GOV_REPORT = page("测试县人民政府2023年政府信息公开工作年度报告", "<p>一、总体情况</p>", charset="gbk")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CHALLENGE_412 = (b"<html><head><meta content=\"mNtbcpRT3DsAvpSdspVMUfLV74.Sb5v3\" r=\"m\">"
                 b"<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={};$_ts.nsd=4136;"
                 b"$_ts.cd=\"qEzDrr\";if($_ts.lcd)$_ts.lcd();</script></head><body></body></html>")
CHALLENGE_521 = (b"<script>document.cookie=('__jsl_clearance_s=')+('1700000000.1|0|abc')+';max-age=3600;path=/';"
                 b"location.href=location.pathname+location.search</script>")
SAFEDOG = page("服务器安全狗防护验证页面", '<script>self.location="/safedog.html?x=1"</script>')


class MockPortal:
    """Serves the endpoints on 127.0.0.1:<ephemeral>; records the bytes sent per path."""

    def __init__(self) -> None:
        self.sent: dict[str, bytes] = {}
        self.hits: dict[str, int] = defaultdict(int)
        self.requests: list[tuple[str, dict]] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                portal.requests.append((self.path, dict(self.headers)))
                portal.hits[self.path] += 1
                portal.answer(self)

            do_POST = do_GET

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> MockPortal:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- answers --------------------------------------------------------------------------------
    def send(self, handler: BaseHTTPRequestHandler, raw: bytes, *, close: bool = False) -> None:
        self.sent[handler.path] = raw
        handler.wfile.write(raw)
        handler.wfile.flush()
        if close:
            handler.close_connection = True
            try:
                handler.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def simple(self, handler, status: str, body: bytes, ctype: str = "text/html; charset=utf-8",
               extra: str = "") -> None:
        head = (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n{extra}"
                "Server: mock\r\n\r\n").encode("latin-1")
        self.send(handler, head + body)

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        n = self.hits[path]
        if path == "/robots.txt":
            return self.simple(h, "200 OK", b"User-agent: *\nDisallow: /private/\n", "text/plain")
        if path == "/":
            return self.simple(h, "200 OK", HOME)
        if path == "/nb/":
            # gzip-encoded and chunked in two pieces, with an odd header: kept byte for byte
            body = gzip.compress(COLUMN, mtime=0)
            cut = len(body) // 2
            chunks = b"%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n" % (cut, body[:cut], len(body) - cut, body[cut:])
            head = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
                    b"Transfer-Encoding: chunked\r\nX-Mock:odd\r\n\r\n")
            return self.send(h, head + chunks)
        if path == "/nb/202401/t20240125_1.html":
            body = gzip.compress(REPORT, mtime=0)
            head = (b"HTTP/1.1 200 Fine\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
                    b"Content-Length: %d\r\n\r\n" % len(body))
            return self.send(h, head + body)
        if path == "/nb/202401/t20240120_2.html":
            return self.simple(h, "200 OK", LOOKALIKE)
        if path == "/nb/202402/t20240210_3.html":
            return self.simple(h, "200 OK", page(f"测试县2023年政务公开工作要点_{SITE}", "<p>要点</p>"))
        if path == "/nb/202403/t20240301_4.html":
            return self.simple(h, "200 OK", GOV_REPORT, "text/html")  # GBK, labelled in meta only
        if path in ("/nb/202401/P020240125000001.pdf", "/nb/202401/P020240125000002.doc"):
            return self.simple(h, "200 OK", PDF, "application/pdf")
        if path == "/redirect":
            return self.simple(h, "302 Found", b"", extra="Location: /nb/\r\n")
        if path == "/private/secret.html":
            return self.simple(h, "200 OK", page("secret", "must not be fetched"))
        if path == "/ratelimited.html":
            if n == 1:
                return self.simple(h, "429 Too Many Requests", b"slow down", extra="Retry-After: 1\r\n")
            return self.simple(h, "200 OK", page("通知公告", "<p>ok</p>"))
        if path == "/flaky.html":
            if n == 1:
                return self.simple(h, "503 Service Unavailable", b"busy", extra="Retry-After: 1\r\n")
            return self.simple(h, "200 OK", page("政务公开", "<p>ok</p>"))
        if path == "/challenge412.html":
            return self.simple(h, "412 Precondition Failed", CHALLENGE_412)
        if path == "/challenge521.html":
            return self.simple(h, "521 Origin Down", CHALLENGE_521, "text/html")
        if path == "/safedog.html":
            return self.simple(h, "200 OK", SAFEDOG, extra="X-Powered-By: Safedog\r\n")
        if path == "/slow.html":
            time.sleep(3)
            return self.simple(h, "200 OK", page("slow", "late"))
        if path == "/soft404.html":
            return self.simple(h, "200 OK", page("页面不存在", "<h2>非法请求 404！</h2>"))
        if path == "/huge.zip":
            size = 5 * 65536 * 16
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: %d\r\n\r\n" % size
            self.sent[path] = head
            try:
                h.wfile.write(head)
                for _ in range(size // 65536):
                    h.wfile.write(b"\0" * 65536)
            except OSError:
                pass
            h.close_connection = True
            return None
        if path == "/nb/202401/truncated.pdf":
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/pdf\r\nContent-Length: 5000\r\n\r\n"
            return self.send(h, head + PDF, close=True)
        return self.simple(h, "404 Not Found", b"not here")


class StaticPortal(MockPortal):
    """A portal of fixed pages instead of the edge cases: ``pages`` maps a path to
    (content type, body), or is a function of the path returning that or None (a 404)."""

    def __init__(self, pages) -> None:
        super().__init__()
        self.pages = pages

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        found = self.pages(h.path) if callable(self.pages) else self.pages.get(h.path)
        if h.path == "/robots.txt" and found is None:
            found = ("text/plain", b"User-agent: *\nAllow: /\n")
        if found is None:
            return self.simple(h, "404 Not Found", page("页面不存在", "<p>404 页面不存在</p>"))
        return self.simple(h, "200 OK", found[1], found[0])
