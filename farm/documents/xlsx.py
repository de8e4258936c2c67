"""XLSX (openpyxl): the report on one sheet with merged cells."""

from __future__ import annotations

import datetime
import io

from farm.documents.cache import normalize_zip
from farm.documents.model import Block
from farm.documents.sheet import WIDTH as _WIDTH
from farm.documents.sheet import cell_value as _number
from farm.documents.sheet import sheet_layout as _layout

_FIXED_TIME = datetime.datetime(2020, 1, 1, 0, 0, 0)


def render_xlsx(blocks: list[Block], *, title: str = "", author: str = "") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    wb = Workbook()
    ws = wb.active
    ws.title = "年报"
    wb.properties.creator = author
    wb.properties.title = title
    wb.properties.created = wb.properties.modified = _FIXED_TIME
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for item in _layout(blocks):
        if item[0] == "text":
            _, row, text, style = item
            ws.cell(row + 1, 1, text)
            ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=_WIDTH)
            ws.cell(row + 1, 1).alignment = Alignment(wrap_text=True, horizontal="center" if style == "title" else "left")
            ws.cell(row + 1, 1).font = Font(name="宋体", bold=style in ("title", "heading"), size=16 if style == "title" else 11)
        else:
            _, row, col, rowspan, colspan, text, kind = item
            cell = ws.cell(row + 1, col + 1, _number(text) if kind == "value" else text)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            cell.font = Font(name="宋体", size=9)
            for r in range(rowspan):
                for c in range(colspan):
                    ws.cell(row + 1 + r, col + 1 + c).border = border
            if rowspan > 1 or colspan > 1:
                ws.merge_cells(start_row=row + 1, start_column=col + 1, end_row=row + rowspan, end_column=col + colspan)
    buf = io.BytesIO()
    wb.save(buf)
    return normalize_zip(buf.getvalue())
