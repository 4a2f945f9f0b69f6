"""Polygon.io (now Massive) market data over its REST API, normalized.

Polygon omits ``results`` when there is nothing to return, reports some errors
in a 200 body (``status: "ERROR"``), paginates with ``next_url`` and mixes
milliseconds and nanoseconds. ``DELAYED`` is a normal status on plans with
delayed data.

Quotes come from the single-ticker snapshot, one request per symbol: a question
names one to three symbols, an unknown one answers 404 on its own without
spoiling the others, and the cache above us keys quotes per symbol anyway. When
the plan does not include snapshots (HTTP 403), quotes fall back to the previous
day's close for the rest of the process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import requests

from market_parser.config.settings import Settings
from market_parser.errors import (
    RateLimitedError,
    UnknownTickerError,
    UpstreamAuthError,
    UpstreamError,
)
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
    TickerDetails,
)
from market_parser.market_data.timestamps import (
    NEW_YORK,
    from_epoch,
    session_day,
    to_utc,
)

logger = logging.getLogger(__name__)

AGGREGATE_PAGES = 10
"""Most pages followed for one history request (50,000 bars a page)."""
CHAIN_PAGES = 20
"""Most pages followed for one option chain (250 contracts a page)."""
CONTRACT_PAGES = 10
"""Most pages followed when listing expirations (1,000 contracts a page)."""

_TIMESPANS = {"daily": "day", "weekly": "week", "monthly": "month"}
_ERROR_STATES = {"ERROR", "NOT_AUTHORIZED", "NOT_FOUND"}
_DETAIL_FIELDS = (
    "type",
    "market",
    "locale",
    "currency_name",
    "homepage_url",
    "list_date",
    "sic_description",
    "total_employees",
    "share_class_shares_outstanding",
)
_DESCRIPTIONS: dict[MarketState, str] = {
    "open": "The market is open.",
    "closed": "The market is closed.",
    "premarket": "Pre-market trading.",
    "postmarket": "After-hours trading.",
}


class PolygonProvider(LiveProvider):
    """Live quotes, history, options and market status from Polygon/Massive."""

    name = "polygon"
    label = "Polygon"

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._clock = clock or (lambda: datetime.now(UTC))
        self._snapshots_in_plan = True
        self.http = HttpClient(
            self.name,
            label=self.label,
            base_url=settings.polygon_base_url,
            key_setting="POLYGON_API_KEY",
            timeout=(settings.http_connect_timeout, settings.http_read_timeout),
            session=session,
            headers={"Accept": "application/json"},
            params={"apiKey": settings.polygon_api_key.reveal()},
            secrets=settings.secret_values(),
            check_body=self._check_body,
            clock=self._clock,
        )

    def quotes(self, symbols: Sequence[str]) -> QuoteBatch:
        """Quotes for ``symbols``; unknown ones go to ``unmatched``."""
        found: list[Quote] = []
        unmatched: list[str] = []
        for symbol in dict.fromkeys(_symbol(s) for s in symbols if s.strip()):
            try:
                found.append(self._quote(symbol))
            except UnknownTickerError:
                unmatched.append(symbol)

        return QuoteBatch(quotes=tuple(found), unmatched=tuple(unmatched))

    def previous_close(self, symbol: str) -> Quote:
        """The last full session's bar as a quote; in every plan, unlike snapshots."""
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "previous_close",
            f"/v2/aggs/ticker/{_path(symbol)}/prev",
            {"adjusted": "true"},
            symbols=(symbol,),
        )
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            results = payload.get("results") or []
            if not results:
                raise UnknownTickerError([symbol], source=self.label)
            return parse_previous_close(symbol, results[0])

    def history(
        self,
        symbol: str,
        start: date,
        end: date,
        interval: Interval = "daily",
    ) -> list[Bar]:
        if interval not in _TIMESPANS:
            raise ValueError(f"interval must be one of {tuple(_TIMESPANS)}")
        timespan = _TIMESPANS[interval]
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "aggregates",
            f"/v2/aggs/ticker/{_path(symbol)}/range/1/{timespan}/{start}/{end}",
            {"adjusted": "true", "sort": "asc", "limit": "50000"},
            symbols=(symbol,),
        )
        results = self._results(spec, AGGREGATE_PAGES)
        with self.http.parsing(spec.endpoint):
            bars = parse_bars(results)

        return self._checked_history(bars, symbol, start, end, interval)

    def expirations(self, symbol: str) -> list[date]:
        """Distinct expirations of the unexpired contracts, oldest first."""
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "option_contracts",
            "/v3/reference/options/contracts",
            {"underlying_ticker": symbol, "expired": "false", "limit": "1000"},
            symbols=(symbol,),
        )
        results = self._results(spec, CONTRACT_PAGES)
        with self.http.parsing(spec.endpoint):
            dates = sorted({date.fromisoformat(r["expiration_date"]) for r in results})

        return self._checked_expirations(dates, symbol)

    def option_chain(self, symbol: str, expiration: date) -> OptionChain:
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "option_chain",
            f"/v3/snapshot/options/{_path(symbol)}",
            {"expiration_date": expiration.isoformat(), "limit": "250"},
            symbols=(symbol,),
        )
        results = self._results(spec, CHAIN_PAGES)
        with self.http.parsing(spec.endpoint):
            chain = parse_option_chain(results, symbol, expiration)

        return self._checked_chain(chain, symbol, expiration)

    def ticker_details(self, symbol: str) -> TickerDetails:
        symbol = _symbol(symbol)
        spec = RequestSpec(
            "ticker_details",
            f"/v3/reference/tickers/{_path(symbol)}",
            symbols=(symbol,),
        )
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            if not payload.get("results"):
                raise UnknownTickerError([symbol], source=self.label)
            return parse_ticker_details(payload["results"])

    def market_clock(self) -> MarketClock:
        spec = RequestSpec("market_status", "/v1/marketstatus/now")
        payload = self.http.get_json(spec)
        with self.http.parsing(spec.endpoint):
            return parse_market_status(payload)

    def pages(self, spec: RequestSpec, max_pages: int) -> Iterator[dict[str, Any]]:
        """Each page of ``spec``'s answer, following ``next_url`` up to ``max_pages``.

        The follow-up goes to our base URL, not to the host in ``next_url``, so
        the key is only ever sent where we were told to send it.
        """
        for _ in range(max_pages):
            payload = self.http.get_json(spec)
            with self.http.parsing(spec.endpoint):
                next_url = payload.get("next_url")
            yield payload
            if not next_url:
                return
            spec = RequestSpec(
                spec.endpoint, next_page_path(next_url), symbols=spec.symbols
            )
        logger.warning(
            "upstream.pages_truncated provider=%s endpoint=%s max_pages=%d",
            self.name,
            spec.endpoint,
            max_pages,
        )

    def _quote(self, symbol: str) -> Quote:
        if self._snapshots_in_plan:
            spec = RequestSpec(
                "snapshot",
                f"/v2/snapshot/locale/us/markets/stocks/tickers/{_path(symbol)}",
                symbols=(symbol,),
            )
            try:
                payload = self.http.get_json(spec)
            except UpstreamAuthError as exc:
                if exc.status != 403:
                    raise
                self._snapshots_in_plan = False
                logger.warning(
                    "polygon.snapshots_not_in_plan fallback=previous_close status=%s",
                    exc.status,
                )
            else:
                with self.http.parsing(spec.endpoint):
                    if not payload.get("ticker"):
                        raise UnknownTickerError([symbol], source=self.label)
                    return parse_snapshot_quote(payload["ticker"])

        return self.previous_close(symbol)

    def _results(self, spec: RequestSpec, max_pages: int) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for page in self.pages(spec, max_pages):
            results.extend(page.get("results") or [])

        return results

    def _require_known(self, symbol: str) -> None:
        """Raise `UnknownTickerError` when Polygon has no such ticker.

        An unknown ticker and an empty range both come back without
        ``results``; the reference endpoint (404 when unknown) tells them apart.
        """
        self.ticker_details(symbol)

    def _check_body(self, spec: RequestSpec, status: int, payload: Any) -> None:
        """Raise for an error Polygon reports in a 2xx body."""
        if not isinstance(payload, dict):
            return
        state = str(payload.get("status") or "").upper()
        if state not in _ERROR_STATES:
            return
        detail = self.http.redact(
            str(payload.get("error") or payload.get("message") or state)
        )
        what = f"{self.label} reported {state} for {spec.endpoint} ({detail})"
        lowered = detail.lower()
        if state == "NOT_FOUND" and spec.symbols:
            raise UnknownTickerError(spec.symbols, source=self.label)
        # The status is the one Polygon sends with these bodies on other routes.
        if state == "NOT_AUTHORIZED":
            raise UpstreamAuthError(
                f"{what}. The plan behind POLYGON_API_KEY does not include this data.",
                provider=self.name,
                status=403,
            )
        if "api key" in lowered or "apikey" in lowered:
            raise UpstreamAuthError(
                f"{what}. Check POLYGON_API_KEY.", provider=self.name, status=401
            )
        if "exceeded the maximum requests" in lowered:
            raise RateLimitedError(
                f"{what}. Wait a minute before asking again.", provider=self.name
            )
        raise UpstreamError(
            f"{what}. Try again in a moment.", provider=self.name, status=status
        )


def next_page_path(next_url: str) -> str:
    """The path and query of a ``next_url``, without any ``apiKey`` in it."""
    parts = urlsplit(next_url)
    query = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if name.lower() != "apikey"
    ]

    return parts.path + (f"?{urlencode(query)}" if query else "")


def parse_bars(results: list[dict[str, Any]]) -> list[Bar]:
    """Aggregate bars; ``t`` is the period start in ms, midnight New York time."""
    return [
        Bar(
            day=session_day(item["t"]),
            open=float(item["o"]),
            high=float(item["h"]),
            low=float(item["l"]),
            close=float(item["c"]),
            volume=int(item.get("v") or 0),
        )
        for item in results
    ]


def parse_previous_close(symbol: str, item: dict[str, Any]) -> Quote:
    """A quote from the previous session's bar (``/v2/aggs/ticker/T/prev``)."""
    return Quote(
        symbol=str(item.get("T") or symbol),
        last=_price(item.get("c")),
        open=_price(item.get("o")),
        high=_price(item.get("h")),
        low=_price(item.get("l")),
        volume=_count(item.get("v")),
        as_of=from_epoch(item.get("t")),
    )


def parse_snapshot_quote(ticker: dict[str, Any]) -> Quote:
    """A quote from one ticker of a stocks snapshot.

    Before the open ``day`` is all zeros, so the last price falls back from the
    last trade to today's close to the previous close.
    """
    day = ticker.get("day") or {}
    previous = ticker.get("prevDay") or {}
    trade = ticker.get("lastTrade") or {}
    book = ticker.get("lastQuote") or {}
    last = _price(trade.get("p")) or _price(day.get("c")) or _price(previous.get("c"))

    return Quote(
        symbol=str(ticker["ticker"]),
        last=last,
        prev_close=_price(previous.get("c")),
        change=_number(ticker.get("todaysChange")),
        change_pct=_number(ticker.get("todaysChangePerc")),
        open=_price(day.get("o")),
        high=_price(day.get("h")),
        low=_price(day.get("l")),
        volume=_count(day.get("v")),
        bid=_price(book.get("p")),
        ask=_price(book.get("P")),
        as_of=from_epoch(ticker.get("updated")) or from_epoch(trade.get("t")),
    )


def parse_option_chain(
    results: list[dict[str, Any]], underlying: str, expiration: date
) -> OptionChain:
    """The contracts of an options chain snapshot that expire on ``expiration``."""
    contracts = [parse_option_contract(item, underlying) for item in results]
    contracts = [c for c in contracts if c.expiration == expiration]
    contracts.sort(key=lambda c: (c.kind, c.strike, c.symbol))
    prices = [(item.get("underlying_asset") or {}).get("price") for item in results]
    stamps = [
        from_epoch((item.get("last_quote") or {}).get("last_updated"))
        for item in results
    ]

    return OptionChain(
        underlying=underlying,
        expiration=expiration,
        contracts=tuple(contracts),
        underlying_price=next((_price(p) for p in prices if _price(p)), None),
        as_of=max((s for s in stamps if s is not None), default=None),
    )


def parse_option_contract(item: dict[str, Any], underlying: str) -> OptionContract:
    """One contract of an options snapshot; an untraded one has no trade or day."""
    details = item["details"]
    kind = details["contract_type"]
    if kind not in ("call", "put"):
        raise ValueError(f"contract_type {kind!r} is neither call nor put")
    book = item.get("last_quote") or {}
    day = item.get("day") or {}
    greeks = item.get("greeks") or {}
    last = _price((item.get("last_trade") or {}).get("price")) or _price(
        day.get("close")
    )

    return OptionContract(
        symbol=str(details["ticker"]).removeprefix("O:"),
        underlying=str(
            (item.get("underlying_asset") or {}).get("ticker") or underlying
        ),
        kind=kind,
        strike=float(details["strike_price"]),
        expiration=date.fromisoformat(details["expiration_date"]),
        bid=_price(book.get("bid")),
        ask=_price(book.get("ask")),
        last=last,
        volume=_count(day.get("volume")),
        open_interest=_count(item.get("open_interest")),
        implied_volatility=_price(item.get("implied_volatility")),
        delta=_number(greeks.get("delta")),
        gamma=_number(greeks.get("gamma")),
        theta=_number(greeks.get("theta")),
        vega=_number(greeks.get("vega")),
    )


def parse_ticker_details(results: dict[str, Any]) -> TickerDetails:
    """Reference data from ``/v3/reference/tickers/T``."""
    extra = {
        name: str(results[name])
        for name in _DETAIL_FIELDS
        if results.get(name) not in (None, "")
    }

    return TickerDetails(
        symbol=str(results["ticker"]),
        name=str(results["name"]),
        exchange=results.get("primary_exchange") or None,
        market_cap=_number(results.get("market_cap")),
        description=results.get("description") or None,
        extra=extra,
    )


def parse_market_status(payload: dict[str, Any]) -> MarketClock:
    """``/v1/marketstatus/now``; "extended-hours" is split by the hours flags."""
    as_of = to_utc(payload["serverTime"])
    if as_of is None:
        raise ValueError(f"serverTime {payload['serverTime']!r} is not a time")
    market = payload["market"]
    state: MarketState
    if market in ("open", "closed"):
        state = market
    elif market == "extended-hours":
        morning = as_of.astimezone(NEW_YORK).hour < 12
        early = payload.get("earlyHours")
        late = payload.get("afterHours")
        state = "premarket" if early or (morning and not late) else "postmarket"
    else:
        raise ValueError(f"market {market!r} is not open, closed or extended-hours")

    return MarketClock(state=state, as_of=as_of, description=_DESCRIPTIONS[state])


def _symbol(symbol: str) -> str:
    return symbol.strip().upper()


def _path(symbol: str) -> str:
    return quote(symbol, safe="")


def _price(value: Any) -> float | None:
    """A price, or None where a 0 means "no quote" or "no trade yet"."""
    number = _number(value)

    return number if number else None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)
