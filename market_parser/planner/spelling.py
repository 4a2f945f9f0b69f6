"""Guess what a misspelt ticker symbol or company name meant.

An unknown capitalised symbol ("APPL") could be a real symbol the tables lack,
so it is only questioned; a lower-case word close to one company name ("aple")
is read as that company.
"""

from __future__ import annotations

import difflib

from market_parser.planner import lexicon as lx
from market_parser.planner.companies import NAME_WORDS, SUGGESTED_SYMBOLS

# Words the tables know, which are never taken for a misspelt company name.
_VOCABULARY = lx.ENGLISH | lx.KEYWORDS | lx.ACRONYMS | lx.MARKET_CONTEXT


def did_you_mean(symbol: str) -> str | None:
    """Return the one known symbol a single slip away from ``symbol``, if any.

    Symbols under three letters, and ones near several known symbols, get no
    suggestion.
    """
    near = [known for known in SUGGESTED_SYMBOLS if one_edit(symbol, known)]
    if len(symbol) >= 3 and len(near) == 1:
        return near[0]
    return None


def one_edit(a: str, b: str) -> bool:
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


def company_for(word: str) -> tuple[str, str] | None:
    """Return the company name and symbol that ``word`` looks like a slip for.

    Only words no table knows are tried. A word that starts or ends a name
    ("metal", "micro") is another word, not a slip.
    """
    if len(word) < 4 or not word.isalpha() or word in _VOCABULARY:
        return None
    match = difflib.get_close_matches(word, NAME_WORDS, n=1, cutoff=0.85)
    if match and not (word.startswith(match[0]) or match[0].startswith(word)):
        return NAME_WORDS[match[0]]
    return None
