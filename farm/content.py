"""What the portals put on their pages: the one door to farm.reports / farm.documents / farm.lookalikes.

The portal code never calls those modules directly, so the report generator and the renderers can
change without touching any CMS family. The renderers cache documents on disk themselves.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from farm import documents as _documents
from farm import lookalikes as _lookalikes
from farm import reports as _reports

PlantedReport = _reports.PlantedReport

CONTENT_TYPES = {fmt: ctype for fmt, (_ext, ctype) in _documents.FORMATS.items()}
EXTENSIONS = {fmt: ext for fmt, (ext, _ctype) in _documents.FORMATS.items()}
MANIFEST_FORMAT = {"pdf_image": "pdf", "jpeg": "image"}  # the manifest's `format` vocabulary

# Reposts of this portal's own agencies are planted by farm.generate (as exact duplicates), since a
# *different* report of a planted agency and year would contradict the manifest's truth.
LOOKALIKE_KINDS = ("解读", "图解", "工作要点", "企业年报", "政府工作报告", "统计公报", "年度报告制度", "编制通知",
                   "政务公开活动", "绩效评价报告", "条例")


@dataclass
class Lookalike:
    kind: str
    title: str
    body_html: str
    report: PlantedReport | None = None  # a reposted (genuine) report
    assets: tuple[tuple[str, bytes, str], ...] = ()  # (file name relative to the page, bytes, content type)


def new_report(rng: random.Random, agency: str, year: int, level: str, *, published: dt.date,
               inconsistent: bool = False) -> PlantedReport:
    return _reports.generate_report(rng, agency, year, level=level, published=published, inconsistent=inconsistent)


def publication_date(rng: random.Random, year: int, level: str) -> dt.date:
    """Departments and offices in January, governments by 31 March, a late tail (farm.reports)."""
    return _reports.publication_date(rng, year, level)


def seed_reports() -> list[PlantedReport]:
    return list(_reports.seed_reports())


def layouts() -> list[str]:
    return list(_documents.LAYOUTS)


def article_html(report: PlantedReport, layout: str, *, with_title: bool = True) -> str:
    return _documents.render_article_html(report, layout=layout, with_title=with_title)


def mirror_html(report: PlantedReport) -> str:
    return _documents.render_mirror_text_html(report)


def lookalikes(rng: random.Random, agency: str, year: int, how_many: int) -> list[Lookalike]:
    """`how_many` look-alike pages of different kinds about `agency`'s `year` report."""
    pages = [_lookalikes.lookalike(rng, kind, agency, year) for kind in rng.sample(LOOKALIKE_KINDS, how_many)]
    return [Lookalike(x.kind, x.title, x.body_html, x.report, tuple(x.assets)) for x in pages]


def document_bytes(report: PlantedReport, fmt: str) -> bytes:
    """The report rendered as `fmt` (the renderer caches on disk under .cache/)."""
    return _documents.render_document(report, fmt)


def prerender(items: list[tuple[PlantedReport, str]]) -> None:
    """Render many documents at once (all DOCs in one LibreOffice run) so later requests are cache hits."""
    if items:
        _documents.render_documents(items)
