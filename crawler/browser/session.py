"""Debian's Chromium under Playwright: launch, one context per site, render one page, recover.

Plain asyncio (the crawl runs on Twisted's asyncio reactor, so this shares Scrapy's loop). The
browser is launched on first use only. Every page is closed in ``finally``; a context serves at
most ``pages_per_context`` pages, then is replaced by a fresh one that inherits its cookies (so
a challenge passed once stays passed, as for a visitor); at most ``max_contexts`` stay open. A
render that overruns its hard time limit, or a browser that died, restarts the browser.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from collections import OrderedDict
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# The brief's flags: no sandbox (containers), no GPU, no phoning home.
CHROMIUM_ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync")


def _stat(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/stat", encoding="latin-1") as fh:
            text = fh.read()
    except OSError:
        return []
    name_end = text.rfind(")")
    return [text[text.find("(") + 1:name_end], *text[name_end + 2:].split()]


def process_name(pid: int) -> str:
    fields = _stat(pid)
    return fields[0] if fields else ""


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux /proc)."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if len(fields) > 2 and fields[2] == str(pid):
                out.append(int(entry))
    return out


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        kids = children(todo.pop())
        out.extend(kids)
        todo.extend(kids)
    return out


def chromium_roots() -> list[int]:
    """Chromium main processes started under this process (through Playwright's driver)."""
    return [pid for pid in descendants(os.getpid())
            if process_name(pid).startswith("chrom") and not process_name(int(_stat(pid)[2])).startswith("chrom")]


def tree_pss_bytes(pid: int) -> int:
    """Proportional set size of a process tree (shared pages divided among their users): what
    the tree really costs, where summed RSS counts Chromium's shared pages once per process."""
    total = 0
    for current in [pid, *descendants(pid)]:
        try:
            with open(f"/proc/{current}/smaps_rollup", encoding="latin-1") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
        except OSError:
            continue
    return total


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of a process and all its descendants (Chromium's renderers, GPU, …)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        fields = _stat(current)
        if len(fields) > 22:
            total += int(fields[22]) * os.sysconf("SC_PAGE_SIZE")
        todo.extend(children(current))
    return total


class BrowserUnavailable(RuntimeError):
    pass


def chromium_executable(configured: str = "") -> str:
    """Debian's ``chromium`` (never a Playwright-downloaded build)."""
    path = shutil.which(configured or "chromium") or ""
    if not path:
        raise BrowserUnavailable(f"no chromium executable {configured!r} (install Debian's chromium package)"
                                 if configured else "no chromium executable (install Debian's chromium package)")
    return path


def browser_available(settings) -> bool:
    """NIANBAO_BROWSER on and a Chromium to run; otherwise the browser path stays off (logged)."""
    if not settings.getbool("NIANBAO_BROWSER"):
        return False
    try:
        chromium_executable(settings.get("NIANBAO_BROWSER_EXECUTABLE") or "")
    except BrowserUnavailable as exc:
        logger.warning("browser path off: %s", exc)
        return False
    return True


@dataclass
class Rendered:
    url: str  # the page's final URL
    html: str | None = None  # the rendered DOM (None for a download or a failure)
    screenshot: bytes | None = None
    download: bool = False
    error: str | None = None
    navigations: list[str] = field(default_factory=list)  # main-frame documents requested, in order


@dataclass
class _Context:
    context: object
    pages: int = 0  # pages opened in it so far
    active: int = 0  # pages open right now
    retired: bool = False  # no new pages; closed when the last open page is


class BrowserSession:
    def __init__(self, *, proxy_url: str, executable: str = "", args: tuple[str, ...] = CHROMIUM_ARGS,
                 user_agent: str | None = None, max_pages: int = 4, pages_per_context: int = 50,
                 max_contexts: int = 4, page_timeout: float = 30.0, settle: float = 2.0,
                 block_types: tuple[str, ...] = ("image", "media", "font", "stylesheet"),
                 screenshots: bool = False) -> None:
        self.proxy_url = proxy_url
        self.executable = chromium_executable(executable)
        self.args = list(args)
        self.user_agent = user_agent
        self.pages_per_context = max(1, pages_per_context)
        self.max_contexts = max(1, max_contexts)
        self.page_timeout = page_timeout
        self.settle = settle
        self.block_types = set(block_types)
        self.screenshots = screenshots
        self._sem = asyncio.Semaphore(max(1, max_pages))
        self._lock = asyncio.Lock()
        self._pw = None
        self._browser = None
        self._browser_pid: int | None = None
        self._contexts: OrderedDict[str, _Context] = OrderedDict()
        self._cookies: dict[str, list[dict]] = {}
        self.restarts = 0
        self.pages = 0

    # -- lifecycle ---------------------------------------------------------------------------------
    async def _ensure_browser(self):
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                return self._browser
            if self._browser is not None:
                logger.warning("browser: Chromium went away; starting it again")
                self.restarts += 1
            await self._shutdown()
            from playwright.async_api import async_playwright

            before = set(chromium_roots())
            self._pw = await async_playwright().start()
            self._browser = await self._pw.chromium.launch(
                executable_path=self.executable, args=self.args, headless=True, handle_sigint=False,
                handle_sigterm=False, handle_sighup=False,
                proxy={"server": self.proxy_url, "bypass": "<-loopback>"},
            )
            self._browser_pid = next((pid for pid in chromium_roots() if pid not in before), None)
            return self._browser

    async def restart(self, why: str) -> None:
        logger.warning("browser: restarting Chromium (%s)", why)
        self.restarts += 1
        async with self._lock:
            await self._shutdown()

    async def _shutdown(self) -> None:
        contexts, self._contexts = list(self._contexts.values()), OrderedDict()
        for ctx in contexts:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ctx.context.close(), 10)
        browser, self._browser = self._browser, None
        if browser is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(browser.close(), 10)
        pw, self._pw = self._pw, None
        if pw is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(pw.stop(), 10)

    async def close(self) -> None:
        async with self._lock:
            await self._shutdown()

    def browser_pid(self) -> int | None:
        """Chromium's main process id, when running (for memory figures and tests)."""
        return self._browser_pid if self._browser is not None else None

    # -- contexts ----------------------------------------------------------------------------------
    def cookies_for(self, site: str) -> list[dict]:
        return list(self._cookies.get(site, []))

    async def _context(self, site: str) -> _Context:
        browser = await self._ensure_browser()
        ctx = self._contexts.get(site)
        if ctx is not None and ctx.pages >= self.pages_per_context:
            self._contexts.pop(site)
            await self._retire(ctx)
            ctx = None
        if ctx is None:
            while len(self._contexts) >= self.max_contexts:
                _, old = self._contexts.popitem(last=False)
                await self._retire(old)
            context = await browser.new_context(ignore_https_errors=True, user_agent=self.user_agent,
                                                accept_downloads=False, service_workers="block",
                                                locale="zh-CN", java_script_enabled=True)
            if self._cookies.get(site):
                await context.add_cookies(self._cookies[site])
            if self.block_types:
                await context.route("**/*", self._route)
            ctx = self._contexts[site] = _Context(context)
        self._contexts.move_to_end(site)
        ctx.pages += 1
        ctx.active += 1
        return ctx

    async def _retire(self, ctx: _Context) -> None:
        """No new pages in this context; it is closed now if idle, else when its last page closes."""
        ctx.retired = True
        if ctx.active <= 0:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ctx.context.close(), 10)

    async def _release(self, ctx: _Context) -> None:
        ctx.active -= 1
        if ctx.retired and ctx.active <= 0:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(ctx.context.close(), 10)

    async def _route(self, route) -> None:
        if route.request.resource_type in self.block_types:
            await route.abort()
        else:
            await route.continue_()

    # -- one page ----------------------------------------------------------------------------------
    async def render(self, url: str, *, site: str, token: str, header: str, screenshot: bool | None = None) -> Rendered:
        async with self._sem:
            try:
                async with asyncio.timeout(self.page_timeout + self.settle + 15):
                    shot = self.screenshots if screenshot is None else screenshot
                    return await self._render(url, site, token, header, shot)
            except TimeoutError:
                await self.restart(f"a page hung: {url}")
                return Rendered(url, error=f"browser-timeout: no page within {self.page_timeout + self.settle + 15:g} s")
            except Exception as exc:
                if self._browser is not None and not self._browser.is_connected():
                    await self.restart(f"{type(exc).__name__}: {str(exc)[:120]}")
                return Rendered(url, error=f"browser-error: {type(exc).__name__}: {str(exc)[:200]}")

    async def _render(self, url: str, site: str, token: str, header: str, screenshot: bool) -> Rendered:

        ctx = await self._context(site)
        try:
            return await self._render_in(ctx, url, site, token, header, screenshot)
        finally:
            await self._release(ctx)

    async def _render_in(self, ctx: _Context, url: str, site: str, token: str, header: str,
                         screenshot: bool) -> Rendered:
        from playwright.async_api import Error as PlaywrightError

        page = await ctx.context.new_page()
        navigations: list[str] = []
        try:
            page.set_default_timeout(self.page_timeout * 1000)
            await page.set_extra_http_headers({header: token})
            page.on("request", lambda r: navigations.append(r.url)
                    if r.is_navigation_request() and r.frame == page.main_frame else None)
            try:
                await page.goto(url, wait_until="load", timeout=self.page_timeout * 1000)
            except PlaywrightError as exc:
                text = str(exc)
                if "Download is starting" in text or "net::ERR_ABORTED" in text:
                    return Rendered(page.url if page.url != "about:blank" else url, download=True,
                                    navigations=navigations)
                if "interrupted by another navigation" not in text and "frame was detached" not in text:
                    raise
            # challenge scripts set a cookie and reload; client-side lists arrive by XHR
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("load", timeout=self.page_timeout * 1000)
            with contextlib.suppress(PlaywrightError):
                await page.wait_for_load_state("networkidle", timeout=self.settle * 1000)
            html = None
            for _ in range(3):  # a late navigation can race page.content()
                try:
                    html = await page.content()
                    break
                except PlaywrightError:
                    await asyncio.sleep(0.2)
            shot = None
            if screenshot and html is not None:
                with contextlib.suppress(PlaywrightError):
                    shot = await page.screenshot(type="png", full_page=False, timeout=5000)
            self._cookies[site] = await ctx.context.cookies()
            self.pages += 1
            return Rendered(page.url, html=html, screenshot=shot, navigations=navigations)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(page.close(), 5)
