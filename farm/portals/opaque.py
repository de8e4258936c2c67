"""Opaque-id platforms: Shandong 集约化 (``/site_x/channel_<hex>/doc_<ObjectId>.html``), iframe
shells, and a list that only a real browser reveals.

- `ShandongPortal`: ids are Mongo ObjectIds whose first four bytes are the publish time; lists are
  ``index.html``, ``index_2.html`` … linked by a plain 下一页 anchor.
- `IframePortal`: the column page is a shell; the real list is a same-host ``<iframe>``
  (``list.jsp?colid=N&page=P``), articles ``/<yyyy>/<mm-dd>/<id>.html`` (Henan style).
- `SpaPortal`: the 年报 list is an XOR-scrambled blob decoded by a computed key in the page's
  script, articles at ``/xxgk/c/<32hex>.shtml``: no static rule can find them.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json

from farm.model import CHINA_TZ
from farm.portals.base import Article, Column, Portal, chunks, esc
from farm.portals.trs import TrsPortal


def published_at(art: Article, hour: int) -> dt.datetime:
    """A plausible publishing moment on the article's date (China time), stable per article."""
    day = art.published
    return dt.datetime(day.year, day.month, day.day, hour, art.seq % 60, art.seq % 59, tzinfo=CHINA_TZ)


def object_id(moment: dt.datetime, salt: str) -> str:
    return format(int(moment.timestamp()), "08x") + hashlib.md5(salt.encode()).hexdigest()[:16]


class ShandongPortal(Portal):
    family = "shandong"
    list_page_size = 8

    def layout(self) -> None:
        code = "".join(ch for ch in hashlib.md5(self.host.encode()).hexdigest() if ch.isalpha())[:6] or "xyx"
        self.site_root = f"/site_{code}"
        for i, col in enumerate(self.all_columns()):
            channel = hashlib.md5(f"{self.host}:{col.key}".encode()).hexdigest()[:24] if i % 2 == 0 else f"x_{5669 + i}_{13598 + i * 7}"
            col.path = f"{self.site_root}/channel_{channel}/index.html"
            folder = col.path.rsplit("/", 1)[0]
            for art in col.articles:
                moment = published_at(art, 9)
                if art.kind == "report" and art.seq % 9 == 4:  # re-imported in a migration: the id is newer
                    art.extra["id_date"] = (art.published + dt.timedelta(days=art.seq % 200 + 30)).isoformat()
                    moment = moment + dt.timedelta(days=art.seq % 200 + 30)
                art.path = f"{folder}/doc_{object_id(moment, f'{self.host}{art.seq}')}.html"
                for j, doc in enumerate(art.docs):
                    doc.path = f"{self.site_root}/upload/{art.published:%Y%m%d}/{object_id(moment, f'{art.seq}:{j}')}.{doc.ext}"

    def register_column(self, col: Column) -> None:
        pages = chunks(col.sorted_articles(), self.list_page_size)
        folder = col.path.rsplit("/", 1)[0]
        for i, arts in enumerate(pages):
            path = col.path if i == 0 else f"{folder}/index_{i + 1}.html"
            items = self.plain_list_items(arts, lambda a: a.path)
            nav = ""
            if i + 1 < len(pages):
                nav += f'<a class="next" href="{folder}/index_{i + 2}.html">下一页</a>'
            if i > 0:
                nav = f'<a href="{col.path if i == 1 else f"{folder}/index_{i}.html"}">上一页</a> ' + nav
            sub = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in col.children) if i == 0 else ""
            main = (f'<div class="col-title">{esc(col.name)}</div>' + (f'<ul class="sub-col">{sub}</ul>' if sub else "")
                    + f'<ul class="list">{items}</ul><div class="page">第{i + 1}页/共{len(pages)}页 {nav}</div>')
            self.add_page(path, self.page(f"{col.name}_{self.site_name}", main, crumbs=["首页", "信息公开", col.name]), None)

    def article_page(self, col: Column, art: Article) -> str:
        body = self.article_body(art, container='<div class="xxgk_content">')
        return self.page(f"{art.title}", body, crumbs=["首页", "信息公开", col.name], metas=self.article_metas(col, art))


class AnhuiPortal(ShandongPortal):
    """Anhui 政务公开平台: ``/openness/OpennessAnnualReport/show/<n>.html``, files ``/download/<ObjectId>.pdf``.

    Each column is a list filtered by query (``list.html?catId=…&pageIndex=N``), links carry
    ``data-organId``/``data-catId``; attachments announce ``data-file-ext``.
    """

    family = "anhui"

    def layout(self) -> None:
        for i, col in enumerate(self.all_columns()):
            col.extra["cat"] = 2655575 + i * 13
            col.path = f"/openness/OpennessAnnualReport/list.html?catId={col.extra['cat']}"
            for art in col.articles:
                moment = published_at(art, 15)
                art.path = f"/openness/OpennessAnnualReport/show/{3000 + art.seq}.html"
                for j, doc in enumerate(art.docs):
                    doc.path = f"/download/{object_id(moment, f'{self.host}:{art.seq}:{j}')}.{doc.ext}"

    def register_column(self, col: Column) -> None:
        pages = chunks(col.sorted_articles(), self.list_page_size)
        for i, arts in enumerate(pages):
            path = col.path if i == 0 else f"{col.path}&pageIndex={i + 1}"
            items = "\n".join(
                f'<li><a href="{a.path}" data-organId="{col.extra["cat"] % 1000}" data-catId="{col.extra["cat"]}"'
                f' target="_blank">{esc(a.list_title or a.title)}</a><span>{a.published.isoformat()}</span></li>'
                for a in arts)
            nav = " ".join(f'<a href="{col.path}&pageIndex={n + 1}">{n + 1}</a>' for n in range(len(pages)))
            sub = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in col.children) if i == 0 else ""
            main = (f'<div class="col-title">{esc(col.name)}</div>' + (f'<ul class="sub-col">{sub}</ul>' if sub else "")
                    + f'<ul class="list">{items}</ul><div class="pagination">{nav}</div>')
            self.add_page(path, self.page(f"{col.name}_{self.site_name}", main, crumbs=["首页", "政务公开", col.name]),
                          None)

    def attachment_block(self, art: Article) -> str:
        docs = [d for d in art.docs if d.fmt not in ("image", "jpeg")]
        if not docs:
            return ""
        return '<div class="fj">附件：' + "".join(
            f'<p><a href="{esc(d.path)}" data-file-ext="{d.ext.upper()}" target="_blank">{esc(d.name)}</a></p>'
            for d in docs) + "</div>\n"


TWITTER_EPOCH_MS = 1288834974657


def snowflake(moment: dt.datetime, sequence: int) -> int:
    """A Twitter-style snowflake id: milliseconds since its epoch, then worker and sequence bits."""
    millis = int(moment.timestamp() * 1000) - TWITTER_EPOCH_MS
    return (millis << 22) | (1 << 17) | (sequence & 0xFFF)


class SnowflakePortal(ShandongPortal):
    """Shaanxi-style ``/zfxxgk/zfxxgknb/xj/<snowflake>.html``: the id is the publish time."""

    family = "snowflake"

    def layout(self) -> None:
        self.default_paths("/zfxxgk/zfxxgknb/xj/", "/zfxxgk/zfxxgknb/bm/{slug}/", "/zfxxgk/zfxxgknb/xz/{slug}/",
                           "/zwgk/tzgg/")
        for col in self.all_columns():
            col.path = col.path + "index.html"
            folder = col.path.rsplit("/", 1)[0]
            for art in col.articles:
                moment = published_at(art, 10)
                art.path = f"{folder}/{snowflake(moment, art.seq)}.html"
                for j, doc in enumerate(art.docs):
                    doc.path = f"/uploadfile/{art.published:%Y%m}/{snowflake(moment, art.seq + j + 1)}.{doc.ext}"


class IframePortal(TrsPortal):
    family = "iframe"
    list_page_size = 8

    def layout(self) -> None:
        self.default_paths("/zwgk/zfxxgknb/", "/zwgk/bm/{slug}/", "/zwgk/xz/{slug}/", "/zwgk/gwgg/")
        for i, col in enumerate(self.all_columns()):
            col.extra["colid"] = 3100 + i
            for art in col.articles:
                d = art.published
                art.path = f"/{d.year}/{d:%m-%d}/{421700 + art.seq}.html"
                for j, doc in enumerate(art.docs):
                    doc.path = f"/uploadfiles/{d:%Y%m}/{421700 + art.seq}_{j}.{doc.ext}"

    def article_page(self, col: Column, art: Article) -> str:
        return Portal.article_page(self, col, art)

    def register_column(self, col: Column) -> None:
        colid = col.extra["colid"]
        frame = f"/zwgk/list.jsp?colid={colid}&page=1"
        sub = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in col.children)
        shell = (f'<div class="col-title">{esc(col.name)}</div>' + (f'<ul class="sub-col">{sub}</ul>' if sub else "")
                 + f'<iframe id="listFrame" src="{frame}" width="100%" height="900" frameborder="0" scrolling="no"></iframe>')
        self.add_page(col.path, self.page(f"{col.name}_{self.site_name}", shell, crumbs=["首页", col.name]), None)
        pages = chunks(col.sorted_articles(), self.list_page_size)
        for i, arts in enumerate(pages):
            items = self.plain_list_items(arts, lambda a: a.path, max_len=26)
            nav = "".join(f'<a href="/zwgk/list.jsp?colid={colid}&page={n + 1}" target="_self">{n + 1}</a> '
                          for n in range(len(pages)))
            frame_html = ("<!DOCTYPE html><html><head>{{META_CHARSET}}<title>list</title>"
                          '<base target="_parent"></head><body>'
                          f'<ul class="list">{items}</ul><div class="page">{nav}</div></body></html>')
            self.add_page(f"/zwgk/list.jsp?colid={colid}&page={i + 1}", frame_html, None)


class SpaPortal(TrsPortal):
    """The 年报 column's list exists only after the page's script decodes it."""

    family = "spa"
    needs_browser_lists = True

    def layout(self) -> None:
        self.default_paths("/xxgk/nb/", "/xxgk/bm/{slug}/nb/", "/xxgk/xz/{slug}/nb/", "/xxgk/gwgg/")
        for col in self.all_columns():
            for art in col.articles:
                digest = hashlib.md5(f"{self.host}:{art.seq}:{art.title}".encode()).hexdigest()
                art.path = f"/xxgk/c/{digest}.shtml"
                art.extra["browser_only"] = col.kind != "gwgg"
                for j, doc in enumerate(art.docs):
                    doc.path = f"/xxgk/fj/{digest[:16]}{j}.{doc.ext}"

    def register_column(self, col: Column) -> None:
        if col.kind == "gwgg":  # the 公文公告 column is an ordinary static list
            items = self.plain_list_items(col.sorted_articles(), lambda a: a.path)
            self.add_page(col.path, self.page(col.name, f'<ul class="list">{items}</ul>', crumbs=["首页", col.name]), None)
            return
        records = [{"t": a.title, "u": a.path, "d": a.published.isoformat()} for a in col.sorted_articles()]
        records += [{"t": c.name, "u": c.path, "d": "", "col": 1} for c in col.children]
        seed = int(hashlib.sha1(col.path.encode()).hexdigest()[:4], 16) % 200 + 17
        key = _spa_key(seed)
        raw = json.dumps(records, ensure_ascii=False).encode("utf-8")
        blob = base64.b64encode(bytes(b ^ key[i % len(key)] for i, b in enumerate(raw))).decode()
        script = (f'<script>(function(){{var s={seed},k=[];for(var i=0;i<16;i++){{s=(s*75+74)%65537;'
                  "k.push(s&255);}var b=atob(document.getElementById('d').getAttribute('data-v'));var u=new Uint8Array(b.length);"
                  "for(var j=0;j<b.length;j++){u[j]=b.charCodeAt(j)^k[j%16];}"
                  "var r=JSON.parse(new TextDecoder('utf-8').decode(u));var h='';r.forEach(function(x){"
                  "h+='<li><a href=\"'+x.u+'\">'+x.t+'</a><span>'+x.d+'</span></li>';});"
                  "document.getElementById('list').innerHTML=h;})();</script>")
        main = (f'<div class="col-title">{esc(col.name)}</div><div id="d" data-v="{blob}"></div>'
                f'<ul id="list"><li>加载中……</li></ul>{script}')
        self.add_page(col.path, self.page(f"{col.name}_{self.site_name}", main, crumbs=["首页", col.name]), None)

    def article_page(self, col: Column, art: Article) -> str:
        return Portal.article_page(self, col, art)


def _spa_key(seed: int) -> list[int]:
    s, key = seed, []
    for _ in range(16):
        s = (s * 75 + 74) % 65537
        key.append(s & 255)
    return key
