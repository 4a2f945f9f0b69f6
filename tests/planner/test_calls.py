"""From a parsed question to the tool calls that answer it."""

from __future__ import annotations

from datetime import date

from market_parser.planner.calls import plan_calls
from market_parser.planner.parser import parse

TODAY = date(2013, 3, 1)


def calls_for(question: str) -> list[tuple[str, dict]]:
    return plan_calls(parse(question, today=TODAY), TODAY)


def test_performance_and_bars_of_one_range_make_one_call():
    """Both asked for the same week: one history call, with the bars."""
    assert calls_for("AAPL performance and daily bars last week") == [
        (
            "get_price_history",
            {
                "ticker": "AAPL",
                "start_date": "2013-02-18",
                "end_date": "2013-02-22",
                "include_bars": True,
            },
        )
    ]


def test_different_ranges_stay_separate_calls():
    """Two tickers: one history call each."""
    calls = calls_for("AAPL and MSFT daily bars last week")
    assert [args["ticker"] for _name, args in calls] == ["AAPL", "MSFT"]
    assert all(args["include_bars"] for _name, args in calls)


def test_other_tools_pass_through():
    """A price and a technical question: quotes and the technical analysis."""
    assert sorted(name for name, _ in calls_for("AAPL price and RSI")) == [
        "get_quotes",
        "get_technical_analysis",
    ]
