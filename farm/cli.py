"""`nianbao farm serve`: serve the simulated portals on loopback until interrupted."""

from __future__ import annotations

import argparse
import datetime
import signal
import sys
import threading

DEFAULT_SEED = 20240101


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="farm_command", metavar="ACTION", required=True)
    serve = sub.add_parser("serve", help="serve every simulated portal and the forward proxy")
    serve.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    serve.add_argument("--out", default="farm-out", help="where to write seeds.csv and manifest.json")
    serve.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generation seed (default %(default)s)")
    serve.add_argument("--as-of", type=datetime.date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                       help="serve the portals as they stood that day (default: everything)")


def run(args: argparse.Namespace) -> int:
    from farm import FarmServer, build_farm

    farm = build_farm(args.seed, as_of=args.as_of)
    farm.prerender()  # documents now, from the disk cache when warm, so no crawler waits on LibreOffice
    try:
        server = FarmServer(farm, port=args.port)
    except OSError as exc:
        print(f"nianbao farm: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 1
    manifest = farm.write(args.out, server.proxy_url)
    stop = threading.Event()

    def _stop(signum, frame) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    server.start()
    print(f"proxy: {server.proxy_url}", flush=True)
    print(f"{len(manifest['portals'])} portals, {len(manifest['reports'])} reports; "
          f"seeds: {args.out}/seeds.csv manifest: {args.out}/manifest.json", flush=True)
    while not stop.wait(0.5):
        pass
    server.stop()
    print("farm stopped", flush=True)
    return 0
