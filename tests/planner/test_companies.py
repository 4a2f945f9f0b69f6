"""Tests for the company-name and ticker-symbol tables."""

from __future__ import annotations

from market_parser.planner import companies, lexicon


def test_known_symbols_are_not_english_words() -> None:
    """A symbol read in any case must never be an everyday word."""
    lower = {symbol.lower() for symbol in companies.KNOWN_SYMBOLS}
    assert lower & (lexicon.ENGLISH | lexicon.ACRONYMS | lexicon.KEYWORDS) == set()


def test_every_company_ticker_is_a_known_symbol() -> None:
    """Company names lead to symbols the unknown-symbol check recognises."""
    assert companies.COMPANIES.values() <= companies.ALL_SYMBOLS


def test_lexicon_still_offers_the_company_tables() -> None:
    """Code that reads the symbol tables from `lexicon` gets the same objects."""
    assert lexicon.COMPANIES is companies.COMPANIES
    assert lexicon.KNOWN_SYMBOLS is companies.KNOWN_SYMBOLS
    assert lexicon.ALL_SYMBOLS is companies.ALL_SYMBOLS
