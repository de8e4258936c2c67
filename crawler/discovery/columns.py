"""Which links lead to the 年报 column, and which lead towards it (信息公开 hubs, department trees).

Scores by link text and URL slug (portals.md §1.2): exact column names score highest, slugs such
as ``zfxxgknb``/``xxgknb``/``gknb``/``ndbg`` next; 信息公开/政务公开 hubs and department or township
sub-trees are worth a visit on the way.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from crawler.discovery.titles import classify_title, normalise_title

COLUMN_TEXTS = (
    ("政府信息公开工作年度报告", 10), ("政府信息公开年度报告", 10), ("政府信息公开年报", 10),
    ("信息公开年报", 9), ("信息公开年度报告", 9), ("公开年报", 8), ("年度报告", 6), ("年报", 5),
)
COLUMN_SLUGS = (
    (re.compile(r"zfxxgkn(?:b|d?bg)|zfxxgknan", re.I), 8), (re.compile(r"xxgknb|xxgkndbg|gkndbg", re.I), 8),
    (re.compile(r"(?:^|/)gknb|/nb\d{0,4}/|ndbg|annualreport", re.I), 6),
)
HUB_TEXTS = (("政府信息公开", 4), ("信息公开", 3), ("政务公开", 3), ("部门", 2), ("乡镇", 2), ("街道", 2),
             ("公文公告", 2), ("通知公告", 1), ("公开目录", 2), ("法定主动公开", 1))
HUB_SLUGS = (re.compile(r"zfxxgk|xxgk|zwgk|gkml|openness|/bm/|/gzbm/|/xzjd/|/xz/|/zcbm/|gszbm", re.I), 2)


def column_score(text: str, url: str) -> int:
    """How strongly a link names a 年报 column (0: not at all)."""
    t = normalise_title(text)
    path = urlsplit(url).path + "#" + (urlsplit(url).fragment or "")
    if t and classify_title(t).kind != "other":
        return 0  # a report or a look-alike item, not a column name
    if url and not _looks_like_directory(url) and len(t) > 12:
        return 0  # a long title on an article URL
    score = 0
    for needle, weight in COLUMN_TEXTS:
        if needle in t:
            score = max(score, weight)
            break
    if re.search(r"(?:19|20)\d{2}年.{0,20}(?:报告|年报)", t) and len(t) > 14:
        return 0  # an individual report's title, not a column name
    if _looks_like_directory(url):
        for rx, weight in COLUMN_SLUGS:
            if rx.search(path):
                score += weight
                break
    return score


def _looks_like_directory(url: str) -> bool:
    """A column URL (directory, index/list page, hash route), not an article in it."""
    parts = urlsplit(url)
    last = parts.path.rsplit("/", 1)[-1]
    return (not last or "." not in last or bool(parts.fragment)
            or bool(re.match(r"(?:index|list|common_list|xlist|default)(?:_\d+)?\.", last))
            or "annualreport" in parts.path)


def hub_score(text: str, url: str) -> int:
    """How promising a link is on the way to a column (信息公开 hubs, department sub-sites)."""
    t = normalise_title(text)
    score = 0
    for needle, weight in HUB_TEXTS:
        if needle in t and len(t) <= 16:
            score = max(score, weight)
    rx, weight = HUB_SLUGS
    if rx.search(urlsplit(url).path):
        score += weight
    # department and township names (…局, …委员会, …镇人民政府) as sub-column links
    if re.search(r"(?:局|委员会|委|办公室|中心|镇|乡|街道|人民政府)$", t) and len(t) <= 20:
        score += 2
    return score
