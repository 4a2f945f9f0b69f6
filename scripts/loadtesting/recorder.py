"""Results gathered into fixed time windows of mergeable latency buckets.

Percentiles come from `Distribution`, the metrics collector's buckets, so a
window, a kind and the whole run are merged from counts rather than samples.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from loadtesting.mix import WEIGHTS, Result
from market_parser.observability.distribution import Distribution

MAX_EXAMPLES = 20


@dataclass
class Window:
    """Questions that finished during one interval of the run (or of one kind)."""

    requests: int = 0
    ok: int = 0
    latency: Distribution = field(default_factory=Distribution)
    queue_wait: Distribution = field(default_factory=Distribution)
    errors: Counter = field(default_factory=Counter)

    def count(self, result: Result) -> None:
        self.requests += 1
        self.ok += result.ok
        self.latency.add(result.latency_s)
        if result.queue_wait_s is not None:
            self.queue_wait.add(result.queue_wait_s)
        if result.error_type:
            self.errors[result.error_type] += 1

    def merge(self, other: Window) -> None:
        self.requests += other.requests
        self.ok += other.ok
        self.latency.merge(other.latency)
        self.queue_wait.merge(other.queue_wait)
        self.errors.update(other.errors)


class Recorder:
    """Aggregates results into windows; bounded whatever the run's length.

    Keeping bucket counts rather than samples keeps the load generator's own
    memory flat, which matters when the app's RSS is measured in this process.
    """

    def __init__(self, interval: float, max_requests: int) -> None:
        self.interval = interval
        self.max_requests = max_requests
        self.started = time.monotonic()
        self.windows: dict[int, Window] = {}
        self.by_kind: dict[str, Window] = {kind: Window() for kind in WEIGHTS}
        self.examples: list[str] = []
        self.issued = 0
        self.active = 0
        self._lock = threading.Lock()

    def joined(self, delta: int) -> None:
        """Note a user starting (+1) or stopping (-1)."""
        with self._lock:
            self.active += delta

    def take_ticket(self) -> bool:
        """Claim the right to ask one more question; False past ``max_requests``."""
        with self._lock:
            if self.issued >= self.max_requests:
                return False
            self.issued += 1
            return True

    def add(self, result: Result) -> None:
        index = int((result.finished_at - self.started) // self.interval)
        with self._lock:
            self.windows.setdefault(index, Window()).count(result)
            self.by_kind[result.kind].count(result)
            if result.excerpt and len(self.examples) < MAX_EXAMPLES:
                self.examples.append(f"{result.error_type}: {result.excerpt}")

    def total(self) -> Window:
        merged = Window()
        with self._lock:
            for window in self.windows.values():
                merged.merge(window)

        return merged
