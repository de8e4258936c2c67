"""Is this title a 政府信息公开工作年度报告? Whose, and of which year? Or a look-alike, and why?

Year and agency come from the title (or page body), never from a folder name (portals.md §1.2:
folders lie). Title forms of §1.4: with or without 工作/年度, 年度…工作报告, …年报, split over
lines, PDF spacing (``2023 年``), traditional characters, suffixes 图片版/超链版. Look-alikes of
§5: 解读, 图解, 工作要点, 企业年报 notices, 年度报告制度 and compiling notices, 政府工作报告,
统计公报/统计年报, 绩效评价报告, other 政务公开 activities.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_SPACES = re.compile(r"[\s\u3000\xa0]+")
# year, optional 度, optional 政府, 信息公开 (or 政务信息公开), optional 工作, optional 年度, 报告|年报
REPORT_RE = re.compile(
    r"(?P<year>(?:19|20)\d{2})年度?(?:的)?(?:政府|政务)?信息公开(?:工作)?(?:年度)?(?:报告|年报)"
)
# a title that names the report without the year in front ("政府信息公开工作年度报告（2023年）")
REPORT_TAIL_YEAR_RE = re.compile(r"(?:政府)?信息公开(?:工作)?年度报告[（(](?P<year>(?:19|20)\d{2})年?度?[)）]")

# (kind, pattern): checked in order; the first that matches makes the page a look-alike
LOOKALIKE_RULES: list[tuple[str, re.Pattern]] = [
    ("解读", re.compile(r"解读|解讀|读懂|看懂|问答|答记者问|《[^》]*信息公开[^》]*(?:报告|年报)》")),
    ("图解", re.compile(r"图解|一图读懂|一图看懂|图说|动漫|媒体")),
    ("制度", re.compile(r"年度报告制度|年报制度|报告制度")),
    ("编制通知", re.compile(r"(?:做好|编制|发布|报送).{0,20}(?:年度报告|年报).{0,12}(?:工作)?的?通知|关于.{0,30}年度报告.{0,20}通知")),
    ("工作要点", re.compile(r"工作要点")),
    ("企业年报", re.compile(r"企业.{0,12}年报|年报公示|年度报告公示|市场主体|个体工商户|农民专业合作社")),
    ("政府工作报告", re.compile(r"政府工作报告")),
    ("统计公报", re.compile(r"统计公报|统计年报|统计年鉴|国民经济和社会发展")),
    ("绩效评价", re.compile(r"绩效|整体支出|决算|预算")),
    ("政务公开活动", re.compile(r"政务公开(?:日|主题日|工作推进会|推进会|培训)|主题日")),
    ("指南", re.compile(r"信息公开指南|公开目录|信息公开条例")),
]
# variants of the report itself: kept as reports, noted
VARIANT_RE = re.compile(r"[（(](图片版|超链版|扫描件|全文|文字版|简版)[)）]")


@lru_cache(maxsize=1)
def _t2s():
    try:
        import opencc

        return opencc.OpenCC("t2s")
    except Exception:  # the package is optional at this level: fall back to a small table
        return None


_T2S_SMALL = str.maketrans("開報資縣區鎮鄉廳衛號們務與屬為關於會機構統計圖讀黨",
                           "开报资县区镇乡厅卫号们务与属为关于会机构统计图读党")


def normalise_title(text: str) -> str:
    """One line, no spaces, simplified characters, ASCII digits: what the rules compare."""
    if not text:
        return ""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    text = _SPACES.sub("", text)
    text = re.sub(r"\([a-zA-Zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", "", text)  # 瀏陽(yáng)市 pinyin glosses
    conv = _t2s()
    if conv is not None and re.search(r"[\u3400-\u9fff]", text):
        text = conv.convert(text)
    else:
        text = text.translate(_T2S_SMALL)
    return text


_SITE_SUFFIX = re.compile(r"[_|｜\-—－]+[^_|｜\-—－]{2,30}$")


def strip_site_name(title: str, site_names: tuple[str, ...] = ()) -> str:
    """'<report title>_<site name>' and 'site column title' forms of <title> → the article title."""
    t = title.strip()
    seps = "_|｜-—－ \u3000"
    for name in site_names:
        if name and t.endswith(name) and len(t) > len(name) + 4 and t[-len(name) - 1] in seps:
            t = t[: -len(name)].rstrip(seps)
        if name and t.startswith(name) and len(t) > len(name) + 4 and t[len(name)] in seps:
            t = t[len(name):].lstrip(seps)
    return t


@dataclass(frozen=True)
class TitleVerdict:
    kind: str  # report, lookalike, other
    year: int | None = None
    agency: str | None = None
    reason: str | None = None
    variant: str | None = None


_AGENCY_CLEAN = re.compile(r"^[《〈“\"'「【\[]+|[》〉”\"'」】\]：:,，、\s]+$")
_AGENCY_NOISE = re.compile(r"^(?:关于|公开|发布|转发|印发)")


def _agency_from_prefix(prefix: str) -> str | None:
    prefix = _AGENCY_CLEAN.sub("", prefix)
    prefix = _AGENCY_CLEAN.sub("", prefix)
    # the last segment after punctuation (a breadcrumb or a site name glued in front)
    prefix = re.split(r"[_|｜>＞»·\-—－]", prefix)[-1]
    prefix = _AGENCY_NOISE.sub("", prefix)
    if len(prefix) < 2:
        return None
    return prefix


def classify_title(text: str) -> TitleVerdict:
    """Classify a (link or page) title. ``other``: says nothing about being a report."""
    title = normalise_title(text)
    if not title:
        return TitleVerdict("other")
    m = REPORT_RE.search(title)
    tail = None if m else REPORT_TAIL_YEAR_RE.search(title)
    mentions = m or tail or re.search(r"信息公开.{0,6}(?:年度报告|年报)|公开年报|年度报告", title)
    for kind, rule in LOOKALIKE_RULES:
        if rule.search(title) and (mentions or kind in ("企业年报", "统计公报", "政府工作报告", "编制通知", "工作要点",
                                                        "政务公开活动", "制度")):
            if kind == "图解" and not mentions:
                continue
            return TitleVerdict("lookalike", reason=f"{kind}: {title[:60]}",
                                year=int(m.group("year")) if m else None)
    if m:
        agency = _agency_from_prefix(title[: m.start()])
        variant = VARIANT_RE.search(title)
        return TitleVerdict("report", year=int(m.group("year")), agency=agency,
                            variant=variant.group(1) if variant else None)
    if tail:
        agency = _agency_from_prefix(title[: tail.start()])
        return TitleVerdict("report", year=int(tail.group("year")), agency=agency)
    return TitleVerdict("other")


def looks_like_report_link(text: str) -> bool:
    """A list item worth fetching: a report title, or one cut short (``…``) that may be one."""
    title = normalise_title(text)
    if not title:
        return False
    if classify_title(title).kind == "report":
        return True
    if re.search(r"信息公开|公开年报|年度报告|年报|工作报告", title):
        return True
    # truncated list titles: "某某县卫生健康局2024年政府信息公..."; "...年政府信息"
    return bool(re.search(r"(?:19|20)\d{2}年度?(?:政府|政务)?信?息?公?", title) and title.endswith(("...", "…", "..")))


def agency_is_elsewhere(agency: str | None, seed_agency: str, known_places: tuple[str, ...] = ()) -> str | None:
    """Why a report's agency is not this portal's own (a repost), or None if it may be its own.

    Own: the seed's place name (县/市/区/旗…) appears in the agency, or the agency names no place
    (a department or township without prefix). Elsewhere: it names another place, or a higher
    level (省, 自治区, 国务院) than the seed.
    """
    if not agency:
        return None
    place = seed_place(seed_agency)
    if place and place in agency:
        return None
    if re.search(r"(?:省|自治区|国务院)", agency) and not (place and place in agency):
        return f"other-agency: {agency} is not under {seed_agency}"
    for other in known_places:
        if other and other != place and other in agency and not (place and place in other):
            return f"other-agency: {agency} belongs to {other}"
    return None


_PLACE_RE = re.compile(r"^(.{2,12}?(?:自治县|自治州|自治区|特别行政区|新区|县|市|区|旗|州|盟|镇|乡|街道))")


def seed_place(agency: str) -> str | None:
    """'湘乡市信访局' → '湘乡市'; '青山县人民政府' → '青山县'."""
    m = _PLACE_RE.match(normalise_title(agency))
    return m.group(1) if m else None
