"""`nianbao build DIR`: build or update DIR/nianbao.db from the WARC files and crawl logs in DIR."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="the crawl directory (holds warc/ and crawls/)")
    parser.add_argument("--seeds", type=Path, default=None,
                        help="seed list CSV whose adcode/level/parent complete the agencies table "
                             "(default: DIR/seeds.csv or DIR/crawls/*/seeds.csv when present)")
    parser.add_argument("--workers", type=int, default=None,
                        help="parser processes (default: one per core; 1 parses in this process)")
    parser.add_argument("--json", action="store_true", help="print the build's figures as JSON at the end")


def run(args: argparse.Namespace) -> int:
    from archive.build import DB_NAME, build

    directory: Path = args.dir
    if not (directory / "crawls").is_dir():
        print(f"nianbao build: {directory} has no crawls/ folder (is it a crawl directory?)", file=sys.stderr)
        return 2
    stats = build(directory, seeds_path=args.seeds, workers=args.workers)
    print(f"nianbao build: {directory / DB_NAME}: {stats.crawls_built} of {stats.crawls_seen} crawl logs built, "
          f"{stats.captures} captures, {stats.reports_parsed} reports parsed, {stats.reports_unchanged} unchanged, "
          f"{stats.reports_same_content} re-served unchanged, "
          f"{stats.not_reports} not reports, {stats.errors} errors, {stats.bad_log_lines} bad log lines, "
          f"{stats.seconds:.1f}s; reports by status: {stats.statuses}")
    if args.json:
        print(json.dumps(stats.as_dict(), ensure_ascii=False))
    return 0
