"""One long-lived asyncio loop in a background thread.

Streamlit runs each page script in a thread of its own with no event loop that
survives a rerun, so async clients cached across reruns would fail with "Event
loop is closed". Every coroutine of the app runs here instead; page scripts and
the CLI submit work and wait on a `concurrent.futures.Future`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import logging
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")


class BackgroundLoop:
    """Owns an event loop running forever in a daemon thread."""

    def __init__(self, name: str = "market-parser-loop") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the thread once; every caller returns when the loop is running."""
        with self._lock:
            if self._thread is None:
                self._ready.clear()
                self._thread = threading.Thread(
                    target=self._run, name=self._name, daemon=True
                )
                self._thread.start()
        # Outside the lock, and on every call: a caller that finds the thread
        # already started must still wait until it has made its loop.
        self._ready.wait()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("BackgroundLoop.start() must be called first")
        return self._loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop, carrying the caller's context variables.

        `asyncio.run_coroutine_threadsafe` would start the task in the loop
        thread's own context, dropping the correlation id bound by the caller.
        """
        self.start()
        context = contextvars.copy_context()
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def schedule() -> None:
            task = self.loop.create_task(coro, context=context)
            _chain(task, future)

        self.loop.call_soon_threadsafe(schedule)
        return future

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop and join its thread."""
        with self._lock:
            thread, loop = self._thread, self._loop
            self._thread = None
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)


def _chain(task: asyncio.Task[T], future: concurrent.futures.Future[T]) -> None:
    """Mirror ``task``'s outcome into ``future`` and cancel the task if it is."""

    def on_done(done: asyncio.Task[T]) -> None:
        if future.cancelled():
            return
        if done.cancelled():
            future.cancel()
        elif done.exception() is not None:
            future.set_exception(done.exception())
        else:
            future.set_result(done.result())

    def on_cancel(fut: concurrent.futures.Future[T]) -> None:
        if fut.cancelled():
            task.get_loop().call_soon_threadsafe(task.cancel)

    task.add_done_callback(on_done)
    future.add_done_callback(on_cancel)
