"""Tests for the metrics collector: families, labels, windows, snapshots, threads."""

from __future__ import annotations

import faulthandler
import json
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import pytest

from market_parser.observability import metrics as metrics_module
from market_parser.observability.distribution import Summary
from market_parser.observability.metrics import (
    MAX_LABEL_VALUES,
    OVERFLOW_VALUE,
    RETENTION_MINUTES,
    MetricsCollector,
    Rollup,
)


@pytest.fixture
def collector(clock) -> MetricsCollector:
    return MetricsCollector(clock=clock)


def test_counter_names_must_end_in_total(collector):
    """Counters follow the Prometheus vocabulary: the name ends in _total."""
    with pytest.raises(ValueError, match="must end in _total"):
        collector.counter("questions", "Questions.")


def test_label_names_come_from_the_fixed_set(collector):
    """An unbounded label such as a ticker is refused at registration."""
    with pytest.raises(ValueError, match="ticker"):
        collector.counter("quotes_total", "Quotes.", ("ticker",))
    with pytest.raises(ValueError, match="not a Prometheus metric name"):
        collector.gauge("bad-name", "Dash.")


def test_labels_must_match_the_family(collector):
    """Missing or extra labels raise instead of creating a stray series."""
    family = collector.counter("tool_calls_total", "Calls.", ("tool", "status"))
    with pytest.raises(ValueError, match="takes labels"):
        family.labels(tool="quote")
    with pytest.raises(ValueError, match="takes labels"):
        family.labels(tool="quote", status="ok", provider="x")


def test_registering_again_returns_the_same_family(collector):
    """A second identical registration is harmless; a conflicting one raises."""
    first = collector.counter("x_total", "X.", ("status",))
    assert collector.counter("x_total", "X.", ("status",)) is first
    with pytest.raises(ValueError, match="already a counter"):
        collector.gauge("x_total", "X.")


def test_counter_counts_and_refuses_to_go_down(collector):
    """inc adds up per series; a negative increment is an error."""
    family = collector.counter("questions_total", "Q.", ("status",))
    family.labels(status="answered").inc()
    family.labels(status="answered").inc(2)
    family.labels(status="failed").inc()
    assert collector.value("questions_total") == 4
    assert collector.value("questions_total", {"status": "answered"}) == 3
    with pytest.raises(ValueError):
        family.labels(status="failed").inc(-1)


def test_gauge_sets_and_moves(collector):
    """Unlabelled gauges take set, inc and dec directly on the family."""
    gauge = collector.gauge("questions_in_flight", "In flight.")
    gauge.inc()
    gauge.inc()
    gauge.dec()
    assert collector.value("questions_in_flight") == 1
    gauge.set(7)
    assert collector.value("questions_in_flight") == 7
    assert collector.values("questions_in_flight") == [({}, 7.0)]


def test_histogram_summary_from_memory(collector):
    """summary over the default 5 minutes gives the agreed statistics."""
    histogram = collector.histogram("d_seconds", "D.", ("model",))
    for value in range(1, 21):
        histogram.labels(model="m").observe(value)
    assert collector.summary("d_seconds") == Summary(
        count=20, sum=210.0, avg=10.5, min=1.0, max=20.0, p50=10.0, p95=19.0, p99=20.0
    )


def test_nan_and_infinity_are_not_observed(collector):
    """A NaN duration from a broken timer cannot poison the sums."""
    histogram = collector.histogram("d_seconds", "D.")
    histogram.observe(float("nan"))
    histogram.observe(float("inf"))
    histogram.observe(2.0)
    assert collector.summary("d_seconds").count == 1


def test_summary_window_follows_the_clock(collector, clock):
    """Old minutes fall out of a 5-minute window but stay in a 15-minute one."""
    histogram = collector.histogram("d_seconds", "D.")
    histogram.observe(100.0)
    clock.advance(10 * 60)
    histogram.observe(1.0)
    histogram.observe(3.0)
    recent = collector.summary("d_seconds", window_seconds=300)
    wider = collector.summary("d_seconds", window_seconds=900)
    assert (recent.count, recent.max, recent.avg) == (2, 3.0, 2.0)
    assert (wider.count, wider.max) == (3, 100.0)


def test_window_counts_whole_minutes_including_the_current_one(collector, clock):
    """A 5-minute window is this minute and the four before it."""
    counter = collector.counter("questions_total", "Q.")
    for _ in range(6):
        counter.inc()
        clock.advance(60)
    clock.advance(-60)
    assert collector.increase("questions_total", window_seconds=300) == 5
    assert collector.increase("questions_total", window_seconds=3600) == 6


def test_summary_filters_by_a_subset_of_labels(collector):
    """labels picks every series whose labels include the given values."""
    histogram = collector.histogram("d_seconds", "D.", ("model", "source"))
    histogram.labels(model="a", source="x").observe(1)
    histogram.labels(model="a", source="y").observe(2)
    histogram.labels(model="b", source="x").observe(30)
    assert collector.summary("d_seconds", {"model": "a"}).count == 2
    assert collector.summary("d_seconds", {"source": "x"}).max == 30
    with pytest.raises(ValueError, match="no labels"):
        collector.summary("d_seconds", {"tool": "x"})


def test_windows_beyond_memory_are_refused(collector):
    """Memory holds an hour; longer windows belong to the history store."""
    collector.histogram("d_seconds", "D.")
    with pytest.raises(ValueError, match="history store"):
        collector.summary("d_seconds", window_seconds=2 * 3600)


def test_reading_the_wrong_kind_raises(collector):
    """summary reads histograms and gauges, increase reads counters."""
    collector.counter("q_total", "Q.")
    collector.histogram("d_seconds", "D.")
    with pytest.raises(TypeError):
        collector.summary("q_total")
    with pytest.raises(TypeError):
        collector.increase("d_seconds")
    with pytest.raises(KeyError):
        collector.summary("missing_seconds")


def test_minute_ring_stays_bounded(collector, clock):
    """After hours of traffic each series keeps only the last hour of minutes."""
    histogram = collector.histogram("d_seconds", "D.")
    for _ in range(300):
        histogram.observe(0.5)
        clock.advance(60)
    assert len(histogram.series[()].minutes) <= RETENTION_MINUTES + 1


def test_label_values_beyond_the_cap_go_to_other(collector):
    """New values past the cap share one ``other`` series instead of growing memory."""
    family = collector.counter("tool_calls_total", "C.", ("tool",))
    for n in range(MAX_LABEL_VALUES + 50):
        family.labels(tool=f"tool{n}").inc()
    assert len(family.series) == MAX_LABEL_VALUES + 1
    assert collector.value("tool_calls_total", {"tool": OVERFLOW_VALUE}) == 50
    family.labels(tool="tool0").inc()
    assert collector.value("tool_calls_total", {"tool": "tool0"}) == 2


def test_total_series_are_capped(collector, monkeypatch):
    """Even within per-label caps, a family holds at most MAX_SERIES series."""
    monkeypatch.setattr(metrics_module, "MAX_SERIES", 10)
    family = collector.counter("c_total", "C.", ("tool", "status"))
    for a in range(5):
        for b in range(5):
            family.labels(tool=a, status=b).inc()
    assert len(family.series) == 11
    assert collector.value("c_total", {"tool": "other", "status": "other"}) == 15


def test_histogram_time_observes_the_block(collector):
    """time() observes a perf_counter duration when the block ends."""
    histogram = collector.histogram("d_seconds", "D.")
    with histogram.time():
        pass
    summary = collector.summary("d_seconds")
    assert summary.count == 1 and 0 <= summary.max < 1


def test_snapshot_is_json_ready(collector, clock):
    """snapshot returns plain data: families, series, cumulative buckets and 5 minutes."""
    collector.counter("q_total", "Q.", ("status",)).labels(status="answered").inc(3)
    histogram = collector.histogram("d_seconds", "D.", le=(1, 10))
    for value in (0.5, 2, 20):
        histogram.observe(value)
    snapshot = json.loads(json.dumps(collector.snapshot()))
    assert snapshot["taken_at"] == "2024-03-01T12:00:00.000Z"
    assert snapshot["instance"] == collector.instance_id
    counter, hist = snapshot["families"]
    assert counter["series"] == [{"labels": {"status": "answered"}, "value": 3.0}]
    (series,) = hist["series"]
    assert series["buckets"] == [["1.0", 1], ["10.0", 2], ["+Inf", 3]]
    assert (series["count"], series["sum"]) == (3, 22.5)
    assert series["last_5m"]["p50"] == 2.0


def test_rollup_minute_holds_that_minute_only(collector, clock):
    """rollup_minute returns each changed series with that minute's values."""
    counter = collector.counter("q_total", "Q.", ("status",))
    gauge = collector.gauge("g", "G.")
    histogram = collector.histogram("d_seconds", "D.")
    counter.labels(status="answered").inc()
    clock.advance(60)
    counter.labels(status="answered").inc(2)
    gauge.set(4)
    gauge.set(6)
    histogram.observe(1.5)
    minute = int(clock() // 60)
    rows = {row.name: row for row in collector.rollup_minute(minute)}
    assert rows["q_total"] == Rollup(
        minute=minute,
        name="q_total",
        kind="counter",
        labels={"status": "answered"},
        count=1,
        sum=2.0,
    )
    assert (rows["g"].count, rows["g"].sum, rows["g"].last, rows["g"].max) == (
        2,
        10.0,
        6.0,
        6.0,
    )
    assert rows["d_seconds"].buckets == {400150: 1}
    assert collector.rollup_minute(minute + 5) == []


class ReentryCheckingLock:
    """A lock that raises instead of hanging when its holder takes it again."""

    def __init__(self):
        self._lock = threading.Lock()
        self._owner = None

    def __enter__(self):
        if self._owner == threading.get_ident():
            raise RuntimeError("lock taken twice by one thread: this would deadlock")
        self._lock.acquire()
        self._owner = threading.get_ident()
        return self

    def __exit__(self, *exc):
        self._owner = None
        self._lock.release()


def test_no_public_method_takes_the_lock_twice(clock):
    """Every public path runs with a lock that raises on re-entry."""
    collector = MetricsCollector(clock=clock)
    collector._lock = ReentryCheckingLock()
    counter = collector.counter("q_total", "Q.", ("status",))
    gauge = collector.gauge("g", "G.")
    histogram = collector.histogram("d_seconds", "D.", ("tool",))
    counter.labels(status="ok").inc()
    gauge.set(1)
    gauge.inc()
    gauge.dec()
    histogram.labels(tool="t").observe(1)
    with histogram.labels(tool="t").time():
        pass
    collector.summary("d_seconds", {"tool": "t"})
    collector.summary("g")
    collector.increase("q_total")
    collector.value("q_total")
    collector.values("g")
    collector.snapshot()
    collector.to_prometheus_text()
    collector.rollup_minute(int(clock() // 60))


def test_many_threads_never_deadlock_and_lose_nothing(clock):
    """Writers and readers hammering one collector finish in time with exact counts."""
    collector = MetricsCollector(clock=clock)
    histogram = collector.histogram("d_seconds", "D.", ("tool",))
    counter = collector.counter("q_total", "Q.", ("status",))
    per_thread = 1000

    def write(n):
        for i in range(per_thread):
            histogram.labels(tool=f"t{n % 3}").observe(i / 1000)
            counter.labels(status="answered").inc()

    def read():
        for _ in range(200):
            collector.summary("d_seconds", window_seconds=600)
            collector.snapshot()
            collector.to_prometheus_text()
            collector.rollup_minute(int(clock() // 60))

    pool = ThreadPoolExecutor(max_workers=12)
    faulthandler.dump_traceback_later(60, exit=True)
    try:
        futures = [pool.submit(write, n) for n in range(8)]
        futures += [pool.submit(read) for _ in range(4)]
        done, not_done = wait(futures, timeout=30)
    finally:
        faulthandler.cancel_dump_traceback_later()
        pool.shutdown(wait=False)
    assert not not_done, "deadlock: threads still running after 30 s"
    for future in done:
        future.result()
    assert collector.summary("d_seconds").count == 8 * per_thread
    assert collector.value("q_total") == 8 * per_thread
