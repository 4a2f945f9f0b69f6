"""What aiobreaker 1.2.0 does, pinned, because `breakers.Breaker` relies on it."""

from __future__ import annotations

import threading

import pytest
from aiobreaker import (
    CircuitBreaker,
    CircuitBreakerError,
    CircuitBreakerListener,
    CircuitBreakerState,
)


class _FaultError(Exception):
    """Stands for an upstream fault."""


class _AnswerError(Exception):
    """Stands for an answer the breaker should not count."""


def _fail() -> None:
    raise _FaultError("upstream fault")


def _answer_with(exc: Exception) -> None:
    raise exc


def test_pinned_version() -> None:
    """These pins describe aiobreaker 1.2.0; a different version needs a re-read."""
    from aiobreaker.version import __version__

    assert __version__ == "1.2.0"


def test_the_fail_max_th_fault_opens_and_raises_circuit_breaker_error() -> None:
    """Faults below fail_max re-raise as they are; the fail_max-th raises CircuitBreakerError from it."""
    breaker = CircuitBreaker(fail_max=3)

    for _ in range(2):
        with pytest.raises(_FaultError):
            breaker.call(_fail)
    with pytest.raises(CircuitBreakerError) as opened:
        breaker.call(_fail)

    assert isinstance(opened.value.__cause__, _FaultError)
    assert breaker.current_state is CircuitBreakerState.OPEN
    assert breaker.fail_counter == 3


def test_excluded_exception_counts_as_a_success() -> None:
    """An excluded exception is re-raised, resets the count and closes a half-open breaker."""
    breaker = CircuitBreaker(
        fail_max=3, exclude=[lambda e: isinstance(e, _AnswerError)]
    )
    with pytest.raises(_FaultError):
        breaker.call(_fail)
    with pytest.raises(_FaultError):
        breaker.call(_fail)

    with pytest.raises(_AnswerError):
        breaker.call(_answer_with, _AnswerError())
    reset_count = breaker.fail_counter
    breaker.open()
    breaker.half_open()
    with pytest.raises(_AnswerError):
        breaker.call(_answer_with, _AnswerError())

    assert reset_count == 0
    assert breaker.current_state is CircuitBreakerState.CLOSED


def test_half_open_trial_failure_reopens_and_success_closes() -> None:
    """In half-open, a fault reopens (CircuitBreakerError) and a success closes with count 0."""
    breaker = CircuitBreaker(fail_max=1)
    breaker.half_open()
    with pytest.raises(CircuitBreakerError):
        breaker.call(_fail)
    reopened = breaker.current_state

    breaker.half_open()
    breaker.call(lambda: None)

    assert reopened is CircuitBreakerState.OPEN
    assert breaker.current_state is CircuitBreakerState.CLOSED
    assert breaker.fail_counter == 0


def test_half_open_lets_concurrent_callers_through() -> None:
    """aiobreaker alone admits a second caller while the half-open trial runs; we add a lock."""
    breaker = CircuitBreaker(fail_max=1)
    breaker.half_open()
    inside = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def slow_trial() -> None:
        calls.append("trial")
        inside.set()
        release.wait(timeout=2)

    trial = threading.Thread(target=breaker.call, args=(slow_trial,))
    trial.start()
    assert inside.wait(timeout=2)
    breaker.call(lambda: calls.append("second"))
    release.set()
    trial.join(timeout=2)

    assert calls == ["trial", "second"]


def test_listener_gets_state_objects_for_each_transition() -> None:
    """state_change receives the old and new state objects, whose .state is the enum."""
    seen: list[tuple[CircuitBreakerState, CircuitBreakerState]] = []

    class Listener(CircuitBreakerListener):
        def state_change(self, breaker, old, new) -> None:
            seen.append((old.state, new.state))

    breaker = CircuitBreaker(fail_max=1, listeners=[Listener()])
    with pytest.raises(CircuitBreakerError):
        breaker.call(_fail)
    breaker.half_open()
    breaker.call(lambda: None)

    assert seen == [
        (CircuitBreakerState.CLOSED, CircuitBreakerState.OPEN),
        (CircuitBreakerState.OPEN, CircuitBreakerState.HALF_OPEN),
        (CircuitBreakerState.HALF_OPEN, CircuitBreakerState.CLOSED),
    ]


def test_open_state_raises_without_calling_until_its_own_timer_ends() -> None:
    """While open, call() raises CircuitBreakerError and never runs the function."""
    breaker = CircuitBreaker(fail_max=1)
    breaker.open()
    calls: list[int] = []

    with pytest.raises(CircuitBreakerError):
        breaker.call(lambda: calls.append(1))

    assert calls == []
