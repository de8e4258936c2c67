"""Plain-text renderings of a report: one cell per line, tab-separated rows, `|`-separated cells.

Each line is read on its own terms, so one document may mix them (real copies do):

* ``\\tcell`` — one cell per line; an empty line ends a row; a following line without a tab
  continues the cell ("商业" / "企业").
* ``a\\tb\\tc`` — a whole row, cells split on tabs (empty cells kept, trailing ones dropped).
* ``a | b |`` — cells split on ``|``; a line of bars only ends a row.
* anything else — a line of text (its own row): headings, paragraphs, or a cell per line.
"""

from __future__ import annotations

from parsers.normalize import normalize_cell
from parsers.tables import ROW_END, Cell


def text_stream(text: str) -> tuple[list, list[str]]:
    """(stream of cells and markers, the normalised lines) for an already-normalised text."""
    stream: list = []
    lines = text.split("\n")
    out_lines: list[str] = []
    last_was_single_tab_cell = False
    for n, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r")
        if "\t" in line:
            pieces = line.split("\t")
            if pieces[0].strip() == "" and len(pieces) == 2:
                stream.append(Cell(normalize_cell(pieces[1]), {"line": n}))
                last_was_single_tab_cell = True
                out_lines.append(pieces[1].strip())
                continue
            while pieces and not pieces[-1].strip():
                pieces.pop()
            _append_row(stream, pieces, n)
            out_lines.append(" ".join(p.strip() for p in pieces if p.strip()))
            last_was_single_tab_cell = False
            continue
        stripped = line.strip()
        if "|" in stripped:
            pieces = stripped.split("|")
            while pieces and not pieces[-1].strip():
                pieces.pop()
            if not pieces:
                stream.append(ROW_END)
                last_was_single_tab_cell = False
                continue
            if len(pieces) == 1:
                stream.append(Cell(normalize_cell(pieces[0]), {"line": n}))
            else:
                _append_row(stream, pieces, n)
            out_lines.append(" ".join(p.strip() for p in pieces if p.strip()))
            last_was_single_tab_cell = False
            continue
        if not stripped:
            if _ends_row(stream):
                stream.append(ROW_END)
            last_was_single_tab_cell = False
            continue
        if last_was_single_tab_cell and stream and isinstance(stream[-1], Cell) and len(stripped) <= 20:
            # A cell broken over two lines: "\t商业" + "企业".
            prev = stream[-1]
            stream[-1] = Cell(normalize_cell(prev.text + stripped), prev.prov, prev.col)
            out_lines[-1] = out_lines[-1] + stripped
            continue
        if _ends_row(stream):
            stream.append(ROW_END)
        stream.append(Cell(normalize_cell(stripped), {"line": n}))
        stream.append(ROW_END)
        out_lines.append(stripped)
        last_was_single_tab_cell = False
    return stream, out_lines


def _append_row(stream: list, pieces: list[str], line_no: int) -> None:
    """One printed row of separated cells, each with its line and column, closed by a row end."""
    if _ends_row(stream):
        stream.append(ROW_END)
    for col, piece in enumerate(pieces):
        stream.append(Cell(normalize_cell(piece), {"line": line_no, "col": col}, col))
    stream.append(ROW_END)


def _ends_row(stream: list) -> bool:
    return bool(stream) and isinstance(stream[-1], Cell)
