"""Fixtures for the resilience tests: a settable clock, a sleep that records, a bus."""

from __future__ import annotations

import threading

import pytest

from market_parser.resilience.events import Event, EventBus


class FakeClock:
    """A monotonic clock that moves only when a test (or a fake sleep) says so."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


class FakeSleep:
    """Records each requested sleep and, given a clock, moves it forward instead."""

    def __init__(self, clock: FakeClock | None = None) -> None:
        self.waits: list[float] = []
        self._clock = clock
        self._lock = threading.Lock()

    def __call__(self, seconds: float) -> None:
        with self._lock:
            self.waits.append(seconds)
        if self._clock is not None:
            self._clock.advance(seconds)


class Recorder:
    """Keeps every event a bus delivers, in order."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.events.append(event)

    def of(self, kind: type[Event]) -> list:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def recorded(bus: EventBus) -> Recorder:
    recorder = Recorder()
    bus.subscribe(recorder)
    return recorder
