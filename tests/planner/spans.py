"""Reading a whole time phrase, shared by the time-phrase and holiday tests."""

from __future__ import annotations

from datetime import date

from market_parser.planner import timephrases
from market_parser.planner.timephrases import Span
from market_parser.planner.tokens import tokenize


def span_of(phrase: str, today: date, forward: bool = False) -> Span:
    """Read ``phrase`` whole; fail if any word of it is left over."""
    tokens = tokenize(phrase)
    found = timephrases.match(tokens, 0, today, forward)
    assert found is not None, phrase
    span, size = found
    assert size == len(tokens), f"{phrase!r} read only {size} words"

    return span


def d(text: str) -> date:
    """The date an ISO ``YYYY-MM-DD`` string names."""
    return date.fromisoformat(text)
