"""Fixtures for the spring re-crawl tests: the farm of two springs on its own server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from recrawlkit import HOSTS, MOVED_HOST, TwoSprings, write_seeds  # noqa: E402


@pytest.fixture(scope="session")
def springs(farm, tmp_path_factory):
    """`farm` first: its prerender fills the document cache these portals' attachments come from."""
    from farm import FarmServer
    from farm.nextyear import next_year

    before, after, changes = next_year(farm.manifest["seed"], hosts={*HOSTS, MOVED_HOST})
    server = FarmServer(before).start()
    out = tmp_path_factory.mktemp("springs")
    rows = before.seed_rows()
    seeds = write_seeds(rows, out / "seeds.csv", HOSTS)
    seeds_one = write_seeds(rows, out / "seeds-one.csv", HOSTS[:1])
    seeds_moved = write_seeds(rows, out / "seeds-moved.csv", (MOVED_HOST,))
    try:
        yield TwoSprings(before, after, changes, server, server.proxy_url, seeds, seeds_one, seeds_moved)
    finally:
        server.stop()


