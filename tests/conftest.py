"""Fixtures shared by the whole test suite."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.upstream_server import UpstreamServer


@pytest.fixture
def upstream() -> Iterator[UpstreamServer]:
    """A running loopback stand-in for an upstream API, stopped after the test."""
    with UpstreamServer() as server:
        yield server
