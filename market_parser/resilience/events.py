"""Small events that the resilience parts emit, and the bus that carries them.

Breakers, retries, rate limits, the cache and admission control never log or
count inline: they emit one of these frozen records, and the logging and metrics
modules subscribe. Each event has a stable ``name`` (the log event) and
``fields()`` (the log's extra fields and the metric labels).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base class: a stable event name and its fields."""

    name: ClassVar[str] = "resilience.event"

    def fields(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BreakerStateChanged(Event):
    """A provider's breaker moved between closed, open and half_open."""

    provider: str
    old: str
    new: str
    failures: int

    @property
    def name(self) -> str:  # type: ignore[override]
        return _BREAKER_EVENT_NAMES[self.new]


_BREAKER_EVENT_NAMES = {
    "open": "breaker.opened",
    "half_open": "breaker.half_opened",
    "closed": "breaker.closed",
}


@dataclass(frozen=True)
class BreakerFailure(Event):
    """A fault was counted against a provider's breaker."""

    name: ClassVar[str] = "breaker.failure"
    provider: str
    failures: int
    fail_max: int


@dataclass(frozen=True)
class BreakerRejected(Event):
    """A call failed fast because the breaker is open or its trial is in flight."""

    name: ClassVar[str] = "breaker.rejected"
    provider: str
    state: str
    retry_in_s: float


@dataclass(frozen=True)
class RetryScheduled(Event):
    """Try number ``attempt`` failed and the call will be tried again after ``wait_s``."""

    name: ClassVar[str] = "upstream.retry"
    provider: str
    attempt: int
    wait_s: float
    reason: str


@dataclass(frozen=True)
class RetryGaveUp(Event):
    """A retryable fault was not retried: ``reason`` is max_tries or deadline."""

    name: ClassVar[str] = "upstream.gave_up"
    provider: str
    attempts: int
    reason: str
    cause: str


@dataclass(frozen=True)
class RateLimitWaited(Event):
    """A request waited for a slot in our own rate limit for its provider."""

    name: ClassVar[str] = "ratelimit.waited"
    provider: str
    wait_s: float


@dataclass(frozen=True)
class RateLimitRefused(Event):
    """A request was refused: the next slot comes after its deadline."""

    name: ClassVar[str] = "ratelimit.refused"
    provider: str
    retry_after_s: float


@dataclass(frozen=True)
class CacheLookup(Event):
    """One cache read: ``result`` is hit, miss or stale (served stale on error)."""

    name: ClassVar[str] = "cache.lookup"
    kind: str
    result: str


@dataclass(frozen=True)
class Coalesced(Event):
    """A request joined an identical one in flight instead of calling upstream."""

    name: ClassVar[str] = "cache.coalesced"
    kind: str


@dataclass(frozen=True)
class Admitted(Event):
    """A question got a slot; ``wait_s`` is the time it spent in the queue."""

    name: ClassVar[str] = "question.admitted"
    wait_s: float
    queued: bool
    running: int
    waiting: int


@dataclass(frozen=True)
class Rejected(Event):
    """A question was turned away: ``reason`` is busy or session_rate."""

    name: ClassVar[str] = "question.rejected"
    reason: str
    retry_after_s: float | None = None


Subscriber = Callable[[Event], None]


class EventBus:
    """Delivers each event to every subscriber, synchronously, in the caller's thread.

    A subscriber that raises is logged (with the traceback the first time) and
    skipped: a broken metrics hook must never fail a user's question.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: tuple[Subscriber, ...] = ()
        self._failed: set[int] = set()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Add ``callback``; the returned function removes it again."""
        with self._lock:
            self._subscribers = (*self._subscribers, callback)

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(
                    s for s in self._subscribers if s is not callback
                )

        return unsubscribe

    def emit(self, event: Event) -> None:
        """Hand ``event`` to each subscriber in the order they subscribed."""
        for callback in self._subscribers:
            try:
                callback(event)
            except Exception:
                fields = {"subscriber": repr(callback), "event_name": event.name}
                if self._first_failure(callback):
                    logger.exception("events.subscriber_failed", extra=fields)
                else:
                    logger.debug(
                        "events.subscriber_failed", extra=fields, exc_info=True
                    )

    def _first_failure(self, callback: Subscriber) -> bool:
        with self._lock:
            first = id(callback) not in self._failed
            self._failed.add(id(callback))

        return first


# The process-wide bus; components take a ``bus`` argument so tests use their own.
default_bus = EventBus()
