"""TRS WCM classic static publishing, and the 1-based six-argument createPageHTML variant.

Classic TRS: a column is ``index.html``, later pages ``index_1.html`` … ``index_{N-1}.html``
(0-based), reachable only through the pagination script (``countPage`` / ``createPageHTML``): the
server HTML has no ``<a>`` to page 2. Articles are ``./YYYYMM/tYYYYMMDD_N.html``, attachments
``./P0….pdf`` (some written by ``document.write``), body in ``<div class="TRS_Editor">``.

The six-argument variant (`ShtmlPortal`): ``list.shtml``, ``list_2.shtml`` … (1-based), with
``createPageHTML('page_div', total, current, 'list', 'shtml', records)``.
"""

from __future__ import annotations

import datetime as dt

from farm.portals.base import Article, Column, Portal, chunks, esc

TRS_PAGER_COUNTPAGE = """<div class="page"><script>
var currentPage = {current};//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = {count}//共多少页
document.write("共"+countPage+"页&nbsp;&nbsp;");
if(countPage>1&&currentPage!=0&&currentPage!=1)
  document.write("<a href=\\"index.{ext}\\">首页</a>&nbsp;<a href=\\"index"+"_" + prevPage + "."+"{ext}\\">上一页</a>&nbsp;");
else if(countPage>1&&currentPage!=0&&currentPage==1)
  document.write("<a href=\\"index.{ext}\\">首页</a>&nbsp;<a href=\\"index.{ext}\\">上一页</a>&nbsp;");
else
  document.write("首页&nbsp;上一页&nbsp;");
if(countPage>1&&currentPage!=(countPage-1))
  document.write("&nbsp;<a href=\\"index"+"_" + nextPage + "."+"{ext}\\">&nbsp;<span class=greyfont>下一页</span>&nbsp;</a>&nbsp;<a href=\\"index_" + (countPage-1) + ".{ext}\\">尾页</a>");
else
  document.write("下一页&nbsp;尾页");
</script></div>"""

TRS_PAGER_CREATEPAGEHTML = """<div class="page" id="page_div"></div><script>
function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){
  if(_nPageCount == null || _nPageCount<=1){ return; }
  var nCurrIndex = _nCurrIndex || 0;
  var html = "";
  if(nCurrIndex == 0) html += "首页&nbsp;上一页&nbsp;";
  else if(nCurrIndex == 1) html += "<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;<a href=\\""+_sPageName+"."+_sPageExt+"\\">上一页</a>&nbsp;";
  else html += "<a href=\\""+_sPageName+"."+_sPageExt+"\\">首页</a>&nbsp;<a href=\\""+_sPageName+"_"+(nCurrIndex-1)+"."+_sPageExt+"\\">上一页</a>&nbsp;";
  if(nCurrIndex == _nPageCount-1) html += "下一页&nbsp;尾页";
  else html += "<a href=\\""+_sPageName+"_"+(nCurrIndex+1)+"."+_sPageExt+"\\">下一页</a>&nbsp;<a href=\\""+_sPageName+"_"+(_nPageCount-1)+"."+_sPageExt+"\\">尾页</a>";
  document.getElementById("page_div").innerHTML = html;
}
createPageHTML({count}, {current}, "index", "{ext}");
</script>"""

SHTML_PAGER = """<div id="page_div"></div><script>
function createPageHTML(divId, totalPage, currentPage, prefix, suffix, totalRecord){
  var html = "<span>共" + totalRecord + "条 " + currentPage + "/" + totalPage + "页</span> ";
  var page = function(n){ return n <= 1 ? prefix + "." + suffix : prefix + "_" + n + "." + suffix; };
  if(currentPage > 1) html += "<a href='" + page(1) + "'>首页</a> <a href='" + page(currentPage-1) + "'>上一页</a> ";
  if(currentPage < totalPage) html += "<a href='" + page(currentPage+1) + "'>下一页</a> <a href='" + page(totalPage) + "'>尾页</a>";
  document.getElementById(divId).innerHTML = html;
}
createPageHTML('page_div', {count}, {current}, '{prefix}', 'shtml', {records});
</script>"""


class TrsPortal(Portal):
    """TRS WCM classic (0-based ``index_N.html``)."""

    family = "trs"
    article_ext = "html"
    list_ext = "html"
    pager = "countPage"  # or "createPageHTML"
    list_title_max = 24  # list titles are truncated with ... beyond this
    doc_id_base = 1_000_000

    def layout(self) -> None:
        self.default_paths("/zwgk/zfxxgknb/", "/zwgk/bm/{slug}/zfxxgknb/", "/xzjd/{slug}/zfxxgknb/", "/zwgk/gwgg/")
        if self.options.get("year_folders"):
            self.split_year_folders()
        for col in self.all_columns():
            for art in col.articles:
                self.place_article(col, art)

    def split_year_folders(self) -> None:
        """Government and office reports move into per-year sub-folders; one folder lies.

        Like cqyz.gov.cn's ``2020_504392/`` holding a later report: the 2023 report sits in
        the folder named for 2020.
        """
        main = self.columns[0]
        reports = [a for a in main.articles if a.kind == "report"]
        if not reports:
            return
        liar = next((a for a in reports if a.report and a.report.year == 2023), None)
        folders: dict[int, Column] = {}
        for art in reports:
            year = art.report.year if art.report else art.published.year - 1
            folder_year = 2020 if art is liar else year
            if folder_year not in folders:
                col = Column(f"year:{folder_year}", f"{folder_year}年", main.agency, kind="year")
                col.path = f"{main.path}{folder_year}_{504392 + folder_year * 7 % 1000}/"
                folders[folder_year] = col
            folders[folder_year].articles.append(art)
            main.articles.remove(art)
            art.extra["folder_year"] = folder_year
        main.children[:0] = [folders[y] for y in sorted(folders, reverse=True)]

    def place_article(self, col: Column, art: Article) -> None:
        if art.kind == "report" and art.seq % 10 == 3:  # the list shows the 成文 date, days before publishing
            art.list_date = art.published - dt.timedelta(days=art.seq % 17 + 2)
        d = art.published
        number = self.doc_id_base + art.seq
        art.path = f"{col.path}{d:%Y%m}/t{d:%Y%m%d}_{number}.{self.article_ext}"
        folder = f"{col.path}{d:%Y%m}/"
        for i, doc in enumerate(art.docs):
            prefix = "W0" if doc.fmt in ("image", "jpeg") else "P0"
            doc.path = f"{folder}{prefix}{d:%Y%m%d}{(number * 7919 + i * 104729) % 10**12:012d}.{doc.ext}"

    def article_page(self, col: Column, art: Article) -> str:
        body = self.article_body(art)
        # TRS pages link attachments relatively (./P0….pdf); images too (./W0….png).
        folder = art.path.rsplit("/", 1)[0] + "/"
        body = body.replace(f'"{folder}', '"./')
        return self.page(f"{art.title}", body, crumbs=["首页", "政务公开", col.name],
                         metas=self.article_metas(col, art))

    def list_pages(self, col: Column) -> list[tuple[str, int, list[Article]]]:
        pages = chunks(col.sorted_articles(), self.list_page_size)
        out = []
        for i, arts in enumerate(pages):
            name = "index.html" if i == 0 else f"index_{i}.{self.list_ext}"
            if i == 0 and self.list_ext != "html":
                name = f"index.{self.list_ext}"
            out.append((col.path + name, i, arts))
        return out

    def pager_html(self, count: int, current: int, records: int) -> str:
        if self.pager == "createPageHTML":
            return fill(TRS_PAGER_CREATEPAGEHTML, count=count, current=current, ext=self.list_ext)
        return fill(TRS_PAGER_COUNTPAGE, count=count, current=current, ext=self.list_ext)

    def sub_column_links(self, col: Column) -> str:
        if not col.children:
            return ""
        return '<ul class="sub-col">' + "".join(
            f'<li><a href="{esc(c.path)}">{esc(c.name)}</a></li>' for c in col.children) + "</ul>\n"

    def register_column(self, col: Column) -> None:
        pages = self.list_pages(col)
        for path, i, arts in pages:
            folder = col.path

            def rel(a: Article, folder: str = folder) -> str:
                return "./" + a.path.removeprefix(folder) if a.path.startswith(folder) else a.path

            items = self.plain_list_items(arts, rel, max_len=self.list_title_max)
            main = (f'<div class="col-title">{esc(col.name)}</div>\n{self.sub_column_links(col) if i == 0 else ""}'
                    f'<ul class="list">\n{items}\n</ul>\n{self.pager_html(len(pages), i, len(col.articles))}')
            html_text = self.page(f"{col.name}_{self.site_name}", main, crumbs=["首页", "政务公开", col.name],
                                  metas=f'<meta name="ColumnName" content="{esc(col.name)}">\n')
            self.add_page(path, html_text, None)
            if i == 0:
                self.add_page(col.path, html_text, None)


class ShtmlPortal(TrsPortal):
    """Six-argument createPageHTML lists: ``list.shtml``, ``list_2.shtml`` … (1-based)."""

    family = "shtml"
    article_ext = "shtml"
    list_ext = "shtml"
    list_title_max = 30
    list_prefix = "list"

    def list_pages(self, col: Column) -> list[tuple[str, int, list[Article]]]:
        pages = chunks(col.sorted_articles(), self.list_page_size)
        return [(col.path + (f"{self.list_prefix}.shtml" if i == 0 else f"{self.list_prefix}_{i + 1}.shtml"), i + 1, arts)
                for i, arts in enumerate(pages)]

    def register_column(self, col: Column) -> None:
        pages = self.list_pages(col)
        for path, current, arts in pages:
            items = self.plain_list_items(arts, lambda a: a.path, max_len=self.list_title_max)
            pager = fill(SHTML_PAGER, count=len(pages), current=current, prefix=self.list_prefix,
                                       records=len(col.articles))
            main = (f'<div class="col-title">{esc(col.name)}</div>\n{self.sub_column_links(col) if current == 1 else ""}'
                    f'<ul class="list">\n{items}\n</ul>\n{pager}')
            html_text = self.page(f"{col.name}_{self.site_name}", main, crumbs=["首页", "政务公开", col.name])
            self.add_page(path, html_text, None)
            if current == 1:
                self.add_page(col.path, html_text, None)


def fill(template: str, **values: object) -> str:
    """str.format without tripping over the JavaScript braces."""
    for key, value in values.items():
        template = template.replace("{" + key + "}", str(value))
    return template
