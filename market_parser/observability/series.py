"""The series of a metric family: one counter, gauge or histogram per label set.

Each series keeps its values per minute for the last `RETENTION_MINUTES`
minutes. The lock is the collector's; a series method takes it once and calls
nothing that takes it again.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from market_parser.observability.distribution import Distribution, bucket_key

RETENTION_MINUTES = 60

Clock = Callable[[], float]


class _Tally:
    __slots__ = ("count", "sum")

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0


class _GaugeWindow(Distribution):
    __slots__ = ("last",)

    def __init__(self) -> None:
        super().__init__()
        self.last = 0.0


class _Series:
    """State shared by every kind of series: its labels and per-minute windows."""

    __slots__ = ("_clock", "_lock", "labels", "minutes")

    def __init__(self, lock: threading.Lock, clock: Clock, labels: dict[str, str]):
        self._lock = lock
        self._clock = clock
        self.labels = labels
        self.minutes: dict[int, Any] = {}

    def _window_unlocked(self, minute: int, factory: Callable[[], Any]) -> Any:
        window = self.minutes.get(minute)
        if window is None:
            window = self.minutes[minute] = factory()
            while len(self.minutes) > RETENTION_MINUTES + 1:
                del self.minutes[min(self.minutes)]

        return window


class CounterSeries(_Series):
    """A count that only goes up."""

    __slots__ = ("value",)

    def __init__(self, lock: threading.Lock, clock: Clock, labels: dict[str, str]):
        super().__init__(lock, clock, labels)
        self.value = 0.0

    def inc(self, amount: float = 1.0) -> None:
        """Add ``amount`` (zero or more)."""
        if not amount >= 0:
            raise ValueError(f"a counter only goes up; got inc({amount!r})")
        minute = int(self._clock() // 60)
        with self._lock:
            self.value += amount
            tally = self._window_unlocked(minute, _Tally)
            tally.count += 1
            tally.sum += amount


class GaugeSeries(_Series):
    """A value that goes up and down; every change is kept as a sample."""

    __slots__ = ("value",)

    def __init__(self, lock: threading.Lock, clock: Clock, labels: dict[str, str]):
        super().__init__(lock, clock, labels)
        self.value = 0.0

    def set(self, value: float) -> None:
        """Set the gauge to ``value``."""
        self._change(lambda _: float(value))

    def inc(self, amount: float = 1.0) -> None:
        """Raise the gauge by ``amount``."""
        self._change(lambda current: current + amount)

    def dec(self, amount: float = 1.0) -> None:
        """Lower the gauge by ``amount``."""
        self._change(lambda current: current - amount)

    def _change(self, update: Callable[[float], float]) -> None:
        minute = int(self._clock() // 60)
        with self._lock:
            value = self.value = update(self.value)
            if math.isfinite(value):
                window = self._window_unlocked(minute, _GaugeWindow)
                window.add(value)
                window.last = value


class HistogramSeries(_Series):
    """A distribution of observed values, such as durations in seconds."""

    __slots__ = ("_le", "le_counts", "total")

    def __init__(
        self,
        lock: threading.Lock,
        clock: Clock,
        labels: dict[str, str],
        le: tuple[float, ...],
    ):
        super().__init__(lock, clock, labels)
        self._le = le
        self.le_counts = [0] * (len(le) + 1)
        self.total = _Tally()

    def observe(self, value: float) -> None:
        """Count one value; NaN and infinities are ignored."""
        if not math.isfinite(value):
            return
        value = float(value)
        key = bucket_key(value)
        slot = bisect.bisect_left(self._le, value)
        minute = int(self._clock() // 60)
        with self._lock:
            self.total.count += 1
            self.total.sum += value
            self.le_counts[slot] += 1
            self._window_unlocked(minute, Distribution).add(value, key)

    @contextmanager
    def time(self) -> Iterator[None]:
        """Observe the wall time the enclosed block takes, from `time.perf_counter`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.observe(time.perf_counter() - start)
