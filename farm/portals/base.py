"""What every simulated portal shares: agencies, columns, articles, documents, the page chrome.

A CMS family (one module each in farm/portals/) subclasses `Portal` and decides the URL shapes
(`layout`), how a column lists its articles (plain links, script-only pagination, XML islands,
JSON APIs...) and how an article page looks. The content (which reports, look-alikes and filler
items sit in which column) is planned by farm.generate before the family lays it out.
"""

from __future__ import annotations

import datetime as dt
import html
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from farm import content
from farm.model import CHINA_TZ, Resource, Site


@dataclass
class Agency:
    name: str
    level: str  # county, city, office, department, township
    parent: str | None = None
    slug: str = ""
    adcode: str | None = None


@dataclass
class Doc:
    """An attachment: a report document, or an unrelated file a page links to."""

    fmt: str  # render format: pdf, pdf_image, docx, doc, xls, xlsx, image (or zip for unrelated files)
    name: str
    data: Callable[[], bytes]
    report: content.PlantedReport | None = None
    via_js: bool = False  # the link exists only inside a document.write script
    path: str = ""  # the href as the page shows it (absolute path); set by the family
    final_path: str = ""  # where the bytes are (after a redirect), when different

    @property
    def content_type(self) -> str:
        return content.CONTENT_TYPES.get(self.fmt, "application/octet-stream")

    @property
    def ext(self) -> str:
        return content.EXTENSIONS.get(self.fmt, self.fmt)


@dataclass
class Article:
    kind: str  # report, lookalike, filler
    title: str
    published: dt.date
    agency: Agency
    body: str = ""  # inner HTML of the article body
    docs: list[Doc] = field(default_factory=list)
    report: content.PlantedReport | None = None
    lookalike_kind: str | None = None
    delivery: str = "html"  # html, attachment, image, pdf_image (reports)
    layout: str | None = None
    title_in_body: bool = True
    list_title: str | None = None  # as the list shows it (truncated, split over lines)
    title_attr: bool = True  # the list's <a> carries title="..."
    same_as: str | None = None  # for reposts: the original's URL
    path: str = ""
    list_date: dt.date | None = None  # the date the list shows, when not the page's (成文 vs 发布)
    assets: list[tuple[str, bytes, str]] = field(default_factory=list)  # files the body links as ./name
    seq: int = 0  # a per-site serial number, increasing with the date
    extra: dict = field(default_factory=dict)


@dataclass
class Column:
    key: str
    name: str
    agency: Agency
    articles: list[Article] = field(default_factory=list)
    kind: str = "nb"  # nb (年报), gwgg (公文公告), news, year (a per-year sub-folder)
    path: str = ""  # the column's URL path (its first list page)
    children: list[Column] = field(default_factory=list)
    slug: str = ""
    extra: dict = field(default_factory=dict)

    def sorted_articles(self) -> list[Article]:
        """Newest first, except an old item pinned to the top (部分旧文章可能会置顶)."""
        ordered = sorted(self.articles, key=lambda a: (a.published, a.seq), reverse=True)
        pinned = self.extra.get("pinned")
        if pinned in ordered:
            ordered.remove(pinned)
            ordered.insert(0, pinned)
        return ordered


def noon(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, 30, tzinfo=CHINA_TZ)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


class Portal:
    """One simulated portal (one host). Families override the layout and the page shapes."""

    family = "base"
    list_page_size = 10
    needs_browser_lists = False  # the 年报 column's list can only be seen by running JavaScript

    def __init__(self, host: str, agency: Agency, rng: random.Random, *, scheme: str = "http",
                 site_name: str | None = None, site_code: str = "0000000000"):
        self.host = host
        self.agency = agency
        self.rng = rng
        self.scheme = scheme
        self.site_name = site_name or agency.name
        self.site_code = site_code
        self.site = Site(host)
        self.columns: list[Column] = []
        self.hostile: list[str] = []
        self.traps: list[dict] = []
        self.charset_mode = "header"  # header, meta-only, wrong-label, none
        self.needs_browser = False
        self.robots_disallow = False
        self.seeds: list[dict] = []
        self.notes = ""
        self.home_links: list[tuple[str, str]] = []  # (href, text) extra links on the home page
        self.nav_extra: str = ""
        self.big5_gateway = False
        self.options: dict = {}
        self.place = ""
        self.extra_sites: list[Site] = []
        self.moved_from: str | None = None

    # -- URLs --------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}{path}"

    def all_columns(self) -> list[Column]:
        out = []
        stack = list(self.columns)
        while stack:
            col = stack.pop(0)
            out.append(col)
            stack = col.children + stack
        return out

    def articles(self) -> list[Article]:
        return [a for col in self.all_columns() for a in col.articles]

    # -- building ------------------------------------------------------------------------------
    def build(self) -> None:
        """Lay out every column and article, then register every resource on the site."""
        dates = [a.published for a in self.articles()]
        self.latest = max(dates) if dates else dt.date(2024, 1, 1)
        self.layout()
        for col in self.all_columns():
            for art in col.articles:
                self.register_article(col, art)
            self.register_column(col)
        self.register_home()
        self.register_robots()

    def layout(self) -> None:
        raise NotImplementedError

    def register_column(self, col: Column) -> None:
        raise NotImplementedError

    def register_article(self, col: Column, art: Article) -> None:
        for doc in art.docs:
            self.site.add(doc.final_path or doc.path, Resource(doc.content_type, doc.data, noon(art.published, 10)))
        folder = art.path.rsplit("/", 1)[0]
        for name, data, ctype in art.assets:
            self.site.add(f"{folder}/{name}", Resource(ctype, data, noon(art.published, 10)))
        self.add_page(art.path, self.article_page(col, art), noon(art.published))

    def register_home(self) -> None:
        links = [(c.path, c.name) for c in self.columns]
        links += self.home_links
        items = "".join(f'<li><a href="{esc(h)}">{esc(t)}</a></li>' for h, t in links)
        body = (f'<div class="home"><h2>政务公开</h2><ul class="gk-nav">{items}</ul>'
                f'<div class="news"><h3>今日要闻</h3><p>（本站首页）</p></div></div>')
        self.add_page("/", self.page(self.site_name, body, crumbs=["首页"]), None)
        if "/index.html" not in self.site.routes:
            self.add_page("/index.html", self.page(self.site_name, body, crumbs=["首页"]), None)

    def register_robots(self) -> None:
        text = "User-agent: *\nDisallow: /\n" if self.robots_disallow else (
            "User-agent: *\nDisallow: /was5/\n")
        self.site.add("/robots.txt", Resource("text/plain", text.encode()))

    def attach_trap_page(self, title: str, href: str, kind: str) -> None:
        """A small page linking to a trap file (huge, truncated), linked from the home page."""
        path = f"/zwgk/xzzx/{len(self.traps) + 1}.html"
        body = f'<h2>{esc(title)}</h2><p>附件：<a href="{esc(href)}">{esc(title)}</a></p>'
        self.add_page(path, self.page(f"{title}_{self.site_name}", body, crumbs=["首页", "下载中心"]), None)
        self.home_links.append((path, title))
        self.traps.append({"url_prefix": self.url(href), "kind": kind, "linked_from": self.url(path)})
        self.register_home()

    def default_paths(self, main: str, dept: str, town: str, gwgg: str) -> None:
        """Give every column without a path one of the family's usual shapes."""
        for col in self.all_columns():
            if col.path:
                continue
            if col.key == "main":
                col.path = main
            elif col.key.startswith("dept:"):
                col.path = dept.format(slug=col.slug)
            elif col.key.startswith("town:"):
                col.path = town.format(slug=col.slug)
            elif col.key == "gwgg":
                col.path = gwgg
            else:
                raise ValueError(f"no path for column {col.key}")

    # -- pages ---------------------------------------------------------------------------------
    def add_page(self, path: str, html_text: str, modified: dt.datetime | None) -> None:
        """A page; lists and home pages (no date of their own) change when the newest item does."""
        data, ctype = self.encode_page(html_text)
        self.site.add(path, Resource(ctype, data, modified or noon(getattr(self, "latest", dt.date(2024, 1, 1)), 18)))

    def encode_page(self, html_text: str) -> tuple[bytes, str]:
        mode = self.charset_mode
        if mode == "meta-only":
            try:
                label = "gb2312"
                data = html_text.replace("{{META_CHARSET}}", self._meta("gb2312")).encode("gb2312")
            except UnicodeEncodeError:
                label = "gbk"
                data = html_text.replace("{{META_CHARSET}}", self._meta(label)).encode("gbk", "xmlcharrefreplace")
            return data, "text/html"
        data = html_text.replace("{{META_CHARSET}}", "" if mode == "none" else self._meta("utf-8")).encode("utf-8")
        if mode == "wrong-label":
            return data, "text/html; charset=ISO-8859-1"
        if mode == "none":
            return data, "text/html"
        return data, "text/html; charset=utf-8"

    @staticmethod
    def _meta(label: str) -> str:
        return f'<meta http-equiv="Content-Type" content="text/html; charset={label}">'

    def page(self, title: str, main: str, *, crumbs: list[str] | None = None, metas: str = "",
             scripts: str = "", body_class: str = "") -> str:
        crumbs = crumbs or ["首页"]
        crumb_html = " &gt; ".join(esc(c) for c in crumbs)
        big5 = (f'<a href="/gate/big5/{self.host}/">繁體版</a>' if self.big5_gateway
                else '<a href="javascript:void(0)" id="StranLink">繁體中文</a>')
        return (
            "<!DOCTYPE html>\n<html>\n<head>\n{{META_CHARSET}}\n"
            f"<title>{esc(title)}</title>\n"
            f'<meta name="SiteName" content="{esc(self.site_name)}">\n'
            f'<meta name="SiteDomain" content="{self.host}">\n'
            f'<meta name="SiteIDCode" content="{self.site_code}">\n'
            f"{metas}{scripts}</head>\n<body class=\"{body_class}\">\n"
            f'<div class="top">{big5} | <a href="javascript:void(0)">无障碍</a> | 长者版</div>\n'
            f'<div class="header"><a href="/"><h1 class="logo">{esc(self.site_name)}</h1></a></div>\n'
            f'<div class="nav"><a href="/">首页</a> <a href="{esc(self.columns[0].path if self.columns else "/")}">政务公开</a>'
            f"{self.nav_extra}</div>\n"
            f'<div class="crumbs">当前位置：{crumb_html}</div>\n'
            f'<div class="main">\n{main}\n</div>\n'
            f'<div class="footer">主办：{esc(self.site_name)} 网站标识码：{self.site_code} ICP备05001234号-1\n'
            f'<script id="_jiucuo_" sitecode="{self.site_code}" src="http://pucha.kaipuyun.cn/exposure/jiucuo.js"></script>'
            "</div>\n</body>\n</html>\n"
        )

    def article_metas(self, col: Column, art: Article) -> str:
        return (f'<meta name="ColumnName" content="{esc(col.name)}">\n'
                f'<meta name="ArticleTitle" content="{esc(art.title)}">\n'
                f'<meta name="PubDate" content="{art.published.isoformat()} {9 + art.seq % 8:02d}:{art.seq % 60:02d}">\n'
                f'<meta name="ContentSource" content="{esc(art.agency.name)}">\n')

    def article_body(self, art: Article, *, container: str = '<div class="TRS_Editor">', closing: str = "</div>") -> str:
        """The body block: title (unless it is left out), info line, content, attachment links."""
        head = ""
        if art.title_in_body:
            head = f'<h2 class="title">{esc(art.title)}</h2>\n'
        info = (f'<div class="info">发布时间：{art.published.isoformat()} 信息来源：{esc(art.agency.name)} '
                '字体：[<a>大</a> <a>中</a> <a>小</a>] <a href="javascript:window.print()">打印</a></div>\n')
        images = "".join(f'<p style="text-align:center"><img src="{esc(d.path)}" alt="" border="0"></p>\n'
                         for d in art.docs if d.fmt in ("image", "jpeg"))
        return f"{head}{info}{container}\n{art.body}\n{images}{closing}\n{self.attachment_block(art)}"

    def attachment_block(self, art: Article) -> str:
        plain = [d for d in art.docs if not d.via_js and d.fmt not in ("image", "jpeg")]
        scripted = [d for d in art.docs if d.via_js and d.fmt not in ("image", "jpeg")]
        out = ""
        if plain:
            out += '<div class="fj">附件：' + "".join(
                f'<p><a href="{esc(d.path)}" title="{esc(d.name)}">{esc(d.name)}</a></p>' for d in plain) + "</div>\n"
        if scripted:
            names = "<BR/>".join(esc(d.name) for d in scripted)
            links = "<BR/>".join(f"<a href=\"{d.path}\">{esc(d.name)}</a>" for d in scripted)
            out += ('<div class="fj"><script>\nvar file_appendix = "' + names + '";\n'
                    'if(file_appendix != ""){document.write(\'附件：' + links.replace("'", "\\'") + "');}\n</script></div>\n")
        return out

    def article_page(self, col: Column, art: Article) -> str:
        body = self.article_body(art)
        return self.page(f"{art.title}_{self.site_name}", body, crumbs=["首页", "政务公开", col.name],
                         metas=self.article_metas(col, art))

    # -- list helpers --------------------------------------------------------------------------
    def list_title_html(self, art: Article, href: str, *, max_len: int | None = None) -> str:
        shown = art.list_title or art.title
        if max_len and len(shown) > max_len:
            shown = shown[:max_len] + "..."
        title_attr = f' title="{esc(art.title)}"' if art.title_attr else ""
        text = esc(shown).replace("\n", "<br>\n")
        return f'<a href="{esc(href)}"{title_attr} target="_blank">{text}</a>'

    def plain_list_items(self, arts: list[Article], href: Callable[[Article], str], max_len: int | None = None) -> str:
        return "\n".join(f"<li>{self.list_title_html(a, href(a), max_len=max_len)}"
                         f"<span>{(a.list_date or a.published).isoformat()}</span></li>" for a in arts)


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]
