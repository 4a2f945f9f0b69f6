"""Write the planner's answer, in Markdown, from the tools' results."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from market_parser.planner.periods import (
    bars_table,
    closing_line,
    performance_line,
    period_phrase,
    volume_line,
)
from market_parser.planner.plan import Intent, Plan
from market_parser.planner.wording import (
    above_below,
    direction,
    eastern,
    money,
    percent,
    shares,
    signed,
    signed_money,
    touches,
    unsigned_percent,
    weekday,
)

Result = tuple[str, dict[str, Any], dict[str, Any]]

LIVE_DATA_HINT = (
    " For other tickers and current prices, set TRADIER_API_KEY or POLYGON_API_KEY."
)
HELP_TEXT = (
    "I answer questions about stocks and options. Try, for example:\n"
    "- What is Apple's stock price?\n"
    "- How did MSFT do last week?\n"
    "- RSI and MACD for IBM\n"
    "- Support and resistance levels for $MSFT\n"
    "- Compare AAPL, MSFT and IBM over the past month\n"
    "- AAPL puts for the nearest expiration\n"
    "- Is the market open right now?"
)


def write_answer(plan: Plan, results: list[Result], today: date) -> str:
    """The answer to ``plan`` from ``results``: one paragraph or table per result."""
    problems = [f"_{problem}_" for problem in plan.problems]
    if Intent.HELP in plan.intents or not results:
        return "\n\n".join([*problems, _help(plan)])
    parts = [_write_one(plan, result) for _name, _args, result in results]

    return "\n\n".join(part for part in [*problems, *parts] if part)


def _help(plan: Plan) -> str:
    if plan.question.strip() and Intent.HELP in plan.intents:
        return "That is not a market question I can answer. " + HELP_TEXT
    if Intent.HELP not in plan.intents and not plan.tickers:
        return (
            "Which ticker do you mean? Name one, such as AAPL or $MSFT.\n\n" + HELP_TEXT
        )
    return HELP_TEXT


def _write_one(plan: Plan, result: dict[str, Any]) -> str:
    writer = _WRITERS.get(result.get("kind", ""), _write_error)
    return writer(plan, result)


def _write_quotes(plan: Plan, result: dict[str, Any]) -> str:
    lines = []
    ohlc = Intent.OHLC in plan.intents
    live = "offline" not in result.get("source", "").lower()
    for quote in result["quotes"]:
        lines.append(_ohlc_line(quote) if ohlc else _price_line(quote, live))
    lines.extend(_unknown_lines(result))

    return "\n\n".join(lines)


def _price_line(quote: dict[str, Any], live: bool) -> str:
    verb = "last traded at" if live else "closed at"
    line = f"**{quote['symbol']}** {verb} **{money(quote['last'])}**"
    if quote.get("as_of"):
        line += f" ({weekday(quote['as_of'])})"
    if quote.get("change") is not None:
        line += (
            f", {direction(quote['change'])} {money(abs(quote['change']))} "
            f"({unsigned_percent(quote.get('change_pct'))}) from the previous close of "
            f"{money(quote.get('prev_close'))}"
        )
    line += "."
    if quote.get("low") is not None and quote.get("high") is not None:
        line += f" Day range {money(quote['low'])}–{money(quote['high'])}"
        line += f", volume {shares(quote.get('volume'))}."

    return line


def _ohlc_line(quote: dict[str, Any]) -> str:
    when = weekday(quote.get("as_of"))
    return (
        f"**{quote['symbol']}** on {when}: open **{money(quote.get('open'))}**, "
        f"high **{money(quote.get('high'))}**, low **{money(quote.get('low'))}**, "
        f"close **{money(quote.get('last'))}** "
        f"({percent(quote.get('change_pct'))} on the day), "
        f"volume {shares(quote.get('volume'))}."
    )


def _unknown_lines(result: dict[str, Any], named: bool = True) -> list[str]:
    """Say which tickers the source lacks; ``named=False`` when already said."""
    if not result.get("unknown"):
        return []
    line = ""
    if named:
        names = ", ".join(result["unknown"])
        line = f"No data for {names} in {result.get('source', 'the data source')}."
    if result.get("available"):
        line += f" Available tickers: {', '.join(result['available'])}."
    if _offline(result):
        line += LIVE_DATA_HINT

    return [line.strip()] if line else []


def _offline(result: dict[str, Any]) -> bool:
    return "offline" in result.get("source", "").lower()


_CLOSING = {Intent.HIGHEST_CLOSE: "high", Intent.LOWEST_CLOSE: "low"}
# Intents a closing-extremes line answers in full, without the period summary.
_CLOSING_ONLY = {*_CLOSING, Intent.VOLUME}


def _write_history(plan: Plan, result: dict[str, Any]) -> str:
    perf = result["performance"]
    ticker = result["ticker"]
    closing = tuple(_CLOSING[i] for i in plan.intents if i in _CLOSING)
    parts = []
    if result.get("note"):
        parts.append(f"_{result['note']}_")
    if not closing or not set(plan.intents) <= _CLOSING_ONLY:
        if perf["start_day"] == perf["end_day"]:
            parts.append(_day_line(ticker, perf, result))
        else:
            parts.append(performance_line(ticker, plan, perf, result))
    if closing:
        parts.append(closing_line(ticker, plan, result, closing))
    if Intent.VOLUME in plan.intents:
        parts.append(volume_line(ticker, plan, result))
    if result.get("include_bars"):
        parts.append(bars_table(result))

    return "\n\n".join(parts)


def _day_line(ticker: str, perf: dict[str, Any], result: dict[str, Any]) -> str:
    bar = result["bars"][-1]
    line = (
        f"**{ticker}** on {weekday(perf['end_day'])}: open {money(bar['open'])}, "
        f"high {money(bar['high'])}, low {money(bar['low'])}, "
        f"close **{money(bar['close'])}**"
    )
    if perf.get("base") == "open":
        # No session before it in the data: the change is from its own open.
        line += f" ({signed_money(perf['change'])} from its open, the first session in the data)"
    elif perf.get("change") is not None:
        line += f" ({signed_money(perf['change'])}, {percent(perf['change_pct'])})"

    return line + f", volume {shares(bar['volume'])}."


def _write_comparison(plan: Plan, result: dict[str, Any]) -> str:
    rows = result["rows"]
    if len(rows) < 2:
        return _write_lone_row(plan, result)
    label = period_phrase(plan, result)
    first, last = rows[0], rows[-1]
    lines = [
        f"{label[0].upper()}{label[1:]} ({result['requested']['start']} to "
        f"{result['requested']['end']}), **{first['ticker']}** did best at "
        f"**{percent(first['change_pct'])}** and **{last['ticker']}** worst at "
        f"**{percent(last['change_pct'])}**.",
        "| Ticker | From | Close | Change | % | High | Low |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['ticker']} | {money(row.get('base_price'))} | {money(row['close'])} "
            f"| {signed_money(row['change'])} | {percent(row['change_pct'])} "
            f"| {money(row['high'])} | {money(row['low'])} |"
        )
    text = lines[0] + "\n\n" + "\n".join(lines[1:])
    extra = _unknown_lines(result)
    if result.get("no_data"):
        extra.append(f"{_names(result['no_data'])} had no sessions in that period.")

    return "\n\n".join([text, *extra])


def _write_lone_row(plan: Plan, result: dict[str, Any]) -> str:
    """One ticker with data is no ranking: say who is missing, then its numbers."""
    row = result["rows"][0]
    unknown, no_data = result.get("unknown", []), result.get("no_data", [])
    sample = "the offline sample" if _offline(result) else "the data source"
    reasons = []
    if unknown:
        where = "it" if not no_data else sample
        reasons.append(f"{_names(unknown)} {_be(unknown)} not in {where}")
    if no_data:
        have = "has" if len(no_data) == 1 else "have"
        reasons.append(f"{_names(no_data)} {have} no sessions in it")
    place = "for this period" if no_data else f"in {sample}"
    parts = [performance_line(row["ticker"], plan, row, result)]
    if reasons:
        parts.insert(
            0,
            f"Only **{row['ticker']}** has data {place}: {' and '.join(reasons)}, "
            "so there is nothing to compare.",
        )

    return "\n\n".join([*parts, *_unknown_lines(result, named=False)])


def _names(symbols: list[str]) -> str:
    if len(symbols) == 1:
        return symbols[0]
    return ", ".join(symbols[:-1]) + f" and {symbols[-1]}"


def _be(symbols: list[str]) -> str:
    return "is" if len(symbols) == 1 else "are"


def _write_expirations(plan: Plan, result: dict[str, Any]) -> str:
    days = result["expirations"]
    shown = ", ".join(days[:12])
    more = f" and {len(days) - 12} more" if len(days) > 12 else ""
    line = (
        f"**{result['ticker']}** options expire on {shown}{more}. "
        f"The nearest is **{weekday(days[0])}**."
    )
    if result.get("modeled"):
        line += (
            " _These are modeled expirations (standard weekly and monthly dates as "
            "of the data's last day), not a live listing._"
        )

    return line


def _write_chain(plan: Plan, result: dict[str, Any]) -> str:
    contracts = result["contracts"]
    side = {"call": "calls", "put": "puts"}.get(result["side"], "calls and puts")
    line = (
        f"**{result['ticker']}** {side} expiring **{weekday(result['expiration'])}**, "
        f"near the underlying price of {money(result.get('underlying_price'))}:"
    )
    rows = [
        "| Type | Strike | Bid | Ask | Last | IV | Delta |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c in contracts:
        iv = "n/a" if c.get("iv") is None else f"{c['iv'] * 100:.1f}%"
        delta = "n/a" if c.get("delta") is None else f"{c['delta']:.2f}"
        rows.append(
            f"| {c['type']} | {c['strike']:.2f} | {money(c.get('bid'))} | "
            f"{money(c.get('ask'))} | {money(c.get('last'))} | {iv} | {delta} |"
        )
    parts = [line, "\n".join(rows)]
    if result.get("note"):
        parts.insert(0, f"_{result['note']}_")
    if result.get("modeled"):
        parts.append(
            "_Modeled prices: Black-Scholes from the last close and 30-day realized "
            "volatility. These are not market quotes._"
        )

    return "\n\n".join(parts)


def _write_market_status(plan: Plan, result: dict[str, Any]) -> str:
    if result.get("day"):
        return _session_line(result)
    state = result["state"]
    line = f"The US stock market is **{state}**"
    if result.get("live") and result.get("next_change") and result.get("next_state"):
        line += f"; it turns {result['next_state']} {eastern(result['next_change'])}"
    line += "."
    if result.get("description"):
        line += f" {result['description']}"

    return line


def _session_line(result: dict[str, Any]) -> str:
    verb = "was" if result["tense"] == "past" else "is scheduled to be"
    line = (
        f"On {weekday(result['day'])} the US stock market {verb} **{result['state']}**"
    )
    if result.get("reason"):
        return line + f" ({result['reason']})."
    return line + " for its regular session, 09:30 to 16:00 ET."


def _write_technicals(plan: Plan, result: dict[str, Any]) -> str:
    ticker = result["ticker"]
    wanted = set(plan.indicators)
    levels_only = Intent.SUPPORT_RESISTANCE in plan.intents and not wanted
    head = (
        f"**{ticker}** {'key levels' if levels_only else 'technicals'} as of "
        f"{weekday(result['as_of'])} (close {money(result['last_close'])}):"
    )
    lines = []
    if Intent.SUPPORT_RESISTANCE in plan.intents:
        lines.append(_levels_line(result["support_resistance"]))
    if not levels_only:
        lines.extend(_indicator_lines(result, wanted))

    return head + "\n" + "\n".join(f"- {line}" for line in lines)


_COMPUTED_WINDOWS = (5, 10, 20, 50, 200)


def _indicator_lines(result: dict[str, Any], wanted: set[str]) -> list[str]:
    lines = _unsupported(wanted)
    wanted = {_supported(name) for name in wanted} - {None}
    default = not wanted
    if default or "rsi" in wanted:
        reading = result.get("rsi_reading") or "n/a"
        value = "n/a" if result["rsi"] is None else f"{result['rsi']:.1f}"
        lines.append(f"RSI(14): **{value}** ({reading})")
    if default or "macd" in wanted:
        macd = result["macd"]
        if macd["macd"] is None or macd["signal"] is None:
            lines.append("MACD(12, 26, 9): not enough data")
        else:
            lines.append(
                f"MACD(12, 26, 9): **{macd['macd']:.2f}** vs signal "
                f"{macd['signal']:.2f}, histogram {signed(macd['histogram'])} "
                f"({macd['reading']})"
            )
    averages = (
        _averages(wanted) if not default else [("sma", 20), ("sma", 50), ("sma", 200)]
    )
    for kind, window in averages:
        value = result[kind].get(str(window))
        close = result["last_close"]
        if value is None:
            lines.append(f"{window}-day {kind.upper()}: not enough data")
            continue
        lines.append(
            f"{window}-day {kind.upper()}: **{money(value)}** (close is "
            f"{above_below((close / value - 1) * 100)})"
        )
    cross = _cross_line(result["sma"])
    if cross and {"sma50", "sma200"} <= (wanted or {"sma50", "sma200"}):
        lines.append(cross)
    if default or "volume" in wanted:
        lines.append(_volume_summary(result["volume"]))

    return lines


def _cross_line(sma: dict[str, float | None]) -> str | None:
    fast, slow = sma.get("50"), sma.get("200")
    if fast is None or slow is None:
        return None
    if fast > slow:
        return "The 50-day is above the 200-day (the pattern after a golden cross)."
    return "The 50-day is below the 200-day (the pattern after a death cross)."


def _unsupported(wanted: set[str]) -> list[str]:
    """Say plainly when a requested setting is not one we compute."""
    lines = []
    for name in sorted(wanted):
        kind, window = name[:3], name[3:]
        if kind == "rsi" and window and window != "14":
            lines.append(f"RSI({window}) is not computed here; RSI(14) is shown.")
        elif (
            kind in ("sma", "ema")
            and window.isdigit()
            and int(window) not in _COMPUTED_WINDOWS
        ):
            lines.append(
                f"There is no {window}-day {kind.upper()} here; the computed "
                "windows are 5, 10, 20, 50 and 200 days."
            )
    return lines


def _supported(name: str) -> str | None:
    kind, window = name[:3], name[3:]
    if kind == "rsi":
        return "rsi"
    if kind in ("sma", "ema") and window.isdigit():
        return name if int(window) in _COMPUTED_WINDOWS else None
    return name


def _averages(wanted: set[str]) -> list[tuple[str, int]]:
    found = []
    for name in sorted(
        wanted, key=lambda n: (n[:3], int(n[3:]) if n[3:].isdigit() else 0)
    ):
        kind, window = name[:3], name[3:]
        if kind in ("sma", "ema") and window.isdigit():
            found.append((kind, int(window)))
    return found


def _volume_summary(volume: dict[str, Any]) -> str:
    line = (
        f"Volume: last {shares(volume['latest_volume'])} vs a 20-day average of "
        f"{shares(volume.get('average_volume_20'))}; 5-day trend "
        f"{volume.get('direction') or 'n/a'}"
    )
    if volume.get("change_pct") is None:
        return line
    return (
        f"{line} (the 5-day average is {above_below(volume['change_pct'])} "
        f"the {volume.get('prior_sessions')} sessions before)"
    )


def _levels_line(levels: dict[str, Any]) -> str:
    def listing(items: list[dict[str, Any]]) -> str:
        if not items:
            return "none found in the last six months"
        return ", ".join(
            f"**{money(i['price'])}** ({touches(i['touches'])})" for i in items
        )

    return (
        f"Support: {listing(levels['supports'])}. "
        f"Resistance: {listing(levels['resistances'])}."
    )


def _write_error(plan: Plan, result: dict[str, Any]) -> str:
    message = result.get("message") or "The data source could not answer."
    if result.get("error") == "unknown_ticker" and result.get("unknown"):
        return _unknown_lines(result)[0]
    if result.get("error") == "upstream" and "try again" not in message.lower():
        return f"{message} Please try again in a moment."
    return message


_WRITERS: dict[str, Callable[[Plan, dict[str, Any]], str]] = {
    "quotes": _write_quotes,
    "history": _write_history,
    "comparison": _write_comparison,
    "expirations": _write_expirations,
    "options_chain": _write_chain,
    "market_status": _write_market_status,
    "technicals": _write_technicals,
    "error": _write_error,
}
