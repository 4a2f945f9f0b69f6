"""What instrumentation costs per question: metrics, logs, ids, the recent ring.

Two measurements, both in CPU time (``time.process_time``):

1. The same offline questions through the query service with instrumentation on
   and off (off = no-op metrics, logging disabled, no recent ring), N rounds each.
   End to end, so it includes everything, but a question's own work is several
   milliseconds and its noise is larger than the difference.
2. The exact instrumentation calls one question makes (correlation binding, the
   in-flight gauge, counters and histograms, tool and upstream recorders, the
   recent ring and the JSON log lines), repeated 20,000 times, with our
   collector and with ``prometheus_client`` doing the same metric work.

    python scripts/bench_instrumentation.py --rounds 200
"""

from __future__ import annotations

import argparse
import io
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from market_parser.config.settings import Settings  # noqa: E402
from market_parser.observability.catalog import register_app_metrics  # noqa: E402
from market_parser.observability.correlation import bind, new_correlation_id  # noqa: E402
from market_parser.observability.logs import configure_logging  # noqa: E402
from market_parser.observability.metrics import MetricsCollector  # noqa: E402
from market_parser.observability.recent import QuestionRecord, RecentQuestions  # noqa: E402
from market_parser.service.query import QueryService  # noqa: E402

QUESTIONS = (
    "What is Apple's stock price?",
    "How did MSFT do last week?",
    "RSI and MACD for IBM",
    "AAPL puts for the nearest expiration",
    "Compare AAPL, MSFT and IBM over the past month",
)


class _Null:
    """A metric family or series that records nothing."""

    def labels(self, **_labels: Any) -> _Null:
        return self

    def inc(self, *_args: Any) -> None:
        return None

    set = observe = dec = inc


class _NullMetrics:
    def __getattr__(self, _name: str) -> _Null:
        return _Null()


class _NullRecent(RecentQuestions):
    def add(self, record: QuestionRecord) -> None:
        return None


def end_to_end(rounds: int, data_dir: str) -> dict[str, float]:
    settings = Settings.load({"MARKET_PARSER_DATA_DIR": data_dir})
    results = {}
    for label, instrumented in (("on", True), ("off", False)):
        service = QueryService(settings)
        if not instrumented:
            service.metrics = _NullMetrics()  # type: ignore[assignment]
            service.recent = _NullRecent()
            service._sessions._metrics = service.metrics
        service.stack()
        for question in QUESTIONS:  # warm caches and lazy imports
            service.ask(question, session_id=f"warm-{label}")
        logging.disable(logging.NOTSET if instrumented else logging.CRITICAL)
        samples = []
        for index in range(rounds):
            for question in QUESTIONS:
                started = time.process_time()
                service.ask(question, session_id=f"{label}-{index}")
                samples.append(time.process_time() - started)
        logging.disable(logging.NOTSET)
        service.close()
        results[label] = statistics.fmean(samples) * 1e6
    return results


def one_question_of_instrumentation(metrics, recent, logger) -> None:
    """The calls the service, a tool and the HTTP layer make for one question."""
    with bind(correlation_id=new_correlation_id(), session="browser-session"):
        metrics.questions_in_flight.set(1)
        metrics.active_sessions.set(3)
        metrics.tool_calls.labels(tool="get_quotes", status="ok").inc()
        metrics.tool_duration.labels(tool="get_quotes").observe(0.004)
        logger.debug("tool.called", extra={"tool": "get_quotes", "duration_ms": 4.1})
        metrics.questions_in_flight.set(0)
        metrics.questions.labels(status="answered", error_type="").inc()
        metrics.question_duration.labels(model="m", source="s").observe(0.0123)
        metrics.question_tokens.labels(direction="input", model="m").inc(640)
        metrics.question_tokens.labels(direction="output", model="m").inc(98)
        recent.add(
            QuestionRecord(
                0.0, "What is Apple's stock price?", "answered", 12.3, "m", "id"
            )
        )
        logger.info(
            "question.answered",
            extra={
                "duration_ms": 12.3,
                "model": "m",
                "status": "answered",
                "error_type": None,
                "tools": ["get_quotes"],
                "tokens_in": 640,
                "tokens_out": 98,
            },
        )


def micro(iterations: int) -> dict[str, float]:
    stream = io.StringIO()
    configure_logging("INFO", "json", secrets=["sk-secret"], stream=stream)
    logger = logging.getLogger("market_parser.bench")
    results = {}
    for label, metrics in (
        ("ours", register_app_metrics(MetricsCollector())),
        ("prometheus_client", _prometheus_metrics()),
    ):
        recent = RecentQuestions()
        started = time.process_time()
        for _ in range(iterations):
            one_question_of_instrumentation(metrics, recent, logger)
            stream.seek(0)
            stream.truncate()
        results[label] = (time.process_time() - started) / iterations * 1e6
    logging.disable(logging.CRITICAL)
    started = time.process_time()
    metrics = register_app_metrics(MetricsCollector())
    for _ in range(iterations):
        one_question_of_instrumentation(metrics, RecentQuestions(8), logger)
    results["ours_without_logs"] = (time.process_time() - started) / iterations * 1e6
    logging.disable(logging.NOTSET)
    return results


def _prometheus_metrics() -> Any:
    """The same families in prometheus_client, each in a fresh registry."""
    from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

    registry = CollectorRegistry()

    class Families:
        questions_in_flight = Gauge("in_flight", "", registry=registry)
        active_sessions = Gauge("sessions", "", registry=registry)
        tool_calls = Counter("tools", "", ["tool", "status"], registry=registry)
        tool_duration = Histogram("tool_s", "", ["tool"], registry=registry)
        questions = Counter(
            "questions", "", ["status", "error_type"], registry=registry
        )
        question_duration = Histogram("q_s", "", ["model", "source"], registry=registry)
        question_tokens = Counter(
            "tokens", "", ["direction", "model"], registry=registry
        )

    return Families()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        configure_logging("INFO", "json", stream=io.StringIO())
        e2e = end_to_end(args.rounds, data_dir)
    calls = micro(args.iterations)
    print(
        f"end to end, CPU per question over {args.rounds * len(QUESTIONS)} questions:"
    )
    print(f"  instrumented      {e2e['on']:9.1f} µs")
    print(f"  not instrumented  {e2e['off']:9.1f} µs")
    print(
        f"  difference        {e2e['on'] - e2e['off']:9.1f} µs ({e2e['on'] / e2e['off']:.3f}x)"
    )
    print(f"instrumentation calls of one question, {args.iterations:,} repetitions:")
    print(f"  ours (metrics + JSON logs + ids + ring)  {calls['ours']:6.1f} µs")
    print(
        f"  ours without log lines                   {calls['ours_without_logs']:6.1f} µs"
    )
    print(
        f"  prometheus_client metrics + same logs    {calls['prometheus_client']:6.1f} µs"
    )


if __name__ == "__main__":
    main()
