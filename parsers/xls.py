"""XLS (xlrd) and XLSX (openpyxl): every sheet's rows as grid rows, merged ranges expanded.

A merged range holds its value in the top-left cell; it is read there once. Copies downwards are
kept for label text (so each row keeps its group), never for numbers.
"""

from __future__ import annotations

import io

from parsers.extracted import Extracted, ParseError
from parsers.normalize import normalize_cell
from parsers.tables import BLOCK_END, ROW_END, Cell

_MAX_CELLS = 2_000_000


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return normalize_cell(str(value))


def _emit(sheet_name: str, rows: list[list], merges: list[tuple[int, int, int, int]], fmt: str) -> tuple[list, list]:
    """rows: values by (row, col), 0-based; merges: (row0, row1, col0, col1) inclusive."""
    covered: dict[tuple[int, int], tuple[int, int, bool]] = {}
    for r0, r1, c0, c1 in merges:
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    covered[(r, c)] = (r0, c0, c != c0)
    stream: list = []
    lines: list[str] = []
    for r, row in enumerate(rows):
        emitted = False
        line = []
        for c, value in enumerate(row):
            where = covered.get((r, c))
            if where is not None:
                r0, c0, horizontal = where
                if horizontal or r0 == r:
                    continue
                text = _cell_text(rows[r0][c0] if r0 < len(rows) and c0 < len(rows[r0]) else None)
                cell = Cell(text, {"sheet": sheet_name, "row": r0 + 1, "col": c0 + 1, "merged_into_row": r + 1}, c)
                if text and cell.kind == "text":
                    stream.append(cell)
                    emitted = True
                continue
            text = _cell_text(value)
            stream.append(Cell(text, {"sheet": sheet_name, "row": r + 1, "col": c + 1}, c))
            emitted = True
            if text:
                line.append(text)
        if emitted:
            stream.append(ROW_END)
        if line:
            lines.append("\t".join(line))
    stream.append(BLOCK_END)
    return stream, lines


def extract(data: bytes, fmt: str) -> Extracted:
    stream: list = []
    lines: list[str] = []
    total = 0
    try:
        if fmt == "xlsx":
            import openpyxl

            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
            sheets = []
            for ws in wb.worksheets:
                total += (ws.max_row or 0) * (ws.max_column or 0)
                if total > _MAX_CELLS:
                    raise ParseError("workbook too large")
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
                merges = [(m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1) for m in ws.merged_cells.ranges]
                sheets.append((ws.title, rows, merges))
        else:
            import xlrd

            book = xlrd.open_workbook(file_contents=data, formatting_info=True)
            sheets = []
            for sh in book.sheets():
                total += sh.nrows * sh.ncols
                if total > _MAX_CELLS:
                    raise ParseError("workbook too large")
                rows = [sh.row_values(r) for r in range(sh.nrows)]
                merges = [(r0, r1 - 1, c0, c1 - 1) for r0, r1, c0, c1 in sh.merged_cells]
                sheets.append((sh.name, rows, merges))
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - spreadsheet readers raise many kinds on damaged files
        raise ParseError(f"not a readable {fmt.upper()}: {type(exc).__name__}: {exc}") from exc
    for name, rows, merges in sheets:
        s, ln = _emit(name, rows, merges, fmt)
        stream.extend(s)
        lines.extend(ln)
    return Extracted(format=fmt, stream=stream, lines=lines, title_candidates=lines[:40])
