"""The consistency checks (勾稽关系) of report-schema.md, in the order the expected files use.

Per Table 3 column: t3.balance then t3.outcomes_sum; then t3.total_column per printed row; then
t4.group_totals per group. A null cell counts as 0. A table that is missing yields no checks.
"""

from __future__ import annotations

from parsers.labels import T3_COLUMNS, T3_ROWS, T4_GROUPS

_OUTCOME_ROWS = [r for r in T3_ROWS if r.startswith("3.") and r != "3.7"]


def _n(x) -> int | float:
    return x if isinstance(x, int | float) and not isinstance(x, bool) else 0


def _cell(table3: dict, row: str, col: str):
    r = table3.get(row)
    return None if r is None else r.get(col)


def run_checks(table3: dict | None, table4: dict | None) -> list[dict]:
    checks: list[dict] = []
    if table3 is not None:
        for col in T3_COLUMNS:
            left = _n(_cell(table3, "1", col)) + _n(_cell(table3, "2", col))
            right = _n(_cell(table3, "3.7", col)) + _n(_cell(table3, "4", col))
            checks.append({"check": "t3.balance", "where": col, "ok": left == right, "left": left, "right": right})
            left = _n(_cell(table3, "3.7", col))
            right = sum(_n(_cell(table3, r, col)) for r in _OUTCOME_ROWS)
            checks.append({"check": "t3.outcomes_sum", "where": col, "ok": left == right, "left": left,
                           "right": right})
        for row in T3_ROWS:
            values = table3.get(row)
            if values is None:
                continue
            left = _n(values.get("total"))
            right = sum(_n(values.get(c)) for c in T3_COLUMNS[:6])
            checks.append({"check": "t3.total_column", "where": row, "ok": left == right, "left": left,
                           "right": right})
    if table4 is not None:
        for group in T4_GROUPS:
            values = table4.get(group) or {}
            left = _n(values.get("total"))
            right = sum(_n(values.get(k)) for k in ("upheld", "corrected", "other", "pending"))
            checks.append({"check": "t4.group_totals", "where": group, "ok": left == right, "left": left,
                           "right": right})
    return checks


def split_number_warnings(table3: dict | None, table4: dict | None) -> list[dict]:
    """Rows whose identity fails but would hold if two adjacent cells were one number.

    The candidate is reported, never applied: the published cells stay as read.
    """
    out: list[dict] = []

    def scan(table: str, row: str, cells: list, names: list[str]):
        total, parts = cells[-1], cells[:-1]
        if _n(total) == sum(_n(x) for x in parts):
            return
        for i in range(len(parts) - 1):
            a, b = parts[i], parts[i + 1]
            if not (isinstance(a, int) and isinstance(b, int)) or a < 0 or b < 0:
                continue
            joined = int(f"{a}{b}")
            rest = parts[:i] + parts[i + 2 :]
            if joined + sum(_n(x) for x in rest) == _n(total):
                out.append({"code": "split_number", "table": table, "row": row, "columns": [names[i], names[i + 1]],
                            "cells": [a, b], "candidate": joined,
                            "message": f"{table} {row}: {names[i]}={a} and {names[i + 1]}={b} may be one number "
                                       f"{joined} broken in two; kept as published"})

    if table3:
        for row in T3_ROWS:
            values = table3.get(row)
            if values is not None:
                scan("table3", row, [values.get(c) for c in T3_COLUMNS], list(T3_COLUMNS))
    if table4:
        for group in T4_GROUPS:
            values = table4.get(group)
            if values is not None:
                names = ["upheld", "corrected", "other", "pending", "total"]
                scan("table4", group, [values.get(k) for k in names], names)
    return out
