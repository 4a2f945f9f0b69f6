"""Tests for alert rules, health states, transition logging and the webhook."""

from __future__ import annotations

import logging
import threading
import time

import pytest
import requests

from market_parser.config.settings import Settings
from market_parser.observability.alerts import (
    DEGRADED,
    HEALTHY,
    UNHEALTHY,
    AlertEvaluator,
    Health,
    WebhookNotifier,
    rules_from_settings,
)
from market_parser.observability.catalog import AppMetrics, register_app_metrics
from market_parser.observability.metrics import MetricsCollector

LOGGER = "market_parser.observability.alerts"


@pytest.fixture
def collector(clock) -> MetricsCollector:
    return MetricsCollector(clock=clock)


@pytest.fixture
def metrics(collector) -> AppMetrics:
    return register_app_metrics(collector)


def ask(metrics: AppMetrics, seconds: float, status: str = "answered", n: int = 1):
    for _ in range(n):
        error_type = "" if status == "answered" else "UpstreamError"
        metrics.questions.labels(status=status, error_type=error_type).inc()
        metrics.question_duration.labels(model="m", source="s").observe(seconds)


def events(caplog) -> list[str]:
    return [r.message for r in caplog.records if r.name == LOGGER]


class FakePost:
    """Records webhook posts; can block or fail to mimic a bad endpoint."""

    def __init__(self, status: int = 200, error: Exception | None = None):
        self.calls: list[tuple[str, dict, float]] = []
        self.status, self.error = status, error
        self.release = threading.Event()
        self.release.set()
        self.sent = threading.Event()

    def __call__(self, url, json, timeout):
        self.release.wait(10)
        self.calls.append((url, json, timeout))
        self.sent.set()
        if self.error is not None:
            raise self.error
        return type("Response", (), {"status_code": self.status})()


def test_fresh_app_is_healthy(collector):
    """No traffic and no samples: healthy, with no reasons."""
    assert AlertEvaluator().evaluate(collector) == Health(HEALTHY, (), ())


def test_slow_answers_degrade_and_recover_with_one_log_line_each(
    collector, metrics, clock, caplog
):
    """Average over 10 s for 5 minutes fires once, and resolves once when it passes."""
    evaluator = AlertEvaluator()
    ask(metrics, 12.0, n=5)
    with caplog.at_level(logging.INFO, LOGGER):
        first = evaluator.evaluate(collector)
        evaluator.evaluate(collector)
        evaluator.evaluate(collector)
        assert events(caplog) == ["alert.firing", "health.changed"]
        clock.advance(6 * 60)
        ask(metrics, 0.5, n=5)
        recovered = evaluator.evaluate(collector)
        evaluator.evaluate(collector)
    assert first.state == DEGRADED
    assert first.reasons == (
        "average response time 12.0 s over 5 min (threshold 10 s)",
    )
    assert first.active_alerts[0].since == clock() - 6 * 60
    assert recovered == Health(HEALTHY, (), ())
    assert events(caplog) == [
        "alert.firing",
        "health.changed",
        "alert.resolved",
        "health.changed",
    ]
    changes = [r for r in caplog.records if r.message == "health.changed"]
    assert [(r.previous, r.state, r.levelname) for r in changes] == [
        (HEALTHY, DEGRADED, "WARNING"),
        (DEGRADED, HEALTHY, "INFO"),
    ]


def test_one_slow_question_on_a_quiet_day_is_not_an_alert(collector, metrics):
    """Fewer than five questions in the window never fire the latency rule."""
    ask(metrics, 30.0, n=4)
    assert AlertEvaluator().evaluate(collector).state == HEALTHY


@pytest.mark.parametrize(
    ("answered", "failed", "invalid", "state"),
    [(8, 2, 0, DEGRADED), (9, 1, 0, HEALTHY), (10, 0, 5, HEALTHY), (3, 1, 0, HEALTHY)],
)
def test_error_rate_rule(collector, metrics, answered, failed, invalid, state):
    """Over 10 % failed fires; invalid questions and tiny samples do not count."""
    ask(metrics, 0.1, n=answered)
    ask(metrics, 0.1, status="failed", n=failed)
    ask(metrics, 0.0, status="invalid", n=invalid)
    assert AlertEvaluator().evaluate(collector).state == state


def test_cpu_must_stay_high_for_ten_minutes(collector, metrics, clock):
    """Nine hot minutes are not enough; the tenth fires; one cool minute resets it."""
    evaluator = AlertEvaluator()
    for minute in range(10):
        metrics.process_cpu_percent.set(95.0)
        metrics.process_cpu_percent.set(90.0)
        if minute == 8:
            assert evaluator.evaluate(collector).state == HEALTHY
        clock.advance(60)
    clock.advance(-60)
    health = evaluator.evaluate(collector)
    assert health.state == DEGRADED
    assert health.reasons == ("CPU above 85 % for 10 min (lowest minute 92 %)",)
    clock.advance(60)
    metrics.process_cpu_percent.set(20.0)
    assert evaluator.evaluate(collector).state == HEALTHY


def test_machine_memory_makes_the_app_unhealthy(collector, metrics):
    """Over 90 % memory in use is unhealthy, and outranks a degraded reason."""
    metrics.system_memory_percent.set(95.0)
    metrics.breaker_state.labels(provider="polygon").set(2)
    health = AlertEvaluator().evaluate(collector)
    assert health.state == UNHEALTHY
    assert health.reasons == (
        "memory 95 % in use on the machine (threshold 90 %)",
        "circuit breaker open for polygon",
    )


def test_container_memory_uses_the_cgroup_limit(collector, metrics):
    """In a container, memory is the process RSS against the cgroup limit."""
    metrics.system_memory_percent.set(20.0)
    metrics.container_memory_limit_bytes.set(1_000_000_000)
    metrics.process_resident_memory_bytes.set(950_000_000)
    health = AlertEvaluator().evaluate(collector)
    assert health.reasons == (
        "memory 95 % in use of the container limit (threshold 90 %)",
    )


def test_half_open_breaker_is_not_an_alert(collector, metrics):
    """Only an open breaker (2) degrades health; half-open (1) is recovery."""
    metrics.breaker_state.labels(provider="tradier").set(1)
    assert AlertEvaluator().evaluate(collector).state == HEALTHY


def test_thresholds_come_from_settings(collector, metrics):
    """ALERT_LATENCY_SECONDS lowers the latency threshold."""
    settings = Settings.load({"ALERT_LATENCY_SECONDS": "2"})
    ask(metrics, 3.0, n=5)
    evaluator = AlertEvaluator(rules_from_settings(settings))
    assert evaluator.evaluate(collector).state == DEGRADED
    assert AlertEvaluator().evaluate(collector).state == HEALTHY


def test_health_to_dict_is_plain_data(collector, metrics, clock):
    """to_dict gives state, reasons and alert records for the status file."""
    metrics.system_memory_percent.set(99.0)
    data = AlertEvaluator().evaluate(collector).to_dict()
    assert data["state"] == UNHEALTHY
    assert data["alerts"][0]["name"] == "high_memory"
    assert data["alerts"][0]["since"] == clock()


def test_webhook_posts_slack_json_on_firing_and_resolving(collector, metrics, clock):
    """A firing and a resolved alert each post {"text": ...} with a timeout."""
    post = FakePost()
    notifier = WebhookNotifier("https://hooks.example/T/B/secret", timeout=3, post=post)
    evaluator = AlertEvaluator(notifier=notifier)
    metrics.system_memory_percent.set(95.0)
    evaluator.evaluate(collector)
    clock.advance(120)
    metrics.system_memory_percent.set(50.0)
    evaluator.evaluate(collector)
    notifier.close()
    assert [(url, timeout) for url, _, timeout in post.calls] == [
        ("https://hooks.example/T/B/secret", 3),
        ("https://hooks.example/T/B/secret", 3),
    ]
    assert post.calls[0][1] == {
        "text": "[market-parser] alert firing: memory 95 % in use on the machine "
        "(threshold 90 %)"
    }
    assert post.calls[1][1] == {"text": "[market-parser] alert resolved: high_memory"}


def test_a_hanging_webhook_never_delays_evaluation(collector, metrics):
    """evaluate returns at once while the webhook thread is stuck."""
    post = FakePost()
    post.release.clear()
    notifier = WebhookNotifier("https://hooks.example/x", post=post)
    metrics.system_memory_percent.set(95.0)
    started = time.perf_counter()
    AlertEvaluator(notifier=notifier).evaluate(collector)
    assert time.perf_counter() - started < 0.5
    post.release.set()
    notifier.close()
    assert len(post.calls) == 1


def test_webhook_failure_is_logged_without_the_url(caplog):
    """A failing endpoint logs alert.webhook_failed with the error type only."""
    post = FakePost(error=requests.ConnectionError("https://hooks.example/T/B/secret"))
    notifier = WebhookNotifier("https://hooks.example/T/B/secret", post=post)
    with caplog.at_level(logging.WARNING, LOGGER):
        notifier.notify("hello")
        notifier.close()
    (record,) = [r for r in caplog.records if r.name == LOGGER]
    assert (record.message, record.error_type) == (
        "alert.webhook_failed",
        "ConnectionError",
    )
    assert "secret" not in caplog.text


def test_full_queue_drops_instead_of_blocking():
    """With the sender stuck and the queue full, notify returns False at once."""
    post = FakePost()
    post.release.clear()
    notifier = WebhookNotifier("https://hooks.example/x", post=post, max_pending=1)
    started = time.perf_counter()
    results = [notifier.notify(f"n{i}") for i in range(5)]
    assert time.perf_counter() - started < 0.5
    # One message may sit in the stuck sender and one in the queue; the rest drop.
    assert results.count(True) <= 2 and results[0] is True
    post.release.set()
    notifier.close()
