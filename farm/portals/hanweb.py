"""大汉 Hanweb JCMS: ``/col/colN/index.html`` with an XML datastore island, and ``dataproxy.jsp``.

The column page has no ``<a>`` to any article: the first records sit as CDATA inside
``<script type="text/xml"><datastore>…``, the rest come from ``dataproxy.jsp`` (POST
``startrecord/endrecord/perpage`` with the column's form fields, or GET ``page=N``). ``columnid``
and ``unitid`` must belong together, else the answer is empty. Articles are
``/art/Y/M/D/art_<col>_<id>.html``; attachments ``/module/download/downfile.jsp?…`` answer 302 to
``/attach/0/<name>``.
"""

from __future__ import annotations

import hashlib
import json

from farm.model import Request, Response, redirect
from farm.portals.base import Article, Column, Portal, esc

ISLAND_RECORDS = 8  # records embedded in the column page; the rest only through dataproxy.jsp
GET_PAGE_SIZE = 5  # the GET page= variant's page size (perpage is ignored there)


class HanwebPortal(Portal):
    family = "hanweb"
    col_base = 1229114055

    def layout(self) -> None:
        self.webid = 1756 + int(hashlib.sha1(self.host.encode()).hexdigest()[:4], 16) % 3000
        self.proxy_path = self.options.get("proxy_path", "/module/jpage/dataproxy.jsp")
        self.downloads: dict[str, str] = {}
        for i, col in enumerate(self.all_columns()):
            col.extra["colid"] = self.col_base + i * 17
            col.extra["unitid"] = 212860 + i * 311
            col.path = f"/col/col{col.extra['colid']}/index.html"
            for art in col.articles:
                self.place_article(col, art)
        self.site.handle_prefix(self.proxy_path, self.dataproxy)
        # The column page also answers index.html?uid=…&pageNum=N: the same page under endless URLs.
        self.traps.append({"url_prefix": self.url(self.columns[0].path + "?uid="), "kind": "duplicate-params"})
        self.site.handle_prefix("/module/download/downfile.jsp", self.downfile)

    def place_article(self, col: Column, art: Article) -> None:
        d = art.published
        art.path = f"/art/{d.year}/{d.month}/{d.day}/art_{col.extra['colid']}_{art.seq * 13 + 60000}.html"
        for i, doc in enumerate(art.docs):
            name = hashlib.md5(f"{self.host}{art.path}{i}".encode()).hexdigest()
            if doc.fmt in ("image", "jpeg"):
                doc.path = f"/picture/0/{d:%y%m%d}{art.seq:06d}{i}.{doc.ext}"
                continue
            filename = f"{name}.{doc.ext}"
            doc.path = f"/module/download/downfile.jsp?classid=0&filename={filename}"
            doc.final_path = f"/attach/0/{filename}"
            self.downloads[filename] = doc.final_path

    # -- endpoints ---------------------------------------------------------------------------
    def downfile(self, req: Request) -> Response | None:
        target = self.downloads.get(req.params.get("filename", ""))
        if target is None:
            return None
        return redirect(target, 302)

    def column_by_ids(self, columnid: str, unitid: str | None) -> Column | None:
        for col in self.all_columns():
            if str(col.extra["colid"]) == columnid and (unitid is None or str(col.extra["unitid"]) == unitid):
                return col
        return None

    def record(self, art: Article) -> str:
        title = f" title='{esc(art.title)}'" if art.title_attr else ""
        shown = esc(art.list_title or art.title).replace("\n", "<br>")
        return (f"<record><![CDATA[<li><a href='{art.path}'{title} target='_blank'>{shown}</a>"
                f"<span>{art.published.isoformat()}</span></li>]]></record>")

    def dataproxy(self, req: Request) -> Response | None:
        if req.path != self.proxy_path:
            return None
        p = req.params
        col = self.column_by_ids(p.get("columnid", ""), p.get("unitid", ""))
        arts = col.sorted_articles() if col else []
        total = len(arts)
        if "page" in p and "startrecord" not in p:
            try:
                page = max(1, int(p["page"]))
            except ValueError:
                page = 1
            chosen = arts[(page - 1) * GET_PAGE_SIZE: page * GET_PAGE_SIZE]
            pages = max(1, -(-total // GET_PAGE_SIZE))
        else:
            try:
                start = max(1, int(p.get("startrecord", "1")))
                end = int(p.get("endrecord", str(start + 44)))
                perpage = int(p.get("perpage", "15"))
            except ValueError:
                return Response(400, [("Content-Type", "text/plain")], b"bad parameters")
            end = min(end, start + 299)  # a "page" larger than ~300 is cut short
            chosen = arts[start - 1: end]
            pages = max(1, -(-total // max(1, perpage)))
        xml = (f"<?xml version=\"1.0\" encoding=\"utf-8\"?><datastore><totalrecord>{total}</totalrecord>"
               f"<totalpage>{pages}</totalpage><recordset>" + "".join(self.record(a) for a in chosen)
               + "</recordset></datastore>")
        return Response(200, [("Content-Type", "text/xml;charset=UTF-8")], xml.encode("utf-8"), chunked=True)

    # -- pages ---------------------------------------------------------------------------------
    def register_column(self, col: Column) -> None:
        arts = col.sorted_articles()
        colid, unitid = col.extra["colid"], col.extra["unitid"]
        island = "".join(self.record(a) for a in arts[:ISLAND_RECORDS])
        next_group = (f"<a href=\"{self.proxy_path}?page=2&appid=1&webid={self.webid}&path=/&columnid={colid}"
                      f"&unitid={unitid}&webname={self.site_name}&permissiontype=0\"></a>")
        sub = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in col.children)
        main = (f'<div class="col-title">{esc(col.name)}</div>\n'
                + (f'<ul class="sub-col">{sub}</ul>\n' if sub else "")
                + f'<div id="{unitid}"><script type="text/xml"><datastore>\n<nextgroup><![CDATA[{next_group}]]></nextgroup>\n'
                f"<recordset>\n{island}\n</recordset>\n</datastore></script>"
                f"<script>{self.list_script(col, len(arts))}</script></div>")
        html_text = self.page(f"{self.site_name} {col.name}", main, crumbs=["首页", "信息公开", col.name])
        self.add_page(col.path, html_text, None)

    def list_script(self, col: Column, total: int) -> str:
        """What the real jpage widget does: render the island, fetch later records on demand."""
        conf = {"col": 1, "appid": 1, "webid": self.webid, "path": "/", "columnid": col.extra["colid"],
                "sourceContentType": 1, "unitid": col.extra["unitid"], "webname": self.site_name, "permissiontype": 0}
        return (
            f"/*totalRecord:{total} dataStore*/ var jpageConf = {json.dumps(conf, ensure_ascii=False)};\n"
            "(function(){var box=document.getElementById(String(jpageConf.unitid));"
            "var xml=box.querySelector('script[type=\"text/xml\"]').textContent;"
            "var recs=xml.match(/<!\\[CDATA\\[(<li[\\s\\S]*?)\\]\\]>/g)||[];var ul=document.createElement('ul');"
            "ul.className='list';ul.innerHTML=recs.map(function(r){return r.slice(9,-3);}).join('');box.appendChild(ul);"
            f"if({total}>{ISLAND_RECORDS}){{var body=Object.keys(jpageConf).map(function(k){{"
            "return k+'='+encodeURIComponent(jpageConf[k]);}).join('&');var x=new XMLHttpRequest();"
            f"x.open('POST','{self.proxy_path}?startrecord={ISLAND_RECORDS + 1}&endrecord={ISLAND_RECORDS + 45}&perpage=15');"
            "x.setRequestHeader('Content-Type','application/x-www-form-urlencoded');"
            "x.onload=function(){var more=x.responseText.match(/<!\\[CDATA\\[(<li[\\s\\S]*?)\\]\\]>/g)||[];"
            "ul.innerHTML+=more.map(function(r){return r.slice(9,-3);}).join('');};x.send(body);}})();"
        )

    def article_metas(self, col: Column, art: Article) -> str:
        return (super().article_metas(col, art)
                + f'<meta name="i_columnid" content="{col.extra["colid"]}">\n'
                f'<meta content="{art.seq * 13 + 60000}" name="i_articleid">\n'
                f"<meta name='Maketime' content='{art.published.isoformat()} 09:{art.seq % 60:02d}:00'>\n")

    def article_page(self, col: Column, art: Article) -> str:
        meta_table = (f'<table class="xxgk-meta"><tr><td>索引号</td><td>{self.agency.adcode}/{art.published.year}-'
                      f'{art.seq:05d}</td><td>发布机构</td><td>{esc(art.agency.name)}</td></tr>'
                      f"<tr><td>生成日期</td><td>{art.published.isoformat()}</td><td>公开方式</td><td>主动公开</td></tr></table>")
        body = self.article_body(art, container="<DIV id=zoom> <!--<$[信息内容]>begin--><!--ZJEG_RSS.content.begin-->"
                                                "<META name=ContentStart>",
                                 closing="<META name=ContentEnd><!--ZJEG_RSS.content.end--><!--<$[信息内容]>end--></DIV>")
        return self.page(f"{self.site_name} {col.name} {art.title}", meta_table + body,
                         crumbs=["首页", "信息公开", col.name], metas=self.article_metas(col, art))
