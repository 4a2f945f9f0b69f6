"""The event bus and the events' names and fields."""

from __future__ import annotations

import logging

import pytest

from market_parser.resilience.events import (
    BreakerStateChanged,
    CacheLookup,
    EventBus,
    RetryScheduled,
)


def test_subscribers_receive_events_in_subscription_order(bus: EventBus) -> None:
    """Each subscriber sees each event, first subscriber first."""
    seen: list[tuple[str, str]] = []
    bus.subscribe(lambda e: seen.append(("a", e.result)))
    bus.subscribe(lambda e: seen.append(("b", e.result)))

    bus.emit(CacheLookup("quote", "hit"))
    bus.emit(CacheLookup("quote", "miss"))

    assert seen == [("a", "hit"), ("b", "hit"), ("a", "miss"), ("b", "miss")]


def test_unsubscribe_stops_delivery(bus: EventBus) -> None:
    """The function subscribe returns removes that subscriber only."""
    kept: list[object] = []
    dropped: list[object] = []
    bus.subscribe(kept.append)
    unsubscribe = bus.subscribe(dropped.append)

    unsubscribe()
    bus.emit(CacheLookup("quote", "hit"))

    assert len(kept) == 1
    assert dropped == []


def test_failing_subscriber_neither_breaks_caller_nor_others(
    bus: EventBus, caplog: pytest.LogCaptureFixture
) -> None:
    """A raising subscriber is logged with its traceback once, then quietly."""
    delivered: list[object] = []

    def broken(event: object) -> None:
        raise RuntimeError("metrics are down")

    bus.subscribe(broken)
    bus.subscribe(delivered.append)
    caplog.set_level(logging.DEBUG, logger="market_parser.resilience.events")

    bus.emit(CacheLookup("quote", "hit"))
    bus.emit(CacheLookup("quote", "miss"))

    assert len(delivered) == 2
    records = [
        r for r in caplog.records if r.getMessage() == "events.subscriber_failed"
    ]
    assert [r.levelno for r in records] == [logging.ERROR, logging.DEBUG]
    assert records[0].exc_info is not None
    assert records[0].exc_info[0] is RuntimeError
    assert records[0].event_name == "cache.lookup"


def test_breaker_event_name_follows_the_new_state() -> None:
    """Transitions are logged as breaker.opened, breaker.half_opened, breaker.closed."""
    names = [
        BreakerStateChanged("tradier", "closed", "open", 5).name,
        BreakerStateChanged("tradier", "open", "half_open", 5).name,
        BreakerStateChanged("tradier", "half_open", "closed", 0).name,
    ]

    assert names == ["breaker.opened", "breaker.half_opened", "breaker.closed"]


def test_fields_are_the_dataclass_values() -> None:
    """fields() gives the log extras and metric labels as a plain dict."""
    event = RetryScheduled("polygon", 2, 1.5, "server_error")

    assert event.name == "upstream.retry"
    assert event.fields() == {
        "provider": "polygon",
        "attempt": 2,
        "wait_s": 1.5,
        "reason": "server_error",
    }
