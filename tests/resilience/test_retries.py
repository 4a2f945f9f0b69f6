"""The retry policy: what is retried, how long it waits, and the deadline."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from market_parser.errors import (
    BreakerOpenError,
    OutboundLimitError,
    QueryTimeoutError,
    RateLimitedError,
    UnknownTickerError,
    UpstreamAuthError,
    UpstreamError,
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.resilience.deadline import Deadline, bind_deadline
from market_parser.resilience.events import EventBus, RetryGaveUp, RetryScheduled
from market_parser.resilience.retries import RetryPolicy, failure_kind, is_retryable
from tests.resilience.conftest import FakeClock, FakeSleep, Recorder


class Upstream:
    """Raises the given errors in turn, then returns 'ok'; counts its calls."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def _server_error() -> UpstreamError:
    return UpstreamError("HTTP 503.", provider="polygon", status=503)


def _too_many(retry_after: float | None) -> RateLimitedError:
    return RateLimitedError("HTTP 429.", provider="polygon", retry_after=retry_after)


def _policy(bus: EventBus, sleep: FakeSleep, **knobs: float) -> RetryPolicy:
    settings = {"max_tries": 3, "base_wait": 0.5, "max_wait": 8.0, "min_attempt": 0.5}
    settings.update(knobs)
    return RetryPolicy(
        "polygon",
        bus=bus,
        sleep=sleep,
        jitter=lambda value: value,
        max_tries=int(settings["max_tries"]),
        base_wait=settings["base_wait"],
        max_wait=settings["max_wait"],
        min_attempt=settings["min_attempt"],
    )


def test_transient_faults_are_retried_until_success(bus: EventBus) -> None:
    """Two 503s then an answer: three calls, waits 0.5 and 1.0 s, the answer returned."""
    sleep = FakeSleep()
    upstream = Upstream(_server_error(), _server_error())

    result = _policy(bus, sleep).call(upstream)

    assert result == "ok"
    assert upstream.calls == 3
    assert sleep.waits == [0.5, 1.0]


def test_gives_up_after_max_tries_with_the_last_error(
    bus: EventBus, recorded: Recorder
) -> None:
    """Three tries, two retry events, one give-up event saying max_tries."""
    sleep = FakeSleep()
    last = UpstreamTimeoutError("Too slow.", provider="polygon")
    upstream = Upstream(_server_error(), _server_error(), last)

    with pytest.raises(UpstreamTimeoutError) as raised:
        _policy(bus, sleep).call(upstream)

    assert raised.value is last
    assert upstream.calls == 3
    assert [(e.attempt, e.wait_s, e.reason) for e in recorded.of(RetryScheduled)] == [
        (1, 0.5, "server_error"),
        (2, 1.0, "server_error"),
    ]
    assert [(e.attempts, e.reason, e.cause) for e in recorded.of(RetryGaveUp)] == [
        (3, "max_tries", "timeout")
    ]


def test_waits_double_up_to_the_cap(bus: EventBus) -> None:
    """With base 1 s and cap 3 s the waits are 1, 2, 3, 3, 3."""
    sleep = FakeSleep()
    upstream = Upstream(*[_server_error() for _ in range(6)])

    with pytest.raises(UpstreamError):
        _policy(bus, sleep, max_tries=6, base_wait=1, max_wait=3).call(upstream)

    assert sleep.waits == [1, 2, 3, 3, 3]


def test_default_jitter_is_full_jitter(bus: EventBus) -> None:
    """Without a test jitter each wait is drawn from 0 to the exponential step."""
    sleep = FakeSleep()
    policy = RetryPolicy(
        "polygon", max_tries=5, base_wait=1, max_wait=8, bus=bus, sleep=sleep
    )

    with pytest.raises(UpstreamError):
        policy.call(Upstream(*[_server_error() for _ in range(5)]))

    steps = [1, 2, 4, 8]
    assert len(sleep.waits) == 4
    assert all(0 <= wait <= step for wait, step in zip(sleep.waits, steps, strict=True))
    assert sleep.waits != steps


def test_429_waits_at_least_retry_after(bus: EventBus, recorded: Recorder) -> None:
    """A 429 asking for 2 s is retried after 2 s, not after the 0.5 s step."""
    sleep = FakeSleep()

    result = _policy(bus, sleep).call(Upstream(_too_many(2.0)))

    assert result == "ok"
    assert sleep.waits == [2.0]
    assert all(wait >= 2.0 for wait in sleep.waits)
    assert recorded.of(RetryScheduled)[0].reason == "rate_limited"


def test_429_without_retry_after_uses_the_exponential_wait(bus: EventBus) -> None:
    """A 429 with no header falls back to 0.5 s, then 1 s."""
    sleep = FakeSleep()

    _policy(bus, sleep).call(Upstream(_too_many(None), _too_many(None)))

    assert sleep.waits == [0.5, 1.0]


@pytest.mark.parametrize(
    "answer",
    [
        UnknownTickerError(["ZZZZ"], source="Polygon"),
        UpstreamAuthError("Check POLYGON_API_KEY.", provider="polygon", status=401),
        UpstreamError("HTTP 404.", provider="polygon", status=404),
        UpstreamError("HTTP 400.", provider="polygon", status=400),
        BreakerOpenError("Open.", provider="polygon", retry_in=20),
        OutboundLimitError("No slot.", provider="polygon", retry_after=40),
    ],
    ids=["data", "auth", "404", "400", "breaker_open", "own_limit"],
)
def test_never_retried(
    bus: EventBus, recorded: Recorder, answer: BaseException
) -> None:
    """Data answers, auth, other 4xx, an open breaker and our own limit get one try."""
    sleep = FakeSleep()
    upstream = Upstream(answer)

    with pytest.raises(type(answer)):
        _policy(bus, sleep).call(upstream)

    assert upstream.calls == 1
    assert sleep.waits == []
    assert recorded.events == []


def test_classification_of_faults() -> None:
    """Connection, 5xx, body errors and unreadable bodies are retryable, with labels."""
    faults = [
        UpstreamError("Could not reach.", provider="polygon"),
        UpstreamError("HTTP 502.", provider="polygon", status=502),
        UpstreamError("ERROR in body.", provider="polygon", status=200),
        UpstreamFormatError("HTML.", provider="polygon", status=200),
    ]

    assert all(is_retryable(f) for f in faults)
    assert [failure_kind(f) for f in faults] == [
        "connection_error",
        "server_error",
        "server_error",
        "bad_response",
    ]


def test_retry_after_beyond_the_deadline_is_not_started(
    bus: EventBus, recorded: Recorder, clock: FakeClock
) -> None:
    """With 3 s left, a 429 asking for 5 s raises at once and says why."""
    sleep = FakeSleep(clock)
    upstream = Upstream(_too_many(5.0))

    with bind_deadline(Deadline(3, clock=clock)), pytest.raises(RateLimitedError):
        _policy(bus, sleep).call(upstream)

    assert upstream.calls == 1
    assert sleep.waits == []
    assert [(e.attempts, e.reason) for e in recorded.of(RetryGaveUp)] == [
        (1, "deadline")
    ]


def test_retries_stop_when_the_next_wait_cannot_fit(
    bus: EventBus, recorded: Recorder, clock: FakeClock
) -> None:
    """Deadline 2 s: waits 0.5 and 1.0 fit with 0.5 s to spare; the 2 s one does not."""
    sleep = FakeSleep(clock)
    upstream = Upstream(*[_server_error() for _ in range(5)])

    with bind_deadline(Deadline(2, clock=clock)), pytest.raises(UpstreamError):
        _policy(bus, sleep, max_tries=5).call(upstream)

    assert upstream.calls == 3
    assert sleep.waits == [0.5, 1.0]
    assert recorded.of(RetryGaveUp)[0].reason == "deadline"


def test_a_cancelled_question_stops_its_retry_wait_and_sends_nothing_more(
    bus: EventBus,
) -> None:
    """Cancelling the deadline wakes the real 5 s retry wait and no attempt follows."""
    upstream = Upstream(*[_server_error() for _ in range(3)])
    policy = RetryPolicy("polygon", base_wait=5, bus=bus, jitter=lambda value: value)
    deadline = Deadline(30)
    outcome: list[BaseException] = []

    def question() -> None:
        with bind_deadline(deadline):
            try:
                policy.call(upstream)
            except QueryTimeoutError as exc:
                outcome.append(exc)

    worker = threading.Thread(target=question)
    started = time.monotonic()
    worker.start()
    time.sleep(0.05)
    deadline.cancel()
    worker.join(timeout=2)

    assert not worker.is_alive()
    assert time.monotonic() - started < 2
    assert upstream.calls == 1
    assert len(outcome) == 1


def test_the_deadline_reaches_a_retry_in_a_worker_thread(bus: EventBus) -> None:
    """Bound in async code, the deadline limits a retry run through asyncio.to_thread."""
    sleep = FakeSleep()
    upstream = Upstream(_too_many(60.0))

    async def question() -> None:
        with bind_deadline(30):
            await asyncio.to_thread(_policy(bus, sleep).call, upstream)

    with pytest.raises(RateLimitedError):
        asyncio.run(question())

    assert upstream.calls == 1
    assert sleep.waits == []
