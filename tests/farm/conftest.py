"""Fixtures for the farm's own tests."""

from __future__ import annotations

import pytest
from farmhttp import Fetched, fetch_via


@pytest.fixture
def get(farm):
    """GET (or any method) through the farm's proxy; redirects are not followed."""

    def _get(url: str, **kw) -> Fetched:
        return fetch_via(farm.proxy, url, **kw)

    return _get
