"""Read a question into a `Plan`: which intents, which tickers, which dates.

The grammar is a sequence of passes over the tokens. Each pass claims the words
it understands so that later passes do not read them twice, in this order:
expiration phrases, "52-week high" phrases, time phrases, impossible dates, "is
the market open", company names, indicator names, intent words, ticker symbols,
names for the whole market, and misspelt company names.
A few rules then combine what was found (several tickers with a performance
question make a comparison; a price on a past day is that day's OHLC).

Decisions where questions are ambiguous:

- A capitalised word that no table knows ("ZZZT") is read as a ticker when the
  question is otherwise about markets; it goes in ``tickers`` and in
  ``unknown_symbols`` so the data layer can say it does not know it. Questions
  typed all in capitals only yield symbols the tables know, and one-letter
  symbols (Ford's "F") only come through a company name or a ``$F`` cashtag.
- A ticker with no intent word asks for its price; with a stretch of days, for
  its performance.
- A question that names no ticker is HELP unless it uses market vocabulary
  ("what is the RSI?"), in which case the plan keeps its intents and
  `Plan.needs_ticker` is true. Comparison and performance words ("better",
  "change") are everyday English and do not count.
- A price today is the current quote (``day`` is None); a price on an earlier
  day is that day's OHLC.
- A lower-case word that no table knows is never a ticker. One close to a
  single company name ("aple", "microsft") is read as that company, and
  ``problems`` says so; an unknown capitalised symbol one edit from a known one
  ("APPL") stays as typed, with a "did you mean" sentence.
- Capitalised English words (TABLE, SELECT, DROP, PRICE, CALL) are never
  tickers unless written as cashtags ("$TABLE").
- "Which stock did best", "top gainers": with no ticker named, a comparison of
  every ticker (``all_tickers``).
- "52-week high", "all-time low", "year high": performance over that stretch,
  which reports the high and low.
- "Was the market open on 2013-02-18": market status for that day, with no
  ticker; "how did the market close yesterday" still asks for SPY's prices.
- A date the calendar lacks ("2013-02-30") names no day and adds a sentence to
  ``problems``.
- RSI and moving averages keep the windows asked for ("rsi2", "sma10000"),
  even ones the data layer does not compute; plain or 14-period RSI is "rsi".
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Literal, TypeVar

from market_parser.planner import lexicon as lx
from market_parser.planner import timephrases
from market_parser.planner.lexicon import Cue
from market_parser.planner.plan import (
    TICKERLESS,
    ExpirationChoice,
    Intent,
    Period,
    Plan,
)
from market_parser.planner.timephrases import Span
from market_parser.planner.tokens import Token, tokenize

T = TypeVar("T")
Matcher = Callable[[list[Token | None], int], tuple[T, int] | None]


def _intents(names: str) -> frozenset[Intent]:
    return frozenset(Intent(name) for name in names.split())


_OPTIONS = _intents("options_chain expirations")
# These answers already report the price, so a "price" word adds nothing.
_REPORTS_PRICE = _OPTIONS | _intents("ohlc performance bars compare")
# With one of these, "compare" means "side by side", not a performance race.
_SPECIFIC = _OPTIONS | _intents("indicators volume support_resistance ohlc bars price")
# Everyday words ("better", "change") that alone do not make a market question.
_EVERYDAY = _intents("compare performance")
_DAY_INTENTS = _intents("price ohlc market_status")
_PERIOD_INTENTS = _intents(
    "performance bars compare volume indicators support_resistance"
)
# A bare number is a window up to this; with "day" written by it, any size is.
_LONGEST_BARE_WINDOW = 500
# Words the tables know, which are never taken for a misspelt company name.
_VOCABULARY = lx.ENGLISH | lx.KEYWORDS | lx.ACRONYMS | lx.MARKET_CONTEXT
_STANDARD_RSI = 14
# Follow-ups inherit the previous question's dates only for these.
_KEEPS_DATES = _DAY_INTENTS | _intents("performance bars compare volume")


def parse(question: str, today: date, previous: Plan | None = None) -> Plan:
    """Read ``question`` asked when the latest trading day is ``today``.

    ``previous`` is the plan of the question before it in the conversation: a
    question without a ticker ("and its RSI?") takes its tickers, and a question
    without an intent ("what about MSFT?") takes its intents and dates.
    """
    reading = _read(question, today)
    ranking = _asks_for_ranking(reading)
    carry = _Carry(reading.ticker_list(), _cue_intents(reading))
    if previous is not None and not ranking:
        carry = _carry(reading, carry, previous)
    if ranking:
        intents: tuple[Intent, ...] = (Intent.COMPARE,)
    else:
        intents = _combine(carry.intents, reading, len(carry.tickers))
    span = reading.span
    if span is None and previous is not None and carry.keeps_dates(intents):
        span = _previous_span(previous)
    plan = Plan(
        intents=intents,
        tickers=carry.tickers,
        indicators=tuple(reading.indicators),
        option_side=_side(reading.sides),
        follow_up=carry.follow_up,
        unknown_symbols=_unknown(reading, carry.tickers, previous),
        question=question,
        all_tickers=ranking,
        problems=tuple(reading.problems),
        **_when(intents, span, reading.nearest, today),
    )
    if previous is not None and (carry.inherited or carry.follow_up):
        plan = _inherit_details(plan, previous, carry.inherited)

    return plan


@dataclass
class _Reading:
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
        return _dedupe(symbol for _, symbol in sorted(self.tickers))


def _read(question: str, today: date) -> _Reading:
    tokens = tokenize(question)
    reading = _Reading(tokens, today, forward=_looks_ahead(tokens))
    _read_nearest_expiry(reading)
    _read_extremes(reading)
    _read_time(reading)
    _read_impossible_dates(reading)
    _read_market_status(reading)
    for start, _, symbol in _scan(reading, lx.COMPANIES.match):
        reading.tickers.append((start, symbol))
    _read_indicators(reading)
    _read_cues(reading)
    _read_symbols(reading)
    if reading.cues and Intent.MARKET_STATUS not in {c.intent for c in reading.cues}:
        for start, _, symbol in _scan(reading, lx.INDEX_NAMES.match):
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


def _scan(reading: _Reading, matcher: Matcher[T]) -> Iterator[tuple[int, int, T]]:
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


def _read_nearest_expiry(reading: _Reading) -> None:
    for _ in _scan(reading, lx.NEAREST_EXPIRY.match):
        reading.nearest = True
        reading.cues.append(Cue(Intent.EXPIRATIONS, strong=False))


def _read_extremes(reading: _Reading) -> None:
    """Read "52-week high" and "all-time low" as performance over that stretch."""
    for _, _, phrase in _scan(reading, lx.EXTREMES.match):
        reading.span = reading.span or timephrases.named(phrase, reading.today)
        reading.cues.append(Cue(Intent.PERFORMANCE))


def _read_time(reading: _Reading) -> None:
    def matcher(tokens: list[Token | None], i: int) -> tuple[Span, int] | None:
        return timephrases.match(tokens, i, reading.today, reading.forward)

    for _, _, span in _scan(reading, matcher):
        # The first phrase names the dates; later ones are only claimed, so
        # that their numbers are not read as indicator windows.
        reading.span = reading.span or span


def _read_impossible_dates(reading: _Reading) -> None:
    """Claim dates the calendar lacks ("February 30"), with a sentence for the user."""

    def matcher(tokens: list[Token | None], i: int) -> tuple[str, int] | None:
        return timephrases.impossible_date(tokens, i, reading.today)

    for _, _, written in _scan(reading, matcher):
        reading.problems.append(f"{written} is not a date.")


def _read_market_status(reading: _Reading) -> None:
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


def _read_cues(reading: _Reading) -> None:
    for _, _, cue in _scan(reading, lx.CUES.match):
        reading.cues.append(cue)
        if cue.side:
            reading.sides.add(cue.side)
    words = [t for t in reading.visible() if t is not None]
    if words and words[-1].norm == "at":  # "what's AAPL at?"
        reading.cues.append(Cue(Intent.PRICE, strong=False))


def _read_indicators(reading: _Reading) -> None:
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


def _windows(reading: _Reading, i: int, step: int) -> list[int]:
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


def _read_symbols(reading: _Reading) -> None:
    """Find symbols: cashtags, known tickers, and unlisted capitalised words."""
    candidates = []
    for i, token in enumerate(reading.visible()):
        if token is None:
            continue
        symbol = token.norm.upper()
        known = symbol in lx.KNOWN_SYMBOLS or (
            token.text.isupper() and symbol in lx.CAPS_SYMBOLS
        )
        if token.kind == "cashtag" or known:
            reading.tickers.append((i, symbol))
            reading.take(i)
            if symbol not in lx.ALL_SYMBOLS:
                _add_unknown(reading, symbol)
        elif _looks_like_symbol(reading, i, token):
            candidates.append((i, symbol))
    if candidates and _accepts_unlisted(reading, len(candidates)):
        for i, symbol in candidates:
            reading.tickers.append((i, symbol))
            _add_unknown(reading, symbol)
            reading.take(i)


def _add_unknown(reading: _Reading, symbol: str) -> None:
    """Keep an unknown symbol as typed, and say so when it is one slip from a known one.

    "APPL" could be a real symbol the tables lack, so it stays; only a single
    known symbol one edit away is suggested.
    """
    reading.unknown.append(symbol)
    near = [known for known in lx.SUGGESTED_SYMBOLS if _one_edit(symbol, known)]
    if len(symbol) >= 3 and len(near) == 1:
        reading.problems.append(f"Did you mean {near[0]} instead of {symbol}?")


def _one_edit(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` differ by one letter, or by two adjacent ones swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return any(long[:k] + long[k + 1 :] == short for k in range(len(long)))
    diff = [k for k in range(len(a)) if a[k] != b[k]]
    if len(diff) == 1:
        return True
    swapped = len(diff) == 2 and diff[1] == diff[0] + 1

    return swapped and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def _read_misspelt_names(reading: _Reading) -> None:
    """Read a word close to one company name ("aple") as that company, and say so.

    Only words no table knows are tried, and only in a question about markets or
    one that is nothing but the word. A word that starts or ends a name
    ("metal", "micro") is another word, not a slip.
    """
    guesses = []
    for i, token in enumerate(reading.visible()):
        word = token.norm if token is not None else ""
        if len(word) < 4 or not word.isalpha() or word in _VOCABULARY:
            continue
        match = difflib.get_close_matches(word, lx.NAME_WORDS, n=1, cutoff=0.85)
        if match and not (word.startswith(match[0]) or match[0].startswith(word)):
            guesses.append((i, match[0]))
    if not guesses or not _accepts_unlisted(reading, len(guesses)):
        return
    for i, word in guesses:
        name, symbol = lx.NAME_WORDS[word]
        reading.tickers.append((i, symbol))
        reading.take(i)
        reading.problems.append(f"Assuming you meant {name} ({symbol}).")


def _looks_like_symbol(reading: _Reading, i: int, token: Token) -> bool:
    letters = token.text.replace(".", "")
    if not (token.text.isupper() and letters.isalpha() and 2 <= len(letters) <= 5):
        return False
    if token.norm in lx.ACRONYMS | lx.ENGLISH | lx.KEYWORDS:
        return False
    before = reading.tokens[i - 1].norm if i > 0 else ""

    return before not in lx.NOT_BEFORE_TICKER


def _accepts_unlisted(reading: _Reading, count: int) -> bool:
    """Whether unlisted capitalised words in this question are tickers."""
    words = {t.norm for t in reading.tokens if t.text.isupper() and len(t.text) > 1}
    if len((words & (lx.ENGLISH | lx.KEYWORDS)) - lx.ACRONYMS) >= 2:
        return False  # a question typed in capitals: every word looks like one
    words = {t.norm for t in reading.tokens}
    only_symbols = count == sum(1 for taken in reading.taken if not taken)

    return bool(reading.cues or words & lx.MARKET_CONTEXT or only_symbols)


def _asks_for_ranking(reading: _Reading) -> bool:
    """Whether a question with no ticker ranks them all.

    It does with "best stock" or "top performing", with "which stock" and a
    superlative anywhere ("which stock did best"), or with "gainers" or
    "losers"; "the best time to buy stocks" does not.
    """
    if reading.tickers:
        return False
    norms = [t.norm for t in reading.tokens]
    pairs = set(zip(norms, norms[1:], strict=False))
    best = any(a in lx.SUPERLATIVES and b in lx.RANKED for a, b in pairs)
    which = any(a in lx.WHICH and b in lx.STOCK_NOUNS for a, b in pairs)
    which_best = which and not lx.SUPERLATIVES.isdisjoint(norms)

    return best or which_best or not lx.RANKED_NOUNS.isdisjoint(norms)


def _unknown(reading: _Reading, tickers: tuple, previous: Plan | None) -> tuple:
    unknown = set(reading.unknown) | set(previous.unknown_symbols if previous else ())
    return tuple(t for t in tickers if t in unknown)


def _cue_intents(reading: _Reading) -> tuple[Intent, ...]:
    """Return the intents the cue words name: the strong ones, else the weak ones."""
    chosen = reading.nearest or (reading.span is not None and reading.forward)
    cues = _settle_options(reading.cues, chosen)
    strong = _dedupe(c.intent for c in cues if c.strong)

    return strong or _dedupe(c.intent for c in cues)


def _settle_options(cues: list[Cue], has_choice: bool) -> list[Cue]:
    """Decide between an options chain and a list of expirations.

    Calls, puts or a chain word ask for a chain. Otherwise an expiration word
    asks for the expiration dates, unless "options" and a chosen expiration
    appear together ("AAPL options expiring March 15").
    """
    intents = {c.intent for c in cues}
    if Intent.EXPIRATIONS not in intents or Intent.OPTIONS_CHAIN not in intents:
        return cues
    chain = any(c.intent == Intent.OPTIONS_CHAIN and c.strong for c in cues)
    if chain or has_choice:
        drop, keep = Intent.EXPIRATIONS, Cue(Intent.OPTIONS_CHAIN)
    else:
        drop, keep = Intent.OPTIONS_CHAIN, Cue(Intent.EXPIRATIONS)
    kept = [c for c in cues if c.intent not in (drop, keep.intent)]

    return [keep, *kept]


def _combine(
    base: tuple[Intent, ...], reading: _Reading, tickers: int
) -> tuple[Intent, ...]:
    """Apply the rules that turn cue intents into the plan's intents."""
    if not tickers:
        strong = any(c.strong for c in reading.cues)
        base = tuple(i for i in base if i not in _EVERYDAY) if strong else ()
        if not base:
            return (Intent.HELP,)
    intents = list(base or (_default_intent(reading.span),))
    if any(i in _REPORTS_PRICE for i in intents):
        intents = [i for i in intents if i != Intent.PRICE]
    intents = [_by_time(i, reading.span, reading.today) for i in intents]
    specific = any(i in _SPECIFIC for i in intents)
    if Intent.COMPARE in intents and (specific or tickers < 2):
        swap = None if specific else Intent.PERFORMANCE
        intents = [swap if i == Intent.COMPARE else i for i in intents]
    if tickers >= 2:
        intents = [Intent.COMPARE if i == Intent.PERFORMANCE else i for i in intents]

    return _dedupe(i for i in intents if i is not None)


def _default_intent(span: Span | None) -> Intent:
    """A ticker alone asks for its price, or its performance over a stretch."""
    if span is not None and not span.is_day:
        return Intent.PERFORMANCE
    return Intent.PRICE


def _by_time(intent: Intent, span: Span | None, today: date) -> Intent:
    """A price over several days is a table of bars; on a past day, its OHLC."""
    if span is None or intent not in (Intent.PRICE, Intent.OHLC):
        return intent
    if not span.is_day:
        return Intent.BARS
    if intent == Intent.PRICE and span.start < today:
        return Intent.OHLC

    return intent


def _side(sides: set[str]) -> Literal["call", "put"] | None:
    """Return the one side asked for; "calls and puts" asks for both (None)."""
    return next(iter(sides)) if len(sides) == 1 else None


def _when(
    intents: tuple[Intent, ...], span: Span | None, nearest: bool, today: date
) -> dict:
    """Place the time phrase where the intents need it: day, period or expiration."""
    placed: dict = {}
    if any(i in _OPTIONS for i in intents):
        return {"expiration": _expiration(span, nearest, today)}
    if span is None:
        return placed
    # Today's price is the live quote, so it names no day.
    quote = intents == (Intent.PRICE,) and span.start == today
    if span.is_day and any(i in _DAY_INTENTS for i in intents) and not quote:
        placed["day"] = span.start
    if any(i in _PERIOD_INTENTS for i in intents):
        placed["period"] = Period(span.start, span.end, span.label, span.trading_days)

    return placed


def _expiration(
    span: Span | None, nearest: bool, today: date
) -> ExpirationChoice | None:
    """Read the time phrase of an options question as the expiration it picks."""
    shape = span.shape if span is not None else None
    if shape in ("weekday", "day", "month"):
        kind = {"weekday": "next_weekday", "day": "date", "month": "month"}[shape]
        return ExpirationChoice(kind, span.start, span.label)
    if shape == "week":
        friday = span.start - timedelta(days=span.start.weekday() - 4)
        this_friday = today - timedelta(days=today.weekday() - 4)
        if friday >= this_friday:
            kind = "this_week" if friday == this_friday else "next_week"
            return ExpirationChoice(kind, friday, span.label)
    if nearest:
        return ExpirationChoice("nearest", None, "nearest expiration")
    return None


@dataclass(frozen=True)
class _Carry:
    """Tickers and intents after looking back at the previous question."""

    tickers: tuple[str, ...]
    intents: tuple[Intent, ...]
    follow_up: bool = False
    inherited: bool = False

    def keeps_dates(self, intents: Iterable[Intent]) -> bool:
        """Whether the previous question's dates still apply."""
        return self.inherited or (
            self.follow_up and all(i in _KEEPS_DATES for i in intents)
        )


def _carry(reading: _Reading, carry: _Carry, previous: Plan) -> _Carry:
    earlier = tuple(i for i in previous.intents if i not in TICKERLESS)
    if carry.tickers:
        if reading.pronoun and Intent.COMPARE in carry.intents:
            tickers = _dedupe(previous.tickers + carry.tickers)  # "compare it to MSFT"
            return _Carry(tickers, carry.intents, follow_up=True)
        if not reading.cues and earlier:  # "and IBM?"
            return _Carry(carry.tickers, earlier, inherited=True)
        return carry
    if not previous.tickers:
        return carry
    strong = any(c.strong for c in reading.cues)
    if strong or reading.pronoun or reading.span is not None:
        intents = carry.intents or earlier
        inherited = not carry.intents
        return _Carry(previous.tickers, intents, True, inherited)

    return carry


def _previous_span(previous: Plan) -> Span | None:
    if previous.period is not None:
        p = previous.period
        return Span(p.start, p.end, p.label, "range", p.trading_days)
    if previous.day is not None:
        return Span(previous.day, previous.day, previous.day.isoformat(), "day")
    return None


def _inherit_details(plan: Plan, previous: Plan, inherited: bool) -> Plan:
    """Keep the previous expiration for options follow-ups ("what about calls?").

    A follow-up that repeats the previous intents ("and MSFT?") keeps its
    indicators and option side too.
    """
    options = any(i in _OPTIONS for i in plan.intents)
    expiration = plan.expiration or (previous.expiration if options else None)
    if not inherited:
        return replace(plan, expiration=expiration)
    return replace(
        plan,
        indicators=plan.indicators or previous.indicators,
        option_side=plan.option_side or previous.option_side,
        expiration=expiration,
    )


def _dedupe(items: Iterable[T]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(items))
