"""A built site for the Datasette tests: the hand-made crawls of tests/archive/crawldir.py, built once."""

import io
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "archive"))

from crawldir import first_crawl, second_crawl  # noqa: E402

from archive.build import Progress, build  # noqa: E402


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """(directory, captures by name): two crawls built into directory/nianbao.db."""
    directory = tmp_path_factory.mktemp("site")
    got = first_crawl(directory)
    got.update({f"{k}2": v for k, v in second_crawl(directory, got).items()})
    build(directory, progress=Progress(stream=io.StringIO()))
    return directory, got
