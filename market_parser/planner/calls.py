"""Turn a parsed `Plan` into the tool calls an LLM would make for it."""

from __future__ import annotations

from datetime import date
from typing import Any

from market_parser.planner.plan import ExpirationChoice, Intent, Period, Plan

ToolCall = tuple[str, dict[str, Any]]

# What a question means when it names no period.
DEFAULT_BARS_SESSIONS = 5

_TECHNICAL = {Intent.INDICATORS, Intent.SUPPORT_RESISTANCE}


def plan_calls(plan: Plan, today: date) -> list[ToolCall]:
    """The calls that answer ``plan``; empty when no data is needed (help)."""
    if Intent.HELP in plan.intents:
        return []
    calls: list[ToolCall] = []
    for intent in plan.intents:
        for call in _calls_for(intent, plan, today):
            if call not in calls:
                calls.append(call)

    return _one_history_per_range(calls)


def _one_history_per_range(calls: list[ToolCall]) -> list[ToolCall]:
    """Merge history calls that differ only in whether bars are shown.

    "AAPL performance and daily bars last week" asks for one range twice; one
    call with the bars answers both, and the summary is written once.
    """
    merged: list[ToolCall] = []
    index: dict[tuple, int] = {}
    for name, arguments in calls:
        if name != "get_price_history":
            merged.append((name, arguments))
            continue
        key = tuple(sorted((k, v) for k, v in arguments.items() if k != "include_bars"))
        if key not in index:
            index[key] = len(merged)
            merged.append((name, arguments))
        elif arguments.get("include_bars"):
            merged[index[key]] = (name, arguments)

    return merged


def _calls_for(intent: Intent, plan: Plan, today: date) -> list[ToolCall]:
    tickers = list(plan.tickers)
    if intent is Intent.MARKET_STATUS:
        if plan.day is not None and plan.day != today:
            return [("get_market_status", {"date": plan.day.isoformat()})]
        return [("get_market_status", {})]
    if intent is Intent.COMPARE and not tickers and plan.all_tickers:
        # "Which stock did best?": the tool compares every ticker it has.
        return [("compare_performance", {"tickers": [], **_period(plan)})]
    if not tickers:
        return []
    if intent is Intent.COMPARE or (intent is Intent.PERFORMANCE and len(tickers) > 1):
        return [("compare_performance", {"tickers": tickers, **_period(plan)})]
    if intent in (Intent.PRICE, Intent.OHLC):
        if plan.day is not None and plan.day != today:
            day = plan.day.isoformat()
            return [
                ("get_price_history", {"ticker": t, "start_date": day, "end_date": day})
                for t in tickers
            ]
        return [("get_quotes", {"tickers": tickers})]
    if intent in _TECHNICAL:
        return [("get_technical_analysis", {"ticker": t}) for t in tickers]
    if intent is Intent.EXPIRATIONS:
        return [("get_options_expirations", {"ticker": t}) for t in tickers]
    if intent is Intent.OPTIONS_CHAIN:
        arguments = {
            "expiration": expiration_argument(plan.expiration),
            "side": plan.option_side or "both",
        }
        return [("get_options_chain", {"ticker": t, **arguments}) for t in tickers]
    return [_history_call(intent, plan, t) for t in tickers]


def _history_call(intent: Intent, plan: Plan, ticker: str) -> ToolCall:
    arguments: dict[str, Any] = {"ticker": ticker, **_period(plan)}
    if intent is Intent.BARS:
        arguments["include_bars"] = True
        if plan.period is None:
            arguments = {"ticker": ticker, "sessions": DEFAULT_BARS_SESSIONS}
            arguments["include_bars"] = True
    return ("get_price_history", arguments)


def _period(plan: Plan) -> dict[str, Any]:
    period: Period | None = plan.period
    if period is None:
        return {}
    if period.trading_days:
        return {"sessions": period.trading_days, "end_date": period.end.isoformat()}
    return {"start_date": period.start.isoformat(), "end_date": period.end.isoformat()}


def expiration_argument(choice: ExpirationChoice | None) -> str:
    """The chain tool's ``expiration`` argument for an expiration phrase."""
    if choice is None or choice.kind == "nearest" or choice.day is None:
        return "nearest"
    if choice.kind == "month":
        return f"{choice.day:%Y-%m}"
    return choice.day.isoformat()
