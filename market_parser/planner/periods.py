"""Sentences and tables about one ticker over a period of sessions.

Performance, the highest and lowest close, volume, and the bars themselves. A
figure after a word that gives its direction ("down", "below") is written
without a sign; tables and figures standing alone keep theirs.
"""

from __future__ import annotations

import re
from typing import Any

from market_parser.analysis.volume import MIN_TREND_SESSIONS
from market_parser.planner.plan import Plan
from market_parser.planner.wording import (
    above_below,
    direction,
    money,
    sessions,
    shares,
    unsigned_percent,
    weekday,
)

# The history and comparison tools cover the month to the last session when
# no dates are given (`lookups.resolve_period`).
DEFAULT_PERIOD = "over the past month"
TABLE_ROWS = 30

_YEAR = re.compile(r"\b\d{4}\b")


def period_phrase(plan: Plan, result: dict[str, Any]) -> str:
    """How a sentence names the period: "last week", "over the past 3 months".

    A period the question did not name is the tool's default, said as such.
    """
    if plan.period is None:
        count = result.get("requested", {}).get("sessions")
        return f"over the last {sessions(count)}" if count else DEFAULT_PERIOD
    label = plan.period.label
    words = label.split()
    if words[0] == "past" or (
        words[0] == "last" and len(words) > 1 and words[1][0].isdigit()
    ):
        return f"over the {label}"
    return label


def _span_phrase(plan: Plan, result: dict[str, Any], perf: dict[str, Any]) -> str:
    phrase = period_phrase(plan, result)
    if _YEAR.search(phrase):
        # The label is itself a date range: say the sessions' dates instead.
        return f"from {perf['start_day']} to {perf['end_day']}"
    return phrase


def period_head(
    ticker: str, plan: Plan, perf: dict[str, Any], result: dict[str, Any]
) -> str:
    """The start of a period sentence: "**MSFT** last week (2013-02-19 to ...)"."""
    phrase = period_phrase(plan, result)
    span = f"{perf['start_day']} to {perf['end_day']}"
    if perf["start_day"] == perf["end_day"]:
        span = weekday(perf["end_day"])
    count = sessions(perf["sessions"])
    if _YEAR.search(phrase):
        # The label is itself a date range: say the sessions' dates once.
        return f"**{ticker}** from {span} ({count})"

    return f"**{ticker}** {phrase} ({span}, {count})"


def performance_line(
    ticker: str, plan: Plan, perf: dict[str, Any], result: dict[str, Any]
) -> str:
    """The change over the period, its base and close, and the intraday range."""
    base = money(perf.get("base_price"))
    if perf.get("base") == "open":
        base += " (its first open in the data)"
    move = direction(perf["change"])
    size = f"**{unsigned_percent(perf['change_pct'])}** ({money(abs(perf['change']))})"

    return (
        f"{period_head(ticker, plan, perf, result)}: {move} {size}, "
        f"from {base} to a close of **{money(perf['close'])}**. "
        f"Intraday high {money(perf['high'])} on {perf['high_day']}, "
        f"low {money(perf['low'])} on {perf['low_day']}."
    )


def closing_line(
    ticker: str,
    plan: Plan,
    result: dict[str, Any],
    sides: tuple[str, ...],
) -> str:
    """The highest and/or lowest close, with the intraday extreme set apart."""
    perf = result["performance"]
    found, intraday = [], []
    for side, word in (("high", "highest"), ("low", "lowest")):
        if side not in sides:
            continue
        found.append(
            f"{word} close **{money(perf[f'{side}_close'])}** "
            f"on {weekday(perf[f'{side}_close_day'])}"
        )
        intraday.append(
            f"intraday {side} was {money(perf[side])} on {weekday(perf[f'{side}_day'])}"
        )
    only = " (its only session)" if perf["sessions"] == 1 else ""

    return (
        f"{period_head(ticker, plan, perf, result)}: {' and '.join(found)}{only}. "
        f"The {' and the '.join(intraday)}."
    )


def volume_line(ticker: str, plan: Plan, result: dict[str, Any]) -> str:
    """Average volume against the sessions before; a trend only with enough sessions.

    One or two sessions are reported as they are, with no trend word; when the
    question named a calendar stretch ("this month"), the answer says the data
    holds only that many sessions of it.
    """
    volume, perf = result["volume"], result["performance"]
    count = volume["recent_sessions"]
    phrase = _span_phrase(plan, result, perf)
    if count >= MIN_TREND_SESSIONS:
        line = (
            f"Volume: {ticker} averaged {shares(volume.get('recent_average'))} "
            f"shares a day {phrase}, {_against(volume, 'it')}"
        )
        trend = volume.get("direction")
        return line + (f": **{trend}**." if trend else ".")
    if count == 1:
        what = f"{shares(volume.get('latest_volume'))} shares on {weekday(perf['end_day'])}"
        against = _against(volume, "it")
    else:
        what = (
            f"{shares(volume.get('recent_average'))} shares a day on "
            f"{weekday(perf['start_day'])} and {weekday(perf['end_day'])}"
        )
        against = _against(volume, "them")
    period = plan.period
    if period is not None and period.one_day:
        return f"Volume: {what}, {against}."
    if period is not None and period.trading_days:
        # The question counted these sessions itself; only the trend is withheld.
        return f"Volume: {what}, {against}; too few sessions to call a trend."

    return (
        f"Volume: the data has only {sessions(count)} {phrase}, too few to call "
        f"a trend: {what}, {against}."
    )


def _against(volume: dict[str, Any], pronoun: str) -> str:
    prior, change = volume.get("prior_average"), volume.get("change_pct")
    if prior is None or change is None:
        return "with no earlier sessions in the data to compare"
    return (
        f"{above_below(change)} the {shares(prior)} daily average of the "
        f"{sessions(volume['prior_sessions'])} before {pronoun}"
    )


def bars_table(result: dict[str, Any], limit: int = TABLE_ROWS) -> str:
    """The latest ``limit`` bars as a table, with a caption when any are left out."""
    bars = result["bars"][-limit:]
    total = max(result.get("bars_total", 0), len(result["bars"]))
    rows = [
        "| Day | Open | High | Low | Close | Volume |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for bar in bars:
        rows.append(
            f"| {bar['day']} | {bar['open']:.2f} | {bar['high']:.2f} | "
            f"{bar['low']:.2f} | {bar['close']:.2f} | {shares(bar['volume'])} |"
        )
    caption = _bars_caption(result.get("bar_size", "daily"), len(bars), total)

    return "\n\n".join(part for part in (caption, "\n".join(rows)) if part)


def _bars_caption(size: str, shown: int, total: int) -> str:
    if size == "daily":
        return f"_Last {shown} of {total} sessions._" if shown < total else ""
    caption = f"{size.capitalize()} bars, each dated by its first session"
    if shown < total:
        caption += f": the last {shown} of {total}"
    return f"_{caption}._"
