"""Make the helpers of this folder (mock portal, replay) importable by the tests here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import os  # noqa: E402
import subprocess  # noqa: E402
from dataclasses import dataclass  # noqa: E402

import pytest  # noqa: E402


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
