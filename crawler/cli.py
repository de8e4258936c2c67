"""`nianbao crawl --seeds SEEDS.csv --out DIR [--years 2019-2024] [--allow-private]`.

Runs the `reports` spider in-process (Scrapy CrawlerProcess) with crawler/settings.py. Honours
http_proxy/https_proxy (Scrapy's HttpProxyMiddleware). Exits 0 when the crawl ran to its end,
whatever individual portals did (their failures are in the summary); 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", required=True, type=Path, help="seed list CSV (agency,url,...)")
    parser.add_argument("--out", required=True, type=Path, help="output directory (warc/, crawls/, state/)")
    parser.add_argument("--years", default=None, help="report years wanted, e.g. 2019-2024")
    parser.add_argument("--allow-private", action="store_true",
                        help="allow destinations on private/loopback addresses (tests on loopback)")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="override a setting of crawler/settings.py")


def run(args: argparse.Namespace) -> int:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from crawler.seeds import SeedError, read_seeds
    from crawler.spiders.reports import parse_years

    try:
        seeds = read_seeds(args.seeds)
        parse_years(args.years)
    except (OSError, SeedError, ValueError) as exc:
        print(f"nianbao crawl: {exc}", file=sys.stderr)
        return 2
    if not seeds:
        print(f"nianbao crawl: no seeds in {args.seeds}", file=sys.stderr)
        return 2
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("NIANBAO_OUT_DIR", str(args.out.resolve()), priority="cmdline")
    settings.set("NIANBAO_SEEDS", str(args.seeds.resolve()), priority="cmdline")
    if args.allow_private:
        settings.set("NIANBAO_ALLOW_PRIVATE", True, priority="cmdline")
    if args.years:
        settings.set("NIANBAO_YEARS", args.years, priority="cmdline")
    for item in args.set:
        name, _, value = item.partition("=")
        settings.set(name.strip(), value, priority="cmdline")
    process = CrawlerProcess(settings)
    process.crawl("reports", seeds=str(args.seeds.resolve()), out=str(args.out.resolve()), years=args.years)
    process.start()
    summaries = sorted(Path(args.out, "crawls").glob("*/summary.json"), key=os.path.getmtime)
    if not summaries:
        print("nianbao crawl: the crawl ended without a summary", file=sys.stderr)
        return 1
    summary = json.loads(summaries[-1].read_text(encoding="utf-8"))
    print(f"nianbao crawl: summary in {summaries[-1]} ({summary['totals'].get('captures', 0)} captures)")
    inc = summary.get("incremental")
    if inc:  # what a re-crawl into an existing DIR changed (docs/RUNBOOK.md)
        print(f"nianbao crawl: reports {len(inc['new_reports'])} new, {len(inc['revised_reports'])} revised, "
              f"{len(inc['gone_reports'])} gone; {inc['not_modified'] + inc['identical_payload']} unchanged "
              f"answers stored as revisit records; {inc['warc_bytes']:,} WARC bytes written"
              + ("; resumed an interrupted crawl" if inc["resumed"] else ""))
    return 0
