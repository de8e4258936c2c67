"""Shared fixtures. `farm`: the simulated portals, served once per test session; `farm_crawl`: one
`nianbao crawl` of all of them per session.

Crawler, archive and demo tests use it as ground truth: ``farm.proxy`` (``http://127.0.0.1:PORT``,
for ``http_proxy``), ``farm.manifest`` (the dict of manifest.json), ``farm.seeds_path``,
``farm.out_dir`` and ``farm.farm`` (the `farm.Farm`, e.g. for ``raw_document``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class RunningFarm:
    proxy: str
    manifest: dict
    seeds_path: Path
    out_dir: Path
    farm: object  # farm.Farm
    server: object  # farm.FarmServer

    @property
    def port(self) -> int:
        return int(self.proxy.rsplit(":", 1)[1])


@pytest.fixture(scope="session")
def farm(tmp_path_factory):
    from farm import FarmServer, build_farm

    built = build_farm()
    built.prerender()  # documents come from the renderers' disk cache (.cache/), built once when missing
    server = FarmServer(built).start()
    out_dir = tmp_path_factory.mktemp("farm")
    manifest = built.write(out_dir, server.proxy_url)
    try:
        yield RunningFarm(server.proxy_url, manifest, out_dir / "seeds.csv", out_dir, built, server)
    finally:
        server.stop()


@dataclass
class FarmCrawl:
    proc: subprocess.CompletedProcess
    out: Path
    crawl_dir: Path
    log: list
    farm: object  # the session's RunningFarm


@pytest.fixture(scope="session")
def farm_crawl(farm, tmp_path_factory):
    """`nianbao crawl` over every seed of the simulated portals, once per session, through the farm proxy."""
    from archive.crawllog import read_log

    out = tmp_path_factory.mktemp("farmcrawl")
    env = dict(os.environ, http_proxy=farm.proxy, https_proxy=farm.proxy)
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "nianbao.cli", "crawl", "--seeds", str(farm.seeds_path), "--out", str(out),
         "-s", "NIANBAO_PROGRESS_INTERVAL=5"],
        capture_output=True, text=True, timeout=600, env=env)
    crawl_dirs = list((out / "crawls").iterdir()) if (out / "crawls").exists() else []
    assert proc.returncode == 0 and len(crawl_dirs) == 1, proc.stderr[-3000:]
    return FarmCrawl(proc, out, crawl_dirs[0], list(read_log(crawl_dirs[0] / "log.jsonl")), farm)
