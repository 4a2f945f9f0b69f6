"""Metrics that subscribe to events other layers emit (upstream requests, tools)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from market_parser.errors import (
    RateLimitedError,
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.observability.catalog import AppMetrics

if TYPE_CHECKING:
    from market_parser.market_data.http import RequestOutcome


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
