"""Tests for the app's metric catalog."""

from __future__ import annotations

from market_parser.observability.catalog import AppMetrics, register_app_metrics
from market_parser.observability.metrics import MetricsCollector


def test_catalog_names_and_labels(clock):
    """The families, their kinds and label names are the agreed ones."""
    metrics = register_app_metrics(MetricsCollector(clock=clock))
    table = {
        f.name: (f.kind, f.labelnames)
        for f in (getattr(metrics, field) for field in AppMetrics.__dataclass_fields__)
    }
    assert table == {
        "questions_total": ("counter", ("status", "error_type")),
        "question_duration_seconds": ("histogram", ("model", "source")),
        "question_queue_wait_seconds": ("histogram", ()),
        "question_tokens_total": ("counter", ("direction", "model")),
        "questions_in_flight": ("gauge", ()),
        "question_queue_depth": ("gauge", ()),
        "active_sessions": ("gauge", ()),
        "tool_calls_total": ("counter", ("tool", "status")),
        "tool_duration_seconds": ("histogram", ("tool",)),
        "upstream_requests_total": ("counter", ("provider", "status")),
        "upstream_request_duration_seconds": ("histogram", ("provider",)),
        "upstream_retries_total": ("counter", ("provider",)),
        "cache_requests_total": ("counter", ("kind", "result")),
        "breaker_state": ("gauge", ("provider",)),
        "process_cpu_percent": ("gauge", ()),
        "process_resident_memory_bytes": ("gauge", ()),
        "process_threads": ("gauge", ()),
        "process_open_connections": ("gauge", ()),
        "system_memory_percent": ("gauge", ()),
        "system_disk_percent": ("gauge", ()),
        "container_memory_limit_bytes": ("gauge", ()),
    }


def test_registering_twice_shares_the_families(clock):
    """A second registration (another page, the sampler) returns the same families."""
    collector = MetricsCollector(clock=clock)
    first, second = register_app_metrics(collector), register_app_metrics(collector)
    assert first.questions is second.questions
    first.questions.labels(status="answered", error_type="").inc()
    assert collector.value("questions_total") == 1
