"""When a page needs a browser (crawler.browser.detect), on the farm's own pages."""

from __future__ import annotations

from crawler.browser.detect import is_browser_challenge, needs_rendering, seed_wants_browser
from crawler.discovery import pages


def _verdict(farm, url: str, followed: int = 0) -> bool:
    _, body = farm.farm.raw_document(url)
    html = body.decode("utf-8", "replace")
    links = pages.extract_links(pages.parse_page(url, html))
    return needs_rendering(html, link_count=len(links), followed=followed, is_list=True)


def test_client_rendered_lists_need_the_browser_static_ones_do_not(farm):
    spa = [p for p in farm.manifest["portals"] if p.get("lists_need_browser")]
    assert spa and all(_verdict(farm, p["nb_column"]) for p in spa)
    # lists with no DOM-building script are never rendered, even when nothing was found on them
    static = [p for p in farm.manifest["portals"] if p["family"] in ("shandong", "anhui", "snowflake", "iframe")]
    assert len(static) == 4 and not any(_verdict(farm, p["nb_column"]) for p in static)
    # TRS lists build their pager with document.write: rendered only if the plain read found nothing
    trs = [p for p in farm.manifest["portals"] if p["family"] == "trs" and not p["needs_browser"]]
    assert trs and not any(_verdict(farm, p["nb_column"], followed=1) for p in trs)


def test_challenges_and_hints():
    assert is_browser_challenge("js-challenge-412: 瑞数 $_ts challenge script (needs a browser)")
    assert is_browser_challenge("js-challenge-521: 加速乐 __jsl_clearance cookie script (needs a browser)")
    assert not is_browser_challenge("waf-safedog: 服务器安全狗防护验证页面 (needs a browser)")
    assert not is_browser_challenge(None)
    assert seed_wants_browser("列表需浏览器加载") and seed_wants_browser("needs a browser (JS list)")
    assert not seed_wants_browser("来源：搜索引擎结果（未核实）") and not seed_wants_browser("")


def test_a_page_without_links_but_with_scripts_is_rendered():
    html = "<html><body><div id=app></div><script src=/app.js></script></body></html>"
    assert needs_rendering(html, link_count=0, followed=0, is_list=False)
    assert not needs_rendering("<html><body><p>text</p></body></html>", link_count=0, followed=0, is_list=False)


def test_browser_path_stays_off_without_a_chromium_and_when_not_asked():
    from scrapy.settings import Settings

    from crawler.browser.session import browser_available

    assert not browser_available(Settings({"NIANBAO_BROWSER": False}))
    assert not browser_available(Settings({"NIANBAO_BROWSER": True, "NIANBAO_BROWSER_EXECUTABLE": "/nonexistent/chromium"}))
    assert browser_available(Settings({"NIANBAO_BROWSER": True, "NIANBAO_BROWSER_EXECUTABLE": "/usr/bin/chromium"}))
