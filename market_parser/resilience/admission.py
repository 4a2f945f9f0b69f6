"""Admission control: how many questions run at once, and how many may wait.

Used by the async query service on its one background event loop; nothing here
is safe to call from another thread except reading `running` and `waiting`.
A freed slot is handed straight to the first waiter, so a newcomer can never
overtake the queue.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from market_parser.errors import BusyError
from market_parser.resilience.events import Admitted, EventBus, Rejected, default_bus

PositionCallback = Callable[[int], object]


class _Waiter:
    __slots__ = ("granted", "wake")

    def __init__(self) -> None:
        self.granted = False
        self.wake: asyncio.Future[None] | None = None


def _wake(waiter: _Waiter) -> None:
    if waiter.wake is not None and not waiter.wake.done():
        waiter.wake.set_result(None)


class Admission:
    """At most ``max_running`` questions at once and ``max_waiting`` in line."""

    def __init__(
        self,
        *,
        max_running: int = 10,
        max_waiting: int = 100,
        bus: EventBus | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.max_running = max_running
        self.max_waiting = max_waiting
        self._bus = bus or default_bus
        self._clock = clock
        self._running = 0
        self._queue: deque[_Waiter] = deque()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._queue)

    @asynccontextmanager
    async def slot(
        self, on_position: PositionCallback | None = None
    ) -> AsyncIterator[float]:
        """Hold a slot for the block; yields the seconds spent waiting in line."""
        waited = await self.acquire(on_position)
        try:
            yield waited
        finally:
            self.release()

    async def acquire(self, on_position: PositionCallback | None = None) -> float:
        """Take a slot, waiting in line if needed; returns the seconds waited.

        Raises `BusyError` at once when the line is full. ``on_position`` is
        called with 1, 2, ... whenever this caller's place in line changes.
        """
        if self._running < self.max_running and not self._queue:
            self._running += 1
            self._admitted(0.0, queued=False)
            return 0.0
        if len(self._queue) >= self.max_waiting:
            self._reject()
        started = self._clock()
        waiter = _Waiter()
        self._queue.append(waiter)
        try:
            await self._wait_turn(waiter, on_position)
        except BaseException:
            self._abandon(waiter)
            raise
        waited = self._clock() - started
        self._admitted(waited, queued=True)

        return waited

    def release(self) -> None:
        """Give a slot back: to the first waiter if there is one."""
        if self._queue:
            head = self._queue.popleft()
            head.granted = True
            _wake(head)
            self._wake_all()
        else:
            self._running -= 1

    async def _wait_turn(
        self, waiter: _Waiter, on_position: PositionCallback | None
    ) -> None:
        reported = 0
        loop = asyncio.get_running_loop()
        while not waiter.granted:
            position = self._queue.index(waiter) + 1
            if on_position is not None and position != reported:
                reported = position
                on_position(position)
            waiter.wake = loop.create_future()
            await waiter.wake

    def _abandon(self, waiter: _Waiter) -> None:
        # A slot handed over just before the cancellation is ours: pass it on.
        if waiter.granted:
            self.release()
        else:
            self._queue.remove(waiter)
            self._wake_all()

    def _wake_all(self) -> None:
        # Everyone behind moved up one place; each reports its own new position.
        for waiter in self._queue:
            _wake(waiter)

    def _admitted(self, waited: float, *, queued: bool) -> None:
        event = Admitted(waited, queued, self._running, len(self._queue))
        self._bus.emit(event)

    def _reject(self) -> None:
        self._bus.emit(Rejected("busy"))
        raise BusyError(
            f"Market Parser is busy: {self._running} questions are being answered "
            f"and {len(self._queue)} are waiting. Try again in a minute."
        )
