"""The manifest is the truth: everything it names is served as it says; seeds.csv follows the spec."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
from farmhttp import polite_get, solve_412, solve_521

from farm import build_farm

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "parsers" / "report-schema.json").read_text("utf-8"))
FAMILIES = {"trs", "shtml", "hanweb", "jpaas", "gkmlpt", "shandong", "snowflake", "anhui", "iframe", "spa"}


def challenge_cookies(farm, host: str) -> dict:
    """What a browser would hold after passing a portal's challenge (computed like its script)."""
    p = next(p for p in farm.farm.portals if p.host == host)
    if "js-challenge-412" in p.hostile:
        return {"Cookie": solve_412(polite_get(farm.proxy, f"http://{host}/").text())}
    if "js-challenge-521" in p.hostile:
        return {"Cookie": solve_521(polite_get(farm.proxy, f"http://{host}/").text())}
    return {}


def test_portals_cover_every_family(farm):
    portals = farm.manifest["portals"]
    assert len(portals) >= 12
    assert FAMILIES <= {p["family"] for p in portals}
    levels = Counter(r["level"] for r in farm.manifest["reports"])
    assert {"government", "office", "department", "township"} <= set(levels)
    years = {r["year"] for r in farm.manifest["reports"]}
    assert set(range(2019, 2025)) <= years
    assert {r["template"] for r in farm.manifest["reports"]} == {"2019", "2021"}


def test_delivery_mix(farm):
    reports = farm.manifest["reports"]
    mix = Counter(r["delivery"] for r in reports)
    share = (mix["attachment"]) / len(reports)
    assert 0.15 <= share <= 0.30, mix
    assert mix["image"] + mix["pdf_image"] >= 3
    formats = {d["format"] for r in reports for d in r["documents"]}
    assert {"html", "pdf", "docx", "doc", "xls", "xlsx", "image"} <= formats
    assert any(not r["title_in_body"] for r in reports)
    assert any(r["outside_nb_column"] for r in reports)
    assert any(r["list_title"] and "\n" in r["list_title"] for r in reports)
    assert any(r["inconsistent"] for r in reports)
    assert {r["seed_name"] for r in reports if r["seed_name"]} == {
        "county-office-2023-tabbed", "liuyang-city-2023-traditional-pinyin", "xiangxiang-petitions-bureau-2023",
        "yangquan-city-2023", "yiyang-city-office-2023"}


def test_lookalike_kinds(farm):
    kinds = {x["kind"] for x in farm.manifest["lookalikes"]}
    assert {"解读", "图解", "工作要点", "企业年报", "政府工作报告", "统计公报", "other-agency", "repost", "mirror",
            "big5-duplicate", "unrelated"} <= kinds


def test_expected_validates_against_the_schema(farm):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    checked = 0
    for r in farm.manifest["reports"]:
        if r["expected"] is None:
            assert r["tables_from"] is None and r["delivery"] in ("image", "pdf_image")
            continue
        validator.validate({**r["expected"], "checks": []})
        assert (r["agency"], r["year"], r["template"]) == (r["expected"]["agency"], r["expected"]["year"],
                                                            r["expected"]["template"])
        assert r["tables_from"] in [d["url"] for d in r["documents"]]
        checked += 1
    assert checked >= 100


def check_host_reports(farm, host: str, reports: list[dict]) -> list[str]:
    problems = []
    cookies = challenge_cookies(farm, host)
    for r in reports:
        for url in [r["page_url"]] + [d["url"] for d in r["documents"]]:
            got = polite_get(farm.proxy, url, headers=cookies)
            if got.status != 200:
                problems.append(f"{url}: {got.status}")
        for d in r["documents"]:
            if d["format"] != "html":
                got = polite_get(farm.proxy, d["url"], headers=cookies)
                ctype, data = farm.farm.raw_document(d["url"])
                if not (got.body == data and got.headers["Content-Type"] == ctype == d["content_type"]):
                    problems.append(f"{d['url']}: served bytes differ from raw_document")
        if r["needs_browser"] and cookies and polite_get(farm.proxy, r["page_url"]).status not in (412, 521):
            problems.append(f"{r['page_url']}: a plain client is not challenged")
    return problems


def test_every_report_page_and_document_is_served(farm):
    """A well-behaved client (redirects, Retry-After, and a browser's cookie where needed) gets it all."""
    by_host: dict[str, list[dict]] = {}
    for r in farm.manifest["reports"]:
        by_host.setdefault(r["host"], []).append(r)
    with ThreadPoolExecutor(max_workers=len(by_host)) as pool:  # one polite client per host, side by side
        results = pool.map(lambda item: check_host_reports(farm, *item), by_host.items())
        problems = [p for chunk in results for p in chunk]
    assert not problems


def test_raw_document_of_an_inline_report_is_the_page(farm):
    r = next(r for r in farm.manifest["reports"] if r["host"] == "www.qingshan.gov.cn" and r["delivery"] == "html")
    ctype, data = farm.farm.raw_document(r["page_url"])
    assert ctype.startswith("text/html")
    assert polite_get(farm.proxy, r["page_url"]).body == data
    with pytest.raises(KeyError):
        farm.farm.raw_document("http://www.qingshan.gov.cn/no/such/page.html")


def test_lookalikes_are_served(farm):
    def check(x: dict) -> int:
        return polite_get(farm.proxy, x["url"], headers=challenge_cookies(farm, x["host"])).status

    sample = farm.manifest["lookalikes"][::4]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(check, sample))
    assert [x["url"] for x, s in zip(sample, statuses, strict=True) if s != 200] == []


def test_seeds_csv_has_the_spec_columns(farm):
    with farm.seeds_path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys()) == ["agency", "url", "adcode", "level", "parent", "notes"]
    assert all(r["agency"] and r["url"].startswith(("http://", "https://")) for r in rows)
    assert {r["level"] for r in rows} <= {"province", "city", "county", "township", "department"}
    assert {"city", "county", "township", "department"} <= {r["level"] for r in rows}
    agencies = {r["agency"] for r in rows}
    for report in farm.manifest["reports"]:
        assert report["seed_agency"] in agencies, report["seed_agency"]
    assert (farm.out_dir / "manifest.json").exists()
    assert json.loads((farm.out_dir / "manifest.json").read_text("utf-8")) == farm.manifest


def test_build_is_deterministic(farm, tmp_path):
    again = build_farm(farm.manifest["seed"])
    manifest = again.manifest(farm.manifest["proxy"])
    manifest["ca_cert"] = farm.manifest["ca_cert"]
    assert manifest == farm.manifest
    for host in ("www.qingshan.gov.cn", "www.xiangxiang.gov.cn", "www.dongping.gov.cn"):
        a, b = farm.farm.sites[host], again.sites[host]
        assert a.routes.keys() == b.routes.keys()
        for path in list(a.routes)[:40]:
            if a.routes[path].content_type.startswith("text/"):
                assert a.routes[path].body == b.routes[path].body, path
    other = build_farm(farm.manifest["seed"] + 1).manifest("x")
    assert [r["page_url"] for r in other["reports"]] != [r["page_url"] for r in farm.manifest["reports"]]


def test_as_of_models_an_earlier_spring_with_identical_old_pages(farm):
    earlier = build_farm(farm.manifest["seed"], as_of=dt.date(2024, 6, 30))
    before = earlier.manifest("x")
    assert before["as_of"] == "2024-06-30"
    assert all(r["published"] <= "2024-06-30" for r in before["reports"])
    now = {r["page_url"]: r for r in farm.manifest["reports"]}
    assert len(before["reports"]) < len(now)
    for r in before["reports"]:  # an old report is where it was, with the same bytes and validators
        assert r["page_url"] in now
        old_site = earlier.sites[r["host"]]
        new_site = farm.farm.sites[r["host"]]
        path = r["page_url"].split(r["host"], 1)[1]
        assert old_site.lookup(path).body == new_site.lookup(path).body
        assert old_site.lookup(path).etag == new_site.lookup(path).etag
    col = next(p for p in farm.manifest["portals"] if p["host"] == "www.qingshan.gov.cn")["nb_column"]
    path = col.split("www.qingshan.gov.cn", 1)[1]
    old_list = earlier.sites["www.qingshan.gov.cn"].lookup(path)
    new_list = farm.farm.sites["www.qingshan.gov.cn"].lookup(path)
    assert old_list.etag != new_list.etag and old_list.modified < new_list.modified


def test_build_is_deterministic_across_processes():
    """No dependence on Python's per-process hash seed: two interpreters build the same bytes."""
    script = ("import farm,json,hashlib;f=farm.build_farm();m=f.manifest('x');"
              "h=hashlib.sha1(json.dumps(m,sort_keys=True,ensure_ascii=False).encode());"
              "[h.update(r.body) for p in f.portals for _,r in sorted(p.site.routes.items()) "
              "if r.content_type.startswith('text')];print(h.hexdigest())")
    digests = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")}
    assert len(digests) == 1
