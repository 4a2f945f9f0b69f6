"""The app entry's pieces: where it probes, and the order of its shutdown."""

from __future__ import annotations

import logging
import signal
import threading

import pytest

from market_parser import server
from tests.sidecar.fakes import FakeApp


@pytest.fixture
def fake_app():
    app = FakeApp()
    yield app
    app.close()


class FakeService:
    """Counts drains and closes; ``in_flight`` is whatever the test sets."""

    def __init__(self, in_flight: int = 0, drains: bool = True) -> None:
        self.in_flight = in_flight
        self._drains = drains
        self.calls: list[str] = []
        self.started = threading.Event()

    def drain(self, timeout: float) -> bool:
        self.calls.append(f"drain({timeout:g})")
        if self._drains:
            self.in_flight = 0
        return self._drains

    def close(self) -> None:
        self.calls.append("close")

    def start(self) -> None:
        self.started.set()


class FakeObservability:
    def __init__(self, calls: list[str]) -> None:
        self.calls = calls
        self.collector = type("C", (), {"values": lambda self, name: []})()

    def stop(self) -> None:
        self.calls.append("observability.stop")


def test_local_url_uses_loopback_for_wildcard_addresses():
    """0.0.0.0, :: and no address are reached on 127.0.0.1; others as given."""
    assert server.local_url(None, 8501) == "http://127.0.0.1:8501"
    assert server.local_url("0.0.0.0", 1) == "http://127.0.0.1:1"
    assert server.local_url("::", 2) == "http://127.0.0.1:2"
    assert server.local_url("10.1.2.3", 3) == "http://10.1.2.3:3"


def test_drain_request_drains_once_then_stops_streamlit(monkeypatch):
    """SIGUSR1 drains in a thread, then sends this process SIGTERM; twice is once."""
    killed = threading.Event()
    monkeypatch.setattr(server.os, "kill", lambda pid, sig: killed.set())
    service = FakeService()
    shutdown = server.Shutdown(service, drain_timeout=3)
    shutdown.request(signal.SIGUSR1, None)
    shutdown.request(signal.SIGUSR1, None)
    assert killed.wait(5)
    assert service.calls == ["drain(3)"]
    assert shutdown.stopping.is_set()


def test_finish_drains_if_needed_closes_and_flushes(caplog, monkeypatch):
    """Straight SIGTERM: drain after Streamlit stops, then close, flush, summary."""
    monkeypatch.setattr(server.signal, "signal", lambda *args: None)
    service = FakeService(in_flight=1, drains=False)
    shutdown = server.Shutdown(service, drain_timeout=0.1)
    with caplog.at_level(logging.INFO, logger="market_parser.server"):
        shutdown.finish(FakeObservability(service.calls), started=0.0)
    assert service.calls == ["drain(0.1)", "close", "observability.stop"]
    events = {record.getMessage(): record for record in caplog.records}
    assert events["shutdown.abandoned"].in_flight == 1
    assert events["app.stopped"].drained is False


def test_warm_up_waits_for_streamlit_then_starts(fake_app):
    """The agent warms up only once Streamlit answers its health check."""
    service = FakeService()
    fake_app.status = 503
    server.warm_up_when_ready(service, fake_app.url, 0, threading.Event())
    assert not service.started.wait(0.3)
    fake_app.status = 200
    assert service.started.wait(5)


def test_warm_up_is_skipped_once_stopping(fake_app):
    """A shutdown during the delay means no warm-up at all."""
    service, stopping = FakeService(), threading.Event()
    thread = server.warm_up_when_ready(service, fake_app.url, 30, stopping)
    stopping.set()
    thread.join(5)
    assert not service.started.is_set()
