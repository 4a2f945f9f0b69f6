"""Admission control: running slots, the bounded queue, positions and cancellation."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest

from market_parser.errors import BusyError
from market_parser.resilience.admission import Admission
from market_parser.resilience.events import Admitted, EventBus, Rejected
from tests.resilience.conftest import FakeClock, Recorder

T = TypeVar("T")


def _run(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run one async scenario with a hard time limit, so nothing can hang."""
    return asyncio.run(asyncio.wait_for(scenario(), timeout=5))


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_two_run_three_wait_and_the_sixth_is_turned_away(
    bus: EventBus, recorded: Recorder
) -> None:
    """N=2, queue 3: positions 1, 2, 3 are reported and the sixth gets BusyError at once."""
    admission = Admission(max_running=2, max_waiting=3, bus=bus)
    positions: dict[int, list[int]] = {1: [], 2: [], 3: []}

    async def scenario() -> tuple[int, int, str]:
        await admission.acquire()
        await admission.acquire()
        waiters = [
            asyncio.create_task(admission.acquire(positions[n].append))
            for n in (1, 2, 3)
        ]
        await _settle()
        with pytest.raises(BusyError) as busy:
            await admission.acquire()
        counts = (admission.running, admission.waiting)
        for task in waiters:
            task.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        return (*counts, str(busy.value))

    running, waiting, message = _run(scenario)

    assert positions == {1: [1], 2: [2], 3: [3]}
    assert (running, waiting) == (2, 3)
    assert "2 questions are being answered and 3 are waiting" in message
    assert [e.reason for e in recorded.of(Rejected)] == ["busy"]


def test_positions_move_up_and_slots_go_in_arrival_order(bus: EventBus) -> None:
    """Each release admits the first waiter; the rest see their place drop by one."""
    admission = Admission(max_running=1, max_waiting=10, bus=bus)
    seen: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    order: list[str] = []

    async def waiter(name: str) -> None:
        await admission.acquire(seen[name].append)
        order.append(name)

    async def scenario() -> None:
        await admission.acquire()
        tasks = [asyncio.create_task(waiter(name)) for name in "abc"]
        await _settle()
        for _ in range(3):
            admission.release()
            await _settle()
        await asyncio.gather(*tasks)

    _run(scenario)

    assert order == ["a", "b", "c"]
    assert seen == {"a": [1], "b": [2, 1], "c": [3, 2, 1]}


def test_queue_wait_is_measured_and_emitted(
    bus: EventBus, recorded: Recorder, clock: FakeClock
) -> None:
    """A caller that waited 2.5 s in line gets 2.5 back and an Admitted event saying so."""
    admission = Admission(max_running=1, max_waiting=5, bus=bus, clock=clock)

    async def scenario() -> float:
        await admission.acquire()
        waiting = asyncio.create_task(admission.acquire())
        await _settle()
        clock.advance(2.5)
        admission.release()
        return await waiting

    waited = _run(scenario)

    assert waited == 2.5
    assert [(e.wait_s, e.queued) for e in recorded.of(Admitted)] == [
        (0.0, False),
        (2.5, True),
    ]


def test_a_cancelled_waiter_leaves_the_line_and_takes_nothing(bus: EventBus) -> None:
    """Cancelling the second of three waiters: the third moves up, counts stay right."""
    admission = Admission(max_running=1, max_waiting=5, bus=bus)
    third: list[int] = []

    async def scenario() -> tuple[int, int, int, int]:
        await admission.acquire()
        first = asyncio.create_task(admission.acquire())
        second = asyncio.create_task(admission.acquire())
        last = asyncio.create_task(admission.acquire(third.append))
        await _settle()
        second.cancel()
        await _settle()
        after_cancel = (admission.running, admission.waiting)
        admission.release()
        await first
        admission.release()
        await last
        admission.release()
        return (*after_cancel, admission.running, admission.waiting)

    running, waiting, final_running, final_waiting = _run(scenario)

    assert (running, waiting) == (1, 2)
    assert third == [3, 2, 1]
    assert (final_running, final_waiting) == (0, 0)


def test_a_waiter_cancelled_just_after_its_turn_came_passes_the_slot_on(
    bus: EventBus,
) -> None:
    """A slot handed to a waiter that is cancelled before it resumes goes to the next one."""
    admission = Admission(max_running=1, max_waiting=5, bus=bus)

    async def scenario() -> tuple[bool, int, int]:
        await admission.acquire()
        doomed = asyncio.create_task(admission.acquire())
        heir = asyncio.create_task(admission.acquire())
        await _settle()
        admission.release()
        doomed.cancel()
        await _settle()
        got_it = heir.done() and not heir.cancelled()
        admission.release()
        return got_it, admission.running, admission.waiting

    got_it, running, waiting = _run(scenario)

    assert got_it
    assert (running, waiting) == (0, 0)


def test_slot_releases_even_when_the_question_fails(bus: EventBus) -> None:
    """The context manager gives the slot back on an exception."""
    admission = Admission(max_running=1, max_waiting=0, bus=bus)

    async def scenario() -> int:
        with pytest.raises(RuntimeError):
            async with admission.slot() as waited:
                assert waited == 0.0
                raise RuntimeError("agent failed")
        return admission.running

    assert _run(scenario) == 0


def test_a_failing_position_callback_leaves_the_line_consistent(bus: EventBus) -> None:
    """If on_position raises, that caller leaves the line and the error reaches it."""
    admission = Admission(max_running=1, max_waiting=5, bus=bus)

    def broken(position: int) -> None:
        raise ValueError("page is gone")

    async def scenario() -> tuple[int, int]:
        await admission.acquire()
        with pytest.raises(ValueError):
            await admission.acquire(broken)
        return admission.running, admission.waiting

    assert _run(scenario) == (1, 0)


def test_a_full_line_rejects_without_waiting(bus: EventBus) -> None:
    """BusyError comes before any await yields, so a busy user hears at once."""
    admission = Admission(max_running=1, max_waiting=0, bus=bus)

    async def scenario() -> bool:
        await admission.acquire()
        attempt = admission.acquire()
        try:
            attempt.send(None)
        except BusyError:
            return True
        finally:
            attempt.close()
        return False

    assert _run(scenario)
