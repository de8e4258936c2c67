"""A real Chromium through the farm's proxy passes what a plain client cannot."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser(farm):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                      proxy={"server": farm.proxy})
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(ignore_https_errors=True)
    try:
        yield context.new_page()
    finally:
        context.close()


def html_report(farm, hostile_name):
    host = next(p["host"] for p in farm.manifest["portals"] if hostile_name in p["hostile"])
    return next(r for r in farm.manifest["reports"] if r["host"] == host and r["delivery"] == "html")


def test_browser_passes_the_412_challenge(farm, page):
    report = html_report(farm, "js-challenge-412")
    page.goto(report["page_url"])
    page.wait_for_function("document.title.length > 0 && !!document.querySelector('.main')", timeout=15000)
    assert report["title"] in page.title()
    assert any(c["name"].endswith("T") for c in page.context.cookies())


def test_browser_passes_the_521_challenge(farm, page):
    report = html_report(farm, "js-challenge-521")
    page.goto(report["page_url"])
    page.wait_for_function("!!document.querySelector('#zoom, .main')", timeout=15000)
    assert report["title"] in page.title()


def test_browser_reveals_the_client_side_list(farm, page):
    portal = next(p for p in farm.manifest["portals"] if p["family"] == "spa")
    page.goto(portal["nb_column"])
    page.wait_for_selector("#list a", timeout=15000)
    hrefs = page.eval_on_selector_all("#list a", "els => els.map(e => e.href)")
    hidden = [r["page_url"] for r in farm.manifest["reports"] if r["column_url"] == portal["nb_column"]]
    assert hidden and set(hidden) <= set(hrefs)


def test_browser_renders_hanweb_island_and_dataproxy(farm, page):
    portal = next(p for p in farm.manifest["portals"] if p["host"] == "www.xiangxiang.gov.cn")
    page.goto(portal["nb_column"])
    wanted = {r["page_url"] for r in farm.manifest["reports"] if r["column_url"] == portal["nb_column"]}
    page.wait_for_function(f"document.querySelectorAll('ul.list a').length >= {len(wanted)}", timeout=15000)
    hrefs = set(page.eval_on_selector_all("ul.list a", "els => els.map(e => e.href)"))
    assert wanted <= hrefs


def test_browser_lists_gkmlpt_and_jpaas(farm, page):
    for family, selector in (("gkmlpt", "#list a"), ("jpaas", "#list a")):
        portal = next(p for p in farm.manifest["portals"] if p["family"] == family)
        page.goto(portal["nb_column"], referer=portal["home"])
        page.wait_for_selector(selector, timeout=15000)
        hrefs = set(page.eval_on_selector_all(selector, "els => els.map(e => e.href)"))
        first = [r for r in farm.manifest["reports"] if r["column_url"] == portal["nb_column"]]
        assert first and any(r["page_url"] in hrefs for r in first), family


def test_browser_follows_https_redirect_through_connect(farm, page):
    report = html_report(farm, "https-redirect")
    page.goto(report["page_url"].replace("https://", "http://"))
    assert page.url == report["page_url"]
    assert report["title"] in page.title()
