"""A TTL cache by data kind, with request coalescing and stale-if-error.

- Each kind has a TTL and a maximum staleness (`CachePolicy`). A value younger
  than its TTL is a hit. An older one is kept until it reaches the maximum
  staleness, to be served when the provider fails.
- Coalescing: concurrent calls for the same key share one loader call. The first
  caller runs the loader; the others wait on its future and get the same value
  or the same exception.
- Stale-if-error: when the loader raises an `UpstreamError` (a breaker-open
  error included), a value past its TTL but within the maximum staleness is
  returned as ``Cached(stale=True)`` with its age, so the answer can say "as of
  12 minutes ago". `DataError` answers are never replaced by old values.
- Bounded: at most ``max_entries`` values, least recently used dropped first.

Default maximum staleness, the longest a labelled old value still helps more than
an error: quotes 1 hour (a price "as of 40 minutes ago" still answers "roughly
where is it"), option chains 15 minutes (prices and greeks move fastest), daily
history 7 days (it only lacks the newest bars), reference data 30 days, the market
clock 5 minutes (open or closed is also known from the calendar).

Each call emits one `CacheLookup` (hit, miss or stale); a call that joined another
one in flight also emits `Coalesced`, and counts as a miss.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from market_parser.errors import QueryTimeoutError, UpstreamError
from market_parser.resilience.deadline import current_deadline
from market_parser.resilience.events import (
    CacheLookup,
    Coalesced,
    EventBus,
    default_bus,
)

T = TypeVar("T")

HOUR = 3600.0
DAY = 24 * HOUR


@dataclass(frozen=True)
class CachePolicy:
    """How long a kind of data is fresh, and how old it may be when served stale."""

    ttl: float
    max_stale: float


DEFAULT_POLICIES: Mapping[str, CachePolicy] = {
    "quote": CachePolicy(ttl=60.0, max_stale=HOUR),
    "options": CachePolicy(ttl=30.0, max_stale=15 * 60.0),
    "history": CachePolicy(ttl=DAY, max_stale=7 * DAY),
    "reference": CachePolicy(ttl=7 * DAY, max_stale=30 * DAY),
    "clock": CachePolicy(ttl=30.0, max_stale=5 * 60.0),
}


def policies_from_settings(settings: Any) -> dict[str, CachePolicy]:
    """The per-kind policies from the ``cache_ttl_*`` and ``cache_max_stale_*`` settings."""
    return {
        kind: CachePolicy(
            ttl=getattr(settings, f"cache_ttl_{kind}"),
            max_stale=getattr(settings, f"cache_max_stale_{kind}"),
        )
        for kind in DEFAULT_POLICIES
    }


@dataclass(frozen=True)
class Cached(Generic[T]):
    """A value from the cache or its loader; ``age_s`` is 0 for a fresh load."""

    value: T
    age_s: float
    stale: bool


@dataclass(frozen=True)
class _Entry:
    value: Any
    stored_at: float


class TtlCache:
    """Values by (kind, key), fresh for their kind's TTL; safe to share between threads."""

    def __init__(
        self,
        policies: Mapping[str, CachePolicy] = DEFAULT_POLICIES,
        *,
        max_entries: int = 1000,
        bus: EventBus | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._policies = dict(policies)
        self.max_entries = max_entries
        self._bus = bus or default_bus
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, Hashable], _Entry] = OrderedDict()
        self._flights: dict[tuple[str, Hashable], Future[Cached[Any]]] = {}

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def get_or_load(
        self, kind: str, key: Hashable, loader: Callable[[], T]
    ) -> Cached[T]:
        """The cached value for ``key``, or ``loader()``'s, shared with concurrent callers."""
        policy = self._policy(kind)
        slot = (kind, key)
        while True:
            with self._lock:
                hit = self._fresh(slot, policy)
                flight = self._flights.get(slot)
                leading = hit is None and flight is None
                if leading:
                    flight = self._flights[slot] = Future()
            if hit is not None:
                self._bus.emit(CacheLookup(kind, "hit"))
                return hit
            if leading:
                return self._lead(slot, policy, loader, flight)
            self._bus.emit(Coalesced(kind))
            shared = self._follow(flight)
            if shared is not None:
                self._bus.emit(CacheLookup(kind, "stale" if shared.stale else "miss"))
                return shared

    def _policy(self, kind: str) -> CachePolicy:
        try:
            return self._policies[kind]
        except KeyError:
            known = ", ".join(sorted(self._policies))
            raise ValueError(
                f"No cache policy for kind {kind!r}. Use one of: {known}."
            ) from None

    def _fresh(
        self, slot: tuple[str, Hashable], policy: CachePolicy
    ) -> Cached[Any] | None:
        entry = self._entries.get(slot)
        if entry is None:
            return None
        age = self._clock() - entry.stored_at
        if age > max(policy.ttl, policy.max_stale):
            del self._entries[slot]
            return None
        if age >= policy.ttl:
            return None
        self._entries.move_to_end(slot)

        return Cached(entry.value, age, stale=False)

    def _lead(
        self,
        slot: tuple[str, Hashable],
        policy: CachePolicy,
        loader: Callable[[], T],
        flight: Future[Cached[Any]],
    ) -> Cached[T]:
        kind = slot[0]
        try:
            value = loader()
        except UpstreamError as exc:
            stale = self._stale(slot, policy)
            self._land(slot, flight, stale, exc)
            self._bus.emit(CacheLookup(kind, "miss" if stale is None else "stale"))
            if stale is None:
                raise
            return stale
        except BaseException as exc:
            self._land(slot, flight, None, exc)
            self._bus.emit(CacheLookup(kind, "miss"))
            raise
        result = Cached(value, 0.0, stale=False)
        self._store(slot, value)
        self._land(slot, flight, result, None)
        self._bus.emit(CacheLookup(kind, "miss"))

        return result

    def _follow(self, flight: Future[Cached[Any]]) -> Cached[Any] | None:
        """The leader's outcome; None when its question ended and we must load ourselves."""
        deadline = current_deadline()
        try:
            return flight.result(
                timeout=None if deadline is None else deadline.remaining()
            )
        except QueryTimeoutError:
            # The leader's question ran out of time; ours may still have some.
            if deadline is not None and deadline.expired():
                raise
            return None
        except TimeoutError:
            if flight.done() or deadline is None:
                raise
            raise deadline.timeout_error() from None

    def _stale(
        self, slot: tuple[str, Hashable], policy: CachePolicy
    ) -> Cached[Any] | None:
        with self._lock:
            entry = self._entries.get(slot)
            if entry is None:
                return None
            age = self._clock() - entry.stored_at
            if age > policy.max_stale:
                return None

        return Cached(entry.value, age, stale=True)

    def _store(self, slot: tuple[str, Hashable], value: Any) -> None:
        with self._lock:
            self._entries[slot] = _Entry(value, self._clock())
            self._entries.move_to_end(slot)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def _land(
        self,
        slot: tuple[str, Hashable],
        flight: Future[Cached[Any]],
        result: Cached[Any] | None,
        exc: BaseException | None,
    ) -> None:
        # Unregister first, so a caller arriving now starts afresh or hits the store.
        with self._lock:
            if self._flights.get(slot) is flight:
                del self._flights[slot]
        if result is not None:
            flight.set_result(result)
        else:
            flight.set_exception(exc)
