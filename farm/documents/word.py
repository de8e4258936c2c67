"""DOCX (python-docx): headings, paragraphs and the three tables with real merged cells."""

from __future__ import annotations

import datetime
import io

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from farm.documents.cache import normalize_zip
from farm.documents.model import Block, grid_size, positions
from farm.documents.model import Table as ModelTable

_FIXED_TIME = datetime.datetime(2020, 1, 1, 0, 0, 0)


def _font(run, name: str = "宋体", size: float = 12, bold: bool = False) -> None:
    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _add_table(document, table: ModelTable) -> None:
    nrows, ncols = grid_size(table.rows)
    grid = document.add_table(rows=nrows, cols=ncols)
    grid.style = "Table Grid"
    for r, c, cell in positions(table.rows):
        target = grid.cell(r, c)
        if cell.rowspan > 1 or cell.colspan > 1:
            target = target.merge(grid.cell(r + cell.rowspan - 1, c + cell.colspan - 1))
        target.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lines = cell.text.split("\n")
        paragraph = target.paragraphs[0]
        if cell.kind != "label" or len(cell.text) < 12:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for i, line in enumerate(lines):
            run = paragraph.add_run(line)
            _font(run, size=9)
            if i < len(lines) - 1:
                run.add_break()


def render_docx(blocks: list[Block], *, title: str = "", author: str = "") -> bytes:
    document = Document()
    props = document.core_properties
    props.title, props.author, props.last_modified_by = title, author, author
    props.created = props.modified = _FIXED_TIME
    props.revision = 1
    for block in blocks:
        if block.kind == "title":
            paragraph = document.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            for i, line in enumerate(block.lines):
                run = paragraph.add_run(line)
                _font(run, "方正小标宋简体", 20, bold=True)
                if i < len(block.lines) - 1:
                    run.add_break()
        elif block.kind == "heading":
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(32)
            _font(paragraph.add_run(block.text), "黑体", 16)
        elif block.kind == "para":
            paragraph = document.add_paragraph()
            paragraph.paragraph_format.first_line_indent = Pt(32)
            _font(paragraph.add_run(block.text), "仿宋_GB2312", 16)
        elif block.kind == "signature":
            for line in block.lines:
                paragraph = document.add_paragraph()
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                _font(paragraph.add_run(line), "仿宋_GB2312", 16)
        elif block.kind == "table" and block.table is not None:
            _add_table(document, block.table)
            document.add_paragraph()
    buf = io.BytesIO()
    document.save(buf)
    return normalize_zip(buf.getvalue())
