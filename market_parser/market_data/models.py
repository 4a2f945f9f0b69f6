"""Normalized market-data records and the provider interface.

Provider clients translate every upstream shape into these records at the edge,
so nothing above this layer knows which provider answered. Prices are floats in
the quote currency; ``None`` means the upstream gave no value (an untraded
contract, a missing field), never zero standing in for "unknown". Timestamps are
timezone-aware UTC datetimes; trading days are plain dates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, Protocol

Interval = Literal["daily", "weekly", "monthly"]
OptionKind = Literal["call", "put"]
MarketState = Literal["open", "closed", "premarket", "postmarket"]


@dataclass(frozen=True, slots=True)
class Quote:
    """The latest price snapshot for one symbol."""

    symbol: str
    last: float | None
    prev_close: float | None = None
    change: float | None = None
    change_pct: float | None = None
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: int | None = None
    bid: float | None = None
    ask: float | None = None
    description: str | None = None
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class QuoteBatch:
    """Quotes for the symbols the upstream matched, and the ones it did not."""

    quotes: tuple[Quote, ...]
    unmatched: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Bar:
    """One OHLCV bar; ``day`` is the session date (the period start for weekly)."""

    day: date
    open: float
    high: float
    low: float
    close: float
    volume: int


@dataclass(frozen=True, slots=True)
class OptionContract:
    """One listed (or, offline, modeled) option contract."""

    symbol: str
    underlying: str
    kind: OptionKind
    strike: float
    expiration: date
    bid: float | None = None
    ask: float | None = None
    last: float | None = None
    volume: int | None = None
    open_interest: int | None = None
    implied_volatility: float | None = None
    delta: float | None = None
    gamma: float | None = None
    theta: float | None = None
    vega: float | None = None


@dataclass(frozen=True, slots=True)
class OptionChain:
    """The contracts of one underlying for one expiration.

    ``modeled`` is true when prices come from a pricing model rather than the
    market (the offline data set); every place that shows the chain says so.
    """

    underlying: str
    expiration: date
    contracts: tuple[OptionContract, ...]
    underlying_price: float | None = None
    modeled: bool = False
    as_of: datetime | None = None


@dataclass(frozen=True, slots=True)
class MarketClock:
    """Whether the US equity market is open, and when that changes next."""

    state: MarketState
    as_of: datetime
    description: str = ""
    next_change: datetime | None = None
    next_state: MarketState | None = None

    @property
    def is_open(self) -> bool:
        return self.state == "open"


@dataclass(frozen=True, slots=True)
class TickerDetails:
    """Reference data about a listed company."""

    symbol: str
    name: str
    exchange: str | None = None
    market_cap: float | None = None
    description: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


class MarketDataProvider(Protocol):
    """What every data source offers; see `tradier`, `polygon` and `offline`.

    Methods are synchronous (they block on HTTP or disk); async callers run them
    with ``asyncio.to_thread``. Unknown symbols raise `UnknownTickerError`, empty
    ranges `NoDataError`, upstream faults a subclass of `UpstreamError`.
    """

    name: str
    """Short stable id used in metrics and logs: "tradier", "polygon", "offline"."""

    label: str
    """What an answer names as its data source."""

    def latest_day(self) -> date:
        """The day relative time is measured from (offline: the data's last day)."""
        ...

    def quotes(self, symbols: Sequence[str]) -> QuoteBatch: ...

    def history(
        self,
        symbol: str,
        start: date,
        end: date,
        interval: Interval = "daily",
    ) -> list[Bar]: ...

    def expirations(self, symbol: str) -> list[date]: ...

    def option_chain(self, symbol: str, expiration: date) -> OptionChain: ...

    def market_clock(self) -> MarketClock: ...
