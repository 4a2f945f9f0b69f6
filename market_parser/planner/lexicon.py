"""The parser's vocabulary: everyday words, intent words, indicators, time words.

Company names and symbols are in `companies`, holiday names in `holidays`.
Phrase tables (`Table`) are read longest phrase first, so "option prices" wins
over "prices".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Still importable from here, where code read them before they moved to `companies`.
from market_parser.planner.companies import ALL_SYMBOLS as ALL_SYMBOLS
from market_parser.planner.companies import COMPANIES as COMPANIES
from market_parser.planner.companies import KNOWN_SYMBOLS as KNOWN_SYMBOLS
from market_parser.planner.holidays import HOLIDAYS
from market_parser.planner.plan import Intent
from market_parser.planner.tables import Table, word_set

# Capitalised words that are not tickers however they look.
ACRONYMS = word_set("""
    rsi macd sma ema dma ohlc ohlcv etf etfs ceo cfo cto coo usa us uk eu ipo eps
    pe peg ath atl ytd mtd qtd wtd ttm nyse nasdaq ai api faq usd eur gbp jpy gdp
    cpi ppi fed fomc sec irs ira roi eod est edt et pt pst utc gmt am pm ok lol
    fyi asap imo imho tldr btw dd ta fa iv otm itm atm nyc la sf dc ny tv pc pr
    hr hq vix ma mas emas smas id
    """)

# English words that a question may shout; they are never read as tickers.
ENGLISH = word_set("""
    a i an the is it its be am are was were been do did does done doing have has
    had of on in at to for by with from into onto over under up down out off
    about as and or nor not no yes so if then than that this these those there
    here what which who whom whose why how when where all any some each every
    both few more most much many my me mine your yours our ours us we you he
    she him her his they them their can could will would shall should may might
    must let get got go goes going went see show tell give want need know think
    like just now new old good bad best better worst top big small hot cold
    buy sell hold long short call put ask bid stock stocks share shares please
    thanks thank hi hello hey help ok okay yo wow lol omg why today tomorrow
    again also too very really only still even ever never next last past first
    one two three four five six seven eight nine ten time day week month year
    price open close high low key note look check find give me via per vs etc
    free fast safe sure true false real big dow run win lose gain fun zero
    table tables select insert update delete drop values null union join order
    group limit script exec admin user users
    """)

# Words that place an unlisted capitalised word in a market question.
MARKET_CONTEXT = word_set("""
    stock stocks share shares ticker tickers symbol symbols company equity etf
    fund buy sell invest investing holding position
    """)

# Words that point back at the previous question's tickers.
PRONOUNS = word_set("it its they them their those these both same")

# A capitalised word after these is a place or a thing, not a ticker ("in NYC").
NOT_BEFORE_TICKER = word_set("the a an my your our this that in at near")


@dataclass(frozen=True)
class Cue:
    """What an intent word says: the intent, how sure, and an option side."""

    intent: Intent
    strong: bool = True
    side: Literal["call", "put"] | None = None


def _cues(
    intent: Intent,
    phrases: str,
    strong: bool = True,
    side: Literal["call", "put"] | None = None,
) -> dict[str, Cue]:
    cue = Cue(intent, strong, side)
    return {phrase.strip(): cue for phrase in phrases.split(",")}


# A weak cue ("how did", "trading") counts only when no strong cue is present:
# "how is AAPL's volume" asks about volume, not performance.
CUES: Table[Cue] = Table(
    {
        **_cues(
            Intent.PRICE,
            """price, prices, stock price, share price, quote, quotes, trading at,
            trade at, trades at, last price, current price, priced""",
        ),
        **_cues(
            Intent.PRICE,
            """trading, trade, trades, value, worth, how much, cost, costs,
            going for, sitting at""",
            strong=False,
        ),
        **_cues(
            Intent.OHLC,
            """ohlc, open, opened, opening, opening price, close, closed, closing,
            closing price, close price, closes""",
        ),
        **_cues(
            Intent.OHLC,
            "high, low, highs, lows, range, day range, intraday",
            strong=False,
        ),
        **_cues(
            Intent.BARS,
            """bars, bar, daily bars, candles, candle, candlesticks, candlestick,
            price history, historical prices, historical data, history,
            daily prices, chart, charts, ohlcv""",
        ),
        **_cues(
            Intent.PERFORMANCE,
            """performance, perform, performed, performing, return, returns,
            returned, gain, gains, gained, lose, lost, loss, losses, change,
            changes, changed, percent change, move, moves, moved, movement, rise,
            rose, risen, fall, fell, fallen, drop, dropped, rally, rallied,
            up or down, went up, went down, go up, go down""",
        ),
        **_cues(
            Intent.PERFORMANCE,
            """how did, how has, how have, how is, how was, how does, how are,
            doing, do, did, trend, trending, up, down""",
            strong=False,
        ),
        **_cues(
            Intent.INDICATORS,
            """technical analysis, technicals, technical, indicators, indicator,
            technical indicators, oscillator, momentum, overbought, oversold,
            golden cross, death cross""",
        ),
        **_cues(
            Intent.SUPPORT_RESISTANCE,
            """support, resistance, support levels, resistance levels, key levels,
            levels, level, price levels, price level, pivot, pivots, pivot points,
            floor, ceiling""",
        ),
        **_cues(
            Intent.VOLUME,
            """volume, volumes, trading volume, volume trend, shares traded,
            how many shares, liquidity, average volume""",
        ),
        **_cues(
            Intent.EXPIRATIONS,
            """expiration, expirations, expiration date, expiration dates, expiry,
            expiries, expiry dates, expire, expires, expiring, expiration cycle,
            expiration cycles""",
        ),
        **_cues(
            Intent.OPTIONS_CHAIN,
            "call, calls, call option, call options",
            side="call",
        ),
        **_cues(Intent.OPTIONS_CHAIN, "put, puts, put option, put options", side="put"),
        **_cues(
            Intent.OPTIONS_CHAIN,
            """options chain, option chain, chain, chains, option prices,
            options prices, strike, strikes, strike prices, premium, premiums,
            open interest, implied volatility, greeks""",
        ),
        **_cues(Intent.OPTIONS_CHAIN, "option, options, contracts", strong=False),
        **_cues(
            Intent.COMPARE,
            """compare, compared, comparing, comparison, vs, versus, v, against,
            relative to, better, best, worse, worst, outperform, outperformed,
            outperforming, underperform, underperformed, beat, side by side,
            head to head""",
        ),
        **_cues(
            Intent.MARKET_STATUS,
            """market hours, trading hours, market status, trading day,
            market holiday, holiday, holidays""",
        ),
    }
)

# Words that make a question look ahead in time (expirations are in the future).
OPTION_WORDS = word_set("""
    call calls put puts option options chain expiration expirations expiry
    expiries expire expires expiring strike strikes
    """)

# "Is the market open": a market word and a status word anywhere in the question.
MARKET_WORDS = word_set("market markets exchange exchanges nyse nasdaq")
STATUS_WORDS = word_set(
    "open opens opened closed close closes closing hours holiday holidays status"
)
# About a past day, only "was the market open/closed" asks for the status;
# "how did the market close" asks for prices.
PAST_WORDS = word_set("was were did had")
BE_WORDS = word_set("is was were are be")
STATE_WORDS = word_set("open closed shut holiday")

# "Which stock did best?": a ranking of every ticker, not one of them.
SUPERLATIVES = word_set("best worst top")
STOCK_NOUNS = word_set("stock stocks ticker tickers symbol symbols company companies")
RANKED_NOUNS = word_set("gainer gainers loser losers performer performers")
# Words that make a superlative before them rank stocks ("best performing").
RANKED = STOCK_NOUNS | RANKED_NOUNS | word_set("performing performance one ones")
WHICH = word_set("which what")

# Indicator names, to their base; numbers around them choose the window.
INDICATORS: Table[str] = Table(
    {
        "rsi": "rsi",
        "relative strength index": "rsi",
        "relative strength": "rsi",
        "macd": "macd",
        "moving average convergence divergence": "macd",
        "sma": "sma",
        "smas": "sma",
        "simple moving average": "sma",
        "simple moving averages": "sma",
        "moving average": "sma",
        "moving averages": "sma",
        "ma": "sma",
        "mas": "sma",
        "dma": "sma",
        "ema": "ema",
        "emas": "ema",
        "exponential moving average": "ema",
        "exponential moving averages": "ema",
    }
)
# Windows for "moving averages" that name none.
DEFAULT_AVERAGES = (20, 50, 200)
# Words allowed between a window number and its indicator ("50-day SMA").
WINDOW_UNITS = word_set("day days d period periods")
LIST_JOINERS = word_set("and & or")

_NEAR = ("nearest", "next", "closest", "soonest", "upcoming", "earliest", "first")
_EXPIRY = ("expiration", "expiry", "expiration date", "expiry date", "date")
# Phrases for "the first expiration from today".
NEAREST_EXPIRY: Table[str] = Table(
    {
        **{f"{adj} {noun}": "nearest" for adj in _NEAR for noun in _EXPIRY},
        "front month": "nearest",
        "nearest": "nearest",
        "closest": "nearest",
        "soonest": "nearest",
    }
)


WEEKDAYS: dict[str, int] = {
    **{"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4},
    **{"saturday": 5, "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2},
    **{"thu": 3, "thur": 3, "thurs": 3, "fri": 4},
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
WEEKDAY_NAMES += ("Sunday",)

MONTHS: dict[str, int] = {
    **{"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6},
    **{"july": 7, "august": 8, "september": 9, "october": 10, "november": 11},
    **{"december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7},
    **{"aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12},
}
MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July")
MONTH_NAMES += ("August", "September", "October", "November", "December")
# "may" is a month only next to a day number or after one of these words.
MONTH_LEADS = word_set("in since from until till through during of for to")

Unit = Literal["day", "session", "week", "month", "quarter", "year"]
UNITS: Table[Unit] = Table(
    {
        **{"day": "day", "days": "day", "session": "session", "sessions": "session"},
        **{"trading day": "session", "trading days": "session"},
        **{"trading session": "session", "trading sessions": "session"},
        **{"business day": "session", "business days": "session"},
        **{"market day": "session", "market days": "session"},
        **{"week": "week", "weeks": "week", "wk": "week", "wks": "week"},
        **{"month": "month", "months": "month", "mo": "month", "mos": "month"},
        **{"quarter": "quarter", "quarters": "quarter", "qtr": "quarter"},
        **{"year": "year", "years": "year", "yr": "year", "yrs": "year"},
    }
)

# "last" and "previous" name the calendar unit before this one; "past" and
# "trailing" a rolling stretch that ends today.
Relative = Literal["last", "past", "this", "next"]
RELATIVES: dict[str, Relative] = {
    **dict.fromkeys(("last", "previous", "prior"), "last"),
    **dict.fromkeys(("past", "trailing", "recent", "over"), "past"),
    **dict.fromkeys(("this", "current"), "this"),
    **dict.fromkeys(("next", "coming", "upcoming"), "next"),
}

NUMBER_WORDS: dict[str, int] = {
    **{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7},
    **{"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12},
    **{"couple": 2, "few": 3},
}

# Days named by words, as a count of weekdays from today.
DAY_WORDS: Table[int] = Table(
    {
        **{"today": 0, "yesterday": -1, "tomorrow": 1},
        **{"day before yesterday": -2, "the day before yesterday": -2},
        **{"day after tomorrow": 2, "the day after tomorrow": 2},
    }
)
QUARTER_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4}

# Phrases for everything the data holds; the value is the span's label.
_SINCE_START = ("ipo", "the ipo", "its ipo", "inception", "its inception", "listing")
ALL_TIME: Table[str] = Table(
    {"all time": "all time", **{f"since {s}": "all time" for s in _SINCE_START}}
)

# "52-week high" and "all-time high" ask for the extremes over a stretch, which
# a performance answer reports; each maps to that stretch as a time phrase.
_STRETCHES = {
    "all time": "all time",
    **dict.fromkeys(("52 week", "52 wk", "fifty two week"), "past 52 weeks"),
    **dict.fromkeys(("year", "yearly", "annual", "12 month"), "past year"),
}
_EXTREMES = ("high", "highs", "low", "lows", "range", "high and low", "highs and lows")
EXTREMES: Table[str] = Table(
    {
        f"{stretch} {extreme}": phrase
        for stretch, phrase in _STRETCHES.items()
        for extreme in _EXTREMES
    }
)

# "Highest close", "closed at its lowest", "52-week closing high": the highest
# or lowest closing price over a stretch, where plain "high" and "low" mean the
# intraday extremes. Each maps to the side ("high", "low" or "both") and the
# stretch it names, if any. "Close high" stays out: it is also "close and high".
ClosingSide = Literal["high", "low", "both"]
_SUPERLATIVE = {
    **dict.fromkeys(("highest", "max", "maximum", "peak"), "high"),
    **dict.fromkeys(("lowest", "min", "minimum"), "low"),
}
_CLOSE_NOUNS = ("close", "closes", "closing", "daily close", "closing level")
_CLOSE_NOUNS += ("closing price", "closing prices", "close price")
_CLOSE_VERBS = ("close", "closed", "closes", "closing")
_BEFORE_SUPERLATIVE = ("", "at its ", "at the ", "at ", "the ")
_CLOSING_EXTREMES: dict[str, tuple[ClosingSide, str | None]] = {
    **{
        f"{word} {noun}": (side, None)
        for word, side in _SUPERLATIVE.items()
        for noun in _CLOSE_NOUNS
    },
    **{
        f"{verb} {filler}{word}": (side, None)
        for verb in _CLOSE_VERBS
        for filler in _BEFORE_SUPERLATIVE
        for word, side in _SUPERLATIVE.items()
    },
    **{
        f"{a} and {b} {noun}": ("both", None)
        for noun in _CLOSE_NOUNS
        for a, b in (("highest", "lowest"), ("lowest", "highest"))
    },
    **dict.fromkeys(("closing high", "closing highs"), ("high", None)),
    **dict.fromkeys(("closing low", "closing lows"), ("low", None)),
    **dict.fromkeys(("closing high and low", "closing highs and lows"), ("both", None)),
    **{
        f"{stretch} {form}": (word, phrase)
        for stretch, phrase in _STRETCHES.items()
        for word in ("high", "low")
        for form in (f"closing {word}", f"{word} close")
    },
}
CLOSING_EXTREMES: Table[tuple[ClosingSide, str | None]] = Table(_CLOSING_EXTREMES)

# Shorthands for a relative phrase: (relative, count, unit).
TIME_ALIASES: Table[tuple[Relative, int | None, Unit]] = Table(
    {
        "ytd": ("this", None, "year"),
        "year to date": ("this", None, "year"),
        "mtd": ("this", None, "month"),
        "month to date": ("this", None, "month"),
        "qtd": ("this", None, "quarter"),
        "quarter to date": ("this", None, "quarter"),
        "wtd": ("this", None, "week"),
        "week to date": ("this", None, "week"),
        "ttm": ("past", 12, "month"),
        "trailing twelve months": ("past", 12, "month"),
    }
)
RANGE_STARTS = word_set("from between")
RANGE_JOINERS = word_set("to through thru until till and")
YEAR_LEADS = word_set("in during for since from of")

# Every word some table knows: a capitalised one is vocabulary, not a ticker.
KEYWORDS = frozenset().union(
    CUES.words(),
    CLOSING_EXTREMES.words(),
    INDICATORS.words(),
    NEAREST_EXPIRY.words(),
    UNITS.words(),
    TIME_ALIASES.words(),
    WEEKDAYS,
    MONTHS,
    RELATIVES,
    NUMBER_WORDS,
    DAY_WORDS.words(),
    QUARTER_ORDINALS,
    HOLIDAYS.words(),
    MARKET_WORDS,
    STATUS_WORDS,
)
