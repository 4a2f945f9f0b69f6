"""Metrics and logs that subscribe to what other layers emit.

Upstream request outcomes come from `HttpClient` listeners; breaker, retry, rate
limit, cache and admission events from the resilience event bus.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from market_parser.errors import (
    RateLimitedError,
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.observability.catalog import BREAKER_STATES, AppMetrics
from market_parser.resilience.events import (
    Admitted,
    BreakerStateChanged,
    CacheLookup,
    Event,
    RetryScheduled,
)

if TYPE_CHECKING:
    from market_parser.market_data.http import RequestOutcome

logger = logging.getLogger(__name__)


def upstream_status(outcome: RequestOutcome) -> str:
    """The ``status`` label of one upstream request (see `UPSTREAM_STATUSES`)."""
    error = outcome.error
    if isinstance(error, UpstreamTimeoutError):
        return "timeout"
    if isinstance(error, RateLimitedError) or outcome.status == 429:
        return "rate_limited"
    if outcome.status is None:
        return "connection_error"
    if outcome.status >= 500:
        return "server_error"
    if isinstance(error, UpstreamFormatError):
        return "bad_response"
    if outcome.status >= 400:
        return "client_error"
    return "ok" if error is None else "bad_response"


class UpstreamRecorder:
    """Counts and times every upstream request, retries included."""

    def __init__(self, metrics: AppMetrics) -> None:
        self._metrics = metrics

    def __call__(self, outcome: RequestOutcome) -> None:
        status = upstream_status(outcome)
        self._metrics.upstream_requests.labels(
            provider=outcome.provider, status=status
        ).inc()
        self._metrics.upstream_request_duration.labels(
            provider=outcome.provider
        ).observe(outcome.duration_s)


_RESILIENCE_LOG_LEVELS = {
    "breaker.opened": logging.WARNING,
    "breaker.half_opened": logging.INFO,
    "breaker.closed": logging.INFO,
    "breaker.failure": logging.INFO,
    "breaker.rejected": logging.INFO,
    "upstream.retry": logging.WARNING,
    "upstream.gave_up": logging.WARNING,
    "ratelimit.waited": logging.INFO,
    "ratelimit.refused": logging.WARNING,
    "question.rejected": logging.WARNING,
    "cache.coalesced": logging.DEBUG,
    "cache.lookup": logging.DEBUG,
    "question.admitted": logging.DEBUG,
}


class ResilienceRecorder:
    """Turns breaker, retry, rate-limit, cache and admission events into data.

    Subscribed to the query service's event bus: metrics for what dashboards
    chart, one log line per event for what an operator reads.
    """

    def __init__(self, metrics: AppMetrics) -> None:
        self._metrics = metrics

    def __call__(self, event: Event) -> None:
        self._record(event)
        level = _RESILIENCE_LOG_LEVELS.get(event.name, logging.INFO)
        if logger.isEnabledFor(level):
            logger.log(level, event.name, extra=_fields(event))

    def _record(self, event: Event) -> None:
        m = self._metrics
        if isinstance(event, BreakerStateChanged):
            m.breaker_state.labels(provider=event.provider).set(
                BREAKER_STATES[event.new]
            )
        elif isinstance(event, RetryScheduled):
            m.upstream_retries.labels(provider=event.provider).inc()
        elif isinstance(event, CacheLookup):
            m.cache_requests.labels(kind=event.kind, result=event.result).inc()
        elif isinstance(event, Admitted):
            m.question_queue_wait.observe(event.wait_s)
            m.question_queue_depth.set(event.waiting)


def _fields(event: Event) -> dict[str, object]:
    # "name" is a reserved LogRecord attribute; events never need it as a field.
    return {k: v for k, v in event.fields().items() if k != "name"}
