"""`nianbao build`: real WARC files + crawl logs → nianbao.db with the real parser.

The crawl directories are made by tests/archive/crawldir.py (the project's WARC writer and crawl
log, seed reports wrapped in portal pages). Values are compared with the seed reports'
.expected.json, so a wrong cell fails here.
"""

import io
import json
import shutil
from pathlib import Path

import pytest
import sqlite_utils
from crawldir import first_crawl, second_crawl

import parsers
from archive.build import Progress, build
from archive.replay import read_response
from nianbao.cli import main

SEEDS = Path(__file__).resolve().parents[2] / "farm" / "data"  # the five hand-checked seed reports, one copy


def quiet():
    return Progress(stream=io.StringIO())


def dump(path: Path) -> list:
    database = sqlite_utils.Database(path)
    return [(t, tuple(r)) for t in sorted(database.table_names()) if not t.startswith("reports_fts")
            for r in database.execute(f"select * from [{t}] order by 1, 2")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Both crawls, built once (tests that change things copy it)."""
    directory = tmp_path_factory.mktemp("built")
    got = first_crawl(directory)
    got2 = second_crawl(directory, got)
    stats = build(directory, progress=quiet())
    return directory, got, got2, stats


def test_report_values_are_those_published(built):
    directory, got, _, stats = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    expected = json.loads((SEEDS / "yiyang-city-office-2023.expected.json").read_text(encoding="utf-8"))
    report = database.execute("select id, agency, year, parse_status, template, parser_version from reports "
                              "where url = ?", [got["yiyang"].url]).fetchone()
    assert report[1:] == ("益阳市人民政府办公室", 2023, "ok", "2021", parsers.PARSER_VERSION)
    cells = {(r, c): v for r, c, v in database.execute("select row, col, value from table3 where report_id = ?",
                                                        [report[0]])}
    want = {(r, c): v for r, cols in expected["table3"].items() if cols for c, v in cols.items()}
    assert cells == want
    t4 = {(g, o): v for g, o, v in database.execute("select grp, outcome, value from table4 where report_id = ?",
                                                     [report[0]])}
    assert t4 == {(g, o): v for g, cols in expected["table4"].items() for o, v in cols.items()}
    figures = database.execute("select applications, reviews, agency, province from report_figures "
                               "where report_id = ?", [report[0]]).fetchone()
    assert figures == (expected["table3"]["1"]["total"], expected["table4"]["review"]["total"],
                       "益阳市人民政府办公室", "湖南省")


def test_report_row_points_at_its_archived_page(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    row = database.execute("select warc_file, warc_offset, warc_record_id, payload_digest, crawl_id from reports "
                           "where url = ?", [got["yiyang2022"].url]).fetchone()
    response = read_response(directory / "warc", row[0], row[1], row[2])
    assert response.body == got["yiyang2022"].body
    assert row[3] == got["yiyang2022"].entry["payload_digest"]
    assert row[4] == "20240301T000000Z"


def test_lookalikes_and_non_reports_are_captures_never_reports(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    urls = {r[0] for r in database.execute("select url from reports")}
    assert got["lookalike"].url not in urls
    assert got["column"].url not in urls
    roles = dict(database.execute("select role, count(*) from captures group by role").fetchall())
    assert roles["lookalike"] == 1 and roles["robots"] == 1
    robots = database.execute("select warc_file, reason from captures where role = 'robots'").fetchone()
    assert robots == (None, "disallowed by robots.txt")


def test_report_whose_attachment_is_a_scan_is_image_only(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    row = database.execute("select parse_status, url, document_url, format from reports where url = ?",
                           [got["scanned"].url]).fetchone()
    assert row == ("image_only", got["scanned"].url, got["scanned_pdf"].url, "pdf")


def test_a_lookalike_logged_as_a_report_stays_out_of_the_reports(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    assert database.execute("select count(*) from reports where url = ?", [got["misfiled_lookalike"].url]
                            ).fetchone()[0] == 0
    reason = database.execute("select reason from captures where url = ?", [got["misfiled_lookalike"].url]
                              ).fetchone()[0]
    assert reason.startswith("not a report: look-alike")


def test_image_only_report_is_present_with_its_status(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    row = database.execute("select parse_status, agency, year, parse_reason from reports where url = ?",
                           [got["image_only"].url]).fetchone()
    assert row[:3] == ("image_only", "某某县交通运输局", 2023)
    assert row[3]
    assert database.execute("select count(*) from table3 t join reports r on r.id = t.report_id "
                            "where r.url = ?", [got["image_only"].url]).fetchone()[0] == 0


def test_cross_year_checks(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    this_year = database.execute("select id from reports where url = ?", [got["yiyang"].url]).fetchone()[0]
    last_year = database.execute("select id from reports where url = ?", [got["yiyang2022"].url]).fetchone()[0]
    rows = database.execute('select "check", "where", ok, "left", "right", other_report_id from checks '
                            "where report_id = ? and source = 'cross_year'", [this_year]).fetchall()
    by_key = {(c, w): (ok, left, right, other) for c, w, ok, left, right, other in rows}
    assert by_key[("x.carry_over", "total")] == (1, 1, 1, last_year)
    assert by_key[("x.in_force", "regulations")] == (1, 7, 7, last_year)
    assert by_key[("x.in_force", "normative_documents")] == (0, 196, 204, last_year)
    failed = database.execute("select count(*) from failed_checks where report_id = ?", [this_year]).fetchone()[0]
    assert failed == 1


def test_rebuild_with_nothing_new_changes_nothing(built, tmp_path):
    directory, *_ = built
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    before = dump(copy / "nianbao.db")
    stats = build(copy, progress=quiet())
    assert (stats.crawls_built, stats.reports_parsed) == (0, 0)
    assert dump(copy / "nianbao.db") == before


def test_incremental_build_adds_the_new_crawl_only(tmp_path):
    first = first_crawl(tmp_path)
    build(tmp_path, progress=quiet())
    database = sqlite_utils.Database(tmp_path / "nianbao.db")
    before = {r[0]: r[1:] for r in database.execute("select id, rowid, parser_version, fetched_at from reports")}
    second = second_crawl(tmp_path, first)
    stats = build(tmp_path, progress=quiet())
    assert (stats.crawls_built, stats.reports_parsed, stats.reports_unchanged, stats.reports_same_content) == (1, 2, 1, 1)
    after = {r[0]: r[1:] for r in database.execute("select id, rowid, parser_version, fetched_at from reports")}
    assert len(after) == len(before) + 1  # 阳泉 is new; 益阳 (same bytes) and the county (same report) seen again
    assert all(after[k] == v for k, v in before.items())
    seen = database.execute("select last_seen_crawl from reports where agency = '益阳市人民政府办公室' and year = 2023"
                            ).fetchone()[0]
    assert seen == "20240308T000000Z"
    county = database.execute("select count(*), max(last_seen_crawl) from reports where url = ?",
                              [second["county"].url]).fetchone()
    assert county == (1, "20240308T000000Z")
    linked = database.execute("select count(distinct report_id), count(*) from captures where url = ?",
                              [second["county"].url]).fetchone()
    assert linked == (1, 2)  # both captures belong to the one report version
    assert database.execute("select count(*) from crawls").fetchone()[0] == 2


def test_new_parser_version_reparses_and_replaces_derived_rows(built, tmp_path, monkeypatch):
    directory, *_ = built
    copy = tmp_path / "copy"
    shutil.copytree(directory, copy)
    database = sqlite_utils.Database(copy / "nianbao.db")
    counts = {t: database[t].count for t in ("reports", "table2", "table3", "table4", "checks")}
    monkeypatch.setattr(parsers, "PARSER_VERSION", parsers.PARSER_VERSION + "+next")
    stats = build(copy, progress=quiet())
    assert stats.reports_parsed >= counts["reports"] + stats.not_reports  # every version parsed again
    assert stats.reports_parsed + stats.reports_unchanged == stats.reports_seen
    assert stats.reports_same_content == 1  # the county page's second capture
    assert {t: database[t].count for t in counts} == counts  # replaced, not appended
    for table in ("reports", "table2", "table3", "table4", "checks"):
        versions = {r[0] for r in database.execute(f"select distinct parser_version from {table}")}
        assert versions == {parsers.PARSER_VERSION}, table


def test_one_reports_failure_is_recorded_and_the_build_goes_on(tmp_path):
    got = first_crawl(tmp_path)
    log = tmp_path / "crawls" / "20240301T000000Z" / "log.jsonl"
    lines = log.read_text(encoding="utf-8").splitlines()
    broken = [json.loads(line) for line in lines]
    for entry in broken:
        if entry["url"] == got["county"].url:
            entry["warc_offset"] += 3  # the log points into the middle of a record
    log.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in broken) + "\n{torn line\n",
                   encoding="utf-8")

    def parse(data, *, url=None, content_type=None):
        if url == got["liuyang"].url:
            raise RuntimeError("parser bug")
        return parsers.parse_report(data, url=url, content_type=content_type)

    stats = build(tmp_path, parse=parse, parser_version="t", progress=quiet())
    database = sqlite_utils.Database(tmp_path / "nianbao.db")
    status = {r[0]: (r[1], r[2]) for r in database.execute("select url, parse_status, parse_reason from reports")}
    assert status[got["county"].url][0] == "error" and "WARC" in status[got["county"].url][1]
    assert status[got["liuyang"].url] == ("error", "parser raised RuntimeError: parser bug")
    assert status[got["yiyang"].url][0] == "ok"
    assert stats.errors == 2 and stats.bad_log_lines == 1


def test_cli_build_prints_progress_and_summary(tmp_path, capsys):
    first_crawl(tmp_path)
    assert main(["build", str(tmp_path), "--workers", "1"]) == 0
    out, err = capsys.readouterr()
    assert "reports/s" in err and "ETA" in err
    assert "reports parsed" in out
    assert main(["build", str(tmp_path / "nowhere")]) == 2


def test_tables_from_an_attachment_the_report_points_to_page_and_document(built):
    directory, got, _, _ = built
    database = sqlite_utils.Database(directory / "nianbao.db")
    row = database.execute("select r.id, r.url, r.document_url, r.format, c.url, c.role from reports r "
                           "join captures c on c.id = r.document_capture_id where r.url = ?",
                           [got["xiangxiang"].url]).fetchone()
    assert row[1:] == (got["xiangxiang"].url, got["xiangxiang_pdf"].url, "pdf", got["xiangxiang_pdf"].url,
                       "attachment")
    expected = json.loads((SEEDS / "xiangxiang-petitions-bureau-2023.expected.json").read_text(encoding="utf-8"))
    cells = {(r, c): v for r, c, v in database.execute("select row, col, value from table3 where report_id = ?",
                                                        [row[0]])}
    assert cells == {(r, c): v for r, cols in expected["table3"].items() if cols for c, v in cols.items()}
    linked = {r[0] for r in database.execute("select role from captures where report_id = ?", [row[0]])}
    assert linked == {"report", "attachment"}


def test_parallel_parsing_builds_the_same_database(built, tmp_path):
    directory, *_ = built
    serial = tmp_path / "serial"
    shutil.copytree(directory, serial, ignore=shutil.ignore_patterns("nianbao.db"))
    stats = build(serial, progress=quiet(), workers=1)
    assert stats.reports_parsed >= 8  # the module build used one worker per core: compare with one
    def norm(rows):  # built_at is the wall clock of each build
        return [(t, r) for t, r in rows if t != "crawls"]
    assert norm(dump(serial / "nianbao.db")) == norm(dump(directory / "nianbao.db"))


def test_a_database_of_another_schema_is_rebuilt(tmp_path):
    first_crawl(tmp_path)
    old = sqlite_utils.Database(tmp_path / "nianbao.db")
    old["meta"].insert({"key": "schema_version", "value": "0"}, pk="key")
    old["reports"].insert({"id": "stale", "text": "an old layout"}, pk="id")
    old.close()
    stream = io.StringIO()
    build(tmp_path, progress=Progress(stream=stream), workers=1)
    database = sqlite_utils.Database(tmp_path / "nianbao.db")
    assert "rebuilding it" in stream.getvalue()
    assert database.execute("select count(*) from reports where id = 'stale'").fetchone()[0] == 0
    assert database.execute("select count(*) from reports").fetchone()[0] > 5
