"""The `reports` spider: from each seed, find the 年报 columns, walk every list, fetch the reports
and their attachments. A thin adapter over crawler.discovery (plain functions); what each page
was goes to the crawl log through the recorder.

Request roles (meta ``nb.kind``): ``hub`` (a page on the way), ``column``/``list`` (a list of
articles; ``nb.nb_column`` when it is a 年报 column), ``article`` (a page that may be a report),
``attachment`` (a report's document or image), ``asset`` (a file linked from a non-report page).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections import Counter
from urllib.parse import urlencode, urlsplit

from scrapy import FormRequest, Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.request import fingerprint

from crawler.deferred import DeferredReports
from crawler.discovery import columns, pages, scope, titles
from crawler.recorder import CrawlRecorder, nb
from crawler.seeds import Seed, read_seeds

# A list page's articles are fetched before the next list page (priority 4): walking a column of
# 500 pages list-first queued its 50,000 article requests in memory at once. Higher still: seeds
# (10), remembered columns (8), attachments (7), columns (6), iframes and sub-columns (5).
ARTICLE_PRIORITY = 5

SOFT_404 = re.compile(r"页面不存在|非法请求|页面未找到|找不到页面|已被删除|404\s*Not\s*Found|Page Not Found", re.I)
FAMILY_MARKS = (
    ("hanweb", re.compile(r"<datastore|dataproxy\.jsp|/art/\d{4}/\d+/\d+/art_|/col/col\d+")),
    ("jpaas", re.compile(r"jpaas-publish-server")),
    ("gkmlpt", re.compile(r"/gkmlpt/")),
    ("shtml-6arg", re.compile(r"createPageHTML\(\s*['\"]page_div")),
    ("trs", re.compile(r"TRS_Editor|countPage|createPageHTML|/t\d{8}_\d+\.s?html?")),
    ("shandong", re.compile(r"/site_\w+/channel_")),
    ("iframe-shell", re.compile(r"<iframe[^>]+src=")),
)


_DATE_IN_URL = (
    re.compile(r"/t(20\d{2})(\d{2})(\d{2})_"), re.compile(r"/art/(20\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/(20\d{2})/(\d{2})-(\d{2})/"), re.compile(r"/(20\d{2})-(\d{2})-(\d{2})/"),
    re.compile(r"/(20\d{2})(\d{2})/"),
)


def publication_date(page: pages.Page, url: str) -> str | None:
    """YYYY-MM-DD from the page (PubDate, Maketime, 发布时间…), else from the URL, else None."""
    for key in ("PubDate", "pubdate", "Maketime", "publishdate", "firstpublishedtime"):
        m = re.search(r"(20\d{2})[-/年](\d{1,2})[-/月](\d{1,2})", page.metas.get(key, ""))
        if m:
            return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    m = re.search(r"(?:发布时间|发布日期|生成日期|日期)\s*[:：]\s*(20\d{2})[-/年](\d{1,2})[-/月](\d{1,2})", page.html)
    if m:
        return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    for rx in _DATE_IN_URL:
        m = rx.search(url)
        if m:
            day = int(m.group(3)) if m.lastindex and m.lastindex >= 3 else 1
            return f"{m.group(1)}-{int(m.group(2)):02d}-{day:02d}"
    return None


_DATES = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?")


def body_numbers(page: pages.Page) -> tuple[str, ...]:
    """The figures of a page (dates left out): a repost carries the same tables as its original."""
    text = _DATES.sub(" ", pages.page_text(page))
    return tuple(re.findall(r"\d+(?:\.\d+)?", text))


def same_report(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Two pages carry the same report when their figures agree (long enough to mean something)."""
    if min(len(a), len(b)) < 20:
        return False
    from difflib import SequenceMatcher

    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.9


def parse_years(text: str | None) -> tuple[int, int]:
    if not text:
        return (1900, 2999)
    m = re.fullmatch(r"\s*(\d{4})\s*(?:-\s*(\d{4}))?\s*", text)
    if not m:
        raise ValueError(f"--years wants YYYY or YYYY-YYYY, got {text!r}")
    lo = int(m.group(1))
    return lo, int(m.group(2) or lo)


class ReportsSpider(Spider):
    name = "reports"

    def __init__(self, seeds: str | None = None, out: str | None = None, years: str | None = None,
                 allow_private: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        if not seeds:
            raise ValueError("the reports spider needs -a seeds=SEEDS.csv")
        self.seeds_path = seeds
        self.seed_list: list[Seed] = read_seeds(seeds)
        self.years = parse_years(years)
        self.host_pages: Counter[str] = Counter()
        self.patterns: Counter[str] = Counter()
        self.trap_noted: set[tuple[str, str]] = set()
        self.found_reports: DeferredReports | None = None  # opened at the first report
        self.admitted: set[bytes] = set()  # fingerprints of the requests this spider let through
        self.probed: set[str] = set()
        self.soft404_titles: dict[str, str] = {}
        self.home_titles: dict[str, str] = {}
        places = [titles.seed_place(s.agency) for s in self.seed_list]
        self.known_places = tuple(sorted({p for p in places if p}))

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args, **kwargs) -> ReportsSpider:
        settings = crawler.settings
        if kwargs.get("out"):
            settings.set("NIANBAO_OUT_DIR", kwargs["out"], priority="cmdline")
        if str(kwargs.get("allow_private", "")).lower() in ("1", "true", "yes"):
            settings.set("NIANBAO_ALLOW_PRIVATE", True, priority="cmdline")
        if kwargs.get("years") is None and settings.get("NIANBAO_YEARS"):
            kwargs["years"] = settings.get("NIANBAO_YEARS")
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.host_budget = settings.getint("NIANBAO_HOST_PAGE_BUDGET")
        spider.pattern_budget = settings.getint("NIANBAO_PATTERN_BUDGET")
        spider.max_list_pages = settings.getint("NIANBAO_MAX_LIST_PAGES")
        spider.official_only = settings.getbool("NIANBAO_OFFICIAL_DOMAINS_ONLY")
        spider.asset_maxsize = settings.getint("NIANBAO_ASSET_MAXSIZE")
        return spider

    @property
    def recorder(self) -> CrawlRecorder:
        return CrawlRecorder.for_crawler(self.crawler)

    # -- start ------------------------------------------------------------------------------------
    async def start(self):
        state = self._previous_state()
        hosts_done: set[str] = set()
        for seed in self.seed_list:
            host = urlsplit(seed.url).hostname or ""
            mirror = self._mirror_reason(seed, host)
            if mirror:
                self.recorder.portal(seed.url, seed.agency)
                self.recorder.write_entry({"url": seed.url, "role": "other", "reason": mirror, "status": None,
                                      "seed_agency": seed.agency, "seed_url": seed.url},
                                     {"seed_url": seed.url, "seed_agency": seed.agency})
                continue
            ctx = {
                "seed_url": seed.url, "seed_agency": seed.agency, "scope": scope.registered_domain(host),
                "robots_override": seed.robots_override, "hops": 0, "kind": "hub",
            }
            summary = self.recorder.portal(seed.url, seed.agency)
            if seed.robots_override and summary is not None:
                summary.robots_override = seed.robots_override
                self.recorder.write_entry({"url": seed.url, "role": "other", "status": None,
                                           "reason": f"robots-override: {seed.robots_override}",
                                           "seed_agency": seed.agency, "seed_url": seed.url}, ctx)
            yield self._seen(self._request(seed.url, ctx, kind="hub", priority=10))
            netloc = urlsplit(seed.url).netloc.lower()
            if netloc not in hosts_done:
                hosts_done.add(netloc)
                for column_url in state.get(netloc, {}).get("columns", []):  # what last spring taught us
                    if column_url != seed.url:
                        yield self._seen(self._request(column_url, ctx, kind="column", nb_column=True, priority=8))

    def _seen(self, request: Request) -> Request:
        """A request made outside ``_follow``: a later link to the same page is a repeat."""
        self.admitted.add(fingerprint(request))
        return request

    def _mirror_reason(self, seed: Seed, host: str) -> str | None:
        """A government's portal lives on a government domain; anything else is a copy of it."""
        if re.search(r"(?:^|\.)gov\.cn$|\.政务$|\.公益$", host) or "official" in seed.notes.lower():
            return None
        if self.official_only and re.search(r"人民政府|局|委员会|办公室|委|厅|部|署|办|政府", seed.agency):
            return (f"mirror-host: {host} is not a government domain (gov.cn); a copy of {seed.agency}'s "
                    f"pages is not its portal, not crawled")
        return None

    def _previous_state(self) -> dict:
        try:
            path = self.recorder.state_dir / "portals.json"
            return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (OSError, json.JSONDecodeError):
            return {}

    # -- requests ---------------------------------------------------------------------------------
    def _request(self, url: str, ctx: dict, *, kind: str, parent: str | None = None, title: str | None = None,
                 priority: int = 0, callback=None, method: str = "GET", formdata: dict | None = None,
                 headers: dict | None = None, dont_filter: bool = False, **extra) -> Request | None:
        meta_nb = {k: ctx[k] for k in ("seed_url", "seed_agency", "scope", "robots_override", "hops")}
        meta_nb.update({"kind": kind, "parent_url": parent, "title": title, "nb_column": ctx.get("nb_column")})
        meta_nb.update(extra)
        meta = {"nb": meta_nb}
        if "download_maxsize" in extra:
            meta["download_maxsize"] = meta_nb.pop("download_maxsize")
        if ctx.get("robots_override"):
            meta["dont_obey_robotstxt"] = True
        if kind in ("attachment", "asset"):
            meta["nb"]["title"] = title
        cb = callback or self.parse_page
        if formdata is not None:
            return FormRequest(url, formdata=formdata, method=method, callback=cb, errback=self.on_error,
                               meta=meta, priority=priority, headers=headers, dont_filter=dont_filter)
        return Request(url, method=method, callback=cb, errback=self.on_error, meta=meta, priority=priority,
                       headers=headers, dont_filter=dont_filter)

    def _admit(self, request: Request, ctx: dict, kind: str, parent: str) -> bool:
        """Scope and trap rules; a refusal for a trap is logged once per host and kind.

        A request already let through passes uncounted: a list links its siblings on every page
        (createPageHTML, 1 2 3 … links), and those repeats must not use up a host's or a pattern's
        budget. Scrapy's duplicate filter drops them; they still tell the browser detector
        (crawler.browser.spidermw) that the page's links were read without a browser.
        """
        url = request.url
        if not scope.in_scope(url, ctx["scope"]) or scope.is_skippable(url):
            return False
        key = fingerprint(request)
        if key in self.admitted:
            return True
        host = urlsplit(url).hostname or ""
        trap = scope.trap_kind(url)
        if trap:
            self._note_trap(host, trap, url, ctx, parent, f"{trap}: not followed (duplicate or endless pages)")
            return False
        if self.host_pages[host] >= self.host_budget:
            self._note_trap(host, "host-budget", url, ctx, parent,
                            f"host-budget: {self.host_budget} pages fetched from {host}, stopping there")
            return False
        if kind in ("hub", "list", "column"):
            pattern = scope.url_pattern(url)
            self.patterns[pattern] += 1
            if self.patterns[pattern] > self.pattern_budget:
                self._note_trap(host, pattern, url, ctx, parent,
                                f"pattern-budget: more than {self.pattern_budget} pages like {pattern}")
                return False
        self.host_pages[host] += 1
        self.admitted.add(key)
        return True

    def _note_trap(self, host: str, key: str, url: str, ctx: dict, parent: str, reason: str) -> None:
        if (host, key) in self.trap_noted:
            return
        self.trap_noted.add((host, key))
        entry = {"url": url, "role": "other", "reason": reason, "parent_url": parent, "status": None,
                 "seed_agency": ctx.get("seed_agency"), "seed_url": ctx.get("seed_url")}
        self.recorder.write_entry(entry, ctx)

    def _follow(self, url: str, ctx: dict, *, kind: str, parent: str, title: str | None = None, **kw):
        request = self._request(url, ctx, kind=kind, parent=parent, title=title, **kw)
        return request if self._admit(request, ctx, kind, parent) else None

    # -- pages ------------------------------------------------------------------------------------
    def parse_page(self, response: Response):
        ctx = nb(response.request)
        kind = ctx.get("kind")
        if kind in ("attachment", "asset") or not isinstance(response, TextResponse) or self._is_binary(response):
            yield from self._binary(response, ctx)
            return
        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        html = pages.decode_html(response.body, ctype)
        page = pages.parse_page(response.url, html)
        if kind == "article":
            yield from self._article(response, page, ctx)
        else:
            yield from self._listing(response, page, ctx)

    @staticmethod
    def _is_binary(response: Response) -> bool:
        ctype = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if ctype and not any(t in ctype for t in ("html", "xml", "text/plain", "json")):
            return True
        return scope.is_attachment_url(response.url) and "html" not in ctype

    def _binary(self, response: Response, ctx: dict):
        if ctx.get("kind") == "attachment":
            self.recorder.record(response.request, "attachment", title=ctx.get("title"))
            if self.found_reports is not None and ctx.get("parent_url") and response.status == 200 and response.body:
                self.found_reports.add_attachment(ctx["parent_url"], hashlib.sha1(response.body).hexdigest())
        else:
            self.recorder.record(response.request, "other", title=ctx.get("title"),
                                 reason="file linked from a page that is not a report")
        return ()

    def _soft_404(self, page: pages.Page, response: Response) -> bool:
        known = self.soft404_titles.get(urlsplit(response.url).netloc)
        if known and page.title.strip() == known.strip():
            return True
        return bool(SOFT_404.search(page.title)) or (len(response.body) < 3000 and bool(SOFT_404.search(page.html)))

    def _family(self, page: pages.Page, response: Response) -> str | None:
        for family, rx in FAMILY_MARKS:
            if rx.search(page.html) or rx.search(response.url):
                return family
        return None

    # -- lists, columns, hubs -----------------------------------------------------------------------
    def _probe_request(self, response: Response, ctx: dict):
        """One request per host for a page that cannot exist: a host that answers it with 200 serves
        soft 404s, and its error page's title is remembered to recognise them later."""
        parts = urlsplit(response.url)
        if parts.netloc in self.probed:
            return None
        self.probed.add(parts.netloc)
        url = f"{parts.scheme}://{parts.netloc}/nianbao-probe-{zlib.crc32(parts.netloc.encode()):08x}/missing.html"
        return self._request(url, ctx, kind="probe", parent=response.url, title="soft-404 probe",
                             callback=self.parse_probe, priority=1)

    def parse_probe(self, response: Response):
        host = urlsplit(response.url).netloc
        ctype = response.headers.get("Content-Type", b"").decode("latin-1")
        page = pages.parse_page(response.url, pages.decode_html(response.body, ctype))
        if page.title.strip() and page.title.strip() not in self.home_titles.values():
            self.soft404_titles[host] = page.title  # (a host that serves its home page instead: not by title)
        self.recorder.record(response.request, "error", reason=f"soft-404: {host} answers HTTP {response.status} "
                                                               f"for a page that does not exist ({page.title[:40]})")
        return ()

    def _listing(self, response: Response, page: pages.Page, ctx: dict):
        request = response.request
        if urlsplit(response.url).path in ("", "/", "/index.html"):
            self.home_titles[urlsplit(response.url).netloc] = page.title.strip()
        probe = self._probe_request(response, ctx)
        if probe is not None:
            yield probe
        if self._soft_404(page, response):
            self.recorder.record(request, "error", reason="soft-404: page says it does not exist (HTTP 200)")
            return
        redirects = response.meta.get("redirect_urls") or []
        if redirects and urlsplit(response.url).path in ("/", "/index.html") and \
                urlsplit(redirects[0]).path not in ("/", "/index.html"):
            self.recorder.record(request, "other", reason="redirect-home: the column moved; landed on the home page")
            ctx = dict(ctx, kind="hub", hops=0)
        links = pages.extract_links(page)
        page_title = titles.strip_site_name(page.title, (page.metas.get("SiteName", ""),))
        column_name = page.metas.get("ColumnName") or page_title
        is_nb_column = bool(ctx.get("nb_column")) or columns.column_score(column_name, response.url) >= 5
        role = "column" if is_nb_column and ctx.get("kind") in ("column", "hub") else (
            "list" if ctx.get("kind") in ("list", "column") else "other")
        family = self._family(page, response)
        self.recorder.note_discovery(request, family=family,
                                     column=response.url if role == "column" else None, title=column_name)
        self.recorder.record(request, role, title=column_name[:120] if column_name else None)
        child = dict(ctx, nb_column=is_nb_column)
        here = response.url
        hops = int(ctx.get("hops") or 0)

        for link in links:
            url, label = link.url, link.label
            path = urlsplit(url).path
            if scope.is_attachment_url(url):
                req = self._follow(url, child, kind="asset", parent=here, title=label,
                                   download_maxsize=self.asset_maxsize)
            elif scope.is_image_url(url):
                continue
            elif link.source == "iframe":
                req = self._follow(url, child, kind="list" if is_nb_column else "hub", parent=here, title=label,
                                   priority=5)
            elif pages.next_page_links([link]) or pages.is_pagination_link(here, link):
                req = self._follow(url, child, kind="list", parent=here, title=label, priority=4)
            elif columns.column_score(label, url) >= 5:
                req = self._follow(url, dict(child, nb_column=True), kind="column", parent=here, title=label,
                                   priority=6)
            elif is_nb_column and link.source == "a" and path not in ("", "/", "/index.html") and (
                    path.endswith("/") or not self._article_like(url, label)):
                # sub-columns (departments, townships, year folders) of a 年报 column
                req = self._follow(url, dict(child, nb_column=True), kind="column", parent=here, title=label,
                                   priority=5)
            elif is_nb_column and link.source in ("a", "island") and self._article_like(url, label):
                req = self._article_request(url, child, here, label)
            elif titles.looks_like_report_link(label) and self._article_like(url, label):
                req = self._article_request(url, child, here, label)
            elif hops < 3 and (hops == 0 or columns.hub_score(label, "") >= 2):
                req = self._follow(url, dict(child, hops=hops + 1, nb_column=False), kind="hub", parent=here,
                                   title=label, priority=2)
            else:
                req = None
            if req is not None:
                yield req

        yield from self._hidden_lists(response, page, child, is_nb_column)

    def _article_like(self, url: str, label: str) -> bool:
        path = urlsplit(url).path
        if path in ("", "/", "/index.html") or path.endswith("/") or scope.is_image_url(url):
            return False
        return not re.search(r"/(?:index|list|common_list|xlist)(?:_\d+)?\.s?html?$", path)

    def _article_request(self, url: str, ctx: dict, parent: str, label: str):
        verdict = titles.classify_title(label)
        if verdict.kind == "report" and verdict.year and not (self.years[0] <= verdict.year <= self.years[1]):
            return None
        return self._follow(url, ctx, kind="article", parent=parent, title=label, priority=ARTICLE_PRIORITY)

    def _hidden_lists(self, response: Response, page: pages.Page, ctx: dict, is_nb_column: bool):
        """Lists a browser would build with JavaScript, requested the way the page's script would."""
        here = response.url
        pagination = pages.script_pagination(page, self.max_list_pages)
        if pagination:
            self.recorder.note_discovery(response.request, pagination=pagination.mechanism)
            for url in pagination.urls:
                req = self._follow(url, ctx, kind="list", parent=here, title=pagination.mechanism, priority=4)
                if req is not None:
                    yield req
        hanweb = pages.hanweb_list(page)
        if hanweb:
            self.recorder.note_discovery(response.request, family="hanweb", pagination="hanweb-dataproxy")
            yield from self._hanweb_requests(hanweb, ctx, here, first=True)
        jp = pages.jpaas_params(page)
        if jp:
            self.recorder.note_discovery(response.request, family="jpaas", pagination="jpaas-paramJson")
            req = self._follow(pages.jpaas_url(jp, 1), ctx, kind="list", parent=here, title="jpaas page 1",
                               callback=self.parse_jpaas, headers={"Referer": here}, jpaas=jp, page_no=1,
                               priority=4)
            if req is not None:
                yield req
        gk = pages.gkmlpt_config(page)
        if gk:
            sid, cats = gk
            self.recorder.note_discovery(response.request, family="gkmlpt", pagination="gkmlpt-api")
            base = f"{urlsplit(here).scheme}://{urlsplit(here).netloc}"
            for cat, name in cats[:80]:
                nb_cat = columns.column_score(name, "") >= 5 or is_nb_column
                url = f"{base}/gkmlpt/api/all/{cat}?page=1&sid={sid}"
                req = self._follow(url, dict(ctx, nb_column=nb_cat), kind="list", parent=here, title=name,
                                   callback=self.parse_gkmlpt, gk_cat=cat, gk_sid=sid, page_no=1, priority=4)
                if req is not None:
                    yield req

    def _hanweb_requests(self, hw: pages.HanwebList, ctx: dict, parent: str, first: bool = False):
        if hw.form is not None:
            start = hw.start
            total = hw.total if hw.total is not None else start + hw.step * 3
            n = 0
            while start <= total and n < self.max_list_pages:
                end = start + hw.step - 1
                url = f"{hw.proxy_url}?{urlencode({'startrecord': start, 'endrecord': end, 'perpage': hw.perpage})}"
                req = self._follow(url, ctx, kind="list", parent=parent, title="dataproxy.jsp POST",
                                   callback=self.parse_datastore, formdata=hw.form, method="POST", priority=4)
                if req is not None:
                    yield req
                start, n = end + 1, n + 1
        elif hw.get_template and first:
            url = hw.get_template
            req = self._follow(url, ctx, kind="list", parent=parent, title="dataproxy.jsp GET",
                               callback=self.parse_datastore, hanweb_get=url, priority=4)
            if req is not None:
                yield req

    def parse_datastore(self, response: Response):
        ctx = nb(response.request)
        text = pages.decode_html(response.body, response.headers.get("Content-Type", b"").decode("latin-1"))
        links, _total, total_pages = pages.parse_datastore(text, response.url)
        self.recorder.record(response.request, "list", title=f"dataproxy.jsp ({len(links)} records)")
        for link in links:
            if self._article_like(link.url, link.label):
                req = self._article_request(link.url, ctx, response.url, link.label)
                if req is not None:
                    yield req
        get_url = ctx.get("hanweb_get")
        if get_url and total_pages:
            m = re.search(r"([?&]page=)(\d+)", get_url)
            if m and int(m.group(2)) == 2:
                for n in range(3, min(total_pages, self.max_list_pages) + 1):
                    url = get_url[: m.start(2)] + str(n) + get_url[m.end(2):]
                    req = self._follow(url, ctx, kind="list", parent=response.url, title="dataproxy.jsp GET",
                                       callback=self.parse_datastore, priority=4)
                    if req is not None:
                        yield req

    def parse_jpaas(self, response: Response):
        ctx = nb(response.request)
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError):
            self.recorder.record(response.request, "error", reason="jpaas: answer is not JSON")
            return
        payload = data.get("data") or {}
        fragment = payload.get("html") or ""
        links = pages.links_in_fragment(fragment, response.url, "json")
        self.recorder.record(response.request, "list", title=f"jpaas page {ctx.get('page_no')} ({len(links)} items)")
        referer = ctx.get("parent_url") or response.url
        for link in links:
            if self._article_like(link.url, link.label):
                req = self._article_request(link.url, ctx, referer, link.label)
                if req is not None:
                    yield req
        page_no = int(ctx.get("page_no") or 1)
        page_count = int(payload.get("pageCount") or 1)
        if page_no == 1:
            for n in range(2, min(page_count, self.max_list_pages) + 1):
                req = self._follow(pages.jpaas_url(ctx["jpaas"], n), ctx, kind="list", parent=referer,
                                   title=f"jpaas page {n}", callback=self.parse_jpaas, headers={"Referer": referer},
                                   jpaas=ctx["jpaas"], page_no=n, priority=4)
                if req is not None:
                    yield req

    def parse_gkmlpt(self, response: Response):
        ctx = nb(response.request)
        try:
            data = json.loads(response.text)
        except (ValueError, AttributeError):
            self.recorder.record(response.request, "error", reason="gkmlpt: answer is not JSON")
            return
        articles = data.get("articles") or []
        self.recorder.record(response.request, "list", title=f"gkmlpt category {ctx.get('gk_cat')} ({len(articles)})")
        for art in articles:
            url = art.get("url") or art.get("post_url")
            if not url:
                continue
            url = response.urljoin(url)
            label = art.get("title") or ""
            if ctx.get("nb_column") or titles.looks_like_report_link(label):
                req = self._article_request(url, dict(ctx, gk_publisher=art.get("publisher")), response.url, label)
                if req is not None:
                    yield req
        count = int((data.get("classify") or {}).get("post_count") or 0)
        page_no = int(ctx.get("page_no") or 1)
        if page_no == 1 and count > len(articles) and articles:
            url = re.sub(r"page=\d+", "page=2", response.url)
            req = self._follow(url, ctx, kind="list", parent=response.url, title="gkmlpt page 2",
                               callback=self.parse_gkmlpt, gk_cat=ctx.get("gk_cat"), page_no=2, priority=4)
            if req is not None:
                yield req

    # -- articles ---------------------------------------------------------------------------------
    def _titles(self, page: pages.Page, ctx: dict) -> list[str]:
        out = []
        for key in ("ArticleTitle", "articletitle", "title"):
            if page.metas.get(key):
                out.append(page.metas[key])
        if page.doc is not None:
            for node in page.doc.xpath("//h1|//h2|//*[contains(@class,'title')]")[:6]:
                text = node.text_content().strip()
                if text:
                    out.append(text)
        out.append(page.title)
        if ctx.get("title"):
            out.append(ctx["title"])
        return out

    def _body_agency(self, page: pages.Page, ctx: dict) -> str | None:
        for key in ("ContentSource", "contentsource"):
            if page.metas.get(key):
                return page.metas[key].strip()
        text = pages.page_text(page)[:6000]
        m = re.search(r"(?:发布机构|信息来源|来源|发文机关)\s*[:：]?\s*([\u4e00-\u9fff（）()]{3,30}?)(?:\s|$|字体|发布|生成|成文|索引)", text)
        if m:
            return m.group(1)
        return ctx.get("gk_publisher")

    def _article(self, response: Response, page: pages.Page, ctx: dict):
        request = response.request
        if self._soft_404(page, response):
            self.recorder.record(request, "error", reason="soft-404: page says it does not exist (HTTP 200)")
            return
        site_names = tuple(n for n in (page.metas.get("SiteName", ""), page.metas.get("ColumnName", "")) if n)
        verdict = titles.TitleVerdict("other")
        chosen = ""
        for candidate in self._titles(page, ctx):
            v = titles.classify_title(titles.strip_site_name(candidate, site_names))
            if v.kind != "other":
                verdict, chosen = v, candidate
                break
        if verdict.kind == "report":
            agency = self._clean_agency(verdict.agency, site_names) or self._body_agency(page, ctx)
            elsewhere = titles.agency_is_elsewhere(agency, ctx.get("seed_agency") or "", self.known_places)
            if elsewhere:
                self.recorder.record(request, "lookalike", reason=elsewhere, title=chosen, agency=agency,
                                     year=verdict.year)
                return
            self._defer_report(request, page, title=chosen.strip(), agency=agency, year=verdict.year,
                               variant=verdict.variant)
            yield from self._attachments(response, page, ctx, agency, verdict.year)
        elif verdict.kind == "lookalike":
            self.recorder.record(request, "lookalike", reason=verdict.reason, title=chosen.strip())
        else:
            self.recorder.record(request, "other", title=(page.title or ctx.get("title") or "")[:120],
                                 reason="not a report by its title")

    def _defer_report(self, request: Request, page: pages.Page, **found) -> None:
        """Reports are logged when the crawl ends: a portal that reposts a report (same agency
        and year, published later) must have its original logged as the report, the copy as a
        look-alike, whichever was fetched first. Until then they wait on disk, as plain values."""
        if self.found_reports is None:
            self.found_reports = DeferredReports(self.recorder.crawl_dir / "reports-found.sqlite")
        found["numbers"] = " ".join(body_numbers(page))
        held = self.recorder.hold(request)
        self.found_reports.add(urlsplit(request.url).netloc, found["agency"], found["year"],
                               publication_date(page, request.url), held, found)

    def closed(self, reason: str) -> None:
        if self.found_reports is None:
            return
        for reports in self.found_reports.groups():
            kept: list[tuple[str | None, dict, tuple[str, ...], frozenset[str]]] = []
            for date, held, found in reports:
                numbers = tuple(found["numbers"].split())
                files = self.found_reports.attachment_digests(held["url"]) if len(reports) > 1 else frozenset()
                variant = f"variant: {found['variant']}" if found.get("variant") else None
                original = next((k for k in kept if same_report(k[2], numbers)), None)
                shared = "" if original else " (the same document attached)"
                original = original or next((k for k in kept if k[3] & files), None)
                if original is None:
                    kept.append((date, held, numbers, files))
                    self.recorder.record_held(held, "report", title=found["title"], agency=found["agency"],
                                              year=found["year"], reason=variant)
                else:
                    self.recorder.record_held(held, "lookalike", title=found["title"], agency=found["agency"],
                                              year=found["year"],
                                              reason=f"repost: the same report as {original[1]['url']} "
                                                     f"(published {original[0]}), published again {date}{shared}")
        self.found_reports.close()
        self.found_reports = None

    @staticmethod
    def _clean_agency(agency: str | None, prefixes: tuple[str, ...]) -> str | None:
        """Drop a site or column name glued in front ('XX市人民政府 XX市信访局 XX市信访局2023年…'),
        but only when what remains names an agency by itself (starts with a place)."""
        if not agency:
            return None
        changed = True
        while changed:
            changed = False
            for p in prefixes:
                p = titles.normalise_title(p)
                rest = agency[len(p):] if p and agency.startswith(p) else ""
                if len(rest) >= 4 and titles.seed_place(rest):
                    agency, changed = rest, True
        return agency

    def _attachments(self, response: Response, page: pages.Page, ctx: dict, agency: str | None, year: int | None):
        here = response.url
        for link in pages.extract_links(page):
            if scope.is_attachment_url(link.url):
                req = self._follow(link.url, ctx, kind="attachment", parent=here, title=link.label, agency=agency,
                                   year=year, priority=7)
                if req is not None:
                    yield req
        for img in pages.images(page):
            if re.search(r"logo|icon|banner|/images?/(?:common|public)|/static/|/css/", img.url, re.I):
                continue
            req = self._follow(img.url, ctx, kind="attachment", parent=here, title=img.text or "image",
                               agency=agency, year=year, priority=7)
            if req is not None:
                yield req

    # -- failures ---------------------------------------------------------------------------------
    def on_error(self, failure):
        request = failure.request
        exc = failure.value
        if isinstance(exc, HttpError) and nb(request).get("kind") == "probe":
            self.recorder.record(request, "other", reason=f"probe: a missing page answers HTTP {exc.response.status}")
        elif isinstance(exc, HttpError):
            status = exc.response.status
            self.recorder.record(request, "error", reason=f"http-{status}: {exc.response.url}", status=status)
        elif isinstance(exc, IgnoreRequest):
            message = str(exc)
            if "robots" in message.lower():
                self.recorder.record(request, "robots", reason="robots-disallow: forbidden by robots.txt")
            elif message.startswith("blocked"):
                self.recorder.record(request, "blocked", reason=message.removeprefix("blocked: "))
            elif "private-address" in message:
                self.recorder.record(request, "error", reason=message)
            else:
                self.recorder.record(request, "other", reason=f"ignored: {message}"[:300])
        else:
            from crawler.capture import failure_reason

            self.recorder.record(request, "error", reason=failure_reason(exc))
