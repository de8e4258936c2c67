"""Renderers of a planted report: HTML article bodies and every document format portals publish.

- ``render_article_html(report, layout=…)``: the article body fragment (``LAYOUTS``).
- ``render_document(report, fmt)``: bytes of a pdf, docx, doc, xls, xlsx, image (PNG), jpeg or
  pdf_image (a scanned PDF without a text layer); cached on disk (``farm.documents.cache``).
- ``render_mirror_text_html(report)``: a mirror host's copy in traditional characters with pinyin.
"""

from farm.documents.article import LAYOUTS, render_article_html

__all__ = ["LAYOUTS", "render_article_html"]
