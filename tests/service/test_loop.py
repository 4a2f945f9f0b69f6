"""The background event loop: first use from many threads at once, context, stop."""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from market_parser.service import loop as loop_module
from market_parser.service.loop import BackgroundLoop

REQUEST = contextvars.ContextVar("request", default=None)


async def echo(value: int) -> tuple[int, str | None]:
    await asyncio.sleep(0)
    return value, REQUEST.get()


def test_first_use_from_many_threads_waits_for_the_loop(monkeypatch):
    """Ten threads submit before the loop exists; every one gets its result.

    Making the loop is slowed down so that callers finding the thread already
    started would, without waiting, reach a loop that is not there yet.
    """
    new_loop = asyncio.new_event_loop

    def slow_new_loop():
        time.sleep(0.2)
        return new_loop()

    monkeypatch.setattr(loop_module.asyncio, "new_event_loop", slow_new_loop)
    background = BackgroundLoop()
    barrier = threading.Barrier(10)

    def ask(value: int) -> tuple[int, str | None]:
        barrier.wait()
        return background.submit(echo(value)).result(timeout=5)

    try:
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(ask, range(10)))
    finally:
        background.stop()
    assert results == [(value, None) for value in range(10)]


def test_submit_carries_the_callers_context_variables():
    """A correlation id bound by the caller is seen inside the coroutine."""
    background = BackgroundLoop()
    token = REQUEST.set("abc123")
    try:
        assert background.submit(echo(7)).result(timeout=5) == (7, "abc123")
    finally:
        REQUEST.reset(token)
        background.stop()


def test_start_after_stop_runs_a_new_loop():
    """Stopped, then used again: a fresh loop answers."""
    background = BackgroundLoop()
    assert background.submit(echo(1)).result(timeout=5) == (1, None)
    first = background.loop
    background.stop()
    assert background.submit(echo(2)).result(timeout=5) == (2, None)
    assert background.loop is not first
    background.stop()
