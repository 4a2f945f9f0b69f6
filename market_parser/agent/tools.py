"""Function tools the agent calls: thin async wrappers over the data layer.

Each tool returns a compact JSON string for the model and appends its full
result (bars included) to the context's ``records`` for the page. Answers the
user caused (unknown ticker, no data in range) come back as a JSON object with
``kind: "error"`` so the model can relay them; upstream faults are returned the
same way with ``error: "upstream"`` so an answer can still say what went wrong.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from agents import FunctionTool, RunContextWrapper, function_tool

from market_parser.agent import lookups
from market_parser.agent.context import AgentContext
from market_parser.errors import DataError, UnknownTickerError, UpstreamError

logger = logging.getLogger(__name__)

Ctx = RunContextWrapper[AgentContext]
Lookup = Callable[..., Awaitable[dict[str, Any]]]


async def _call(ctx: Ctx, name: str, lookup: Lookup, **arguments: Any) -> str:
    """Run one lookup, record its full result, and return the compact JSON."""
    started = time.perf_counter()
    context = ctx.context
    context.calls.append((name, arguments))
    try:
        result = await lookup(context, **arguments)
        status = "ok"
    except UnknownTickerError as exc:
        result = lookups.error_result(exc, "unknown_ticker")
        result["unknown"] = list(exc.symbols)
        result["available"] = list(exc.available)
        status = "unknown_ticker"
    except DataError as exc:
        result = lookups.error_result(exc, "no_data")
        status = "no_data"
    except UpstreamError as exc:
        result = lookups.error_result(exc, "upstream")
        result["provider"] = exc.provider
        status = "upstream_error"
    result.setdefault("source", context.provider.label)
    context.records.append({"tool": name, "arguments": arguments, **result})
    elapsed = time.perf_counter() - started
    if context.metrics is not None:
        outcome = "error" if status == "upstream_error" else "ok"
        context.metrics.tool_calls.labels(tool=name, status=outcome).inc()
        context.metrics.tool_duration.labels(tool=name).observe(elapsed)
    logger.debug(
        "tool.called",
        extra={"tool": name, "status": status, "duration_ms": round(elapsed * 1000, 2)},
    )

    return json.dumps(lookups.compact(result), default=str)


@function_tool
async def get_quotes(ctx: Ctx, tickers: list[str]) -> str:
    """Latest price, change, day range and volume for one or more tickers.

    Args:
        tickers: Ticker symbols such as ["AAPL", "MSFT"].
    """
    return await _call(ctx, "get_quotes", lookups.quotes, tickers=tickers)


@function_tool
async def get_price_history(
    ctx: Ctx,
    ticker: str,
    start_date: str | None = None,
    end_date: str | None = None,
    sessions: int | None = None,
    interval: Literal["daily", "weekly", "monthly"] = "daily",
    include_bars: bool = False,
) -> str:
    """Performance, OHLC and volume for a ticker over a period or on one day.

    Give either start_date/end_date (YYYY-MM-DD, inclusive; the same date twice
    for one day) or sessions (the last N trading sessions up to end_date).
    With neither, the last month is used.

    Args:
        ticker: Ticker symbol.
        start_date: First calendar day of the period, YYYY-MM-DD.
        end_date: Last calendar day of the period, YYYY-MM-DD; defaults to today.
        sessions: Number of trading sessions ending at end_date.
        interval: Bar size.
        include_bars: Return every bar's OHLCV, not only the summary.
    """
    return await _call(
        ctx,
        "get_price_history",
        lookups.price_history,
        ticker=ticker,
        start_date=start_date,
        end_date=end_date,
        sessions=sessions,
        interval=interval,
        include_bars=include_bars,
    )


@function_tool
async def compare_performance(
    ctx: Ctx,
    tickers: list[str],
    start_date: str | None = None,
    end_date: str | None = None,
    sessions: int | None = None,
) -> str:
    """Compare the performance of several tickers over the same period.

    Args:
        tickers: Two or more ticker symbols; an empty list compares every ticker
            the data source lists (the offline data set's five).
        start_date: First calendar day, YYYY-MM-DD.
        end_date: Last calendar day, YYYY-MM-DD; defaults to today.
        sessions: Number of trading sessions ending at end_date instead of dates.
    """
    return await _call(
        ctx,
        "compare_performance",
        lookups.comparison,
        tickers=tickers,
        start_date=start_date,
        end_date=end_date,
        sessions=sessions,
    )


@function_tool
async def get_technical_analysis(ctx: Ctx, ticker: str) -> str:
    """SMA/EMA (5-200), RSI(14), MACD(12,26,9), support/resistance and volume trend.

    All computed from one year of daily bars as of today.

    Args:
        ticker: Ticker symbol.
    """
    return await _call(ctx, "get_technical_analysis", lookups.technicals, ticker=ticker)


@function_tool
async def get_options_expirations(ctx: Ctx, ticker: str) -> str:
    """The option expiration dates listed for a ticker.

    Args:
        ticker: Ticker symbol of the underlying.
    """
    return await _call(
        ctx, "get_options_expirations", lookups.expirations, ticker=ticker
    )


@function_tool
async def get_options_chain(
    ctx: Ctx,
    ticker: str,
    expiration: str = "nearest",
    side: Literal["call", "put", "both"] = "both",
    strikes: int = 5,
) -> str:
    """Option contracts with prices and greeks for one expiration, near the money.

    Args:
        ticker: Ticker symbol of the underlying.
        expiration: "nearest", a date YYYY-MM-DD (the first expiration on or
            after it is used) or a month YYYY-MM (its standard monthly expiration).
        side: Calls, puts or both.
        strikes: How many strikes to show on each side of the current price.
    """
    return await _call(
        ctx,
        "get_options_chain",
        lookups.options_chain,
        ticker=ticker,
        expiration=expiration,
        side=side,
        strikes=strikes,
    )


@function_tool
async def get_market_status(ctx: Ctx, date: str | None = None) -> str:
    """Whether the US stock market is open now (or was/will be on a date).

    Args:
        date: A day YYYY-MM-DD to ask about instead of now: holidays and weekends
            say why the market is closed.
    """
    return await _call(ctx, "get_market_status", lookups.market_status, date=date)


ALL_TOOLS: tuple[FunctionTool, ...] = (
    get_quotes,
    get_price_history,
    compare_performance,
    get_technical_analysis,
    get_options_expirations,
    get_options_chain,
    get_market_status,
)
