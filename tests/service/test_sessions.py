"""Conversation memory: bounded open sessions, never closed under a question."""

from __future__ import annotations

import pytest

from market_parser.config.settings import Settings
from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.metrics import MetricsCollector
from market_parser.service import sessions
from market_parser.service.query import QueryService
from market_parser.service.sessions import SessionStore


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setattr(sessions, "MAX_OPEN_SESSIONS", 2)
    store = SessionStore(tmp_path, register_app_metrics(MetricsCollector()))
    yield store
    store.close()


def remember(session, text: str) -> None:
    import asyncio

    asyncio.run(session.add_items([{"role": "user", "content": text}]))


def recall(session) -> list[str]:
    import asyncio

    return [item["content"] for item in asyncio.run(session.get_items())]


def test_oldest_idle_session_closes_past_the_limit(store):
    """Three sessions with room for two: the least recently used one is closed."""
    for name in ("a", "b", "c"):
        with store.borrow(name) as session:
            remember(session, f"hello from {name}")
    assert store.open_ids() == ["b", "c"]
    # Its history stays on disk and comes back when it is used again.
    with store.borrow("a") as session:
        assert recall(session) == ["hello from a"]
    assert store.open_ids() == ["c", "a"]


def test_session_in_use_is_never_closed(store):
    """A session a question is using stays open however many others open meanwhile."""
    with store.borrow("busy") as busy:
        for name in ("b", "c", "d"):
            with store.borrow(name) as session:
                remember(session, name)
        remember(busy, "still here")
        assert recall(busy) == ["still here"]
        assert "busy" in store.open_ids()
    # Once released, the store shrinks back to its limit.
    assert len(store.open_ids()) == 2


def test_same_session_borrowed_twice_stays_open_until_both_return(store):
    """Two questions of one session at once: the first to finish does not close it."""
    with store.borrow("twice") as first:
        with store.borrow("twice") as second:
            assert second is first
        for name in ("b", "c"):
            with store.borrow(name):
                pass
        remember(first, "second question")
    assert recall_after(store, "twice") == ["second question"]


def recall_after(store: SessionStore, name: str) -> list[str]:
    with store.borrow(name) as session:
        return recall(session)


def test_more_sessions_at_once_than_stay_open_all_answer(tmp_path, monkeypatch):
    """12 sessions asking at the same moment with room for 2 open: all answered."""
    monkeypatch.setattr(sessions, "MAX_OPEN_SESSIONS", 2)
    settings = Settings.load(
        {
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "MARKET_PARSER_OFFLINE": "1",
            "MARKET_PARSER_SIMULATED_LATENCY": "0.2",
        }
    )
    service = QueryService(settings)
    try:
        pending = [
            service.submit("What is Apple's stock price?", session_id=f"user-{n}")
            for n in range(12)
        ]
        answers = [p.result() for p in pending]
    finally:
        service.close()
    assert [a.outcome for a in answers] == ["answered"] * 12
    assert all("$430.47" in a.text for a in answers)
