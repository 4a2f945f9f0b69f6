"""Tests for the tokenizer under the parser."""

from __future__ import annotations

import pytest

from market_parser.planner.tokens import DateParts, Token, tokenize


def norms(text: str) -> list[str]:
    return [token.norm for token in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("What is Apple's stock price?", ["what", "is", "apple", "stock", "price"]),
        (
            "AAPL open, high, low and close",
            ["aapl", "open", "high", "low", "and", "close"],
        ),
        ("50-day and 200-day", ["50", "day", "and", "200", "day"]),
        ("year-to-date", ["year", "to", "date"]),
        ("S&P 500 vs. Nasdaq", ["s&p", "500", "vs", "nasdaq"]),
        ("Johnson & Johnson", ["johnson", "&", "johnson"]),
        ("sma(20)", ["sma", "20"]),
        ("brk.b price.", ["brk.b", "price"]),
        ("the 15th of March", ["the", "15", "of", "march"]),
    ],
)
def test_splits_words_and_drops_punctuation(text: str, expected: list[str]) -> None:
    """Punctuation and hyphens separate words; '&' and a symbol's dot stay inside."""
    assert norms(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what's AAPL at", ["what", "is", "aapl", "at"]),
        ("how's it doing", ["how", "is", "it", "doing"]),
        ("it's up", ["it", "is", "up"]),
        ("isn't it", ["is", "not", "it"]),
        ("I can't", ["i", "can", "not"]),
        ("they're up", ["they", "are", "up"]),
        ("what\u2019s msft at", ["what", "is", "msft", "at"]),
    ],
)
def test_expands_contractions(text: str, expected: list[str]) -> None:
    """Contractions become the words they stand for."""
    assert norms(text) == expected


def test_possessive_keeps_the_name_and_marks_it() -> None:
    """ "MSFT's" is the word MSFT, flagged possessive, with its capitals kept."""
    (token,) = tokenize("MSFT's")
    assert token == Token("MSFT", "msft", possessive=True)


def test_curly_possessive_is_a_possessive() -> None:
    """A typographic apostrophe reads like a straight one."""
    (token,) = tokenize("Apple\u2019s")
    assert (token.norm, token.possessive) == ("apple", True)


def test_cashtag_is_upper_case_symbol() -> None:
    """'$spy' is a cashtag whose text is the upper-case symbol."""
    (token,) = tokenize("$spy")
    assert (token.kind, token.text, token.norm) == ("cashtag", "SPY", "spy")


def test_dollar_amount_is_a_number_not_a_cashtag() -> None:
    """'$150' is a number."""
    (token,) = tokenize("$150")
    assert (token.kind, token.value) == ("number", 150)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("2013-02-15", DateParts(2013, 2, 15)),
        ("2/15/2013", DateParts(2013, 2, 15)),
        ("2/15/13", DateParts(2013, 2, 15)),
        ("2/15", DateParts(None, 2, 15)),
        ("2013/02/15", DateParts(2013, 2, 15)),
    ],
)
def test_reads_numeric_dates(text: str, parts: DateParts) -> None:
    """ISO and US slash dates become one date token; a missing year stays None."""
    (token,) = tokenize(text)
    assert (token.kind, token.value) == ("date", parts)


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("2013-02-30", DateParts(2013, 2, 30)),
        ("2013-13-45", DateParts(2013, 13, 45)),
        ("2/30/2013", DateParts(2013, 2, 30)),
    ],
)
def test_date_with_full_year_stays_a_date_when_impossible(
    text: str, parts: DateParts
) -> None:
    """A four-digit year makes a date as written, so the parser can say it is wrong."""
    (token,) = tokenize(text)
    assert (token.kind, token.value) == ("date", parts)


def test_slashed_windows_are_numbers() -> None:
    """'20/50/200' has no four-digit year and no month 20: three numbers."""
    assert [t.value for t in tokenize("20/50/200")] == [20, 50, 200]


def test_impossible_slash_date_is_two_numbers() -> None:
    """'50/200' cannot be a date, so it is the numbers 50 and 200."""
    tokens = tokenize("50/200 day")
    assert [(t.kind, t.value) for t in tokens[:2]] == [("number", 50), ("number", 200)]


def test_numbers_drop_ordinal_suffixes_and_keep_decimals() -> None:
    """'15th' is 15 and '1.5' is a float."""
    assert [t.value for t in tokenize("15th 1.5 3")] == [15, 1.5, 3]


def test_empty_text_has_no_tokens() -> None:
    """Whitespace and punctuation alone yield nothing."""
    assert tokenize("  ?! ") == []
