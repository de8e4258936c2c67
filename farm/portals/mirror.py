"""A spam mirror (not gov.cn) that copies an official report as pinyin-annotated traditional text.

Like the 156152.com copy of a Guangzhou report: same path as the original, 繁体 with pinyin in
brackets ("瀏陽(yáng)市"), spam keywords in the chrome. The crawler must not take it for the
agency's own portal.
"""

from __future__ import annotations

import random

from farm import content
from farm.portals.base import Agency, Article, Column, Portal, esc


class MirrorPortal(Portal):
    family = "mirror"

    @classmethod
    def copying(cls, original: Portal, host: str, rng: random.Random) -> MirrorPortal:
        mirror = cls(host, Agency(original.agency.name, original.agency.level, None, "", original.agency.adcode), rng,
                     site_name=f"{original.site_name}-政务信息网", site_code="0000000000")
        col = Column("main", "信息公开", mirror.agency, kind="mirror")
        col.path = "/"
        source = [a for a in original.articles() if a.kind == "report" and a.report and a.delivery == "html"]
        source.sort(key=lambda a: (a.report.seed_name is None, -a.published.toordinal()))
        for art in source[:2]:
            copy = Article("lookalike", art.title, art.published, art.agency, lookalike_kind="mirror",
                           report=art.report, same_as=original.url(art.path))
            copy.path = art.path
            copy.body = content.mirror_html(art.report)
            col.articles.append(copy)
        mirror.columns.append(col)
        mirror.build()
        return mirror

    def layout(self) -> None:
        pass

    def register_column(self, col: Column) -> None:
        pass

    def register_home(self) -> None:
        items = "".join(f'<li><a href="{a.path}">{esc(a.title)}</a></li>' for a in self.articles())
        body = (f"<div class=\"spam\">熱門：娛樂 彩票 免費下載</div><h2>{esc(self.site_name)}</h2>"
                f"<ul>{items}</ul>")
        self.add_page("/", self.page(self.site_name, body), None)

    def article_page(self, col: Column, art: Article) -> str:
        main = (f'<div class="spam">歡迎進(jìn)入{esc(self.site_name)}! 無(wú)障礙| 關(guān)懷版</div>'
                f'<div class="content">{art.body}</div>')
        return self.page(art.title, main, crumbs=["首頁", "信息公開"])
