"""XLS (xlwt, BIFF8): the report on one sheet with merged cells."""

from __future__ import annotations

import io

from farm.documents.model import Block
from farm.documents.sheet import WIDTH as _WIDTH
from farm.documents.sheet import cell_value as _number
from farm.documents.sheet import sheet_layout as _layout


def render_xls(blocks: list[Block], *, title: str = "", author: str = "") -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("年报")
    cell_style = xlwt.easyxf("font: name 宋体, height 180; align: wrap on, horiz center, vert center;"
                             "borders: left thin, right thin, top thin, bottom thin")  # fmt: skip
    text_styles = {
        "title": xlwt.easyxf("font: name 宋体, height 320, bold on; align: horiz center"),
        "heading": xlwt.easyxf("font: name 宋体, height 220, bold on"),
        "para": xlwt.easyxf("font: name 宋体, height 220; align: wrap on"),
        "signature": xlwt.easyxf("font: name 宋体, height 220; align: horiz right"),
    }
    for item in _layout(blocks):
        if item[0] == "text":
            _, row, text, style = item
            ws.write_merge(row, row, 0, _WIDTH - 1, text, text_styles[style])
        else:
            _, row, col, rowspan, colspan, text, kind = item
            value = _number(text) if kind == "value" else text
            if rowspan > 1 or colspan > 1:
                ws.write_merge(row, row + rowspan - 1, col, col + colspan - 1, value, cell_style)
            else:
                ws.write(row, col, value, cell_style)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
