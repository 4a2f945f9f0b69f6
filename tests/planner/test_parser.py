"""Tests for reading questions into plans, on many real phrasings."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from market_parser.planner import lexicon, timephrases
from market_parser.planner.parser import parse
from market_parser.planner.plan import Intent, Plan

FRIDAY = date(2013, 3, 1)  # the bundled data set's last trading day
MONDAY = date(2013, 2, 25)
MONTH_START = date(2013, 4, 1)  # a Monday
YEAR_START = date(2013, 1, 2)  # a Wednesday


def summary(plan: Plan) -> dict[str, Any]:
    """Reduce a plan to plain values that read well in a failing assertion."""
    period = plan.period
    expiration = plan.expiration
    return {
        "intents": tuple(str(intent) for intent in plan.intents),
        "tickers": plan.tickers,
        "period": period
        and (period.start.isoformat(), period.end.isoformat(), period.trading_days),
        "day": plan.day and plan.day.isoformat(),
        "indicators": plan.indicators,
        "side": plan.option_side,
        "expiration": expiration
        and (expiration.kind, expiration.day and expiration.day.isoformat()),
        "unknown": plan.unknown_symbols,
        "follow_up": plan.follow_up,
        "all_tickers": plan.all_tickers,
        "problems": plan.problems,
    }


def expect(
    intents: str,
    tickers: str = "",
    *,
    period: tuple[str, str] | None = None,
    sessions: int | None = None,
    day: str | None = None,
    indicators: str = "",
    side: str | None = None,
    expiration: tuple[str, str | None] | None = None,
    unknown: str = "",
    follow_up: bool = False,
    all_tickers: bool = False,
    problems: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Build the summary a plan should have; lists are space-separated words."""
    return {
        "intents": tuple(intents.split()),
        "tickers": tuple(tickers.split()),
        "period": period and (*period, sessions),
        "day": day,
        "indicators": tuple(indicators.split()),
        "side": side,
        "expiration": expiration,
        "unknown": tuple(unknown.split()),
        "follow_up": follow_up,
        "all_tickers": all_tickers,
        "problems": problems,
    }


def case(question: str, *args: Any, **kwargs: Any) -> Any:
    return pytest.param(question, expect(*args, **kwargs), id=question or "<empty>")


LAST_WEEK = ("2013-02-18", "2013-02-22")
THIS_WEEK = ("2013-02-25", "2013-03-01")
YTD = ("2013-01-01", "2013-03-01")
YEAR_2012 = ("2012-01-01", "2012-12-31")
LAST_5_SESSIONS = ("2013-02-25", "2013-03-01")

# Every question in shared/questions.md (the follow-up one is tested below).
EXAMPLES = [
    case("What is Apple's stock price?", "price", "AAPL"),
    case("AAPL open, high, low and close today", "ohlc", "AAPL", day="2013-03-01"),
    case("What did Microsoft close at yesterday?", "ohlc", "MSFT", day="2013-02-28"),
    case("MSFT close on Friday, February 15, 2013", "ohlc", "MSFT", day="2013-02-15"),
    case("MSFT close on Saturday 2013-02-16", "ohlc", "MSFT", day="2013-02-16"),
    case("How did MSFT do last week?", "performance", "MSFT", period=LAST_WEEK),
    case(
        "IBM performance over the past 3 months",
        "performance",
        "IBM",
        period=("2012-12-01", "2013-03-01"),
    ),
    case(
        "GOOG daily bars for the last 5 trading days",
        "bars",
        "GOOG",
        period=LAST_5_SESSIONS,
        sessions=5,
    ),
    case("RSI and MACD for IBM", "indicators", "IBM", indicators="rsi macd"),
    case("Support and resistance levels for $MSFT", "support_resistance", "MSFT"),
    case(
        "FB volume trend this month",
        "volume",
        "FB",
        period=("2013-03-01", "2013-03-01"),
    ),
    case(
        "Compare AAPL, MSFT and IBM over the past month",
        "compare",
        "AAPL MSFT IBM",
        period=("2013-02-01", "2013-03-01"),
    ),
    case(
        "Show GOOG call options expiring next Friday",
        "options_chain",
        "GOOG",
        side="call",
        expiration=("next_weekday", "2013-03-08"),
    ),
    case(
        "AAPL puts for the nearest expiration",
        "options_chain",
        "AAPL",
        side="put",
        expiration=("nearest", None),
    ),
    case("Options expiration dates for IBM", "expirations", "IBM"),
    case("Is the market open right now?", "market_status"),
    case("What is Tesla trading at?", "price", "TSLA"),
    case("What's the weather in Paris?", "help"),
    case(
        "50-day and 200-day moving averages for Apple",
        "indicators",
        "AAPL",
        indicators="sma50 sma200",
    ),
]

PRICES = [
    case("how much is msft", "price", "MSFT"),
    case("what's aapl at?", "price", "AAPL"),
    case("Where is NVDA trading right now", "price", "NVDA"),
    case("Give me a quote on Amazon", "price", "AMZN"),
    case("What is Apple worth?", "price", "AAPL"),
    case("spy", "price", "SPY"),
    case("AAPL", "price", "AAPL"),
    case("What is the price of GOOG today", "price", "GOOG"),
    case("Facebook stock price", "price", "FB"),
    case("Meta stock price", "price", "META"),
    case("coca-cola share price", "price", "KO"),
    case("BRK.B price", "price", "BRK.B"),
    case("What's Johnson & Johnson trading at", "price", "JNJ"),
    case("What is GE trading at", "price", "GE"),
    case("WHAT IS THE PRICE OF AAPL", "price", "AAPL"),
    case("What is ZZZT trading at?", "price", "ZZZT", unknown="ZZZT"),
    case("$XYZQ price", "price", "XYZQ", unknown="XYZQ"),
    case("Price of the S&P 500 and the Nasdaq 100", "price", "SPY QQQ"),
]

DAYS = [
    case(
        "What was the high and low of GOOG on Feb 15, 2013?",
        "ohlc",
        "GOOG",
        day="2013-02-15",
    ),
    case("AAPL close on 2013-02-15", "ohlc", "AAPL", day="2013-02-15"),
    case("AAPL price on 2/15/2013", "ohlc", "AAPL", day="2013-02-15"),
    case(
        "What's the previous week's Friday close for AAPL?",
        "ohlc",
        "AAPL",
        day="2013-02-22",
    ),
    case("AAPL close last Friday", "ohlc", "AAPL", day="2013-02-22"),
    case(
        "What was IBM's closing price on December 20?",
        "ohlc",
        "IBM",
        day="2012-12-20",
    ),
    case("What was AAPL's price a week ago?", "ohlc", "AAPL", day="2013-02-22"),
    case("IBM on Tuesday", "ohlc", "IBM", day="2013-02-26"),
]

PERFORMANCE = [
    case("How has Nvidia performed year to date?", "performance", "NVDA", period=YTD),
    case("tsla ytd return", "performance", "TSLA", period=YTD),
    case(
        "What was MSFT's return last month?",
        "performance",
        "MSFT",
        period=("2013-02-01", "2013-02-28"),
    ),
    case("How did IBM do since January?", "performance", "IBM", period=YTD),
    case(
        "IBM from 2013-01-02 to 2013-02-01",
        "performance",
        "IBM",
        period=("2013-01-02", "2013-02-01"),
    ),
    case(
        "msft change between jan 2 and feb 1",
        "performance",
        "MSFT",
        period=("2013-01-02", "2013-02-01"),
    ),
    case("AAPL performance in 2012", "performance", "AAPL", period=YEAR_2012),
    case("AAPL last year", "performance", "AAPL", period=YEAR_2012),
    case(
        "How much did Apple gain over the past year?",
        "performance",
        "AAPL",
        period=("2012-03-01", "2013-03-01"),
    ),
    case(
        "msft past 7 days",
        "performance",
        "MSFT",
        period=("2013-02-22", "2013-03-01"),
    ),
    case("How did the market do last week?", "performance", "SPY", period=LAST_WEEK),
    case("Is AAPL up or down this week?", "performance", "AAPL", period=THIS_WEEK),
]

BARS = [
    case(
        "Show me IBM candles for the past 2 weeks",
        "bars",
        "IBM",
        period=("2013-02-15", "2013-03-01"),
    ),
    case(
        "OHLC for AAPL for the last 5 days",
        "bars",
        "AAPL",
        period=LAST_5_SESSIONS,
        sessions=5,
    ),
    case(
        "Show AAPL daily prices for February",
        "bars",
        "AAPL",
        period=("2013-02-01", "2013-02-28"),
    ),
    case(
        "show me spy's daily candles, last 10 sessions",
        "bars",
        "SPY",
        period=("2013-02-18", "2013-03-01"),
        sessions=10,
    ),
    case(
        "IBM chart past 6 months",
        "bars",
        "IBM",
        period=("2012-09-01", "2013-03-01"),
    ),
]

INDICATORS = [
    case("What is the RSI of IBM", "indicators", "IBM", indicators="rsi"),
    case("aapl's rsi", "indicators", "AAPL", indicators="rsi"),
    case("MSFT's macd and rsi", "indicators", "MSFT", indicators="macd rsi"),
    case(
        "What's the 50 day moving average of SPY",
        "indicators",
        "SPY",
        indicators="sma50",
    ),
    case("AAPL sma50 and sma200", "indicators", "AAPL", indicators="sma50 sma200"),
    case(
        "Show me the 10, 20 and 50 day EMAs for NVDA",
        "indicators",
        "NVDA",
        indicators="ema10 ema20 ema50",
    ),
    case(
        "NFLX moving averages",
        "indicators",
        "NFLX",
        indicators="sma20 sma50 sma200",
    ),
    case("20-day EMA for Tesla", "indicators", "TSLA", indicators="ema20"),
    case("14-day RSI for AAPL", "indicators", "AAPL", indicators="rsi"),
    case("technical analysis of intel", "indicators", "INTC"),
    case("Is AMD overbought?", "indicators", "AMD"),
]

LEVELS_AND_VOLUME = [
    case("Key levels for SPY", "support_resistance", "SPY"),
    case("What are the support levels on the S&P 500?", "support_resistance", "SPY"),
    case("Where is resistance for Nvidia?", "support_resistance", "NVDA"),
    case(
        "How much volume did AAPL trade yesterday?",
        "volume",
        "AAPL",
        period=("2013-02-28", "2013-02-28"),
    ),
    case(
        "What's the trading volume for Netflix this week?",
        "volume",
        "NFLX",
        period=THIS_WEEK,
    ),
    case("Microsoft's volume and price", "volume price", "MSFT"),
]

OPTIONS = [
    case("When do IBM options expire?", "expirations", "IBM"),
    case("What expirations are available for AAPL?", "expirations", "AAPL"),
    case(
        "What's the nearest expiration for AAPL?",
        "expirations",
        "AAPL",
        expiration=("nearest", None),
    ),
    case("I want AAPL puts", "options_chain", "AAPL", side="put"),
    case("Show me the options chain for MSFT", "options_chain", "MSFT"),
    case("Show MSFT calls and puts", "options_chain", "MSFT"),
    case(
        "AAPL calls expiring March 15",
        "options_chain",
        "AAPL",
        side="call",
        expiration=("date", "2013-03-15"),
    ),
    case(
        "AAPL options expiring this week",
        "options_chain",
        "AAPL",
        expiration=("this_week", "2013-03-01"),
    ),
    case(
        "GOOG puts next week",
        "options_chain",
        "GOOG",
        side="put",
        expiration=("next_week", "2013-03-08"),
    ),
    case(
        "TSLA call options for the front month",
        "options_chain",
        "TSLA",
        side="call",
        expiration=("nearest", None),
    ),
    case(
        "AAPL options expiring in April",
        "options_chain",
        "AAPL",
        expiration=("month", "2013-04-01"),
    ),
    case(
        "What's the open interest on AAPL calls?",
        "options_chain",
        "AAPL",
        side="call",
    ),
]

MARKET_AND_COMPARE = [
    case("Is the stock market closed today?", "market_status", day="2013-03-01"),
    case("What are market hours?", "market_status"),
    case("Is the NYSE open on Monday?", "market_status", day="2013-03-04"),
    case("How did the market close yesterday?", "ohlc", "SPY", day="2013-02-28"),
    case("AAPL vs MSFT", "compare", "AAPL MSFT"),
    case(
        "Which did better last week, Apple or Microsoft?",
        "compare",
        "AAPL MSFT",
        period=LAST_WEEK,
    ),
    case("Compare Apple to Microsoft", "compare", "AAPL MSFT"),
    case(
        "AAPL and MSFT performance over the past 3 months",
        "compare",
        "AAPL MSFT",
        period=("2012-12-01", "2013-03-01"),
    ),
    case(
        "How did QQQ and SPY do vs each other over the last quarter?",
        "compare",
        "QQQ SPY",
        period=("2012-10-01", "2012-12-31"),
    ),
    case(
        "Compare the RSI of AAPL and MSFT",
        "indicators",
        "AAPL MSFT",
        indicators="rsi",
    ),
]

HELP_AND_TRAPS = [
    case("Hello!", "help"),
    case("tell me a joke", "help"),
    case("", "help"),
    case("   ", "help"),
    case("asdf qwerty", "help"),
    case("How are you doing?", "help"),
    case("What is the weather in NYC?", "help"),
    case("Is IT a good time to buy?", "help"),
    case("Is IT a good time to buy AAPL?", "price", "AAPL"),
    case("A vs B", "help"),
    case("gm everyone", "help"),
    case("What's the price?", "price"),
    case("WHAT IS THE PRICE OF ZZZT", "price"),
    case("Is ON a buy? What's the USA ETF at?", "help"),
    case("What does the CEO of Costco think about COST?", "price", "COST"),
]


ALL_TIME = ("1970-01-01", "2013-03-01")
PAST_52_WEEKS = ("2012-03-02", "2013-03-01")
PAST_YEAR = ("2012-03-01", "2013-03-01")
Q4_2012 = ("2012-10-01", "2012-12-31")

NAMED_DAYS = [
    case("AAPL the day before yesterday", "ohlc", "AAPL", day="2013-02-27"),
    case("AAPL close on Christmas 2012", "ohlc", "AAPL", day="2012-12-25"),
    case("AAPL close on Christmas Day, 2011", "ohlc", "AAPL", day="2011-12-25"),
    case("AAPL close on Christmas", "ohlc", "AAPL", day="2012-12-25"),
    case("AAPL close on New Year's Day", "ohlc", "AAPL", day="2013-01-01"),
    case("AAPL close on Independence Day", "ohlc", "AAPL", day="2012-07-04"),
    case("AAPL close on July 4th", "ohlc", "AAPL", day="2012-07-04"),
    case("AAPL close on the fourth of July", "ohlc", "AAPL", day="2012-07-04"),
    case("AAPL close on Thanksgiving 2012", "ohlc", "AAPL", day="2012-11-22"),
    case("AAPL close on Good Friday", "ohlc", "AAPL", day="2012-04-06"),
]

QUARTERS_AND_STRETCHES = [
    case("AAPL performance Q4 2012", "performance", "AAPL", period=Q4_2012),
    case("AAPL in the fourth quarter of 2012", "performance", "AAPL", period=Q4_2012),
    case("AAPL 4th qtr 2012", "performance", "AAPL", period=Q4_2012),
    case("AAPL Q4", "performance", "AAPL", period=Q4_2012),
    case("AAPL Q1", "performance", "AAPL", period=("2013-01-01", "2013-03-01")),
    case("AAPL 1 quarter ago", "ohlc", "AAPL", day="2012-12-01"),
    case("GOOG performance since IPO", "performance", "GOOG", period=ALL_TIME),
    case("GOOG since inception", "performance", "GOOG", period=ALL_TIME),
    case("AAPL all time", "performance", "AAPL", period=ALL_TIME),
    case("AAPL all-time performance", "performance", "AAPL", period=ALL_TIME),
    case("AAPL all-time high", "performance", "AAPL", period=ALL_TIME),
    case("msft 52 week high", "performance", "MSFT", period=PAST_52_WEEKS),
    case("msft 52-week range", "performance", "MSFT", period=PAST_52_WEEKS),
    case("MSFT 52 week low", "performance", "MSFT", period=PAST_52_WEEKS),
    case("AAPL year high", "performance", "AAPL", period=PAST_YEAR),
    case("AAPL yearly high", "performance", "AAPL", period=PAST_YEAR),
]

IMPOSSIBLE_DATES = [
    case(
        "AAPL close on 2013-02-30",
        "ohlc",
        "AAPL",
        problems=("2013-02-30 is not a date.",),
    ),
    case(
        "AAPL close on February 30",
        "ohlc",
        "AAPL",
        problems=("February 30 is not a date.",),
    ),
    case(
        "AAPL close on 2013-13-45",
        "ohlc",
        "AAPL",
        problems=("2013-13-45 is not a date.",),
    ),
    case(
        "AAPL close on 2/30/2013",
        "ohlc",
        "AAPL",
        problems=("2/30/2013 is not a date.",),
    ),
    case(
        "AAPL close on Friday, February 30, 2013",
        "ohlc",
        "AAPL",
        problems=("February 30 2013 is not a date.",),
    ),
]

MARKET_STATUS_DAYS = [
    case("Was the market open on 2013-02-18?", "market_status", day="2013-02-18"),
    case("Is the market open tomorrow?", "market_status", day="2013-03-04"),
    case(
        "was the stock market closed on July 4 2012",
        "market_status",
        day="2012-07-04",
    ),
    case("Was the market open on Christmas?", "market_status", day="2012-12-25"),
    case("Is the market open on Good Friday?", "market_status", day="2013-03-29"),
    case("Was the NYSE closed yesterday?", "market_status", day="2013-02-28"),
    case("Did the market open higher yesterday?", "ohlc", "SPY", day="2013-02-28"),
]

TYPOS_AND_NOISE = [
    case(
        "aple stock price",
        "price",
        "AAPL",
        problems=("Assuming you meant Apple (AAPL).",),
    ),
    case(
        "microsft",
        "price",
        "MSFT",
        problems=("Assuming you meant Microsoft (MSFT).",),
    ),
    case(
        "compare aple and MSFT",
        "compare",
        "AAPL MSFT",
        problems=("Assuming you meant Apple (AAPL).",),
    ),
    case(
        "APPL price",
        "price",
        "APPL",
        unknown="APPL",
        problems=("Did you mean AAPL instead of APPL?",),
    ),
    case("metal prices", "price"),
    case("How are apples priced?", "price"),
    case("googel price", "price"),
    case("AAPL'; DROP TABLE messages;-- price", "performance", "AAPL"),
    case("SELECT AAPL FROM WHERE price", "price", "AAPL"),
    case("$TABLE price", "price", "TABLE", unknown="TABLE"),
]

RANKINGS = [
    case(
        "What was the best performing stock last week?",
        "compare",
        period=LAST_WEEK,
        all_tickers=True,
    ),
    case(
        "which stock did best this month",
        "compare",
        period=("2013-03-01", "2013-03-01"),
        all_tickers=True,
    ),
    case("top gainers in 2012", "compare", period=YEAR_2012, all_tickers=True),
    case("What is the best time to buy stocks?", "help"),
]

WINDOWS = [
    case("RSI(2) for MSFT", "indicators", "MSFT", indicators="rsi2"),
    case("AAPL RSI 14", "indicators", "AAPL", indicators="rsi"),
    case(
        "MSFT 10000-day moving average",
        "indicators",
        "MSFT",
        indicators="sma10000",
    ),
    case(
        "SPY 20/50/200-day moving averages",
        "indicators",
        "SPY",
        indicators="sma20 sma50 sma200",
    ),
    case("MSFT SMA 2012", "indicators", "MSFT", indicators="sma20 sma50 sma200"),
]

YEAR_52_WEEKS = ("2012-03-02", "2013-03-01")

CLOSING_EXTREMES = [
    case(
        "What was the highest close of AAPL in 2012?",
        "highest_close",
        "AAPL",
        period=YEAR_2012,
    ),
    case(
        "What was the lowest close of MSFT in 2012?",
        "lowest_close",
        "MSFT",
        period=YEAR_2012,
    ),
    case(
        "AAPL highest closing price in 2012", "highest_close", "AAPL", period=YEAR_2012
    ),
    case("AAPL max close in 2012", "highest_close", "AAPL", period=YEAR_2012),
    case(
        "minimum closing price of IBM last year",
        "lowest_close",
        "IBM",
        period=YEAR_2012,
    ),
    case(
        "When did AAPL close highest in 2012?",
        "highest_close",
        "AAPL",
        period=YEAR_2012,
    ),
    case(
        "What day did MSFT close at its lowest last year?",
        "lowest_close",
        "MSFT",
        period=YEAR_2012,
    ),
    case("AAPL closing high in 2012", "highest_close", "AAPL", period=YEAR_2012),
    case(
        "highest and lowest close of IBM in 2012",
        "highest_close lowest_close",
        "IBM",
        period=YEAR_2012,
    ),
    case("AAPL 52-week closing high", "highest_close", "AAPL", period=YEAR_52_WEEKS),
    case("AAPL 52 week low close", "lowest_close", "AAPL", period=YEAR_52_WEEKS),
    case("AAPL highest close", "highest_close", "AAPL"),
    case(
        "compare AAPL and MSFT highest close in 2012",
        "highest_close",
        "AAPL MSFT",
        period=YEAR_2012,
    ),
    # Without "close", a high or low is the intraday one.
    case("AAPL 52-week high", "performance", "AAPL", period=YEAR_52_WEEKS),
    case("AAPL high in 2012", "bars", "AAPL", period=YEAR_2012),
    case("Did AAPL close at the high yesterday?", "ohlc", "AAPL", day="2013-02-28"),
]


@pytest.mark.parametrize(
    ("question", "expected"),
    EXAMPLES
    + PRICES
    + DAYS
    + PERFORMANCE
    + BARS
    + INDICATORS
    + LEVELS_AND_VOLUME
    + OPTIONS
    + MARKET_AND_COMPARE
    + HELP_AND_TRAPS
    + NAMED_DAYS
    + QUARTERS_AND_STRETCHES
    + IMPOSSIBLE_DATES
    + MARKET_STATUS_DAYS
    + TYPOS_AND_NOISE
    + RANKINGS
    + WINDOWS
    + CLOSING_EXTREMES,
)
def test_reads_question(question: str, expected: dict[str, Any]) -> None:
    """Each phrasing yields the intents, tickers and dates a person means."""
    assert summary(parse(question, FRIDAY)) == expected


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        pytest.param(
            "What is the price of IBM?",
            "and its RSI?",
            expect("indicators", "IBM", indicators="rsi", follow_up=True),
            id="and its RSI",
        ),
        pytest.param(
            "How did MSFT do last week?",
            "and IBM?",
            expect("performance", "IBM", period=LAST_WEEK),
            id="and IBM",
        ),
        pytest.param(
            "How did MSFT do last week?",
            "what about volume?",
            expect("volume", "MSFT", period=LAST_WEEK, follow_up=True),
            id="what about volume",
        ),
        pytest.param(
            "IBM volume last week",
            "and last month?",
            expect(
                "volume", "IBM", period=("2013-02-01", "2013-02-28"), follow_up=True
            ),
            id="and last month",
        ),
        pytest.param(
            "AAPL puts for the nearest expiration",
            "what about calls?",
            expect(
                "options_chain",
                "AAPL",
                side="call",
                expiration=("nearest", None),
                follow_up=True,
            ),
            id="what about calls",
        ),
        pytest.param(
            "AAPL puts for the nearest expiration",
            "and for MSFT?",
            expect("options_chain", "MSFT", side="put", expiration=("nearest", None)),
            id="and for MSFT",
        ),
        pytest.param(
            "RSI for IBM",
            "compare it with MSFT",
            expect("compare", "IBM MSFT", follow_up=True),
            id="compare it with MSFT",
        ),
        pytest.param(
            "AMD price",
            "and support levels?",
            expect("support_resistance", "AMD", follow_up=True),
            id="and support levels",
        ),
        pytest.param(
            "RSI and MACD for IBM",
            "same for MSFT",
            expect("indicators", "MSFT", indicators="rsi macd"),
            id="same for MSFT",
        ),
        pytest.param(
            "What did AAPL close at yesterday?",
            "what about MSFT?",
            expect("ohlc", "MSFT", day="2013-02-28"),
            id="what about MSFT",
        ),
        pytest.param(
            "What is ZZZT trading at?",
            "and its volume?",
            expect("volume", "ZZZT", unknown="ZZZT", follow_up=True),
            id="unknown carried",
        ),
        pytest.param(
            "How did MSFT do last week?",
            "thanks!",
            expect("help"),
            id="thanks",
        ),
        pytest.param(
            "What was the highest close of AAPL in 2012?",
            "and MSFT?",
            expect("highest_close", "MSFT", period=YEAR_2012),
            id="highest close, and MSFT",
        ),
        pytest.param(
            "Is the market open?",
            "and AAPL?",
            expect("price", "AAPL"),
            id="after market status",
        ),
    ],
)
def test_follow_ups(first: str, second: str, expected: dict[str, Any]) -> None:
    """A question read after another borrows what it leaves out."""
    previous = parse(first, FRIDAY)
    assert summary(parse(second, FRIDAY, previous)) == expected


@pytest.mark.parametrize(
    ("question", "today", "expected"),
    [
        pytest.param(
            "What did AAPL close at yesterday?",
            MONDAY,
            expect("ohlc", "AAPL", day="2013-02-22"),
            id="yesterday on a Monday",
        ),
        pytest.param(
            "How did MSFT do last week?",
            MONDAY,
            expect("performance", "MSFT", period=LAST_WEEK),
            id="last week on a Monday",
        ),
        pytest.param(
            "GOOG calls expiring next Friday",
            MONDAY,
            expect(
                "options_chain",
                "GOOG",
                side="call",
                expiration=("next_weekday", "2013-03-01"),
            ),
            id="next Friday on a Monday",
        ),
        pytest.param(
            "IBM performance last month",
            MONTH_START,
            expect("performance", "IBM", period=("2013-03-01", "2013-03-31")),
            id="last month at a month start",
        ),
        pytest.param(
            "IBM volume this month",
            MONTH_START,
            expect("volume", "IBM", period=("2013-04-01", "2013-04-01")),
            id="this month at a month start",
        ),
        pytest.param(
            "AAPL ytd",
            YEAR_START,
            expect("performance", "AAPL", period=("2013-01-01", "2013-01-02")),
            id="ytd at a year start",
        ),
        pytest.param(
            "AAPL close on December 31",
            YEAR_START,
            expect("ohlc", "AAPL", day="2012-12-31"),
            id="december at a year start",
        ),
    ],
)
def test_other_todays(question: str, today: date, expected: dict[str, Any]) -> None:
    """Relative dates move with the data's latest day."""
    assert summary(parse(question, today)) == expected


def test_plan_keeps_question_and_period_label() -> None:
    """The plan carries the question and the period's name for the answer."""
    plan = parse("How did MSFT do last week?", FRIDAY)
    assert plan.question == "How did MSFT do last week?"
    assert plan.period is not None and plan.period.label == "last week"


def test_expiration_label_names_the_phrase() -> None:
    """An expiration choice is labelled the way the question said it."""
    plan = parse("Show GOOG call options expiring next Friday", FRIDAY)
    assert plan.expiration is not None and plan.expiration.label == "next Friday"


def test_market_question_without_ticker_needs_one() -> None:
    """'What is the RSI?' keeps its intent and asks for a ticker."""
    plan = parse("What is the RSI?", FRIDAY)
    assert (plan.intents, plan.tickers, plan.needs_ticker) == (
        (Intent.INDICATORS,),
        (),
        True,
    )


def test_help_and_market_status_need_no_ticker() -> None:
    """Neither a greeting nor 'is the market open' asks for a ticker."""
    assert not parse("hi", FRIDAY).needs_ticker
    assert not parse("Is the market open?", FRIDAY).needs_ticker


def test_ranking_ignores_the_previous_tickers() -> None:
    """'Which stock did best?' after an AAPL question ranks every ticker."""
    previous = parse("AAPL price", FRIDAY)
    plan = parse("which stock did best last week?", FRIDAY, previous)
    assert (plan.intents, plan.tickers, plan.all_tickers) == (
        (Intent.COMPARE,),
        (),
        True,
    )


def test_ranking_needs_no_ticker() -> None:
    """A comparison of every ticker does not ask the user to name one."""
    assert not parse("top gainers last week", FRIDAY).needs_ticker


@pytest.mark.parametrize(
    "word",
    ["TABLE", "DROP", "SELECT", "FROM", "WHERE", "PRICE"]
    + ["CLOSE", "OPEN", "HIGH", "LOW", "CALL", "PUT"],
)
def test_capitalised_english_words_are_not_tickers(word: str) -> None:
    """Shouted English words, SQL keywords among them, never become symbols."""
    assert parse(f"AAPL {word} price", FRIDAY).tickers == ("AAPL",)


def test_every_extreme_names_a_whole_time_phrase() -> None:
    """'52-week high' and the like map to phrases the time rules read whole."""
    for phrase in lexicon.EXTREMES.values():
        assert timephrases.named(phrase, FRIDAY).label == phrase


def test_every_closing_extreme_stretch_is_a_whole_time_phrase() -> None:
    """'52-week closing high' and the like name a stretch the time rules read."""
    stretches = {stretch for _, stretch in lexicon.CLOSING_EXTREMES.values()}
    for phrase in stretches - {None}:
        assert timephrases.named(phrase, FRIDAY).label == phrase


def test_a_named_day_is_one_day_and_a_stretch_is_not() -> None:
    """'yesterday' names one day; 'this month' on the 1st holds one but is not one."""
    yesterday = parse("volume for IBM yesterday", FRIDAY).period
    this_month = parse("FB volume trend this month", FRIDAY).period
    assert yesterday is not None and yesterday.one_day
    assert this_month is not None and not this_month.one_day
    assert (this_month.start, this_month.end) == (FRIDAY, FRIDAY)


def test_a_follow_up_keeps_a_named_day() -> None:
    """'and MSFT?' after a volume question about yesterday is still about one day."""
    previous = parse("volume for IBM yesterday", FRIDAY)
    period = parse("and MSFT?", FRIDAY, previous).period
    assert period is not None and period.one_day
