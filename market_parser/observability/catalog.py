"""The app's metric names and labels, registered in one place.

Label values, so that dashboards and alerts can rely on them:

- ``questions_total{status, error_type}``: ``status`` is one of `QUESTION_STATUSES`.
  ``answered`` (a user's "no such ticker" answer counts here too), ``failed`` (an
  error the user sees), ``timeout`` (past the deadline), ``rejected`` (admission
  refused: too busy, shutting down) and ``invalid`` (refused for the user's own
  input or pace: empty, too long, over the per-session limit). ``error_type`` is the exception's class name (``UpstreamError``,
  ``QueryTimeoutError``, ``BusyError``...) and empty for answered questions. The
  error rate counts failed, timeout and rejected, not invalid.
- ``question_tokens_total{direction, model}``: ``direction`` is ``input`` or ``output``.
- ``tool_calls_total{tool, status}``: ``status`` is ``ok`` or ``error``.
- ``upstream_requests_total{provider, status}``: ``status`` is one of
  `UPSTREAM_STATUSES`.
- ``cache_requests_total{kind, result}``: ``kind`` is the data kind (quote, history,
  options...), ``result`` is ``hit``, ``miss`` or ``stale`` (served stale on error).
- ``breaker_state{provider}``: 0 closed, 1 half-open, 2 open (`BREAKER_STATES`).
- ``container_memory_limit_bytes`` is 0 when no cgroup limit applies.
"""

from __future__ import annotations

from dataclasses import dataclass

from market_parser.observability.metrics import Family, MetricsCollector

QUESTION_STATUSES = ("answered", "failed", "timeout", "rejected", "invalid")
ERROR_STATUSES = ("failed", "timeout", "rejected")
UPSTREAM_STATUSES = (
    "ok",
    "client_error",
    "rate_limited",
    "server_error",
    "timeout",
    "connection_error",
    "bad_response",
)
BREAKER_STATES = {"closed": 0, "half_open": 1, "open": 2}


@dataclass(frozen=True)
class AppMetrics:
    """The families the app records into; attribute names follow metric names."""

    questions: Family
    question_duration: Family
    question_queue_wait: Family
    question_tokens: Family
    questions_in_flight: Family
    question_queue_depth: Family
    active_sessions: Family
    tool_calls: Family
    tool_duration: Family
    upstream_requests: Family
    upstream_request_duration: Family
    upstream_retries: Family
    cache_requests: Family
    breaker_state: Family
    process_cpu_percent: Family
    process_resident_memory_bytes: Family
    process_threads: Family
    process_open_connections: Family
    system_memory_percent: Family
    system_disk_percent: Family
    container_memory_limit_bytes: Family


def register_app_metrics(collector: MetricsCollector) -> AppMetrics:
    """Register the app's families on ``collector``; calling it again is harmless."""
    c, g, h = collector.counter, collector.gauge, collector.histogram
    return AppMetrics(
        questions=c(
            "questions_total",
            "Questions finished, by outcome.",
            ("status", "error_type"),
        ),
        question_duration=h(
            "question_duration_seconds",
            "Time from accepting a question to its answer or error.",
            ("model", "source"),
        ),
        question_queue_wait=h(
            "question_queue_wait_seconds",
            "Time a question waited for a free worker before it started.",
        ),
        question_tokens=c(
            "question_tokens_total",
            "Model tokens used by questions.",
            ("direction", "model"),
        ),
        questions_in_flight=g(
            "questions_in_flight", "Questions being answered right now."
        ),
        question_queue_depth=g(
            "question_queue_depth", "Questions waiting for a free worker."
        ),
        active_sessions=g("active_sessions", "Browser sessions seen recently."),
        tool_calls=c("tool_calls_total", "Agent tool calls.", ("tool", "status")),
        tool_duration=h(
            "tool_duration_seconds", "Time one agent tool call took.", ("tool",)
        ),
        upstream_requests=c(
            "upstream_requests_total",
            "HTTP requests to market-data providers, by outcome.",
            ("provider", "status"),
        ),
        upstream_request_duration=h(
            "upstream_request_duration_seconds",
            "Time one HTTP request to a provider took, retries apart.",
            ("provider",),
        ),
        upstream_retries=c(
            "upstream_retries_total", "Retried provider requests.", ("provider",)
        ),
        cache_requests=c(
            "cache_requests_total",
            "Market-data cache lookups, by data kind and result.",
            ("kind", "result"),
        ),
        breaker_state=g(
            "breaker_state",
            "Circuit breaker per provider: 0 closed, 1 half-open, 2 open.",
            ("provider",),
        ),
        **_resource_families(collector),
    )


def _resource_families(collector: MetricsCollector) -> dict[str, Family]:
    g = collector.gauge
    return {
        "process_cpu_percent": g(
            "process_cpu_percent", "CPU used by this process, in percent of one core."
        ),
        "process_resident_memory_bytes": g(
            "process_resident_memory_bytes", "Resident memory of this process."
        ),
        "process_threads": g("process_threads", "Threads in this process."),
        "process_open_connections": g(
            "process_open_connections", "Open internet sockets of this process."
        ),
        "system_memory_percent": g(
            "system_memory_percent", "Memory in use on the machine, in percent."
        ),
        "system_disk_percent": g(
            "system_disk_percent", "Disk in use where the data directory lives."
        ),
        "container_memory_limit_bytes": g(
            "container_memory_limit_bytes", "The cgroup memory limit; 0 when none."
        ),
    }
