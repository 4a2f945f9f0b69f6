"""The guard that applies breaker, retry and rate limit to one provider in order."""

from __future__ import annotations

import pytest

from market_parser.config.settings import Settings
from market_parser.errors import BreakerOpenError, RateLimitedError, UpstreamError
from market_parser.resilience.breakers import Breaker
from market_parser.resilience.events import EventBus
from market_parser.resilience.guards import UpstreamGuard
from market_parser.resilience.ratelimits import OutboundLimiter
from market_parser.resilience.retries import RetryPolicy
from tests.resilience.conftest import FakeClock, FakeSleep


class Send:
    """A fake HTTP send: raises the given errors in turn, then echoes the spec."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.specs: list[str] = []

    def __call__(self, spec: str) -> dict[str, str]:
        self.specs.append(spec)
        if self.errors:
            raise self.errors.pop(0)
        return {"spec": spec}


def _guard(
    bus: EventBus, clock: FakeClock, *, fail_max: int = 2, limit: int = 100
) -> tuple[UpstreamGuard, FakeSleep]:
    sleep = FakeSleep(clock)
    guard = UpstreamGuard(
        breaker=Breaker("tradier", fail_max=fail_max, bus=bus, clock=clock),
        retry=RetryPolicy(
            "tradier",
            max_tries=3,
            base_wait=0.5,
            bus=bus,
            sleep=sleep,
            jitter=lambda v: v,
        ),
        limiter=OutboundLimiter(
            "tradier",
            limit=limit,
            window=60,
            max_wait=1_000,
            bus=bus,
            clock=clock,
            sleep=sleep,
        ),
    )
    return guard, sleep


def _outage(count: int) -> list[UpstreamError]:
    return [
        UpstreamError("HTTP 503.", provider="tradier", status=503) for _ in range(count)
    ]


def test_a_calls_retries_count_once_against_the_breaker(
    bus: EventBus, clock: FakeClock
) -> None:
    """Two calls of three failing attempts each open a fail_max=2 breaker; the third sends nothing."""
    guard, _ = _guard(bus, clock, fail_max=2)
    send = Send(*_outage(6))

    with pytest.raises(UpstreamError):
        guard.call(send, "quotes")
    after_first = (len(send.specs), guard.breaker.failures)
    with pytest.raises(UpstreamError):
        guard.call(send, "quotes")
    with pytest.raises(BreakerOpenError):
        guard.call(send, "quotes")

    assert after_first == (3, 1)
    assert len(send.specs) == 6
    assert guard.breaker.state == "open"


def test_every_attempt_takes_a_rate_limit_slot(bus: EventBus, clock: FakeClock) -> None:
    """With 2 per minute, a call whose first attempt failed uses both slots."""
    guard, sleep = _guard(bus, clock, limit=2)
    send = Send(*_outage(1))

    result = guard.call(send, "quotes")
    waited = guard.limiter.acquire()

    assert result == {"spec": "quotes"}
    assert sleep.waits == [0.5, pytest.approx(59.5)]
    assert waited == pytest.approx(59.5)


def test_a_429_pauses_the_whole_provider(bus: EventBus, clock: FakeClock) -> None:
    """Retry-After 4 s holds the limiter, so other callers wait too."""
    guard, sleep = _guard(bus, clock)
    send = Send(RateLimitedError("HTTP 429.", provider="tradier", retry_after=4))

    guard.call(send, "quotes")

    assert sleep.waits == [4]
    assert len(send.specs) == 2


def test_wrap_fits_the_http_clients_wrap(bus: EventBus, clock: FakeClock) -> None:
    """guard.wrap(send) is a send function with the guard around it."""
    guard, _ = _guard(bus, clock)
    send = Send(*_outage(1))

    guarded = guard.wrap(send)

    assert guarded("clock") == {"spec": "clock"}
    assert send.specs == ["clock", "clock"]


def test_from_settings_uses_each_providers_limits() -> None:
    """Polygon gets 5 per 60 s, Tradier 120 per 60 s, both fail_max 5 and 3 tries."""
    settings = Settings.load(environ={})

    polygon = UpstreamGuard.from_settings("polygon", settings, bus=EventBus())
    tradier = UpstreamGuard.from_settings("tradier", settings, bus=EventBus())

    assert (polygon.limiter.limit, polygon.limiter.window) == (5, 60)
    assert (tradier.limiter.limit, tradier.limiter.window) == (120, 60)
    assert (polygon.breaker.fail_max, polygon.breaker.reset_timeout) == (5, 30)
    assert polygon.retry.max_tries == 3


def test_a_half_open_trial_is_one_request_without_retries(
    bus: EventBus, clock: FakeClock
) -> None:
    """After the reset timeout a failing trial sends exactly one request and reopens."""
    guard, _ = _guard(bus, clock, fail_max=1)
    send = Send(*_outage(4))
    with pytest.raises(UpstreamError):
        guard.call(send, "quotes")
    clock.advance(30)
    before = len(send.specs)

    with pytest.raises(UpstreamError):
        guard.call(send, "quotes")

    assert len(send.specs) - before == 1
    assert guard.breaker.state == "open"
