"""The TTL cache: hits and misses, coalescing, stale-if-error and its bounds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest

from market_parser.errors import (
    BreakerOpenError,
    QueryTimeoutError,
    UnknownTickerError,
    UpstreamError,
)
from market_parser.resilience.cache import (
    DEFAULT_POLICIES,
    Cached,
    CachePolicy,
    TtlCache,
    policies_from_settings,
)
from market_parser.resilience.deadline import bind_deadline
from market_parser.resilience.events import CacheLookup, Coalesced, EventBus
from tests.resilience.conftest import FakeClock, Recorder


class Loader:
    """Returns successive values or raises given errors; counts its calls."""

    def __init__(self, *outcomes: object) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    def __call__(self) -> object:
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def _cache(bus: EventBus, clock: FakeClock, **kwargs: object) -> TtlCache:
    return TtlCache(bus=bus, clock=clock, **kwargs)  # type: ignore[arg-type]


def _lookups(recorded: Recorder) -> list[str]:
    return [e.result for e in recorded.of(CacheLookup)]


def _eventually(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    give_up = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > give_up:
            return False
        time.sleep(0.005)
    return True


def test_a_miss_then_hits_until_the_ttl(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """A quote is loaded once, served for 60 s with its age, then loaded again."""
    cache = _cache(bus, clock)
    loader = Loader(101.5, 102.0)

    first = cache.get_or_load("quote", "AAPL", loader)
    clock.advance(59)
    second = cache.get_or_load("quote", "AAPL", loader)
    clock.advance(1)
    third = cache.get_or_load("quote", "AAPL", loader)

    assert first == Cached(101.5, 0.0, stale=False)
    assert second == Cached(101.5, 59.0, stale=False)
    assert third == Cached(102.0, 0.0, stale=False)
    assert loader.calls == 2
    assert _lookups(recorded) == ["miss", "hit", "miss"]


def test_each_kind_has_its_own_ttl(bus: EventBus, clock: FakeClock) -> None:
    """After 45 s an options chain (30 s) is reloaded but a quote (60 s) is not."""
    cache = _cache(bus, clock)
    quote, chain = Loader("q1", "q2"), Loader("c1", "c2")
    cache.get_or_load("quote", "AAPL", quote)
    cache.get_or_load("options", "AAPL", chain)

    clock.advance(45)
    cache.get_or_load("quote", "AAPL", quote)
    cache.get_or_load("options", "AAPL", chain)

    assert (quote.calls, chain.calls) == (1, 2)


def test_default_ttls_match_the_issue() -> None:
    """Quote 60 s, options 30 s, history 1 day, reference 7 days, clock 30 s."""
    ttls = {kind: policy.ttl for kind, policy in DEFAULT_POLICIES.items()}

    assert ttls == {
        "quote": 60,
        "options": 30,
        "history": 86_400,
        "reference": 604_800,
        "clock": 30,
    }


def test_ten_concurrent_identical_loads_make_one_upstream_call(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """Ten threads ask for the same key at once: one loader call, ten equal answers."""
    cache = _cache(bus, clock)
    release = threading.Event()
    calls: list[int] = []

    def slow_loader() -> dict[str, float]:
        calls.append(1)
        release.wait(timeout=5)
        return {"last": 101.5}

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [
            pool.submit(cache.get_or_load, "quote", ("tradier", "AAPL"), slow_loader)
            for _ in range(10)
        ]
        assert _eventually(lambda: len(recorded.of(Coalesced)) == 9)
        release.set()
        results = [f.result(timeout=5) for f in futures]

    assert len(calls) == 1
    assert {id(r.value) for r in results} == {id(results[0].value)}
    assert _lookups(recorded) == ["miss"] * 10


def test_joiners_share_the_leaders_error(bus: EventBus, clock: FakeClock) -> None:
    """When the one load fails and nothing is cached, all ten callers get its error."""
    cache = _cache(bus, clock)
    release = threading.Event()
    calls: list[int] = []
    joined = Recorder()
    bus.subscribe(joined)

    def failing_loader() -> object:
        calls.append(1)
        release.wait(timeout=5)
        raise UpstreamError("HTTP 503.", provider="tradier", status=503)

    def ask() -> str:
        try:
            cache.get_or_load("quote", "AAPL", failing_loader)
        except UpstreamError as exc:
            return str(exc)
        return "no error"

    with ThreadPoolExecutor(max_workers=10) as pool:
        futures = [pool.submit(ask) for _ in range(10)]
        assert _eventually(lambda: len(joined.of(Coalesced)) == 9)
        release.set()
        outcomes = [f.result(timeout=5) for f in futures]

    assert len(calls) == 1
    assert outcomes == ["HTTP 503."] * 10


def test_stale_if_error_returns_the_old_value_with_its_age(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """A quote ten minutes old is served, marked stale, when the provider fails."""
    cache = _cache(bus, clock)
    cache.get_or_load("quote", "AAPL", Loader(101.5))
    clock.advance(600)

    failing = Loader(UpstreamError("HTTP 503.", provider="tradier", status=503))
    result = cache.get_or_load("quote", "AAPL", failing)

    assert result == Cached(101.5, 600.0, stale=True)
    assert _lookups(recorded) == ["miss", "stale"]


def test_an_open_breaker_is_covered_by_stale_values(
    bus: EventBus, clock: FakeClock
) -> None:
    """BreakerOpenError is an upstream failure, so the old value is served."""
    cache = _cache(bus, clock)
    cache.get_or_load("history", ("AAPL", "2024"), Loader(["bar"]))
    clock.advance(2 * 86_400)

    result = cache.get_or_load(
        "history",
        ("AAPL", "2024"),
        Loader(BreakerOpenError("Open.", provider="tradier", retry_in=20)),
    )

    assert (result.value, result.age_s, result.stale) == (["bar"], 172_800.0, True)


def test_values_beyond_max_staleness_are_not_served(
    bus: EventBus, clock: FakeClock
) -> None:
    """An hour and a second after loading, a quote is too old even for a failure."""
    cache = _cache(bus, clock)
    cache.get_or_load("quote", "AAPL", Loader(101.5))
    clock.advance(3_601)

    with pytest.raises(UpstreamError):
        cache.get_or_load(
            "quote", "AAPL", Loader(UpstreamError("Down.", provider="tradier"))
        )


def test_a_data_answer_is_never_replaced_by_an_old_value(
    bus: EventBus, clock: FakeClock
) -> None:
    """An unknown-ticker answer is the user's answer, not a failure to paper over."""
    cache = _cache(bus, clock)
    cache.get_or_load("quote", "FB", Loader(30.0))
    clock.advance(120)

    with pytest.raises(UnknownTickerError):
        cache.get_or_load(
            "quote", "FB", Loader(UnknownTickerError(["FB"], source="Tradier"))
        )


def test_least_recently_used_entry_is_dropped(bus: EventBus, clock: FakeClock) -> None:
    """With room for three, adding a fourth evicts the one used longest ago."""
    cache = _cache(bus, clock, max_entries=3)
    loaders = {symbol: Loader(symbol, symbol) for symbol in "ABCD"}
    for symbol in "ABC":
        cache.get_or_load("quote", symbol, loaders[symbol])
    cache.get_or_load("quote", "A", loaders["A"])

    cache.get_or_load("quote", "D", loaders["D"])
    cache.get_or_load("quote", "A", loaders["A"])
    cache.get_or_load("quote", "B", loaders["B"])

    assert len(cache) == 3
    assert (loaders["A"].calls, loaders["B"].calls) == (1, 2)


def test_kinds_do_not_share_keys(bus: EventBus, clock: FakeClock) -> None:
    """The same key under two kinds is two entries."""
    cache = _cache(bus, clock)

    quote = cache.get_or_load("quote", "AAPL", Loader("quote"))
    reference = cache.get_or_load("reference", "AAPL", Loader("company"))

    assert (quote.value, reference.value) == ("quote", "company")


def test_an_unknown_kind_is_a_clear_error(bus: EventBus, clock: FakeClock) -> None:
    """A typo in a kind names the kinds there are."""
    with pytest.raises(ValueError, match="Use one of: clock, history, options"):
        _cache(bus, clock).get_or_load("quotes", "AAPL", Loader(1))


def test_a_joiner_loads_itself_when_the_leaders_question_timed_out(
    bus: EventBus, clock: FakeClock, recorded: Recorder
) -> None:
    """The leader's QueryTimeoutError is its own; the joiner starts a fresh load."""
    cache = _cache(bus, clock)
    release = threading.Event()
    calls: list[str] = []

    def loader() -> str:
        calls.append(threading.current_thread().name)
        if len(calls) == 1:
            release.wait(timeout=5)
            raise QueryTimeoutError("The leader ran out of time.")
        return "fresh"

    with ThreadPoolExecutor(max_workers=2) as pool:
        leader = pool.submit(cache.get_or_load, "quote", "AAPL", loader)
        assert _eventually(lambda: len(calls) == 1)
        joiner = pool.submit(cache.get_or_load, "quote", "AAPL", loader)
        assert _eventually(lambda: len(recorded.of(Coalesced)) == 1)
        release.set()
        with pytest.raises(QueryTimeoutError):
            leader.result(timeout=5)
        result = joiner.result(timeout=5)

    assert result.value == "fresh"
    assert len(calls) == 2


def test_a_joiner_gives_up_at_its_own_deadline(bus: EventBus, clock: FakeClock) -> None:
    """A joiner whose question has 0.1 s left stops waiting on a stuck leader."""
    cache = _cache(bus, clock)
    release = threading.Event()
    started = threading.Event()

    def stuck_loader() -> str:
        started.set()
        release.wait(timeout=5)
        return "late"

    def joiner() -> object:
        with bind_deadline(0.1):
            return cache.get_or_load("quote", "AAPL", stuck_loader)

    with ThreadPoolExecutor(max_workers=2) as pool:
        leader = pool.submit(cache.get_or_load, "quote", "AAPL", stuck_loader)
        assert started.wait(timeout=5)
        began = time.monotonic()
        with pytest.raises(QueryTimeoutError):
            pool.submit(joiner).result(timeout=5)
        waited = time.monotonic() - began
        release.set()
        assert leader.result(timeout=5).value == "late"

    assert waited < 2


def test_policies_come_from_settings() -> None:
    """policies_from_settings reads cache_ttl_* and cache_max_stale_* per kind."""
    names = {}
    for kind in DEFAULT_POLICIES:
        names[f"cache_ttl_{kind}"] = 1.0
        names[f"cache_max_stale_{kind}"] = 2.0

    policies = policies_from_settings(SimpleNamespace(**names))

    assert set(policies) == set(DEFAULT_POLICIES)
    assert all(p == CachePolicy(ttl=1.0, max_stale=2.0) for p in policies.values())
