"""End to end, offline: the query service, the SDK Runner, the planner and the data.

Every expected number is computed here from the data set's CSV file, read
directly, not through the provider or the analysis code under test.
"""

from __future__ import annotations

import csv
import gzip
import statistics
from datetime import date
from pathlib import Path

import bokeh_sampledata
import pytest

from market_parser.config.settings import Settings
from market_parser.service.query import QueryService

CSV = Path(bokeh_sampledata.__file__).parent / "_data" / "stocks.csv.gz"


def _rows() -> dict[str, list[tuple[date, float, float, float, float, int]]]:
    table: dict[str, list] = {}
    with gzip.open(CSV, "rt") as handle:
        for row in csv.DictReader(handle):
            table.setdefault(row["Ticker"], []).append(
                (
                    date.fromisoformat(row["Date"]),
                    float(row["Open"]),
                    float(row["High"]),
                    float(row["Low"]),
                    float(row["Close"]),
                    int(row["Volume"]),
                )
            )
    return table


DATA = _rows()


def closes(ticker: str, until: date | None = None) -> list[float]:
    return [r[4] for r in DATA[ticker] if until is None or r[0] <= until]


def period_change_pct(ticker: str, start: date, end: date) -> float:
    """Percent change from the close before ``start`` to the last close by ``end``."""
    before = [r for r in DATA[ticker] if r[0] < start][-1][4]
    last = [r for r in DATA[ticker] if r[0] <= end][-1][4]
    return (last / before - 1) * 100


def signed_pct(value: float) -> str:
    return f"{'+' if value >= 0 else '−'}{abs(value):.2f}%"


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    settings = Settings.load(
        {"MARKET_PARSER_DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    )
    service = QueryService(settings)
    yield service
    service.close()


def ask(service: QueryService, question: str, session: str = "test"):
    answer = service.ask(question, session_id=f"{session}-{question}")
    assert answer.ok, answer.text
    assert answer.model == "offline-planner"
    assert "Offline sample data" in answer.source
    return answer


def test_price_is_the_last_close_with_its_change(service):
    """'What is Apple's stock price?' gives the 2013-03-01 close and the day's change."""
    answer = ask(service, "What is Apple's stock price?")
    assert [t.name for t in answer.tools] == ["get_quotes"]
    assert "$430.47" in answer.text
    assert signed_pct((430.47 / 441.40 - 1) * 100) in answer.text
    assert answer.as_of == "2013-03-01"
    assert (answer.tokens_in, answer.tokens_out) == (0, 0)  # no language model ran


def test_ohlc_today(service):
    """Open, high, low and close 'today' are the data's last session."""
    answer = ask(service, "AAPL open, high, low and close today")
    for value in ("$438.00", "$438.18", "$429.98", "$430.47"):
        assert value in answer.text


def test_close_yesterday_is_the_previous_session(service):
    """'Yesterday' from Friday 2013-03-01 is Thursday 2013-02-28: MSFT closed 27.80."""
    answer = ask(service, "What did Microsoft close at yesterday?")
    assert "$27.80" in answer.text
    assert "2013-02-28" in answer.text


def test_last_week_is_the_previous_calendar_week(service):
    """MSFT last week: 4 sessions (Presidents' Day), from 28.01 to 27.76."""
    answer = ask(service, "How did MSFT do last week?")
    expected = period_change_pct("MSFT", date(2013, 2, 18), date(2013, 2, 22))
    assert signed_pct(expected) == "−0.89%"
    assert "−0.89%" in answer.text
    assert "$27.76" in answer.text
    assert "2013-02-19 to 2013-02-22" in answer.text
    assert "4 sessions" in answer.text


def test_three_month_performance_matches_the_data(service):
    """IBM over the past 3 months: the percent change agrees with the CSV."""
    answer = ask(service, "IBM performance over the past 3 months")
    arguments = answer.tools[0].arguments
    start = date.fromisoformat(arguments["start_date"])
    assert start == date(2012, 12, 1)
    expected = period_change_pct("IBM", start, date(2013, 3, 1))
    assert signed_pct(expected) in answer.text


def test_daily_bars_for_five_sessions(service):
    """GOOG daily bars for the last 5 trading days list those five closes."""
    answer = ask(service, "GOOG daily bars for the last 5 trading days")
    for close in closes("GOOG")[-5:]:
        assert f"{close:.2f}" in answer.text
    assert "| 2013-02-25 |" in answer.text
    assert "| 2013-02-22 |" not in answer.text


def wilder_rsi(values: list[float], period: int = 14) -> float:
    gains = [max(b - a, 0) for a, b in zip(values, values[1:], strict=False)]
    losses = [max(a - b, 0) for a, b in zip(values, values[1:], strict=False)]
    gain, loss = sum(gains[:period]) / period, sum(losses[:period]) / period
    for g, lo in zip(gains[period:], losses[period:], strict=True):
        gain = (gain * (period - 1) + g) / period
        loss = (loss * (period - 1) + lo) / period
    return 100 - 100 / (1 + gain / loss)


def test_rsi_and_macd(service):
    """RSI and MACD for IBM: one technicals call, RSI equal to Wilder's formula."""
    answer = ask(service, "RSI and MACD for IBM")
    assert [t.name for t in answer.tools] == ["get_technical_analysis"]
    result = answer.tools[0].result
    first_day = date.fromisoformat(result["bars"][0]["day"])
    assert first_day <= date(2012, 9, 14)
    fetched = [
        r[4] for r in DATA["IBM"] if date(2012, 1, 6) <= r[0] <= date(2013, 3, 1)
    ]
    assert f"{wilder_rsi(fetched):.1f}" in answer.text
    assert "MACD(12, 26, 9)" in answer.text


def test_moving_averages(service):
    """50- and 200-day SMAs for Apple equal the plain means of the last closes."""
    answer = ask(service, "50-day and 200-day moving averages for Apple")
    aapl = closes("AAPL")
    assert f"${statistics.fmean(aapl[-50:]):,.2f}" in answer.text
    assert f"${statistics.fmean(aapl[-200:]):,.2f}" in answer.text


def test_support_and_resistance(service):
    """Levels for $MSFT: supports below and resistances above the 27.95 close."""
    answer = ask(service, "Support and resistance levels for $MSFT")
    levels = answer.tools[0].result["support_resistance"]
    assert levels["supports"] and levels["resistances"]
    assert all(level["price"] < 27.95 for level in levels["supports"])
    assert all(level["price"] > 27.95 for level in levels["resistances"])
    assert f"${levels['supports'][0]['price']:,.2f}" in answer.text


def test_volume_trend(service):
    """FB volume this month compares March's sessions with the 20 before."""
    answer = ask(service, "FB volume trend this month")
    volume = answer.tools[0].result["volume"]
    prior = [r[5] for r in DATA["FB"] if r[0] < date(2013, 3, 1)][-20:]
    assert volume["prior_average"] == round(statistics.fmean(prior))
    assert volume["recent_average"] == 54064800
    assert "Volume:" in answer.text


def test_comparison_ranks_tickers(service):
    """Compare AAPL, MSFT and IBM over the past month, best first."""
    answer = ask(service, "Compare AAPL, MSFT and IBM over the past month")
    rows = answer.tools[0].result["rows"]
    start = date.fromisoformat(answer.tools[0].arguments["start_date"])
    expected = {
        t: period_change_pct(t, start, date(2013, 3, 1))
        for t in ("AAPL", "MSFT", "IBM")
    }
    assert [row["ticker"] for row in rows] == sorted(
        expected, key=expected.get, reverse=True
    )
    for ticker, value in expected.items():
        assert signed_pct(value) in answer.text, ticker


def test_calls_expiring_next_friday_are_modeled(service):
    """GOOG calls expiring next Friday: 2013-03-08, calls only, labeled modeled."""
    answer = ask(service, "Show GOOG call options expiring next Friday")
    result = answer.tools[0].result
    assert result["expiration"] == "2013-03-08"
    assert {c["type"] for c in result["contracts"]} == {"call"}
    assert result["modeled"] is True
    assert "not market quotes" in answer.text


def test_nearest_expiration_puts(service):
    """AAPL puts for the nearest expiration use the first listed expiration."""
    answer = ask(service, "AAPL puts for the nearest expiration")
    result = answer.tools[0].result
    assert result["expiration"] == "2013-03-08"
    assert {c["type"] for c in result["contracts"]} == {"put"}
    strikes = [c["strike"] for c in result["contracts"]]
    assert min(strikes) < 430.47 < max(strikes)


def test_expiration_dates(service):
    """IBM expirations include the March monthly and Good Friday's Thursday."""
    answer = ask(service, "Options expiration dates for IBM")
    listed = answer.tools[0].result["expirations"]
    assert "2013-03-15" in listed
    assert "2013-03-28" in listed and "2013-03-29" not in listed
    assert "modeled" in answer.text


def test_market_status_offline(service):
    """Offline, the market is reported closed as of the data's last close."""
    answer = ask(service, "Is the market open right now?")
    assert "**closed**" in answer.text
    assert answer.tools[0].result["live"] is False


def test_unknown_ticker_names_what_is_available(service):
    """Tesla is not in the offline data; the answer lists the tickers that are."""
    answer = ask(service, "What is Tesla trading at?")
    assert "TSLA" in answer.text
    assert "AAPL, FB, GOOG, IBM, MSFT" in answer.text


def test_non_market_question_gets_a_short_help(service):
    """A question about the weather gets a reply saying what can be asked."""
    answer = ask(service, "What's the weather in Paris?")
    assert answer.tools == ()
    assert "not a market question" in answer.text


def test_follow_up_uses_the_previous_ticker(service):
    """After 'How did MSFT do last week?', 'and its RSI?' answers for MSFT."""
    first = service.ask("How did MSFT do last week?", session_id="follow-up")
    second = service.ask("and its RSI?", session_id="follow-up")
    assert first.ok and second.ok
    assert second.tools[0].name == "get_technical_analysis"
    assert second.tools[0].arguments == {"ticker": "MSFT"}
    assert "MSFT" in second.text and "RSI(14)" in second.text


def test_sessions_do_not_share_memory(service):
    """A follow-up in another session does not see the first session's ticker."""
    service.ask("How did IBM do last week?", session_id="alice")
    answer = service.ask("and its RSI?", session_id="bob")
    assert not any(t.arguments.get("ticker") == "IBM" for t in answer.tools)
    assert "Which ticker" in answer.text


@pytest.mark.parametrize(
    ("question", "error_type"),
    [
        ("", "empty_question"),
        ("   ", "empty_question"),
        ("x" * 5000, "question_too_long"),
    ],
)
def test_bad_input_gets_a_clear_message(service, question, error_type):
    """Empty and huge questions are rejected with a message, not a traceback."""
    answer = service.ask(question, session_id="bad-input")
    assert answer.outcome == "invalid"
    assert answer.error_type == error_type
    assert "Traceback" not in answer.text
    assert answer.correlation_id


def test_dates_outside_the_data_are_an_answer(service):
    """A day after the data ends gets an answer naming the data's coverage."""
    answer = ask(service, "AAPL close on 2014-06-02")
    assert "2013-03-01" in answer.text


def test_change_percent_is_rounded_once(service):
    """FB's 2013-03-01 change is 1.94495 %: shown as +1.94 % everywhere."""
    price = ask(service, "FB price")
    day = ask(service, "FB volume trend this month")
    assert "+1.94%" in price.text and "+1.94%" in day.text
    assert "1.95%" not in price.text + day.text


def test_default_period_is_one_calendar_month(service):
    """With no period, a comparison covers the same month 'past month' means."""
    implicit = ask(service, "compare apple and microsoft")
    explicit = ask(service, "compare apple and microsoft over the past month")
    assert (
        implicit.tools[0].result["requested"] == explicit.tools[0].result["requested"]
    )
    assert implicit.tools[0].result["requested"]["start"] == "2013-02-01"


def test_long_periods_chart_every_session_in_coarser_bars(service):
    """Thirteen years of IBM chart as monthly bars from 2000, not the last 400 days."""
    answer = ask(service, "IBM performance from 2000-03-01 to 2013-03-01")
    result = answer.tools[0].result
    assert result["bar_size"] == "monthly"
    assert result["bars"][0]["day"] == "2000-03-01"
    assert len(result["bars"]) == 157


def test_first_session_change_is_from_its_open(service):
    """FB's first session has no previous close; its change is said to be from the open."""
    answer = ask(service, "FB close on 2012-05-18")
    assert "from its open, the first session in the data" in answer.text


def test_market_status_on_a_holiday(service):
    """The market on 2013-02-18 was closed for Washington's Birthday."""
    answer = ask(service, "Was the market open on 2013-02-18?")
    assert "was **closed** (Washington's Birthday)" in answer.text


def test_expiration_on_a_saturday_picks_the_closest_with_a_note(service):
    """IBM calls 'expiring 2013-03-09' (a Saturday) show 2013-03-08 and say so."""
    answer = ask(service, "IBM calls expiring 2013-03-09")
    assert answer.tools[0].result["expiration"] == "2013-03-08"
    assert "No options expire on Sat 2013-03-09" in answer.text


def test_best_stock_compares_every_ticker(service):
    """'Which stock did best last week?' compares all five offline tickers."""
    answer = ask(service, "What was the best performing stock last week?")
    rows = answer.tools[0].result["rows"]
    assert {row["ticker"] for row in rows} == {"AAPL", "FB", "GOOG", "IBM", "MSFT"}


def test_unsupported_settings_are_named(service):
    """RSI(2) and a 10000-day average are not computed, and the answer says so."""
    answer = ask(service, "RSI(2) for MSFT")
    assert "RSI(2) is not computed here; RSI(14) is shown." in answer.text
    answer = ask(service, "MSFT 10000-day moving average")
    assert "There is no 10000-day SMA here" in answer.text
