"""The per-provider circuit breaker built on aiobreaker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest

from market_parser.errors import (
    BreakerOpenError,
    NoDataError,
    OutboundLimitError,
    QueryTimeoutError,
    RateLimitedError,
    UnknownTickerError,
    UpstreamAuthError,
    UpstreamError,
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.resilience.breakers import Breaker, classify
from market_parser.resilience.deadline import bind_deadline
from market_parser.resilience.events import (
    BreakerFailure,
    BreakerRejected,
    BreakerStateChanged,
    EventBus,
)
from tests.resilience.conftest import FakeClock, Recorder


def _fault(status: int | None = 503) -> UpstreamError:
    return UpstreamError(
        "Tradier answered HTTP 503.", provider="tradier", status=status
    )


class Upstream:
    """A callable that raises the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self) -> str:
        with self._lock:
            self.calls += 1
            error = self.errors.pop(0) if self.errors else None
        if error is not None:
            raise error
        return "ok"


def _breaker(bus: EventBus, clock: FakeClock, fail_max: int = 5) -> Breaker:
    return Breaker("tradier", fail_max=fail_max, reset_timeout=30, bus=bus, clock=clock)


def _fail_times(
    breaker: Breaker, count: int, make: Callable[[], BaseException]
) -> None:
    for _ in range(count):
        error = make()
        with pytest.raises(type(error)):
            breaker.call(Upstream(error))


def test_opens_after_exactly_fail_max_consecutive_faults(
    bus: EventBus, clock: FakeClock
) -> None:
    """Four faults leave it closed; the fifth opens it; the sixth call never runs."""
    breaker = _breaker(bus, clock)
    _fail_times(breaker, 4, _fault)
    after_four = (breaker.state, breaker.failures)

    _fail_times(breaker, 1, _fault)
    blocked = Upstream()
    with pytest.raises(BreakerOpenError) as rejected:
        breaker.call(blocked)

    assert after_four == ("closed", 4)
    assert breaker.state == "open"
    assert blocked.calls == 0
    assert rejected.value.provider == "tradier"
    assert rejected.value.retry_in == 30


def test_the_opening_fault_is_raised_as_itself(bus: EventBus, clock: FakeClock) -> None:
    """The call that opens the breaker raises its own error, not aiobreaker's."""
    breaker = _breaker(bus, clock, fail_max=1)
    fault = UpstreamTimeoutError("Tradier did not answer.", provider="tradier")

    with pytest.raises(UpstreamTimeoutError) as raised:
        breaker.call(Upstream(fault))

    assert raised.value is fault
    assert breaker.state == "open"


@pytest.mark.parametrize(
    "answer",
    [
        UnknownTickerError(["ZZZZ"], source="Tradier"),
        NoDataError("No trading on 2024-01-01."),
        UpstreamAuthError("Check TRADIER_API_KEY.", provider="tradier", status=401),
        RateLimitedError("Too many requests.", provider="tradier", retry_after=2),
        UpstreamError("HTTP 400.", provider="tradier", status=400),
    ],
    ids=["unknown_ticker", "no_data", "auth", "rate_limited", "bad_request"],
)
def test_answers_never_open_it(
    bus: EventBus, clock: FakeClock, answer: BaseException
) -> None:
    """Twenty user-caused answers in a row leave the breaker closed with no failures."""
    breaker = _breaker(bus, clock)

    _fail_times(breaker, 20, lambda: answer)

    assert (breaker.state, breaker.failures) == ("closed", 0)


@pytest.mark.parametrize(
    "fault",
    [
        UpstreamError("Could not reach Tradier.", provider="tradier"),
        UpstreamError("HTTP 502.", provider="tradier", status=502),
        UpstreamTimeoutError("Too slow.", provider="tradier"),
        UpstreamFormatError("An HTML page.", provider="tradier", status=200),
        UpstreamError("ERROR in a 200 body.", provider="polygon", status=200),
    ],
    ids=["connection", "502", "timeout", "html", "error_in_body"],
)
def test_faults_count(fault: UpstreamError) -> None:
    """Connection errors, 5xx, timeouts, unreadable bodies and body errors are faults."""
    assert classify(fault) == "fault"


def test_an_answer_resets_the_consecutive_count(
    bus: EventBus, clock: FakeClock
) -> None:
    """Four faults, a DataError, four faults: never five in a row, so still closed."""
    breaker = _breaker(bus, clock)

    _fail_times(breaker, 4, _fault)
    _fail_times(breaker, 1, lambda: UnknownTickerError(["ZZZZ"], source="Tradier"))
    _fail_times(breaker, 4, _fault)

    assert (breaker.state, breaker.failures) == ("closed", 4)


@pytest.mark.parametrize(
    "neutral",
    [
        OutboundLimitError("No slot.", provider="tradier", retry_after=40),
        QueryTimeoutError("Out of time."),
        KeyError("a bug of ours"),
    ],
    ids=["own_rate_limit", "question_timeout", "bug"],
)
def test_neutral_outcomes_neither_count_nor_reset(
    bus: EventBus, clock: FakeClock, neutral: BaseException
) -> None:
    """Outcomes that say nothing about the provider leave the count as it was."""
    breaker = _breaker(bus, clock)

    _fail_times(breaker, 4, _fault)
    _fail_times(breaker, 1, lambda: neutral)
    counted = breaker.failures
    _fail_times(breaker, 1, _fault)

    assert counted == 4
    assert breaker.state == "open"


def test_retry_in_counts_down_on_the_injected_clock(
    bus: EventBus, clock: FakeClock
) -> None:
    """retry_in_seconds() is the rest of the reset timeout, then 0."""
    breaker = _breaker(bus, clock, fail_max=1)
    _fail_times(breaker, 1, _fault)

    clock.advance(12)
    middle = breaker.retry_in_seconds()
    with pytest.raises(BreakerOpenError, match="Try again in 18 s"):
        breaker.call(Upstream())
    clock.advance(18)

    assert middle == 18
    assert breaker.retry_in_seconds() == 0


def test_successful_trial_closes(bus: EventBus, clock: FakeClock) -> None:
    """After the reset timeout one trial runs; its success closes the breaker."""
    breaker = _breaker(bus, clock, fail_max=1)
    _fail_times(breaker, 1, _fault)
    clock.advance(30)

    result = breaker.call(Upstream())

    assert result == "ok"
    assert (breaker.state, breaker.failures) == ("closed", 0)


def test_failed_trial_reopens_with_a_fresh_timer(
    bus: EventBus, clock: FakeClock
) -> None:
    """A failing trial opens the breaker again for the whole reset timeout."""
    breaker = _breaker(bus, clock, fail_max=1)
    _fail_times(breaker, 1, _fault)
    clock.advance(31)

    _fail_times(breaker, 1, _fault)

    assert breaker.state == "open"
    assert breaker.retry_in_seconds() == 30


def test_trial_with_a_neutral_outcome_lets_the_next_caller_try(
    bus: EventBus, clock: FakeClock
) -> None:
    """A trial that ends without evidence leaves it half-open for the next trial."""
    breaker = _breaker(bus, clock, fail_max=1)
    _fail_times(breaker, 1, _fault)
    clock.advance(30)

    _fail_times(breaker, 1, lambda: QueryTimeoutError("Out of time."))
    still = breaker.state
    breaker.call(Upstream())

    assert still == "half_open"
    assert breaker.state == "closed"


def test_half_open_lets_exactly_one_of_ten_concurrent_calls_through(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """Ten threads call at once after the timeout: one reaches upstream, nine fail fast."""
    breaker = _breaker(bus, clock, fail_max=1)
    _fail_times(breaker, 1, _fault)
    clock.advance(30)
    inside = threading.Event()
    release = threading.Event()
    reached: list[int] = []

    def slow_upstream() -> str:
        reached.append(1)
        inside.set()
        release.wait(timeout=5)
        return "ok"

    def attempt() -> str:
        try:
            return breaker.call(slow_upstream)
        except BreakerOpenError:
            return "rejected"

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(attempt) for _ in range(10)]
        assert inside.wait(timeout=5)
        # Hold the trial open until the other nine have been turned away.
        assert _eventually(lambda: len(recorded.of(BreakerRejected)) == 9)
        release.set()
        outcomes = [f.result(timeout=5) for f in futures]

    assert len(reached) == 1
    assert sorted(outcomes) == ["ok"] + ["rejected"] * 9
    assert breaker.state == "closed"


def _eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.005)
    return True


def test_a_call_admitted_before_opening_does_not_decide_the_state(
    bus: EventBus, clock: FakeClock
) -> None:
    """A slow call that started while closed and fails after opening changes nothing."""
    breaker = _breaker(bus, clock, fail_max=2)
    inside = threading.Event()
    release = threading.Event()

    def slow_fault() -> str:
        inside.set()
        release.wait(timeout=5)
        raise _fault()

    straggler = ThreadPoolExecutor(max_workers=1)
    pending = straggler.submit(breaker.call, slow_fault)
    assert inside.wait(timeout=5)
    _fail_times(breaker, 2, _fault)
    clock.advance(10)
    release.set()
    with pytest.raises(UpstreamError):
        pending.result(timeout=5)
    straggler.shutdown()

    assert breaker.state == "open"
    assert breaker.failures == 2
    assert breaker.retry_in_seconds() == 20


def test_one_question_counts_at_most_once(bus: EventBus, clock: FakeClock) -> None:
    """Five failing calls from one question are one fault; from five questions, five."""
    breaker = _breaker(bus, clock)

    with bind_deadline(30):
        _fail_times(breaker, 5, _fault)
    one_question = (breaker.state, breaker.failures)
    for _ in range(4):
        with bind_deadline(30):
            _fail_times(breaker, 1, _fault)

    assert one_question == ("closed", 1)
    assert breaker.state == "open"


def test_transitions_and_failures_are_emitted(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """Each counted fault and each state change is an event, in order."""
    breaker = _breaker(bus, clock, fail_max=2)
    _fail_times(breaker, 2, _fault)
    clock.advance(30)
    breaker.call(Upstream())

    failures = [(e.failures, e.fail_max) for e in recorded.of(BreakerFailure)]
    changes = [(e.old, e.new, e.failures) for e in recorded.of(BreakerStateChanged)]
    names = [type(e).__name__ for e in recorded.events]

    assert failures == [(1, 2), (2, 2)]
    assert changes == [
        ("closed", "open", 2),
        ("open", "half_open", 2),
        ("half_open", "closed", 0),
    ]
    assert names[:3] == ["BreakerFailure", "BreakerFailure", "BreakerStateChanged"]


def test_a_subscriber_may_read_the_breaker(clock: FakeClock) -> None:
    """Events are delivered outside the lock, so reading state there cannot hang."""
    bus = EventBus()
    breaker = _breaker(bus, clock, fail_max=1)
    seen: list[str] = []
    bus.subscribe(lambda event: seen.append(breaker.state))

    worker = threading.Thread(target=_fail_times, args=(breaker, 1, _fault))
    worker.start()
    worker.join(timeout=5)

    assert not worker.is_alive()
    assert seen == ["open", "open"]


def test_counting_is_exact_under_threads(bus: EventBus, clock: FakeClock) -> None:
    """Eight threads times fifty faults are counted as exactly 400."""
    breaker = _breaker(bus, clock, fail_max=1000)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(_fail_times, breaker, 50, _fault) for _ in range(8)]:
            future.result(timeout=10)

    assert breaker.failures == 400


def test_in_trial_is_true_only_inside_the_trial_call(
    bus: EventBus, clock: FakeClock
) -> None:
    """in_trial() lets the guard skip retries for the half-open probe."""
    breaker = _breaker(bus, clock, fail_max=1)
    seen: list[bool] = []
    breaker.call(lambda: seen.append(breaker.in_trial()))
    _fail_times(breaker, 1, _fault)
    clock.advance(30)

    breaker.call(lambda: seen.append(breaker.in_trial()))

    assert seen == [False, True]
    assert not breaker.in_trial()
