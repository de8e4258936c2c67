"""Hostile behaviour a minority of real portals show, as middlewares and extra routes on a Site.

Each behaviour has a name (recorded in the manifest's ``portals[].hostile``); `prepare` runs before
the portal is laid out (charset, robots, scheme), `apply` after (middlewares, trap routes), and
adds the trap URLs to ``portal.traps``. Challenge cookies are computed by the served JavaScript and
checked by the same arithmetic here, so a real browser passes and a plain HTTP client cannot.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterator

from farm.model import Request, Resource, Response, html_response, redirect, serve_resource

# -- 瑞数-style 412 ------------------------------------------------------------------------------
RS_SCRIPT_PATH = "/LIWghRUPB4QK/oxYRCeR1jjgO.199cf1b.js"
RS_COOKIE = "NfBCSins2OywS"
RS_CLEARANCE = "NfBCSins2OywT"


def rs_token(cd: str, nsd: int) -> str:
    """What the challenge script computes (FNV-1a over $_ts.cd, then nsd % 97 mixing rounds)."""
    h = 2166136261
    for ch in cd:
        h ^= ord(ch)
        h = (h * 16777619) & 0xFFFFFFFF
    for _ in range(nsd % 97):
        h = ((h ^ (h >> 13)) * 1597334677) & 0xFFFFFFFF
    return format(h, "x")


RS_JS = """(function(){var t=window['$_ts'];if(!t||!t.cd)return;var h=2166136261;
for(var i=0;i<t.cd.length;i++){h^=t.cd.charCodeAt(i);h=Math.imul(h,16777619)>>>0;}
for(var k=0;k<t.nsd%97;k++){h=Math.imul(h^(h>>>13),1597334677)>>>0;}
document.cookie='""" + RS_CLEARANCE + """='+h.toString(16)+'; path=/';
location.replace(location.href);})();"""


def _challenge_412(portal) -> Callable:
    secret = hashlib.sha1(f"rs:{portal.host}".encode()).hexdigest()
    cd = "qEzD" + secret[:36]
    nsd = int(secret[36:], 16) % 9000 + 1000
    token = rs_token(cd, nsd)
    meta = secret[:32]

    def middleware(req: Request, nxt: Callable[[Request], Response]) -> Response:
        if req.path == RS_SCRIPT_PATH:
            return Response(200, [("Content-Type", "application/javascript")], RS_JS.encode())
        if req.path == "/robots.txt" or req.cookies.get(RS_CLEARANCE) == token:
            return nxt(req)
        page = ("<!DOCTYPE html><html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                f'<meta content="{meta}" r="m">'
                f"<script type=\"text/javascript\" r='m'>$_ts=window['$_ts'];if(!$_ts)$_ts={{}};$_ts.nsd={nsd};"
                f"$_ts.cd=\"{cd}\";if($_ts.lcd)$_ts.lcd();</script>"
                f'<script type="text/javascript" charset="utf-8" src="{RS_SCRIPT_PATH}" r=\'m\'></script>'
                "</head><body></body></html>")
        resp = html_response(412, page)
        resp.headers.append(("Set-Cookie", f"{RS_COOKIE}={secret[:24]}; Path=/; HttpOnly"))
        resp.compress = False
        return resp

    return middleware


# -- 加速乐-style 521 -----------------------------------------------------------------------------
JSL_COOKIE = "__jsl_clearance_s"


def _jsl_expression(value: str) -> str:
    """A JavaScript expression that evaluates to `value`, char by char through arithmetic."""
    parts = []
    for i, ch in enumerate(value):
        code = ord(ch)
        a = (i * 37 + 11) % 50
        parts.append(f"String.fromCharCode({code + a}-{a})")
    return "+".join(parts)


def _challenge_521(portal) -> Callable:
    secret = hashlib.sha1(f"jsl:{portal.host}".encode()).hexdigest()
    clearance = f"1700000000.{int(secret[:6], 16) % 1000:03d}|0|{secret[6:30]}"

    def middleware(req: Request, nxt: Callable[[Request], Response]) -> Response:
        if req.path == "/robots.txt" or req.cookies.get(JSL_COOKIE) == clearance:
            return nxt(req)
        script = (f"<script>document.cookie=('{JSL_COOKIE}=')+({_jsl_expression(clearance)})"
                  "+';max-age=3600;path=/';location.href=location.pathname+location.search</script>")
        resp = Response(521, [("Content-Type", "text/html"), ("Set-Cookie", f"__jsluid_h={secret[:32]}; max-age=31536000; path=/; HttpOnly")],
                        script.encode())
        resp.compress = False
        return resp

    return middleware


# -- rate limits, flaky and slow hosts ---------------------------------------------------------
def _rate_limit(capacity: float = 8, per_second: float = 5) -> Callable:
    lock = threading.Lock()
    state = {"tokens": capacity, "at": time.monotonic()}

    def middleware(req: Request, nxt: Callable[[Request], Response]) -> Response:
        with lock:
            now = time.monotonic()
            state["tokens"] = min(capacity, state["tokens"] + (now - state["at"]) * per_second)
            state["at"] = now
            if state["tokens"] < 1:
                return Response(429, [("Retry-After", "1"), ("Content-Type", "text/html; charset=utf-8")],
                                "<h1>429 Too Many Requests</h1><p>访问过于频繁，请稍后再试。</p>".encode())
            state["tokens"] -= 1
        return nxt(req)

    return middleware


def _flaky_503() -> Callable:
    lock = threading.Lock()
    counts: dict[str, int] = {}

    def middleware(req: Request, nxt: Callable[[Request], Response]) -> Response:
        if req.path == "/robots.txt":
            return nxt(req)
        with lock:
            n = counts.get(req.url, 0)
            counts[req.url] = n + 1
        if n % 3 == 0:
            return Response(503, [("Content-Type", "text/html; charset=utf-8")],
                            b"<h1>503 Service Temporarily Unavailable</h1>")
        return nxt(req)

    return middleware


SLOW_SECONDS = 0.25


def _slow(req: Request, nxt: Callable[[Request], Response]) -> Response:
    resp = nxt(req)
    if req.path != "/robots.txt" and (resp.header("Content-Type") or "").startswith(("text/html", "application/json")):
        resp.delay = SLOW_SECONDS
    return resp


def _https_only(portal) -> Callable:
    def middleware(req: Request, nxt: Callable[[Request], Response]) -> Response:
        if req.scheme == "http":
            return redirect(f"https://{portal.host}{req.path}" + (f"?{req.query}" if req.query else ""), 301)
        return nxt(req)

    return middleware


# -- soft 404 -------------------------------------------------------------------------------------
def soft_404(req: Request) -> Response:
    return html_response(200, "<html><head><title>页面不存在</title></head><body><div class=\"err\">"
                              "<h2>非法请求 404！</h2><p>对不起，您访问的页面不存在或已被删除。</p>"
                              "<a href=\"/\">返回首页</a></div></body></html>")


# -- traps ----------------------------------------------------------------------------------------
CAL_RE = re.compile(r"^/zwgk/hdjl/rl/(\d{4})-(\d{2})\.html$")


def _calendar(portal) -> Callable:
    def handler(req: Request) -> Response | None:
        m = CAL_RE.match(req.path)
        if not m:
            return None
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12 or not 1000 <= y <= 9999:
            return None
        prev_y, prev_m = (y - 1, 12) if mo == 1 else (y, mo - 1)
        next_y, next_m = (y + 1, 1) if mo == 12 else (y, mo + 1)
        days = "".join(f'<td><a href="/zwgk/hdjl/rl/{y:04d}-{mo:02d}.html?day={d}">{d}</a></td>'
                       for d in range(1, calendar.monthrange(y, mo)[1] + 1))
        body = (f"<h2>活动日历 {y}年{mo}月</h2><table><tr>{days}</tr></table>"
                f'<a href="/zwgk/hdjl/rl/{prev_y:04d}-{prev_m:02d}.html">上个月</a> '
                f'<a href="/zwgk/hdjl/rl/{next_y:04d}-{next_m:02d}.html">下个月</a>')
        return html_response(200, portal.page(f"活动日历_{portal.site_name}", body).replace("{{META_CHARSET}}", ""))

    return handler


def _search(portal) -> Callable:
    def handler(req: Request) -> Response | None:
        params = req.params
        try:
            page = max(1, int(params.get("p", "1") or 1))
        except ValueError:
            page = 1
        q = params.get("q", "年报")
        arts = [a for a in portal.articles() if a.path]
        hits = "".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in arts[page % max(1, len(arts)):][:3])
        base = f"/jsearchfront/search.do?websiteid=430381000000000&tpl=1541&pos=title&q={q}"
        body = (f"<h2>搜索结果：{q}</h2><ul>{hits}</ul>"
                f'<a href="{base}&p={page + 1}&pg=10&begin=&end=">下一页</a> '
                f'<a href="{base}&p={page}&pg=20&sortType=2">按时间排序</a> '
                f'<a href="{base}&p={page}&pg=10&begin={2019 - page % 5}0101&end=">更早</a>')
        return html_response(200, portal.page(f"搜索_{portal.site_name}", body).replace("{{META_CHARSET}}", ""))

    return handler


HUGE_SIZE = 60 * 1024 * 1024


def huge_file_response() -> Response:
    block = (b"PK\x03\x04" + bytes(range(256)) * 16)[:4096]

    def stream() -> Iterator[bytes]:
        chunk = block * 64  # 256 KiB
        sent = 0
        while sent < HUGE_SIZE:
            part = chunk[: HUGE_SIZE - sent]
            sent += len(part)
            yield part

    return Response(200, [("Content-Type", "application/zip")], stream=stream, stream_length=HUGE_SIZE, compress=False)


def truncated_response(data: bytes, content_type: str) -> Response:
    return Response(200, [("Content-Type", content_type)], data, truncate_to=len(data) // 4, compress=False)


# -- Big5 gateway ---------------------------------------------------------------------------------
def _big5_gateway(portal) -> Callable:
    prefix = f"/gate/big5/{portal.host}"
    href = re.compile(r'((?:href|src)=["\'])/(?!/)')

    def handler(req: Request) -> Response | None:
        if not req.path.startswith(prefix):
            return None
        inner = req.path[len(prefix):] or "/"
        resource = portal.site.lookup(inner, req.query)
        if resource is None:
            return None
        if not resource.content_type.startswith("text/html"):
            return serve_resource(req, resource)
        text = resource.body.decode("utf-8", "replace")
        text = href.sub(lambda m: f"{m.group(1)}{prefix}/", text)
        text = text.replace("charset=utf-8", "charset=big5")
        data = _s2t().convert(text).encode("big5", "xmlcharrefreplace")
        return serve_resource(req, Resource("text/html; charset=big5", data, resource.modified))

    return handler


_OPENCC: list = []


def _s2t():
    if not _OPENCC:
        import opencc

        _OPENCC.append(opencc.OpenCC("s2t"))
    return _OPENCC[0]


# -- the registry ---------------------------------------------------------------------------------
def prepare(portal, name: str) -> None:
    """Before layout: what changes how pages are written."""
    if name == "gbk-meta-only":
        portal.charset_mode = "meta-only"
    elif name == "charset-wrong-label":
        portal.charset_mode = "wrong-label"
    elif name == "charset-none":
        portal.charset_mode = "none"
    elif name == "robots-disallow":
        portal.robots_disallow = True
    elif name == "big5-gateway":
        portal.big5_gateway = True
    elif name == "https-redirect":
        portal.scheme = "https"
        portal.site.https = True
    elif name == "calendar-trap":
        portal.home_links.append(("/zwgk/hdjl/rl/2024-01.html", "活动日历"))
    elif name == "search-trap":
        portal.home_links.append(("/jsearchfront/search.do?websiteid=430381000000000&tpl=1541&pos=title&q=年报&p=1",
                                  "年报 (热搜)"))


def apply(portal, name: str) -> None:
    """After layout: middlewares, trap routes, and the manifest's record of them."""
    site = portal.site
    base = f"{portal.scheme}://{portal.host}"
    portal.hostile.append(name)
    if name == "js-challenge-412":
        site.middlewares.insert(0, _challenge_412(portal))
        portal.needs_browser = True
        portal.traps.append({"url_prefix": f"{base}/", "kind": "js-challenge-412"})
    elif name == "js-challenge-521":
        site.middlewares.insert(0, _challenge_521(portal))
        portal.needs_browser = True
        portal.traps.append({"url_prefix": f"{base}/", "kind": "js-challenge-521"})
    elif name == "rate-limit-429":
        site.middlewares.append(_rate_limit())
    elif name == "503-then-ok":
        site.middlewares.append(_flaky_503())
    elif name == "slow":
        site.middlewares.append(_slow)
    elif name == "https-redirect":
        site.middlewares.insert(0, _https_only(portal))
    elif name == "soft-404":
        site.not_found = soft_404
        portal.traps.append({"url_prefix": f"{base}/", "kind": "soft-404",
                             "example": f"{base}/zwgk_229/nosuchpage.htm"})
    elif name == "calendar-trap":
        site.handle_prefix("/zwgk/hdjl/rl/", _calendar(portal))
        portal.traps.append({"url_prefix": f"{base}/zwgk/hdjl/rl/", "kind": "calendar"})
    elif name == "search-trap":
        site.handle_prefix("/jsearchfront/search.do", _search(portal))
        portal.traps.append({"url_prefix": f"{base}/jsearchfront/search.do", "kind": "search"})
    elif name == "big5-gateway":
        site.handle_prefix(f"/gate/big5/{portal.host}", _big5_gateway(portal))
        portal.traps.append({"url_prefix": f"{base}/gate/big5/{portal.host}/", "kind": "big5-gateway"})
    elif name == "moved-301-home":
        old = "/xxgk/zfxxgknb/"
        site.handle_prefix(old, lambda req: redirect("/", 301))
        portal.moved_from = old
        portal.traps.append({"url_prefix": f"{base}{old}", "kind": "redirect-home"})
    elif name == "huge-file":
        path = "/apxxgk/tjsj/P020240115000000000001.zip"
        site.handle_prefix(path, lambda req: huge_file_response() if req.path == path else None)
        portal.attach_trap_page("统计年鉴（2023）数据下载", path, "huge-file")
    elif name == "truncated-body":
        path = "/apxxgk/tjsj/P020240116000000000002.pdf"
        data = b"%PDF-1.4\n" + b"%" + b"x" * 200_000 + b"\n%%EOF\n"
        site.handle_prefix(path, lambda req: truncated_response(data, "application/pdf") if req.path == path else None)
        portal.attach_trap_page("2023年统计公报（全文）", path, "truncated")
    elif name in ("gbk-meta-only", "charset-wrong-label", "charset-none", "year-folder-lies", "robots-disallow",
                  "referer-required", "api-page-404"):
        pass  # written into the pages or the family itself
    else:
        raise ValueError(f"unknown hostile behaviour {name!r}")

