"""The Datasette site in-process (ds.client): search, canned queries, charts, archived originals."""

import json
import re
from pathlib import Path

import pytest
import pytest_asyncio
import sqlite_utils

from nianbao.serve import make_datasette

SEEDS = Path(__file__).resolve().parents[2] / "farm" / "data"  # the five hand-checked seed reports, one copy
pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def ds(site):
    directory, _ = site
    datasette = make_datasette(directory)
    await datasette.invoke_startup()
    return datasette


def report_id(site, name):
    directory, got = site
    database = sqlite_utils.Database(directory / "nianbao.db")
    return database.execute("select id from reports where url = ?", [got[name].url]).fetchone()[0]


async def get_json(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, response.text[:500]
    return response.json()


async def test_table_search_finds_two_character_words(ds):
    rows = await get_json(ds, "/nianbao/reports.json?_search=复议&_shape=array&_col=agency")
    assert "益阳市人民政府办公室" in {r["agency"] for r in rows}
    rows = await get_json(ds, "/nianbao/reports.json?_search=信访&_shape=array&_col=agency")
    assert "湘乡市信访局" in {r["agency"] for r in rows}
    longer = await get_json(ds, "/nianbao/reports.json?_search=行政复议&_shape=array")
    assert longer
    # a phrase, not a bag of characters: the reversed word is not in any report
    assert await get_json(ds, "/nianbao/reports.json?_search=议复&_shape=array") == []
    page = await ds.client.get("/nianbao/reports?_search=复议")
    assert page.status_code == 200 and 'value="复议"' in page.text  # the box shows what was typed


async def test_canned_search_gives_snippets(ds):
    rows = await get_json(ds, "/nianbao/search.json?q=复议&_shape=array")
    assert rows and all("【复议】" in r["snippet"] for r in rows)
    assert all(r["archived"].startswith("/-/archive/") for r in rows)
    assert await get_json(ds, "/nianbao/search.json?q=&_shape=array") == []


async def test_canned_queries_for_journalists(ds, site):
    expected = json.loads((SEEDS / "yiyang-city-office-2023.expected.json").read_text(encoding="utf-8"))
    applications = expected["table3"]["1"]["total"]
    top = await get_json(ds, "/nianbao/top_agencies.json?year=2023&_shape=array")
    yiyang = next(r for r in top if r["agency"] == "益阳市人民政府办公室")
    assert yiyang["applications"] == applications and yiyang["report_id"] == report_id(site, "yiyang")
    assert [r["applications"] for r in top] == sorted((r["applications"] for r in top), reverse=True)

    rates = await get_json(ds, "/nianbao/refusal_rates.json?year=2023&min_handled=1&_shape=array")
    row = next(r for r in rates if r["agency"] == "益阳市人民政府办公室")
    outcomes = expected["table3"]["3.7"]["total"]
    cannot = sum(expected["table3"][k]["total"] for k in ("3.4.1", "3.4.2", "3.4.3"))
    assert row["cannot_provide_pct"] == round(100.0 * cannot / outcomes, 1)

    failing = await get_json(ds, "/nianbao/failing_checks.json?check=x.in_force&year=&_shape=array")
    assert [(r["agency"], r["year"], r["where"], r["left"], r["right"]) for r in failing] == [
        ("益阳市人民政府办公室", 2023, "normative_documents", 196, 204)]

    yoy = await get_json(ds, "/nianbao/year_over_year.json?agency=益阳市&_shape=array")
    assert [(r["year"], r["applications"], r["applications_change"]) for r in yoy] == [
        (2022, applications, None), (2023, applications, 0)]

    missing = await get_json(ds, "/nianbao/missing_reports.json?year=2022&_shape=array")
    names = {r["name"] for r in missing}
    assert "湘乡市信访局" in names and "益阳市人民政府办公室" not in names


async def test_chart_is_an_offline_svg_shown_on_the_query_page(ds):
    page = await ds.client.get("/nianbao/top_agencies?year=2023")
    assert page.status_code == 200
    src = re.search(r'<div class="nianbao-chart"><img src="([^"]+)"', page.text).group(1)
    assert ".svg" in src
    svg = await ds.client.get(src.replace("&amp;", "&"))
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in svg.text and "益阳市人民政府办公室" in svg.text and "<script" not in svg.text
    assert "http" not in svg.text.replace("http://www.w3.org/2000/svg", "")  # nothing fetched from anywhere
    plain = await ds.client.get("/nianbao/reports")
    assert "nianbao-chart" not in plain.text


async def test_facets_and_metadata(ds):
    data = await get_json(ds, "/nianbao/reports.json?_facet=province&_facet=parse_status&_facet=level&_facet=year")
    facets = data["facet_results"]
    statuses = {v["value"] for v in facets["parse_status"]["results"]}
    assert "image_only" in statuses and "ok" in statuses
    assert "湖南省" in {v["value"] for v in facets["province"]["results"]}
    page = await ds.client.get("/nianbao/report_figures")
    assert "万元" in page.text and 'id="facet-province"' in page.text and 'id="facet-level"' in page.text
    index = await ds.client.get("/")
    assert "政府信息公开工作年度报告" in index.text
    assert not ds.databases["nianbao"].is_mutable


async def test_report_row_links_to_its_archived_original(ds, site):
    rid = report_id(site, "yiyang")
    page = await ds.client.get(f"/nianbao/reports/{rid}")
    assert page.status_code == 200
    assert f'href="/-/archive/{rid}"' in page.text
    card = page.text[page.text.index("nianbao-report-card"):page.text.index('<table class="rows-and-columns"')]
    assert "益阳市人民政府办公室2023年政府信息公开工作年度报告" in card and "存档原件" in card
    pdf_report = report_id(site, "xiangxiang")
    page = await ds.client.get(f"/nianbao/reports/{pdf_report}")
    assert f'href="/-/archive/{pdf_report}/document"' in page.text and "(pdf)" in page.text


async def test_archived_html_is_the_served_payload_sandboxed(ds, site):
    _, got = site
    response = await ds.client.get(f"/-/archive/{report_id(site, 'yiyang')}")
    assert response.status_code == 200
    assert response.content == got["yiyang"].body
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"].startswith("sandbox")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-nianbao-payload-digest"] == got["yiyang"].entry["payload_digest"]


async def test_archived_gzip_chunked_page_is_served_decoded(ds, site):
    _, got = site
    response = await ds.client.get(f"/-/archive/{report_id(site, 'yiyang2022')}")
    assert response.content == got["yiyang2022"].body != got["yiyang2022"].wire
    assert response.headers["x-nianbao-decoded"] == "chunked, gzip"
    assert "content-encoding" not in response.headers


async def test_archived_gbk_page_keeps_its_bytes_and_type(ds, site):
    _, got = site
    response = await ds.client.get(f"/-/archive/{report_id(site, 'county')}")
    assert response.content == got["county"].body
    assert response.headers["content-type"] == "text/html"  # as served: the charset is in the page's meta


async def test_archived_pdf_opens_as_pdf(ds, site):
    directory, got = site
    database = sqlite_utils.Database(directory / "nianbao.db")
    capture = database.execute("select id from captures where url = ?", [got["xiangxiang_pdf"].url]).fetchone()[0]
    response = await ds.client.get(f"/-/archive/capture/{capture}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert "content-security-policy" not in response.headers
    assert response.content == got["xiangxiang_pdf"].body and response.content.startswith(b"%PDF")
    document = await ds.client.get(f"/-/archive/{report_id(site, 'xiangxiang')}/document")
    assert document.status_code == 200


async def test_lookalike_is_a_capture_not_a_report(ds, site):
    _, got = site
    rows = await get_json(ds, "/nianbao/reports.json?_shape=array&_col=url")
    assert got["lookalike"].url not in {r["url"] for r in rows}
    captures = await get_json(ds, "/nianbao/captures.json?role=lookalike&_shape=array")
    assert [c["url"] for c in captures] == [got["lookalike"].url]
    response = await ds.client.get(f"/-/archive/capture/{captures[0]['id']}")
    assert response.content == got["lookalike"].body


async def test_unknown_archive_ids_are_404(ds):
    assert (await ds.client.get("/-/archive/0123456789abcdef")).status_code == 404
    assert (await ds.client.get("/-/archive/capture/0123456789abcdef")).status_code == 404
    assert (await ds.client.get("/-/archive/not-an-id")).status_code == 404


async def test_query_results_link_report_ids_to_their_rows(ds, site):
    page = await ds.client.get("/nianbao/top_agencies?year=2023")
    rid = report_id(site, "yiyang")
    assert f'<a href="/nianbao/reports/{rid}">{rid}</a>' in page.text



async def test_home_page_has_a_search_box_for_the_full_text_search(ds):
    home = await ds.client.get("/")
    form = re.search(r'<form action="([^"]+)" method="get"[^>]*>.*?<input type="search" name="(\w+)"', home.text, re.S)
    assert form and form.groups() == ("/nianbao/search", "q")


async def test_a_revisit_capture_replays_the_original_payload(ds, site):
    directory, got = site
    database = sqlite_utils.Database(directory / "nianbao.db")
    revisit = got["yiyang2"].entry["warc_record_id"]
    capture = database.execute("select id from captures where warc_record_id = ?", [revisit]).fetchone()[0]
    response = await ds.client.get(f"/-/archive/capture/{capture}")
    assert response.status_code == 200
    assert response.content == got["yiyang"].body
    assert response.headers["x-nianbao-record-id"] == got["yiyang"].entry["warc_record_id"]  # the original's
