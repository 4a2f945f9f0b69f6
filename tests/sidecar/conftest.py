"""Fixtures for the sidecar tests: a stand-in app and sidecars on loopback ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from market_parser.sidecar.config import SidecarConfig

from .fakes import FakeApp, Sidecar


@pytest.fixture
def fake_app() -> Iterator[FakeApp]:
    app = FakeApp()
    yield app
    app.close()


@pytest.fixture
def start_sidecar(tmp_path, fake_app):
    """Start a sidecar for the fake app and ``tmp_path``; options override config."""
    started: list[Sidecar] = []

    def start(**options: Any) -> Sidecar:
        config = SidecarConfig(
            host="127.0.0.1",
            port=0,
            app_url=fake_app.url,
            data_dir=tmp_path,
            probe_ttl=0,
        )
        sidecar = Sidecar(replace(config, **options))
        started.append(sidecar)
        return sidecar

    yield start
    for sidecar in started:
        sidecar.close()
