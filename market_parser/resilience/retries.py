"""Retries for transient upstream faults, with backoff 2.2.1, inside the deadline.

- Retried: `UpstreamError` without a 4xx status (connection errors, timeouts,
  unreadable bodies, 5xx, errors reported inside a 2xx body) and an upstream 429.
- Never retried: `DataError` (not an `UpstreamError`, so backoff lets it pass),
  `UpstreamAuthError`, other 4xx, `BreakerOpenError`, and `OutboundLimitError`
  (our limiter already waited as long as the deadline allowed).
- Waits: ``base_wait * 2 ** (n - 1)`` capped at ``max_wait``, with full jitter
  (a uniform draw from 0 to that). After a 429, the provider's ``retry_after``
  exactly (at least what it asked for; `market_parser.market_data.http` parses
  the header, seconds or an HTTP date); without one, the exponential wait.
- Deadline: a retry is not started when its wait plus ``min_attempt`` (time the
  attempt itself needs) does not fit in what is left of the current deadline;
  the last error is raised instead.

How backoff is used: `backoff.on_exception` runs the loop, counts tries and
calls the hooks. Our wait generator receives each exception (backoff sends it
in), plans the wait and stops (which backoff treats as giving up) when the
deadline cannot fit it. backoff itself sleeps with `time.sleep`, which tests
cannot replace and a finished question cannot interrupt, so the generator hands
it a wait of 0 and our ``on_backoff`` hook does the planned wait with an
injectable sleep that wakes when the deadline is cancelled.

Where the retry sits relative to the breaker and the rate limit is documented
in `market_parser.resilience.guards`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any, TypeVar

import backoff

from market_parser.errors import (
    BreakerOpenError,
    OutboundLimitError,
    RateLimitedError,
    UpstreamAuthError,
    UpstreamError,
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.resilience.deadline import current_deadline, sleep_within_deadline
from market_parser.resilience.events import (
    EventBus,
    RetryGaveUp,
    RetryScheduled,
    default_bus,
)

T = TypeVar("T")


def is_retryable(exc: BaseException) -> bool:
    """Whether another attempt could succeed where this one failed."""
    if isinstance(exc, BreakerOpenError | OutboundLimitError | UpstreamAuthError):
        return False
    if isinstance(exc, RateLimitedError):
        return True
    if isinstance(exc, UpstreamError):
        return exc.status is None or not 400 <= exc.status < 500
    return False


def failure_kind(exc: UpstreamError) -> str:
    """A short label for a fault, as used by ``upstream_requests_total{status}``."""
    if isinstance(exc, UpstreamTimeoutError):
        return "timeout"
    if isinstance(exc, RateLimitedError):
        return "rate_limited"
    if isinstance(exc, UpstreamFormatError):
        return "bad_response"
    if exc.status is None:
        return "connection_error"
    return "client_error" if 400 <= exc.status < 500 else "server_error"


class RetryPolicy:
    """How one provider's calls are retried; safe to share between threads."""

    def __init__(
        self,
        provider: str,
        *,
        max_tries: int = 3,
        base_wait: float = 0.5,
        max_wait: float = 8.0,
        min_attempt: float = 0.5,
        bus: EventBus | None = None,
        sleep: Callable[[float], Any] = sleep_within_deadline,
        jitter: Callable[[float], float] = backoff.full_jitter,
    ) -> None:
        self.provider = provider
        self.max_tries = max_tries
        self.base_wait = base_wait
        self.max_wait = max_wait
        self.min_attempt = min_attempt
        self.bus = bus or default_bus
        self.sleep = sleep
        self.jitter = jitter

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Call ``func``, retrying transient faults while tries and time are left."""
        run = _Run(self)
        retrying = backoff.on_exception(
            run.waits,
            UpstreamError,
            max_tries=self.max_tries,
            jitter=None,
            giveup=lambda exc: not is_retryable(exc),
            on_backoff=run.on_backoff,
            on_giveup=run.on_giveup,
            logger=None,
        )(_attempt)

        return retrying(func, *args, **kwargs)

    def plan(self, exc: BaseException, exponential: float) -> float:
        """The wait before retrying after ``exc``, given this try's exponential step."""
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            return max(0.0, exc.retry_after)
        return self.jitter(exponential)


def _attempt(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    deadline = current_deadline()
    if deadline is not None:
        deadline.check()
    return func(*args, **kwargs)


def _fits(seconds: float) -> bool:
    deadline = current_deadline()
    return deadline is None or seconds <= deadline.remaining()


class _Run:
    """The state of one call's retries: the planned wait and why it stopped."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.planned = 0.0
        self.out_of_time = False
        self._steps = backoff.expo(factor=policy.base_wait, max_value=policy.max_wait)
        next(self._steps)

    def waits(self) -> Generator[float, BaseException, None]:
        exc = yield 0.0
        while True:
            planned = self.policy.plan(exc, next(self._steps))
            if not _fits(planned + self.policy.min_attempt):
                self.out_of_time = True
                return
            self.planned = planned
            exc = yield 0.0

    def on_backoff(self, details: dict[str, Any]) -> None:
        exc = details["exception"]
        event = RetryScheduled(
            self.policy.provider, details["tries"], self.planned, failure_kind(exc)
        )
        self.policy.bus.emit(event)
        self.policy.sleep(self.planned)

    def on_giveup(self, details: dict[str, Any]) -> None:
        exc = details["exception"]
        if not is_retryable(exc):
            return
        reason = "deadline" if self.out_of_time else "max_tries"
        event = RetryGaveUp(
            self.policy.provider, details["tries"], reason, failure_kind(exc)
        )
        self.policy.bus.emit(event)
