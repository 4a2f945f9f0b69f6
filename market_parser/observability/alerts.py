"""Alert rules over the collector, the health state they add up to, and the webhook.

Rules are read afresh from the collector at each evaluation; the evaluator only
remembers what was firing, so that each change is logged (and sent) once. With no
traffic and no samples no rule has a reading, so a fresh app is healthy.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, NamedTuple

import requests

from market_parser.observability.catalog import (
    BREAKER_STATES,
    ERROR_STATUSES,
    register_app_metrics,
)
from market_parser.observability.metrics import MetricsCollector

logger = logging.getLogger(__name__)

HEALTHY = "healthy"
DEGRADED = "degraded"
UNHEALTHY = "unhealthy"
_RANK = {HEALTHY: 0, DEGRADED: 1, UNHEALTHY: 2}


class Reading(NamedTuple):
    """What a rule measured: a number to compare, and words for the message."""

    value: float
    detail: str = ""


Measure = Callable[[MetricsCollector, float, "AlertRule"], Reading | None]


@dataclass(frozen=True)
class AlertRule:
    """Fires while its measure is above ``threshold``; no reading means no alert."""

    name: str
    severity: str
    threshold: float
    window_seconds: float
    measure: Measure
    message: str
    min_count: int = 0

    def read(self, collector: MetricsCollector, now: float) -> Reading | None:
        """Measure the rule against the collector at ``now``."""
        return self.measure(collector, now, self)


@dataclass(frozen=True)
class Alert:
    """A rule that is firing, with its reading and when it started."""

    name: str
    severity: str
    value: float
    threshold: float
    message: str
    since: float


@dataclass(frozen=True)
class Health:
    """The app's state (healthy, degraded or unhealthy) and why."""

    state: str = HEALTHY
    reasons: tuple[str, ...] = ()
    active_alerts: tuple[Alert, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return plain data for JSON."""
        return {
            "state": self.state,
            "reasons": list(self.reasons),
            "alerts": [asdict(alert) for alert in self.active_alerts],
        }


def default_rules(
    *,
    latency_seconds: float = 10.0,
    error_rate_percent: float = 10.0,
    cpu_percent: float = 85.0,
    memory_percent: float = 90.0,
    min_questions: int = 5,
) -> tuple[AlertRule, ...]:
    """Return the standard rules with the given thresholds.

    Latency and error rate need ``min_questions`` in their 5 minutes, so one slow
    or failed question on a quiet day does not page anyone.
    """
    return (
        AlertRule(
            name="slow_answers",
            severity=DEGRADED,
            threshold=latency_seconds,
            window_seconds=300,
            measure=_average_latency,
            message="average response time {value:.1f} s over 5 min "
            "(threshold {threshold:g} s)",
            min_count=min_questions,
        ),
        AlertRule(
            name="error_rate",
            severity=DEGRADED,
            threshold=error_rate_percent,
            window_seconds=300,
            measure=_error_rate,
            message="{value:.0f} % of questions failed over 5 min "
            "(threshold {threshold:g} %)",
            min_count=min_questions,
        ),
        AlertRule(
            name="high_cpu",
            severity=DEGRADED,
            threshold=cpu_percent,
            window_seconds=600,
            measure=_sustained_cpu,
            message="CPU above {threshold:g} % for 10 min (lowest minute {value:.0f} %)",
        ),
        AlertRule(
            name="high_memory",
            severity=UNHEALTHY,
            threshold=memory_percent,
            window_seconds=60,
            measure=_memory_percent,
            message="memory {value:.0f} % in use{detail} (threshold {threshold:g} %)",
        ),
        AlertRule(
            name="breaker_open",
            severity=DEGRADED,
            threshold=0,
            window_seconds=60,
            measure=_open_breakers,
            message="circuit breaker open for {detail}",
        ),
    )


def rules_from_settings(settings: Any) -> tuple[AlertRule, ...]:
    """Return `default_rules` with the thresholds set in `Settings`."""
    return default_rules(
        latency_seconds=settings.alert_latency_seconds,
        error_rate_percent=settings.alert_error_rate_percent,
        cpu_percent=settings.alert_cpu_percent,
        memory_percent=settings.alert_memory_percent,
    )


class AlertEvaluator:
    """Evaluates rules into a `Health`, logging and notifying each change once."""

    def __init__(
        self,
        rules: Iterable[AlertRule] | None = None,
        notifier: WebhookNotifier | None = None,
    ) -> None:
        self.rules = tuple(default_rules() if rules is None else rules)
        self.notifier = notifier
        self._lock = threading.Lock()
        self._firing: dict[str, Alert] = {}
        self._health = Health()

    @property
    def health(self) -> Health:
        """The health found by the last evaluation (healthy before the first)."""
        with self._lock:
            return self._health

    def evaluate(self, collector: MetricsCollector, now: float | None = None) -> Health:
        """Read every rule at ``now`` and return the resulting health."""
        now = collector.clock() if now is None else now
        register_app_metrics(collector)
        readings = {rule.name: rule.read(collector, now) for rule in self.rules}
        with self._lock:
            started, resolved = self._update_unlocked(readings, now)
            previous, health = self._health, _health_of(self._firing.values())
            self._health = health
        self._announce(started, resolved, previous, health)

        return health

    def _update_unlocked(
        self, readings: dict[str, Reading | None], now: float
    ) -> tuple[list[Alert], list[Alert]]:
        started, resolved = [], []
        for rule in self.rules:
            reading = readings[rule.name]
            firing = self._firing.get(rule.name)
            if reading is not None and reading.value > rule.threshold:
                alert = Alert(
                    name=rule.name,
                    severity=rule.severity,
                    value=reading.value,
                    threshold=rule.threshold,
                    message=rule.message.format(
                        value=reading.value,
                        threshold=rule.threshold,
                        detail=reading.detail,
                    ),
                    since=firing.since if firing else now,
                )
                self._firing[rule.name] = alert
                if firing is None:
                    started.append(alert)
            elif firing is not None:
                resolved.append(self._firing.pop(rule.name))

        return started, resolved

    def _announce(
        self,
        started: list[Alert],
        resolved: list[Alert],
        previous: Health,
        health: Health,
    ) -> None:
        for alert in started:
            logger.warning("alert.firing", extra=_alert_fields(alert))
            self._notify(f"[market-parser] alert firing: {alert.message}")
        for alert in resolved:
            logger.info("alert.resolved", extra=_alert_fields(alert))
            self._notify(f"[market-parser] alert resolved: {alert.name}")
        if previous.state != health.state:
            worse = _RANK[health.state] > _RANK[previous.state]
            logger.log(
                logging.WARNING if worse else logging.INFO,
                "health.changed",
                extra={
                    "previous": previous.state,
                    "state": health.state,
                    "reasons": list(health.reasons),
                },
            )

    def _notify(self, text: str) -> None:
        if self.notifier is not None:
            self.notifier.notify(text)


class WebhookNotifier:
    """Posts Slack-compatible ``{"text": ...}`` messages from a background thread.

    `notify` only queues, so an alert never delays a question; a full queue drops
    the message. The URL is never logged: a Slack webhook URL is a credential.
    """

    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        post: Callable[..., Any] | None = None,
        max_pending: int = 100,
    ) -> None:
        self._url = url
        self.timeout = timeout
        self._post = post or requests.post
        self._queue: queue.Queue[str | None] = queue.Queue(max_pending)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def notify(self, text: str) -> bool:
        """Queue a message; return False when it had to be dropped."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="alert-webhook", daemon=True
                )
                self._thread.start()
        try:
            self._queue.put_nowait(text)
        except queue.Full:
            logger.warning("alert.webhook_dropped")
            return False

        return True

    def close(self, timeout: float = 5.0) -> None:
        """Send what is queued, then stop the thread (waiting up to ``timeout``)."""
        with self._lock:
            thread = self._thread
        if thread is None:
            return
        try:
            self._queue.put(None, timeout=timeout)
        except queue.Full:
            return
        thread.join(timeout)

    def _run(self) -> None:
        while (text := self._queue.get()) is not None:
            self._send(text)

    def _send(self, text: str) -> None:
        try:
            response = self._post(self._url, json={"text": text}, timeout=self.timeout)
        except requests.RequestException as exc:
            logger.warning(
                "alert.webhook_failed", extra={"error_type": type(exc).__name__}
            )
            return
        if response.status_code >= 400:
            logger.warning(
                "alert.webhook_failed", extra={"status": response.status_code}
            )


def _health_of(alerts: Iterable[Alert]) -> Health:
    active = tuple(sorted(alerts, key=lambda a: (-_RANK[a.severity], a.name)))
    state = active[0].severity if active else HEALTHY
    return Health(
        state=state,
        reasons=tuple(alert.message for alert in active),
        active_alerts=active,
    )


def _alert_fields(alert: Alert) -> dict[str, Any]:
    return {
        "alert": alert.name,
        "severity": alert.severity,
        "value": round(alert.value, 3),
        "threshold": alert.threshold,
        "reason": alert.message,
    }


def _average_latency(
    collector: MetricsCollector, now: float, rule: AlertRule
) -> Reading | None:
    summary = collector.summary(
        "question_duration_seconds", window_seconds=rule.window_seconds, now=now
    )
    if summary.count < max(rule.min_count, 1):
        return None
    return Reading(summary.avg)


def _error_rate(
    collector: MetricsCollector, now: float, rule: AlertRule
) -> Reading | None:
    def increase(status: str | None = None) -> float:
        labels = {"status": status} if status else None
        return collector.increase(
            "questions_total", labels, window_seconds=rule.window_seconds, now=now
        )

    # Refused questions (empty, too long) are the user's doing, not the app's.
    counted = increase() - increase("invalid")
    if counted < max(rule.min_count, 1):
        return None
    errors = sum(increase(status) for status in ERROR_STATUSES)

    return Reading(100.0 * errors / counted)


def _sustained_cpu(
    collector: MetricsCollector, now: float, rule: AlertRule
) -> Reading | None:
    """Return the lowest per-minute average over the window, if every minute has one."""
    averages = []
    for back in range(int(rule.window_seconds // 60)):
        minute = collector.summary(
            "process_cpu_percent", window_seconds=60, now=now - 60 * back
        )
        if minute.count == 0:
            return None
        averages.append(minute.avg)

    return Reading(min(averages))


def _memory_percent(
    collector: MetricsCollector, now: float, rule: AlertRule
) -> Reading | None:
    limit = collector.value("container_memory_limit_bytes")
    resident = collector.value("process_resident_memory_bytes")
    if limit > 0 and resident > 0:
        return Reading(100.0 * resident / limit, " of the container limit")
    summary = collector.summary(
        "system_memory_percent", window_seconds=rule.window_seconds, now=now
    )
    if summary.count == 0:
        return None
    return Reading(summary.avg, " on the machine")


def _open_breakers(
    collector: MetricsCollector, now: float, rule: AlertRule
) -> Reading | None:
    providers = sorted(
        labels["provider"]
        for labels, value in collector.values("breaker_state")
        if value >= BREAKER_STATES["open"]
    )
    return Reading(len(providers), ", ".join(providers))
