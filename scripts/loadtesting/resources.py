"""CPU and memory of the app (and of the load generator's browser), over time."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import psutil


class ResourceWatch:
    """Samples the app's CPU and memory, and the target's counters, every interval."""

    def __init__(self, target: Any, interval: float, active: Callable[[], int]):
        self.target = target
        self.interval = interval
        self.active = active
        self.ticks: list[dict[str, Any]] = []
        self.started = time.monotonic()
        self._last = 0.0
        self._known: dict[int, psutil.Process] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch", daemon=True)

    def start(self) -> None:
        self.sample()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.interval + 5)
        self.sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        now = time.monotonic()
        # psutil's CPU reading covers the time since the last one: a sliver of
        # time (the first sample, or a last one right after) says nothing.
        measured = bool(self._last) and now - self._last >= self.interval / 2
        self._last = now
        app = self._usage(self.target.app_processes())
        client = self._usage(self.target.client_processes())
        tick = {
            "t": round(now - self.started, 2),
            "cpu_measured": measured,
            "cpu_percent": app[0],
            "rss_mb": app[1],
            "client_cpu_percent": client[0],
            "users": self.active(),
            **self.target.counters(),
        }
        self.ticks.append(tick)

    def _usage(self, processes: list[psutil.Process]) -> tuple[float, float]:
        """CPU % of one core and RSS in MB, summed over ``processes``."""
        cpu = rss = 0.0
        for process in processes:
            # psutil's first cpu_percent per Process object reads 0.0: keep them.
            known = self._known.setdefault(process.pid, process)
            try:
                cpu += known.cpu_percent(None)
                rss += known.memory_info().rss / 2**20
            except psutil.Error:
                self._known.pop(process.pid, None)

        return round(cpu, 1), round(rss, 1)
