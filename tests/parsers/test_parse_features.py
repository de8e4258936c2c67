"""The rules of the parser one by one: normalisation, label variants, layouts, checks, provenance."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_fixtures as F  # noqa: E402

from parsers import parse_report  # noqa: E402
from parsers.labels import classify_label  # noqa: E402
from parsers.normalize import classify_value, normalize_cell, strip_pinyin  # noqa: E402

SEEDS = F.SEEDS
COUNTY = (SEEDS / "county-office-2023-tabbed.txt").read_text(encoding="utf-8")
ROW1 = "一、本年新收政府信息公开申请数量\t\t20\t0\t0\t0\t0\t0\t20\t"


@pytest.fixture(scope="module")
def seeds():
    return F.seed_reports()


# ---------------------------------------------------------------- normalisation


def test_pinyin_glosses_go_and_real_brackets_stay():
    assert strip_pinyin("瀏陽(yáng)市政府(一)公開(単位:萬元)APP(app)報(bào)告") == "瀏陽市政府(一)公開(単位:萬元)APP(app)報告"
    assert strip_pinyin("條例》(簡(jiǎn)稱") == "條例》(簡稱"


def test_cells_fold_width_spaces_and_traditional():
    assert normalize_cell("\u3000１２\u00a0") == "12"
    assert normalize_cell("本年廢止件數") == "本年废止件数"


@pytest.mark.parametrize("text", ["", " ", "-", "—", "/", "无", "\u3000"])
def test_placeholders_are_null(text):
    assert classify_value(normalize_cell(text)) == ("blank", None)


def test_numbers():
    assert classify_value("1,234") == ("number", 1234)
    assert classify_value("-3") == ("number", -3)
    assert classify_value("12.50") == ("number", 12.5)
    assert classify_value("7件") == ("number", 7)
    assert classify_value("约7") == ("text", None)


@pytest.mark.parametrize(
    ("text", "kind", "code"),
    [
        ("本年废止或失效件数", "t2_header", None),
        ("本年度止件数", "t2_header", None),  # a typo for 本年废止件数
        ("2.其他法律行政止公开", "t3_row", "3.3.2"),  # a typo for 其他法律行政法规禁止公开
        ("三、本年度办理结果（一）予以公开", "t3_row", "3.1"),
        ("（三） 不予 公开 1.属于国家秘密", "t3_row", "3.3.1"),
        ("（六）其他处理3.其他", "t3_row", "3.6.3"),
        ("第二十条第（一）项", "t2_header", None),
        ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况", "section", "4"),
    ],
)
def test_label_variants(text, kind, code):
    label = classify_label(normalize_cell(text))
    assert label is not None and label.kind == kind
    assert code is None or label.code == code


def test_typo_labels_in_a_report_still_give_the_cells():
    text = COUNTY.replace("本年废止件数", "本年度止件数").replace("2.其他法律行政法规禁止公开", "2.其他法律行政止公开")
    text = text.replace("\t2.其他法律行政止公开\t0\t0", "\t2.其他法律行政止公开\t3\t0")
    result = parse_report(text)
    assert result["table3"]["3.3.2"]["natural_person"] == 3
    assert result["table2"]["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}


# ---------------------------------------------------------------- layouts


def test_pipe_separated_rows():
    lines = ["某某县卫生健康局2023年政府信息公开工作年度报告", "二、主动公开政府信息情况",
             "| 信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数 |", "| 规章 | 1 | 0 | 7 |",
             "| 行政规范性文件 | 27 |  | 204 |"]
    result = parse_report("\n".join(lines))
    assert result["agency"] == "某某县卫生健康局" and result["year"] == 2023
    assert result["table2"]["regulations"] == {"issued": 1, "repealed": 0, "in_force": 7}
    assert result["table2"]["normative_documents"] == {"issued": 27, "repealed": None, "in_force": 204}
    assert result["status"] == "partial"  # tables 3 and 4 are missing, and it says so
    assert result["table3"] is None and result["table4"] is None


def test_glued_digits_split_by_the_row_identity():
    result = parse_report(COUNTY.replace(ROW1, "一、本年新收政府信息公开申请数量200000020"))
    assert result["table3"]["1"] == {"natural_person": 20, "commercial_enterprise": 0, "research_institution": 0,
                                     "social_welfare_org": 0, "legal_service_org": 0, "other_org": 0, "total": 20}
    assert result["provenance"]["table3"]["1"]["total"]["split"] == 6


def test_glued_digits_with_two_valid_splits_are_reported_not_guessed():
    result = parse_report(COUNTY.replace("规章\t0\t0\t0", "规章1107"))
    assert result["table2"]["regulations"] == {"issued": None, "repealed": None, "in_force": None}
    warning = next(w for w in result["warnings"] if w["code"] == "glued_ambiguous")
    assert sorted(warning["candidates"]) == [[1, 10, 7], [11, 0, 7]]
    assert result["status"] == "partial"


def test_split_number_is_reported_with_its_candidate_and_never_merged():
    result = parse_report(COUNTY.replace(ROW1, "一、本年新收政府信息公开申请数量\t\t2\t0\t0\t0\t0\t0\t20\t"))
    assert result["table3"]["1"]["natural_person"] == 2  # as published
    failing = {(c["check"], c["where"]) for c in result["checks"] if not c["ok"]}
    assert ("t3.total_column", "1") in failing
    warning = next(w for w in result["warnings"] if w["code"] == "split_number")
    assert (warning["row"], warning["candidate"]) == ("1", 20)


def test_published_total_that_does_not_add_up_stays_and_fails_its_check():
    text = COUNTY.replace("(七) 总计\t20\t0\t0\t0\t0\t0\t20", "(七) 总计\t21\t0\t0\t0\t0\t0\t21")
    result = parse_report(text)
    assert result["table3"]["3.7"]["natural_person"] == 21
    by = {(c["check"], c["where"]): c for c in result["checks"]}
    assert by[("t3.outcomes_sum", "natural_person")] == {"check": "t3.outcomes_sum", "where": "natural_person",
                                                         "ok": False, "left": 21, "right": 20}
    assert by[("t3.balance", "natural_person")]["ok"] is False


def test_missing_table_is_null_not_zeros():
    cut = COUNTY.index("四、政府信息公开行政复议、行政诉讼情况")
    end = COUNTY.index("五、存在的主要问题及改进情况")
    result = parse_report(COUNTY[:cut] + COUNTY[end:])
    assert result["table4"] is None
    assert not any(c["check"] == "t4.group_totals" for c in result["checks"])
    assert result["status"] == "partial" and "table 4" in result["reason"]


def test_single_row_3_6_and_the_2019_template(seeds):
    old = F.report_2019(seeds["yiyang-city-office-2023"])
    result = parse_report(F.render("html", old))
    assert result["template"] == "2019" and result["table2"] is None
    assert result["table2_2019"] == old["table2_2019"]
    assert result["table3"]["3.6"] == old["table3"]["3.6"]
    assert result["table3"]["3.6.1"] is None
    assert not any(c["where"] in ("3.6.1", "3.6.2", "3.6.3") for c in result["checks"])


def test_table4_printed_one_row_per_group():
    rows = "".join(f"<tr><td>{label}</td>{''.join(f'<td>{v}</td>' for v in values)}</tr>"
                   for label, values in (("行政复议", [1, 0, 0, 0, 1]), ("未经复议直接起诉", [0, 2, 0, 1, 3]),
                                         ("复议后起诉", [0, 0, 0, 0, 0])))
    page = ("<html><head><title>某某市司法局2023年政府信息公开工作年度报告</title></head><body>"
            "<p>四、政府信息公开行政复议、行政诉讼情况</p><table><tr><td></td><td>结果维持</td><td>结果纠正</td>"
            f"<td>其他结果</td><td>尚未审结</td><td>总计</td></tr>{rows}</table></body></html>")
    result = parse_report(page.encode())
    assert result["table4"]["litigation_direct"] == {"upheld": 0, "corrected": 2, "other": 0, "pending": 1, "total": 3}
    assert result["table4"]["review"]["total"] == 1


def test_charset_label_that_lies(seeds):
    page = F.render("html", seeds["xiangxiang-petitions-bureau-2023"], encoding="gbk", meta_only_charset=True)
    result = parse_report(page, content_type="text/html; charset=ISO-8859-1")
    assert result["agency"] == "湘乡市信访局"
    assert result["table3"] == seeds["xiangxiang-petitions-bureau-2023"]["table3"]


def test_title_split_over_two_lines_and_published_date():
    result = parse_report((SEEDS / "yangquan-city-2023.txt").read_bytes())
    assert result["title"] == "阳泉市人民政府2023年政府信息公开工作年度报告"
    assert result["published"] == "2024-03-07"


# ---------------------------------------------------------------- provenance


def test_provenance_per_format(seeds):
    report = seeds["yiyang-city-office-2023"]
    page = F.render("html", report)
    html = parse_report(page)["provenance"]["table3"]["3.4.1"]["natural_person"]
    assert {"table", "row", "col", "path"} <= set(html) and html["col"] == 3
    import lxml.html

    cell = lxml.html.document_fromstring(page).getroottree().xpath(html["path"])[0]
    assert cell.text_content().strip() == str(report["table3"]["3.4.1"]["natural_person"]) == "12"
    pdf = parse_report(F.render("pdf", report))["provenance"]["table4"]["review"]["upheld"]
    assert pdf["page"] >= 1 and len(pdf["bbox"]) == 4
    docx = parse_report(F.render("docx", report))["provenance"]["table2"]["regulations"]["in_force"]
    assert {"table", "row", "col"} <= set(docx)
    xlsx = parse_report(F.render("xlsx", report))["provenance"]["table3"]["4"]["total"]
    assert {"sheet", "row", "col"} <= set(xlsx)


@pytest.mark.parametrize("values_after_break", [False, True])
def test_label_broken_by_a_page_break(seeds, values_after_break):
    """A row whose label runs over a page (table) break, with its numbers before or after the break."""
    report = seeds["liuyang-city-2023-traditional-pinyin"]
    page = F.render("html", report).decode()
    label = "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"
    at = page.index(label)
    start, end = page.rindex("<tr>", 0, at), page.index("</tr>", at) + 5
    values = [f"<td>{report['table3']['3.6.2'][k]}</td>" for k in F.T3_COLS]
    blanks = ["<td></td>"] * len(values)
    first, second = (blanks, values) if values_after_break else (values, blanks)
    broken = ("<tr><td>2.申请人逾期未按收费通知要求缴纳费用、</td>" + "".join(first) + "</tr></tbody></table>"
              "<p>- 3 -</p><table><tbody><tr><td></td><td></td><td>行政机关不再处理其政府信息公开申请</td>"
              + "".join(second) + "</tr>")
    result = parse_report((page[:start] + broken + page[end:]).encode())
    assert result["table3"] == report["table3"]
    assert result["status"] == "ok"


@pytest.mark.parametrize(
    ("candidates", "agency", "year"),
    [
        (["益阳市 人民政府办公室 2023 年政府信息公开工作年度报告"], "益阳市人民政府办公室", 2023),  # PDF-spaced
        (["某某县人民政府门户网站 政府信息公开年报 某某县卫生健康局2023年政府信息公开工作年度报告"], "某某县卫生健康局", 2023),
        (["吴起县人民政府 2021 年政府信息", "公开工作年度报告"], "吴起县人民政府", 2021),  # broken mid-word
        (["屯溪区人民政府2019年度政府信息公开年报（图解）"], "屯溪区人民政府", 2019),
        (["首页 > 政务公开", "一、总体情况"], None, None),
        (["大埔县三河镇人民政府2023年政府信息", "公开工作年度报告"], "大埔县三河镇人民政府", 2023),  # DOC/PDF split
        (["大埔县三河镇人民政府2023年政府信息", "", "公开工作年度报告"], "大埔县三河镇人民政府", 2023),  # blank between
        (["大埔县三河镇人民政府 2023 年政府信息", "公开工作年度报告"], "大埔县三河镇人民政府", 2023),
        # an intro sentence wrapped by a PDF names no agency; the real title further down does
        (["根据《条例》有关要求，现公布某某市", "人民政府2021年政府信息公开工作年度报告。报告中所列数据"], None, 2021),
        (["根据《条例》有关要求，现公布某某市", "人民政府2021年政府信息公开工作年度报告。报告中所列数据",
          "某某市人民政府2021年政府信息公开工作年度报告"], "某某市人民政府", 2021),
        (["政府办公室 2023 年政府信息公开工作年度报告"], "政府办公室", 2023),  # the county-office seed names itself so
        # a mirror's traditional title with a two-syllable pinyin gloss, split over two lines
        (["瀏陽(liú yáng)市人民政府", "2023年政府信息公開工作年度報告"], "浏阳市人民政府", 2023),
    ],
)
def test_title_forms(candidates, agency, year):
    from parsers.metadata import parse_title

    title = parse_title(candidates)
    assert (title.agency, title.year) == (agency, year)


def test_a_page_that_only_links_its_report_says_where_the_tables_are():
    """A stub page (title + 附件 link) stays `partial` without tables, and its reason names the attachments."""
    title = "大埔县三河镇人民政府2023年政府信息公开工作年度报告"
    page = (f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>附件："
            f'<a href="./P020240115.pdf">{title}.pdf</a> <a href="/module/download/downfile.jsp?id=7">{title}.doc</a>'
            "</p></body></html>")
    result = parse_report(page.encode())
    assert result["status"] == "partial"
    assert result["table3"] is None and result["table2"] is None
    assert "./P020240115.pdf" in result["reason"] and "downfile.jsp?id=7" in result["reason"]
    assert "attachments" in result["reason"]
    plain = parse_report(f"<html><head><title>{title}</title></head><body><h1>{title}</h1><p>正文</p></body></html>".encode())
    assert plain["status"] == "partial" and plain["reason"] == "a report title but none of the three tables"
