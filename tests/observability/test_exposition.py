"""Tests for the Prometheus text exposition, checked with prometheus_client's parser."""

from __future__ import annotations

import json

from prometheus_client.parser import text_string_to_metric_families

from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.exposition import format_value, render_prometheus
from market_parser.observability.metrics import MetricsCollector


def parsed(text: str) -> dict:
    return {family.name: family for family in text_string_to_metric_families(text)}


def samples(family) -> dict:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples}


def key(name: str, **labels: str) -> tuple:
    return (name, tuple(sorted(labels.items())))


def test_app_metrics_parse_with_the_reference_parser(clock):
    """Every app family comes out typed, and counters, gauges and buckets hold values."""
    collector = MetricsCollector(clock=clock)
    metrics = register_app_metrics(collector)
    metrics.questions.labels(status="answered", error_type="").inc(3)
    metrics.questions.labels(status="failed", error_type="UpstreamError").inc()
    metrics.questions_in_flight.set(2)
    for value in (0.2, 0.7, 4.0, 45.0):
        metrics.question_duration.labels(model="offline", source="sample").observe(
            value
        )

    families = parsed(collector.to_prometheus_text())

    assert families["questions"].type == "counter"
    assert (
        samples(families["questions"])[
            ("questions_total", (("error_type", "UpstreamError"), ("status", "failed")))
        ]
        == 1.0
    )
    assert samples(families["questions_in_flight"]) == {
        ("questions_in_flight", ()): 2.0
    }
    duration = samples(families["question_duration_seconds"])
    labels = {"model": "offline", "source": "sample"}
    bucket = "question_duration_seconds_bucket"
    assert duration[key(bucket, **labels, le="0.25")] == 1
    assert duration[key(bucket, **labels, le="5.0")] == 3
    assert duration[key(bucket, **labels, le="+Inf")] == 4
    assert duration[key("question_duration_seconds_count", **labels)] == 4
    assert duration[key("question_duration_seconds_sum", **labels)] == 49.9
    assert len(families) == 21


def test_label_values_and_help_are_escaped(clock):
    """Quotes, backslashes and newlines in label values survive a round trip."""
    collector = MetricsCollector(clock=clock)
    family = collector.counter("odd_total", 'Help with \\ and\nnewline "q".', ("tool",))
    family.labels(tool='a"b\\c\nd').inc()
    (family,) = text_string_to_metric_families(collector.to_prometheus_text())
    assert family.samples[0].labels == {"tool": 'a"b\\c\nd'}
    assert family.documentation == 'Help with \\ and\nnewline "q".'


def test_sidecar_can_render_from_a_json_snapshot(clock):
    """The snapshot's families, after a JSON round trip, render the same text."""
    collector = MetricsCollector(clock=clock)
    register_app_metrics(collector).tool_duration.labels(tool="quote").observe(0.03)
    families = json.loads(json.dumps(collector.snapshot()))["families"]
    assert render_prometheus(families) == collector.to_prometheus_text()


def test_values_are_written_the_prometheus_way():
    """Infinities and NaN use the spellings the format requires."""
    assert [format_value(v) for v in (1, 0.5, float("inf"), float("nan"))] == [
        "1.0",
        "0.5",
        "+Inf",
        "NaN",
    ]
