"""How a report is laid out on one spreadsheet sheet (shared by the XLSX and XLS renderers).

Reports published as spreadsheets are mostly the three tables with a title and a few lines of
text; this keeps the whole report so that the tables sit under their section headings.
"""

from __future__ import annotations

from farm.documents.model import Block, grid_size, positions

WIDTH = 15  # Table 4 is the widest: 15 columns


def sheet_layout(blocks: list[Block]):
    """Yield ("text", row, text, style) and ("cell", row, col, rowspan, colspan, text, kind)."""
    row = 0
    for block in blocks:
        if block.kind == "title":
            yield ("text", row, "".join(block.lines), "title")
            row += 1
        elif block.kind in ("heading", "para"):
            yield ("text", row, block.text, block.kind)
            row += 1
        elif block.kind == "signature":
            for line in block.lines:
                yield ("text", row, line, "signature")
                row += 1
        elif block.kind == "table" and block.table is not None:
            nrows, _ = grid_size(block.table.rows)
            for r, c, cell in positions(block.table.rows):
                yield ("cell", row + r, c, cell.rowspan, cell.colspan, cell.text, cell.kind)
            row += nrows + 1


def cell_value(text: str):
    """Numbers go in as numbers (as a clerk typing them would); blanks and marks stay text."""
    stripped = text.strip()
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        return float(stripped)
    except ValueError:
        return text
