"""Reading a page without a browser: its text, title, links, and the lists hidden in scripts.

Covers what portals.md says a plain HTTP client can still see: ``<a>``/``<iframe>`` links,
``document.write``'d attachment links, Hanweb ``<datastore>`` XML islands, TRS ``countPage`` /
``createPageHTML`` (0-based) and the six-argument 1-based ``createPageHTML``, Hanweb
``dataproxy.jsp`` parameters, jpaas ``paramJson`` parameters, gkmlpt ``SID``, next-page links.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

import lxml.html
from lxml import etree

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def decode_html(body: bytes, content_type: str | None) -> str:
    """Text of a page whose labels may lie (header vs meta vs none, portals.md §4.1).

    A label is trusted only if the bytes decode under it; ISO-8859-1 from a header is never
    trusted for a Chinese portal; then UTF-8, then GB18030 (a superset of GBK/GB2312).
    """
    candidates: list[str] = []
    if content_type:
        m = re.search(r"charset\s*=\s*['\"]?([A-Za-z0-9_\-]+)", content_type, re.I)
        if m and m.group(1).lower() not in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
            candidates.append(m.group(1))
    m = _META_CHARSET.search(body[:4096])
    if m:
        candidates.append(m.group(1).decode("ascii", "ignore"))
    candidates += ["utf-8", "gb18030"]
    for enc in candidates:
        enc = {"gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs"}.get(enc.lower(), enc)
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", "replace")


@dataclass
class Link:
    url: str
    text: str = ""
    title: str = ""
    source: str = "a"  # a, iframe, script, island, img, json

    @property
    def label(self) -> str:
        """The fuller of link text and title attribute (lists truncate text, not titles)."""
        text = re.sub(r"\s+", "", self.text or "")
        title = re.sub(r"\s+", "", self.title or "")
        return title if len(title) > len(text.rstrip(".…")) else (self.text or "").strip()


@dataclass
class Page:
    url: str
    html: str
    doc: lxml.html.HtmlElement | None = None
    metas: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        if self.doc is None:
            return ""
        node = self.doc.find(".//title")
        return (node.text_content() if node is not None else "").strip()


def parse_page(url: str, html: str) -> Page:
    page = Page(url, html)
    try:
        page.doc = lxml.html.document_fromstring(html or "<html></html>")
    except (etree.ParserError, ValueError):
        page.doc = lxml.html.document_fromstring("<html></html>")
    for meta in page.doc.iter("meta"):
        name = (meta.get("name") or "").strip()
        if name and meta.get("content") is not None:
            page.metas.setdefault(name, meta.get("content").strip())
    return page


def _join(base: str, href: str) -> str | None:
    href = (href or "").strip().replace("\\", "/") if href else ""
    if not href or href.startswith(("javascript:", "mailto:", "tel:", "#", "data:")):
        return None
    try:
        url = urljoin(base, href)
    except ValueError:
        return None
    url, _ = urldefrag(url)
    if not url.startswith(("http://", "https://")):
        return None
    return url


def base_url(page: Page) -> str:
    if page.doc is not None:
        for b in page.doc.iter("base"):
            if b.get("href"):
                return urljoin(page.url, b.get("href"))
    return page.url


# an <a> inside script text; the closing quote must match the opening one, so hrefs built by
# concatenation ("index"+"_"+n+".html") are left to the pagination rules
_SCRIPT_A = re.compile(r"""<a\s[^>]*?href\s*=\s*(\\?["'])([^"'\\]+)\1[^>]*>(.*?)</a>""", re.I | re.S)
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>", re.S)


def extract_links(page: Page) -> list[Link]:
    """Every link a visitor could follow, in page order, including script-written ones."""
    base = base_url(page)
    out: list[Link] = []
    seen: set[tuple[str, str]] = set()

    def add(href: str | None, text: str = "", title: str = "", source: str = "a", at: str = base) -> None:
        url = _join(at, href or "")
        if url and (url, source) not in seen:
            seen.add((url, source))
            out.append(Link(url, text.strip(), (title or "").strip(), source))

    if page.doc is None:
        return out
    for el in page.doc.iter("a", "area"):
        add(el.get("href"), el.text_content(), el.get("title") or "", "a")
    for el in page.doc.iter("iframe", "frame"):
        add(el.get("src"), el.get("title") or "", "", "iframe")
    for script in page.doc.iter("script"):
        code = script.text or ""
        if not code:
            continue
        if "<datastore" in code or "CDATA" in code:
            records = _RECORD.findall(code)  # <nextgroup> holds the paging URL, not an article
            for block in records or _CDATA.findall(code):
                for m in _SCRIPT_A.finditer(block):
                    title = re.search(r"""title\s*=\s*['"]([^'"]*)['"]""", m.group(0))
                    add(m.group(2), _strip_tags(m.group(3)), title.group(1) if title else "", "island")
            continue
        for m in _SCRIPT_A.finditer(code):
            add(m.group(2), _strip_tags(m.group(3)), "", "script")
    return out


def _strip_tags(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment).replace("&nbsp;", " ").strip()


def images(page: Page) -> list[Link]:
    base = base_url(page)
    out = []
    if page.doc is None:
        return out
    for el in page.doc.iter("img"):
        url = _join(base, el.get("src") or "")
        if url:
            out.append(Link(url, el.get("alt") or "", "", "img"))
    return out


def links_in_fragment(fragment: str, base: str, source: str) -> list[Link]:
    """Links in an HTML fragment returned by a list API (jpaas ``data.html``, dataproxy records)."""
    page = parse_page(base, f"<html><body>{fragment}</body></html>")
    return [Link(link.url, link.text, link.title, source) for link in extract_links(page)]


def page_text(page: Page) -> str:
    """The page's text without its scripts and styles, whitespace folded; the parsed page is left
    as it was (callers read its links and titles too)."""
    if page.doc is None:
        return ""
    return re.sub(r"\s+", " ", "".join(page.doc.xpath("//text()[not(ancestor::script) and not(ancestor::style)]")))


# -- pagination -----------------------------------------------------------------------------------
_COUNTPAGE = re.compile(r"var\s+countPage\s*=\s*(\d+)")
_CURRENTPAGE = re.compile(r"var\s+currentPage\s*=\s*(\d+)")
_CREATE4 = re.compile(r"""createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w\-]+)["']\s*,\s*["'](\w+)["']\s*\)""")
_CREATE6 = re.compile(
    r"""createPageHTML\(\s*["'][\w\-]+["']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*["']([\w\-]+)["']\s*,\s*["'](\w+)["']\s*,\s*(\d+)\s*\)""")
_COUNTPAGE_HREF = re.compile(r"""href=\\?["'](\w+)["']?\s*\+\s*["']_["']\s*\+\s*\w+\s*\+\s*["']\.["']\s*\+\s*["'](\w+)""")
_COUNTPAGE_EXT = re.compile(r"""["'](\w+)_["']\s*\+\s*\(?countPage|index_"\s*\+\s*\(countPage-1\)\s*\+\s*"\.(\w+)""")


@dataclass(frozen=True)
class Pagination:
    mechanism: str  # trs-countPage, trs-createPageHTML, createPageHTML-6, next-link
    urls: tuple[str, ...]


def script_pagination(page: Page, max_pages: int) -> Pagination | None:
    """The later list pages that only a pagination script knows about."""
    html = page.html
    m6 = _CREATE6.search(html)
    if m6:
        total, _current, prefix, ext = int(m6.group(1)), int(m6.group(2)), m6.group(3), m6.group(4)
        urls = [urljoin(page.url, f"{prefix}.{ext}")] + [
            urljoin(page.url, f"{prefix}_{n}.{ext}") for n in range(2, min(total, max_pages) + 1)]
        return Pagination("createPageHTML-6 (1-based)", tuple(urls))
    m4 = _CREATE4.search(html.replace("_nPageCount", ""))
    if m4:
        total, prefix, ext = int(m4.group(1)), m4.group(3), m4.group(4)
        urls = [urljoin(page.url, f"{prefix}_{n}.{ext}") for n in range(1, min(total, max_pages))]
        return Pagination("trs-createPageHTML (0-based)", tuple(urls))
    mc = _COUNTPAGE.search(html)
    if mc:
        total = int(mc.group(1))
        prefix, ext = "index", "html"
        found = re.search(r"""href=\\?["'](\w+)\.(\w+)\\?["']""", html[mc.start(): mc.start() + 3000])
        if found:
            prefix, ext = found.group(1), found.group(2)
        urls = [urljoin(page.url, f"{prefix}_{n}.{ext}") for n in range(1, min(total, max_pages))]
        return Pagination("trs-countPage (0-based)", tuple(urls))
    return None


_NEXT_TEXT = re.compile(r"^\s*(?:下一页|下页|后一页|>|›|»|Next)\s*$", re.I)


def next_page_links(links: list[Link]) -> list[str]:
    return [link.url for link in links if link.source == "a" and _NEXT_TEXT.match(link.text or "")]


_PAGE_PARAMS = ("page", "pagenum", "pageno", "cur_page", "currpage", "curpage", "pageindex", "p", "pn")


def is_pagination_link(current: str, link: Link) -> bool:
    """A link to another page of the same list: same path, only a page-number parameter differs,
    or a sibling ``index_N``/``list_N`` file; its text is a number or a paging word."""
    from urllib.parse import parse_qsl, urlsplit

    text = re.sub(r"\s+", "", link.text or "")
    if not (text.isdigit() or _NEXT_TEXT.match(text) or text in ("上一页", "首页", "尾页", "末页", "最后一页")):
        return False
    a, b = urlsplit(current), urlsplit(link.url)
    if a.netloc != b.netloc:
        return False
    if a.path == b.path:
        qa, qb = dict(parse_qsl(a.query)), dict(parse_qsl(b.query))
        changed = {k for k in set(qa) | set(qb) if qa.get(k) != qb.get(k)}
        return bool(changed) and all(k.lower() in _PAGE_PARAMS for k in changed)
    da, db = a.path.rsplit("/", 1)[0], b.path.rsplit("/", 1)[0]
    return da == db and bool(re.search(r"(?:_|/)\d+\.s?html?$", b.path))


# -- Hanweb datastore / dataproxy.jsp ---------------------------------------------------------------
_JPAGE_CONF = re.compile(r"jpageConf\s*=\s*(\{.*?\})\s*;", re.S)
_PROXY_POST = re.compile(r"""open\(\s*['"]POST['"]\s*,\s*['"]([^'"]*dataproxy\.jsp)\?startrecord=(\d+)&endrecord=(\d+)&perpage=(\d+)""")
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[\s*<a\s+href=[\"']([^\"']+)[\"']", re.S)
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*(\d+)", re.I)


@dataclass(frozen=True)
class HanwebList:
    proxy_url: str
    form: dict | None  # POST form (jpageConf) when the page uses the POST variant
    start: int
    step: int
    perpage: int
    total: int | None
    get_template: str | None  # nextgroup URL with page=N for the GET variant


def hanweb_list(page: Page) -> HanwebList | None:
    html = page.html
    if "datastore" not in html and "dataproxy.jsp" not in html:
        return None
    total_m = _TOTAL.search(html)
    total = int(total_m.group(1)) if total_m else None
    post = _PROXY_POST.search(html)
    conf = _JPAGE_CONF.search(html)
    nextgroup = _NEXTGROUP.search(html)
    get_template = urljoin(page.url, nextgroup.group(1).replace("&amp;", "&")) if nextgroup else None
    if post and conf:
        try:
            form = json.loads(conf.group(1))
        except json.JSONDecodeError:
            form = None
        if form is not None:
            start, end, perpage = int(post.group(2)), int(post.group(3)), int(post.group(4))
            return HanwebList(urljoin(page.url, post.group(1)), {k: str(v) for k, v in form.items()}, start,
                              end - start + 1, perpage, total, get_template)
    if get_template:
        return HanwebList(get_template.split("?")[0], None, 2, 1, 0, total, get_template)
    return None


def parse_datastore(xml_text: str, base: str) -> tuple[list[Link], int | None, int | None]:
    """Records of a dataproxy.jsp answer: (links, totalrecord, totalpage)."""
    links: list[Link] = []
    for block in _CDATA.findall(xml_text):
        links += links_in_fragment(block, base, "island")
    tr = re.search(r"<totalrecord>\s*(\d+)", xml_text)
    tp = re.search(r"<totalpage>\s*(\d+)", xml_text)
    return links, (int(tr.group(1)) if tr else None), (int(tp.group(1)) if tp else None)


# -- jpaas ------------------------------------------------------------------------------------------
_JPAAS_VAR = {k: re.compile(rf"""\b{k}\s*[=:]\s*['"]([^'"]+)['"]""") for k in ("webId", "pageId", "tplSetId", "tagId")}
_JPAAS_API = re.compile(r"""['"](/api-gateway/jpaas-publish-server/front/page/build/unit)""")
_JPAAS_SIZE = re.compile(r"pageSize\s*:\s*(\d+)")


def jpaas_params(page: Page) -> dict | None:
    html = page.html
    api = _JPAAS_API.search(html)
    if not api:
        return None
    values = {}
    for key, rx in _JPAAS_VAR.items():
        m = rx.search(html)
        if not m:
            return None
        values[key] = m.group(1)
    size = _JPAAS_SIZE.search(html)
    values["pageSize"] = int(size.group(1)) if size else 10
    values["api"] = urljoin(page.url, api.group(1))
    return values


def jpaas_url(params: dict, page_no: int) -> str:
    from urllib.parse import quote

    param_json = json.dumps({"pageNo": page_no, "pageSize": params["pageSize"]}, separators=(",", ":"))
    return (f"{params['api']}?parseType=bulidstatic&webId={params['webId']}&tplSetId={params['tplSetId']}"
            f"&pageType=column&tagId={quote(params['tagId'])}&editType=null&pageId={params['pageId']}"
            f"&paramJson={quote(param_json)}")


# -- gkmlpt -------------------------------------------------------------------------------------------
_SID = re.compile(r"""SID\s*:\s*['"](\d+)['"]""")
_TREE = re.compile(r"TREE\s*:\s*(\[.*?\])\s*\}\s*;", re.S)


def gkmlpt_config(page: Page) -> tuple[str, list[tuple[int, str]]] | None:
    """(SID, [(category id, name)…]) of a gkmlpt shell page."""
    sid = _SID.search(page.html)
    if not sid or "gkmlpt" not in page.url + page.html[:20000]:
        return None
    cats: list[tuple[int, str]] = []
    tree = _TREE.search(page.html)
    if tree:
        try:
            def walk(nodes):
                for node in nodes:
                    cats.append((int(node["id"]), str(node.get("name", ""))))
                    walk(node.get("children") or [])

            walk(json.loads(tree.group(1)))
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            pass
    return sid.group(1), cats
