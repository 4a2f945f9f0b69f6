"""A provider wrapper that caches by data kind, coalesces, and serves stale on error.

Cache keys are the normalized request, so concurrent identical questions share
one upstream call. When a value is served past its TTL because the provider
failed, a note saying how old it is goes into the current question's notes
(a context variable the query service binds), and the answer carries it.
"""

from __future__ import annotations

import contextvars
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar

from market_parser.market_data.models import (
    Bar,
    Interval,
    MarketClock,
    MarketDataProvider,
    OptionChain,
    QuoteBatch,
)
from market_parser.resilience.cache import TtlCache

T = TypeVar("T")

_notes: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "market_parser_answer_notes", default=None
)


@contextmanager
def collect_notes() -> Iterator[list[str]]:
    """Collect notes (stale data served) for the question answered in the block.

    The list itself is shared: `asyncio.to_thread` copies the context, not the
    list, so notes added from worker threads arrive here.
    """
    notes: list[str] = []
    token = _notes.set(notes)
    try:
        yield notes
    finally:
        _notes.reset(token)


def _note(text: str) -> None:
    notes = _notes.get()
    if notes is not None and text not in notes:
        notes.append(text)


def describe_age(seconds: float) -> str:
    """An age as a reader says it: "45 seconds", "12 minutes", "3 hours"."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = math.floor(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{max(1, round(seconds))} seconds"


class CachedProvider:
    """Wraps a provider; every method goes through one shared `TtlCache`."""

    def __init__(self, inner: MarketDataProvider, cache: TtlCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.label = inner.label

    def __getattr__(self, name: str) -> Any:
        # Extras of the wrapped provider (coverage, available_symbols...).
        return getattr(self.inner, name)

    def _get(self, kind: str, key: Any, load: Callable[[], T], what: str) -> T:
        cached = self.cache.get_or_load(kind, key, load)
        if cached.stale:
            _note(
                f"{self.label} is not answering, so the {what} shown is from "
                f"{describe_age(cached.age_s)} ago."
            )
        return cached.value

    def latest_day(self) -> date:
        return self.inner.latest_day()

    def quotes(self, symbols: Sequence[str]) -> QuoteBatch:
        key = tuple(sorted({s.strip().upper() for s in symbols}))
        return self._get(
            "quote", key, lambda: self.inner.quotes(list(key)), "quote data"
        )

    def history(
        self, symbol: str, start: date, end: date, interval: Interval = "daily"
    ) -> list[Bar]:
        key = (symbol.upper(), start, end, interval)
        return self._get(
            "history",
            key,
            lambda: self.inner.history(symbol, start, end, interval),
            "price history",
        )

    def expirations(self, symbol: str) -> list[date]:
        return self._get(
            "history",
            ("expirations", symbol.upper()),
            lambda: self.inner.expirations(symbol),
            "list of expirations",
        )

    def option_chain(self, symbol: str, expiration: date) -> OptionChain:
        return self._get(
            "options",
            (symbol.upper(), expiration),
            lambda: self.inner.option_chain(symbol, expiration),
            "options chain",
        )

    def market_clock(self) -> MarketClock:
        return self._get("clock", (), self.inner.market_clock, "market status")
