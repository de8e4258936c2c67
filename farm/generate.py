"""Build the whole farm from one seed: which portals exist, who publishes what, where it sits.

`build_farm(seed)` is deterministic: the same seed gives the same hosts, reports, URLs and bytes.
Each portal gets its own `random.Random` derived from the seed and its host, so adding a portal
does not reshuffle the others.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from farm import content, hostile
from farm.portals import FAMILIES
from farm.portals.base import Agency, Article, Column, Doc, Portal

YEARS = (2019, 2020, 2021, 2022, 2023, 2024)
ATTACHMENT_FORMATS = ("pdf", "pdf", "pdf", "docx", "docx", "doc", "xls", "xlsx")


@dataclass
class PortalSpec:
    host: str
    family: str
    place: str  # 青山县
    kind: str = "county"  # county or city
    depts: list[tuple[str, str]] = field(default_factory=list)  # (slug, name without place)
    towns: list[tuple[str, str]] = field(default_factory=list)  # (slug, name)
    hostile: list[str] = field(default_factory=list)
    options: dict = field(default_factory=dict)
    adcode: str = "000000"
    agency: str | None = None  # the portal owner when not the place's government (a department host)
    parent: str | None = None


SPECS: list[PortalSpec] = [
    PortalSpec("www.qingshan.gov.cn", "trs", "青山县", adcode="431101",
               depts=[("fgj", "发展和改革局"), ("jyj", "教育局")], towns=[("hxz", "河西镇人民政府")],
               hostile=["big5-gateway", "calendar-trap"], options={"gzip": True, "root": "/zwgk/zfxxgknb/", "pinned": True,
                                                                  "dept_root": "/zwgk/bm/{slug}/zfxxgknb/",
                                                                  "town_root": "/xzjd/{slug}/zfxxgknb/",
                                                                  "wjw_host": "wjw.qingshan.gov.cn"}),
    PortalSpec("wjw.qingshan.gov.cn", "trs", "青山县", adcode="431101", agency="青山县卫生健康局",
               parent="青山县人民政府", hostile=["gbk-meta-only"],
               options={"pager": "createPageHTML", "root": "/zfxxgk/zfxxgknb/"}),
    PortalSpec("www.baishui.gov.cn", "trs", "白水县", adcode="610527",
               depts=[("sjj", "审计局"), ("mzj", "民政局")], towns=[("ltz", "林皋镇人民政府")],
               hostile=["charset-none", "soft-404", "year-folder-lies"],
               options={"article_ext": "htm", "root": "/zwgk_229/zfxxgknb/", "year_folders": True,
                        "dept_root": "/zwgk_229/zfxxgknb/bm/{slug}/", "town_root": "/zwgk_229/zfxxgknb/xz/{slug}/",
                        "js_attachments": True}),
    PortalSpec("www.yiyang.gov.cn", "shtml", "益阳市", kind="city", adcode="430900",
               depts=[("sfj", "司法局"), ("tjj", "统计局")], hostile=["charset-wrong-label", "rate-limit-429"],
               options={"root": "/yiyang/xxgknb/", "dept_root": "/{slug}/xxgknb/"}),
    PortalSpec("www.xiangxiang.gov.cn", "hanweb", "湘乡市", adcode="430381",
               depts=[("xfj", "信访局"), ("zjj", "住房和城乡建设局")], towns=[("dtz", "东郊乡人民政府")],
               hostile=["search-trap"], options={"proxy_path": "/module/jpage/dataproxy.jsp", "gzip": True}),
    PortalSpec("www.longxi.gov.cn", "hanweb", "龙溪县", adcode="330825",
               depts=[("scjgj", "市场监督管理局")], towns=[("xxx", "溪下乡人民政府")],
               hostile=["js-challenge-521"], options={"proxy_path": "/module/web/jpage/dataproxy.jsp"}),
    PortalSpec("www.nanhu.gov.cn", "jpaas", "南湖区", adcode="330402",
               depts=[("wjj", "文化广电旅游局")], hostile=["referer-required"]),
    PortalSpec("www.dongping.gov.cn", "gkmlpt", "东平县", adcode="441422",
               depts=[("rsj", "人力资源和社会保障局")], towns=[("shz", "三河镇人民政府")],
               hostile=["slow", "api-page-404"], options={"gzip": True}),
    PortalSpec("www.xiyang.gov.cn", "shandong", "西阳县", adcode="371523",
               depts=[("wjw", "卫生健康局"), ("mzj", "民政局")], towns=[("wzj", "王庄集镇人民政府")],
               options={"https_also": True}),
    PortalSpec("www.wuqi.gov.cn", "snowflake", "吴起县", adcode="610626",
               depts=[("sjj", "审计局")], towns=[("zcz", "周湾镇人民政府")]),
    PortalSpec("www.zongshan.gov.cn", "anhui", "枞山县", adcode="340722",
               depts=[("wjw", "卫生健康委员会"), ("jyj", "教育局")]),
    PortalSpec("www.taiping.gov.cn", "iframe", "太平区", adcode="230110",
               depts=[("jtj", "交通运输局")], hostile=["503-then-ok"]),
    PortalSpec("www.jinshui.gov.cn", "spa", "金水县", adcode="410105", depts=[("sjj", "审计局")]),
    PortalSpec("www.yq.gov.cn", "trs", "阳泉市", kind="city", adcode="140300",
               depts=[("gaj", "公安局")], hostile=["js-challenge-412"], options={"root": "/zwgk/xxgknb/"}),
    PortalSpec("www.liuyang.gov.cn", "trs", "浏阳市", adcode="430181",
               depts=[("nyj", "农业农村局")], hostile=["https-redirect"],
               options={"root": "/zfxxgk/zfxxgknb/", "https": True, "mirror_host": "www.zwgk365.com"}),
    PortalSpec("www.anping.gov.cn", "shtml", "安平县", adcode="131125",
               depts=[("tjj", "统计局")], hostile=["moved-301-home", "huge-file", "truncated-body"],
               options={"root": "/apxxgk/gknb/", "dept_root": "/apxxgk/{slug}/gknb/", "list_prefix": "common_list"}),
    PortalSpec("www.heshan.gov.cn", "trs", "鹤山县", adcode="440784",
               depts=[("czj", "财政局")], hostile=["robots-disallow"], options={"root": "/zwgk/zfxxgknb/"}),
]

SEED_PLACEMENT = {  # shared seed report -> (host, where)
    "yiyang-city-office-2023": ("www.yiyang.gov.cn", "main"),
    "xiangxiang-petitions-bureau-2023": ("www.xiangxiang.gov.cn", "dept:xfj"),
    "yangquan-city-2023": ("www.yq.gov.cn", "main"),
    "liuyang-city-2023-traditional-pinyin": ("www.liuyang.gov.cn", "main"),
    "county-office-2023-tabbed": ("www.taiping.gov.cn", "main"),
}

FILLER_TITLES = (
    "{place}召开{y}年度工作会暨党风廉政建设会议",
    "一图读懂{place}{y}年重点工作",
    "{place}{y}年第四季度重点领域信息公开情况",
    "关于{place}{y}年度部门预算公开的说明",
    "{place}关于开展{y}年“政务公开日”活动的通知",
)


def report_article(rng: random.Random, agency: Agency, year: int, *, report: content.PlantedReport | None = None,
                   delivery: str | None = None) -> Article:
    """A planted report as an article: inline HTML most often, else attachments or images."""
    level = {"county": "government", "city": "government"}.get(agency.level, agency.level)
    if report is None:
        report = content.new_report(rng, agency.name, year, level, published=content.publication_date(rng, year, level),
                                    inconsistent=rng.random() < 0.08)
    if delivery is None:
        roll = rng.random()
        delivery = "html" if roll < 0.72 else "attachment" if roll < 0.93 else "image" if roll < 0.97 else "pdf_image"
    art = Article("report", report.title, report.published, agency, report=report, delivery=delivery)
    art.list_title = "\n".join(report.title_lines) if report.title_lines else None
    art.title_attr = rng.random() < 0.75
    if delivery == "html":
        art.layout = rng.choice(content.layouts())
        art.title_in_body = rng.random() > 0.12
        art.body = content.article_html(report, art.layout, with_title=art.title_in_body)
    elif delivery == "attachment":
        fmt = rng.choice(ATTACHMENT_FORMATS)
        art.body = f"<p>　　{report.title}全文详见附件。</p>"
        art.docs.append(_report_doc(report, fmt, f"{report.title}.{content.EXTENSIONS[fmt]}", rng.random() < 0.3))
    elif delivery == "image":
        art.title = art.title + "（图片版）" if rng.random() < 0.5 else art.title
        art.body = "<p></p>"
        art.docs.append(_report_doc(report, rng.choice(("image", "jpeg")), "", False))
    else:  # a scanned PDF
        art.body = "<p>　　附件：</p>"
        art.docs.append(_report_doc(report, "pdf_image", f"{report.title}（扫描件）.pdf", False))
    return art


def _report_doc(report: content.PlantedReport, fmt: str, name: str, via_js: bool) -> Doc:
    return Doc(fmt, name, lambda r=report, f=fmt: content.document_bytes(r, f), report=report, via_js=via_js)


def lookalike_articles(rng: random.Random, agency: Agency, year: int, how_many: int) -> list[Article]:
    out = []
    for page in content.lookalikes(rng, agency.name, year, how_many):
        day = dt.date(year + 1, 1, 5) + dt.timedelta(days=rng.randint(0, 80))
        art = Article("lookalike", page.title, day, agency, body=page.body_html, lookalike_kind=page.kind,
                      report=page.report)
        art.assets = list(page.assets)
        art.title_attr = rng.random() < 0.7
        out.append(art)
    return out


def filler_articles(rng: random.Random, agency: Agency, place: str, how_many: int) -> list[Article]:
    out = []
    for _ in range(how_many):
        y = rng.choice(YEARS)
        title = rng.choice(FILLER_TITLES).format(place=place, y=y)
        day = dt.date(y, rng.randint(1, 12), rng.randint(1, 28))
        body = f"<p>　　{title}。（{place}政务公开办）</p>"
        out.append(Article("filler", title, day, agency, body=body, lookalike_kind="unrelated"))
    return out


PROVINCES = {"13": "河北省", "14": "山西省", "23": "黑龙江省", "33": "浙江省", "37": "山东省", "41": "河南省",
             "43": "湖南省", "44": "广东省", "61": "陕西省"}


def repost_articles(rng: random.Random, main: Column, spec: PortalSpec) -> list[Article]:
    """A higher body's report reposted here, and one of the portal's own reports posted again later."""
    out = []
    province = PROVINCES.get(spec.adcode[:2], "某某省")
    other = Agency(f"{province}人民政府", "county", None, "", spec.adcode[:2] + "0000")
    year = rng.choice([2021, 2022, 2023])
    art = report_article(rng, other, year, delivery="html")
    art.kind, art.lookalike_kind = "lookalike", "other-agency"
    art.published = art.published + dt.timedelta(days=rng.randint(20, 120))
    out.append(art)
    own = [a for a in main.articles if a.kind == "report" and a.delivery == "html"]
    if own:
        first = min(own, key=lambda a: a.published)
        again = Article("lookalike", first.title, first.published + dt.timedelta(days=rng.randint(150, 220)),
                        first.agency, body=first.body, report=first.report, lookalike_kind="repost",
                        title_in_body=first.title_in_body)
        again.extra["repost_of"] = first
        out.append(again)
    return out


class Farm:
    """Every portal, built; the manifest and seed list are derived from it (farm.manifest)."""

    def __init__(self, seed: int, portals: list[Portal], as_of: dt.date | None = None):
        self.seed = seed
        self.as_of = as_of
        self.portals = portals
        self.sites = {p.host: p.site for p in portals}
        for p in portals:
            for extra in getattr(p, "extra_sites", []):
                self.sites[extra.host] = extra

    def portal(self, host: str) -> Portal:
        for p in self.portals:
            if p.host == host:
                return p
        raise KeyError(host)

    def manifest(self, proxy_url: str) -> dict:
        from farm.manifest import build_manifest

        return build_manifest(self, proxy_url)

    def seed_rows(self) -> list[dict]:
        from farm.manifest import seed_rows

        return seed_rows(self)

    def write(self, out_dir, proxy_url: str) -> dict:
        from farm.manifest import write

        return write(self, out_dir, proxy_url)

    def prerender(self) -> None:
        """Render every planted document now (DOCs in one LibreOffice run); later requests hit the cache."""
        items = [(d.report, d.fmt) for p in self.portals for a in p.articles() for d in a.docs if d.report is not None]
        content.prerender(items)

    def raw_document(self, url: str) -> tuple[str, bytes]:
        from farm.manifest import raw_document

        return raw_document(self, url)

    def index_response(self):
        from farm.model import html_response

        items = "".join(f'<li><a href="http://{p.host}/">{p.host}</a> {p.agency.name} ({p.family})</li>'
                        for p in self.portals)
        return html_response(200, f"<html><body><h1>nianbao farm (seed {self.seed})</h1><ul>{items}</ul>"
                                  "<p>Use this server as an HTTP proxy.</p></body></html>")


def plan_portal(spec: PortalSpec, seed: int, seeds_by_name: dict[str, content.PlantedReport],
                as_of: dt.date | None = None, edit: Callable[[Portal], None] | None = None) -> Portal:
    rng = random.Random(f"{seed}:{spec.host}")
    cls = FAMILIES[spec.family]
    opts = spec.options
    if spec.agency:
        owner = Agency(spec.agency, "department", spec.parent, "wjw", spec.adcode)
    else:
        owner = Agency(f"{spec.place}人民政府", spec.kind, None, "", spec.adcode)
    portal: Portal = cls(spec.host, owner, rng, site_name=owner.name,
                         site_code=f"{spec.adcode}{rng.randint(1000, 9999)}")
    portal.options = opts
    portal.place = spec.place
    portal.spec = spec
    for key in ("article_ext", "pager", "list_prefix"):
        if key in opts:
            setattr(portal, key, opts[key])
    portal.site.gzip_text = bool(opts.get("gzip"))
    portal.site.https = bool(opts.get("https_also"))  # answers https through CONNECT too (links stay http)
    if opts.get("wjw_host"):
        portal.home_links.append((f"http://{opts['wjw_host']}/", f"{spec.place}卫生健康局"))
    root = opts.get("root")
    nb_name = "政府信息公开年报"
    main = Column("main", nb_name, owner, slug="zfxxgknb")
    main.path = root or ""
    portal.columns.append(main)

    placements = {name: where for name, (host, where) in SEED_PLACEMENT.items() if host == spec.host}
    seeded = {where: seeds_by_name[name] for name, where in placements.items() if name in seeds_by_name}

    def plant(col: Column, agency: Agency, years: list[int], where: str) -> None:
        for y in years:
            report = seeded.get(where) if y == 2023 else None
            if report is not None:
                art = report_article(rng, agency, y, report=report, delivery="html")
            else:
                art = report_article(rng, agency, y)
            col.articles.append(art)

    if spec.agency:  # a department's own host: only its reports
        plant(main, owner, sorted(rng.sample(YEARS, 4)), "main")
    else:
        office = Agency(f"{spec.place}人民政府办公室", "office", owner.name, "zfb", spec.adcode)
        gov_years = sorted(rng.sample(YEARS, 4) + ([2023] if "main" in seeded or opts.get("year_folders") else []))
        gov_years = sorted(set(gov_years))
        if "main" in seeded and seeded["main"].level == "office":
            plant(main, owner, [y for y in gov_years if y != 2023], "x")
            plant(main, office, [2023, *rng.sample([y for y in YEARS if y != 2023], 1)], "main")
        else:
            plant(main, owner, gov_years, "main")
            plant(main, office, sorted(rng.sample(YEARS, 2)), "office")
        for slug, name in spec.depts:
            dept = Agency(f"{spec.place}{name}", "department", owner.name, slug, spec.adcode)
            col = Column(f"dept:{slug}", f"{dept.name}", dept, slug=slug)
            col.path = opts.get("dept_root", "").format(slug=slug)
            years = sorted(rng.sample(YEARS, 2))
            if f"dept:{slug}" in seeded:
                years = sorted(set(years) | {2023})
            plant(col, dept, years, f"dept:{slug}")
            main.children.append(col)
        for slug, name in spec.towns:
            town = Agency(f"{spec.place}{name}", "township", owner.name, slug, spec.adcode)
            col = Column(f"town:{slug}", town.name, town, slug=slug)
            col.path = opts.get("town_root", "").format(slug=slug)
            plant(col, town, sorted(rng.sample(YEARS, 2)), f"town:{slug}")
            main.children.append(col)
    # Look-alikes and unrelated items share the 年报 column; more of them in 公文公告.
    main.articles += lookalike_articles(rng, owner, rng.choice([2022, 2023]), 3)
    main.articles += filler_articles(rng, owner, spec.place, 2)
    if not spec.agency:
        main.articles += repost_articles(rng, main, spec)
    gwgg = Column("gwgg", "公文公告", owner, kind="gwgg", slug="gwgg")
    gwgg.path = opts.get("gwgg_root", "")
    gwgg.articles += lookalike_articles(rng, owner, 2024, 3) + filler_articles(rng, owner, spec.place, 3)
    if not spec.agency and main.children:
        # One department files its report under 公文公告 instead of its 年报 column.
        dept_col = main.children[0]
        dept_col.extra["misfiled"] = True
        gwgg.articles.append(report_article(rng, dept_col.agency, 2024))
    portal.columns.append(gwgg)
    if opts.get("pinned"):  # the oldest report of the column stays on top of the list
        main.extra["pinned"] = min((a for a in main.articles if a.kind == "report"), key=lambda a: a.published)
    if spec.family not in ("trs", "shtml"):  # document.write attachment blocks are a TRS template habit
        for art in portal.articles():
            for doc in art.docs:
                doc.via_js = False
    # A per-site serial number increasing with the date (TRS ids, Hanweb art ids...).
    everything = sorted(portal.articles(), key=lambda a: (a.published, a.title))
    for i, art in enumerate(everything):
        art.seq = 1000 + i * 7 + rng.randint(0, 5)
    if as_of is not None:  # the portal as it stood that day: later items are not published yet
        for col in portal.all_columns():
            col.articles = [a for a in col.articles if a.published <= as_of]
    if edit is not None:  # a later spring's changes (farm.nextyear): revisions, removals
        edit(portal)
    for name in spec.hostile:
        hostile.prepare(portal, name)
    portal.build()
    for name in spec.hostile:
        hostile.apply(portal, name)
    return portal


def build_farm(seed: int = 20240101, as_of: dt.date | None = None,
               edit: Callable[[Portal], None] | None = None) -> Farm:
    """Every portal; with `as_of`, only what was published by that day (same URLs and bytes).

    Two farms of one seed at two dates model two springs of the same web: pages that did not
    change are byte-identical (same ETag/Last-Modified), lists and columns gained the new items.
    """
    seeds_by_name = {r.seed_name: r for r in content.seed_reports()}
    portals = [plan_portal(spec, seed, seeds_by_name, as_of, edit) for spec in SPECS]
    from farm.portals.mirror import MirrorPortal

    liuyang = next(p for p in portals if p.host == "www.liuyang.gov.cn")
    portals.append(MirrorPortal.copying(liuyang, "www.zwgk365.com", random.Random(f"{seed}:mirror")))
    return Farm(seed, portals, as_of)
