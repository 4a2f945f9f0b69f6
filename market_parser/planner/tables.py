"""Phrase tables: phrases written as plain text, mapped to meanings.

Every phrase is split by the same tokenizer the questions go through, so
"Apple's" in a question meets "apple" in a table and "S&P 500" meets "s&p 500".
Tables are read longest phrase first, so "option prices" wins over "prices".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Generic, TypeVar

from market_parser.planner.tokens import Token, tokenize

V = TypeVar("V")


def word_set(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of ``text`` as a set."""
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
