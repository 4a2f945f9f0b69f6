"""End to end, offline: the query service, the SDK Runner, the planner and the data.

Every expected number is computed here from the data set's CSV file, read
directly, not through the provider or the analysis code under test.
"""

from __future__ import annotations

import csv
import gzip
import re
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


def plain_pct(value: float) -> str:
    """A percentage as written after a direction word: no sign."""
    return f"{abs(value):.2f}%"


def moved(value: float) -> str:
    """A change as an answer's sentence states it: "down **0.89%**"."""
    return f"{'up' if value > 0 else 'down'} **{plain_pct(value)}**"


def sessions_in(ticker: str, start: date, end: date) -> list[tuple]:
    return [r for r in DATA[ticker] if start <= r[0] <= end]


def millions(volume: float) -> str:
    return f"{volume / 1e6:.2f}M"


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
    change_pct = (430.47 / 441.40 - 1) * 100
    assert f"down $10.93 ({plain_pct(change_pct)}) from" in answer.text
    assert plain_pct(change_pct) == "2.48%"
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
    assert "down **0.89%** ($0.25)" in answer.text
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
    assert moved(expected) == "up **6.76%**"
    assert moved(expected) in answer.text


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
    """FB's 2013-03-01 change is 1.94495 %: shown as 1.94 % everywhere.

    After "up" the figure has no sign; standing alone it keeps its "+".
    """
    price = ask(service, "FB price")
    day = ask(service, "FB volume trend this month")
    assert "up $0.53 (1.94%)" in price.text and "+1.94%" in day.text
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


YEAR_2012 = (date(2012, 1, 1), date(2012, 12, 31))


@pytest.mark.parametrize(
    "question",
    [
        "What was the highest close of AAPL in 2012?",
        "What was AAPL's highest closing price in 2012?",
        "AAPL max close in 2012",
        "When did AAPL close highest in 2012?",
        "AAPL closing high in 2012",
    ],
)
def test_highest_close_is_a_close_not_the_intraday_high(service, question):
    """AAPL's highest 2012 close is 702.10 on 09-19; 705.07 (09-21) was intraday."""
    year = sessions_in("AAPL", *YEAR_2012)
    best = max(year, key=lambda r: r[4])
    top = max(year, key=lambda r: r[2])
    assert (best[0], best[4]) == (date(2012, 9, 19), 702.10)
    assert (top[0], top[2]) == (date(2012, 9, 21), 705.07)

    answer = ask(service, question)
    assert f"({len(year)} sessions)" in answer.text
    assert "highest close **$702.10** on Wed 2012-09-19" in answer.text
    assert "The intraday high was $705.07 on Fri 2012-09-21." in answer.text
    assert "| Day |" not in answer.text


def test_lowest_close_is_a_close_not_the_intraday_low(service):
    """MSFT's lowest 2012 close is 26.37 on 12-04; the 26.26 low came on 12-05."""
    year = sessions_in("MSFT", *YEAR_2012)
    worst = min(year, key=lambda r: r[4])
    bottom = min(year, key=lambda r: r[3])
    assert (worst[0], worst[4]) == (date(2012, 12, 4), 26.37)
    assert (bottom[0], bottom[3]) == (date(2012, 12, 5), 26.26)

    answer = ask(service, "What was the lowest close of MSFT in 2012?")
    assert "lowest close **$26.37** on Tue 2012-12-04" in answer.text
    assert "The intraday low was $26.26 on Wed 2012-12-05." in answer.text
    assert "| Day |" not in answer.text


def test_52_week_high_stays_the_intraday_high_and_says_so(service):
    """'52-week high' is the intraday high; '52-week closing high' the close."""
    intraday = ask(service, "AAPL 52-week high")
    start = date.fromisoformat(intraday.tools[0].arguments["start_date"])
    stretch = sessions_in("AAPL", start, date(2013, 3, 1))
    top = max(stretch, key=lambda r: r[2])
    best = max(stretch, key=lambda r: r[4])
    assert f"Intraday high ${top[2]:,.2f} on {top[0]}" in intraday.text
    assert "highest close" not in intraday.text

    closing = ask(service, "AAPL 52-week closing high")
    assert f"highest close **${best[4]:,.2f}** on {best[0]:%a} {best[0]}" in (
        closing.text
    )


def test_a_cut_bars_table_says_which_sessions_it_shows(service):
    """AAPL's 2012 bars: the table shows the last 30 of 250 and says so."""
    year = sessions_in("AAPL", *YEAR_2012)
    answer = ask(service, "AAPL daily bars in 2012")
    rows = [line for line in answer.text.splitlines() if line.startswith("| 2012")]
    assert f"_Last 30 of {len(year)} sessions._" in answer.text
    assert len(year) == 250
    assert len(rows) == 30
    assert rows[0].startswith(f"| {year[-30][0]} |")


def test_coarser_bars_say_what_each_row_is(service):
    """Eight years of IBM are monthly bars; the table says so and counts them."""
    answer = ask(service, "IBM price history from 2005 to 2013")
    arguments = answer.tools[0].arguments
    start = date.fromisoformat(arguments["start_date"])
    end = date.fromisoformat(arguments["end_date"])
    months = {(r[0].year, r[0].month) for r in sessions_in("IBM", start, end)}
    assert (
        f"_Monthly bars, each dated by its first session: the last 30 of "
        f"{len(months)}._" in answer.text
    )


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Compare AAPL and TSLA over the past year", "TSLA"),
        ("Compare AAPL and ZZZZ", "ZZZZ"),
    ],
)
def test_a_comparison_with_one_ticker_does_not_rank(service, question, missing):
    """With only AAPL in the data, the answer names the missing ticker first."""
    answer = ask(service, question)
    result = answer.tools[0].result
    start = date.fromisoformat(result["requested"]["start"])
    expected = period_change_pct("AAPL", start, date(2013, 3, 1))
    assert answer.text.startswith(
        f"Only **AAPL** has data in the offline sample: {missing} is not in it, "
        "so there is nothing to compare."
    )
    assert "**AAPL** over the past" in answer.text
    assert moved(expected) in answer.text
    assert "did best" not in answer.text
    assert "Available tickers: AAPL, FB, GOOG, IBM, MSFT." in answer.text


def test_past_year_comparison_with_a_missing_ticker(service):
    """AAPL over the past year fell 20.64 % from 542.44; TSLA is not in the data."""
    answer = ask(service, "Compare AAPL and TSLA over the past year")
    start = date.fromisoformat(answer.tools[0].result["requested"]["start"])
    base = [r[4] for r in DATA["AAPL"] if r[0] < start][-1]
    expected = period_change_pct("AAPL", start, date(2013, 3, 1))
    assert start == date(2012, 3, 1)
    assert (base, moved(expected)) == (542.44, "down **20.64%**")
    assert (
        f"{moved(expected)} (${abs(430.47 - base):.2f}), from ${base:.2f}"
    ) in answer.text


def test_one_session_of_volume_is_not_called_a_trend(service):
    """March 2013 has one FB session: its volume is given, not a trend."""
    answer = ask(service, "FB volume trend this month")
    day_volume = sessions_in("FB", date(2013, 3, 1), date(2013, 3, 1))[0][5]
    prior = [r[5] for r in DATA["FB"] if r[0] < date(2013, 3, 1)][-20:]
    average = statistics.fmean(prior)
    change = (day_volume / average - 1) * 100
    assert (millions(day_volume), millions(average)) == ("54.06M", "57.42M")
    assert (
        "Volume: the data has only 1 session this month, too few to call a trend: "
        f"{millions(day_volume)} shares on Fri 2013-03-01, {plain_pct(change)} "
        f"below the {millions(average)} daily average of the 20 sessions before it."
    ) in answer.text
    assert answer.tools[0].result["volume"]["direction"] is None
    assert "**flat**" not in answer.text


def test_volume_on_a_named_day_is_that_day_against_the_20_before(service):
    """IBM yesterday (2013-02-28): its volume against the 20 sessions before it."""
    answer = ask(service, "volume for IBM yesterday")
    day_volume = sessions_in("IBM", date(2013, 2, 28), date(2013, 2, 28))[0][5]
    prior = [r[5] for r in DATA["IBM"] if r[0] < date(2013, 2, 28)][-20:]
    average = statistics.fmean(prior)
    change = (day_volume / average - 1) * 100
    assert change > 0
    assert (
        f"Volume: {millions(day_volume)} shares on Thu 2013-02-28, "
        f"{plain_pct(change)} above the {millions(average)} daily average of the "
        "20 sessions before it."
    ) in answer.text
    assert "too few" not in answer.text


def test_two_counted_sessions_of_volume_name_no_trend(service):
    """IBM's last 2 sessions: their average against the 20 before, and no trend."""
    answer = ask(service, "IBM volume over the last 2 trading days")
    last_two = [r[5] for r in DATA["IBM"]][-2:]
    prior = [r[5] for r in DATA["IBM"]][-22:-2]
    average, baseline = statistics.fmean(last_two), statistics.fmean(prior)
    change = (average / baseline - 1) * 100
    assert change > 0
    assert (
        f"Volume: {millions(average)} shares a day on Thu 2013-02-28 and Fri "
        f"2013-03-01, {plain_pct(change)} above the {millions(baseline)} daily "
        "average of the 20 sessions before them; too few sessions to call a trend."
    ) in answer.text
    assert "the data has only" not in answer.text


def test_a_default_period_is_called_the_past_month(service):
    """'How is IBM doing?' and then a bare 'MSFT' cover the past month, named so."""
    first = ask(service, "How is IBM doing?", session="default-period")
    count = len(sessions_in("IBM", date(2013, 2, 1), date(2013, 3, 1)))
    expected = period_change_pct("IBM", date(2013, 2, 1), date(2013, 3, 1))
    assert first.text.startswith(
        f"**IBM** over the past month (2013-02-01 to 2013-03-01, {count} sessions): "
        f"{moved(expected)}"
    )
    service.ask("How is IBM doing?", session_id="follow-up-bare")
    second = service.ask("MSFT", session_id="follow-up-bare")
    assert second.ok
    assert second.text.startswith("**MSFT** over the past month (2013-02-01 to")
    assert "over the period" not in first.text + second.text


# A direction word, then within a few characters a signed figure: "up $0.15
# (+0.54%)", "below, −5.49%".
_DOUBLED = re.compile(
    r"\b(?:up|down|above|below|rising|falling)\b[^\n|:;]{0,12}?[+−]\$?\d"
)


@pytest.mark.parametrize(
    "question",
    [
        "How did MSFT do last week?",
        "IBM performance over the past 3 months",
        "What is Apple's stock price?",
        "Technicals for AAPL",
        "IBM volume this week",
        "Compare AAPL and TSLA over the past year",
        "Compare AAPL, MSFT and IBM over the past month",
    ],
)
def test_a_direction_word_is_not_followed_by_a_sign(service, question):
    """'down 0.89%', never 'down −0.89%'; signed figures stay in tables."""
    answer = ask(service, question)
    assert not _DOUBLED.search(answer.text), answer.text
