"""Hostile behaviour, through the proxy: each as specified and each recorded in the manifest."""

from __future__ import annotations

import http.client
import re
import socket
import time

import pytest
from farmhttp import UA, fetch_via, polite_get, solve_412, solve_521

from farm import hostile


def portal(farm, host):
    return next(p for p in farm.manifest["portals"] if p["host"] == host)


def hostile_host(farm, name):
    return next(p for p in farm.manifest["portals"] if name in p["hostile"])


def a_report(farm, host):
    return next(r for r in farm.manifest["reports"] if r["host"] == host and r["delivery"] == "html")


def test_412_challenge_blocks_a_plain_client_and_accepts_the_computed_cookie(farm, get):
    p = hostile_host(farm, "js-challenge-412")
    report = a_report(farm, p["host"])
    first = get(report["page_url"])
    assert first.status == 412
    page = first.text()
    assert re.search(r'<meta content="\w+" r="m">', page)
    assert "$_ts.nsd=" in page and "$_ts.cd=" in page and hostile.RS_SCRIPT_PATH in page
    assert hostile.RS_COOKIE in first.headers["Set-Cookie"]
    assert report["title"] not in page
    script = get(f"http://{p['host']}{hostile.RS_SCRIPT_PATH}")
    assert script.status == 200 and b"document.cookie" in script.body
    # the script's arithmetic, done here: the page is then served
    assert get(report["page_url"], headers={"Cookie": solve_412(page)}).status == 200
    assert get(report["page_url"], headers={"Cookie": f"{hostile.RS_CLEARANCE}=deadbeef"}).status == 412
    assert p["needs_browser"] and report["needs_browser"]
    assert get(f"http://{p['host']}/robots.txt").status == 200


def test_521_cookie_challenge(farm, get):
    p = hostile_host(farm, "js-challenge-521")
    report = a_report(farm, p["host"])
    first = get(report["page_url"])
    assert first.status == 521
    body = first.text()
    assert "document.cookie=('__jsl_clearance_s=')" in body
    assert "location.href=location.pathname+location.search" in body
    assert "__jsluid_h=" in first.headers["Set-Cookie"]
    assert get(report["page_url"], headers={"Cookie": solve_521(body)}).status == 200
    assert report["needs_browser"]


def test_robots_disallow_all(farm, get):
    p = hostile_host(farm, "robots-disallow")
    assert get(f"http://{p['host']}/robots.txt").text() == "User-agent: *\nDisallow: /\n"
    assert all(r["robots_disallowed"] for r in farm.manifest["reports"] if r["host"] == p["host"])


def test_http_to_https_redirect(farm, get):
    p = hostile_host(farm, "https-redirect")
    report = a_report(farm, p["host"])
    http_url = report["page_url"].replace("https://", "http://")
    got = get(http_url)
    assert got.status == 301 and got.headers["Location"] == report["page_url"]


def test_moved_column_redirects_to_home(farm, get):
    p = hostile_host(farm, "moved-301-home")
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "redirect-home")
    got = get(trap["url_prefix"])
    assert got.status == 301 and got.headers["Location"] == "/"
    seeds = farm.seeds_path.read_text("utf-8")
    assert trap["url_prefix"] in seeds  # the seed list still has the old address
    assert p["agency"] in seeds


def test_soft_404(farm, get):
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "soft-404")
    got = get(trap["example"])
    assert got.status == 200 and "页面不存在" in got.text()


def test_slow_host(farm, get):
    p = hostile_host(farm, "slow")
    started = time.perf_counter()
    assert get(a_report(farm, p["host"])["page_url"]).status == 200
    assert time.perf_counter() - started >= hostile.SLOW_SECONDS


def test_503_then_ok(farm, get):
    p = hostile_host(farm, "503-then-ok")
    url = f"http://{p['host']}/zwgk/gwgg/"
    statuses = [get(url).status for _ in range(4)]
    assert 503 in statuses and 200 in statuses
    i = statuses.index(503)
    assert statuses[i + 1] == 200  # retrying once is enough


def test_429_with_retry_after_on_a_burst(farm, get):
    p = hostile_host(farm, "rate-limit-429")
    time.sleep(2.0)  # let the bucket refill
    statuses = []
    for _ in range(16):
        got = get(f"http://{p['host']}/robots.txt")
        statuses.append(got.status)
        if got.status == 429:
            assert int(got.headers["Retry-After"]) >= 1
    assert statuses[0] == 200 and 429 in statuses
    time.sleep(1.0)
    assert get(f"http://{p['host']}/robots.txt").status == 200


def test_calendar_trap_never_ends(farm, get):
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "calendar")
    url = trap["url_prefix"] + "2024-01.html"
    for _ in range(30):
        got = get(url)
        assert got.status == 200
        nxt = re.search(r'href="(/zwgk/hdjl/rl/\d{4}-\d{2}\.html)">下个月', got.text()).group(1)
        url = url.split("/zwgk/")[0] + nxt
    assert url.endswith("2026-07.html")
    home = get(trap["url_prefix"].split("/zwgk/")[0] + "/").text()
    assert "/zwgk/hdjl/rl/2024-01.html" in home


def test_search_trap_pages_forever(farm, get):
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "search")
    url = trap["url_prefix"] + "?websiteid=430381000000000&tpl=1541&pos=title&q=%E5%B9%B4%E6%8A%A5&p=500"
    got = get(url)
    assert got.status == 200 and "p=501" in got.text()


def test_huge_file_is_streamed_with_its_length(farm):
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "huge-file")
    conn = http.client.HTTPConnection("127.0.0.1", farm.port, timeout=10)
    conn.request("GET", trap["url_prefix"], headers={"User-Agent": UA})
    resp = conn.getresponse()
    assert resp.status == 200 and int(resp.headers["Content-Length"]) == hostile.HUGE_SIZE
    assert len(resp.read(1 << 20)) == 1 << 20
    conn.close()  # a crawler with a size limit stops here; the server must survive it
    assert fetch_via(farm.proxy, trap["linked_from"]).status == 200


def test_truncated_body_announces_more_than_it_sends(farm):
    trap = next(t for t in farm.manifest["traps"] if t["kind"] == "truncated")
    conn = http.client.HTTPConnection("127.0.0.1", farm.port, timeout=10)
    conn.request("GET", trap["url_prefix"], headers={"User-Agent": UA})
    resp = conn.getresponse()
    assert resp.status == 200
    with pytest.raises(http.client.IncompleteRead) as info:
        resp.read()
    assert len(info.value.partial) < int(resp.headers["Content-Length"])


def test_charset_wrong_label_and_none(farm, get):
    wrong = hostile_host(farm, "charset-wrong-label")
    got = get(f"http://{wrong['host']}/")
    assert got.headers["Content-Type"] == "text/html; charset=ISO-8859-1"
    assert "益阳市" in got.body.decode("utf-8")  # the bytes are UTF-8 whatever the header says
    none = hostile_host(farm, "charset-none")
    got = get(f"http://{none['host']}/")
    assert got.headers["Content-Type"] == "text/html"
    assert b"charset" not in got.body[:400]


def test_big5_gateway_duplicates_the_site(farm, get):
    p = hostile_host(farm, "big5-gateway")
    report = a_report(farm, p["host"])
    dup = next(x for x in farm.manifest["lookalikes"] if x["kind"] == "big5-duplicate" and x["same_as"] == report["page_url"])
    got = get(dup["url"])
    assert got.status == 200 and "charset=big5" in got.headers["Content-Type"]
    text = got.body.decode("big5", "replace")
    assert "縣" in text  # 县 in traditional
    assert f'/gate/big5/{p["host"]}/' in text  # links stay inside the gateway


def test_well_behaved_client_gets_through_flaky_and_limited_hosts(farm):
    for name in ("503-then-ok", "rate-limit-429"):
        p = hostile_host(farm, name)
        assert polite_get(farm.proxy, a_report(farm, p["host"])["page_url"]).status == 200


def test_every_hostile_behaviour_is_recorded(farm):
    recorded = {h for p in farm.manifest["portals"] for h in p["hostile"]}
    assert {"js-challenge-412", "js-challenge-521", "robots-disallow", "https-redirect", "moved-301-home",
            "soft-404", "slow", "503-then-ok", "rate-limit-429", "calendar-trap", "search-trap", "huge-file",
            "truncated-body", "gbk-meta-only", "charset-wrong-label", "charset-none", "big5-gateway",
            "referer-required", "api-page-404"} <= recorded
    hostile_portals = [p for p in farm.manifest["portals"] if p["hostile"]]
    assert len(hostile_portals) < len(farm.manifest["portals"])


def test_server_survives_a_client_that_hangs_up(farm, get):
    sock = socket.create_connection(("127.0.0.1", farm.port), timeout=5)
    sock.sendall(b"GET http://www.qingshan.gov.cn/ HTTP/1.1\r\nHost: www.qingshan.gov.cn\r\n\r\n")
    sock.close()
    assert get("http://www.qingshan.gov.cn/").status == 200


def test_seed_of_an_https_portal_is_its_http_address(farm):
    p = hostile_host(farm, "https-redirect")
    seeds = farm.seeds_path.read_text("utf-8")
    assert f"http://{p['host']}/" in seeds and f"https://{p['host']}" not in seeds
