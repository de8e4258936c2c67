"""What the portals put on their pages: the one door to farm.reports / farm.documents / farm.lookalikes.

The portal code never calls those modules directly, so the report generator and the renderers can
change without touching any CMS family. The renderers cache documents on disk themselves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

from farm import _interim

try:  # the reports developer's modules; the interim stand-in covers whatever has not landed yet
    from farm import reports as _reports
except ImportError:  # pragma: no cover - only while farm/reports.py is being written
    _reports = _interim  # type: ignore[assignment]
try:
    from farm import documents as _documents
except ImportError:  # pragma: no cover
    _documents = _interim  # type: ignore[assignment]
try:
    from farm import lookalikes as _lookalikes
except ImportError:  # pragma: no cover
    _lookalikes = _interim  # type: ignore[assignment]


def _pick(module, name: str):
    return getattr(module, name, None) or getattr(_interim, name)


FARM_DIR = Path(__file__).resolve().parent

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "pdf_image": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "image": "image/png",
    "jpeg": "image/jpeg",
}
EXTENSIONS = {"pdf": "pdf", "pdf_image": "pdf", "doc": "doc", "docx": "docx", "xls": "xls", "xlsx": "xlsx",
              "image": "png", "jpeg": "jpg"}
MANIFEST_FORMAT = {"pdf_image": "pdf", "jpeg": "image"}  # the manifest's `format` vocabulary has no pdf_image

PlantedReport = _reports.PlantedReport


@dataclass
class Lookalike:
    kind: str
    title: str
    body_html: str


def report_key(report: PlantedReport) -> str:
    if hasattr(report, "canonical_json"):
        blob = report.canonical_json()
    else:
        blob = json.dumps([report.agency, report.year, report.template, report.title, report.seed_name,
                           report.expected], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def new_report(rng: random.Random, agency: str, year: int, level: str, *, published: dt.date,
               inconsistent: bool = False) -> PlantedReport:
    return _reports.generate_report(rng, agency, year, level=level, published=published,
                                    inconsistent=inconsistent)


def seed_reports() -> list[PlantedReport]:
    return list(_reports.seed_reports())


def layouts() -> list[str]:
    return list(_pick(_documents, "LAYOUTS"))


def article_html(report: PlantedReport, layout: str, *, with_title: bool = True) -> str:
    return _pick(_documents, "render_article_html")(report, layout=layout, with_title=with_title)


def mirror_html(report: PlantedReport) -> str:
    return _pick(_documents, "render_mirror_text_html")(report)


def lookalikes(rng: random.Random, agency: str, year: int) -> list[Lookalike]:
    pages = _pick(_lookalikes, "lookalike_pages")(rng, agency, year)
    return [Lookalike(x.kind, x.title, x.body_html) for x in pages]


def document_bytes(report: PlantedReport, fmt: str) -> bytes:
    """The report rendered as `fmt` (the renderer caches on disk under .cache/)."""
    return _pick(_documents, "render_document")(report, fmt)


def prerender(items: list[tuple[PlantedReport, str]]) -> None:
    """Render many documents at once (all DOCs in one LibreOffice run) so later requests are cache hits."""
    batch = getattr(_documents, "render_documents", None)
    if batch is not None and items:
        batch(items)
