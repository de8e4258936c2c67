"""Trap budgets count pages, not links: a TRS column whose every list page links all its siblings
(createPageHTML's 1 2 3 … bar, as on real portals) is walked to its end under budgets that fit it,
and a column larger than the host budget still stops at the budget.

Found by the 50,000-page memory benchmark: the host and URL-pattern budgets were counted before
the duplicate filter, so a column's repeated sibling links used them up and the walk ended early.
"""

from __future__ import annotations

from mockserver import StaticPortal
from test_crawler_mockportal import FAST, nianbao_crawl

from archive.crawllog import read_log
from crawler.deferred import DeferredReports

LIST_PAGES = 12
PER_LIST = 3


def _html(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="SiteName" content="测试县人民政府"></head><body>{body}</body></html>').encode()


def _article(n: int) -> tuple[str, str]:
    """(path, title): every article a distinct township and year, so none is a repost of another."""
    towns = "东西南北中上下前后左右大小新老长安平和兴福泰康宁华光明清河山水"
    year = 2014 + n % 10
    return f"/nb/{year + 1}01/t{year + 1}0115_{1000 + n}.html", f"测试县{towns[n % 18]}{towns[n // 18]}镇人民政府{year}年政府信息公开工作年度报告"


def _list_page(k: int) -> bytes:
    items = "".join(f'<li><a href="{_article(a)[0]}">{_article(a)[1]}</a></li>'
                    for a in range(k * PER_LIST, (k + 1) * PER_LIST))
    bar = " ".join(f'<a href="/nb/{"index" if i == 0 else f"index_{i}"}.html">{i + 1}</a>' for i in range(LIST_PAGES))
    return _html("政府信息公开年报", f'<ul>{items}</ul><div class="page">{bar}</div>'
                                    f'<script>createPageHTML({LIST_PAGES}, {k}, "index", "html");</script>')


def site(path: str) -> tuple[str, bytes] | None:
    html = "text/html; charset=utf-8"
    if path == "/":
        return html, _html("测试县人民政府", '<a href="/nb/index.html">政府信息公开年报</a>')
    for k in range(LIST_PAGES):
        if path == f"/nb/{'index' if k == 0 else f'index_{k}'}.html":
            return html, _list_page(k)
    for n in range(LIST_PAGES * PER_LIST):
        url, title = _article(n)
        if path == url:
            return html, _html(title, f"<h1>{title}</h1><p>收到申请数 {n}</p>")
    return None


def crawl(tmp_path, *settings: str) -> tuple[StaticPortal, list[dict]]:
    with StaticPortal(site) as portal:
        seeds = tmp_path / "seeds.csv"
        seeds.write_text(f"agency,url,notes\n测试县人民政府,{portal.base}/,official\n", encoding="utf-8")
        proc = nianbao_crawl(seeds, tmp_path / "out", "--allow-private", *FAST, "-s", "NIANBAO_BROWSER=0",
                             "-s", "NIANBAO_WACZ=0", *settings)
        assert proc.returncode == 0, proc.stderr[-2000:]
    (crawl_dir,) = list((tmp_path / "out" / "crawls").iterdir())
    assert not (crawl_dir / "reports-found.sqlite").exists()  # the scratch store is gone once logged
    return portal, list(read_log(crawl_dir / "log.jsonl"))


def test_repeated_sibling_links_do_not_use_up_the_budgets(tmp_path):
    # 1 home + 12 list pages + 36 articles + the soft-404 probe = 50 pages; every list page links
    # all 12 siblings, 144 list links in all: counted per link, both budgets ran out
    portal, log = crawl(tmp_path, "-s", f"NIANBAO_PATTERN_BUDGET={LIST_PAGES + 2}",
                        "-s", "NIANBAO_HOST_PAGE_BUDGET=55")
    reports = {e["url"].removeprefix(portal.base) for e in log if e["role"] == "report"}
    assert reports == {_article(n)[0] for n in range(LIST_PAGES * PER_LIST)}
    assert not [e for e in log if "budget" in (e.get("reason") or "")]
    assert all(n == 1 for path, n in portal.hits.items() if path.startswith("/nb/"))  # each page once


def test_a_column_larger_than_the_host_budget_stops_there(tmp_path):
    portal, log = crawl(tmp_path, "-s", "NIANBAO_HOST_PAGE_BUDGET=20")
    fetched = sum(n for path, n in portal.hits.items() if path != "/robots.txt")
    assert fetched <= 20 + 2  # the seed and the soft-404 probe are not counted
    budget = [e for e in log if (e.get("reason") or "").startswith("host-budget")]
    assert len(budget) == 1 and "20 pages" in budget[0]["reason"]


def test_deferred_reports_come_back_grouped_in_first_found_order(tmp_path):
    store = DeferredReports(tmp_path / "found.sqlite")
    rows = [("a.gov.cn", "甲局", 2023, "2024-01-20", "u3"), ("b.gov.cn", "乙局", 2022, None, "u5"),
            ("a.gov.cn", "甲局", 2023, "2024-01-10", "u4"), ("b.gov.cn", "乙局", 2022, "2023-01-01", "u6"),
            ("a.gov.cn", None, None, None, "u7"), ("a.gov.cn", None, None, None, "u1")]
    for host, agency, year, date, url in rows:
        store.add(host, agency, year, date, {"url": url}, {"agency": agency, "numbers": "1 2"})
    groups = [[(date, held["url"]) for date, held, _found in group] for group in store.groups()]
    assert groups == [[("2024-01-10", "u4"), ("2024-01-20", "u3")],
                      [("2023-01-01", "u6"), (None, "u5")],
                      [(None, "u1"), (None, "u7")]]
    store.close()
    assert not (tmp_path / "found.sqlite").exists()


def test_a_resumed_crawl_starts_the_store_afresh(tmp_path):
    path = tmp_path / "found.sqlite"
    first = DeferredReports(path)
    first.add("a.gov.cn", "甲局", 2023, None, {"url": "u1"}, {"numbers": ""})
    first.close(remove=False)  # as a killed crawl leaves its file behind
    assert path.exists()
    again = DeferredReports(path)
    assert list(again.groups()) == []
    again.close()
