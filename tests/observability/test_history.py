"""Tests for the SQLite history store and the flusher, on real files in tmp_path."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime

import pytest

from market_parser.observability.distribution import Distribution
from market_parser.observability.history import Flusher, HistoryStore
from market_parser.observability.metrics import MetricsCollector

from .conftest import START


@pytest.fixture
def store(tmp_path):
    store = HistoryStore(tmp_path / "data" / "metrics.sqlite3")
    yield store
    store.close()


def answered(collector: MetricsCollector, n: int = 1) -> None:
    family = collector.counter("questions_total", "Q.", ("status",))
    for _ in range(n):
        family.labels(status="answered").inc()


def test_database_uses_wal_and_a_busy_timeout(store):
    """The file is in WAL mode with a busy timeout, so threads do not hit 'locked'."""
    db = sqlite3.connect(store.path)
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    assert store._db.execute("PRAGMA busy_timeout").fetchone() == (5000,)
    db.close()


def test_reflushing_a_minute_does_not_double_count(store, clock):
    """Flushing the same minute again replaces its row: 3 stays 3, then becomes 5."""
    collector = MetricsCollector(clock=clock)
    flusher = Flusher(collector, store)
    answered(collector, 3)
    flusher.flush()
    flusher.flush()
    window = {"since": START, "until": START + 60}
    assert store.total("questions_total", **window) == 3
    clock.advance(30)
    answered(collector, 2)
    flusher.flush()
    assert store.total("questions_total", **window) == 5


def test_last_minute_is_rewritten_after_it_ends(store, clock):
    """Values added after a flush but before the minute ended reach the store."""
    collector = MetricsCollector(clock=clock)
    flusher = Flusher(collector, store)
    clock.advance(50)
    answered(collector)
    flusher.flush()
    clock.advance(8)
    answered(collector)
    clock.advance(7)
    flusher.flush()
    assert store.total("questions_total", since=START, until=START + 60) == 2


def test_restart_neither_loses_nor_double_counts_a_minute(tmp_path, clock):
    """A new process in the same minute adds to the old one's last flush, once."""
    path = tmp_path / "metrics.sqlite3"
    before = HistoryStore(path)
    old = MetricsCollector(clock=clock)
    answered(old, 3)
    Flusher(old, before).stop()
    before.close()

    clock.advance(20)
    after = HistoryStore(path)
    new = MetricsCollector(clock=clock)
    flusher = Flusher(new, after)
    answered(new, 2)
    flusher.flush()
    flusher.flush()
    assert after.total("questions_total", since=START, until=START + 60) == 5
    assert after.breakdown(
        "questions_total", "status", since=START, until=START + 60
    ) == {"answered": 5.0}
    after.close()


def test_long_window_percentiles_merge_buckets(store, clock):
    """Percentiles over many minutes come from merged buckets, not averaged minutes."""
    collector = MetricsCollector(clock=clock)
    histogram = collector.histogram("d_seconds", "D.", ("model",))
    flusher = Flusher(collector, store)
    everything = Distribution()
    for value in range(1, 21):
        histogram.labels(model="a").observe(value)
        everything.add(value)
    flusher.flush()
    clock.advance(3 * 60)
    for _ in range(80):
        histogram.labels(model="b").observe(50.0)
        everything.add(50.0)
    flusher.flush()

    summary = store.summary("d_seconds", since=START, until=clock() + 1)
    assert summary == everything.summary()
    assert summary.p50 == 50.0  # averaging the two minutes' p50 would say 30
    only_a = store.summary("d_seconds", {"model": "a"}, since=START, until=clock())
    assert (only_a.count, only_a.p95) == (20, 19.0)


def test_summary_of_a_counter_is_refused(store, clock):
    """Counters are read with total or breakdown."""
    collector = MetricsCollector(clock=clock)
    answered(collector)
    Flusher(collector, store).flush()
    with pytest.raises(TypeError, match="counter"):
        store.summary("questions_total", since=START, until=START + 60)


def test_series_gives_one_point_per_step_with_gaps_as_zero(store, clock):
    """Per-minute points: counts and sums where there was traffic, zeros elsewhere."""
    collector = MetricsCollector(clock=clock)
    histogram = collector.histogram("d_seconds", "D.")
    flusher = Flusher(collector, store)
    for value in (1.0, 2.0, 3.0):
        histogram.observe(value)
    clock.advance(120)
    histogram.observe(10.0)
    flusher.flush()

    points = store.series("d_seconds", since=START, until=START + 180)
    assert [p.time for p in points] == [
        datetime.fromtimestamp(START + s, UTC) for s in (0, 60, 120)
    ]
    assert [(p.count, p.avg, p.p95) for p in points] == [
        (3, 2.0, 3.0),
        (0, 0.0, 0.0),
        (1, 10.0, 10.0),
    ]
    (five,) = store.series("d_seconds", since=START, until=START + 300, step=300)
    assert (five.count, five.max) == (4, 10.0)


def test_counter_series_sums_increments(store, clock):
    """A counter's points hold its increase per step."""
    collector = MetricsCollector(clock=clock)
    flusher = Flusher(collector, store)
    answered(collector, 4)
    clock.advance(60)
    answered(collector, 1)
    flusher.flush()
    points = store.series("questions_total", since=START, until=START + 120)
    assert [p.sum for p in points] == [4.0, 1.0]


def test_series_refuses_odd_steps_and_huge_ranges(store):
    """Steps are whole minutes, and a chart gets at most 10,000 points."""
    with pytest.raises(ValueError, match="whole number of minutes"):
        store.series("d_seconds", since=START, until=START + 600, step=90)
    with pytest.raises(ValueError, match="larger step"):
        store.series("d_seconds", since=START, until=START + 31 * 86400, step=60)


def test_prune_drops_rows_older_than_thirty_days(store, clock):
    """prune deletes minutes older than the retention and keeps the rest."""
    collector = MetricsCollector(clock=clock)
    flusher = Flusher(collector, store)
    answered(collector)
    flusher.flush()
    clock.advance(31 * 86400)
    answered(collector)
    flusher.flush()
    assert store.prune(now=clock()) == 0  # the flush already pruned the old minute
    assert store.total("questions_total", since=START, until=clock() + 60) == 1


def test_flusher_prunes_at_most_hourly(store, clock):
    """The first flush prunes; later flushes within the hour leave old rows alone."""
    collector = MetricsCollector(clock=clock)
    flusher = Flusher(collector, store, retention_seconds=120)
    answered(collector)
    flusher.flush()
    clock.advance(600)
    answered(collector)
    flusher.flush()
    assert store.total("questions_total", since=START, until=clock() + 60) == 2
    clock.advance(3600)
    answered(collector)
    flusher.flush()
    assert store.total("questions_total", since=START, until=clock() + 60) == 1


def test_concurrent_writers_on_one_file_do_not_lock(tmp_path, clock):
    """Two connections writing from eight threads finish without 'database is locked'."""
    path = tmp_path / "metrics.sqlite3"
    stores = [HistoryStore(path), HistoryStore(path)]
    collector = MetricsCollector(clock=clock)
    answered(collector, 1)
    rows = collector.rollup_minute(int(clock() // 60))
    failures = []

    def write(n):
        try:
            for _ in range(50):
                stores[n % 2].write(rows, f"instance-{n}")
        except sqlite3.OperationalError as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert stores[0].total("questions_total", since=START, until=START + 60) == 8
    for s in stores:
        s.close()


def test_flusher_thread_flushes_and_calls_the_hook(store, clock):
    """The background thread writes and then runs after_flush; stop flushes once more."""
    collector = MetricsCollector(clock=clock)
    called = threading.Event()
    flusher = Flusher(
        collector, store, interval=0.01, after_flush=lambda now: called.set()
    )
    answered(collector)
    flusher.start()
    assert called.wait(5)
    answered(collector)
    flusher.stop()
    assert store.total("questions_total", since=START, until=START + 60) == 2
