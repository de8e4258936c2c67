"""Report content of the simulated portals: values, identities, seeds, HTML layouts."""

from __future__ import annotations

import datetime
import json
import random
import re
from pathlib import Path

import jsonschema
import pytest
from lxml import html as lxml_html

from farm.documents import LAYOUTS, render_article_html
from farm.reports import (
    LEVELS,
    SEED_NAMES,
    T3_COLUMNS,
    T3_ROW_LABELS,
    T3_ROWS,
    T4_GROUPS,
    T4_OUTCOMES,
    consistency_checks,
    failed_checks,
    generate_report,
    seed_reports,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "parsers" / "report-schema.json").read_text(encoding="utf-8"))
SEED_DIR = ROOT / "farm" / "data"


def _many(n: int = 240, seed: int = 7, inconsistent_every: int = 0):
    rng = random.Random(seed)
    agencies = {"government": "某某县人民政府", "office": "某某市人民政府办公室",
                "department": "某某县卫生健康局", "township": "某某县三河镇人民政府"}  # fmt: skip
    for i in range(n):
        level = LEVELS[i % 4]
        year = 2019 + (i // 4) % 6
        bad = bool(inconsistent_every) and i % inconsistent_every == 0
        yield generate_report(rng, agencies[level], year, level=level, inconsistent=bad)


def test_consistent_reports_satisfy_every_identity():
    for report in _many():
        assert not report.inconsistent
        assert failed_checks(report.expected) == [], (report.title, failed_checks(report.expected))
        t3 = report.expected["table3"]
        for col in T3_COLUMNS:
            assert (t3["1"][col] or 0) + (t3["2"][col] or 0) == (t3["3.7"][col] or 0) + (t3["4"][col] or 0)


def test_inconsistent_reports_break_the_identity_they_claim():
    reports = [r for r in _many(200, seed=11, inconsistent_every=3) if r.inconsistent]
    assert len(reports) > 50
    kinds = set()
    for report in reports:
        failed = failed_checks(report.expected)
        assert failed, report.inconsistency
        check, where = report.inconsistency.split(":")
        kinds.add(check)
        assert any(f["check"] == check and f["where"] == where for f in failed), (report.inconsistency, failed)
    assert kinds == {"t3.total_column", "t3.outcomes_sum", "t3.balance", "t4.group_totals"}


def test_expected_matches_the_canonical_schema():
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    for report in [*_many(60, inconsistent_every=5), *seed_reports()]:
        doc = {**report.expected, "checks": consistency_checks(report.expected)}
        validator.validate(doc)
        assert set(report.expected) == {"agency", "year", "template", "table2", "table2_2019", "table3", "table4"}
        assert list(report.expected["table3"]) == list(T3_ROWS)


def test_magnitudes_follow_the_agency_level():
    received = {level: [] for level in LEVELS}
    for report in _many(400):
        received[report.level].append(report.expected["table3"]["1"]["total"])
    assert max(received["township"]) <= 3
    assert received["township"].count(0) > len(received["township"]) // 3
    assert max(received["department"]) <= 25
    assert min(received["government"]) >= 30 and max(received["government"]) > 150
    assert sorted(received["office"])[len(received["office"]) // 2] >= 15  # a city office: dozens


def test_templates_variants_blanks_and_fractions_occur():
    reports = list(_many(400))
    old = [r for r in reports if r.year <= 2020]
    new = [r for r in reports if r.year >= 2021]
    assert all(r.template == "2019" and r.expected["table2"] is None and r.expected["table2_2019"] for r in old)
    assert all(r.single_36 for r in old)
    assert all(r.template == "2021" and r.expected["table2_2019"] is None for r in new)
    single = [r for r in new if r.single_36]
    assert 0 < len(single) < len(new) // 3
    for r in single:
        t3 = r.expected["table3"]
        assert t3["3.6.1"] is None and t3["3.6.2"] is None and t3["3.6.3"] is None
    changes = [row["change"] for r in old for row in r.expected["table2_2019"].values() if row and "change" in row and row["change"] is not None]
    assert min(changes) < 0
    fees = [r.expected["table2"]["fees"]["amount"] for r in new]
    assert any(isinstance(f, float) for f in fees) and None in fees
    blanks = sum(1 for r in reports for row in r.expected["table3"].values() if row for v in row.values() if v is None)
    assert blanks > 0
    t4_cases = [r.expected["table4"]["review"]["total"] for r in reports if r.level == "government"]
    assert any(t4_cases)
    assert {r.blank_mark for r in reports} >= {"", "-", "无", "/"}


def test_publication_dates_follow_the_deadlines():
    late = 0
    for report in _many(400):
        nxt = report.year + 1
        assert datetime.date(nxt, 1, 10) <= report.published <= datetime.date(nxt, 9, 30)
        if report.published > datetime.date(nxt, 3, 31):
            late += 1
        elif report.level in ("department", "office"):
            assert report.published <= datetime.date(nxt, 1, 31)
        elif report.level == "government":
            assert report.published >= datetime.date(nxt, 2, 1)
    assert 0 < late < 60


def test_titles_use_real_variants():
    titles = [(r.title, r.title_lines, r.agency, r.year) for r in _many(400)]
    assert all(t.startswith(agency + str(year)) and t.endswith(("报告", "年报")) for t, _, agency, year in titles)
    assert any(lines for _, lines, _, _ in titles)
    assert all("".join(lines) == t for t, lines, _, _ in titles if lines)
    forms = {re.sub(r"^.*?\d{4}", "", t) for t, *_ in titles}
    assert {"年政府信息公开工作年度报告", "年度政府信息公开工作报告", "年度政府信息公开年报"} <= forms


def test_generation_is_deterministic():
    a = [r.canonical_json() for r in _many(40, seed=5)]
    b = [r.canonical_json() for r in _many(40, seed=5)]
    c = [r.canonical_json() for r in _many(40, seed=6)]
    assert a == b and a != c
    first, again = next(_many(1, seed=5)), next(_many(1, seed=5))
    for layout in LAYOUTS:
        assert render_article_html(first, layout=layout) == render_article_html(again, layout=layout)


def test_seed_reports_carry_the_shared_values():
    seeds = seed_reports()
    assert [s.seed_name for s in seeds] == list(SEED_NAMES) and len(seeds) == 5
    for seed in seeds:
        shared = json.loads((SEED_DIR / f"{seed.seed_name}.expected.json").read_text(encoding="utf-8"))
        checks = shared.pop("checks")
        assert seed.expected == shared
        assert [c["ok"] for c in consistency_checks(seed.expected)] == [c["ok"] for c in checks]
        assert "年" in seed.title and "报告" in seed.title


# --- HTML read-back ----------------------------------------------------------------------------------


def _grids(fragment: str) -> list[list[list[str]]]:
    """Every <table> as a full grid of cell texts, rowspan/colspan expanded (as a browser would)."""
    root = lxml_html.fromstring(f"<div>{fragment}</div>")
    grids = []
    for table in root.iter("table"):
        grid: dict[tuple[int, int], str] = {}
        for r, tr in enumerate(table.iter("tr")):
            c = 0
            for td in tr:
                if td.tag not in ("td", "th"):
                    continue
                while (r, c) in grid:
                    c += 1
                text = re.sub(r"\s+", "", td.text_content().replace("\xa0", " ")).translate(_HALF)
                for dr in range(int(td.get("rowspan", 1))):
                    for dc in range(int(td.get("colspan", 1))):
                        grid[(r + dr, c + dc)] = text
                c += int(td.get("colspan", 1))
        nrows = max(r for r, _ in grid) + 1
        ncols = max(c for _, c in grid) + 1
        grids.append([[grid.get((r, c), "") for c in range(ncols)] for r in range(nrows)])
    return grids


_HALF = str.maketrans({"(": "（", ")": "）", ":": "："})
_FW = str.maketrans("０１２３４５６７８９．－", "0123456789.-")


def _num(text: str, blank_mark: str):
    text = text.translate(_FW)
    if text in ("", "—", blank_mark):
        return None
    return float(text) if "." in text else int(text)


def _table3_from_grids(grids, blank_mark) -> dict:
    """Rows of Table 3 keyed by code, reading the label cells left of the seven values."""
    labels = {re.sub(r"\s+", "", v): k for k, v in T3_ROW_LABELS.items() if k.count(".") != 1 or k in ("3.1", "3.2", "3.6", "3.7")}
    labels["2.其他法律行政止公开"] = "3.3.2"  # the typo of the ``label_typos`` quirk
    out: dict = {}
    for grid in grids:
        if not any("申请人情况" in cell for cell in grid[0]):
            continue
        group = None
        for row in grid:
            if len(row) < 10 or "申请人情况" in "".join(row) or row[-1] == "总计":
                continue
            code = None
            label = row[-8]
            parent = row[-9]
            if parent.startswith("（") and parent != label:
                group = parent[1]
            if label in labels:
                code = labels[label]
                if code.count(".") == 2 and group:  # 1.属于国家秘密 under （三）
                    prefix = {"三": "3.3", "四": "3.4", "五": "3.5", "六": "3.6"}[group]
                    code = f"{prefix}.{label.split('.')[0]}"
            if code is None:
                continue
            out[code] = dict(zip(T3_COLUMNS, (_num(v, blank_mark) for v in row[-7:]), strict=True))
    return out


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_reads_back_the_planted_values(layout):
    rng = random.Random(42)
    reports = [generate_report(rng, "某某市人民政府", 2023, level="government"),
               generate_report(rng, "某某县财政局", 2020, level="department"),
               generate_report(rng, "某某市人民政府办公室", 2022, level="office", single_36=True, inconsistent=True),
               *seed_reports()]  # fmt: skip
    for report in reports:
        fragment = render_article_html(report, layout=layout)
        assert "<html" not in fragment and "<head" not in fragment
        grids = _grids(fragment)
        t3 = _table3_from_grids(grids, report.blank_mark)
        for code, values in report.expected["table3"].items():
            if values is None:
                assert code not in t3
                continue
            assert t3[code] == values, (layout, report.title, code)
        # Table 4: the last row of the table headed 行政复议 holds the 15 numbers in order
        t4grid = next(g for g in grids if g[0][0] == "行政复议")
        numbers = [_num(v, report.blank_mark) for v in t4grid[-1]]
        assert numbers == [report.expected["table4"][g][o] for g in T4_GROUPS for o in T4_OUTCOMES]
        for heading in ("总体情况", "主动公开政府信息情况", "存在的主要问题及改进情况", "其他需要报告的事项"):
            assert heading in fragment
        if layout in ("classic", "word"):
            assert 'rowspan="3" colspan="3"' in fragment  # the real Table 3 header corner


def test_layouts_differ_and_titles_can_be_left_out():
    report = generate_report(random.Random(1), "某某县人民政府", 2023, level="government")
    bodies = {layout: render_article_html(report, layout=layout) for layout in LAYOUTS}
    assert len(set(bodies.values())) == len(LAYOUTS)
    without = render_article_html(report, layout="classic", with_title=False)
    first_line = report.title_lines[0] if report.title_lines else report.title
    assert first_line in bodies["classic"]
    assert without.lstrip().startswith("<p") and report.title not in without.split("一、")[0]
    assert "&nbsp;" in render_article_html(seed_reports()[4], layout="word") or "<o:p>" in bodies["word"]
    assert any(ch in bodies["fullwidth"] for ch in "０１２３４５６７８９")
    with pytest.raises(ValueError):
        render_article_html(report, layout="nope")


def test_seed_html_keeps_the_seed_text():
    for seed in seed_reports():
        fragment = render_article_html(seed, layout="classic")
        text = lxml_html.fromstring(f"<div>{fragment}</div>").text_content()
        assert "（" in text or "(" in text
        if seed.seed_name == "yiyang-city-office-2023":
            assert "全年通过市政府门户网站公开各类政务信息9439条" in text and '<a name="_GoBack">' in fragment
        if seed.seed_name == "liuyang-city-2023-traditional-pinyin":
            assert "浏阳市坚持以习近平新时代中国特色社会主义思想为指导" in text and "(yáng)" not in text
        if seed.seed_name == "yangquan-city-2023":
            assert "3022\u3000" in text and "2024年3月7日" in text


# --- look-alikes ----------------------------------------------------------------------------------------


def test_lookalikes_are_tricky_but_not_the_report():
    from farm.lookalikes import KINDS, lookalike_pages
    from farm.reports import official_title

    agency, year = "某某县卫生健康局", 2023
    pages = lookalike_pages(random.Random(3), agency, year)
    assert [p.kind for p in pages] == list(KINDS)
    by_kind = {p.kind: p for p in pages}
    title = official_title(agency, year)
    assert title in by_kind["解读"].title and title in by_kind["解读"].body_html
    assert "第四十九条" in by_kind["解读"].body_html and "收到和处理政府信息公开申请情况" in by_kind["解读"].body_html
    assert "年度报告" in by_kind["企业年报"].body_html and "年报" in by_kind["企业年报"].title
    assert "政府信息公开" in by_kind["年度报告制度"].title and "年度报告" in by_kind["年度报告制度"].title
    assert "1月31日" in by_kind["条例"].body_html and "1月31日" in by_kind["工作要点"].body_html
    # the 编制通知 carries the empty Table 3 template: its labels, no numbers
    grid = _grids(by_kind["编制通知"].body_html)[0]
    assert grid[0][-1] == "申请人情况" and all(cell == "" for row in grid[3:] for cell in row[-7:])
    png_name, png, ctype = by_kind["图解"].assets[0]
    assert png.startswith(b"\x89PNG") and ctype == "image/png" and png_name in by_kind["图解"].body_html
    other = by_kind["其他机关转载"].report
    assert other is not None and other.agency != agency and other.agency in by_kind["其他机关转载"].title
    old = by_kind["其他年份转载"].report
    assert old is not None and old.agency == agency and old.year != year
    for page in pages:
        assert "<html" not in page.body_html and page.title
        if page.report is None:
            assert title != page.title


def test_lookalikes_are_deterministic():
    from farm.lookalikes import lookalike_pages

    a = lookalike_pages(random.Random(8), "益阳市人民政府", 2022)
    b = lookalike_pages(random.Random(8), "益阳市人民政府", 2022)
    assert [(p.kind, p.title, p.body_html) for p in a] == [(p.kind, p.title, p.body_html) for p in b]


def test_title_helpers():
    from farm.reports import attachment_name, image_variant_title, list_title

    report = generate_report(random.Random(4), "宿州市人民政府", 2019, level="government")
    variant = image_variant_title(report)
    assert variant.startswith(report.title) and variant != report.title and ("图片版" in variant or "扫描件" in variant)
    assert list_title(report, 12) == report.title[:12] + "..." and list_title(report) == report.title
    names = {attachment_name(report, "pdf", random.Random(i)) for i in range(30)}
    assert any("超链版" in n for n in names) and all(n.endswith(".pdf") for n in names)


def test_quirks_are_fixed_by_the_report_and_split_numbers_stay_as_published():
    reports = list(_many(200, seed=11, inconsistent_every=3))
    again = list(_many(200, seed=11, inconsistent_every=3))
    assert [r.quirks for r in reports] == [r.quirks for r in again]
    kinds = {q.split(":")[0] for r in reports for q in r.quirks}
    assert kinds == {"label_typos", "spaced_year", "t4_header_alt", "split_number"}
    for report in reports:
        for quirk in report.quirks:
            if not quirk.startswith("split_number:"):
                continue
            assert report.inconsistent
            row = report.expected["table3"][quirk.split(":")[1]]
            joined = int(f"{row['natural_person']}{row['commercial_enterprise']}")
            others = sum(row[c] or 0 for c in T3_COLUMNS[2:-1])
            assert joined + others == row["total"] and row["natural_person"] + row["commercial_enterprise"] + others != row["total"]
