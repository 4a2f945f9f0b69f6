"""The app probe: what it reports, and how long it trusts an answer."""

from __future__ import annotations

import threading
import time

from market_parser.sidecar.probe import AppProbe


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_result_is_reused_until_the_ttl_passes(fake_app):
    """Within the TTL the app is not asked again."""
    clock = Clock()
    probe = AppProbe(fake_app.url, ttl=1.5, clock=clock)
    first = probe.check()
    clock.now += 1.0
    assert probe.check() is first
    assert fake_app.hits == 1


def test_slightly_old_result_is_served_while_refreshed_behind(fake_app):
    """Between one and two TTLs old: answered at once, refreshed in the background."""
    clock = Clock()
    probe = AppProbe(fake_app.url, ttl=1.5, clock=clock)
    first = probe.check()
    clock.now += 2.0
    assert probe.check() is first
    deadline = time.monotonic() + 5
    while probe.check() is first and time.monotonic() < deadline:
        time.sleep(0.01)
    assert probe.check().checked_at == clock.now
    assert fake_app.hits == 2


def test_old_result_is_refreshed_before_answering(fake_app):
    """A ping minutes after the last one gets a fresh probe, never the old answer."""
    clock = Clock()
    probe = AppProbe(fake_app.url, ttl=1.5, clock=clock)
    probe.check()
    fake_app.status = 503
    clock.now += 300
    result = probe.check()
    assert (result.ok, result.checked_at) == (False, clock.now)


def test_reports_refused_connection_and_bad_status(fake_app):
    """Down and not-ready apps are told apart in the detail."""
    fake_app.status = 503
    assert AppProbe(fake_app.url, ttl=0).check().detail == (
        "health check answered HTTP 503"
    )
    fake_app.stop()
    result = AppProbe(fake_app.url, ttl=0).check()
    assert (result.ok, result.detail) == (False, "connection refused")


def test_an_app_that_never_answers_times_out():
    """A listener that accepts but never replies is reported within the timeout."""
    import socket

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        result = AppProbe(url, ttl=0, timeout=0.2).check()
    assert (result.ok, result.detail) == (False, "no answer within 0.2 s")


def test_callers_do_not_wait_while_another_probes(fake_app):
    """While one probe runs, others get the previous result at once."""
    clock = Clock()
    probe = AppProbe(fake_app.url, ttl=1.0, clock=clock)
    previous = probe.check()
    clock.now += 5
    probe._lock.acquire()  # stands for a probe in progress in another thread
    try:
        answers = []
        caller = threading.Thread(target=lambda: answers.append(probe.check()))
        caller.start()
        caller.join(2)
        assert answers == [previous]
    finally:
        probe._lock.release()


def test_app_url_with_a_base_path_is_probed_under_it(fake_app):
    """Streamlit behind ``server.baseUrlPath`` serves its health check there."""
    assert AppProbe(f"{fake_app.url}/market/", ttl=0)._path == (
        "/market/_stcore/health"
    )
