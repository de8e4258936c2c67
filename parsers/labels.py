"""The printed labels of the three tables and the canonical codes they stand for.

Labels are compared by `normalize.label_key` (no spaces, enumerators or punctuation), then by
suffix (a cell may carry its group too: "三、本年度办理结果（一）予以公开"), then by a bounded
fuzzy match that tolerates the typos real reports print (其他法律行政止公开, 本年度止件数).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from parsers.normalize import label_key

T3_COLUMNS = (
    "natural_person",
    "commercial_enterprise",
    "research_institution",
    "social_welfare_org",
    "legal_service_org",
    "other_org",
    "total",
)
T3_ROWS = (
    "1", "2", "3.1", "3.2",
    "3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "3.3.6", "3.3.7", "3.3.8",
    "3.4.1", "3.4.2", "3.4.3",
    "3.5.1", "3.5.2", "3.5.3", "3.5.4", "3.5.5",
    "3.6", "3.6.1", "3.6.2", "3.6.3", "3.7", "4",
)
T4_GROUPS = ("review", "litigation_direct", "litigation_after_review")
T4_OUTCOMES = ("upheld", "corrected", "other", "pending", "total")

T2_2021_COLUMNS = {
    "regulations": ("issued", "repealed", "in_force"),
    "normative_documents": ("issued", "repealed", "in_force"),
    "licensing": ("decisions",),
    "punishment": ("decisions",),
    "coercion": ("decisions",),
    "fees": ("amount",),
}
T2_2019_COLUMNS = {
    "regulations": ("new_made", "new_published", "total_published"),
    "normative_documents": ("new_made", "new_published", "total_published"),
    "licensing": ("prev_items", "change", "decisions"),
    "other_services": ("prev_items", "change", "decisions"),
    "punishment": ("prev_items", "change", "decisions"),
    "coercion": ("prev_items", "change", "decisions"),
    "fees": ("prev_items", "change"),
    "procurement": ("items", "amount"),
}
# Cells that may hold a fraction; every other cell is an integer.
DECIMAL_CELLS = {("table2", "fees", "amount"), ("table2_2019", "procurement", "amount")}

_T3_ROW_LABELS = {
    "1": ["本年新收政府信息公开申请数量", "本年新收政府信息公开申请"],
    "2": ["上年结转政府信息公开申请数量", "上年结转政府信息公开申请"],
    "3.1": ["予以公开"],
    "3.2": ["部分公开区分处理的只计这一情形不计其他情形", "部分公开"],
    "3.3.1": ["属于国家秘密"],
    "3.3.2": ["其他法律行政法规禁止公开"],
    "3.3.3": ["危及三安全一稳定"],
    "3.3.4": ["保护第三方合法权益"],
    "3.3.5": ["属于三类内部事务信息"],
    "3.3.6": ["属于四类过程性信息"],
    "3.3.7": ["属于行政执法案卷"],
    "3.3.8": ["属于行政查询事项"],
    "3.4.1": ["本机关不掌握相关政府信息"],
    "3.4.2": ["没有现成信息需要另行制作"],
    "3.4.3": ["补正后申请内容仍不明确"],
    "3.5.1": ["信访举报投诉类申请"],
    "3.5.2": ["重复申请"],
    "3.5.3": ["要求提供公开出版物"],
    "3.5.4": ["无正当理由大量反复申请"],
    "3.5.5": ["要求行政机关确认或重新出具已获取信息"],
    "3.6.1": ["申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请"],
    "3.6.2": ["申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请"],
    "4": ["结转下年度继续办理"],
}
# Group headers of Table 3; "其他处理" is also row 3.6 when values follow it directly.
_T3_GROUPS = {
    "本年度办理结果": "3",
    "不予公开": "3.3",
    "无法提供": "3.4",
    "不予处理": "3.5",
    "其他处理": "3.6",
}
_T3_HEADERS = [
    "本列数据的勾稽关系为第一项加第二项之和等于第三项加第四项之和",
    "申请人情况", "自然人", "法人或其他组织", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
    "商业", "企业", "科研", "机构",
]

_T2_ROWS = {
    "regulations": ["规章"],
    "normative_documents": ["行政规范性文件", "规范性文件"],
    "licensing": ["行政许可"],
    "other_services": ["其他对外管理服务事项"],
    "punishment": ["行政处罚"],
    "coercion": ["行政强制"],
    "fees": ["行政事业性收费"],
    "procurement": ["政府集中采购"],
}
_T2_HEADERS_2021 = [
    "本年制发件数", "本年废止件数", "本年废止或失效件数", "本年度止件数", "现行有效件数", "本年处理决定数量",
    "本年收费金额单位万元", "本年收费金额",
]
_T2_HEADERS_2019 = [
    "本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增减", "处理决定数量",
    "采购项目数量", "采购总金额", "本年增减处理决定数量",
]
_T2_HEADERS = ["信息内容", "第二十条第项"]

_T4_GROUP_LABELS = {
    "行政复议": "review",
    "未经复议直接起诉": "litigation_direct",
    "复议后起诉": "litigation_after_review",
}
_T4_HEADERS = [
    "行政诉讼", "结果维持", "结果纠正", "其他结果", "尚未审结", "结果", "维持", "纠正", "尚未", "审结",
]

_SECTION_HEADINGS = {
    "总体情况": 1,
    "主动公开政府信息情况": 2,
    "收到和处理政府信息公开申请情况": 3,
    "收到和处理政府信息公开申请": 3,
    "政府信息公开行政复议行政诉讼情况": 4,
    "因政府信息公开工作被申请行政复议提起行政诉讼情况": 4,
    "政府信息公开行政复议行政诉讼": 4,
    "因政府信息公开被申请行政复议行政诉讼情况": 4,
    "存在的主要问题及改进情况": 5,
    "政府信息公开工作存在的主要问题及改进情况": 5,
    "存在的主要问题及改进措施": 5,
    "其他需要报告的事项": 6,
}


@dataclass(frozen=True)
class Label:
    """What a cell's text is, for the table layer."""

    kind: str  # t3_row, t3_group, t3_header, t2_row, t2_header, t4_group, t4_header, section, ambiguous
    code: str | None = None
    template: str | None = None  # for t2_header: which template's header this is
    exact: bool = True


def _build() -> dict[str, Label]:
    table: dict[str, Label] = {}
    for code, labels in _T3_ROW_LABELS.items():
        for text in labels:
            table[label_key(text)] = Label("t3_row", code)
    for text, code in _T3_GROUPS.items():
        table[label_key(text)] = Label("t3_group", code)
    for text in _T3_HEADERS:
        table[label_key(text)] = Label("t3_header")
    for code, labels in _T2_ROWS.items():
        for text in labels:
            table[label_key(text)] = Label("t2_row", code)
    for text in _T2_HEADERS_2021:
        table[label_key(text)] = Label("t2_header", template="2021")
    for text in _T2_HEADERS_2019:
        table[label_key(text)] = Label("t2_header", template="2019")
    for text in _T2_HEADERS:
        table[label_key(text)] = Label("t2_header")
    for text, code in _T4_GROUP_LABELS.items():
        table[label_key(text)] = Label("t4_group", code)
    for text in _T4_HEADERS:
        table[label_key(text)] = Label("t4_header")
    for text, number in _SECTION_HEADINGS.items():
        table[label_key(text)] = Label("section", str(number))
    # Words whose meaning depends on the table they are in.
    table["其他"] = Label("ambiguous", "其他")
    table["总计"] = Label("ambiguous", "总计")
    return table


LABELS = _build()
# Suffix matching: longest first, only labels long enough to be unambiguous at the end of a cell.
_SUFFIXES = sorted(
    ((k, v) for k, v in LABELS.items() if v.kind in ("t3_row",) and len(k) >= 4), key=lambda kv: -len(kv[0])
)
_PREFIXABLE = [(k, v) for k, v in LABELS.items() if v.kind in ("t3_row", "t2_row") and len(k) >= 10]
_GROUP_PREFIX_WORDS = ("本年度办理结果", "不予公开", "无法提供", "不予处理", "其他处理")
_FUZZY = [
    (k, v, frozenset(k)) for k, v in LABELS.items() if v.kind in ("t3_row", "t2_header", "t2_row", "section") and len(k) >= 4
]
_ALL_CJK = re.compile(r"^[\u3400-\u9fff]+$")
_SECTION_NUMERALS = "一二三四五六七八九十"


@lru_cache(maxsize=65536)
def _wrapped_group_heads(key: str) -> list[str]:
    """"" and every tail (two characters or more) of a group label that ``key`` starts with."""
    heads = [""]
    for word in _GROUP_PREFIX_WORDS:
        heads += [word[i:] for i in range(1, len(word) - 1) if key.startswith(word[i:])]
    return heads


def classify_label(text: str) -> Label | None:
    """The label a cell's text stands for, or None when it is not a label of the tables."""
    key = label_key(text)
    if not key or len(key) > 80:
        return None
    hit = LABELS.get(key)
    if hit is not None:
        return hit
    # "三、本年度办理结果（一）予以公开", "（三）不予公开 1.属于国家秘密", "（六）其他处理 3.其他"
    for suffix, label in _SUFFIXES:
        if key.endswith(suffix):
            rest = key[: -len(suffix)]
            while rest:
                for word in _GROUP_PREFIX_WORDS:
                    if rest.endswith(word):
                        rest = rest[: -len(word)]
                        break
                else:
                    # the head of a group label whose tail wrapped onto the next row ("本年度办理结")
                    if len(rest) >= 2 and any(w.startswith(rest) for w in _GROUP_PREFIX_WORDS):
                        rest = ""
                    break
            if not rest:
                return label
            if len(rest) <= 4 and len(suffix) >= 6:
                # the tail of a wrapped group label glued in front ("予公开" + 属于三类内部事务信息)
                return Label(label.kind, label.code, label.template, exact=False)
    # The first part of a label broken by a page break: a long prefix of exactly one row label.
    if len(key) >= 8:
        for head in _wrapped_group_heads(key):  # "理结果" + 部分公开（区分处理的，只计这: a group label's tail in front
            rest = key[len(head) :]
            hits = {(lab.kind, lab.code) for cand, lab in _PREFIXABLE if cand.startswith(rest) and len(cand) > len(rest)}
            if len(rest) >= 8 and len(hits) == 1:
                kind, code = hits.pop()
                return Label(kind, code, exact=False)
    if key.startswith("其他处理") and key[len("其他处理") :] == "其他":
        return Label("t3_row", "3.6.3")
    if key.endswith("总计") and key[:-2] in ("", "本年度办理结果"):
        return Label("ambiguous", "总计")
    # Section headings carry their numeral: "四、政府信息公开行政复议、行政诉讼情况".
    raw = text.strip()
    if raw[:1] in _SECTION_NUMERALS and key in LABELS and LABELS[key].kind == "section":
        return LABELS[key]
    return _fuzzy(key)


def _fuzzy(key: str) -> Label | None:
    """Typos: one or two characters dropped or changed in a long label (labels are all CJK)."""
    if len(key) < 5 or len(key) > 60 or not _ALL_CJK.match(key):
        return None
    chars = set(key)
    best: tuple[float, Label | None] = (0.0, None)
    second = 0.0
    for cand, label, cand_chars in _FUZZY:
        if abs(len(cand) - len(key)) > max(2, len(cand) // 4):
            continue
        if len(chars & cand_chars) < 0.6 * len(cand_chars):
            continue
        m = SequenceMatcher(None, key, cand, autojunk=False)
        if m.real_quick_ratio() < 0.8 or m.quick_ratio() < 0.8:
            continue
        r = m.ratio()
        if r > best[0]:
            best, second = (r, label), best[0]
        elif r > second:
            second = r
    ratio, label = best
    if label is None or ratio < 0.8 or ratio - second < 0.05:
        return None
    return Label(label.kind, label.code, label.template, exact=False)
