"""Image-only reports (图片版) drawn with Pillow, and scanned PDFs that hold only those images.

Pages are A4 at 150 dpi (1240 × 1754), text in WenQuanYi Zen Hei, tables ruled with merged cells.
A 图片版 page carries no text layer: only OCR could read it, so the manifest's ``expected`` for an
image-only report is ``null``.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from farm.documents.model import Block, grid_size, positions
from farm.documents.model import Table as ModelTable

PAGE_W, PAGE_H = 1240, 1754
MARGIN = 110
FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")

_COLUMN_SHARES = {
    "table2": [5.5, 3.8, 3.8, 3.8],
    "table3": [1.9, 1.9, 5.6, *[1.08] * 7],
    "table4": [1.0] * 15,
}


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont:
    if not FONT_PATH.exists():
        raise RuntimeError(f"the CJK font {FONT_PATH} is missing: install the Debian package fonts-wqy-zenhei")
    return ImageFont.truetype(str(FONT_PATH), size, index=0)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, indent: int = 0) -> list[str]:
    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        limit = width - indent
        for ch in part:
            if font.getlength(line + ch) > limit and line:
                lines.append(line)
                line, limit = ch, width
            else:
                line += ch
        lines.append(line)
        indent = 0
    return lines


class _Canvas:
    """A growing stack of pages; elements never straddle a page break (tables break by row)."""

    def __init__(self) -> None:
        self.pages: list[Image.Image] = []
        self.y = PAGE_H
        self.new_page()

    def new_page(self) -> None:
        self.pages.append(Image.new("L", (PAGE_W, PAGE_H), 255))
        self.draw = ImageDraw.Draw(self.pages[-1])
        self.y = MARGIN

    def need(self, height: int) -> None:
        if self.y + height > PAGE_H - MARGIN:
            self.new_page()

    def text(self, text: str, size: int, *, align: str = "left", indent: int = 0) -> None:
        font = _font(size)
        width = PAGE_W - 2 * MARGIN
        line_h = int(size * 1.7)
        for i, line in enumerate(_wrap(text, font, width, indent)):
            self.need(line_h)
            x = MARGIN + (indent if i == 0 else 0)
            if align == "center":
                x = (PAGE_W - font.getlength(line)) / 2
            elif align == "right":
                x = PAGE_W - MARGIN - font.getlength(line)
            self.draw.text((x, self.y), line, font=font, fill=0)
            self.y += line_h

    def table(self, table: ModelTable) -> None:
        font = _font(17)
        nrows, ncols = grid_size(table.rows)
        shares = _COLUMN_SHARES.get(table.name, [])
        if len(shares) != ncols:
            shares = [1.0] * ncols
        width = PAGE_W - 2 * MARGIN
        xs = [MARGIN]
        for share in shares:
            xs.append(xs[-1] + int(width * share / sum(shares)))
        pos = positions(table.rows)
        line_h = 24
        heights = [34] * nrows
        for r, c, cell in pos:  # single-row cells decide their row's height
            if cell.rowspan == 1:
                lines = _wrap(cell.text, font, xs[c + cell.colspan] - xs[c] - 8)
                heights[r] = max(heights[r], len(lines) * line_h + 10)
        # break only between rows that no rowspan crosses
        blocked = {k for r, _, cell in pos for k in range(r + 1, r + cell.rowspan)}
        segments: list[list[int]] = []
        for r in range(nrows):
            if r in blocked and segments:
                segments[-1].append(r)
            else:
                segments.append([r])
        for seg in segments:
            first, end = seg[0], seg[-1] + 1
            if self.y + sum(heights[first:end]) > PAGE_H - MARGIN and self.y > MARGIN:
                self.new_page()
            ys = [self.y]
            for h in heights[first:end]:
                ys.append(ys[-1] + h)
            for r, c, cell in pos:
                if not first <= r < end:
                    continue
                x0, x1 = xs[c], xs[c + cell.colspan]
                y0, y1 = ys[r - first], ys[min(r - first + cell.rowspan, end - first)]
                self.draw.rectangle((x0, y0, x1, y1), outline=0, width=2)
                lines = _wrap(cell.text, font, x1 - x0 - 8)
                top = y0 + (y1 - y0 - len(lines) * line_h) / 2
                for i, line in enumerate(lines):
                    self.draw.text(((x0 + x1 - font.getlength(line)) / 2, top + i * line_h), line, font=font, fill=0)
            self.y = ys[-1]
        self.y += 20


def render_pages(blocks: list[Block]) -> list[Image.Image]:
    canvas = _Canvas()
    for block in blocks:
        if block.kind == "title":
            for line in block.lines:
                canvas.text(line, 40, align="center")
            canvas.y += 20
        elif block.kind == "heading":
            canvas.text(block.text, 27, indent=54)
        elif block.kind == "para":
            canvas.text(block.text, 25, indent=50)
        elif block.kind == "signature":
            canvas.y += 30
            for line in block.lines:
                canvas.text(line, 25, align="right")
        elif block.kind == "table" and block.table is not None:
            canvas.y += 8
            canvas.table(block.table)
    return canvas.pages


def _stacked(blocks: list[Block]) -> Image.Image:
    """All pages stacked into one long image, the way 图片版 articles often show them."""
    pages = render_pages(blocks)
    tall = Image.new("L", (PAGE_W, PAGE_H * len(pages)), 255)
    for i, page in enumerate(pages):
        tall.paste(page, (0, i * PAGE_H))
    return tall


def render_png(blocks: list[Block]) -> bytes:
    buf = io.BytesIO()
    _stacked(blocks).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def render_jpeg(blocks: list[Block]) -> bytes:
    buf = io.BytesIO()
    _stacked(blocks).convert("RGB").save(buf, format="JPEG", quality=80)
    return buf.getvalue()


def render_page_pngs(blocks: list[Block]) -> list[bytes]:
    out = []
    for page in render_pages(blocks):
        buf = io.BytesIO()
        page.save(buf, format="PNG", optimize=True)
        out.append(buf.getvalue())
    return out


def render_scanned_pdf(blocks: list[Block], *, title: str = "") -> bytes:
    """A PDF whose pages are images only (a scan): no text layer at all."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    buf = io.BytesIO()
    pdf = Canvas(buf, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setCreator("Scanner")
    for page in render_pages(blocks):
        scan = page.rotate(0.35, resample=Image.Resampling.BILINEAR, fillcolor=245)
        img = io.BytesIO()
        scan.convert("RGB").save(img, format="JPEG", quality=70)
        img.seek(0)
        pdf.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        pdf.showPage()
    pdf.save()
    return buf.getvalue()
