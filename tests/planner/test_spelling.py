"""Tests for guessing what a misspelt symbol or company name meant."""

from __future__ import annotations

import pytest

from market_parser.planner import spelling


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("APPL", "AAPL"),
        ("MSTF", "MSFT"),
        ("NVDAA", "NVDA"),
        ("TSL", "TSLA"),
        ("ZZZT", None),
        ("GM", None),
        ("AMZ", None),
    ],
)
def test_did_you_mean_names_one_near_symbol(typed: str, meant: str | None) -> None:
    """Only a lone known symbol one slip away is suggested, never for two letters."""
    assert spelling.did_you_mean(typed) == meant


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("APPL", "AAPL", True),
        ("MSTF", "MSFT", True),
        ("NVDAA", "NVDA", True),
        ("IBN", "IBM", True),
        ("AAPL", "AAPL", False),
        ("ABCD", "BADC", False),
        ("SPY", "SPYYY", False),
    ],
)
def test_one_edit(a: str, b: str, expected: bool) -> None:
    """One letter changed, added or dropped, or two neighbours swapped, is one edit."""
    assert spelling.one_edit(a, b) is expected


@pytest.mark.parametrize(
    ("word", "company"),
    [
        ("aple", ("Apple", "AAPL")),
        ("microsft", ("Microsoft", "MSFT")),
        ("amazn", ("Amazon", "AMZN")),
        ("metal", None),
        ("teslaa", None),
        ("price", None),
        ("app", None),
    ],
)
def test_company_for_reads_slips_of_company_names(
    word: str, company: tuple[str, str] | None
) -> None:
    """Close slips name a company; known words, short words and prefixes do not."""
    assert spelling.company_for(word) == company
