"""The Monitoring page's numbers, from a real collector and a real SQLite history."""

from __future__ import annotations

import pytest

from market_parser.config.settings import Settings
from market_parser.observability.recent import QuestionRecord
from market_parser.observability.runtime import Observability
from market_parser.ui.dashboard import build_dashboard, chart_step, metrics_document

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, a minute boundary


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def observed(tmp_path):
    clock = Clock(START)
    runtime = Observability(
        Settings.load({"MARKET_PARSER_DATA_DIR": str(tmp_path)}), clock=clock
    )
    yield runtime, clock
    runtime.store.close()


def answer(runtime, seconds: float, status: str = "answered") -> None:
    m = runtime.metrics
    error_type = "" if status == "answered" else "UpstreamError"
    m.questions.labels(status=status, error_type=error_type).inc()
    m.question_duration.labels(model="offline-planner", source="offline").observe(
        seconds
    )


def test_live_window_cards(observed):
    """A 5-minute window reads the collector: counts, success rate and p95 of 1..20."""
    runtime, clock = observed
    for seconds in range(1, 21):
        answer(runtime, float(seconds))
    answer(runtime, 2.0, status="failed")
    answer(runtime, 0.0, status="invalid")
    m = runtime.metrics
    m.cache_requests.labels(kind="quote", result="hit").inc(3)
    m.cache_requests.labels(kind="quote", result="miss").inc(1)
    m.active_sessions.set(4)
    clock.now += 30
    dashboard = build_dashboard(runtime, 300, now=clock.now)
    cards = dashboard.cards
    assert cards.questions == 21
    assert cards.success_rate == pytest.approx(20 / 21)
    assert cards.latency.count == 22
    assert cards.latency.p95 == pytest.approx(19.0, rel=0.01)
    assert cards.latency.max == 20.0
    assert cards.cache_hit_rate == pytest.approx(0.75)
    assert cards.active_sessions == 4
    assert cards.uptime_seconds == pytest.approx(30)
    assert dashboard.outcomes["failed"] == 1


def test_long_window_reads_the_history(observed):
    """A 6-hour window merges minutes from SQLite, written two hours apart."""
    runtime, clock = observed
    answer(runtime, 1.0)
    runtime.flusher.flush(clock.now)
    clock.now += 2 * 3600
    answer(runtime, 3.0)
    answer(runtime, 5.0, status="timeout")
    runtime.flusher.flush(clock.now)
    dashboard = build_dashboard(runtime, 6 * 3600, now=clock.now + 60)
    assert dashboard.cards.questions == 3
    assert dashboard.cards.success_rate == pytest.approx(2 / 3)
    assert dashboard.cards.latency.count == 3
    assert dashboard.cards.latency.max == 5.0
    answered = sum(point.sum for point in dashboard.series["answered"])
    errors = sum(point.sum for point in dashboard.series["errors"])
    assert (answered, errors) == (2, 1)
    assert len(dashboard.series["latency"]) == 6 * 3600 // chart_step(6 * 3600) + 1


def test_slowest_and_failed_tables(observed):
    """The tables list the slowest answered and the newest failed questions."""
    runtime, clock = observed
    for index, (outcome, ms) in enumerate(
        [
            ("answered", 120.0),
            ("answered", 900.0),
            ("failed", 40.0),
            ("timeout", 30000.0),
        ]
    ):
        runtime.recent.add(
            QuestionRecord(clock.now, f"q{index}", outcome, ms, "m", f"id{index}")
        )
    dashboard = build_dashboard(runtime, 300, now=clock.now)
    assert [r.correlation_id for r in dashboard.slowest] == ["id1", "id0"]
    assert [r.correlation_id for r in dashboard.failed] == ["id3", "id2"]


@pytest.mark.parametrize(
    ("window", "step"), [(300, 60), (3600, 60), (86400, 300), (30 * 86400, 14400)]
)
def test_chart_steps_keep_charts_small(window, step):
    """Each window's step is whole minutes and gives at most about 300 points."""
    assert chart_step(window) == step
    assert window / step <= 300


def test_metrics_document_is_json_ready(observed):
    """The download holds health, every metric family and recent questions."""
    runtime, clock = observed
    answer(runtime, 1.5)
    document = metrics_document(runtime, now=clock.now)
    names = {family["name"] for family in document["metrics"]["families"]}
    assert {"questions_total", "question_duration_seconds"} <= names
    assert document["health"]["state"] == "healthy"
