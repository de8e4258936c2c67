"""Format-independent table recognition: a stream of cells becomes the canonical tables.

Every format module turns its document into one reading-order stream of `Cell`s with `ROW_END`
and `BLOCK_END` markers between them (a grid row ends, a table or page ends). Labels drive the
reading: a recognised row label takes the value cells that follow it, a row that continues after
a page break is joined, padding blanks from spans are trimmed only when that is unambiguous, and
cells glued together without a separator are split by the table's own identities (勾稽关系).
Whatever cannot be read with certainty is left null and explained in a warning.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations

from parsers.labels import (
    DECIMAL_CELLS,
    T2_2019_COLUMNS,
    T2_2021_COLUMNS,
    T3_COLUMNS,
    T3_ROWS,
    T4_GROUPS,
    T4_OUTCOMES,
    Label,
    classify_label,
)
from parsers.normalize import BLANK, NUMBER, TEXT, classify_value

MAX_ROW_ITEMS = 400  # a row has at most 15 cells; beyond this a "row" is junk and is not read
MAX_CANDIDATES = 5  # alternatives listed in an ambiguity warning
_SPLIT_LIMIT = 20000  # glued-digit splits enumerated at most, per row


@dataclass(slots=True)
class Cell:
    """One cell (or one line of text) as read, with where it was read."""

    text: str
    prov: dict
    col: int | None = None
    kind: str = ""
    value: int | float | None = None
    label: Label | None = None

    def __post_init__(self):
        if not self.kind:
            self.kind, self.value = classify_value(self.text)


class _Marker:
    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return self.name


ROW_END = _Marker("ROW_END")
BLOCK_END = _Marker("BLOCK_END")

_HEADING = re.compile(r"^\s*[一二三四五六七八九十]{1,2}\s*[、.．]")
_TRAILING_NUMBERS = re.compile(r"^(.*?[^\d\s.,+\-])\s*((?:[-+]?\d[\d.,]*\s*)+)$")
_NUMBERS_ONLY = re.compile(r"^(?:[-+]?\d[\d.,]*\s+)+[-+]?\d[\d.,]*$")


def expand(stream: list) -> list:
    """Classify every cell; split "规章 0 0 7" / "规章007" into a label cell and number cells."""
    out: list = []
    for item in stream:
        if not isinstance(item, Cell):
            out.append(item)
            continue
        if item.kind != TEXT:
            out.append(item)
            continue
        label = classify_label(item.text) if len(item.text) <= 120 else None
        if label is not None:
            item.label = label
            out.append(item)
            continue
        if _NUMBERS_ONLY.match(item.text):
            for i, part in enumerate(item.text.split()):
                out.append(Cell(part, {**item.prov, "part": i}, item.col))
            continue
        m = _TRAILING_NUMBERS.match(item.text) if len(item.text) <= 160 else None
        if m:
            head_label = classify_label(m.group(1))
            if head_label is not None:
                out.append(Cell(m.group(1).strip(), item.prov, item.col, label=head_label))
                for i, part in enumerate(m.group(2).split()):
                    out.append(Cell(part, {**item.prov, "part": i}, item.col))
                continue
        out.append(item)
    return out


@dataclass
class _Collector:
    target: str  # "t2", "t3", "t4"
    code: str
    label_cell: Cell
    items: list = field(default_factory=list)
    weak: bool = False  # only counts if a number follows (总计/其他 read as row labels)
    broken: bool = False  # the label went on after a page or table break

    def has_values(self) -> bool:
        return any(isinstance(i, Cell) for i in self.items)


@dataclass
class Recognized:
    """What the stream yielded: per table, per row code, the candidate readings."""

    t2_rows: dict = field(default_factory=dict)  # code -> list of items
    t3_rows: dict = field(default_factory=dict)
    t4_runs: list = field(default_factory=list)  # (label, items)
    template_votes: Counter = field(default_factory=Counter)
    warnings: list = field(default_factory=list)
    saw_t2: bool = False
    saw_t3: bool = False
    saw_t4: bool = False
    units: dict = field(default_factory=dict)  # Table 2 money columns printed in 元 instead of 万元
    empty_rows: dict = field(default_factory=dict)  # (table, code) -> label cell of a row with no cells
    t2_header_cols: dict = field(default_factory=dict)  # Table 2 row code -> x of its block's column headers


def recognize(stream: list) -> Recognized:
    """One pass over the stream: label cells open collectors, value cells fill them."""
    rec = Recognized()
    table: str | None = None
    group: str | None = None
    current: _Collector | None = None
    t2_header_run: list[int | None] = []  # the column headers of the current 第二十条 block, left to right

    def close():
        nonlocal current
        c = current
        current = None
        if c is None:
            return
        if not c.has_values():
            if not c.weak and c.target in ("t2", "t3"):
                # A printed row label with no cell after it: blank cells where blanks are invisible
                # (a PDF without ruling lines, a text rendering that drops empty cells).
                rec.empty_rows.setdefault((c.target, c.code), c.label_cell)
            return
        if c.weak and not any(isinstance(i, Cell) and i.kind == NUMBER for i in c.items):
            return
        if c.target == "t4":
            rec.t4_runs.append((c.label_cell, c.items))
            return
        rows = rec.t2_rows if c.target == "t2" else rec.t3_rows
        if c.code in rows:
            rows.setdefault(c.code + "#dup", []).append(c.items)
            return
        rows[c.code] = (c.label_cell, c.items)

    for item in stream:
        if not isinstance(item, Cell) or item.kind != TEXT:
            if current is not None and len(current.items) < MAX_ROW_ITEMS:
                current.items.append(item)
            continue
        label = item.label
        if label is None:
            # Unknown text. A heading or paragraph ends a table; a stray fragment (the rest of a
            # label broken by a page) does not stop a row that has no values yet.
            if current is not None and not current.has_values() and len(item.text) <= 40:
                continue
            if (current is not None and current.target != "t4" and len(item.text) <= 60
                    and (current.broken or BLOCK_END in current.items) and not _HEADING.match(item.text)
                    and not any(isinstance(i, Cell) and i.kind == NUMBER for i in current.items)):
                # The rest of a label broken by a page or table break: the empty cells before the
                # break were the label's row on the first page; its numbers follow this fragment.
                current.items = []
                current.broken = True
                continue
            if current is not None and current.target == "t4" and len(item.text) <= 12:
                close()
                current = _Collector("t4", "", item)
                continue
            close()
            if len(item.text) > 40:
                group = None
            continue
        close()
        kind = label.kind
        if kind == "section":
            table = {"2": "t2", "3": "t3", "4": "t4"}.get(label.code)
            group = None
            if table == "t4":
                rec.saw_t4 = True
            continue
        if kind == "t2_row":
            table = "t2"
            rec.saw_t2 = True
            if label.code in ("other_services", "procurement"):
                rec.template_votes["2019"] += 1
            current = _Collector("t2", label.code, item)
            if t2_header_run and None not in t2_header_run:
                rec.t2_header_cols.setdefault(label.code, list(t2_header_run))
        elif kind == "t2_header":
            table = "t2"
            rec.saw_t2 = True
            if label.template:
                t2_header_run.append(item.col)
            else:  # 信息内容 / 第二十条第（X）项: a new block's headers follow
                t2_header_run = []
            if label.template:
                rec.template_votes[label.template] += 1
            _note_unit(rec, item.text)
        elif kind == "t3_row":
            table = "t3"
            rec.saw_t3 = True
            if label.code.count(".") == 2:
                group = label.code[:3]
            current = _Collector("t3", label.code, item)
        elif kind == "t3_group":
            table = "t3"
            rec.saw_t3 = True
            group = label.code
            if label.code == "3.6":
                current = _Collector("t3", "3.6", item, weak=True)
        elif kind == "t3_header":
            table = "t3"
            rec.saw_t3 = True
        elif kind in ("t4_group", "t4_header"):
            table = "t4"
            rec.saw_t4 = True
            current = _Collector("t4", label.code or "", item)
        elif kind == "ambiguous":
            if table == "t4":
                current = _Collector("t4", "", item)
            elif table == "t3":
                if label.code == "总计":
                    current = _Collector("t3", "3.7", item, weak=True)
                elif group == "3.6":
                    current = _Collector("t3", "3.6.3", item, weak=True)
    close()
    return rec


def _note_unit(rec: Recognized, text: str) -> None:
    """"采购总金额（元）" means the amounts are printed in 元; the schema wants 万元."""
    compact = re.sub(r"\s+", "", text)
    for word, code in (("采购总金额", "procurement"), ("收费金额", "fees")):
        if word in compact:
            unit = compact.split(word, 1)[1]
            if "万元" in unit:
                rec.units[code] = "万元"
            elif "元" in unit:
                rec.units[code] = "元"


# ---------------------------------------------------------------- fitting values to a row


def _segments(items: list) -> list[list[Cell]]:
    segs: list[list[Cell]] = [[]]
    for it in items:
        if isinstance(it, Cell):
            segs[-1].append(it)
        elif segs[-1]:
            segs.append([])
    return [s for s in segs if s] or [[]]


def _windows(cells: list[Cell], n: int) -> list[int]:
    """Start offsets of n-long windows whose dropped cells are all blanks."""
    size = len(cells)
    if size < n:
        return []
    lead = 0
    while lead < size and cells[lead].kind == BLANK:
        lead += 1
    trail = 0
    while trail < size and cells[size - 1 - trail].kind == BLANK:
        trail += 1
    return list(range(max(0, size - n - trail), min(lead, size - n) + 1))


@dataclass
class RowReading:
    """The outcome of fitting one row: cells, or why there are none."""

    cells: list[Cell] | None = None
    alternatives: list[list[Cell]] = field(default_factory=list)
    problem: str | None = None  # "short", "long", "ambiguous", "glued_ambiguous", "split_number"
    detail: dict = field(default_factory=dict)
    partial: list[Cell] = field(default_factory=list)  # the cells of a short row, for column alignment


def fit_row(items: list, n: int, identity=None) -> RowReading:
    """Fit the value cells after a label to a row of n cells."""
    segs = _segments(items)
    first = segs[0]
    acc: list[Cell] = list(first)
    for seg in segs[1:]:
        if len(acc) >= n:
            break
        if all(c.kind == BLANK for c in seg):
            continue  # the empty label cells of the next row, not a continuation
        need = n - len(acc)
        starts = _windows(seg, need) if len(seg) > need else []
        # A continuation (the row went on over a page break) may carry the empty label column.
        acc = acc + (seg[starts[-1] : starts[-1] + need] if len(starts) == 1 else seg)
    if len(acc) == n:
        return RowReading(cells=acc)
    if len(acc) > n:
        starts = _windows(acc, n)
        if len(starts) == 1:
            return RowReading(cells=acc[starts[0] : starts[0] + n])
        if starts:
            options = [acc[s : s + n] for s in starts]
            if len({tuple(c.value for c in o) for o in options}) == 1:
                return RowReading(cells=options[0])
            return RowReading(alternatives=options, problem="ambiguous")
        numbers = [c for c in acc if c.kind != TEXT]
        if len(numbers) == n + 1 and identity is not None:
            merged = _merge_candidates(numbers, identity)
            if merged:
                return RowReading(problem="split_number", detail={"candidates": merged})
        return RowReading(problem="long", detail={"cells": [c.text for c in acc][: n + 5]})
    # Too few cells: digits glued together without a separator?
    for cells in (first, acc):
        if cells and len(cells) <= max(1, n // 2):
            splits = _glued_splits(cells, n, identity)
            if splits is not None and len(splits) == 1:
                return RowReading(cells=splits[0])
            if splits:
                return RowReading(alternatives=splits[:MAX_CANDIDATES], problem="glued_ambiguous")
    return RowReading(problem="short", detail={"cells": [c.text for c in acc]}, partial=acc)


def _merge_candidates(cells: list[Cell], identity) -> list[dict]:
    """Adjacent pairs whose concatenation makes the row's identity hold (never applied)."""
    out = []
    for i in range(len(cells) - 1):
        a, b = cells[i], cells[i + 1]
        if a.kind != NUMBER or b.kind != NUMBER or not isinstance(a.value, int) or not isinstance(b.value, int):
            continue
        joined = int(f"{a.value}{b.value}")
        values = [c.value for c in cells[:i]] + [joined] + [c.value for c in cells[i + 2 :]]
        if identity(values):
            out.append({"position": i, "cells": [a.text, b.text], "candidate": joined})
    return out


def _glued_splits(cells: list[Cell], n: int, identity) -> list[list[Cell]] | None:
    """Split glued digit runs so that the row has n cells and its identity holds."""
    pieces = []
    for c in cells:
        if c.kind == NUMBER and isinstance(c.value, int) and c.value >= 0 and c.text.isdigit():
            pieces.append(c)
        elif c.kind in (NUMBER, BLANK):
            pieces.append(c)
        else:
            return None
    digits = [c for c in pieces if c.kind == NUMBER and c.text.isdigit() and len(c.text) > 1]
    if not digits:
        return None
    extra = n - len(pieces)
    if extra <= 0:
        return None
    results: list[list[Cell]] = []
    budget = [_SPLIT_LIMIT]

    def splits_of(text: str, parts: int):
        if parts == 1:
            if len(text) == 1 or text[0] != "0":
                yield [text]
            return
        for cut in combinations(range(1, len(text)), parts - 1):
            bounds = (0, *cut, len(text))
            chunk = [text[bounds[k] : bounds[k + 1]] for k in range(parts)]
            if all(len(x) == 1 or x[0] != "0" for x in chunk):
                budget[0] -= 1
                if budget[0] < 0:
                    return
                yield chunk

    def distribute(idx: int, left: int, acc: list[Cell]):
        if budget[0] < 0:
            return
        if idx == len(pieces):
            if left == 0:
                values = [c.value for c in acc]
                if identity is None or identity(values):
                    results.append(list(acc))
            return
        c = pieces[idx]
        if c in digits:
            for k in range(0, min(left, len(c.text) - 1) + 1):
                for chunk in splits_of(c.text, k + 1):
                    parts = [
                        Cell(x, {**c.prov, "split": j}, c.col) if k else c for j, x in enumerate(chunk)
                    ]
                    distribute(idx + 1, left - k, acc + parts)
        else:
            distribute(idx + 1, left, acc + [c])

    distribute(0, extra, [])
    return results


# ---------------------------------------------------------------- identities


def _v(x) -> float:
    return x if isinstance(x, int | float) else 0


def t3_row_identity(values: list) -> bool:
    return _v(values[6]) == sum(_v(x) for x in values[:6])


def t4_identity(values: list) -> bool:
    for g in range(len(values) // 5):
        chunk = values[g * 5 : g * 5 + 5]
        if _v(chunk[4]) != sum(_v(x) for x in chunk[:4]):
            return False
    return True


# ---------------------------------------------------------------- assembling the tables


def _prov(cell: Cell) -> dict:
    return dict(cell.prov)


def _yuan_to_wan(v):
    from decimal import Decimal

    wan = Decimal(str(v)) / Decimal(10000)
    return int(wan) if wan == wan.to_integral_value() else float(wan)


def _value(cell: Cell, decimal_ok: bool):
    if cell.kind != NUMBER:
        return None
    v = cell.value
    if isinstance(v, float) and not decimal_ok:
        return None
    return v


@dataclass
class Tables:
    template: str | None = None
    table2: dict | None = None
    table2_2019: dict | None = None
    table3: dict | None = None
    table4: dict | None = None
    provenance: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    unsure: list = field(default_factory=list)  # human-readable reasons for status "partial"


def _anchor_choice(readings: dict[str, RowReading]) -> None:
    """Resolve padding ambiguity by the column where the table's unambiguous rows start."""
    starts = Counter(r.cells[0].col for r in readings.values() if r.cells and r.cells[0].col is not None)
    if not starts:
        return
    anchor = starts.most_common(1)[0][0]
    for r in readings.values():
        if r.problem == "ambiguous":
            chosen = [o for o in r.alternatives if o[0].col == anchor]
            if len(chosen) == 1:
                r.cells, r.problem, r.alternatives = chosen[0], None, []


def _align_short(readings: dict[str, RowReading], n: int, warnings: list, table: str) -> None:
    """Place the cells of a short row by the columns of the table's complete rows.

    Where blank cells leave no trace (a PDF without ruling lines, a row whose trailing <td>s are
    omitted), the column a number stands in says which cell it is; the others are blank.
    """
    complete = [r.cells for r in readings.values() if r.cells and all(c.col is not None for c in r.cells)]
    if len(complete) < 2:
        return
    centers = []
    for i in range(n):
        cols = sorted(cells[i].col for cells in complete)
        centers.append(cols[len(cols) // 2])
    if any(b <= a for a, b in zip(centers, centers[1:], strict=False)):
        return
    tolerance = min((b - a for a, b in zip(centers, centers[1:], strict=False)), default=1) / 2
    for code, r in readings.items():
        if r.problem != "short" or not r.partial or any(c.col is None for c in r.partial):
            continue
        _place_under_columns(r, centers, tolerance, warnings, table, code, "column position")


def _place_under_columns(r: RowReading, centers: list, tolerance: float, warnings: list, table: str, code: str,
                         by: str) -> None:
    """Put a short row's cells under the nearest column centres; the columns left over are blanks.

    Nothing changes when a cell is off every column or two cells claim one column: then the row
    stays short and is reported as such rather than guessed.
    """
    n = len(centers)
    placed: dict[int, Cell] = {}
    for cell in r.partial:
        pos = min(range(n), key=lambda i, cell=cell: abs(centers[i] - cell.col))
        if abs(centers[pos] - cell.col) > tolerance or pos in placed:
            return
        placed[pos] = cell
    if not placed:
        return
    ref = r.partial[0].prov
    r.cells = [placed.get(i) or Cell("", {**ref, "inferred_blank": True, "col": centers[i]}, centers[i])
               for i in range(n)]
    r.problem = None
    warnings.append({"code": "aligned_by_column", "table": table, "row": code,
                     "message": f"{table} row {code}: {n - len(placed)} blank cell(s) placed by {by}",
                     "blank_columns": [i for i in range(n) if i not in placed]})


def _align_t2_by_headers(readings: dict[str, RowReading], header_cols: dict, columns: dict, warnings: list,
                         table: str) -> None:
    """Table 2 rows with invisible blanks (no ruling lines): each number goes under its column header.

    A 第二十条 block has two or three rows, often none complete, so the block's own header cells
    (本年制发件数 / 本年废止件数 / 现行有效件数) give the column positions.
    """
    for code, r in readings.items():
        centers = header_cols.get(code)
        if r.problem != "short" or not r.partial or not centers or any(c.col is None for c in r.partial):
            continue
        n = len(centers)
        if n < 2 or n != len(columns.get(code, ())) or any(b <= a for a, b in zip(centers, centers[1:], strict=False)):
            continue
        tolerance = min(b - a for a, b in zip(centers, centers[1:], strict=False)) / 2
        _place_under_columns(r, centers, tolerance, warnings, table, code, "column header")


def build_tables(rec: Recognized, year: int | None) -> Tables:
    out = Tables()
    out.warnings.extend(rec.warnings)
    # ---- template
    if rec.template_votes["2019"] > rec.template_votes["2021"]:
        template = "2019"
    elif rec.template_votes["2021"] > rec.template_votes["2019"]:
        template = "2021"
    elif year is not None and year in (2019, 2020):
        template = "2019"
    elif rec.saw_t2 or rec.saw_t3 or rec.saw_t4:
        template = "2021"
    else:
        template = None
    out.template = template

    # ---- table 2
    t2_codes = T2_2019_COLUMNS if template == "2019" else T2_2021_COLUMNS
    t2_key = "table2_2019" if template == "2019" else "table2"
    real_t2 = {k: v for k, v in rec.t2_rows.items() if not k.endswith("#dup")}
    if real_t2:
        table: dict = {}
        prov: dict = {}
        t2_readings = {code: fit_row(entry[1], len(t2_codes[code]), None)
                       for code, entry in real_t2.items() if code in t2_codes}
        _anchor_choice(t2_readings)
        _align_t2_by_headers(t2_readings, rec.t2_header_cols, t2_codes, out.warnings, t2_key)
        for (target, code), label_cell in rec.empty_rows.items():
            if target == "t2" and code in t2_codes and code not in t2_readings:
                t2_readings[code] = RowReading(
                    cells=[Cell("", {**label_cell.prov, "inferred_blank": True})] * len(t2_codes[code]))
                real_t2[code] = (label_cell, [])
                out.warnings.append({"code": "row_without_cells", "table": t2_key, "row": code,
                                     "message": f"{t2_key} row {code} is printed with no cells: read as blank"})
        for code, columns in t2_codes.items():
            entry = real_t2.get(code)
            if entry is None:
                if template == "2019":
                    table[code] = None
                else:
                    table[code] = {c: None for c in columns}
                    out.unsure.append(f"table2 row {code} not found")
                continue
            label_cell, items = entry
            reading = t2_readings[code]
            if reading.cells is None:
                table[code] = {c: None for c in columns}
                _warn_row(out, "table2" if template != "2019" else "table2_2019", code, reading, label_cell)
                continue
            table[code] = {
                col: _value(cell, (t2_key, code, col) in DECIMAL_CELLS) for col, cell in zip(columns, reading.cells, strict=True)
            }
            prov[code] = {col: _prov(cell) for col, cell in zip(columns, reading.cells, strict=True)}
            if rec.units.get(code) == "元" and "amount" in table[code] and table[code]["amount"] is not None:
                table[code]["amount"] = _yuan_to_wan(table[code]["amount"])
                prov[code]["amount"]["unit"] = "元 (divided by 10000)"
            _warn_non_numbers(out, t2_key, code, columns, reading.cells,
                              [(t2_key, code, col) in DECIMAL_CELLS for col in columns])
        if t2_key == "table2":
            out.table2 = table
        else:
            out.table2_2019 = table
        out.provenance[t2_key] = prov
    elif rec.saw_t2:
        out.unsure.append("table 2 present but no row could be read")

    # ---- table 3
    real_t3 = {k: v for k, v in rec.t3_rows.items() if not k.endswith("#dup")}
    if real_t3:
        readings: dict[str, RowReading] = {}
        for code, (_label_cell, items) in real_t3.items():
            readings[code] = fit_row(items, 7, t3_row_identity)
        _anchor_choice(readings)
        _align_short(readings, 7, out.warnings, "table3")
        for (target, code), label_cell in rec.empty_rows.items():
            if target == "t3" and code not in readings:
                readings[code] = RowReading(cells=[Cell("", {**label_cell.prov, "inferred_blank": True})] * 7)
                real_t3[code] = (label_cell, [])
                out.warnings.append({"code": "row_without_cells", "table": "table3", "row": code,
                                     "message": f"table3 row {code} is printed with no cells: read as blank"})
        table3: dict = {}
        prov3: dict = {}
        for code in T3_ROWS:
            reading = readings.get(code)
            if reading is None:
                table3[code] = None
                continue
            if reading.cells is None:
                table3[code] = {c: None for c in T3_COLUMNS}
                _warn_row(out, "table3", code, reading, real_t3[code][0])
                continue
            table3[code] = {col: _value(cell, False) for col, cell in zip(T3_COLUMNS, reading.cells, strict=True)}
            prov3[code] = {col: _prov(cell) for col, cell in zip(T3_COLUMNS, reading.cells, strict=True)}
            _warn_non_numbers(out, "table3", code, T3_COLUMNS, reading.cells, [False] * 7)
        if table3.get("3.6") is not None and any(table3.get(k) is not None for k in ("3.6.1", "3.6.2", "3.6.3")):
            out.warnings.append({"code": "both_3_6_forms", "message": "row 3.6 and rows 3.6.x both printed"})
        missing = [c for c in T3_ROWS if c not in ("3.6", "3.6.1", "3.6.2", "3.6.3") and table3.get(c) is None]
        if table3.get("3.6") is None and all(table3.get(k) is None for k in ("3.6.1", "3.6.2", "3.6.3")):
            missing.append("3.6")
        if missing:
            out.unsure.append("table3 rows not found: " + ", ".join(missing))
            out.warnings.append({"code": "rows_missing", "table": "table3", "rows": missing,
                                 "message": "rows not found in the document: " + ", ".join(missing)})
        out.table3 = table3
        out.provenance["table3"] = prov3
    elif rec.saw_t3:
        out.unsure.append("table 3 present but no row could be read")

    # ---- table 4
    t4, prov4, t4_problem = _table4(rec)
    if t4 is not None:
        out.table4 = t4
        out.provenance["table4"] = prov4
    elif rec.saw_t4:
        out.unsure.append("table 4: " + (t4_problem or "no values found"))
        if t4_problem:
            out.warnings.append({"code": "table4_unreadable", "message": t4_problem})
    # duplicates that disagree
    for rows, name in ((rec.t2_rows, t2_key), (rec.t3_rows, "table3")):
        for k in rows:
            if k.endswith("#dup"):
                out.warnings.append({"code": "duplicate_row", "table": name, "row": k[:-4],
                                     "message": f"{name} row {k[:-4]} printed more than once; the first is used"})
    return out


def _table4(rec: Recognized):
    runs = rec.t4_runs
    if not runs:
        return None, None, None
    # Standard layout: header rows, then one row of 15 numbers.
    best = None
    for _label_cell, items in runs:
        if not any(isinstance(i, Cell) and i.kind == NUMBER for i in items):
            continue
        reading = fit_row(items, 15, t4_identity)
        if reading.cells is not None:
            best = reading
            break
        if best is None:
            best = reading
    if best is None:
        # A table printed with every cell blank or "-": fifteen blanks in one row.
        for _label_cell, items in runs:
            seg = _segments(items)[0]
            if len(seg) == 15 and all(c.kind == BLANK for c in seg):
                best = RowReading(cells=seg)
                break
    if best is not None and best.cells is not None:
        cells = best.cells
        t4 = {}
        prov = {}
        for g, group in enumerate(T4_GROUPS):
            chunk = cells[g * 5 : g * 5 + 5]
            t4[group] = {o: _value(c, False) for o, c in zip(T4_OUTCOMES, chunk, strict=True)}
            prov[group] = {o: _prov(c) for o, c in zip(T4_OUTCOMES, chunk, strict=True)}
        return t4, prov, None
    # Transposed: one row per group, five numbers each.
    by_group: dict = {}
    for label_cell, items in runs:
        lab = label_cell.label
        if lab is not None and lab.kind == "t4_group":
            reading = fit_row(items, 5, t4_identity)
            if reading.cells is not None and lab.code not in by_group:
                by_group[lab.code] = reading.cells
    if len(by_group) == 3:
        t4 = {g: {o: _value(c, False) for o, c in zip(T4_OUTCOMES, by_group[g], strict=True)} for g in T4_GROUPS}
        prov = {g: {o: _prov(c) for o, c in zip(T4_OUTCOMES, by_group[g], strict=True)} for g in T4_GROUPS}
        return t4, prov, None
    if best is not None:
        return None, None, f"the value row does not fit 15 cells ({best.problem})"
    return None, None, "no value row found"


def _warn_row(out: Tables, table: str, code: str, reading: RowReading, label_cell: Cell) -> None:
    where = f"{table} row {code}"
    msg = {
        "short": "fewer cells than the row has columns",
        "long": "more cells than the row has columns",
        "ambiguous": "padding could belong to either end",
        "glued_ambiguous": "digits glued without separator split more than one valid way",
        "split_number": "a number seems broken across two cells",
    }.get(reading.problem or "", "unreadable")
    warning = {"code": reading.problem or "unreadable", "table": table, "row": code,
               "message": f"{where}: {msg}; left null", "label_provenance": label_cell.prov}
    if reading.alternatives:
        warning["candidates"] = [[c.value for c in alt] for alt in reading.alternatives[:MAX_CANDIDATES]]
    warning.update(reading.detail)
    out.warnings.append(warning)
    out.unsure.append(f"{where}: {msg}")


def _warn_non_numbers(out: Tables, table: str, code: str, columns, cells: list[Cell], decimal_ok) -> None:
    for col, cell, ok in zip(columns, cells, decimal_ok, strict=True):
        if cell.kind == TEXT or (cell.kind == NUMBER and _value(cell, ok) is None):
            out.warnings.append({"code": "not_a_number", "table": table, "row": code, "column": col,
                                 "text": cell.text, "message": f"{table} {code}.{col}: '{cell.text}' read as null"})
