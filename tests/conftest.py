"""Shared fixtures. `farm`: the simulated portals, served once per test session.

Crawler, archive and demo tests use it as ground truth: ``farm.proxy`` (``http://127.0.0.1:PORT``,
for ``http_proxy``), ``farm.manifest`` (the dict of manifest.json), ``farm.seeds_path``,
``farm.out_dir`` and ``farm.farm`` (the `farm.Farm`, e.g. for ``raw_document``).
"""

from __future__ import annotations

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
