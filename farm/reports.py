"""Report content for the simulated portals: realistic table values, titles, dates and prose.

Everything here is deterministic from the ``random.Random`` passed in, so a farm seed always plants
the same reports. ``PlantedReport.expected`` is the canonical form of
``../shared/spec/report-schema.md`` (without ``checks``) of what the report *publishes*: for an
``inconsistent`` report that is the published, wrong, total. ``consistency_checks`` computes the
schema's 勾稽关系 checks the way the parser is expected to.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

LEVELS = ("government", "office", "department", "township")

# --- canonical codes and printed labels (report-schema.md) -------------------------------------

T3_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
T3_APPLICANT_COLUMNS = T3_COLUMNS[:-1]
T3_COLUMN_LABELS = {
    "natural_person": "自然人",
    "commercial_enterprise": "商业企业",
    "research_institution": "科研机构",
    "social_welfare_org": "社会公益组织",
    "legal_service_org": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

T3_ROWS = (
    "1", "2",
    "3.1", "3.2",
    "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "3.3.6", "3.3.7", "3.3.8",
    "3.4.1", "3.4.2", "3.4.3",
    "3.5.1", "3.5.2", "3.5.3", "3.5.4", "3.5.5",
    "3.6", "3.6.1", "3.6.2", "3.6.3",
    "3.7", "4",
)  # fmt: skip
T3_OUTCOME_ROWS_SPLIT = tuple(r for r in T3_ROWS if r.startswith("3.") and r not in ("3.6", "3.7"))
T3_OUTCOME_ROWS_SINGLE = tuple(r for r in T3_ROWS if r.startswith("3.") and not r.startswith("3.6.") and r != "3.7")

T3_ROW_LABELS = {
    "1": "一、本年新收政府信息公开申请数量",
    "2": "二、上年结转政府信息公开申请数量",
    "3": "三、本年度办理结果",
    "3.1": "（一）予以公开",
    "3.2": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "3.3": "（三）不予公开",
    "3.3.1": "1.属于国家秘密",
    "3.3.2": "2.其他法律行政法规禁止公开",
    "3.3.3": "3.危及“三安全一稳定”",
    "3.3.4": "4.保护第三方合法权益",
    "3.3.5": "5.属于三类内部事务信息",
    "3.3.6": "6.属于四类过程性信息",
    "3.3.7": "7.属于行政执法案卷",
    "3.3.8": "8.属于行政查询事项",
    "3.4": "（四）无法提供",
    "3.4.1": "1.本机关不掌握相关政府信息",
    "3.4.2": "2.没有现成信息需要另行制作",
    "3.4.3": "3.补正后申请内容仍不明确",
    "3.5": "（五）不予处理",
    "3.5.1": "1.信访举报投诉类申请",
    "3.5.2": "2.重复申请",
    "3.5.3": "3.要求提供公开出版物",
    "3.5.4": "4.无正当理由大量反复申请",
    "3.5.5": "5.要求行政机关确认或重新出具已获取信息",
    "3.6": "（六）其他处理",
    "3.6.1": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "3.6.2": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "3.6.3": "3.其他",
    "3.7": "（七）总计",
    "4": "四、结转下年度继续办理",
}
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"

T4_GROUPS = ("review", "litigation_direct", "litigation_after_review")
T4_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")
T4_OUTCOME_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果", "pending": "尚未审结", "total": "总计"}
T4_GROUP_LABELS = {"review": "行政复议", "litigation_direct": "未经复议直接起诉", "litigation_after_review": "复议后起诉"}

# Table 2 (2021 template): (第二十条 item, header, [(code, label)], [(field, column label)])
T2_2021_BLOCKS = (
    ("第二十条第（一）项", [("regulations", "规章"), ("normative_documents", "行政规范性文件")],
     [("issued", "本年制发件数"), ("repealed", "本年废止件数"), ("in_force", "现行有效件数")]),
    ("第二十条第（五）项", [("licensing", "行政许可")], [("decisions", "本年处理决定数量")]),
    ("第二十条第（六）项", [("punishment", "行政处罚"), ("coercion", "行政强制")], [("decisions", "本年处理决定数量")]),
    ("第二十条第（八）项", [("fees", "行政事业性收费")], [("amount", "本年收费金额（单位：万元）")]),
)  # fmt: skip
T2_2019_BLOCKS = (
    ("第二十条第（一）项", [("regulations", "规章"), ("normative_documents", "规范性文件")],
     [("new_made", "本年新制作数量"), ("new_published", "本年新公开数量"), ("total_published", "对外公开总数量")]),
    ("第二十条第（五）项", [("licensing", "行政许可"), ("other_services", "其他对外管理服务事项")],
     [("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")]),
    ("第二十条第（六）项", [("punishment", "行政处罚"), ("coercion", "行政强制")],
     [("prev_items", "上一年项目数量"), ("change", "本年增/减"), ("decisions", "处理决定数量")]),
    ("第二十条第（八）项", [("fees", "行政事业性收费")], [("prev_items", "上一年项目数量"), ("change", "本年增/减")]),
    ("第二十条第（九）项", [("procurement", "政府集中采购")], [("items", "采购项目数量"), ("amount", "采购总金额")]),
)  # fmt: skip

SECTION_NUMERALS = ("一", "二", "三", "四", "五", "六")


@dataclass(frozen=True)
class PlantedReport:
    """One report as a portal publishes it: who, which year, its title and date, and its values."""

    agency: str
    year: int
    template: str
    level: str
    title: str
    published: datetime.date
    expected: dict | None
    inconsistent: bool = False
    seed_name: str | None = None
    # --- presentation (how the report prints; the renderers read these) ---
    title_lines: tuple[str, ...] = ()  # the title as printed over several lines, when split
    intro: str = ""  # the paragraph before 一、总体情况 (may be empty)
    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()  # six (heading, paragraphs)
    signature: tuple[str, ...] = ()  # closing lines (agency, date) or empty
    blank_mark: str = ""  # how a null cell prints: "", "-", "—", "无", "/"
    procurement_unit: str = "万元"  # 2019 template: the unit printed for 采购总金额 (万元 or 元)
    inconsistency: str | None = None  # which published total is off, e.g. "t3.total_column:3.1"
    seed_text: str | None = field(default=None, repr=False)  # the shared seed's text rendering
    # hard cases of real reports that change how it prints (see ``QUIRKS``); values stay as published
    quirks: tuple[str, ...] = ()

    @property
    def single_36(self) -> bool:
        """True when （六）其他处理 prints as one row (2019 template, some 2021 reports)."""
        t3 = (self.expected or {}).get("table3") or {}
        return t3.get("3.6") is not None

    def canonical_json(self) -> str:
        """Stable JSON of everything that determines a rendering (used as a cache key)."""
        data = {
            "agency": self.agency, "year": self.year, "template": self.template, "level": self.level,
            "title": self.title, "published": self.published.isoformat(), "expected": self.expected,
            "title_lines": self.title_lines, "intro": self.intro, "sections": self.sections,
            "signature": self.signature, "blank_mark": self.blank_mark,
            "procurement_unit": self.procurement_unit, "seed_name": self.seed_name,
            "seed_text": self.seed_text,
        }  # fmt: skip
        if self.quirks:  # only when present, so that reports without quirks keep their cached documents
            data["quirks"] = self.quirks
        return json.dumps(data, ensure_ascii=False, sort_keys=True)


# --- consistency checks ------------------------------------------------------------------------


def _n(value) -> float:
    return 0 if value is None else value


def consistency_checks(expected: dict) -> list[dict]:
    """The schema's 勾稽关系 checks over a canonical report (a null cell counts as 0)."""
    checks: list[dict] = []
    t3 = expected.get("table3")
    if t3:
        outcome_rows = T3_OUTCOME_ROWS_SINGLE if t3.get("3.6") is not None else T3_OUTCOME_ROWS_SPLIT
        for col in T3_COLUMNS:

            def cell(row: str, col: str = col) -> float:
                return _n((t3.get(row) or {}).get(col))

            left, right = cell("1") + cell("2"), cell("3.7") + cell("4")
            checks.append({"check": "t3.balance", "where": col, "ok": left == right, "left": left, "right": right})
            total, parts = cell("3.7"), sum(cell(r) for r in outcome_rows)
            checks.append({"check": "t3.outcomes_sum", "where": col, "ok": total == parts, "left": total, "right": parts})
        for row in T3_ROWS:
            values = t3.get(row)
            if values is None:
                continue
            left = _n(values.get("total"))
            right = sum(_n(values.get(c)) for c in T3_APPLICANT_COLUMNS)
            checks.append({"check": "t3.total_column", "where": row, "ok": left == right, "left": left, "right": right})
    t4 = expected.get("table4")
    if t4:
        for group in T4_GROUPS:
            values = t4.get(group) or {}
            left = _n(values.get("total"))
            right = sum(_n(values.get(o)) for o in T4_OUTCOMES[:-1])
            checks.append({"check": "t4.group_totals", "where": group, "ok": left == right, "left": left, "right": right})
    return checks


def failed_checks(expected: dict) -> list[dict]:
    return [c for c in consistency_checks(expected) if not c["ok"]]


# --- value generation ----------------------------------------------------------------------------

# How many new applications an agency of each level receives in a year: (probability of none, low, high).
_APPLICATION_SCALE = {
    "township": (0.55, 1, 3),
    "department": (0.30, 1, 25),
    "office": (0.05, 8, 260),
    "government": (0.0, 30, 480),
}
# Where handled applications end up (weights), per outcome row of the split template.
_OUTCOME_WEIGHTS = {
    "3.1": 30, "3.2": 9,
    "3.3.1": 0.4, "3.3.2": 0.5, "3.3.3": 0.3, "3.3.4": 1.5, "3.3.5": 1.2, "3.3.6": 1.5, "3.3.7": 0.6, "3.3.8": 1.2,
    "3.4.1": 26, "3.4.2": 3.5, "3.4.3": 1.5,
    "3.5.1": 3, "3.5.2": 2.5, "3.5.3": 0.3, "3.5.4": 0.3, "3.5.5": 1.2,
    "3.6.1": 3, "3.6.2": 0.2, "3.6.3": 8,
}  # fmt: skip
# Share of applicants by column: natural persons dominate.
_APPLICANT_SHARE = {
    "natural_person": 88, "commercial_enterprise": 6, "research_institution": 0.3,
    "social_welfare_org": 0.4, "legal_service_org": 1.5, "other_org": 3,
}  # fmt: skip


def _multinomial(rng: random.Random, n: int, weights: dict[str, float]) -> dict[str, int]:
    counts = dict.fromkeys(weights, 0)
    if n:
        keys = list(weights)
        for key in rng.choices(keys, weights=[weights[k] for k in keys], k=n):
            counts[key] += 1
    return counts


def _applications(rng: random.Random, level: str) -> int:
    p_none, low, high = _APPLICATION_SCALE[level]
    if rng.random() < p_none:
        return 0
    # log-uniform: many small, a few large
    return int(round(low * (high / low) ** rng.random()))


def _table3(rng: random.Random, level: str, single_36: bool) -> dict:
    new_total = _applications(rng, level)
    new = _multinomial(rng, new_total, _APPLICANT_SHARE)
    table: dict[str, dict] = {row: dict.fromkeys(T3_APPLICANT_COLUMNS, 0) for row in T3_ROWS}
    weights = dict(_OUTCOME_WEIGHTS)
    # Some agencies lean to 无法提供, others to 予以公开.
    weights["3.1"] *= rng.uniform(0.4, 1.8)
    weights["3.4.1"] *= rng.uniform(0.3, 1.6)
    for col in T3_APPLICANT_COLUMNS:
        carried_in = 0
        if new[col] and rng.random() < 0.35:
            carried_in = rng.randint(0, max(1, new[col] // 8))
        pool = new[col] + carried_in
        carried_out = 0
        if pool and rng.random() < 0.3:
            carried_out = rng.randint(0, max(1, pool // 10))
        handled = pool - carried_out
        outcomes = _multinomial(rng, handled, weights)
        table["1"][col] = new[col]
        table["2"][col] = carried_in
        table["4"][col] = carried_out
        for row, count in outcomes.items():
            table[row][col] = count
        table["3.7"][col] = handled
        table["3.6"][col] = outcomes["3.6.1"] + outcomes["3.6.2"] + outcomes["3.6.3"]
    for row in T3_ROWS:
        table[row]["total"] = sum(table[row][c] for c in T3_APPLICANT_COLUMNS)
    if single_36:
        for row in ("3.6.1", "3.6.2", "3.6.3"):
            table[row] = None
    else:
        table["3.6"] = None
    return table


def _table4(rng: random.Random, level: str, handled: int) -> dict:
    rate = {"township": 0.02, "department": 0.06, "office": 0.08, "government": 0.07}[level]
    table = {}
    for group in T4_GROUPS:
        cases = 0
        if handled and rng.random() < 0.6:
            cases = sum(1 for _ in range(handled) if rng.random() < rate * (0.5 if group == "litigation_after_review" else 1))
        outcome = _multinomial(rng, cases, {"upheld": 60, "corrected": 8, "other": 18, "pending": 14})
        table[group] = {**outcome, "total": cases}
    return table


def _maybe_fraction(rng: random.Random, low: float, high: float) -> float | int:
    value = low * (high / low) ** rng.random()
    if rng.random() < 0.45:
        return round(value, rng.choice((1, 2, 2, 4)))
    return int(round(value))


def _table2_2021(rng: random.Random, level: str, city: bool) -> dict:
    def trio(issued_hi: int, repeal_hi: int, in_force_hi: int) -> dict:
        issued = rng.randint(0, issued_hi)
        repealed = rng.randint(0, repeal_hi) if rng.random() < 0.5 else 0
        in_force = max(issued, rng.randint(issued, max(issued, in_force_hi)))
        return {"issued": issued, "repealed": repealed, "in_force": in_force}

    zero_trio = {"issued": 0, "repealed": 0, "in_force": 0}
    if level == "township":
        return {
            "regulations": dict(zero_trio),
            "normative_documents": trio(2, 1, 6) if rng.random() < 0.4 else dict(zero_trio),
            "licensing": {"decisions": rng.choice((0, 0, rng.randint(1, 80)))},
            "punishment": {"decisions": rng.choice((0, 0, rng.randint(1, 40)))},
            "coercion": {"decisions": 0},
            "fees": {"amount": 0},
        }
    if level == "department":
        regulatory = rng.random() < 0.5  # 市场监管, 自然资源, 交通运输 … vs 信访, 档案 …
        return {
            "regulations": dict(zero_trio),
            "normative_documents": trio(6, 4, 25) if rng.random() < 0.6 else dict(zero_trio),
            "licensing": {"decisions": rng.randint(10, 9000) if regulatory else 0},
            "punishment": {"decisions": rng.randint(0, 1500) if regulatory else 0},
            "coercion": {"decisions": rng.randint(0, 120) if regulatory and rng.random() < 0.5 else 0},
            "fees": {"amount": _maybe_fraction(rng, 0.2, 900) if regulatory and rng.random() < 0.4 else 0},
        }
    if level == "office":
        return {
            "regulations": trio(3, 2, 30) if city else dict(zero_trio),
            "normative_documents": trio(40, 90, 260),
            "licensing": {"decisions": 0},
            "punishment": {"decisions": 0},
            "coercion": {"decisions": 0},
            "fees": {"amount": 0},
        }
    return {
        "regulations": trio(4, 3, 40) if city else dict(zero_trio),
        "normative_documents": trio(45, 60, 240),
        "licensing": {"decisions": rng.randint(2000, 520000)},
        "punishment": {"decisions": rng.randint(300, 100000)},
        "coercion": {"decisions": rng.randint(10, 3000)},
        "fees": {"amount": _maybe_fraction(rng, 300, 30000)},
    }


def _table2_2019(rng: random.Random, level: str, city: bool) -> dict:
    def docs(hi: int) -> dict:
        made = rng.randint(0, hi)
        return {"new_made": made, "new_published": made if rng.random() < 0.8 else rng.randint(0, made),
                "total_published": made + rng.randint(0, hi * 6)}  # fmt: skip

    def items(prev_hi: int, decisions_hi: int) -> dict:
        prev = rng.randint(0, prev_hi)
        change = rng.randint(-min(prev, max(1, prev // 4)), max(1, prev // 5)) if prev else 0
        return {"prev_items": prev, "change": change, "decisions": rng.randint(0, decisions_hi) if prev else 0}

    scale = {"township": 0.05, "department": 0.3, "office": 0.1, "government": 1.0}[level]
    hi = max(1, int(200 * scale))
    fees_prev = rng.randint(0, max(1, int(40 * scale)))
    return {
        "regulations": docs(3) if city and level in ("government", "office") else {"new_made": 0, "new_published": 0, "total_published": 0},
        "normative_documents": docs(max(2, int(40 * scale))),
        "licensing": items(hi, int(300000 * scale)),
        "other_services": items(max(1, hi // 2), int(80000 * scale)),
        "punishment": items(hi * 2, int(60000 * scale)),
        "coercion": items(max(1, hi // 4), int(2000 * scale)),
        "fees": {"prev_items": fees_prev, "change": rng.randint(-min(fees_prev, 3), 2) if fees_prev else 0},
        "procurement": {"items": (n := rng.randint(0, max(1, int(400 * scale)))),
                        "amount": round(n * rng.uniform(1.5, 90), rng.choice((2, 4))) if n else 0},
    }  # fmt: skip


def _blank_some(rng: random.Random, expected: dict) -> None:
    """Print some zero cells as blanks (null), the way real reports do."""
    mode = rng.random()
    if mode < 0.10 and expected["table2"]:  # the fees cell left empty (xiangxiang)
        if not expected["table2"]["fees"]["amount"]:
            expected["table2"]["fees"]["amount"] = None
    elif mode < 0.18:  # Table 2 zeros printed as - or 无
        t2 = expected["table2"] or expected["table2_2019"]
        for row in t2.values():
            for key, value in row.items():
                if value == 0:
                    row[key] = None
    elif mode < 0.26:  # one stray empty cell in a rare Table 3 row (yangquan)
        row = rng.choice(("3.3.3", "3.3.7", "3.5.3", "3.5.4", "3.4.3"))
        col = rng.choice(T3_APPLICANT_COLUMNS[1:5])
        if expected["table3"][row] and expected["table3"][row][col] == 0:
            expected["table3"][row][col] = None
    elif mode < 0.30:  # Table 4 printed blank where nothing happened
        for group in expected["table4"].values():
            if not group["total"]:
                for key in group:
                    group[key] = None


def _make_inconsistent(rng: random.Random, expected: dict) -> str:
    """Alter one published number so that a total no longer adds up; return which."""
    t3, t4 = expected["table3"], expected["table4"]
    modes = ["t3.total_column", "t3.outcomes_sum", "t3.balance", "t4.group_totals"]
    mode = rng.choice(modes)
    delta = rng.choice((-2, -1, 1, 1, 2, 3))
    if mode == "t4.group_totals":
        group = rng.choice(T4_GROUPS)
        cell = t4[group]
        new = _n(cell["total"]) + delta
        cell["total"] = new if new >= 0 else _n(cell["total"]) + 1
        return f"t4.group_totals:{group}"
    if mode == "t3.total_column":
        row = rng.choice(["1", "3.1", "3.4.1", "3.7"])
        cell = t3[row]
        new = _n(cell["total"]) + delta
        cell["total"] = new if new >= 0 else _n(cell["total"]) + 1
        return f"t3.total_column:{row}"
    if mode == "t3.outcomes_sum":  # 3.7 printed one off in the natural-person column and its total
        new = t3["3.7"]["natural_person"] + delta
        if new < 0:
            new = t3["3.7"]["natural_person"] + 1
        diff = new - t3["3.7"]["natural_person"]
        t3["3.7"]["natural_person"] = new
        t3["3.7"]["total"] = _n(t3["3.7"]["total"]) + diff
        return "t3.outcomes_sum:natural_person"
    # balance: carried-over count wrong (in both natural-person and total)
    new = t3["4"]["natural_person"] + abs(delta)
    diff = new - t3["4"]["natural_person"]
    t3["4"]["natural_person"] = new
    t3["4"]["total"] = _n(t3["4"]["total"]) + diff
    return "t3.balance:natural_person"


# --- titles, dates, prose ------------------------------------------------------------------------


def official_title(agency: str, year: int) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def _title(rng: random.Random, agency: str, year: int) -> tuple[str, tuple[str, ...]]:
    roll = rng.random()
    if roll < 0.74:
        title = official_title(agency, year)
    elif roll < 0.82:
        title = f"{agency}{year}年度政府信息公开工作年度报告"
    elif roll < 0.88:
        title = f"{agency}{year}年度政府信息公开工作报告"
    elif roll < 0.94:
        title = f"{agency}{year}年政府信息公开年度报告"
    else:
        title = f"{agency}{year}年度政府信息公开年报"
    lines: tuple[str, ...] = ()
    split = rng.random()
    if split < 0.18:  # 重庆市铜梁区 / 2023年政府信息公开工作年度报告
        lines = (agency, title[len(agency):])
    elif split < 0.28 and "政府信息" in title[len(agency):]:  # …2023年政府信息 / 公开工作年度报告
        cut = title.index("政府信息", len(agency)) + len("政府信息")
        lines = (title[:cut], title[cut:])
    return title, lines


def publication_date(rng: random.Random, year: int, level: str) -> datetime.date:
    """Departments and offices by 31 January, governments by 31 March, with a late tail."""
    nxt = year + 1
    if rng.random() < 0.06:  # stragglers and late reposts
        start, end = datetime.date(nxt, 4, 1), datetime.date(nxt, 9, 30)
    elif level in ("department", "office"):
        start, end = datetime.date(nxt, 1, 10), datetime.date(nxt, 1, 31)
    elif level == "township":
        start, end = datetime.date(nxt, 1, 10), datetime.date(nxt, 3, 31)
    else:
        start, end = datetime.date(nxt, 2, 1), datetime.date(nxt, 3, 31)
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _we(agency: str) -> str:
    """How an agency calls itself in its own report."""
    if agency.endswith(("局", "局）")):
        return "我局"
    if agency.endswith(("委员会", "委")):
        return "我委"
    if agency.endswith("镇人民政府"):
        return "我镇"
    if agency.endswith("乡人民政府"):
        return "我乡"
    if agency.endswith(("街道办事处", "街道")):
        return "本街道"
    if agency.endswith("办公室"):
        return "本机关"
    if agency.endswith("人民政府"):
        place = agency[: -len("人民政府")]
        for suffix in ("区", "县", "市", "旗"):
            if place.endswith(suffix):
                return "我" + suffix
    return "本机关"


def _cn_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


_SECTION_HEADINGS = {
    0: ("总体情况",),
    1: ("主动公开政府信息情况",),
    2: ("收到和处理政府信息公开申请情况",),
    3: ("政府信息公开行政复议、行政诉讼情况", "因政府信息公开工作被申请行政复议、提起行政诉讼情况"),
    4: ("存在的主要问题及改进情况", "政府信息公开工作存在的主要问题及改进情况"),
    5: ("其他需要报告的事项",),
}


def _prose(rng: random.Random, agency: str, year: int, level: str, template: str, expected: dict,
           published: datetime.date) -> tuple[str, tuple, tuple]:  # fmt: skip
    we = _we(agency)
    t3 = expected["table3"]
    received = _n(t3["1"]["total"])
    carried = _n(t3["2"]["total"])
    done = _n(t3["3.7"]["total"])
    left = _n(t3["4"]["total"])
    reviews = _n(expected["table4"]["review"]["total"])
    suits = _n(expected["table4"]["litigation_direct"]["total"]) + _n(expected["table4"]["litigation_after_review"]["total"])
    format_doc = "国办公开办函〔2021〕30号" if template == "2021" else "国办公开办函〔2019〕60号"
    intro_choices = [
        f"本报告根据《中华人民共和国政府信息公开条例》（以下简称《条例》）和《国务院办公厅政府信息与政务公开办公室关于印发〈中华人民共和国政府信息公开工作年度报告格式〉的通知》（{format_doc}）要求编制。全文包括总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项六个部分。报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。",
        f"根据《中华人民共和国政府信息公开条例》（国务院令第711号）有关要求，现公布{agency}{year}年政府信息公开工作年度报告。报告中所列数据统计期限自{year}年1月1日起至12月31日止。如对本报告有疑问，请与{agency}联系。",
        "本年度报告依据《中华人民共和国政府信息公开条例》第五十条规定编制，由总体情况、主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况、存在的主要问题及改进情况、其他需要报告的事项组成。",
        "",
    ]
    intro = rng.choice(intro_choices)
    overall = [
        f"{year}年，{we}坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》和上级关于政务公开工作的决策部署，以公开为常态、不公开为例外，不断提升政务公开标准化、规范化水平。",
        f"（一）主动公开。{we}依托门户网站、政务新媒体和政务公开专区，全年主动公开政府信息{rng.randint(12, 4000)}条，其中政策文件{rng.randint(0, 60)}件，政策解读{rng.randint(0, 40)}篇，回应社会关切{rng.randint(0, 30)}次。",
        f"（二）依申请公开。全年共收到政府信息公开申请{received}件，上年结转{carried}件，办结{done}件，结转下年度继续办理{left}件。"
        + (f"因政府信息公开工作被申请行政复议{reviews}件、提起行政诉讼{suits}件。" if reviews or suits else "全年未发生因政府信息公开工作被申请行政复议、提起行政诉讼的情况。"),
        f"（三）政府信息管理。严格落实政府信息公开保密审查制度，坚持“先审查、后公开”和“一事一审”原则，动态更新政府信息公开目录，全年清理不规范内容{rng.randint(0, 120)}处。",
        "（四）政府信息公开平台建设。发挥政府网站第一平台作用，加强政务新媒体规范管理，完善政务公开专区设置，方便群众查阅信息。",
        f"（五）监督保障。成立政务公开工作领导小组，明确分管领导和专职工作人员，将政务公开工作纳入年度绩效考核，全年组织业务培训{rng.randint(1, 6)}次。",
    ]
    if rng.random() < 0.4:
        overall = overall[1:]
    problems = [
        rng.choice([
            "存在的主要问题：一是主动公开的深度和广度仍需拓展；二是政策解读形式较为单一；三是工作人员业务水平有待提升。",
            f"{year}年，{we}政府信息公开工作取得一定成效，但仍存在一些不足：信息更新不够及时，公开内容不够全面，基层政务公开规范化程度有待提高。",
            "一是监督指导力度还有待加强；二是教育培训力度仍需加大，政府信息公开强基础抓基层工作有待加强。",
        ]),
        rng.choice([
            f"改进情况：{year + 1}年，{we}将进一步健全工作机制，加强业务培训，丰富解读形式，及时回应社会关切，不断提升政务公开质效。",
            "下一步，我们将坚持问题导向和目标导向，持续规范信息发布流程，加大重点领域信息公开力度，强化考核评估。",
        ]),
    ]
    fees_text = rng.choice([
        f"{year}年，{we}未收取政府信息公开信息处理费。",
        f"本年度{we}未发生收取信息处理费的情况。",
        f"{agency}本年度未收取政府信息处理费。本报告中所列数据的统计期限自{year}年1月1日至{year}年12月31日。",
    ])
    use_alt = rng.random() < 0.4
    headings = []
    for i, numeral in enumerate(SECTION_NUMERALS):
        options = _SECTION_HEADINGS[i]
        headings.append(f"{numeral}、{options[1] if use_alt and len(options) > 1 else options[0]}")
    sections = (
        (headings[0], tuple(overall)),
        (headings[1], ()),
        (headings[2], ()),
        (headings[3], ()),
        (headings[4], tuple(problems)),
        (headings[5], (fees_text,)),
    )
    signature: tuple[str, ...] = ()
    if rng.random() < 0.5:
        signature = (agency, _cn_date(published - datetime.timedelta(days=rng.randint(0, 6))))
    return intro, sections, signature


# Hard cases seen in real reports, planted on some generated reports (every format draws them):
# - ``label_typos``: 本年废止或失效件数 / 本年度止件数 for 本年废止件数, 其他法律行政止公开 for 3.3.2's label;
# - ``spaced_year``: Word's spacing typed into the text, "2023 年" in the title and prose;
# - ``t4_header_alt``: Table 4 with 行政复议 spanning two header rows and the outcomes under all three groups;
# - ``split_number:<row>``: (published inconsistencies only) a Table 3 number broken over two cells,
#   自然人 "1" and 商业企业 "2" for 12; ``expected`` holds the two cells as published.
QUIRKS = ("label_typos", "spaced_year", "t4_header_alt", "split_number")


def _quirks_rng(agency: str, year: int, level: str) -> random.Random:
    """Its own stream, so that planting quirks never shifts the values of the farm's other reports."""
    return random.Random(f"quirks|{agency}|{year}|{level}")


def _content_quirks(qr: random.Random) -> list[str]:
    out = []
    if qr.random() < 0.22:
        out.append("label_typos")
    if qr.random() < 0.18:
        out.append("spaced_year")
    if qr.random() < 0.18:
        out.append("t4_header_alt")
    return out


def _split_number(qr: random.Random, expected: dict, avoid_row: str | None) -> str | None:
    """Publish one Table 3 自然人 number ≥ 10 as two cells (its last digit in 商业企业); return the row."""
    t3 = expected["table3"]
    rows = [r for r in T3_ROWS if t3.get(r) and r != avoid_row and (t3[r].get("natural_person") or 0) >= 10
            and not t3[r].get("commercial_enterprise")]  # fmt: skip
    if not rows:
        return None
    row = qr.choice(rows)
    value = t3[row]["natural_person"]
    t3[row]["natural_person"], t3[row]["commercial_enterprise"] = value // 10, value % 10
    return row


def _is_city(agency: str) -> bool:
    """Only cities divided into districts (设区的市) make 规章; a rough test on the name."""
    head = agency.split("人民政府")[0]
    return head.endswith("市") and "县" not in head and "区" not in head


def generate_report(rng: random.Random, agency: str, year: int, *, level: str, inconsistent: bool = False,
                    template: str | None = None, single_36: bool | None = None,
                    published: datetime.date | None = None, title: str | None = None,
                    blanks: bool = True) -> PlantedReport:  # fmt: skip
    """A plausible report of ``agency`` for ``year``, values consistent unless ``inconsistent``."""
    if level not in LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
    if not 2019 <= year <= 2030:
        raise ValueError(f"year {year} is outside the templates this farm knows (2019 onwards)")
    template = template or ("2019" if year <= 2020 else "2021")
    if single_36 is None:
        single_36 = template == "2019" or rng.random() < 0.12
    city = _is_city(agency)
    expected: dict = {"agency": agency, "year": year, "template": template}
    if template == "2021":
        expected["table2"] = _table2_2021(rng, level, city)
        expected["table2_2019"] = None
    else:
        expected["table2"] = None
        expected["table2_2019"] = _table2_2019(rng, level, city)
    expected["table3"] = _table3(rng, level, single_36)
    expected["table4"] = _table4(rng, level, expected["table3"]["3.7"]["total"])
    if blanks:
        _blank_some(rng, expected)
    inconsistency = _make_inconsistent(rng, expected) if inconsistent else None
    qr = _quirks_rng(agency, year, level)
    quirks = _content_quirks(qr)
    if inconsistent and qr.random() < 0.5:
        split_row = _split_number(qr, expected, (inconsistency or ":").split(":")[1])
        if split_row:
            quirks.append(f"split_number:{split_row}")
    made_title, title_lines = _title(rng, agency, year)
    if title is not None:
        made_title, title_lines = title, ()
    published = published or publication_date(rng, year, level)
    intro, sections, signature = _prose(rng, agency, year, level, template, expected, published)
    blank_mark = rng.choice(("", "", "", "-", "—", "无", "/"))
    procurement_unit = "元" if template == "2019" and rng.random() < 0.3 else "万元"
    return PlantedReport(
        agency=agency, year=year, template=template, level=level, title=made_title, published=published,
        expected=expected, inconsistent=inconsistent, seed_name=None, title_lines=title_lines, intro=intro,
        sections=sections, signature=signature, blank_mark=blank_mark, procurement_unit=procurement_unit,
        inconsistency=inconsistency, quirks=tuple(quirks),
    )  # fmt: skip


# --- the five shared real reports ----------------------------------------------------------------

# What the seed texts do not say, chosen to be plausible (level) or read from the text (dates).
_SEED_FACTS = {
    "county-office-2023-tabbed": ("office", datetime.date(2024, 1, 26)),
    "liuyang-city-2023-traditional-pinyin": ("government", datetime.date(2024, 2, 5)),
    "xiangxiang-petitions-bureau-2023": ("department", datetime.date(2024, 1, 9)),
    "yangquan-city-2023": ("government", datetime.date(2024, 3, 7)),
    "yiyang-city-office-2023": ("office", datetime.date(2024, 1, 19)),
}
SEED_NAMES = tuple(sorted(_SEED_FACTS))

_PINYIN = re.compile(r"\(([a-zāáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜ]+)\)")


def _seed_title(text: str) -> tuple[str, tuple[str, ...]]:
    """The title as the seed prints it: the first non-empty lines up to …报告."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        lines.append(line)
        if _PINYIN.sub("", line).endswith(("报告", "報告")):
            break
        if len(lines) >= 3:
            break
    title = "".join(lines)
    return title, tuple(lines) if len(lines) > 1 else ()


def seed_reports() -> list[PlantedReport]:
    """The five shared real reports, with their own text and the values of their .expected.json."""
    reports = []
    for name in SEED_NAMES:
        text = (DATA_DIR / f"{name}.txt").read_text(encoding="utf-8")
        expected = json.loads((DATA_DIR / f"{name}.expected.json").read_text(encoding="utf-8"))
        expected.pop("checks", None)
        level, published = _SEED_FACTS[name]
        title, title_lines = _seed_title(text)
        if _PINYIN.search(title):  # a mirror copy: the agency's own title is the simplified one
            title, title_lines = official_title(expected["agency"], expected["year"]), ()
        reports.append(PlantedReport(
            agency=expected["agency"], year=expected["year"], template=expected["template"], level=level,
            title=title, published=published, expected=expected,
            inconsistent=bool(failed_checks(expected)), seed_name=name, title_lines=title_lines,
            seed_text=text,
        ))  # fmt: skip
    return reports


def seed_report(name: str) -> PlantedReport:
    for report in seed_reports():
        if report.seed_name == name:
            return report
    raise KeyError(f"no seed report named {name!r}; known: {SEED_NAMES}")


def expected_copy(report: PlantedReport) -> dict | None:
    """A deep copy of ``report.expected`` that callers may change (e.g. to add ``checks``)."""
    return copy.deepcopy(report.expected)


# --- title helpers for the portals (list entries, image variants, attachment names) ----------------


def image_variant_title(report: PlantedReport, rng: random.Random | None = None) -> str:
    """The title of an image-only 图片版 (宿州市人民政府2019年政府信息公开工作年度报告（图片版）)."""
    suffix = (rng or random.Random(report.title)).choice(("（图片版）", "(图片版)", "（扫描件）"))
    return report.title + suffix


def list_title(report: PlantedReport, max_chars: int | None = None) -> str:
    """The title as a TRS list prints it: cut to ``max_chars`` with an ellipsis (邯郸…（深度治...)."""
    if max_chars is None or len(report.title) <= max_chars:
        return report.title
    return report.title[:max_chars] + "..."


def attachment_name(report: PlantedReport, ext: str, rng: random.Random) -> str:
    """Link text of an attachment, as portals print it."""
    return rng.choice((
        f"{report.title}.{ext}",
        f"附件：{report.title}.{ext}",
        f"{report.title}（超链版）.{ext}" if ext == "pdf" else f"{report.title}.{ext}",
        f"附件1.{ext}",
        f"{report.agency}{report.year}年政府信息公开工作年度报告.{ext}",
    ))  # fmt: skip
