"""The process-wide query service that the server entry and the pages share."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from market_parser.config.settings import Settings
from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.recent import RecentQuestions
from market_parser.service import shared


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """No service yet in this process, and a stand-in observability runtime."""
    runtime = SimpleNamespace(
        metrics=register_app_metrics(MetricsCollector()), recent=RecentQuestions()
    )
    monkeypatch.setattr(shared, "_service", None)
    monkeypatch.setattr(shared, "shared", lambda settings: runtime)
    yield Settings(data_dir=tmp_path), runtime
    service = shared.current_service()
    if service is not None:
        service.close()


def test_one_service_per_process_recording_into_the_runtime(fresh):
    """Every caller gets the first service, wired to the process's metrics."""
    settings, runtime = fresh
    first = shared.shared_service(settings, start=False)
    assert shared.shared_service(settings) is first
    assert shared.current_service() is first
    assert first.metrics is runtime.metrics
    assert first.recent is runtime.recent


def test_unstarted_service_builds_nothing_until_started(fresh):
    """``start=False`` leaves the warm-up to whoever created the service."""
    settings, _ = fresh
    service = shared.shared_service(settings, start=False)
    assert not service.ready
