"""The work behind each agent tool, as plain async functions of the context.

Kept apart from the SDK's tool wrappers so the planner, the scripts and the tests
can call them directly. Blocking provider calls run in ``asyncio.to_thread``,
which carries the question's context variables (correlation id) along.
"""

from __future__ import annotations

import asyncio
from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from market_parser.agent.context import AgentContext
from market_parser.analysis.performance import performance
from market_parser.analysis.resample import for_chart
from market_parser.analysis.technicals import technical_summary
from market_parser.analysis.volume import volume_trend
from market_parser.errors import MarketParserError, NoDataError, UnknownTickerError
from market_parser.market_data import calendar
from market_parser.market_data.models import Bar, OptionContract, Quote

# A year of daily bars gives SMA/EMA 200 a full window plus room for holidays.
TECHNICALS_LOOKBACK_DAYS = 420
# Sessions before a period, fetched in the same request: the prior close for the
# change, and a baseline for the volume trend.
CONTEXT_DAYS = 45
MAX_BARS_TO_MODEL = 30
MAX_BARS_RECORDED = 400


def error_result(exc: MarketParserError, error: str) -> dict[str, Any]:
    """A tool result that tells the model what went wrong, in the user's terms."""
    return {"kind": "error", "error": error, "message": str(exc)}


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The result as the model sees it: long bar lists trimmed to the latest.

    ``bars_total`` keeps the untrimmed count, so an answer can say that a
    table of the bars is cut.
    """
    bars = result.get("bars")
    if not bars or len(bars) <= MAX_BARS_TO_MODEL:
        return result
    trimmed = dict(result)
    trimmed["bars"] = bars[-MAX_BARS_TO_MODEL:]
    trimmed["bars_total"] = len(bars)
    trimmed["bars_note"] = f"latest {MAX_BARS_TO_MODEL} of {len(bars)} bars shown"

    return trimmed


def month_before(day: date) -> date:
    """The same day a month earlier, clamped to that month's end: "past month"."""
    year, month = (day.year, day.month - 1) if day.month > 1 else (day.year - 1, 12)
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def parse_day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise NoDataError(f"{name} {text!r} is not a date; use YYYY-MM-DD.") from None


def _symbol(ticker: str) -> str:
    return ticker.strip().lstrip("$").upper()


def _quote_dict(quote: Quote) -> dict[str, Any]:
    return {
        "symbol": quote.symbol,
        "last": quote.last,
        "prev_close": quote.prev_close,
        "change": _round(quote.change),
        "change_pct": _round(quote.change_pct),
        "open": quote.open,
        "high": quote.high,
        "low": quote.low,
        "volume": quote.volume,
        "bid": quote.bid,
        "ask": quote.ask,
        "description": quote.description,
        "as_of": quote.as_of.isoformat() if quote.as_of else None,
    }


def _bar_dict(bar: Bar) -> dict[str, Any]:
    return {
        "day": bar.day.isoformat(),
        "open": bar.open,
        "high": bar.high,
        "low": bar.low,
        "close": bar.close,
        "volume": bar.volume,
    }


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


async def quotes(context: AgentContext, *, tickers: list[str]) -> dict[str, Any]:
    symbols = list(dict.fromkeys(_symbol(t) for t in tickers if t.strip()))
    if not symbols:
        raise NoDataError("No ticker was given; name one such as AAPL.")
    batch = await asyncio.to_thread(context.provider.quotes, symbols)
    if not batch.quotes:
        raise UnknownTickerError(
            batch.unmatched or symbols,
            source=context.provider.label,
            available=_available(context),
        )
    result: dict[str, Any] = {
        "kind": "quotes",
        "quotes": [_quote_dict(q) for q in batch.quotes],
        "as_of": _as_of(batch.quotes),
    }
    if batch.unmatched:
        result["unknown"] = list(batch.unmatched)
        result["available"] = list(_available(context))
    return result


def _available(context: AgentContext) -> tuple[str, ...]:
    return tuple(getattr(context.provider, "available_symbols", ()))


def _as_of(items: tuple[Quote, ...]) -> str | None:
    stamps = [q.as_of for q in items if q.as_of is not None]
    return max(stamps).date().isoformat() if stamps else None


def resolve_period(
    context: AgentContext,
    start_date: str | None,
    end_date: str | None,
    sessions: int | None,
) -> tuple[date, date, int | None]:
    """The calendar range to fetch and, when asked by count, the session count."""
    end = parse_day(end_date, "end_date") or context.today
    start = parse_day(start_date, "start_date")
    if sessions is not None:
        if not 1 <= sessions <= 2000:
            raise NoDataError("sessions must be between 1 and 2000.")
        # About 7 calendar days per 5 sessions, with room for holidays.
        return end - timedelta(days=sessions * 7 // 5 + 10), end, sessions
    if start is None:
        start = month_before(end)
    if start > end:
        start, end = end, start

    return start, end, None


async def _bars_with_context(
    context: AgentContext,
    symbol: str,
    start: date,
    end: date,
    sessions: int | None,
    interval: str = "daily",
) -> tuple[list[Bar], list[Bar]]:
    """Fetch the period and the sessions just before it in one request."""
    fetch_start = start - timedelta(days=CONTEXT_DAYS)
    try:
        bars = await asyncio.to_thread(
            context.provider.history, symbol, fetch_start, end, interval
        )
    except NoDataError:
        raise NoDataError(_empty_range_message(context, symbol, start, end)) from None
    if sessions is not None:
        inside = bars[-sessions:]
    else:
        inside = [bar for bar in bars if start <= bar.day <= end]
    if not inside:
        raise NoDataError(_empty_range_message(context, symbol, start, end))
    before = [bar for bar in bars if bar.day < inside[0].day]

    return before, inside


def _empty_range_message(
    context: AgentContext, symbol: str, start: date, end: date
) -> str:
    span = f"on {start}" if start == end else f"from {start} to {end}"
    message = f"No trading sessions for {symbol} {span}."
    coverage = getattr(context.provider, "coverage", None)
    if coverage is not None:
        first, last = coverage(symbol)
        message += f" The data for {symbol} covers {first} to {last}."
    return message


async def _session_before(
    context: AgentContext, symbol: str, day: date
) -> tuple[list[Bar], list[Bar]]:
    """The last session before a closed ``day``, if it is within a week."""
    before, inside = await _bars_with_context(
        context, symbol, day - timedelta(days=7), day, None
    )
    return before + inside[:-1], inside[-1:]


async def price_history(
    context: AgentContext,
    *,
    ticker: str,
    start_date: str | None = None,
    end_date: str | None = None,
    sessions: int | None = None,
    interval: str = "daily",
    include_bars: bool = False,
) -> dict[str, Any]:
    symbol = _symbol(ticker)
    start, end, count = resolve_period(context, start_date, end_date, sessions)
    try:
        before, inside = await _bars_with_context(
            context, symbol, start, end, count, interval
        )
    except NoDataError as exc:
        if start != end:
            raise
        try:
            before, inside = await _session_before(context, symbol, start)
        except NoDataError:
            raise exc from None
    prior_close = before[-1].close if before else None
    result: dict[str, Any] = {
        "kind": "history",
        "ticker": symbol,
        "interval": interval,
        "requested": {"start": start.isoformat(), "end": end.isoformat()},
        "performance": performance(inside, prior_close=prior_close).to_dict(),
        "volume": volume_trend(before + inside, recent=len(inside)).to_dict(),
        "as_of": inside[-1].day.isoformat(),
        "include_bars": include_bars,
    }
    result["bar_size"], chart = for_chart(inside, MAX_BARS_RECORDED)
    result["bars"] = [_bar_dict(bar) for bar in chart]
    if count is not None:
        result["requested"]["sessions"] = count
    if start == end and inside[-1].day != start:
        reason = calendar.closure_reason(start) or (
            "a weekend" if start.weekday() >= 5 else "no session"
        )
        result["note"] = (
            f"The market was closed on {start:%a} {start} ({reason}); "
            f"showing the last session before it, {inside[-1].day}."
        )

    return result


async def comparison(
    context: AgentContext,
    *,
    tickers: list[str],
    start_date: str | None = None,
    end_date: str | None = None,
    sessions: int | None = None,
) -> dict[str, Any]:
    symbols = list(dict.fromkeys(_symbol(t) for t in tickers if t.strip()))
    if not symbols:
        symbols = list(_available(context))
    if not symbols:
        raise NoDataError("No tickers were given; name two or more such as AAPL, MSFT.")
    start, end, count = resolve_period(context, start_date, end_date, sessions)
    rows, unknown, missing = [], [], []
    fetched = await asyncio.gather(
        *(_bars_with_context(context, s, start, end, count) for s in symbols),
        return_exceptions=True,
    )
    for symbol, outcome in zip(symbols, fetched, strict=True):
        if isinstance(outcome, UnknownTickerError):
            unknown.append(symbol)
        elif isinstance(outcome, NoDataError):
            missing.append(symbol)
        elif isinstance(outcome, BaseException):
            raise outcome
        else:
            before, inside = outcome
            prior = before[-1].close if before else None
            row = performance(inside, prior_close=prior).to_dict()
            rows.append({"ticker": symbol, **row})
    if not rows:
        raise UnknownTickerError(
            unknown or symbols,
            source=context.provider.label,
            available=_available(context),
        )
    rows.sort(key=lambda row: row["change_pct"], reverse=True)
    result: dict[str, Any] = {
        "kind": "comparison",
        "rows": rows,
        "requested": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": max(row["end_day"] for row in rows),
    }
    if unknown:
        result["unknown"] = unknown
        result["available"] = list(_available(context))
    if missing:
        result["no_data"] = missing

    return result


async def technicals(context: AgentContext, *, ticker: str) -> dict[str, Any]:
    symbol = _symbol(ticker)
    end = context.today
    start = end - timedelta(days=TECHNICALS_LOOKBACK_DAYS)
    bars = await asyncio.to_thread(
        context.provider.history, symbol, start, end, "daily"
    )
    if not bars:
        raise NoDataError(f"No daily bars for {symbol} in the year to {end}.")
    summary = technical_summary(bars).to_dict()

    return {
        "kind": "technicals",
        "ticker": symbol,
        **summary,
        "as_of": bars[-1].day.isoformat(),
        "bars": [_bar_dict(bar) for bar in bars[-120:]],
        "include_bars": False,
    }


async def expirations(context: AgentContext, *, ticker: str) -> dict[str, Any]:
    symbol = _symbol(ticker)
    days = await asyncio.to_thread(context.provider.expirations, symbol)
    if not days:
        raise NoDataError(f"No option expirations are listed for {symbol}.")

    return {
        "kind": "expirations",
        "ticker": symbol,
        "expirations": [day.isoformat() for day in days],
        "modeled": context.provider.name == "offline",
        "as_of": context.today.isoformat(),
    }


def session_on(context: AgentContext, day: date) -> dict[str, Any]:
    """Whether the exchange held a session on ``day``, from the NYSE calendar."""
    reason = calendar.closure_reason(day)
    if reason is None and day.weekday() >= 5:
        reason = f"a {day:%A}"

    return {
        "kind": "market_status",
        "day": day.isoformat(),
        "state": "closed" if reason else "open",
        "reason": reason,
        "tense": "past" if day < context.today else "future",
        "as_of": context.today.isoformat(),
    }


def choose_expiration(listed: list[date], wanted: str) -> tuple[date, str | None]:
    """The listed expiration a phrase means, and a note when it is not exact.

    "nearest" is the first listed; "YYYY-MM" the month's standard monthly; a
    date itself when listed, else the listed date nearest to it (the later one
    on a tie), with a note saying so.
    """
    wanted = (wanted or "nearest").strip().lower()
    if wanted == "nearest":
        return listed[0], None
    if len(wanted) == 7 and wanted[4] == "-":
        year, month = int(wanted[:4]), int(wanted[5:])
        in_month = [d for d in listed if (d.year, d.month) == (year, month)]
        # The standard monthly expiration is the third Friday (or the Thursday
        # before it when that Friday is a holiday): days 15 to 21.
        monthly = [d for d in in_month if 15 <= d.day <= 21 and d.weekday() in (3, 4)]
        if monthly or in_month:
            return (monthly or in_month)[0], None
        raise NoDataError(f"No expirations in {wanted}; listed: {_listing(listed)}.")
    target = parse_day(wanted, "expiration")
    assert target is not None
    if target in listed:
        return target, None
    chosen = min(listed, key=lambda day: (abs((day - target).days), -day.toordinal()))
    if target < listed[0]:
        note = f"{target} is before the nearest listed expiration"
    else:
        note = f"No options expire on {target:%a} {target}"

    return chosen, f"{note}; showing {chosen:%a} {chosen}, the closest listed."


def _listing(days: list[date]) -> str:
    return ", ".join(day.isoformat() for day in days[:6])


def _contract_dict(contract: OptionContract) -> dict[str, Any]:
    return {
        "symbol": contract.symbol,
        "type": contract.kind,
        "strike": contract.strike,
        "bid": contract.bid,
        "ask": contract.ask,
        "last": contract.last,
        "volume": contract.volume,
        "open_interest": contract.open_interest,
        "iv": _round(contract.implied_volatility, 4),
        "delta": _round(contract.delta, 4),
        "gamma": _round(contract.gamma, 4),
        "theta": _round(contract.theta, 4),
        "vega": _round(contract.vega, 4),
    }


def near_the_money(
    contracts: tuple[OptionContract, ...], price: float | None, side: str, strikes: int
) -> list[OptionContract]:
    """The contracts of ``side`` whose strikes are the ``strikes`` nearest each way."""
    chosen = [c for c in contracts if side == "both" or c.kind == side]
    levels = sorted({c.strike for c in chosen})
    if price is not None and levels:
        below = [s for s in levels if s <= price][-strikes:]
        above = [s for s in levels if s > price][:strikes]
        keep = set(below + above)
        chosen = [c for c in chosen if c.strike in keep]

    return sorted(chosen, key=lambda c: (c.kind, c.strike))


async def options_chain(
    context: AgentContext,
    *,
    ticker: str,
    expiration: str = "nearest",
    side: str = "both",
    strikes: int = 5,
) -> dict[str, Any]:
    symbol = _symbol(ticker)
    listed = await asyncio.to_thread(context.provider.expirations, symbol)
    if not listed:
        raise NoDataError(f"No option expirations are listed for {symbol}.")
    chosen, note = choose_expiration(sorted(listed), expiration)
    chain = await asyncio.to_thread(context.provider.option_chain, symbol, chosen)
    price = chain.underlying_price
    if price is None:
        # Tradier's chain omits the underlying; one quote gives it.
        batch = await asyncio.to_thread(context.provider.quotes, [symbol])
        price = batch.quotes[0].last if batch.quotes else None
    strikes = max(1, min(strikes, 25))
    contracts = near_the_money(chain.contracts, price, side, strikes)

    return {
        "kind": "options_chain",
        "ticker": symbol,
        "expiration": chosen.isoformat(),
        "requested_expiration": expiration,
        "side": side,
        "underlying_price": price,
        "modeled": chain.modeled,
        "contracts": [_contract_dict(c) for c in contracts],
        "as_of": (chain.as_of.date() if chain.as_of else context.today).isoformat(),
        **({"note": note} if note else {}),
    }


async def market_status(
    context: AgentContext, *, date: str | None = None
) -> dict[str, Any]:
    day = parse_day(date, "date")
    if day is not None and day != context.today:
        return session_on(context, day)
    clock = await asyncio.to_thread(context.provider.market_clock)

    return {
        "kind": "market_status",
        "state": clock.state,
        "is_open": clock.is_open,
        "description": clock.description,
        "next_change": clock.next_change.isoformat() if clock.next_change else None,
        "next_state": clock.next_state,
        "live": context.provider.name != "offline",
        "as_of": clock.as_of.isoformat(),
    }
