"""Renderers of a planted report: HTML article bodies and every document format portals publish.

- ``render_article_html(report, layout=…)``: the article body fragment, in one of ``LAYOUTS``.
- ``render_document(report, fmt)``: the bytes of a document (``FORMATS``), cached on disk under
  ``.cache/farm-docs/`` keyed by a hash of the report's content (regenerated when missing).
- ``render_documents([(report, fmt), …])``: the same for many, converting all DOCs in one
  LibreOffice run (use it when planting several DOC reports).
- ``render_image_pages(report)``: a 图片版 as one PNG per A4 page.
- ``render_mirror_text_html(report)``: a mirror host's copy in traditional characters + pinyin.
"""

from __future__ import annotations

from farm.documents import cache
from farm.documents.article import LAYOUTS, render_article_html
from farm.documents.mirror import render_mirror_text_html
from farm.documents.model import Block, report_blocks, split_merged
from farm.reports import PlantedReport

# fmt → (file extension, Content-Type)
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "doc": ("doc", "application/msword"),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "xls": ("xls", "application/vnd.ms-excel"),
    "image": ("png", "image/png"),
    "jpeg": ("jpg", "image/jpeg"),
    "pdf_image": ("pdf", "application/pdf"),
}


def document_blocks(report: PlantedReport, fmt: str) -> list[Block]:
    """The blocks a format draws. For DOC, Table 4's merged header cells are split: antiword
    (0.37) drops everything between Table 3 and a following table with horizontal merges."""
    blocks = report_blocks(report)
    lines = printed_title_lines(report)
    if lines and blocks and blocks[0].kind == "title" and not report.title_lines:
        blocks[0].lines = lines
    if fmt in ("doc", "doc_source"):
        for block in blocks:
            if block.kind == "table" and block.table is not None and block.table.name == "table4":
                block.table = split_merged(block.table)
    return blocks


def printed_title_lines(report: PlantedReport) -> tuple[str, ...]:
    """How a document prints the title: as planted, or for half of the one-line titles broken
    after 政府信息 (大埔县三河镇人民政府2023年政府信息 / 公开工作年度报告), fixed by content."""
    if report.title_lines or report.seed_name or "政府信息" not in report.title[len(report.agency) :]:
        return report.title_lines
    if int(cache.cache_key(report, "title")[16:24], 16) % 2:
        return ()
    cut = report.title.index("政府信息", len(report.agency)) + len("政府信息")
    return (report.title[:cut], report.title[cut:])


def pdf_variant(report: PlantedReport) -> dict[str, bool]:
    """How a report's PDF is drawn, fixed by its content: a third show Word's CJK/digit spacing in
    their text layer (2023 年); half have tables without any lines; a third break Table 3 over a
    page inside a row (the cell's text on both pages), with or without lines."""
    key = cache.cache_key(report, "pdf")
    look = int(key[8:16], 16) % 6
    return {"spaced_numbers": int(key[:8], 16) % 3 == 0, "ruled": look not in (0, 1, 3), "row_split": look in (2, 3)}


def _render(report: PlantedReport, fmt: str) -> bytes:
    blocks = document_blocks(report, fmt)
    meta = {"title": report.title, "author": report.agency}
    if fmt == "pdf":
        from farm.documents.pdf import render_pdf

        return render_pdf(blocks, **meta, **pdf_variant(report))
    if fmt in ("docx", "doc_source"):
        from farm.documents.word import render_docx

        return render_docx(blocks, **meta)
    if fmt == "xlsx":
        from farm.documents.xlsx import render_xlsx

        return render_xlsx(blocks, **meta)
    if fmt == "xls":
        from farm.documents.xls import render_xls

        return render_xls(blocks, **meta)
    if fmt == "image":
        from farm.documents.image import render_png

        return render_png(blocks)
    if fmt == "jpeg":
        from farm.documents.image import render_jpeg

        return render_jpeg(blocks)
    if fmt == "pdf_image":
        from farm.documents.image import render_scanned_pdf

        return render_scanned_pdf(blocks, title=report.title)
    raise ValueError(f"unknown document format {fmt!r}; expected one of {sorted(FORMATS)}")


def render_documents(items: list[tuple[PlantedReport, str]]) -> list[bytes]:
    """Render (or read from the cache) many documents; DOCs are converted in one soffice run."""
    results: list[bytes | None] = []
    pending_doc: dict[str, tuple[int, object]] = {}
    for i, (report, fmt) in enumerate(items):
        if fmt not in FORMATS:
            raise ValueError(f"unknown document format {fmt!r}; expected one of {sorted(FORMATS)}")
        path = cache.cache_path(report, fmt, FORMATS[fmt][0])
        data = cache.read(path)
        if data is None and fmt == "doc":
            pending_doc.setdefault(path.stem, (i, path))
            results.append(None)
            continue
        if data is None:
            data = _render(report, fmt)
            cache.write(path, data)
        results.append(data)
    if pending_doc:
        from farm.documents.word97 import docx_to_doc

        docx = {key: _render(items[i][0], "doc_source") for key, (i, _) in pending_doc.items()}
        for key, data in docx_to_doc(docx).items():
            cache.write(pending_doc[key][1], data)
        for i, (report, fmt) in enumerate(items):
            if results[i] is None:
                results[i] = cache.read(cache.cache_path(report, fmt, FORMATS[fmt][0]))
    return [r for r in results if r is not None]


def render_document(report: PlantedReport, fmt: str) -> bytes:
    """One document's bytes: pdf, docx, doc, xls, xlsx, image (PNG), jpeg or pdf_image."""
    return render_documents([(report, fmt)])[0]


def render_image_pages(report: PlantedReport) -> list[bytes]:
    """A 图片版 split into A4 pages (one PNG each), for pages that show several <img>."""
    from farm.documents.image import render_page_pngs

    return render_page_pngs(report_blocks(report))


def content_type(fmt: str) -> str:
    return FORMATS[fmt][1]


def extension(fmt: str) -> str:
    return FORMATS[fmt][0]


__all__ = [
    "FORMATS",
    "LAYOUTS",
    "content_type",
    "extension",
    "render_article_html",
    "render_document",
    "render_documents",
    "render_image_pages",
    "render_mirror_text_html",
]
