"""Hanweb jpaas: a column page with no list, and a JSON endpoint that returns the list as HTML.

``/api-gateway/jpaas-publish-server/front/page/build/unit?parseType=bulidstatic&webId=…&tplSetId=…
&pageType=column&tagId=…&editType=null&pageId=…&paramJson={"pageNo":1,"pageSize":10}``; the
parameters sit in the column page's script. Paging must go inside ``paramJson`` (a bare
``pageNo`` is ignored), and a request without a Referer from the same host gets 403.
"""

from __future__ import annotations

import json

from farm.model import Request, Response
from farm.portals.base import Column, esc
from farm.portals.hanweb import HanwebPortal

API_PATH = "/api-gateway/jpaas-publish-server/front/page/build/unit"
TPL_SET = "quSyqDUrFfjv1nGRQhEEH"
TAG = "阳光政务_分页列表"


class JpaasPortal(HanwebPortal):
    family = "jpaas"
    col_base = 1487002

    def layout(self) -> None:
        super().layout()
        self.site.handle_prefix(API_PATH, self.api)

    def api(self, req: Request) -> Response | None:
        if req.path != API_PATH:
            return None
        referer = req.headers.get("referer", "")
        if not referer.startswith((f"http://{self.host}/", f"https://{self.host}/")) or not req.headers.get("user-agent"):
            return Response(403, [("Content-Type", "text/html; charset=utf-8")], b"<h1>403 Forbidden</h1>")
        p = req.params
        if p.get("parseType") != "bulidstatic" or p.get("webId") != str(self.webid) or p.get("tplSetId") != TPL_SET:
            return self._json({"success": False, "data": None, "message": "参数错误"})
        col = next((c for c in self.all_columns() if str(c.extra["colid"]) == p.get("pageId")), None)
        if col is None:
            return self._json({"success": False, "data": None, "message": "页面不存在"})
        try:
            params = json.loads(p.get("paramJson") or "{}")
            page = max(1, int(params.get("pageNo", 1)))
            size = min(50, max(1, int(params.get("pageSize", 10))))
        except (ValueError, TypeError, AttributeError):
            page, size = 1, 10
        arts = col.sorted_articles()
        chosen = arts[(page - 1) * size: page * size]
        items = "".join(
            f'<li><a href="{a.path}"' + (f' title="{esc(a.title)}"' if a.title_attr else "")
            + f' target="_blank">{esc(a.list_title or a.title)}</a><span>{a.published.isoformat()}</span></li>'
            for a in chosen)
        pages = max(1, -(-len(arts) // size))
        return self._json({"success": True, "data": {"html": f'<ul class="list">{items}</ul>', "total": len(arts),
                                                     "pageNo": page, "pageCount": pages}})

    @staticmethod
    def _json(data: dict) -> Response:
        return Response(200, [("Content-Type", "application/json;charset=UTF-8")],
                        json.dumps(data, ensure_ascii=False).encode(), chunked=True)

    def register_column(self, col: Column) -> None:
        colid = col.extra["colid"]
        sub = "".join(f'<li><a href="{c.path}">{esc(c.name)}</a></li>' for c in col.children)
        script = (f"<script>var webId = '{self.webid}'; var pageId = '{colid}'; var tplSetId = '{TPL_SET}';"
                  f" var tagId = '{TAG}';\n"
                  "function loadPage(n){var url='" + API_PATH + "?parseType=bulidstatic&webId='+webId+'&tplSetId='+tplSetId"
                  "+'&pageType=column&tagId='+encodeURIComponent(tagId)+'&editType=null&pageId='+pageId"
                  "+'&paramJson='+encodeURIComponent(JSON.stringify({pageNo:n,pageSize:10}));"
                  "var x=new XMLHttpRequest();x.open('GET',url);x.onload=function(){var d=JSON.parse(x.responseText);"
                  "document.getElementById('list').innerHTML=d.data.html;var p='';for(var i=1;i<=d.data.pageCount;i++)"
                  "{p+='<a href=\"javascript:loadPage('+i+')\">'+i+'</a> ';}document.getElementById('pager').innerHTML=p;};"
                  "x.send();}loadPage(1);</script>")
        main = (f'<div class="col-title">{esc(col.name)}</div>'
                + (f'<ul class="sub-col">{sub}</ul>' if sub else "")
                + f'<div id="list"></div><div id="pager"></div>{script}')
        self.add_page(col.path, self.page(f"{col.name}_{self.site_name}", main, crumbs=["首页", col.name]), None)
