"""A question being answered: its place in line now, its answer later."""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from market_parser.observability.correlation import bind

if TYPE_CHECKING:
    from market_parser.service.answer import Answer
    from market_parser.service.query import QueryService

# How long past the deadline a caller waits for the loop to report a timeout.
DEADLINE_GRACE_SECONDS = 2.0


class Pending:
    """The handle `QueryService.submit` returns; safe to poll from a page script.

    The outcome is recorded (metrics, log line, in-flight count) exactly once,
    whichever comes first: the answer, or the caller giving up at the deadline.
    """

    def __init__(self, correlation_id: str, session_id: str = "") -> None:
        self.correlation_id = correlation_id
        self.session_id = session_id
        self.position: int | None = None
        """Place in line: 1 is next; 0 once running; None before it is known."""
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._answer: Answer | None = None
        self._future: concurrent.futures.Future[Answer] | None = None
        self._on_finish: Callable[[Answer], None] | None = None
        self._timeout = 0.0
        self._timed_out: Callable[[], Answer] | None = None
        self._crashed: Callable[[BaseException], Answer] | None = None

    def set_position(self, position: int) -> None:
        self.position = position

    def attach(
        self,
        future: concurrent.futures.Future[Answer],
        service: QueryService,
        question: str,
    ) -> None:
        """Follow ``future``; record the answer with ``service`` when it comes."""

        def on_finish(answer: Answer) -> None:
            with bind(correlation_id=self.correlation_id, session=self.session_id):
                service._leave()
                service._record(question, answer)

        self._on_finish = on_finish
        self._future = future
        self._timeout = service.settings.query_timeout + DEADLINE_GRACE_SECONDS
        self._timed_out = lambda: service._timed_out(self.correlation_id, None)
        self._crashed = lambda exc: service._failed(
            None, None, exc, "Something went wrong while answering."
        )
        future.add_done_callback(self._settle)

    def _settle(self, future: concurrent.futures.Future[Answer]) -> None:
        if future.cancelled():
            return
        error = future.exception()
        self.finish(future.result() if error is None else self._crashed(error))

    def finish(self, answer: Answer) -> None:
        """Set the answer, unless one was set already."""
        with self._lock:
            if self._answer is not None:
                return
            self._answer = answer
        if self._on_finish is not None:
            self._on_finish(answer)
        self._done.set()

    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds; True once the answer is there."""
        return self._done.wait(timeout)

    def result(self) -> Answer:
        """The answer, waiting for it until shortly past the question's deadline."""
        if not self._done.wait(self._timeout if self._future else 0):
            if self._future is not None:
                self._future.cancel()
            if self._timed_out is not None:
                self.finish(self._timed_out())
        assert self._answer is not None
        return self._answer
