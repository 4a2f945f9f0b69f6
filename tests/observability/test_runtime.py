"""Tests for the runtime that starts sampling, flushing, alerts and the status file."""

from __future__ import annotations

import threading

import pytest

from market_parser.config.settings import Settings
from market_parser.observability import runtime
from market_parser.observability.runtime import Observability
from market_parser.observability.snapshot import read_snapshot

from .conftest import START


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings.load({"MARKET_PARSER_DATA_DIR": str(tmp_path / "data")})


def test_fresh_start_writes_a_healthy_status_file(settings, clock):
    """Started with no visitor, the app already has a healthy status file."""
    obs = Observability(settings, clock=clock)
    obs.start()
    try:
        status = read_snapshot(obs.snapshot_path)
        assert status["health"] == {"state": "healthy", "reasons": [], "alerts": []}
        assert status["resources"]["process_resident_memory_bytes"] > 0
    finally:
        obs.stop()


def test_counts_survive_a_restart(settings, clock):
    """Questions recorded before stop are in history after the next start."""
    first = Observability(settings, clock=clock)
    first.start()
    first.metrics.questions.labels(status="answered", error_type="").inc(3)
    first.stop()
    first.stop()  # a second stop (atexit after an explicit stop) is harmless

    clock.advance(10)
    second = Observability(settings, clock=clock)
    second.start()
    second.metrics.questions.labels(status="answered", error_type="").inc(2)
    second.stop()
    reopened = Observability(settings, clock=clock)
    try:
        total = reopened.store.total("questions_total", since=START, until=START + 60)
        assert total == 5
    finally:
        reopened.store.close()


def test_shared_builds_one_runtime_for_concurrent_callers(settings, monkeypatch):
    """Sessions arriving at once all get the same started runtime."""
    monkeypatch.setattr(runtime, "_shared", None)
    monkeypatch.setattr(runtime.atexit, "register", lambda func: None)
    results = []
    barrier = threading.Barrier(8)

    def call():
        barrier.wait(5)
        results.append(runtime.shared(settings))

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    try:
        assert len(results) == 8 and len({id(r) for r in results}) == 1
    finally:
        results[0].stop()
