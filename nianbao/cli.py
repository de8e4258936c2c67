"""The one `nianbao` command. Each subcommand lives in the package that does the work.

A subcommand module provides ``add_arguments(parser)`` and ``run(args) -> int``. The modules are
imported only when their subcommand runs, so `nianbao parse` never pays for Scrapy or Datasette.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Subcommand:
    name: str
    module: str
    help: str


SUBCOMMANDS = (
    Subcommand("crawl", "crawler.cli", "crawl the portals of a seed list into WARC files"),
    Subcommand("build", "archive.cli", "build DIR/nianbao.db from the WARC files and crawl logs in DIR"),
    Subcommand("parse", "parsers.cli", "parse report documents into the canonical tables"),
    Subcommand("serve", "nianbao.serve", "serve DIR/nianbao.db with Datasette"),
    Subcommand("demo", "nianbao.demo", "simulated portals -> crawl -> build -> serve, end to end"),
    Subcommand("farm", "farm.cli", "the simulated portals (serve them on loopback)"),
)


def _load(sub: Subcommand):
    try:
        return importlib.import_module(sub.module)
    except ModuleNotFoundError as exc:
        # Only "this subcommand's module does not exist yet" counts as not built; a missing
        # third-party package is a broken install and must say so.
        if exc.name and sub.module.startswith(exc.name):
            return None
        raise


def build_parser(load: str | None = None) -> argparse.ArgumentParser:
    """The argument parser; only the subcommand named by `load` has its module imported."""
    from nianbao import __version__

    parser = argparse.ArgumentParser(prog="nianbao", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"nianbao {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for sub in SUBCOMMANDS:
        module = _load(sub) if sub.name == load else None
        sp = subparsers.add_parser(sub.name, help=sub.help, description=sub.help)
        if module is not None and hasattr(module, "add_arguments"):
            module.add_arguments(sp)
        sp.set_defaults(_sub=sub, _module=module)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    wanted = next((a for a in argv if not a.startswith("-")), None)
    args = build_parser(load=wanted).parse_args(argv)
    module = args._module
    if module is None or not hasattr(module, "run"):
        print(f"nianbao {args._sub.name}: not built yet", file=sys.stderr)
        return 2
    return int(module.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
