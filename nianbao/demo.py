"""`nianbao demo`: the whole pipeline on the built-in simulated portals, end to end.

Starts the simulated portals on loopback, crawls them through their proxy, builds the database
and serves it with Datasette. Each stage runs as the real `nianbao` subcommand would, so the demo
exercises exactly what an operator runs.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dir", default="demo-data", type=Path, help="where the crawl and the database go")
    parser.add_argument("--seed", type=int, default=20240101, help="the simulated portals' generator seed")
    parser.add_argument("--host", default="127.0.0.1", help="Datasette's address")
    parser.add_argument("--port", type=int, default=8001, help="Datasette's port")
    parser.add_argument("--no-serve", action="store_true", help="stop after the build (for scripted runs)")


def _stage(name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
    print(f"demo: {name}: {' '.join(argv)}", flush=True)
    started = time.monotonic()
    proc = subprocess.run(argv, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"demo: {name} failed (exit {proc.returncode})")
    print(f"demo: {name} done in {time.monotonic() - started:.1f} s", flush=True)


def run(args: argparse.Namespace) -> int:
    from farm import FarmServer, build_farm

    out: Path = args.dir.resolve()
    out.mkdir(parents=True, exist_ok=True)
    nianbao = [sys.executable, "-m", "nianbao.cli"]

    print(f"demo: generating the simulated portals (seed {args.seed})", flush=True)
    farm = build_farm(args.seed)
    farm.prerender()  # every document now (DOCs in one LibreOffice run), so the crawl never waits on it
    server = FarmServer(farm)
    server.start()
    try:
        manifest = farm.write(out / "farm", server.proxy_url)
        print(
            f"demo: {len(manifest['portals'])} portals, {len(manifest['reports'])} planted reports, "
            f"proxy {server.proxy_url}",
            flush=True,
        )
        env = dict(os.environ, http_proxy=server.proxy_url, https_proxy=server.proxy_url)
        env.pop("no_proxy", None)
        env.pop("NO_PROXY", None)
        _stage("crawl", [*nianbao, "crawl", "--seeds", str(out / "farm" / "seeds.csv"), "--out", str(out)], env)
    finally:
        server.stop()
    _stage("build", [*nianbao, "build", str(out)])
    if args.no_serve:
        print(f"demo: database at {out / 'nianbao.db'}")
        return 0
    print(f"demo: serving at http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    return subprocess.call([*nianbao, "serve", str(out), "--host", args.host, "--port", str(args.port)])
