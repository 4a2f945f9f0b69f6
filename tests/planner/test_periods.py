"""Period sentences and bar tables say what they cover."""

from __future__ import annotations

from datetime import date

from market_parser.planner.periods import bars_table, period_phrase
from market_parser.planner.plan import Intent, Period, Plan


def _bars(count: int) -> list[dict]:
    return [
        {
            "day": f"2012-{1 + i // 28:02d}-{1 + i % 28:02d}",
            "open": 1.0,
            "high": 2.0,
            "low": 0.5,
            "close": 1.5,
            "volume": 1000,
        }
        for i in range(count)
    ]


def _rows(table: str) -> list[str]:
    return [line for line in table.splitlines() if line.startswith("| 2012")]


def test_a_cut_daily_table_says_how_many_sessions_it_shows():
    """Forty sessions trimmed to the model's thirty: the caption gives both counts."""
    bars = _bars(40)
    table = bars_table({"bars": bars[-30:], "bars_total": 40, "bar_size": "daily"})

    assert table.startswith("_Last 30 of 40 sessions._\n\n| Day |")
    assert len(_rows(table)) == 30


def test_a_table_cut_by_its_own_limit_says_so():
    """Without a recorded total, the bars given are the total."""
    table = bars_table({"bars": _bars(12), "bar_size": "daily"}, limit=10)

    assert table.startswith("_Last 10 of 12 sessions._")
    assert len(_rows(table)) == 10


def test_a_whole_daily_table_has_no_caption():
    """Five sessions, all shown: the table stands alone."""
    table = bars_table({"bars": _bars(5), "bar_size": "daily"})

    assert table.startswith("| Day |")
    assert len(_rows(table)) == 5


def test_coarser_bars_are_named_even_when_all_are_shown():
    """Weekly bars are labelled as weekly, so a row is not read as one session."""
    table = bars_table({"bars": _bars(8), "bar_size": "weekly"})

    assert table.startswith("_Weekly bars, each dated by its first session._")


def test_a_default_period_is_named_as_the_tools_default():
    """No period in the question: the past month, or the last N sessions asked."""
    plan = Plan(intents=(Intent.PERFORMANCE,), tickers=("IBM",))

    assert period_phrase(plan, {"requested": {"start": "2013-02-01"}}) == (
        "over the past month"
    )
    assert period_phrase(plan, {"requested": {"sessions": 5}}) == (
        "over the last 5 sessions"
    )


def test_a_named_period_keeps_its_label():
    """'last week' stays as written; 'past 3 months' reads 'over the past 3 months'."""
    day = date(2013, 3, 1)
    last_week = Plan((Intent.PERFORMANCE,), ("IBM",), Period(day, day, "last week"))
    past = Plan((Intent.PERFORMANCE,), ("IBM",), Period(day, day, "past 3 months"))

    assert period_phrase(last_week, {}) == "last week"
    assert period_phrase(past, {}) == "over the past 3 months"
