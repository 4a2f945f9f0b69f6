"""Tests for the status file the sidecar reads."""

from __future__ import annotations

import json
import threading

from market_parser.observability.alerts import AlertEvaluator
from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.exposition import render_prometheus
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.snapshot import (
    build_snapshot,
    read_snapshot,
    snapshot_age,
    write_snapshot,
)

from .conftest import START


def built(clock) -> tuple[MetricsCollector, dict]:
    collector = MetricsCollector(clock=clock)
    metrics = register_app_metrics(collector)
    metrics.questions.labels(status="answered", error_type="").inc(3)
    metrics.questions.labels(status="failed", error_type="UpstreamError").inc()
    metrics.question_duration.labels(model="m", source="s").observe(2.0)
    metrics.breaker_state.labels(provider="polygon").set(2)
    metrics.process_threads.set(9)
    health = AlertEvaluator().evaluate(collector)
    return collector, build_snapshot(
        collector, health, now=clock(), started_at=START - 90
    )


def test_snapshot_holds_health_counts_latency_resources_breakers(clock):
    """The document has the fields the sidecar and /status rely on."""
    _, snapshot = built(clock)
    assert sorted(snapshot) == [
        "breakers",
        "health",
        "instance",
        "latency_5m",
        "metrics",
        "pid",
        "questions",
        "resources",
        "started_at",
        "uptime_seconds",
        "written_at",
        "written_at_epoch",
    ]
    assert snapshot["written_at"] == "2024-03-01T12:00:00.000Z"
    assert snapshot["uptime_seconds"] == 90
    assert snapshot["health"]["state"] == "degraded"
    assert snapshot["questions"] == {"total": {"answered": 3.0, "failed": 1.0}}
    assert snapshot["latency_5m"]["p95"] == 2.0
    assert snapshot["resources"]["process_threads"] == 9
    assert snapshot["breakers"] == {"polygon": "open"}


def test_write_then_read_round_trips_and_leaves_no_temp_files(clock, tmp_path):
    """What is written is read back whole, and only the target file remains."""
    collector, snapshot = built(clock)
    path = tmp_path / "data" / "status.json"
    write_snapshot(path, snapshot)
    loaded = read_snapshot(path)
    assert loaded == json.loads(json.dumps(snapshot))
    assert [p.name for p in path.parent.iterdir()] == ["status.json"]
    assert render_prometheus(loaded["metrics"]) == collector.to_prometheus_text()
    assert snapshot_age(loaded, START + 20) == 20


def test_missing_or_broken_file_reads_as_none(tmp_path):
    """No file yet, or a file that is not a JSON object, gives None."""
    assert read_snapshot(tmp_path / "absent.json") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert read_snapshot(tmp_path / "bad.json") is None
    (tmp_path / "list.json").write_text("[1, 2]")
    assert read_snapshot(tmp_path / "list.json") is None
    assert snapshot_age({}, START) is None


def test_reader_never_sees_a_half_written_file(tmp_path):
    """While one thread rewrites a large snapshot, another always reads it whole."""
    path = tmp_path / "status.json"
    big = {"padding": "x" * 200_000, "n": 0}
    write_snapshot(path, big)
    stop = threading.Event()
    seen = []

    def read():
        while not stop.is_set():
            seen.append(read_snapshot(path))

    reader = threading.Thread(target=read)
    reader.start()
    for n in range(1, 60):
        write_snapshot(path, {**big, "n": n})
    stop.set()
    reader.join(10)
    assert seen and all(s is not None and len(s["padding"]) == 200_000 for s in seen)
