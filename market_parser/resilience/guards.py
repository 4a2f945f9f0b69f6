"""Everything between a provider call and the network, in one fixed order.

For one upstream call the order is::

    cache( breaker( retry( rate_limit( http ) ) ) )

- The breaker is outside the retry loop, so one call counts once against it
  however many attempts it took ("one question counts at most once"; the breaker
  also counts a question only once across its calls). With the retry outside,
  one question's three failing attempts would be three consecutive faults, and
  a single slow question could open the breaker for everybody. An open breaker
  also fails fast before any retry wait is spent.
- A half-open breaker's trial is a single attempt, without retries: the probe
  of a recovering provider is exactly one request.
- The rate limit is inside the retry, because every attempt is a request the
  provider counts; a retry waits for its own slot. Its waits honour the
  deadline like the retry's.
- A 429's ``Retry-After`` also holds the limiter, so the other threads calling
  the same provider pause too instead of collecting their own 429s.
- DESIGN.md sketches "breaker > rate limit > retry > HTTP"; we put the limit
  inside the retry instead, so that retries cannot exceed the provider's quota.
- The cache (`TtlCache`) goes around the guard, keyed by the request, so that a
  hit or a coalesced request never touches the breaker, the limiter or the
  network, and stale-if-error can cover a failure or an open breaker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from market_parser.errors import OutboundLimitError, RateLimitedError
from market_parser.resilience.breakers import Breaker
from market_parser.resilience.events import EventBus
from market_parser.resilience.ratelimits import OutboundLimiter
from market_parser.resilience.retries import RetryPolicy

T = TypeVar("T")


class UpstreamGuard:
    """The breaker, retry policy and rate limit of one provider, applied in order.

    Make one per provider per process and share it between threads: the limit
    and the breaker only work if every request to that provider goes through
    the same guard.
    """

    def __init__(
        self, *, breaker: Breaker, retry: RetryPolicy, limiter: OutboundLimiter
    ) -> None:
        self.breaker = breaker
        self.retry = retry
        self.limiter = limiter

    @classmethod
    def from_settings(
        cls, provider: str, settings: Any, *, bus: EventBus | None = None
    ) -> UpstreamGuard:
        """A guard for ``provider`` (``tradier`` or ``polygon``) tuned by settings."""
        breaker = Breaker(
            provider,
            fail_max=settings.breaker_fail_max,
            reset_timeout=settings.breaker_reset_timeout,
            bus=bus,
        )
        retry = RetryPolicy(
            provider,
            max_tries=settings.retry_max_tries,
            base_wait=settings.retry_base_wait,
            max_wait=settings.retry_max_wait,
            min_attempt=settings.retry_min_attempt,
            bus=bus,
        )
        limiter = OutboundLimiter(
            provider,
            limit=getattr(settings, f"{provider}_rate_limit"),
            window=getattr(settings, f"{provider}_rate_window"),
            max_wait=settings.query_timeout,
            bus=bus,
        )
        return cls(breaker=breaker, retry=retry, limiter=limiter)

    def call(self, send: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Send one request through breaker, retries and rate limit."""
        return self.breaker.call(self._retried, send, *args, **kwargs)

    def wrap(self, send: Callable[..., T]) -> Callable[..., T]:
        """``send`` with this guard around it, in the shape `HttpClient.wrap` takes."""

        @functools.wraps(send)
        def guarded(*args: Any, **kwargs: Any) -> T:
            return self.call(send, *args, **kwargs)

        return guarded

    def _retried(self, send: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self.breaker.in_trial():
            return self._attempt(send, *args, **kwargs)
        return self.retry.call(self._attempt, send, *args, **kwargs)

    def _attempt(self, send: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        self.limiter.acquire()
        try:
            return send(*args, **kwargs)
        except RateLimitedError as exc:
            upstream = not isinstance(exc, OutboundLimitError)
            if upstream and exc.retry_after:
                self.limiter.hold(exc.retry_after)
            raise
