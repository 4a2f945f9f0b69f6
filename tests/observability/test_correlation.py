"""Tests for correlation ids and session hashes in contextvars."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

from market_parser.observability import correlation


def test_bind_sets_and_restores_both_values():
    """Inside bind the ids are visible; after it the previous values return."""
    assert correlation.current() == {"correlation_id": None, "session": None}
    with correlation.bind(correlation_id="abc123", session="raw-session") as cid:
        assert cid == "abc123"
        assert correlation.current()["correlation_id"] == "abc123"
    assert correlation.current() == {"correlation_id": None, "session": None}


def test_session_is_a_short_hash_never_the_raw_id():
    """The session value is the first 10 hex digits of sha256 of the raw id."""
    with correlation.bind(session="streamlit-session-42"):
        session = correlation.current()["session"]
    assert session == hashlib.sha256(b"streamlit-session-42").hexdigest()[:10]
    assert "streamlit" not in session


def test_nested_bind_keeps_outer_session():
    """A nested bind that only sets a correlation id keeps the outer session."""
    with correlation.bind(session="s1"), correlation.bind(correlation_id="inner"):
        assert correlation.current() == {
            "correlation_id": "inner",
            "session": correlation.session_hash("s1"),
        }


def test_new_correlation_ids_are_distinct_hex():
    """Fresh ids are 16 hex characters and do not repeat."""
    ids = {correlation.new_correlation_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(len(i) == 16 and int(i, 16) >= 0 for i in ids)


def test_plain_executor_loses_the_id_and_carry_keeps_it():
    """ThreadPoolExecutor.submit drops contextvars; carry() brings them along."""
    with correlation.bind(correlation_id="q-1"), ThreadPoolExecutor(2) as pool:
        lost = pool.submit(lambda: correlation.current()["correlation_id"]).result()
        kept = pool.submit(
            correlation.carry(lambda: correlation.current()["correlation_id"])
        ).result()
    assert lost is None
    assert kept == "q-1"


def test_carry_can_run_concurrently():
    """One carried function can run in several threads at once (executor.map)."""
    barrier = threading.Barrier(4)

    def work(_):
        barrier.wait(timeout=5)
        return correlation.current()["correlation_id"]

    with correlation.bind(correlation_id="q-2"), ThreadPoolExecutor(4) as pool:
        results = list(pool.map(correlation.carry(work), range(4)))
    assert results == ["q-2"] * 4


def test_asyncio_to_thread_carries_the_id():
    """asyncio.to_thread copies the context, so no wrapping is needed there."""

    async def main():
        with correlation.bind(correlation_id="q-3"):
            return await asyncio.to_thread(
                lambda: correlation.current()["correlation_id"]
            )

    assert asyncio.run(main()) == "q-3"


def test_run_coroutine_threadsafe_carries_the_callers_id():
    """A question submitted to a loop in another thread keeps the submitter's id.

    run_coroutine_threadsafe schedules through call_soon_threadsafe, which copies
    the caller's context; the task then copies it again, into to_thread too.
    """
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def answer():
        return await asyncio.to_thread(lambda: correlation.current()["correlation_id"])

    try:
        with correlation.bind(correlation_id="q-4", session="raw"):
            seen = asyncio.run_coroutine_threadsafe(answer(), loop).result(5)
        after = asyncio.run_coroutine_threadsafe(answer(), loop).result(5)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
    assert (seen, after) == ("q-4", None)
