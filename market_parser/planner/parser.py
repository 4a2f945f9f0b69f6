"""Read a question into a `Plan`: which intents, which tickers, which dates.

`reading` finds what the question's words name. The rules here then combine
what was found (several tickers with a performance question make a comparison;
a price on a past day is that day's OHLC) and, in a conversation, borrow what a
follow-up leaves out from the question before it.

Decisions where questions are ambiguous:

- A ticker with no intent word asks for its price; with a stretch of days, for
  its performance.
- A question that names no ticker is HELP unless it uses market vocabulary
  ("what is the RSI?"), in which case the plan keeps its intents and
  `Plan.needs_ticker` is true. Comparison and performance words ("better",
  "change") are everyday English and do not count.
- A price today is the current quote (``day`` is None); a price on an earlier
  day is that day's OHLC.
- "Which stock did best", "top gainers": with no ticker named, a comparison of
  every ticker (``all_tickers``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Literal, TypeVar

from market_parser.planner import lexicon as lx
from market_parser.planner.lexicon import Cue
from market_parser.planner.plan import (
    TICKERLESS,
    ExpirationChoice,
    Intent,
    Period,
    Plan,
)
from market_parser.planner.reading import Reading, read
from market_parser.planner.spans import Span

T = TypeVar("T")


def _intents(names: str) -> frozenset[Intent]:
    return frozenset(Intent(name) for name in names.split())


_OPTIONS = _intents("options_chain expirations")
_CLOSING = _intents("highest_close lowest_close")
# These answers already report the price, so a "price" word adds nothing.
_REPORTS_PRICE = _OPTIONS | _CLOSING | _intents("ohlc performance bars compare")
# With one of these, "compare" means "side by side", not a performance race.
_SPECIFIC = (
    _OPTIONS
    | _CLOSING
    | _intents("indicators volume support_resistance ohlc bars price")
)
# Everyday words ("better", "change") that alone do not make a market question.
_EVERYDAY = _intents("compare performance")
_DAY_INTENTS = _intents("price ohlc market_status")
_PERIOD_INTENTS = _CLOSING | _intents(
    "performance bars compare volume indicators support_resistance"
)
# Follow-ups inherit the previous question's dates only for these.
_KEEPS_DATES = _DAY_INTENTS | _CLOSING | _intents("performance bars compare volume")


def parse(question: str, today: date, previous: Plan | None = None) -> Plan:
    """Read ``question`` asked when the latest trading day is ``today``.

    ``previous`` is the plan of the question before it in the conversation: a
    question without a ticker ("and its RSI?") takes its tickers, and a question
    without an intent ("what about MSFT?") takes its intents and dates.
    """
    reading = read(question, today)
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


def _asks_for_ranking(reading: Reading) -> bool:
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


def _unknown(reading: Reading, tickers: tuple, previous: Plan | None) -> tuple:
    unknown = set(reading.unknown) | set(previous.unknown_symbols if previous else ())
    return tuple(t for t in tickers if t in unknown)


def _cue_intents(reading: Reading) -> tuple[Intent, ...]:
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
    base: tuple[Intent, ...], reading: Reading, tickers: int
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
        placed["period"] = Period(
            span.start, span.end, span.label, span.trading_days, span.is_day
        )

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


def _carry(reading: Reading, carry: _Carry, previous: Plan) -> _Carry:
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
        shape = "day" if p.one_day else "range"
        return Span(p.start, p.end, p.label, shape, p.trading_days)
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
