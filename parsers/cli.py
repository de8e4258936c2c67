"""`nianbao parse FILE... [--json]`: parse report documents, print the canonical JSON or a summary."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from parsers import empty_result, parse_report
from parsers.labels import T3_ROWS


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="report documents (html, pdf, docx, doc, xls, xlsx, txt)")
    parser.add_argument("--json", action="store_true", help="one canonical JSON object per line, per file")
    parser.add_argument("--content-type", default=None, help="treat every FILE as having this Content-Type")


def parse_file(path: str, content_type: str | None = None) -> dict:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return empty_result(None, "error", f"cannot read {path}: {exc.strerror or exc}")
    return parse_report(data, url=Path(path).name, content_type=content_type)


def summary(path: str, result: dict) -> str:
    lines = [f"{path}: {result['status']}" + (f" ({result['reason']})" if result.get("reason") else "")]
    lines.append(f"  agency: {result['agency'] or '?'}   year: {result['year'] or '?'}   "
                 f"template: {result['template'] or '?'}   format: {result['format'] or '?'}")
    missing = []
    if result["table2"] is None and result["table2_2019"] is None:
        missing.append("table 2")
    if result["table3"] is None:
        missing.append("table 3")
    else:
        absent = [r for r in T3_ROWS if result["table3"].get(r) is None and r not in ("3.6", "3.6.1", "3.6.2", "3.6.3")]
        if absent:
            missing.append("table 3 rows " + ", ".join(absent))
    if result["table4"] is None:
        missing.append("table 4")
    lines.append("  missing tables: " + (", ".join(missing) if missing else "none"))
    failing = [c for c in result["checks"] if not c["ok"]]
    lines.append(f"  checks: {len(result['checks']) - len(failing)}/{len(result['checks'])} ok")
    for c in failing:
        lines.append(f"    FAIL {c['check']} at {c['where']}: {c['left']} != {c['right']}")
    for w in result["warnings"][:20]:
        lines.append(f"  warning [{w.get('code')}]: {w.get('message', '')}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    status = 0
    for path in args.files:
        result = parse_file(path, args.content_type)
        if result["status"] == "error":
            status = 1
        if args.json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        else:
            sys.stdout.write(summary(path, result) + "\n")
    sys.stdout.flush()
    return status
