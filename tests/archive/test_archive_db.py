"""archive.db: schema, idempotent saves, derived rows replaced, cross-year checks, Chinese search index.

Fed with the canonical JSON of the real seed reports (farm/data/*.expected.json), so
these tests need no parser: they pin down what the database makes of a parse result.
"""

import copy
import json
from pathlib import Path

import pytest
import sqlite_utils

from archive import db as adb
from archive import gazetteer

SEEDS = Path(__file__).resolve().parents[2] / "farm" / "data"  # the five hand-checked seed reports, one copy


def expected(name: str) -> dict:
    return json.loads((SEEDS / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def database(tmp_path):
    database = sqlite_utils.Database(tmp_path / "t.db")
    adb.ensure_schema(database)
    return database


def report_row(report_id, agency_id, agency, year, version="v1", text="", fetched_at="2024-03-01T00:00:00Z"):
    return {"id": report_id, "agency_id": agency_id, "agency": agency, "year": year, "title": f"{agency}{year}年报",
            "url": f"http://x.gov.cn/{report_id}.html", "parse_status": "ok", "parser_version": version,
            "is_latest": 1, "fetched_at": fetched_at, "text": text, "archived": f"/-/archive/{report_id}"}


def dump(database) -> list:
    return [tuple(r) for t in sorted(database.table_names()) if not t.startswith("reports_fts")
            for r in database.execute(f"select * from [{t}] order by 1")]


def test_save_report_stores_long_tables_with_labels_and_keeps_blanks_null(database):
    parsed = expected("yiyang-city-office-2023")
    parsed["table3"]["3.6"] = None  # split 其他处理: 3.6 is not printed
    parsed["table3"]["1"]["other_org"] = None  # a blank cell
    agency_id = adb.save_agency(database, parsed["agency"])
    adb.save_report(database, report_row("r1", agency_id, parsed["agency"], 2023), parsed)

    cell = database.execute("select value, row_label, col_label, parser_version from table3 "
                            "where report_id='r1' and row='1' and col='total'").fetchone()
    assert cell == (22, "一、本年新收政府信息公开申请数量", "总计", "v1")
    blank = database.execute("select value from table3 where report_id='r1' and row='1' and col='other_org'").fetchone()
    assert blank == (None,)
    assert database.execute("select count(*) from table3 where row='3.6'").fetchone()[0] == 0
    assert database.execute("select value from table2 where item='normative_documents' and field='in_force'"
                            ).fetchone()[0] == 204
    # fees are 万元 and may be decimals, counts stay integers
    assert database.execute("select typeof(value) from table2 where item='regulations' and field='issued'"
                            ).fetchone()[0] == "integer"
    groups = {r[0] for r in database.execute("select grp from table4 where report_id='r1'")}
    assert groups == {"review", "litigation_direct", "litigation_after_review"}
    assert database.execute("select count(*) from table2_2019").fetchone()[0] == 0  # the table is null


def test_saving_twice_changes_nothing_and_a_new_version_replaces_derived_rows(database):
    parsed = expected("yangquan-city-2023")
    agency_id = adb.save_agency(database, parsed["agency"])
    row = report_row("r1", agency_id, parsed["agency"], 2023)
    adb.save_report(database, row, parsed)
    before = dump(database)
    adb.save_agency(database, parsed["agency"])
    adb.save_report(database, row, parsed)
    assert dump(database) == before

    changed = copy.deepcopy(parsed)
    changed["table3"]["1"]["total"] = 999
    del changed["table4"]["litigation_after_review"]
    adb.save_report(database, report_row("r1", agency_id, parsed["agency"], 2023, version="v2"), changed)
    assert database.execute("select value, parser_version from table3 where row='1' and col='total'"
                            ).fetchall() == [(999, "v2")]
    assert database.execute("select count(*) from table4 where grp='litigation_after_review'").fetchone()[0] == 0
    assert {r[0] for r in database.execute("select distinct parser_version from table3")} == {"v2"}


def test_checks_from_the_parse_are_stored_with_both_sides(database):
    parsed = expected("xiangxiang-petitions-bureau-2023")
    parsed["checks"] = [{"check": "t3.balance", "where": "total", "ok": False, "left": 12, "right": 11},
                        {"check": "t4.group_totals", "where": "review", "ok": True, "left": 0, "right": 0}]
    agency_id = adb.save_agency(database, parsed["agency"])
    adb.save_report(database, report_row("r1", agency_id, parsed["agency"], 2023), parsed)
    adb.refresh_figures(database)
    rows = database.execute('select "check", "where", ok, "left", "right", source from checks order by 1').fetchall()
    assert rows == [("t3.balance", "total", 0, 12, 11, "report"), ("t4.group_totals", "review", 1, 0, 0, "report")]
    assert database.execute("select checks_failed from report_figures").fetchone()[0] == 1


def test_cross_year_checks_compare_with_the_previous_years_report(database):
    this_year = expected("yiyang-city-office-2023")
    last_year = copy.deepcopy(this_year)
    last_year["year"] = 2022
    for col in last_year["table3"]["4"]:
        last_year["table3"]["4"][col] = this_year["table3"]["2"][col]
    last_year["table3"]["4"]["natural_person"] = 5  # does not match this year's 上年结转 (1)
    last_year["table2"]["regulations"]["in_force"] = 6  # 6 + 1 − 0 = 7: holds
    last_year["table2"]["normative_documents"]["in_force"] = 260  # 260 + 27 − 91 = 196 ≠ 204
    agency_id = adb.save_agency(database, this_year["agency"])
    adb.save_report(database, report_row("y22", agency_id, this_year["agency"], 2022), last_year)
    adb.save_report(database, report_row("y23", agency_id, this_year["agency"], 2023), this_year)
    adb.mark_latest(database)
    adb.save_cross_year_checks(database)

    carry = dict(((w, (ok, left, right)) for w, ok, left, right in database.execute(
        """select "where", ok, "left", "right" from checks where "check"='x.carry_over' and report_id='y23'""")))
    assert carry["natural_person"] == (0, 1, 5)
    assert carry["total"] == (1, 1, 1)
    assert len(carry) == 7
    in_force = dict(((w, (ok, left, right)) for w, ok, left, right in database.execute(
        """select "where", ok, "left", "right" from checks where "check"='x.in_force'""")))
    assert in_force == {"regulations": (1, 7, 7), "normative_documents": (0, 196, 204)}
    assert {r[0] for r in database.execute("select other_report_id from checks where source='cross_year'")} == {"y22"}
    # the earlier year has no year before it: no cross-year check is made up for it
    assert database.execute("select count(*) from checks where report_id='y22' and source='cross_year'"
                            ).fetchone()[0] == 0


def test_latest_version_per_agency_and_year(database):
    parsed = expected("yangquan-city-2023")
    agency_id = adb.save_agency(database, parsed["agency"])
    adb.save_report(database, report_row("old", agency_id, parsed["agency"], 2023, fetched_at="2024-03-01"), parsed)
    adb.save_report(database, report_row("new", agency_id, parsed["agency"], 2023, fetched_at="2024-04-01"), parsed)
    adb.mark_latest(database)
    assert dict(database.execute("select id, is_latest from reports").fetchall()) == {"old": 0, "new": 1}


def test_agencies_get_their_division_code_level_and_parent(database):
    adb.save_agency(database, "湘乡市信访局")
    adb.save_agency(database, "瀏陽市人民政府")  # traditional characters: the same agency as 浏阳市人民政府
    adb.save_agency(database, "浏阳市人民政府")
    adb.save_agency(database, "益阳市人民政府", seed={"adcode": "430900", "level": "city", "url": "http://www.yiyang.gov.cn/"})
    rows = {r["name_normalised"]: r for r in database["agencies"].rows}
    assert len(rows) == 3
    assert (rows["湘乡市信访局"]["adcode"], rows["湘乡市信访局"]["level"], rows["湘乡市信访局"]["parent"],
            rows["湘乡市信访局"]["province"]) == ("430381", "department", "湘乡市人民政府", "湖南省")
    assert rows["浏阳市人民政府"]["level"] == "county"
    assert rows["益阳市人民政府"]["seed_url"] == "http://www.yiyang.gov.cn/"


def test_gazetteer_table_is_complete_and_offline():
    table = gazetteer.divisions()
    assert len(table) > 3000
    assert table["430900"].name == "益阳市" and table["430000"].name == "湖南省"
    assert gazetteer.locate("北京市朝阳区人民政府").adcode == "110105"
    assert gazetteer.locate("鼓楼区人民政府") is None  # several 鼓楼区: not guessed


def test_segment_makes_two_character_words_searchable():
    assert adb.segment("行政复议") == "行政 政复 复议"
    assert adb.segment("復議") == "复议"  # traditional folded to simplified
    assert adb.segment("2023年 OK") == "2023 年 ok"
    assert adb.fts_query("复议") == '"复议"'
    assert adb.fts_query("行政复议 信访") == '"行政 政复 复议" AND "信访"'
    assert adb.fts_query("复") == '"复" *'
    assert adb.fts_query('"') == '"nianbao-empty-query"'


def test_search_index_finds_two_character_words_and_follows_replacements(database):
    agency_id = adb.save_agency(database, "湘乡市信访局")
    adb.save_report(database, report_row("a", agency_id, "湘乡市信访局", 2023, text="本年度未发生行政复议案件。"), None)
    adb.save_report(database, report_row("b", agency_id, "湘乡市信访局", 2022, text="办理信访事项。"), None)

    def search(q):
        return sorted(r[0] for r in database.execute(
            "select id from reports where rowid in (select rowid from reports_fts where reports_fts match ?)",
            [adb.fts_query(q)]))

    assert search("复议") == ["a"]
    assert search("信访") == ["a", "b"]  # the agency name is indexed too
    assert search("行政复议案件") == ["a"]
    assert search("复议行政") == []  # a phrase, not a bag of bigrams
    adb.save_report(database, report_row("a", agency_id, "湘乡市信访局", 2023, version="v2", text="无相关情况。"), None)
    assert search("复议") == []
    adb.delete_report(database, "b")
    assert search("信访") == ["a"]


def test_agency_name_prefers_the_fuller_of_parse_and_log():
    from archive.build import _more_specific

    assert _more_specific("人民政府", "吴起县人民政府") == "吴起县人民政府"
    assert _more_specific("益阳市人民政府办公室", "益阳市人民政府") == "益阳市人民政府办公室"
    assert _more_specific(None, "湘乡市信访局") == "湘乡市信访局"
    assert _more_specific("湘乡市信访局", None) == "湘乡市信访局"


def test_table3_wide_lists_rows_in_printed_order(database):
    parsed = expected("yiyang-city-office-2023")
    agency_id = adb.save_agency(database, parsed["agency"])
    adb.save_report(database, report_row("r1", agency_id, parsed["agency"], 2023), parsed)
    rows = [r[0] for r in database.execute("select row from table3_wide where report_id = 'r1'")]
    assert rows == [code for code in adb.TABLE3_ROWS if parsed["table3"].get(code)]
    total = database.execute("select total from table3_wide where report_id = 'r1' and row = '3.7'").fetchone()[0]
    assert total == parsed["table3"]["3.7"]["total"]
    adb.ensure_schema(database)  # again: the views are left alone when unchanged
    assert [r[0] for r in database.execute("select row from table3_wide where report_id = 'r1'")] == rows
