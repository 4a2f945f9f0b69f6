"""The per-question deadline and the context variable that carries it."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from market_parser.errors import QueryTimeoutError
from market_parser.resilience.deadline import (
    Deadline,
    bind_deadline,
    current_deadline,
)
from tests.resilience.conftest import FakeClock


def test_remaining_counts_down_and_stops_at_zero(clock: FakeClock) -> None:
    """remaining() follows the clock and never goes below 0."""
    deadline = Deadline(30, clock=clock)

    clock.advance(12.5)
    middle = deadline.remaining()
    clock.advance(20)

    assert middle == 17.5
    assert deadline.remaining() == 0.0
    assert deadline.expired()


def test_check_raises_query_timeout_once_expired(clock: FakeClock) -> None:
    """check() passes while time is left and raises QueryTimeoutError after."""
    deadline = Deadline(3, clock=clock)
    deadline.check()

    clock.advance(3)

    with pytest.raises(QueryTimeoutError, match="3 s time limit"):
        deadline.check()


def test_cap_limits_a_timeout_to_what_is_left(clock: FakeClock) -> None:
    """cap() gives the smaller of a timeout and the remaining time."""
    deadline = Deadline(5, clock=clock)
    clock.advance(2)

    assert deadline.cap(10) == 3
    assert deadline.cap(1) == 1


def test_cancel_leaves_no_time(clock: FakeClock) -> None:
    """A cancelled deadline has 0 s left and fails check()."""
    deadline = Deadline(30, clock=clock)

    deadline.cancel()

    assert deadline.cancelled
    assert deadline.remaining() == 0.0
    with pytest.raises(QueryTimeoutError):
        deadline.check()


def test_bind_sets_current_and_cancels_its_own_deadline_on_exit() -> None:
    """Inside the block the deadline is current; after it, none is, and it is cancelled."""
    assert current_deadline() is None

    with bind_deadline(30) as deadline:
        inside = current_deadline()

    assert inside is deadline
    assert current_deadline() is None
    assert deadline.cancelled


def test_bind_of_an_existing_deadline_leaves_it_running(clock: FakeClock) -> None:
    """Binding a Deadline someone else made does not cancel it on exit."""
    outer = Deadline(30, clock=clock)

    with bind_deadline(outer):
        with bind_deadline(5, clock=clock) as inner:
            assert current_deadline() is inner
        assert current_deadline() is outer

    assert inner.cancelled
    assert not outer.cancelled


def test_cancel_wakes_a_sleeping_thread_at_once() -> None:
    """sleep() returns False as soon as another thread cancels the deadline."""
    deadline = Deadline(30)
    result: list[bool] = []
    sleeper = threading.Thread(target=lambda: result.append(deadline.sleep(10)))
    started = time.monotonic()
    sleeper.start()

    time.sleep(0.05)
    deadline.cancel()
    sleeper.join(timeout=2)

    assert result == [False]
    assert time.monotonic() - started < 2


def test_to_thread_carries_the_deadline_but_executor_submit_does_not() -> None:
    """asyncio.to_thread copies the context; a plain executor submit does not."""

    async def main() -> tuple[Deadline, Deadline | None, Deadline | None]:
        with bind_deadline(30) as deadline:
            seen = await asyncio.to_thread(current_deadline)
            with ThreadPoolExecutor(max_workers=1) as pool:
                lost = pool.submit(current_deadline).result(timeout=2)
        return deadline, seen, lost

    deadline, seen, lost = asyncio.run(main())

    assert seen is deadline
    assert lost is None


def test_sleep_waits_at_least_the_time_asked() -> None:
    """An uncancelled sleep lasts no less than requested and returns True."""
    deadline = Deadline(30)
    started = time.monotonic()

    finished = deadline.sleep(0.05)

    assert finished
    assert time.monotonic() - started >= 0.05
