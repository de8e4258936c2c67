"""A mirror host's copy of a report: traditional characters with pinyin after some (瀏陽(yáng)市).

Such copies appear on SEO-spam and hijacked hosts, never on the agency's own portal (portals.md
§4.2). The style (which characters get pinyin, which traditional forms) is the liuyang seed's.
"""

from __future__ import annotations

import html

from farm.documents.article import blocks_html
from farm.documents.chinese import mirror_text
from farm.documents.model import report_blocks, seed_blocks
from farm.reports import PlantedReport


def render_mirror_text_html(report: PlantedReport) -> str:
    """The article body as a mirror shows it (HTML fragment, no <html>/<head>)."""
    already = bool(report.seed_text) and "(yáng)" in (report.seed_text or "")
    blocks = seed_blocks(report, traditional=True) if already else report_blocks(report)
    for block in blocks:
        if block.kind == "table" and block.table is not None:
            for row in block.table.rows:
                for cell in row:
                    cell.text = mirror_text(cell.text)
        elif not already:
            block.text = mirror_text(block.text)
            block.lines = tuple(mirror_text(line) for line in block.lines)
    body = blocks_html(blocks, "plain")
    if not already:  # the mirror's own chrome after the copied report (as on the seed page)
        body += f"<p>《{html.escape(mirror_text(report.title))}》{mirror_text('解读')}</p>\n<p>{mirror_text('扫一扫在手机打开当前页')}</p>\n"
    return body
