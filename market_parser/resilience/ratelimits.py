"""Rate limits: outbound per provider, inbound per browser session.

Both are sliding windows: at most ``limit`` grants in any ``window`` seconds,
kept as the last ``limit`` grant times. A token bucket of the same size would
allow ``limit`` at once and then one more every ``window / limit`` seconds, so
more than ``limit`` in some 60 s span, which is what a per-minute upstream
limit answers with 429.

Outbound defaults follow the providers' documented limits: Polygon's free plan
5 requests per minute (paid plans about 100 per second: set 100 per 1 s),
Tradier 120 per minute. Tradier also reports what is left of its own window in
``X-Ratelimit-Available`` and ``X-Ratelimit-Expiry``; `OutboundLimiter.observe_headers`
turns those into a budget, so we slow down before a 429 rather than after.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from typing import Any

from market_parser.errors import OutboundLimitError
from market_parser.resilience.deadline import current_deadline, sleep_within_deadline
from market_parser.resilience.events import (
    EventBus,
    RateLimitRefused,
    RateLimitWaited,
    Rejected,
    default_bus,
)

Clock = Callable[[], float]


class OutboundLimiter:
    """At most ``limit`` requests per ``window`` seconds to one provider.

    Callers are served in arrival order: each reserves the next free slot under
    the lock, then sleeps until it outside the lock. A reservation whose wait
    would outlast the question's deadline (or ``max_wait`` with no deadline) is
    not made; `OutboundLimitError` says when to try again.
    """

    def __init__(
        self,
        provider: str,
        *,
        limit: int,
        window: float,
        max_wait: float = 30.0,
        bus: EventBus | None = None,
        clock: Clock = time.monotonic,
        wall_clock: Clock = time.time,
        sleep: Callable[[float], Any] = sleep_within_deadline,
    ) -> None:
        self.provider = provider
        self.limit = limit
        self.window = window
        self.max_wait = max_wait
        self._bus = bus or default_bus
        self._clock = clock
        self._wall_clock = wall_clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._grants: deque[float] = deque(maxlen=limit)
        self._paused_until = 0.0
        self._budget: int | None = None
        self._budget_until = 0.0

    def acquire(self) -> float:
        """Wait for a slot and take it; returns the seconds waited."""
        deadline = current_deadline()
        allowed = self.max_wait if deadline is None else deadline.remaining()
        with self._lock:
            now = self._clock()
            wait = self._next_slot(now) - now
            refused = wait > 0 and wait >= allowed
            if not refused:
                self._take(now + wait)
        if refused:
            self._refuse(wait)
        if wait > 0:
            self._bus.emit(RateLimitWaited(self.provider, wait))
            self._sleep(wait)
            if deadline is not None:
                deadline.check()

        return wait

    def hold(self, seconds: float) -> None:
        """Send nothing for ``seconds``: the provider answered 429 with Retry-After."""
        with self._lock:
            until = self._clock() + min(seconds, self._longest_pause())
            self._paused_until = max(self._paused_until, until)

    def observe_headers(
        self, available: int | None, expiry_epoch_ms: float | None
    ) -> None:
        """Spend no more than ``available`` requests until the provider's window ends.

        Tradier's ``X-Ratelimit-Expiry`` is epoch milliseconds; it is moved onto the
        monotonic clock here, and a header can pause us for at most one window
        (or a minute, whichever is longer), so a bad value cannot stop a provider.
        """
        if available is None or expiry_epoch_ms is None:
            return
        with self._lock:
            now = self._clock()
            ahead = expiry_epoch_ms / 1000 - self._wall_clock()
            if ahead <= 0:
                return
            self._budget = max(0, int(available))
            self._budget_until = now + min(ahead, self._longest_pause())

    def _longest_pause(self) -> float:
        return max(self.window, 60.0)

    def _next_slot(self, now: float) -> float:
        slot = max(now, self._paused_until)
        if self._grants:
            # Never overtake a reservation made earlier.
            slot = max(slot, self._grants[-1])
        if len(self._grants) == self.limit:
            slot = max(slot, self._grants[0] + self.window)
        if self._budget is not None and self._budget <= 0 and slot < self._budget_until:
            slot = self._budget_until

        return slot

    def _take(self, slot: float) -> None:
        self._grants.append(slot)
        if self._budget is not None and slot < self._budget_until:
            self._budget -= 1

    def _refuse(self, wait: float) -> None:
        self._bus.emit(RateLimitRefused(self.provider, wait))
        seconds = math.ceil(wait)
        raise OutboundLimitError(
            f"The next free request slot for {self.provider} is in {seconds} s "
            f"(limit {self.limit} per {self.window:g} s, or the provider asked us to "
            f"slow down), later than this question can wait. "
            f"Try again in {seconds} s.",
            provider=self.provider,
            retry_after=wait,
        )


class SessionLimiter:
    """At most ``limit`` questions per ``window`` seconds from one browser session.

    Memory stays bounded: a session with nothing in its window is forgotten, and
    beyond ``max_sessions`` the least recently seen session is dropped.
    """

    def __init__(
        self,
        *,
        limit: int = 10,
        window: float = 60.0,
        max_sessions: int = 10_000,
        bus: EventBus | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_sessions = max_sessions
        self._bus = bus or default_bus
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        with self._lock:
            return len(self._sessions)

    def check(self, session_id: str) -> float | None:
        """Count one question and return None, or the seconds to wait if over the limit."""
        with self._lock:
            now = self._clock()
            self._evict(now, keep=session_id)
            grants = self._sessions.setdefault(session_id, deque(maxlen=self.limit))
            self._sessions.move_to_end(session_id)
            wait = None
            if len(grants) == self.limit and grants[0] + self.window > now:
                wait = grants[0] + self.window - now
            else:
                grants.append(now)
        if wait is not None:
            self._bus.emit(Rejected("session_rate", wait))

        return wait

    def _evict(self, now: float, *, keep: str) -> None:
        # Sessions are ordered by their last check; stop at the first one still active.
        while self._sessions:
            session_id, grants = next(iter(self._sessions.items()))
            if grants and grants[-1] + self.window > now:
                break
            del self._sessions[session_id]
        if keep in self._sessions:
            return
        while len(self._sessions) >= self.max_sessions:
            self._sessions.popitem(last=False)
