"""The in-process target: the query service over the counted offline data set."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import psutil

from loadtesting.mix import Question, Reply
from loadtesting.plan import Plan
from market_parser.config.settings import Settings

# The per-session limit guards against a person hammering the app; simulated
# users ask every 1 to 3 s, several times faster than anyone types.
LOADTEST_SESSION_LIMIT = 10_000


class CountingProvider:
    """A market-data provider wrapper that counts each data request and can delay it.

    ``latency`` seconds stand for one upstream round trip: the offline data set
    answers in microseconds, a live provider in tens to hundreds of ms. The
    count is what reached the provider, so a cache or coalescing above this
    wrapper shows up as fewer requests. ``latest_day`` is not a request: the
    live providers compute it from the clock.
    """

    def __init__(self, inner: Any, latency: float = 0.0) -> None:
        self._inner = inner
        self.latency = latency
        self.name = inner.name
        self.label = inner.label
        self.items: Counter = Counter()
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def latest_day(self) -> Any:
        return self._inner.latest_day()

    def quotes(self, symbols: Sequence[str]) -> Any:
        return self._request("quotes", tuple(symbols), self._inner.quotes, symbols)

    def history(self, symbol: str, start: Any, end: Any, interval: str = "daily"):
        key = (symbol, str(start), str(end), interval)
        return self._request(
            "history", key, self._inner.history, symbol, start, end, interval
        )

    def expirations(self, symbol: str) -> Any:
        return self._request("expirations", (symbol,), self._inner.expirations, symbol)

    def option_chain(self, symbol: str, expiration: Any) -> Any:
        key = (symbol, str(expiration))
        return self._request(
            "option_chain", key, self._inner.option_chain, symbol, expiration
        )

    def market_clock(self) -> Any:
        return self._request("market_clock", (), self._inner.market_clock)

    def _request(self, method: str, key: tuple, call: Callable, *args: Any) -> Any:
        with self._lock:
            self.items[(method, key)] += 1
        if self.latency:
            time.sleep(self.latency)
        return call(*args)

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.items.values())

    def by_method(self) -> dict[str, int]:
        counts: Counter = Counter()
        with self._lock:
            for (method, _), count in self.items.items():
                counts[method] += count
        return dict(counts)


class CacheTally:
    """Counts cache lookups by result, and coalesced requests, from an event bus."""

    def __init__(self) -> None:
        self.results: Counter = Counter()
        self._unsubscribe: Callable[[], None] | None = None

    def start(self, bus: Any) -> None:
        from market_parser.resilience.events import CacheLookup, Coalesced

        def on_event(event: Any) -> None:
            if isinstance(event, CacheLookup):
                self.results[event.result] += 1
            elif isinstance(event, Coalesced):
                self.results["coalesced"] += 1

        self._unsubscribe = bus.subscribe(on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()


def loadtest_settings(plan: Plan, data_dir: str) -> Settings:
    """The environment's settings, forced offline, with the load test's knobs."""
    changes: dict[str, Any] = {"offline": True, "data_dir": Path(data_dir)}
    if not plan.keep_session_limit:
        changes["session_questions_per_minute"] = LOADTEST_SESSION_LIMIT
    settings = Settings.load()
    known = {f.name for f in dataclasses.fields(settings)}

    return dataclasses.replace(
        settings, **{k: v for k, v in changes.items() if k in known}
    )


class InProcessTarget:
    """The query service in this process; users are threads, as Streamlit's are."""

    name = "inprocess"

    def __init__(self, plan: Plan, data_dir: str) -> None:
        from market_parser.market_data.offline import OfflineProvider
        from market_parser.observability.catalog import register_app_metrics
        from market_parser.observability.metrics import MetricsCollector
        from market_parser.service.query import QueryService

        # The planner reads its latency from the environment, as the app does;
        # passing a model instead would take the LLM-with-fallback path.
        os.environ["MARKET_PARSER_SIMULATED_LATENCY"] = str(plan.model_latency)
        self.settings = loadtest_settings(plan, data_dir)
        self.collector = MetricsCollector()
        self.provider = CountingProvider(OfflineProvider(), plan.upstream_latency)
        self.cache = CacheTally()
        self.service = QueryService(
            self.settings,
            provider=self.provider,
            metrics=register_app_metrics(self.collector),
        )

    def start(self) -> None:
        """Start the service and build its agent stack before the clock starts."""
        self.cache.start(self.service.bus)
        self.service.start()
        self.service.stack()

    def ask(self, question: Question, session_id: str) -> tuple[Reply, float]:
        started = time.perf_counter()
        answer = self.service.ask(question.text, session_id=session_id)
        elapsed = time.perf_counter() - started
        error_type = "" if answer.ok else answer.error_type or answer.outcome
        reply = Reply(
            answer.text, answer.outcome, error_type, answer.queue_wait_ms / 1000
        )

        return reply, elapsed

    def counters(self) -> dict[str, Any]:
        """Upstream requests and cache lookups so far."""
        return {
            "upstream_requests": self.provider.total,
            "cache": dict(self.cache.results),
        }

    def app_processes(self) -> list[psutil.Process]:
        return [psutil.Process()]

    def client_processes(self) -> list[psutil.Process]:
        return []

    def app_summary(self) -> dict[str, Any]:
        return {}

    def close(self) -> None:
        self.cache.stop()
        self.service.close()
