"""A reader in a real browser: Debian's Chromium against a real `datasette serve` of a built archive.

Searches 复议 in the reports table, opens a report, follows its link to the archived original and
checks that the archived page shows but its script did not run (CSP sandbox). Screenshots of each
step go to the test's tmp dir.
"""

import socket
import subprocess
import time
import urllib.request

import pytest

from nianbao.serve import datasette_argv

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(site, tmp_path):
    directory, _ = site
    port = free_port()
    log = tmp_path / "datasette.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would stall the server
        proc = subprocess.Popen(datasette_argv(directory, host="127.0.0.1", port=port),
                                stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError as exc:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("datasette did not start: " + log.read_text(errors="replace")) from exc
            time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.browser
def test_search_open_report_and_follow_to_archived_original(server, site, tmp_path):
    from playwright.sync_api import sync_playwright

    _, got = site
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(server + "/")
            assert "政府信息公开工作年度报告" in page.content()
            page.screenshot(path=shots / "1-home.png")

            page.click("text=全部年报 all reports")
            page.fill("input[name=_search]", "复议")
            page.press("input[name=_search]", "Enter")
            page.wait_for_url("**_search=*")
            rows = page.locator("table.rows-and-columns tbody tr")
            assert rows.count() >= 2
            assert "益阳市人民政府办公室" in page.inner_text("table.rows-and-columns")
            assert page.input_value("input[name=_search]") == "复议"
            page.screenshot(path=shots / "2-search.png", full_page=False)

            row = page.locator("table.rows-and-columns tbody tr", has_text="益阳市人民政府办公室").first
            row.locator("td.col-id a").click()
            page.wait_for_url("**/nianbao/reports/*")
            assert "益阳市人民政府办公室2023年政府信息公开工作年度报告" in page.content() or \
                "益阳市人民政府办公室2022年政府信息公开工作年度报告" in page.content()
            page.screenshot(path=shots / "3-report.png")

            page.click("a.nianbao-archived")
            page.wait_for_url("**/-/archive/*")
            heading = page.inner_text("h1")
            assert heading.startswith("益阳市人民政府办公室") and "年度报告" in heading
            assert not page.title().startswith("pwned")  # the archived page's script was not run
            page.screenshot(path=shots / "4-archived.png")

            page.goto(server + "/nianbao/top_agencies?year=2023")
            chart = page.locator(".nianbao-chart img")
            chart.wait_for()
            assert page.evaluate("(img) => img.naturalWidth", chart.element_handle()) > 0
            page.screenshot(path=shots / "5-chart.png")

            page.goto(server + "/nianbao/search?q=行政复议")  # a 4-character phrase: the query is segmented too
            assert "【行政复议】" in page.inner_text("table.rows-and-columns")
            page.screenshot(path=shots / "6-full-text-search.png")
        finally:
            browser.close()
    assert all((shots / f).stat().st_size > 5000 for f in ("1-home.png", "2-search.png", "4-archived.png"))
