"""What the Monitoring page shows, gathered from the collector and the history.

Windows up to an hour read the live collector (exact to the second); longer ones
read the per-minute history in SQLite, which the flusher keeps at most 15 s
behind. Charts always come from the history. Nothing here imports Streamlit,
plotly or the agent stack, so it is cheap to test and to call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from market_parser.observability.catalog import BREAKER_STATES, ERROR_STATUSES
from market_parser.observability.history import Point
from market_parser.observability.metrics import Summary
from market_parser.observability.recent import QuestionRecord

WINDOWS: dict[str, int] = {
    "5 minutes": 300,
    "15 minutes": 900,
    "1 hour": 3600,
    "6 hours": 6 * 3600,
    "24 hours": 24 * 3600,
    "7 days": 7 * 24 * 3600,
    "30 days": 30 * 24 * 3600,
}
LIVE_WINDOW_LIMIT = 3600
# Chart steps keep every chart under about 300 points.
_STEPS = ((3600, 60), (6 * 3600, 120), (24 * 3600, 300), (7 * 24 * 3600, 3600))
_BREAKER_NAMES = {value: name for name, value in BREAKER_STATES.items()}


def chart_step(window: int) -> int:
    """Seconds per chart point for a window, a whole number of minutes."""
    for limit, step in _STEPS:
        if window <= limit:
            return step
    return 4 * 3600


@dataclass(frozen=True)
class Cards:
    """The headline numbers for the selected window."""

    uptime_seconds: float
    questions: int
    success_rate: float | None
    latency: Summary
    cpu_percent: float
    memory_bytes: float
    memory_percent: float
    cache_hit_rate: float | None
    active_sessions: int


@dataclass(frozen=True)
class Dashboard:
    """Everything one frame of the page draws."""

    window: int
    health: dict[str, Any]
    cards: Cards
    outcomes: dict[str, float]
    breakers: dict[str, str]
    series: dict[str, list[Point]] = field(default_factory=dict)
    slowest: list[QuestionRecord] = field(default_factory=list)
    failed: list[QuestionRecord] = field(default_factory=list)


def build_dashboard(
    observability: Any, window: int, now: float | None = None
) -> Dashboard:
    """Gather one frame's data for ``window`` seconds up to ``now``."""
    now = time.time() if now is None else now
    collector = observability.collector
    observability.catch_up()
    source = _Source(observability, window, now)
    outcomes = source.breakdown("questions_total", "status")
    cache = source.breakdown("cache_requests_total", "result")
    cards = Cards(
        uptime_seconds=max(0.0, now - observability.started_at),
        questions=int(sum(outcomes.values())) - int(outcomes.get("invalid", 0)),
        success_rate=_ratio(outcomes.get("answered", 0.0), _asked(outcomes)),
        latency=source.summary("question_duration_seconds"),
        cpu_percent=collector.value("process_cpu_percent"),
        memory_bytes=collector.value("process_resident_memory_bytes"),
        memory_percent=collector.value("system_memory_percent"),
        cache_hit_rate=_ratio(cache.get("hit", 0.0), sum(cache.values())),
        active_sessions=int(collector.value("active_sessions")),
    )
    since = now - window

    return Dashboard(
        window=window,
        health=observability.alerts.health.to_dict(),
        cards=cards,
        outcomes=outcomes,
        breakers={
            labels["provider"]: _BREAKER_NAMES.get(int(value), "unknown")
            for labels, value in collector.values("breaker_state")
        },
        series=_series(observability.store, since, now, chart_step(window)),
        slowest=observability.recent.slowest(10, since),
        failed=observability.recent.failed(10, since),
    )


def _asked(outcomes: dict[str, float]) -> float:
    return outcomes.get("answered", 0.0) + sum(
        outcomes.get(s, 0.0) for s in ERROR_STATUSES
    )


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


class _Source:
    """Reads a window from the live collector or, past an hour, the history."""

    def __init__(self, observability: Any, window: int, now: float) -> None:
        self._obs = observability
        self._window = window
        self._now = now
        self._live = window <= LIVE_WINDOW_LIMIT

    def summary(self, name: str) -> Summary:
        if self._live:
            return self._obs.collector.summary(
                name, window_seconds=self._window, now=self._now
            )
        return self._obs.store.summary(
            name, since=self._now - self._window, until=self._now
        )

    def breakdown(self, name: str, label: str) -> dict[str, float]:
        if not self._live:
            return self._obs.store.breakdown(
                name, label, since=self._now - self._window, until=self._now
            )
        totals: dict[str, float] = {}
        for labels, _value in self._obs.collector.values(name):
            value = labels.get(label, "")
            if value in totals:
                continue
            totals[value] = self._obs.collector.increase(
                name, {label: value}, window_seconds=self._window, now=self._now
            )
        return totals


def _series(
    store: Any, since: float, until: float, step: int
) -> dict[str, list[Point]]:
    def points(name: str, labels: dict[str, str] | None = None) -> list[Point]:
        return store.series(name, labels, since=since, until=until, step=step)

    charts = {
        "latency": points("question_duration_seconds"),
        "answered": points("questions_total", {"status": "answered"}),
        "cache_hit": points("cache_requests_total", {"result": "hit"}),
        "cache_miss": points("cache_requests_total", {"result": "miss"}),
        "cpu": points("process_cpu_percent"),
        "memory": points("process_resident_memory_bytes"),
        "tokens_in": points("question_tokens_total", {"direction": "input"}),
        "tokens_out": points("question_tokens_total", {"direction": "output"}),
    }
    errors = [points("questions_total", {"status": s}) for s in ERROR_STATUSES]
    charts["errors"] = [
        Point(
            p.time,
            sum(e[i].count for e in errors),
            sum(e[i].sum for e in errors),
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
        )
        for i, p in enumerate(errors[0])
    ]
    return charts


def metrics_document(observability: Any, now: float | None = None) -> dict[str, Any]:
    """The current metrics and health as one JSON document, for download."""
    now = time.time() if now is None else now
    return {
        "taken_at": datetime.fromtimestamp(now, UTC).isoformat(),
        "health": observability.alerts.health.to_dict(),
        "metrics": observability.collector.snapshot(now),
        "recent_questions": [r.to_dict() for r in observability.recent.all()],
    }
