"""Accuracy gate: every cell of a fixed corpus, in every format, must come out exactly.

In the manner of trafilatura's tests/eval_gate.py: a corpus, a score per format, and floors pinned
in this file. The floors are 100% (cell-exact, nulls included): any regression fails the suite.
The corpus is the five real seed reports as text, and those same values rendered into HTML
(rowspan/colspan, GBK, split tables, layout wrappers), DOCX (merged cells), XLSX, XLS, PDF (ruled,
CJK font, Table 3 over a page break) and DOC, plus a 2019-template report in every format.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixtures as F  # noqa: E402

from parsers import parse_report  # noqa: E402

FLOORS = {"text": 1.0, "html": 1.0, "docx": 1.0, "xlsx": 1.0, "xls": 1.0, "pdf": 1.0, "doc": 1.0}
TABLE_KEYS = ("table2", "table2_2019", "table3", "table4")


def cells(report: dict) -> dict[str, object]:
    """Flatten the canonical tables to {"table3/3.1/total": value}, with identity keys."""
    out: dict[str, object] = {"agency": report["agency"], "year": report["year"], "template": report["template"]}
    for key in TABLE_KEYS:
        table = report.get(key)
        if table is None:
            out[key] = None
            continue
        for row, values in table.items():
            if values is None:
                out[f"{key}/{row}"] = None
                continue
            for col, v in values.items():
                out[f"{key}/{row}/{col}"] = v
    return out


def score(expected: dict, got: dict) -> tuple[int, int, list[str]]:
    want, have = cells(expected), cells(got)
    wrong = [k for k in want if have.get(k, "<missing>") != want[k] or type(have.get(k)) is not type(want[k])]
    extra = [k for k in have if k not in want]
    return len(want) - len(wrong), len(want) + len(extra), wrong + extra


def corpus():
    seeds = F.seed_reports()
    for name in seeds:
        yield "text", name, None, (F.SEEDS / f"{name}.txt").read_bytes(), seeds[name]
    html_variants = [
        {},
        {"encoding": "gbk", "meta_only_charset": True, "split_table3": True, "layout_wrapper": True, "nbsp": True,
         "fullwidth": True, "title_in_body": False},
    ]
    for name, report in seeds.items():
        for options in html_variants:
            yield "html", name, options, F.render("html", report, **options), report
        for fmt in ("docx", "xlsx", "xls", "pdf"):
            yield fmt, name, None, F.render(fmt, report), report
    old = F.report_2019(seeds["yangquan-city-2023"])
    for fmt in ("html", "docx", "xlsx", "xls", "pdf"):
        yield fmt, "2019-template", None, F.render(fmt, old), old


@pytest.fixture(scope="module")
def results():
    per_format: dict[str, list] = defaultdict(list)
    for fmt, name, options, data, expected in corpus():
        got = parse_report(data)
        assert got["format"] == fmt, (name, got["format"], got["reason"])
        per_format[fmt].append((name, options, score(expected, got), got))
    return per_format


@pytest.mark.parametrize("fmt", [f for f in FLOORS if f != "doc"])
def test_cell_accuracy_floor(results, fmt):
    rows = results[fmt]
    assert rows, f"no {fmt} documents in the corpus"
    right = sum(s[0] for _, _, s, _ in rows)
    total = sum(s[1] for _, _, s, _ in rows)
    failures = {f"{name} {json.dumps(opts) if opts else ''}": s[2][:10] for name, opts, s, _ in rows if s[2]}
    accuracy = right / total
    print(f"\n{fmt}: {right}/{total} cells = {accuracy:.4f} over {len(rows)} documents")
    assert accuracy >= FLOORS[fmt], failures


def test_results_are_trusted_where_exact(results):
    """An exact document must also say so: status ok, no unsure rows."""
    for fmt, rows in results.items():
        for name, _opts, s, got in rows:
            if not s[2]:
                assert got["status"] == "ok", (fmt, name, got["reason"])


@pytest.mark.slow
def test_doc_floor():
    """Word 97 via LibreOffice (rendering the fixture needs soffice; it is cached under .cache/)."""
    report = F.seed_reports()["yangquan-city-2023"]
    got = parse_report(F.render("doc", report))
    right, total, wrong = score(report, got)
    assert got["format"] == "doc"
    assert right / total >= FLOORS["doc"], wrong
