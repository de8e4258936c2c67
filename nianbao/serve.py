"""`nianbao serve DIR`: DIR/nianbao.db on Datasette, read-only, with the project's metadata and plugins.

The database is opened immutable (`-i`): the site can never change it, and Datasette may cache
counts. `datasette/` at the repository root holds metadata.yml, plugins/ (archived originals,
Chinese search, charts) and templates/; it is not a Python package but is loaded by path, so the
same site runs from `datasette serve` with the arguments `datasette_argv` prints.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "datasette"
METADATA = SITE / "metadata.yml"
PLUGINS = SITE / "plugins"
TEMPLATES = SITE / "templates"
DB_NAME = "nianbao.db"

#: Datasette settings (documented at https://docs.datasette.io/en/stable/settings.html).
SETTINGS = {
    "sql_time_limit_ms": 3000,  # journalists' ad-hoc SQL over 100k reports; canned queries take < 200 ms
    "facet_time_limit_ms": 500,
    "truncate_cells_html": 200,  # the full text column would otherwise fill the table pages
    "default_page_size": 50,
    "suggest_facets": False,  # costly on the long tables; the useful facets are configured
    "allow_download": True,
}


def datasette_argv(directory: Path, *, host: str = "127.0.0.1", port: int = 8001) -> list[str]:
    """The `datasette serve` command line for DIR."""
    argv = [sys.executable, "-m", "datasette", "serve", "-i", str(Path(directory) / DB_NAME),
            "--metadata", str(METADATA), "--plugins-dir", str(PLUGINS), "--template-dir", str(TEMPLATES),
            "--host", host, "--port", str(port)]
    for key, value in SETTINGS.items():
        argv += ["--setting", key, ("on" if value else "off") if isinstance(value, bool) else str(value)]
    return argv


def make_datasette(directory: Path, **overrides):
    """The same site as an in-process Datasette (tests use its `ds.client`)."""
    import yaml
    from datasette.app import Datasette

    metadata = yaml.safe_load(METADATA.read_text(encoding="utf-8"))
    return Datasette(immutables=[str(Path(directory) / DB_NAME)], metadata=metadata, plugins_dir=str(PLUGINS),
                     template_dir=str(TEMPLATES), settings={**SETTINGS, **overrides})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", type=Path, help="the crawl directory holding nianbao.db and warc/")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks a free one)")
    parser.add_argument("--print-command", action="store_true", help="print the datasette command and exit")


def run(args: argparse.Namespace) -> int:
    db = Path(args.dir) / DB_NAME
    argv = datasette_argv(args.dir, host=args.host, port=args.port)
    if args.print_command:
        print(" ".join(argv))
        return 0
    if not db.is_file():
        print(f"nianbao serve: {db} does not exist; run `nianbao build {args.dir}` first", file=sys.stderr)
        return 2
    print(f"nianbao serve: http://{args.host}:{args.port}/ ({db})", flush=True)
    try:
        return subprocess.call(argv)
    except KeyboardInterrupt:
        return 0
