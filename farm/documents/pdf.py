"""PDF with a real text layer (reportlab), tables drawn as ruled tables with merged cells.

The Chinese font is WenQuanYi Zen Hei (Debian ``fonts-wqy-zenhei``), embedded as a subset with a
ToUnicode map so that pdftotext and pdfplumber read the text back; without it, reportlab's
built-in CID font STSong-Light is used. Table 3 repeats its three header rows when it breaks
over a page, as Word does.
"""

from __future__ import annotations

import copy
import functools
import io
import re
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from farm.documents.model import Block, Cell, positions
from farm.documents.model import Table as ModelTable

WQY_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


@functools.cache
def chinese_font() -> str:
    """Register and return the name of a font that covers the report's characters."""
    if WQY_FONT.exists():
        from reportlab.pdfbase.ttfonts import TTFont

        pdfmetrics.registerFont(TTFont("WQYZenHei", str(WQY_FONT), subfontIndex=0))
        return "WQYZenHei"
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def _styles() -> dict[str, ParagraphStyle]:
    font = chinese_font()
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, firstLineIndent=22, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=26, alignment=TA_CENTER, firstLineIndent=0, spaceAfter=10),
        "heading": ParagraphStyle("heading", parent=base, fontSize=12.5, leading=22, spaceBefore=6, spaceAfter=4),
        "para": base,
        "right": ParagraphStyle("right", parent=base, alignment=TA_RIGHT, firstLineIndent=0),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, alignment=TA_CENTER, wordWrap="CJK"),
        "cell_label": ParagraphStyle("cell_label", fontName=font, fontSize=8, leading=10, wordWrap="CJK"),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br/>")


# column widths (cm) per table, by number of columns; the page is 17 cm wide between margins
_WIDTHS = {
    "table2": [5.5, 3.8, 3.8, 3.8],
    "table3": [1.9, 1.9, 5.6, *[1.08] * 7],
    "table4": [1.13] * 15,
}


def pdf_table(table: ModelTable, styles: dict[str, ParagraphStyle], *, ruled: bool = True) -> Table:
    """``ruled=False``: no lines at all (a reader has only the text positions to go by)."""
    pos = positions(table.rows)
    nrows = max(r + c.rowspan for r, _, c in pos)
    ncols = max(col + c.colspan for _, col, c in pos)
    data: list[list] = [["" for _ in range(ncols)] for _ in range(nrows)]
    commands = [
        *([("GRID", (0, 0), (-1, -1), 0.6, colors.black)] if ruled else []),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for r, c, cell in pos:
        style = styles["cell_label"] if cell.kind == "label" and len(cell.text) > 10 else styles["cell"]
        data[r][c] = Paragraph(_esc(cell.text), style) if cell.text.strip() else ""
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    widths = _WIDTHS.get(table.name) if len(_WIDTHS.get(table.name, [])) == ncols else [17.0 / ncols] * ncols
    return Table(data, colWidths=[w * cm for w in widths], style=TableStyle(commands),
                 repeatRows=table.header_rows, splitByRow=1)  # fmt: skip


_CJK_DIGITS = re.compile(r"(?<=[\u4e00-\u9fff])(?=\d)|(?<=\d)(?=[\u4e00-\u9fff])")


def spaced(text: str) -> str:
    """Word's automatic CJK/Latin spacing as text extraction sees it: 2023年 → 2023 年."""
    return _CJK_DIGITS.sub(" ", text)


def split_row_over_pages(table: ModelTable, code: str = "3.2") -> tuple[ModelTable, ModelTable]:
    """Table 3 broken inside row ``code``, as Word breaks a row that may split across pages.

    The first part ends with the row's numbers and the first half of its label; the second part
    (after the repeated header rows, on the next page) starts with the rest of the label and
    empty value cells. The rowspan of 三、本年度办理结果 is cut in two.
    """
    rows = copy.deepcopy(table.rows)
    head = rows[: table.header_rows]
    at = next(i for i, row in enumerate(rows) if any(c.key and c.key[1] == code for c in row))
    group_row = next(i for i, row in enumerate(rows) if any(c.text == "三、本年度办理结果" for c in row))
    group = next(c for c in rows[group_row] if c.text == "三、本年度办理结果")
    label = next(c for c in rows[at] if c.kind == "label" and c.text != "三、本年度办理结果")
    cut = max(2, len(label.text) * 2 // 3)
    first_half, second_half = label.text[:cut], label.text[cut:]
    label.text = first_half
    remaining = group.rowspan - (at - group_row + 1)
    group.rowspan = at - group_row + 1
    continuation = [Cell(second_half, colspan=label.colspan)]
    continuation += [Cell("", kind="value") for c in rows[at] if c.kind == "value"]
    if remaining > 0:
        continuation.insert(0, Cell("三、本年度办理结果", rowspan=remaining + 1))
    first = ModelTable(table.name, rows[: at + 1], table.header_rows)
    second = ModelTable(table.name, copy.deepcopy(head) + [continuation] + rows[at + 1 :], table.header_rows)
    return first, second


def render_pdf(blocks: list[Block], *, title: str = "", author: str = "", spaced_numbers: bool = False,
               ruled: bool = True, row_split: bool = False) -> bytes:
    """``spaced_numbers``: prose digits set apart from the characters around them (2023 年).
    ``ruled=False``: tables without lines. ``row_split``: Table 3 breaks over a page inside a row."""
    styles = _styles()
    story: list = []
    if spaced_numbers:
        blocks = [Block(b.kind, spaced(b.text), tuple(spaced(x) for x in b.lines), b.table, b.extra) for b in blocks]
    for block in blocks:
        if block.kind == "title":
            story.append(Paragraph("<br/>".join(_esc(line) for line in block.lines), styles["title"]))
        elif block.kind == "heading":
            story.append(Paragraph(_esc(block.text), styles["heading"]))
        elif block.kind == "para":
            story.append(Paragraph(_esc(block.text), styles["para"]))
        elif block.kind == "signature":
            story.append(Spacer(1, 12))
            story.extend(Paragraph(_esc(line), styles["right"]) for line in block.lines)
        elif block.kind == "table" and block.table is not None:
            story.append(Spacer(1, 4))
            if row_split and block.table.name == "table3":
                first, second = split_row_over_pages(block.table)
                story += [pdf_table(first, styles, ruled=ruled), PageBreak(), pdf_table(second, styles, ruled=ruled)]
            else:
                story.append(pdf_table(block.table, styles, ruled=ruled))
            story.append(Spacer(1, 6))
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2.2 * cm,
                            bottomMargin=2 * cm, title=title, author=author, creator="Microsoft Word",
                            invariant=1)  # fmt: skip

    def page_number(canvas, document):
        canvas.saveState()
        canvas.setFont(chinese_font(), 9)
        canvas.drawCentredString(A4[0] / 2, 1.2 * cm, f"- {document.page} -")
        canvas.restoreState()

    doc.build(story, onFirstPage=page_number, onLaterPages=page_number)
    return buf.getvalue()
