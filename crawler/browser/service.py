"""The browser path of one crawl: recording proxy + Chromium session + what each render archived.

``BrowserService.for_crawler(crawler)`` is shared by the download handler (which asks it to fetch
a request), the router (which asks for a site's cookies) and the detector. A fetch renders the
page in Chromium through the recording proxy; every exchange the browser caused is archived as
``request``/``response`` records holding the server's bytes and gets a crawl-log line marked
``via: "browser"``; the main document's record becomes the capture of the Scrapy request (the
spider classifies it as usual); the rendered DOM (and a screenshot of pages built client-side, by default) goes into
``resource`` records tied to it by ``WARC-Concurrent-To``/``WARC-Refers-To``. The spider receives
the rendered DOM as the response body, so links built by scripts are followed like any others.
"""

from __future__ import annotations

import logging
import urllib.request
import uuid
from dataclasses import dataclass, field
from ipaddress import ip_address
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import DownloadFailedError
from scrapy.http import Headers, HtmlResponse, Response
from scrapy.responsetypes import responsetypes

from crawler import rawhttp
from crawler.browser import DOM_PREFIX, SCREENSHOT_PREFIX
from crawler.browser.recproxy import TOKEN_HEADER, RecordingProxy
from crawler.browser.session import CHROMIUM_ARGS, BrowserSession
from crawler.discovery import scope
from crawler.discovery.blocks import detect_block
from crawler.guard import is_private_address, literal_ip
from crawler.recorder import CAPTURE, CrawlRecorder, nb
from crawler.useragent import honest_user_agent

logger = logging.getLogger(__name__)

# A page that keeps asking (a challenge script reloading forever, a polling script) is cut off.
MAX_EXCHANGES_PER_PAGE = 60
MAX_SAME_URL_PER_PAGE = 3
VIA = "browser"


@dataclass
class _Job:
    request: Request
    exchanges: list[rawhttp.RawExchange] = field(default_factory=list)


def site_key(url: str) -> str:
    """Contexts and cookies are per registered domain (a portal and its sub-sites)."""
    return scope.registered_domain(urlsplit(url).hostname or "") or (urlsplit(url).hostname or "")


def main_exchange(exchanges: list[rawhttp.RawExchange], final_url: str, navigations: list[str]) -> rawhttp.RawExchange | None:
    """The response the page finally showed: the last exchange for the final URL, else for the
    last main-frame navigation."""
    for want in (final_url, *(reversed(navigations))):
        for ex in reversed(exchanges):
            if ex.url == want and ex.method == "GET":
                return ex
    return None


def response_from_exchange(url: str, ex: rawhttp.RawExchange) -> Response:
    """A Scrapy response from an exchange as the plain handler builds it (body still content-encoded)."""
    grouped: dict[bytes, list[bytes]] = {}
    for name, value in ex.headers:
        grouped.setdefault(name, []).append(value)
    headers = Headers(grouped)
    body = bytes(ex.body)
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=ex.status, headers=headers, body=body, protocol=ex.version)


class BrowserService:
    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.recorder = CrawlRecorder.for_crawler(crawler)
        self.archive = s.getbool("NIANBAO_WARC_CAPTURE")
        self.allow_private = s.getbool("NIANBAO_ALLOW_PRIVATE")
        self.timeout = s.getfloat("NIANBAO_BROWSER_PAGE_TIMEOUT")
        self.options = dict(
            executable=s.get("NIANBAO_BROWSER_EXECUTABLE") or "",
            args=tuple(s.getlist("NIANBAO_BROWSER_ARGS") or CHROMIUM_ARGS),
            user_agent=honest_user_agent(s),
            max_pages=s.getint("NIANBAO_BROWSER_MAX_PAGES"),
            pages_per_context=s.getint("NIANBAO_BROWSER_PAGES_PER_CONTEXT"),
            max_contexts=s.getint("NIANBAO_BROWSER_MAX_CONTEXTS"),
            page_timeout=self.timeout,
            settle=s.getfloat("NIANBAO_BROWSER_SETTLE"),
            block_types=tuple(s.getlist("NIANBAO_BROWSER_BLOCK_TYPES")),
        )
        mode = str(s.get("NIANBAO_BROWSER_SCREENSHOTS")).lower()
        self.screenshots = {"true": "always", "1": "always", "false": "never", "0": "never"}.get(mode, mode)
        self.maxsize = s.getint("DOWNLOAD_MAXSIZE")
        self.connect_timeout = s.getfloat("NIANBAO_CONNECT_TIMEOUT")
        self.proxies = urllib.request.getproxies()
        self.proxy: RecordingProxy | None = None
        self.session: BrowserSession | None = None
        self.jobs: dict[str, _Job] = {}
        self.last_job_by_site: dict[str, _Job] = {}
        self._resolved: dict[str, set[str]] = {}  # host -> addresses (private-address rule without a proxy)

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> BrowserService:
        svc = getattr(crawler, "_nianbao_browser", None)
        if svc is None:
            svc = crawler._nianbao_browser = cls(crawler)  # type: ignore[attr-defined]
        return svc

    # -- proxy policy --------------------------------------------------------------------------------
    def upstream_for(self, url: str) -> str | None:
        """The operator's proxy for this URL (http_proxy/https_proxy, honouring no_proxy)."""
        parts = urlsplit(url)
        if urllib.request.proxy_bypass(parts.hostname or ""):
            return None
        return self.proxies.get(parts.scheme)

    def permit(self, url: str, token: str | None = None) -> str | None:
        """Same rules as plain requests: the page's scope (its seed's registered domain), and
        private destinations refused unless allowed (a host name behind the operator's proxy is
        the proxy's to resolve, as in crawler.guard)."""
        host = urlsplit(url).hostname or ""
        job = self.jobs.get(token or "")
        if job is not None:
            domain = nb(job.request).get("scope") or site_key(job.request.url)
            if not scope.in_scope(url, domain):
                return f"out-of-scope: {host} is outside {domain}"
            refused = self.robots_refusal(url, job.request)
            if refused:
                return refused
            if len(job.exchanges) >= MAX_EXCHANGES_PER_PAGE:
                return f"page-budget: {MAX_EXCHANGES_PER_PAGE} requests from one page"
            if sum(1 for ex in job.exchanges if ex.url == url) >= MAX_SAME_URL_PER_PAGE:
                return f"reload-loop: {url} asked {MAX_SAME_URL_PER_PAGE} times by one page (a challenge not passed)"
        if self.allow_private:
            return None
        ip = literal_ip(host)
        if ip is not None and is_private_address(ip):
            return f"private-address: {host} is not a public address"
        if ip is None and self.upstream_for(url) is None:
            import socket

            addresses = self._resolved.get(host)
            if addresses is None:
                try:
                    addresses = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
                except OSError:
                    return None
                self._resolved[host] = addresses
            if any(is_private_address(a) for a in addresses):
                return f"private-address: {host} resolves to a private address"
        return None

    def robots_refusal(self, url: str, page_request: Request) -> str | None:
        """robots.txt for what a page's scripts ask, as Scrapy's RobotsTxtMiddleware judged the page
        itself (its parsed robots.txt per host; hosts it has not read are left to the scope rule)."""
        if page_request.meta.get("dont_obey_robotstxt") or not self.crawler.settings.getbool("ROBOTSTXT_OBEY"):
            return None
        from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
        from scrapy.robotstxt import RobotParser

        try:
            middlewares = self.crawler.engine.downloader.middleware.middlewares
        except (AttributeError, RuntimeError):  # no engine (the browser path driven on its own)
            return None
        robots = next((m for m in middlewares if isinstance(m, RobotsTxtMiddleware)), None)
        parser = getattr(robots, "_parsers", {}).get(urlsplit(url).netloc) if robots is not None else None
        if isinstance(parser, RobotParser) and not parser.allowed(url, self.crawler.settings.get("USER_AGENT")):
            return f"robots-disallow: {url} is forbidden by robots.txt"
        return None

    # -- lifecycle -----------------------------------------------------------------------------------
    async def _ensure_started(self) -> BrowserSession:
        if self.session is None:
            self.proxy = await RecordingProxy(self._on_exchange, upstream=self.upstream_for, permit=self.permit,
                                              timeout=self.timeout, connect_timeout=self.connect_timeout,
                                              maxsize=self.maxsize).start()
            self.session = BrowserSession(proxy_url=self.proxy.url, **self.options)
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        if self.proxy is not None:
            await self.proxy.close()

    def cookies_for(self, url: str) -> list[dict]:
        return self.session.cookies_for(site_key(url)) if self.session is not None else []

    # -- exchanges -----------------------------------------------------------------------------------
    def _on_exchange(self, token: str | None, ex: rawhttp.RawExchange) -> None:
        job = self.jobs.get(token or "") or self.last_job_by_site.get(site_key(ex.url))
        if job is None:  # nothing to attribute it to: still archived, logged as such
            self._log_loose(ex)
            return
        job.exchanges.append(ex)

    def _log_loose(self, ex: rawhttp.RawExchange) -> None:
        req = Request(ex.url, method=ex.method, meta={"nb": {"kind": "browser-resource", "via": VIA}})
        self.recorder.capture(req, ex, archive=self.archive)
        self.recorder.record(req, "other", reason="browser: request not tied to a page")
        self.recorder.totals["via_browser"] += 1

    # -- fetch ---------------------------------------------------------------------------------------
    async def fetch(self, request: Request) -> Response:
        session = await self._ensure_started()
        token = uuid.uuid4().hex
        job = self.jobs[token] = _Job(request)
        site = site_key(request.url)
        self.last_job_by_site[site] = job
        try:
            shot = self.screenshots == "always" or (
                self.screenshots == "client-rendered" and nb(request).get("browser_reason") == "client-side rendering")
            rendered = await session.render(request.url, site=site, token=token, header=TOKEN_HEADER.decode(),
                                            screenshot=shot)
        finally:
            self.jobs.pop(token, None)
            if self.last_job_by_site.get(site) is job:
                self.last_job_by_site.pop(site, None)
        main = main_exchange(job.exchanges, rendered.url, rendered.navigations)
        if main is None and rendered.download:
            main = main_exchange(job.exchanges, request.url, [])
        self._archive(request, job, main, rendered)
        if main is None:
            raise DownloadFailedError(rendered.error or f"browser: no response for {request.url}")
        if rendered.html is None or rendered.download:
            return response_from_exchange(rendered.url if main.url == rendered.url else main.url, main)
        headers = Headers({"Content-Type": "text/html; charset=utf-8", "X-Nianbao-Via": VIA})
        ip = None
        if main.ip_address:
            try:
                ip = ip_address(main.ip_address)
            except ValueError:
                ip = None
        return HtmlResponse(url=main.url, status=main.status, headers=headers, body=rendered.html.encode("utf-8"),
                            encoding="utf-8", ip_address=ip, protocol=main.version)

    def _archive(self, request: Request, job: _Job, main: rawhttp.RawExchange | None, rendered) -> None:
        meta = nb(request)
        main_loc = None
        for ex in job.exchanges:
            self.recorder.totals["via_browser"] += 1
            if ex is main:
                main_loc = self.recorder.capture(request, ex, archive=self.archive)
                continue
            sub = Request(ex.url, method=ex.method, meta={"nb": dict(
                meta, kind="browser-resource", parent_url=request.url, title=None, via=VIA)})
            self.recorder.capture(sub, ex, archive=self.archive)
            reason = detect_block(ex.status, _HeaderView(ex), bytes(ex.body[:20000])) if ex.status >= 400 else None
            if reason:
                self.recorder.record(sub, "blocked", reason=f"{reason.split(':')[0]}: challenge page; the browser ran "
                                                             f"its script (page {request.url})")
            else:
                self.recorder.record(sub, "other", reason=f"browser: loaded by the page {request.url}")
        if main is not None and main_loc is None and not self.archive:
            return
        if main_loc is not None and rendered.html is not None and not rendered.download:
            dom = self.recorder.warc.write_resource(
                f"{DOM_PREFIX}{rendered.url}", rendered.html.encode("utf-8"), "text/html; charset=utf-8",
                concurrent_to=main_loc.warc_record_id, refers_to=main_loc.warc_record_id)
            request.meta[CAPTURE]["dom_record_id"] = dom.warc_record_id
            if rendered.screenshot:
                self.recorder.warc.write_resource(
                    f"{SCREENSHOT_PREFIX}{rendered.url}", rendered.screenshot, "image/png",
                    concurrent_to=main_loc.warc_record_id, refers_to=main_loc.warc_record_id)


class _HeaderView:
    """``headers.get(name)`` over an exchange, for detect_block."""

    def __init__(self, ex: rawhttp.RawExchange) -> None:
        self.ex = ex

    def get(self, name: str):
        return self.ex.header(name.encode("latin-1"))
