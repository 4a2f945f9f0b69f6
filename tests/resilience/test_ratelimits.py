"""Outbound per-provider limits and inbound per-session limits."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from market_parser.errors import OutboundLimitError, QueryTimeoutError
from market_parser.resilience.deadline import Deadline, bind_deadline
from market_parser.resilience.events import (
    EventBus,
    RateLimitRefused,
    RateLimitWaited,
    Rejected,
)
from market_parser.resilience.ratelimits import OutboundLimiter, SessionLimiter
from tests.resilience.conftest import FakeClock, FakeSleep, Recorder

WALL = 1_700_000_000.0


def _limiter(
    bus: EventBus,
    clock: FakeClock,
    sleep: FakeSleep,
    *,
    limit: int = 5,
    window: float = 60,
    max_wait: float = 1_000,
) -> OutboundLimiter:
    return OutboundLimiter(
        "polygon",
        limit=limit,
        window=window,
        max_wait=max_wait,
        bus=bus,
        clock=clock,
        wall_clock=lambda: WALL + clock(),
        sleep=sleep,
    )


def test_grants_exactly_the_limit_per_window(bus: EventBus, clock: FakeClock) -> None:
    """Five requests go at once; the sixth waits the full 60 s window."""
    sleep = FakeSleep(clock)
    limiter = _limiter(bus, clock, sleep)

    waits = [limiter.acquire() for _ in range(6)]

    assert waits == [0, 0, 0, 0, 0, 60]
    assert sleep.waits == [60]


def test_no_window_ever_holds_more_than_the_limit(
    bus: EventBus, clock: FakeClock
) -> None:
    """Twenty requests at 5 per minute start at 0, 60, 120 and 180 s, five each."""
    sleep = FakeSleep(clock)
    limiter = _limiter(bus, clock, sleep)
    starts = []

    for _ in range(20):
        limiter.acquire()
        starts.append(clock() - 1_000)

    assert starts == [0.0] * 5 + [60.0] * 5 + [120.0] * 5 + [180.0] * 5
    for start in starts:
        assert sum(start <= s < start + 60 for s in starts) <= 5


def test_the_window_slides(bus: EventBus, clock: FakeClock) -> None:
    """Requests at 0, 10, 20, 30, 40 s: one at 45 s waits until 60 s."""
    sleep = FakeSleep(clock)
    limiter = _limiter(bus, clock, sleep)
    for _ in range(5):
        limiter.acquire()
        clock.advance(10)
    clock.advance(-5)

    assert limiter.acquire() == 15


def test_concurrent_callers_get_successive_slots(
    bus: EventBus, clock: FakeClock
) -> None:
    """Thirty threads at 10 per minute: ten go now, ten wait 60 s, ten wait 120 s."""
    sleep = FakeSleep()
    limiter = _limiter(bus, clock, sleep, limit=10)

    with ThreadPoolExecutor(max_workers=30) as pool:
        waits = sorted(
            f.result(timeout=5)
            for f in [pool.submit(limiter.acquire) for _ in range(30)]
        )

    assert waits == [0.0] * 10 + [60.0] * 10 + [120.0] * 10


def test_refuses_when_the_slot_comes_after_the_deadline(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """With 10 s left and a 60 s wait, it raises at once and keeps the slot free."""
    sleep = FakeSleep(clock)
    limiter = _limiter(bus, clock, sleep)
    for _ in range(5):
        limiter.acquire()

    with (
        bind_deadline(Deadline(10, clock=clock)),
        pytest.raises(OutboundLimitError) as refused,
    ):
        limiter.acquire()
    later = limiter.acquire()

    assert refused.value.retry_after == 60
    assert refused.value.status is None
    assert "Try again in 60 s" in str(refused.value)
    assert later == 60
    assert [e.retry_after_s for e in recorded.of(RateLimitRefused)] == [60]


def test_without_a_deadline_max_wait_applies(bus: EventBus, clock: FakeClock) -> None:
    """Outside a question the limiter waits at most max_wait."""
    limiter = _limiter(bus, clock, FakeSleep(clock), limit=1, max_wait=30)
    limiter.acquire()

    with pytest.raises(OutboundLimitError):
        limiter.acquire()


def test_waiting_is_emitted(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """A request that had to wait emits how long it waited."""
    limiter = _limiter(bus, clock, FakeSleep(clock), limit=1)
    limiter.acquire()
    limiter.acquire()

    assert [(e.provider, e.wait_s) for e in recorded.of(RateLimitWaited)] == [
        ("polygon", 60)
    ]


def test_no_requests_left_in_the_header_pauses_until_expiry(
    bus: EventBus, clock: FakeClock
) -> None:
    """X-Ratelimit-Available 0 with expiry in 30 s: the next request waits 30 s."""
    limiter = _limiter(bus, clock, FakeSleep(clock), limit=120)
    expiry_ms = (WALL + clock() + 30) * 1000

    limiter.observe_headers(0, expiry_ms)

    assert limiter.acquire() == pytest.approx(30)
    assert limiter.acquire() == 0


def test_a_small_header_budget_is_spent_then_waits(
    bus: EventBus, clock: FakeClock
) -> None:
    """Available 2 with expiry in 20 s: two requests go, the third waits for expiry."""
    limiter = _limiter(bus, clock, FakeSleep(clock), limit=120)

    limiter.observe_headers(2, (WALL + clock() + 20) * 1000)
    waits = [limiter.acquire() for _ in range(3)]

    assert waits[:2] == [0, 0]
    assert waits[2] == pytest.approx(20)


def test_bad_expiry_headers_cannot_stop_the_provider(
    bus: EventBus, clock: FakeClock
) -> None:
    """An expiry in the past is ignored; one a day away pauses for at most a minute."""
    limiter = _limiter(bus, clock, FakeSleep(clock), limit=120)
    limiter.observe_headers(0, (WALL + clock() - 5) * 1000)
    past = limiter.acquire()

    limiter.observe_headers(0, (WALL + clock() + 86_400) * 1000)

    assert past == 0
    assert limiter.acquire() == pytest.approx(60)


def test_hold_pauses_after_a_429(bus: EventBus, clock: FakeClock) -> None:
    """hold(7) makes the next request wait 7 s."""
    limiter = _limiter(bus, clock, FakeSleep(clock), limit=120)

    limiter.hold(7)

    assert limiter.acquire() == pytest.approx(7)


def test_a_cancelled_question_does_not_send_after_its_wait(bus: EventBus) -> None:
    """A wait cut short by cancellation raises instead of going on to send."""
    limiter = OutboundLimiter("tradier", limit=1, window=60, bus=bus)
    limiter.acquire()
    deadline = Deadline(120)
    outcome: list[BaseException] = []

    def question() -> None:
        with bind_deadline(deadline):
            try:
                limiter.acquire()
            except QueryTimeoutError as exc:
                outcome.append(exc)

    worker = threading.Thread(target=question)
    worker.start()
    threading.Event().wait(0.05)
    deadline.cancel()
    worker.join(timeout=2)

    assert not worker.is_alive()
    assert len(outcome) == 1


def test_session_gets_ten_questions_a_minute(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """Ten questions a second apart pass; the eleventh waits until the first is 60 s old."""
    limiter = SessionLimiter(limit=10, window=60, bus=bus, clock=clock)
    answers = []
    for _ in range(11):
        answers.append(limiter.check("session-a"))
        clock.advance(1)

    assert answers[:10] == [None] * 10
    assert answers[10] == 50
    assert [(e.reason, e.retry_after_s) for e in recorded.of(Rejected)] == [
        ("session_rate", 50)
    ]


def test_sessions_are_limited_separately(bus: EventBus, clock: FakeClock) -> None:
    """One session at its limit does not slow another."""
    limiter = SessionLimiter(limit=2, window=60, bus=bus, clock=clock)
    limiter.check("a")
    limiter.check("a")

    assert limiter.check("a") == 60
    assert limiter.check("b") is None


def test_a_refused_question_is_not_counted(bus: EventBus, clock: FakeClock) -> None:
    """After waiting the seconds it was told, a session may ask again."""
    limiter = SessionLimiter(limit=1, window=60, bus=bus, clock=clock)
    limiter.check("a")
    clock.advance(30)
    wait = limiter.check("a")
    assert wait == 30

    clock.advance(wait)

    assert limiter.check("a") is None


def test_idle_sessions_are_forgotten(bus: EventBus, clock: FakeClock) -> None:
    """A hundred sessions idle for over a minute leave nothing behind."""
    limiter = SessionLimiter(limit=10, window=60, bus=bus, clock=clock)
    for number in range(100):
        limiter.check(f"session-{number}")

    clock.advance(61)
    limiter.check("newcomer")

    assert len(limiter) == 1


def test_session_count_is_bounded(bus: EventBus, clock: FakeClock) -> None:
    """Beyond max_sessions the least recently seen session is dropped."""
    limiter = SessionLimiter(limit=10, window=60, max_sessions=3, bus=bus, clock=clock)

    for number in range(5):
        limiter.check(f"session-{number}")

    assert len(limiter) == 3
