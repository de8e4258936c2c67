"""Guangdong 政府网站集约化 + gkmlpt 信息公开目录: a hash-routed SPA over a JSON API.

``/gkmlpt/annualreport#<cat>`` is a shell whose script holds ``SID: '…'`` and the category tree;
the list is ``GET /gkmlpt/api/all/<cat>?page=<n>&sid=<sid>``. The quirk of real sites is kept:
``page=0`` and ``page=1`` give the same first (and only) page, ``page>=2`` is a 404. Articles are
``/gkmlpt/content/<a>/<b>/post_<id>.html`` (server-rendered, with ``window._CONFIG.DETAIL``),
attachments ``/attachment/0/<a>/<b>/<id>.pdf``.
"""

from __future__ import annotations

import hashlib
import json
import re

from farm.model import Request, Response
from farm.portals.base import Article, Column, Portal, esc

API_RE = re.compile(r"^/gkmlpt/api/all/(\d+)$")
API_PAGE_SIZE = 100


class GkmlptPortal(Portal):
    family = "gkmlpt"

    def layout(self) -> None:
        self.sid = str(100 + int(hashlib.sha1(self.host.encode()).hexdigest()[:4], 16) % 800)
        for i, col in enumerate(self.all_columns()):
            col.extra["cat"] = 2629 + i * 3
            col.path = f"/gkmlpt/annualreport#{col.extra['cat']}" if col.kind != "gwgg" else f"/gkmlpt/index#{col.extra['cat']}"
            for art in col.articles:
                post = 2590000 + art.seq * 11
                art.extra["post"] = post
                art.path = f"/gkmlpt/content/{post // 1000000}/{post // 1000}/post_{post}.html"
                for j, doc in enumerate(art.docs):
                    doc.path = f"/attachment/0/{post // 1000}/{post}/{4800000 + art.seq * 10 + j}.{doc.ext}"
        self.site.handle_prefix("/gkmlpt/api/all/", self.api)

    def tree(self) -> list[dict]:
        def node(col: Column) -> dict:
            return {"id": col.extra["cat"], "name": col.name, "children": [node(c) for c in col.children]}

        return [node(c) for c in self.columns]

    def api(self, req: Request) -> Response | None:
        m = API_RE.match(req.path)
        if not m:
            return None
        p = req.params
        col = next((c for c in self.all_columns() if str(c.extra["cat"]) == m.group(1)), None)
        try:
            page = int(p.get("page", "1") or 1)
        except ValueError:
            page = 1
        if col is None or page >= 2:
            return Response(404, [("Content-Type", "application/json")], b'{"code":404,"message":"Not Found"}')
        arts = col.sorted_articles()[:API_PAGE_SIZE] if p.get("sid") == self.sid else []
        data = {"articles": [self.article_json(a) for a in arts],
                "classify": {"id": col.extra["cat"], "name": col.name, "post_count": len(col.articles)}}
        return Response(200, [("Content-Type", "application/json; charset=utf-8")],
                        json.dumps(data, ensure_ascii=False).encode(), chunked=True)

    def article_json(self, art: Article) -> dict:
        return {"id": art.extra["post"], "title": art.title, "url": self.url(art.path), "post_url": art.path,
                "created_at": f"{art.published.isoformat()} 10:{art.seq % 60:02d}:00",
                "identifier": f"{self.agency.adcode}/{art.published.year}-{art.seq:06d}", "publisher": art.agency.name}

    def shell(self, title: str, kind: str) -> str:
        config = {"SID": self.sid, "TREE": self.tree()}
        script = (f"<script>window._CONFIG = {{SID: '{self.sid}', TREE: {json.dumps(config['TREE'], ensure_ascii=False)}}};\n"
                  "(function(){function load(){var cat=(location.hash||'#').slice(1)||String(window._CONFIG.TREE[0].id);"
                  "var x=new XMLHttpRequest();x.open('GET','/gkmlpt/api/all/'+cat+'?page=1&sid='+window._CONFIG.SID);"
                  "x.onload=function(){var d=JSON.parse(x.responseText);document.getElementById('list').innerHTML="
                  "d.articles.map(function(a){return '<li><a href=\"'+a.url+'\">'+a.title+'</a><span>'+a.created_at+"
                  "'</span></li>';}).join('');};x.send();}window.addEventListener('hashchange',load);load();})();</script>")
        main = f'<div id="app" class="gkmlpt-{kind}"><div id="tree"></div><ul id="list"></ul></div>{script}'
        return self.page(title, main, crumbs=["首页", "政府信息公开", title])

    def register_column(self, col: Column) -> None:
        if col is not self.columns[0] and col.kind != "gwgg":
            return  # every category lives in the same SPA shell
        path = col.path.split("#")[0]
        self.add_page(path, self.shell(col.name, col.kind), None)

    def article_page(self, col: Column, art: Article) -> str:
        detail = {"id": art.extra["post"], "title": art.title, "publisher": art.agency.name,
                  "date": art.published.isoformat(), "cat": col.extra["cat"]}
        body = self.article_body(art, container='<div class="article-content">')
        script = f"<script>window._CONFIG = {{DETAIL: {json.dumps(detail, ensure_ascii=False)}, SID: '{self.sid}'}};</script>\n"
        return self.page(f"{art.title}", body, crumbs=["首页", "政府信息公开", esc(col.name)],
                         metas=self.article_metas(col, art), scripts=script)
