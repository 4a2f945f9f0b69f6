"""Split a question into words, numbers, dates and cashtags.

Punctuation carries no meaning in this grammar, so it is dropped; ``&`` is kept
as a word because it joins names ("S&P", "Johnson & Johnson"). Contractions are
expanded ("what's" -> "what is") and a trailing "'s" that is not a contraction
marks the word as possessive ("Apple's" -> "apple").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

TokenKind = Literal["word", "number", "date", "cashtag"]

_TOKEN = re.compile(
    r"""
    (?P<iso>\d{4}-\d{1,2}-\d{1,2})(?!\d)
    | (?P<slash>\d{1,4}/\d{1,2}(?:/\d{2,4})?)(?!\d)
    | \$(?P<cashtag>[A-Za-z]{1,5}(?:\.[A-Za-z])?)(?![A-Za-z0-9])
    | (?P<number>\d+(?:\.\d+)?)(?:st|nd|rd|th)?
    | (?P<word>[A-Za-z]+(?:[&.][A-Za-z]+)*(?:['\u2019][A-Za-z]+)?)
    | (?P<amp>&)
    """,
    re.VERBOSE,
)

# "'s" after these words is "is" (or "us"), never a possessive.
_IS_CONTRACTIONS = {
    "what": "is",
    "how": "is",
    "where": "is",
    "who": "is",
    "when": "is",
    "why": "is",
    "it": "is",
    "that": "is",
    "there": "is",
    "here": "is",
    "let": "us",
}
_SUFFIXES = {"re": "are", "m": "am", "ll": "will", "ve": "have", "d": "would"}
_IRREGULAR = {"can't": ("can", "not"), "won't": ("will", "not")}


class DateParts(NamedTuple):
    """A date as written; ``year`` is None when the question left it out."""

    year: int | None
    month: int
    day: int


@dataclass(frozen=True)
class Token:
    """One meaningful piece of the question.

    ``norm`` is the lower-case form every table lookup uses; ``text`` keeps the
    spelling, because capitals are evidence for a ticker.
    """

    text: str
    norm: str
    kind: TokenKind = "word"
    possessive: bool = False
    value: int | float | DateParts | None = None

    @property
    def is_number(self) -> bool:
        return self.kind == "number"


def tokenize(text: str) -> list[Token]:
    """Return the tokens of ``text`` in order."""
    return [token for match in _TOKEN.finditer(text) for token in _tokens(match)]


def _tokens(match: re.Match[str]) -> Iterator[Token]:
    kind = match.lastgroup
    raw = match.group(kind)
    if kind == "iso":
        year, month, day = (int(part) for part in raw.split("-"))
        yield from _date_or_numbers(raw, DateParts(year, month, day))
    elif kind == "slash":
        yield from _date_or_numbers(raw, _slash_parts(raw))
    elif kind == "cashtag":
        yield Token(raw.upper(), raw.lower(), "cashtag")
    elif kind == "number":
        yield _number(raw)
    elif kind == "amp":
        yield Token("&", "&")
    else:
        yield from _words(raw)


def _number(raw: str) -> Token:
    value = float(raw) if "." in raw else int(raw)
    return Token(raw, raw, "number", value=value)


def _slash_parts(raw: str) -> DateParts | None:
    parts = [int(part) for part in raw.split("/")]
    if len(raw.split("/")[0]) == 4:
        return DateParts(*parts) if len(parts) == 3 else None
    month, day, *rest = parts
    year = rest[0] if rest else None
    if year is not None and year < 100:
        year += 2000
    return DateParts(year, month, day)


def _date_or_numbers(raw: str, parts: DateParts | None) -> Iterator[Token]:
    # "50/200-day" is two numbers, not a date. Three parts with a four-digit
    # year are a date as written even when no such day exists ("2013-02-30"),
    # so that the time rules can say so instead of reading stray numbers.
    pieces = re.split(r"[-/]", raw)
    written = len(pieces) == 3 and any(len(piece) == 4 for piece in pieces)
    in_calendar = parts is not None and 1 <= parts.month <= 12 and 1 <= parts.day <= 31
    if parts is not None and (written or in_calendar):
        yield Token(raw, raw, "date", value=parts)
        return
    for piece in pieces:
        yield _number(piece)


def _words(raw: str) -> Iterator[Token]:
    text = raw.replace("\u2019", "'")
    lower = text.lower()
    if lower in _IRREGULAR:
        for word in _IRREGULAR[lower]:
            yield Token(word, word)
        return
    base, _, suffix = text.partition("'")
    norm = base.lower()
    if not suffix:
        yield Token(base, norm)
    elif suffix.lower() == "t" and norm.endswith("n"):
        yield Token(base[:-1], norm[:-1])
        yield Token("not", "not")
    elif suffix.lower() in _SUFFIXES:
        yield Token(base, norm)
        yield Token(_SUFFIXES[suffix.lower()], _SUFFIXES[suffix.lower()])
    elif suffix.lower() == "s" and norm in _IS_CONTRACTIONS:
        yield Token(base, norm)
        yield Token(_IS_CONTRACTIONS[norm], _IS_CONTRACTIONS[norm])
    elif suffix.lower() == "s":
        yield Token(base, norm, possessive=True)
    else:
        joined = base + suffix
        yield Token(joined, joined.lower())
