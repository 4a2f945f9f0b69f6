"""One deadline per question, carried in a context variable.

The query service binds it around a question; the HTTP layers deep inside read
it with `current_deadline()` instead of taking a parameter. `asyncio.to_thread`
copies the context into its worker thread, so synchronous clients see it too (a
plain ``ThreadPoolExecutor.submit`` would not).

When the question ends, `bind_deadline` cancels the deadline: a retry wait or a
rate-limit wait still running for it in a worker thread wakes up and stops,
instead of sending requests nobody will read.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from market_parser.errors import QueryTimeoutError

Clock = Callable[[], float]

_current: ContextVar[Deadline | None] = ContextVar(
    "market_parser_deadline", default=None
)


class Deadline:
    """A point on the monotonic clock by which one question must be answered."""

    def __init__(self, seconds: float, *, clock: Clock = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._expires_at = clock() + seconds
        self._cancelled = threading.Event()

    def __repr__(self) -> str:
        return f"Deadline(seconds={self.seconds:g}, remaining={self.remaining():.3f})"

    def remaining(self) -> float:
        """Seconds left, never below 0; 0 once cancelled."""
        if self._cancelled.is_set():
            return 0.0
        return max(0.0, self._expires_at - self._clock())

    def expired(self) -> bool:
        return self.remaining() <= 0

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """End the deadline now and wake anything sleeping on it."""
        self._cancelled.set()

    def cap(self, seconds: float) -> float:
        """``seconds`` or what is left of the deadline, whichever is smaller."""
        return min(seconds, self.remaining())

    def check(self) -> None:
        """Raise `QueryTimeoutError` when no time is left."""
        if self.expired():
            raise self.timeout_error()

    def timeout_error(self) -> QueryTimeoutError:
        """The error for a question that ran out of time."""
        return QueryTimeoutError(
            f"The question ran past its {self.seconds:g} s time limit. "
            "Try again, or ask about fewer symbols at once."
        )

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` of real time; False if the deadline was cancelled first."""
        # Loop, because a timed wait may wake a hair early and a Retry-After is a floor.
        end = time.monotonic() + seconds
        while not self._cancelled.is_set():
            left = end - time.monotonic()
            if left <= 0:
                return True
            self._cancelled.wait(left)

        return False


def current_deadline() -> Deadline | None:
    """The deadline of the question being answered in this context, if any."""
    return _current.get()


@contextmanager
def bind_deadline(
    seconds: float | Deadline, *, clock: Clock = time.monotonic
) -> Iterator[Deadline]:
    """Make a deadline current for the block, and cancel it when the block ends.

    Passing an existing `Deadline` binds it without cancelling it afterwards:
    its owner decides when it ends.
    """
    owned = not isinstance(seconds, Deadline)
    deadline = Deadline(seconds, clock=clock) if owned else seconds
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)
        if owned:
            deadline.cancel()


def sleep_within_deadline(seconds: float) -> None:
    """Sleep ``seconds``, waking early if the current question's deadline is cancelled."""
    deadline = current_deadline()
    if deadline is None:
        time.sleep(seconds)
    else:
        deadline.sleep(seconds)
