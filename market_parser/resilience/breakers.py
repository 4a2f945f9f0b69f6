"""One circuit breaker per upstream provider, built on aiobreaker 1.2.0.

What counts, decided here in one place:

- Faults count: any `UpstreamError` without a 4xx status: connection errors,
  `UpstreamTimeoutError`, `UpstreamFormatError` (HTML pages, truncated JSON),
  5xx, and errors a provider reports inside a 2xx body.
- Answers reset the count and close a half-open breaker, because the provider
  answered: a return value, any `DataError` (unknown ticker, no data), an upstream
  429, other 4xx, and `UpstreamAuthError`. A refused key is not transient, but it
  is a setting to fix: an open breaker would hide "check TRADIER_API_KEY" behind
  "try again in 30 s" and keep probing with a key that cannot work.
- Neutral outcomes are not recorded: `OutboundLimitError` (nothing was sent),
  `QueryTimeoutError` (the question ended) and errors that are not the provider's
  (a bug of ours, an interrupt).

One question counts at most once: the retry loop runs inside the breaker (see
`market_parser.resilience.guards`), so one call's attempts are one outcome; and a
question (its `Deadline`) that already counted a fault while the breaker is closed
does not count again from its other calls.

aiobreaker keeps the consecutive-failure count, the ``fail_max`` threshold, the
exclusions (which it treats as successes) and the half-open close-or-reopen rule.
It is not safe across threads, lets every caller through while half-open and
times its open period with a mix of ``datetime.now`` and ``utcnow``. So this
wrapper owns the open timer on an injectable monotonic clock, moves aiobreaker to
half-open itself, admits exactly one trial there, and runs each call outside any
lock, then replays its outcome into aiobreaker under a lock.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import weakref
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, TypeVar

from aiobreaker import (
    CircuitBreaker,
    CircuitBreakerError,
    CircuitBreakerListener,
    CircuitBreakerState,
)

from market_parser.errors import (
    BreakerOpenError,
    DataError,
    OutboundLimitError,
    RateLimitedError,
    UpstreamAuthError,
    UpstreamError,
)
from market_parser.resilience.deadline import Deadline, current_deadline
from market_parser.resilience.events import (
    BreakerFailure,
    BreakerRejected,
    BreakerStateChanged,
    Event,
    EventBus,
    default_bus,
)

T = TypeVar("T")

FAULT = "fault"
ANSWER = "answer"
NEUTRAL = "neutral"

_CLOSED = CircuitBreakerState.CLOSED
_OPEN = CircuitBreakerState.OPEN
_HALF_OPEN = CircuitBreakerState.HALF_OPEN
_STATE_NAMES = {_CLOSED: "closed", _OPEN: "open", _HALF_OPEN: "half_open"}


# The breaker whose half-open trial the current context is running, if any.
_trial_of: ContextVar[Breaker | None] = ContextVar("breaker_trial", default=None)


def classify(exc: BaseException | None) -> str:
    """Whether an outcome is a fault, an answer or neutral for a breaker."""
    if exc is None:
        return ANSWER
    if isinstance(exc, OutboundLimitError | BreakerOpenError):
        return NEUTRAL
    if isinstance(exc, DataError | UpstreamAuthError | RateLimitedError):
        return ANSWER
    if isinstance(exc, UpstreamError):
        return ANSWER if _is_client_error(exc.status) else FAULT
    return NEUTRAL


def _is_client_error(status: int | None) -> bool:
    return status is not None and 400 <= status < 500


def _is_answer(exc: BaseException) -> bool:
    return classify(exc) == ANSWER


def _replay(exc: BaseException | None) -> None:
    if exc is not None:
        raise exc


class _Relay(CircuitBreakerListener):
    """Forwards aiobreaker's state changes to the owning `Breaker`."""

    def __init__(self, owner: Breaker) -> None:
        self._owner = owner

    def state_change(self, breaker: Any, old: Any, new: Any) -> None:
        old_state = new.state if old is None else old.state
        self._owner._changed(old_state, new.state)


class Breaker:
    """The circuit breaker for one provider; safe to share between threads."""

    def __init__(
        self,
        provider: str,
        *,
        fail_max: int = 5,
        reset_timeout: float = 30.0,
        bus: EventBus | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self._bus = bus or default_bus
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: list[Event] = []
        self._opened_at = 0.0
        self._trial = False
        self._counted: weakref.WeakSet[Deadline] = weakref.WeakSet()
        self._cb = CircuitBreaker(
            fail_max=fail_max,
            timeout_duration=timedelta(seconds=reset_timeout),
            exclude=[_is_answer],
            listeners=[_Relay(self)],
            name=provider,
        )

    @property
    def state(self) -> str:
        """``closed``, ``open`` or ``half_open``; open stays open until a call comes."""
        with self._lock:
            return _STATE_NAMES[self._cb.current_state]

    @property
    def failures(self) -> int:
        """Consecutive faults counted so far."""
        with self._lock:
            return self._cb.fail_counter

    def retry_in_seconds(self) -> float:
        """Seconds until an open breaker lets a trial through; 0 otherwise."""
        with self._lock:
            return self._retry_in()

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``func`` unless the breaker is open, and record how it went."""
        trial = self._admit()
        token = _trial_of.set(self if trial else None)
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            self._settle(trial, exc)
            raise
        finally:
            _trial_of.reset(token)
        self._settle(trial, None)

        return result

    async def call_async(
        self, func: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any
    ) -> T:
        """`call` for a coroutine function, such as a model run on the event loop."""
        trial = self._admit()
        token = _trial_of.set(self if trial else None)
        try:
            result = await func(*args, **kwargs)
        except BaseException as exc:
            self._settle(trial, exc)
            raise
        finally:
            _trial_of.reset(token)
        self._settle(trial, None)

        return result

    def in_trial(self) -> bool:
        """Whether the code running now is this breaker's half-open trial call."""
        return _trial_of.get() is self

    def _admit(self) -> bool:
        with self._lock:
            state = self._cb.current_state
            if state is _OPEN and self._retry_in() <= 0:
                self._cb.half_open()
                state = _HALF_OPEN
            admitted = state is _CLOSED or (state is _HALF_OPEN and not self._trial)
            trial = admitted and state is _HALF_OPEN
            self._trial = self._trial or trial
            wait = self._retry_in()
        self._flush()
        if not admitted:
            self._reject(_STATE_NAMES[state], wait)

        return trial

    def _reject(self, state: str, wait: float) -> None:
        self._bus.emit(BreakerRejected(self.provider, state, wait))
        if state == "open":
            message = (
                f"{self.provider} failed {self.fail_max} times in a row, so Market "
                f"Parser stopped calling it for {self.reset_timeout:g} s. "
                f"Try again in {math.ceil(wait)} s."
            )
        else:
            message = (
                f"{self.provider} is recovering and one test request is in flight. "
                "Try again in a few seconds."
            )
        raise BreakerOpenError(message, provider=self.provider, retry_in=wait)

    def _settle(self, trial: bool, exc: BaseException | None) -> None:
        kind = classify(exc)
        with self._lock:
            if trial:
                self._trial = False
            if self._should_record(trial, kind):
                self._record(kind, exc)
        self._flush()

    def _should_record(self, trial: bool, kind: str) -> bool:
        if kind == NEUTRAL:
            return False
        if trial:
            return True
        # A call admitted before the breaker opened must not decide its state now.
        if self._cb.current_state is not _CLOSED:
            return False
        if kind == FAULT:
            deadline = current_deadline()
            if deadline is not None and deadline in self._counted:
                return False
            if deadline is not None:
                self._counted.add(deadline)

        return True

    def _record(self, kind: str, exc: BaseException | None) -> None:
        mark = len(self._pending)
        traceback = exc.__traceback__ if exc is not None else None
        # aiobreaker re-raises what it is fed (or CircuitBreakerError when it
        # opens); the caller re-raises the original with its own traceback.
        with contextlib.suppress(CircuitBreakerError, UpstreamError, DataError):
            self._cb.call(_replay, exc)
        if exc is not None:
            exc.__traceback__ = traceback
        if kind == FAULT:
            failure = BreakerFailure(
                self.provider, self._cb.fail_counter, self.fail_max
            )
            self._pending.insert(mark, failure)

    def _changed(self, old: CircuitBreakerState, new: CircuitBreakerState) -> None:
        # Called by aiobreaker's listener, always under self._lock.
        if new is _OPEN:
            self._opened_at = self._clock()
        if new is _CLOSED:
            self._counted.clear()
        event = BreakerStateChanged(
            self.provider, _STATE_NAMES[old], _STATE_NAMES[new], self._cb.fail_counter
        )
        self._pending.append(event)

    def _retry_in(self) -> float:
        if self._cb.current_state is not _OPEN:
            return 0.0
        return max(0.0, self._opened_at + self.reset_timeout - self._clock())

    def _flush(self) -> None:
        # Subscribers run outside the lock, so one may read `state` safely.
        with self._lock:
            events, self._pending = self._pending, []
        for event in events:
            self._bus.emit(event)
