"""The parser's vocabulary: names, symbols, intent words, indicators and time words.

Every phrase is written here as plain text and split by the same tokenizer the
questions go through, so "Apple's" in a question meets "apple" in a table and
"S&P 500" meets "s&p 500". Tables map phrases to meanings and are read longest
phrase first, so "option prices" wins over "prices".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from market_parser.planner.plan import Intent
from market_parser.planner.tokens import Token, tokenize

V = TypeVar("V")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def phrase_key(phrase: str) -> tuple[str, ...]:
    """Return the words ``phrase`` is made of, as the tables key them."""
    return tuple(token.norm for token in tokenize(phrase))


class Table(Generic[V]):
    """Phrases mapped to meanings, looked up longest phrase first."""

    def __init__(self, entries: Mapping[str, V]) -> None:
        self._entries = {phrase_key(phrase): value for phrase, value in entries.items()}
        self._longest = max(len(key) for key in self._entries)

    def match(self, tokens: Sequence[Token | None], start: int) -> tuple[V, int] | None:
        """Return the meaning and length of the longest phrase starting at ``start``.

        A None in ``tokens`` is a word another rule already used; no phrase
        spans it.
        """
        for size in range(min(self._longest, len(tokens) - start), 0, -1):
            window = tokens[start : start + size]
            if any(token is None for token in window):
                continue
            value = self._entries.get(tuple(token.norm for token in window))
            if value is not None:
                return value, size
        return None

    def values(self) -> frozenset[V]:
        """Return every meaning in the table."""
        return frozenset(self._entries.values())

    def get(self, word: str) -> V | None:
        """Return the meaning of a one-word phrase."""
        return self._entries.get((word,))

    def words(self) -> frozenset[str]:
        """Return every word that appears in some phrase."""
        return frozenset(word for key in self._entries for word in key)


def _names(text: str) -> dict[str, str]:
    """Read "TICKER: name, other name" lines into a name -> ticker mapping."""
    names = {}
    for line in text.strip().splitlines():
        symbol, _, spellings = line.partition(":")
        for name in spellings.split(","):
            names[name.strip()] = symbol.strip()
    return names


# Meta Platforms trades as META; the bundled 2013 data set still calls it FB, so
# "Facebook" means FB and "Meta" means META and the data layer says which exist.
# Names are written as a user should read them back ("Assuming you meant ...").
_COMPANY_NAMES = _names(
    """
    AAPL: Apple
    MSFT: Microsoft
    GOOG: Alphabet, Google
    FB: Facebook
    META: Meta, Meta Platforms
    IBM: IBM, International Business Machines
    TSLA: Tesla
    NVDA: Nvidia
    AMZN: Amazon
    NFLX: Netflix
    AMD: AMD, Advanced Micro Devices
    INTC: Intel
    SPY: S&P 500, S & P 500, S&P, SP500, SP 500, S and P 500
    QQQ: Nasdaq 100, Nasdaq-100
    DIA: Dow Jones
    IWM: Russell 2000
    ORCL: Oracle
    CSCO: Cisco
    QCOM: Qualcomm
    AVGO: Broadcom
    TXN: Texas Instruments
    MU: Micron
    ADBE: Adobe
    CRM: Salesforce
    PYPL: PayPal
    UBER: Uber
    ABNB: Airbnb
    SHOP: Shopify
    SPOT: Spotify
    PLTR: Palantir
    COIN: Coinbase
    DIS: Disney, Walt Disney
    NKE: Nike
    SBUX: Starbucks
    MCD: McDonald's, McDonalds
    KO: Coca Cola, Coke
    PEP: Pepsi, PepsiCo
    WMT: Walmart, Wal Mart
    COST: Costco
    HD: Home Depot
    JPM: JPMorgan, JP Morgan, JPMorgan Chase
    BAC: Bank of America
    WFC: Wells Fargo
    GS: Goldman Sachs, Goldman
    MS: Morgan Stanley
    C: Citigroup, Citi
    BRK.B: Berkshire, Berkshire Hathaway, BRK B
    V: Visa
    MA: Mastercard
    XOM: Exxon, Exxon Mobil, ExxonMobil
    CVX: Chevron
    BA: Boeing
    PFE: Pfizer
    MRK: Merck
    JNJ: Johnson & Johnson
    PG: Procter & Gamble
    F: Ford
    GM: General Motors
    GE: General Electric
    T: AT&T
    VZ: Verizon
    CMCSA: Comcast
    """
)
COMPANIES: Table[str] = Table(_COMPANY_NAMES)
# One-word names, to a name and symbol, for guessing what a misspelling meant.
NAME_WORDS: dict[str, tuple[str, str]] = {
    phrase_key(name)[0]: (name, symbol)
    for name, symbol in _COMPANY_NAMES.items()
    if len(phrase_key(name)) == 1
}

# Names for the whole market, which count only when the question asks something
# about them ("how did the market do"), since "the market" is everyday speech.
INDEX_NAMES: Table[str] = Table(
    {
        "the market": "SPY",
        "the stock market": "SPY",
        "the overall market": "SPY",
        "the broader market": "SPY",
        "the broad market": "SPY",
        "the dow": "DIA",
        "the nasdaq": "QQQ",
    }
)

_ETFS = "SPY QQQ DIA IWM VTI VOO IVV GLD SLV TLT XLF XLE XLK XLV ARKK SQQQ TQQQ SMH"
_STOCKS = (
    "AAPL MSFT GOOG GOOGL AMZN META FB TSLA NVDA NFLX AMD INTC IBM ORCL CSCO QCOM "
    "AVGO TXN MU ADBE CRM PYPL ABNB PLTR NKE SBUX MCD WMT JPM BAC WFC XOM CVX PFE "
    "MRK JNJ VZ CMCSA BRK.B ROKU"
)
# Symbols recognised in any case ("spy", "aapl"): none of them is an English word.
KNOWN_SYMBOLS = _words(_ETFS) | _words(_STOCKS)
# Symbols recognised only in capitals, because in lower case they are words or
# abbreviations ("gm", "cost", "coin").
CAPS_SYMBOLS = _words("GM GE MS GS BA HD PG KO COST COIN SHOP SPOT SNOW PEP DIS UBER")
# Symbols reached only through a company name: one letter, or too close to a
# word ("MA" is also "moving average").
NAMED_ONLY = _words("C V F T MA")
ALL_SYMBOLS = KNOWN_SYMBOLS | CAPS_SYMBOLS | COMPANIES.values() | INDEX_NAMES.values()
# Symbols long enough that a word one letter off them is likely a slip ("APPL").
SUGGESTED_SYMBOLS = frozenset(s for s in KNOWN_SYMBOLS | CAPS_SYMBOLS if len(s) >= 3)

# Capitalised words that are not tickers however they look.
ACRONYMS = _words("""
    rsi macd sma ema dma ohlc ohlcv etf etfs ceo cfo cto coo usa us uk eu ipo eps
    pe peg ath atl ytd mtd qtd wtd ttm nyse nasdaq ai api faq usd eur gbp jpy gdp
    cpi ppi fed fomc sec irs ira roi eod est edt et pt pst utc gmt am pm ok lol
    fyi asap imo imho tldr btw dd ta fa iv otm itm atm nyc la sf dc ny tv pc pr
    hr hq vix ma mas emas smas id
    """)

# English words that a question may shout; they are never read as tickers.
ENGLISH = _words("""
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
MARKET_CONTEXT = _words("""
    stock stocks share shares ticker tickers symbol symbols company equity etf
    fund buy sell invest investing holding position
    """)

# Words that point back at the previous question's tickers.
PRONOUNS = _words("it its they them their those these both same")

# A capitalised word after these is a place or a thing, not a ticker ("in NYC").
NOT_BEFORE_TICKER = _words("the a an my your our this that in at near")


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
OPTION_WORDS = _words("""
    call calls put puts option options chain expiration expirations expiry
    expiries expire expires expiring strike strikes
    """)

# "Is the market open": a market word and a status word anywhere in the question.
MARKET_WORDS = _words("market markets exchange exchanges nyse nasdaq")
STATUS_WORDS = _words(
    "open opens opened closed close closes closing hours holiday holidays status"
)
# About a past day, only "was the market open/closed" asks for the status;
# "how did the market close" asks for prices.
PAST_WORDS = _words("was were did had")
BE_WORDS = _words("is was were are be")
STATE_WORDS = _words("open closed shut holiday")

# "Which stock did best?": a ranking of every ticker, not one of them.
SUPERLATIVES = _words("best worst top")
STOCK_NOUNS = _words("stock stocks ticker tickers symbol symbols company companies")
RANKED_NOUNS = _words("gainer gainers loser losers performer performers")
# Words that make a superlative before them rank stocks ("best performing").
RANKED = STOCK_NOUNS | RANKED_NOUNS | _words("performing performance one ones")
WHICH = _words("which what")

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
WINDOW_UNITS = _words("day days d period periods")
LIST_JOINERS = _words("and & or")

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
MONTH_LEADS = _words("in since from until till through during of for to")

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

# Holidays by name, to the name an answer uses; the dates are computed from it.
HOLIDAYS: Table[str] = Table(
    {
        **dict.fromkeys(("new year's day", "new years day"), "New Year's Day"),
        **dict.fromkeys(
            ("martin luther king day", "martin luther king jr day", "mlk day"),
            "Martin Luther King Jr. Day",
        ),
        **dict.fromkeys(
            ("presidents day", "president's day", "washington's birthday"),
            "Washington's Birthday",
        ),
        "good friday": "Good Friday",
        "memorial day": "Memorial Day",
        **dict.fromkeys(
            ("independence day", "fourth of july", "the fourth of july"),
            "Independence Day",
        ),
        "labor day": "Labor Day",
        **dict.fromkeys(("thanksgiving", "thanksgiving day"), "Thanksgiving Day"),
        **dict.fromkeys(("christmas", "christmas day", "xmas"), "Christmas Day"),
        # Sessions, not holidays, but "Christmas Eve" must not read as Christmas.
        "christmas eve": "Christmas Eve",
        **dict.fromkeys(("new year's eve", "new years eve"), "New Year's Eve"),
    }
)

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
RANGE_STARTS = _words("from between")
RANGE_JOINERS = _words("to through thru until till and")
YEAR_LEADS = _words("in during for since from of")

# Every word some table knows: a capitalised one is vocabulary, not a ticker.
KEYWORDS = frozenset().union(
    CUES.words(),
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
