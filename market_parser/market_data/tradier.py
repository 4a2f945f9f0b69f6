"""Tradier market data over its REST API, normalized into our records.

Tradier's JSON changes shape with the number of items: one quote, day, option or
expiration comes as an object (or a bare string) where several come as a list,
and none comes as ``null``. The ``parse_*`` functions accept every form.

Zero rule: Tradier writes ``0`` for a price nobody has set (``bid``/``ask`` of an
option with no market, ``last``/``open`` of a contract that has not traded) and
for "never" (``trade_date``). A zero price or time becomes None, because a bid
of $0.00 would read as a real price. Volume and open interest of 0 are real
counts and stay 0.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

import requests

from market_parser.config.settings import Settings
from market_parser.errors import UnknownTickerError
from market_parser.market_data.http import HttpClient, RequestSpec
from market_parser.market_data.live import LiveProvider
from market_parser.market_data.models import (
    Bar,
    Interval,
    MarketClock,
    MarketState,
    OptionChain,
    OptionContract,
    Quote,
    QuoteBatch,
)
from market_parser.market_data.timestamps import NEW_YORK, to_utc

logger = logging.getLogger(__name__)

_INTERVALS = ("daily", "weekly", "monthly")
_STATES: tuple[MarketState, ...] = ("open", "closed", "premarket", "postmarket")


class TradierProvider(LiveProvider):
    """Live quotes, history, options and the market clock from Tradier."""

    name = "tradier"
    label = "Tradier"

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self.http = HttpClient(
            self.name,
            label=self.label,
            base_url=settings.tradier_base_url,
            key_setting="TRADIER_API_KEY",
            timeout=(settings.http_connect_timeout, settings.http_read_timeout),
            session=session,
            headers={
                "Authorization": f"Bearer {settings.tradier_api_key.reveal()}",
                "Accept": "application/json",
            },
            secrets=settings.secret_values(),
            clock=self._clock,
        )

    def quotes(self, symbols: Sequence[str]) -> QuoteBatch:
        """Quotes for ``symbols`` in one request; unknown ones go to ``unmatched``."""
        wanted = _symbols(symbols)
        if not wanted:
            return QuoteBatch(quotes=())
        spec = RequestSpec(
            "quotes",
            "/v1/markets/quotes",
            {"symbols": ",".join(wanted), "greeks": "false"},
            symbols=wanted,
        )
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            batch = parse_quotes(payload)
        returned = {quote.symbol for quote in batch.quotes}
        # A symbol in neither list is as unknown as one Tradier lists as unmatched.
        unmatched = tuple(
            dict.fromkeys([*batch.unmatched, *(s for s in wanted if s not in returned)])
        )

        return QuoteBatch(quotes=batch.quotes, unmatched=unmatched)

    def history(
        self,
        symbol: str,
        start: date,
        end: date,
        interval: Interval = "daily",
    ) -> list[Bar]:
        if interval not in _INTERVALS:
            raise ValueError(f"interval must be one of {_INTERVALS}, not {interval!r}")
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "history",
            "/v1/markets/history",
            {
                "symbol": symbol,
                "interval": interval,
                "start": start.isoformat(),
                "end": end.isoformat(),
            },
            symbols=(symbol,),
        )
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            bars = parse_history(payload)

        return self._checked_history(bars, symbol, start, end, interval)

    def expirations(self, symbol: str) -> list[date]:
        """Every listed expiration, adjusted and weekly roots included."""
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "expirations",
            "/v1/markets/options/expirations",
            {"symbol": symbol, "includeAllRoots": "true"},
            symbols=(symbol,),
        )
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            dates = parse_expirations(payload)

        return self._checked_expirations(dates, symbol)

    def option_chain(self, symbol: str, expiration: date) -> OptionChain:
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "option_chain",
            "/v1/markets/options/chains",
            {"symbol": symbol, "expiration": expiration.isoformat(), "greeks": "true"},
            symbols=(symbol,),
        )
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            chain = parse_chain(payload, symbol, expiration)

        return self._checked_chain(chain, symbol, expiration)

    def market_clock(self) -> MarketClock:
        spec = RequestSpec("clock", "/v1/markets/clock")
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            return parse_clock(payload)

    def _require_known(self, symbol: str) -> None:
        """Raise `UnknownTickerError` when Tradier does not know ``symbol``.

        Tradier answers an unknown symbol and an empty range alike (``null``);
        one quote request tells them apart, and only when there was no data.
        """
        if symbol in self.quotes([symbol]).unmatched:
            raise UnknownTickerError([symbol], source=self.label)


def parse_quotes(payload: Any) -> QuoteBatch:
    """The quotes and unmatched symbols of a ``/v1/markets/quotes`` body."""
    node = payload.get("quotes") or {}
    quotes = tuple(parse_quote(item) for item in _as_list(node.get("quote")))
    unmatched = node.get("unmatched_symbols")
    if isinstance(unmatched, dict):
        unmatched = unmatched.get("symbol")

    return QuoteBatch(
        quotes=quotes, unmatched=tuple(str(s) for s in _as_list(unmatched))
    )


def parse_quote(item: dict[str, Any]) -> Quote:
    """One quote; dates may be epoch ms (current API) or ISO strings (older)."""
    return Quote(
        symbol=str(item["symbol"]),
        last=_price(item.get("last")),
        prev_close=_price(item.get("prevclose")),
        change=_number(item.get("change")),
        change_pct=_number(item.get("change_percentage")),
        open=_price(item.get("open")),
        high=_price(item.get("high")),
        low=_price(item.get("low")),
        volume=_count(item.get("volume")),
        bid=_price(item.get("bid")),
        ask=_price(item.get("ask")),
        description=item.get("description") or None,
        as_of=to_utc(item.get("trade_date")) or to_utc(item.get("bid_date")),
    )


def parse_history(payload: Any) -> list[Bar]:
    """The bars of a ``/v1/markets/history`` body; ``history: null`` is none."""
    node = payload.get("history") or {}
    bars = [
        Bar(
            day=date.fromisoformat(day["date"]),
            open=float(day["open"]),
            high=float(day["high"]),
            low=float(day["low"]),
            close=float(day["close"]),
            volume=int(day.get("volume") or 0),
        )
        for day in _as_list(node.get("day"))
    ]

    return sorted(bars, key=lambda bar: bar.day)


def parse_expirations(payload: Any) -> list[date]:
    """The dates of a ``/v1/markets/options/expirations`` body, oldest first."""
    node = payload.get("expirations") or {}
    if not isinstance(node, dict):
        node = {"date": node}
    texts = _as_list(node.get("date"))
    # With strikes=true Tradier nests each date in an "expiration" object.
    texts += [item["date"] for item in _as_list(node.get("expiration"))]

    return sorted({date.fromisoformat(str(text)) for text in texts})


def parse_chain(payload: Any, underlying: str, expiration: date) -> OptionChain:
    """The contracts of a ``/v1/markets/options/chains`` body that expire then."""
    node = payload.get("options") or {}
    items = _as_list(node.get("option"))
    contracts = [parse_option(item, underlying) for item in items]
    contracts = [c for c in contracts if c.expiration == expiration]
    contracts.sort(key=lambda c: (c.kind, c.strike, c.symbol))
    stamps = [
        moment
        for item in items
        for moment in (to_utc(item.get("trade_date")), to_utc(item.get("bid_date")))
        if moment is not None
    ]

    return OptionChain(
        underlying=underlying,
        expiration=expiration,
        contracts=tuple(contracts),
        as_of=max(stamps, default=None),
    )


def parse_option(item: dict[str, Any], underlying: str) -> OptionContract:
    """One contract; kind and expiration come from the OCC symbol when absent."""
    symbol = str(item["symbol"])
    kind = item.get("option_type") or _occ_kind(symbol)
    if kind not in ("call", "put"):
        raise ValueError(f"option_type {kind!r} is neither call nor put")
    expiration = item.get("expiration_date") or _occ_expiration(symbol)
    greeks = item.get("greeks") or {}

    return OptionContract(
        symbol=symbol,
        underlying=str(item.get("underlying") or underlying),
        kind=kind,
        strike=float(item["strike"]),
        expiration=date.fromisoformat(expiration),
        bid=_price(item.get("bid")),
        ask=_price(item.get("ask")),
        last=_price(item.get("last")),
        volume=_count(item.get("volume")),
        open_interest=_count(item.get("open_interest")),
        implied_volatility=_price(greeks.get("mid_iv"))
        or _price(greeks.get("smv_vol")),
        delta=_number(greeks.get("delta")),
        gamma=_number(greeks.get("gamma")),
        theta=_number(greeks.get("theta")),
        vega=_number(greeks.get("vega")),
    )


def parse_clock(payload: Any) -> MarketClock:
    """The ``/v1/markets/clock`` body; ``timestamp`` is in seconds."""
    node = payload["clock"]
    as_of = to_utc(node["timestamp"])
    if as_of is None:
        raise ValueError(f"clock timestamp {node['timestamp']!r} is not a time")
    next_state = node.get("next_state")

    return MarketClock(
        state=_state(node["state"]),
        as_of=as_of,
        description=str(node.get("description") or ""),
        next_change=_next_change(node.get("date"), node.get("next_change"), as_of),
        next_state=_state(next_state) if next_state else None,
    )


def _next_change(day: str | None, hhmm: str | None, as_of: datetime) -> datetime | None:
    """The moment of Tradier's "HH:MM" next change, New York time, after ``as_of``."""
    if not hhmm:
        return None
    hour, minute = (int(part) for part in hhmm.split(":"))
    start = date.fromisoformat(day) if day else as_of.astimezone(NEW_YORK).date()
    moment = datetime.combine(start, clock_time(hour, minute), tzinfo=NEW_YORK)
    # After the evening close "07:00" means tomorrow, on the same "date".
    while moment <= as_of:
        moment += timedelta(days=1)

    return moment.astimezone(UTC)


def _state(value: str) -> MarketState:
    for state in _STATES:
        if state == value:
            return state
    raise ValueError(f"market state {value!r} is not one of {_STATES}")


def _occ_kind(symbol: str) -> str:
    """``C``/``P`` from an OCC symbol such as ``AAPL150117C01000000``."""
    letter = symbol[-9:-8]

    return {"C": "call", "P": "put"}.get(letter, letter)


def _occ_expiration(symbol: str) -> str:
    digits = symbol[-15:-9]
    if not digits.isdigit():
        raise ValueError(f"{symbol!r} is not an OCC option symbol")

    return f"20{digits[:2]}-{digits[2:4]}-{digits[4:]}"


def _symbols(symbols: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_symbol(s) for s in symbols if s.strip()))


def _symbol(symbol: str) -> str:
    return symbol.strip().upper()


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value

    return [value]


def _price(value: Any) -> float | None:
    """A price, or None where Tradier's 0 means "none set"."""
    number = _number(value)

    return number if number else None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)
