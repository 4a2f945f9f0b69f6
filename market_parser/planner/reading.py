"""Find what a question's words name: tickers, intent words, indicators and dates.

The reading is a sequence of passes over the tokens. Each pass claims the words
it understands so that later passes do not read them twice, in this order:
expiration phrases, "highest close" phrases, "52-week high" phrases, time
phrases, impossible dates, "is the market open", company names, indicator
names, intent words, ticker symbols, names for the whole market, and misspelt
company names.

Decisions where questions are ambiguous:

- A capitalised word that no table knows ("ZZZT") is read as a ticker when the
  question is otherwise about markets; it goes in ``tickers`` and in
  ``unknown`` so the data layer can say it does not know it. Questions
  typed all in capitals only yield symbols the tables know, and one-letter
  symbols (Ford's "F") only come through a company name or a ``$F`` cashtag.
- A lower-case word that no table knows is never a ticker. One close to a
  single company name ("aple", "microsft") is read as that company, and
  ``problems`` says so; an unknown capitalised symbol one edit from a known one
  ("APPL") stays as typed, with a "did you mean" sentence.
- Capitalised English words (TABLE, SELECT, DROP, PRICE, CALL) are never
  tickers unless written as cashtags ("$TABLE").
- "52-week high", "all-time low", "year high": performance over that stretch,
  which reports the intraday high and low.
- "Highest close", "max closing price", "closed at its lowest", "52-week
  closing high": the highest or lowest close over the period, not the
  intraday extreme.
- "Was the market open on 2013-02-18": market status for that day, with no
  ticker; "how did the market close yesterday" still asks for SPY's prices.
- A date the calendar lacks ("2013-02-30") names no day and adds a sentence to
  ``problems``.
- RSI and moving averages keep the windows asked for ("rsi2", "sma10000"),
  even ones the data layer does not compute; plain or 14-period RSI is "rsi".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from market_parser.planner import lexicon as lx
from market_parser.planner import spelling, timephrases
from market_parser.planner.companies import (
    ALL_SYMBOLS,
    CAPS_SYMBOLS,
    COMPANIES,
    INDEX_NAMES,
    KNOWN_SYMBOLS,
)
from market_parser.planner.lexicon import Cue
from market_parser.planner.plan import Intent
from market_parser.planner.spans import Span
from market_parser.planner.tokens import Token, tokenize

T = TypeVar("T")
Matcher = Callable[[list[Token | None], int], tuple[T, int] | None]

# A bare number is a window up to this; with "day" written by it, any size is.
_LONGEST_BARE_WINDOW = 500
_STANDARD_RSI = 14


@dataclass
class Reading:
    """What the passes have found so far, and which tokens they claimed."""

    tokens: list[Token]
    today: date
    forward: bool
    taken: list[bool] = field(default_factory=list)
    span: Span | None = None
    tickers: list[tuple[int, str]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    sides: set[str] = field(default_factory=set)
    nearest: bool = False
    pronoun: bool = False
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.taken = [False] * len(self.tokens)

    def visible(self) -> list[Token | None]:
        """Return the tokens, with None for the ones a pass already claimed."""
        return [
            None if taken else t
            for t, taken in zip(self.tokens, self.taken, strict=True)
        ]

    def take(self, start: int, size: int = 1) -> None:
        for i in range(start, start + size):
            self.taken[i] = True

    def ticker_list(self) -> tuple[str, ...]:
        """Return the tickers in the order the question mentions them."""
        return tuple(dict.fromkeys(symbol for _, symbol in sorted(self.tickers)))


def read(question: str, today: date) -> Reading:
    """Run every pass over ``question``, asked when the latest session is ``today``."""
    tokens = tokenize(question)
    reading = Reading(tokens, today, forward=_looks_ahead(tokens))
    _read_nearest_expiry(reading)
    _read_closing_extremes(reading)
    _read_extremes(reading)
    _read_time(reading)
    _read_impossible_dates(reading)
    _read_market_status(reading)
    for start, _, symbol in _scan(reading, COMPANIES.match):
        reading.tickers.append((start, symbol))
    _read_indicators(reading)
    _read_cues(reading)
    _read_symbols(reading)
    if reading.cues and Intent.MARKET_STATUS not in {c.intent for c in reading.cues}:
        for start, _, symbol in _scan(reading, INDEX_NAMES.match):
            reading.tickers.append((start, symbol))
    _read_misspelt_names(reading)
    reading.pronoun = any(t and t.norm in lx.PRONOUNS for t in reading.visible())

    return reading


def _looks_ahead(tokens: list[Token]) -> bool:
    """Whether the question's dates are in the future (options, market hours)."""
    words = {token.norm for token in tokens}
    if words & lx.OPTION_WORDS:
        return True
    status = words & lx.MARKET_WORDS and words & lx.STATUS_WORDS
    return bool(status and not words & lx.PAST_WORDS)


def _scan(reading: Reading, matcher: Matcher[T]) -> Iterator[tuple[int, int, T]]:
    """Yield each phrase ``matcher`` finds among unclaimed tokens, claiming it."""
    i = 0
    while i < len(reading.tokens):
        found = matcher(reading.visible(), i)
        if found is None:
            i += 1
            continue
        value, size = found
        reading.take(i, size)
        yield i, size, value
        i += size


def _read_nearest_expiry(reading: Reading) -> None:
    for _ in _scan(reading, lx.NEAREST_EXPIRY.match):
        reading.nearest = True
        reading.cues.append(Cue(Intent.EXPIRATIONS, strong=False))


_CLOSING_INTENTS = {
    "high": (Intent.HIGHEST_CLOSE,),
    "low": (Intent.LOWEST_CLOSE,),
    "both": (Intent.HIGHEST_CLOSE, Intent.LOWEST_CLOSE),
}


def _read_closing_extremes(reading: Reading) -> None:
    """Read "highest close" and "52-week closing low" as the extreme closes.

    It runs before "52-week high" so that "52-week high close" asks for the
    highest close, and before the intent words so that "close" is not an OHLC.
    """
    for _, _, (side, stretch) in _scan(reading, lx.CLOSING_EXTREMES.match):
        if stretch is not None:
            reading.span = reading.span or timephrases.named(stretch, reading.today)
        reading.cues.extend(Cue(intent) for intent in _CLOSING_INTENTS[side])


def _read_extremes(reading: Reading) -> None:
    """Read "52-week high" and "all-time low" as performance over that stretch."""
    for _, _, phrase in _scan(reading, lx.EXTREMES.match):
        reading.span = reading.span or timephrases.named(phrase, reading.today)
        reading.cues.append(Cue(Intent.PERFORMANCE))


def _read_time(reading: Reading) -> None:
    def matcher(tokens: list[Token | None], i: int) -> tuple[Span, int] | None:
        return timephrases.match(tokens, i, reading.today, reading.forward)

    for _, _, span in _scan(reading, matcher):
        # The first phrase names the dates; later ones are only claimed, so
        # that their numbers are not read as indicator windows.
        reading.span = reading.span or span


def _read_impossible_dates(reading: Reading) -> None:
    """Claim dates the calendar lacks ("February 30"), with a sentence for the user."""

    def matcher(tokens: list[Token | None], i: int) -> tuple[str, int] | None:
        return timephrases.impossible_date(tokens, i, reading.today)

    for _, _, written in _scan(reading, matcher):
        reading.problems.append(f"{written} is not a date.")


def _read_market_status(reading: Reading) -> None:
    """Find "is the market open": a market word and a status word.

    About a past day it takes "was the market open/closed"; "how did the
    market close yesterday" asks about prices.
    """
    visible = reading.visible()
    market = [i for i, t in enumerate(visible) if t and t.norm in lx.MARKET_WORDS]
    status = [i for i, t in enumerate(visible) if t and t.norm in lx.STATUS_WORDS]
    if not market or not status:
        return
    if reading.span is not None and reading.span.end < reading.today:
        words = {t.norm for t in reading.tokens}
        if not words & lx.BE_WORDS or not words & lx.STATE_WORDS:
            return
    for i in market + status:
        reading.take(i)
    reading.cues.append(Cue(Intent.MARKET_STATUS))


def _read_cues(reading: Reading) -> None:
    for _, _, cue in _scan(reading, lx.CUES.match):
        reading.cues.append(cue)
        if cue.side:
            reading.sides.add(cue.side)
    words = [t for t in reading.visible() if t is not None]
    if words and words[-1].norm == "at":  # "what's AAPL at?"
        reading.cues.append(Cue(Intent.PRICE, strong=False))


def _read_indicators(reading: Reading) -> None:
    """Name each indicator with the windows asked for: "sma50", "rsi2", "macd".

    The names keep what the question asked even where the data layer computes
    other windows. RSI with no window or its standard 14 is "rsi"; MACD keeps
    its standard settings; a moving average with no window stands for the
    default windows.
    """
    for start, size, base in _scan(reading, lx.INDICATORS.match):
        reading.cues.append(Cue(Intent.INDICATORS))
        names = [base]
        if base in ("sma", "ema", "rsi"):
            windows = _windows(reading, start - 1, -1)
            windows += _windows(reading, start + size, 1)
        if base in ("sma", "ema"):
            names = [f"{base}{n}" for n in windows or lx.DEFAULT_AVERAGES]
        elif base == "rsi":
            names = [f"rsi{n}" if n != _STANDARD_RSI else "rsi" for n in windows]
            names = names or ["rsi"]
        reading.indicators.extend(n for n in names if n not in reading.indicators)


def _windows(reading: Reading, i: int, step: int) -> list[int]:
    """Read window numbers away from an indicator name, one way.

    Backwards from the name that reads "50-day and 200-day"; forwards, "EMA 20"
    or "SMA 50 and 200".
    """
    tokens, found = reading.visible(), []
    while True:
        j = _skip(tokens, i, step, lx.WINDOW_UNITS)
        token = tokens[j] if 0 <= j < len(tokens) else None
        if token is None or token.kind != "number" or not isinstance(token.value, int):
            break
        after = _skip(tokens, j + step, step, lx.WINDOW_UNITS)
        has_unit = j != i or after != j + step  # "10000-day", "SMA 10000 days"
        if token.value < 2 or (token.value > _LONGEST_BARE_WINDOW and not has_unit):
            break
        found.append(token.value)
        reading.take(j)
        i = _skip(tokens, after, step, lx.LIST_JOINERS)

    return found if step > 0 else found[::-1]


def _skip(tokens: list[Token | None], i: int, step: int, words: frozenset) -> int:
    while 0 <= i < len(tokens) and tokens[i] is not None and tokens[i].norm in words:
        i += step
    return i


def _read_symbols(reading: Reading) -> None:
    """Find symbols: cashtags, known tickers, and unlisted capitalised words."""
    candidates = []
    for i, token in enumerate(reading.visible()):
        if token is None:
            continue
        symbol = token.norm.upper()
        known = symbol in KNOWN_SYMBOLS or (
            token.text.isupper() and symbol in CAPS_SYMBOLS
        )
        if token.kind == "cashtag" or known:
            reading.tickers.append((i, symbol))
            reading.take(i)
            if symbol not in ALL_SYMBOLS:
                _add_unknown(reading, symbol)
        elif _looks_like_symbol(reading, i, token):
            candidates.append((i, symbol))
    if candidates and _accepts_unlisted(reading, len(candidates)):
        for i, symbol in candidates:
            reading.tickers.append((i, symbol))
            _add_unknown(reading, symbol)
            reading.take(i)


def _add_unknown(reading: Reading, symbol: str) -> None:
    """Keep an unknown symbol as typed, and say so when it is one slip from a known one.

    "APPL" could be a real symbol the tables lack, so it stays; only a single
    known symbol one edit away is suggested.
    """
    reading.unknown.append(symbol)
    near = spelling.did_you_mean(symbol)
    if near is not None:
        reading.problems.append(f"Did you mean {near} instead of {symbol}?")


def _read_misspelt_names(reading: Reading) -> None:
    """Read a word close to one company name ("aple") as that company, and say so.

    Only in a question about markets, or one that is nothing but the word.
    """
    guesses = []
    for i, token in enumerate(reading.visible()):
        guess = spelling.company_for(token.norm) if token is not None else None
        if guess is not None:
            guesses.append((i, guess))
    if not guesses or not _accepts_unlisted(reading, len(guesses)):
        return
    for i, (name, symbol) in guesses:
        reading.tickers.append((i, symbol))
        reading.take(i)
        reading.problems.append(f"Assuming you meant {name} ({symbol}).")


def _looks_like_symbol(reading: Reading, i: int, token: Token) -> bool:
    letters = token.text.replace(".", "")
    if not (token.text.isupper() and letters.isalpha() and 2 <= len(letters) <= 5):
        return False
    if token.norm in lx.ACRONYMS | lx.ENGLISH | lx.KEYWORDS:
        return False
    before = reading.tokens[i - 1].norm if i > 0 else ""

    return before not in lx.NOT_BEFORE_TICKER


def _accepts_unlisted(reading: Reading, count: int) -> bool:
    """Whether unlisted capitalised words in this question are tickers."""
    words = {t.norm for t in reading.tokens if t.text.isupper() and len(t.text) > 1}
    if len((words & (lx.ENGLISH | lx.KEYWORDS)) - lx.ACRONYMS) >= 2:
        return False  # a question typed in capitals: every word looks like one
    words = {t.norm for t in reading.tokens}
    only_symbols = count == sum(1 for taken in reading.taken if not taken)

    return bool(reading.cues or words & lx.MARKET_CONTEXT or only_symbols)
