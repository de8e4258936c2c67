"""Title, agency, year and publication date, read from the document itself (never a folder name)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.normalize import normalize_cell

# "益阳市人民政府办公室2023年政府信息公开工作年度报告", "…2019年度政府信息公开年报", "…2016年度政府信息公开工作报告"
_TITLE = re.compile(
    r"(?P<agency>[^\n《》]*?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*"
    r"(?:政\s*府\s*)?信\s*息\s*公\s*开\s*(?:工\s*作\s*)?(?:年\s*度\s*)?(?:报\s*告|年\s*报)"
)
_YEAR = re.compile(r"(?:19|20)\d{2}\s*年")
_YEAR_ONLY = re.compile(r"^\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:政府)?信息公开")
_AGENCY_TAIL = re.compile(r"[\s_\-|:·>»—]+$")
_AGENCY_HEAD = re.compile(r"^.*[_|>»]\s*|^\s*(?:关于|\d+\s*[.、]\s*)")
# A name that is only a generic suffix ("现公布某某市\n人民政府2021年…" wrapped in a PDF) names nobody.
# (政府办公室 alone does: a county office's report calls itself that, see the county-office seed.)
_GENERIC_AGENCIES = frozenset({"人民政府", "政府", "人民政府办公室", "本机关", "我局", "我委", "本单位", "市", "县", "区"})
# A title followed by sentence punctuation is a sentence quoting it ("…年度报告。报告中所列数据").
_SENTENCE_TAIL = re.compile(r"\s*[。，,；;]")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_SITE_WORDS = ("网", "门户", "信息公开", "年报", "首页", "专栏", "政务公开", "栏目")
_DATE_CN = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_DATE_ISO = re.compile(r"((?:19|20)\d{2})[-/.](\d{1,2})[-/.](\d{1,2})")
_PUBLISHED_LABEL = re.compile(r"(?:发布|发文|成文|公开|生成)(?:日期|时间)\s*[:：]?\s*")


@dataclass
class Title:
    title: str | None = None
    agency: str | None = None
    year: int | None = None


def _clean_agency(text: str) -> str | None:
    pieces = text.split()
    if len(pieces) >= 2 and len(pieces[-1]) >= 4 and any(w in p for p in pieces[:-1] for w in _SITE_WORDS):
        text = pieces[-1]  # "站名 栏目 某某局" (a three-part <title>): the agency is the last part
    text = _AGENCY_HEAD.sub("", text.strip())
    text = _AGENCY_TAIL.sub("", text)
    text = re.sub(r"\s+", "", text).strip("《》“”\"'()（）【】[]")
    if not text or len(text) > 40 or re.search(r"[,，。;；:：!！?？]", text):
        return None
    if not re.search(r"[\u4e00-\u9fff]", text) or text in _GENERIC_AGENCIES:
        return None
    return text


def parse_title(candidates: list[str]) -> Title:
    """The first candidate that names both an agency and a year wins; a split title is joined.

    Candidates are tried in order (meta ArticleTitle, first heading, body lines, <title>). Within
    the body, "益阳市人民政府办公室" on one line and "2023年政府信息公开工作年度报告" on the next
    make one title.
    """
    fallback: Title | None = None
    in_sentence: Title | None = None
    previous = ""
    texts = [normalize_cell(raw) if raw else "" for raw in candidates]
    texts = [t for t in texts if t]  # a blank line between a title's two halves does not part them
    for i, text in enumerate(texts):
        if len(text) > 100:
            previous = ""
            continue
        m = _TITLE.search(text)
        if not m and i + 1 < len(texts) and len(texts[i + 1]) <= 40 and _YEAR.search(text):
            # "吴起县人民政府 2021 年政府信息" + "公开工作年度报告": a title broken mid-word
            joined = text + texts[i + 1]
            m = _TITLE.search(joined)
            if m:
                text = joined
        if m is None:
            if len(text) <= 40:
                previous = text
            continue
        year = int(m.group("year"))
        agency = _clean_agency(m.group("agency"))
        title = text[m.start("agency") if agency else m.start("year") : m.end()].strip()
        if agency is None and previous and _YEAR_ONLY.match(text):
            agency = _clean_agency(previous)
            if agency:
                title = previous.strip() + text[: m.end()].strip()
        title = _CJK_GAP.sub("", title)
        sentence = bool(_SENTENCE_TAIL.match(text, m.end()))
        if agency and not sentence:
            return Title(title=title, agency=agency, year=year)
        if agency and in_sentence is None:
            in_sentence = Title(title=title, agency=agency, year=year)
        elif fallback is None and not agency:
            fallback = Title(title=title, agency=None, year=year)
        if len(text) <= 40:
            previous = text
    return in_sentence or fallback or Title()


def find_published(meta_dates: list[str], lines: list[str]) -> str | None:
    """YYYY-MM-DD from page metadata or a 发布日期 line, else the signature date at the end."""
    for raw in meta_dates:
        d = _date(raw)
        if d:
            return d
    for line in lines[:80]:
        m = _PUBLISHED_LABEL.search(line)
        if m:
            d = _date(line[m.end() : m.end() + 30])
            if d:
                return d
    # The signature block: a line that is only a date, near the end.
    for line in reversed(lines[-40:]):
        s = line.strip()
        if 8 <= len(s) <= 16:
            m = _DATE_CN.fullmatch(s) or _DATE_ISO.fullmatch(s)
            if m:
                return _date(s)
    return None


def _date(text: str) -> str | None:
    m = _DATE_CN.search(text) or _DATE_ISO.search(text)
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"
