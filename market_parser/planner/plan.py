"""What the parser understood a question to ask: intents, tickers and time.

A `Plan` is plain data. The parser builds it from the question's words; the
planner turns it into tool calls. Dates are calendar dates; which of them were
trading sessions is for the data layer to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Literal


class Intent(StrEnum):
    """One kind of answer a question can ask for."""

    PRICE = "price"
    OHLC = "ohlc"
    PERFORMANCE = "performance"
    BARS = "bars"
    INDICATORS = "indicators"
    SUPPORT_RESISTANCE = "support_resistance"
    VOLUME = "volume"
    EXPIRATIONS = "expirations"
    OPTIONS_CHAIN = "options_chain"
    MARKET_STATUS = "market_status"
    COMPARE = "compare"
    HIGHEST_CLOSE = "highest_close"
    LOWEST_CLOSE = "lowest_close"
    HELP = "help"


# Intents that can be answered without naming a ticker.
TICKERLESS = frozenset({Intent.MARKET_STATUS, Intent.HELP})


@dataclass(frozen=True)
class Period:
    """An inclusive range of calendar dates, named the way the question named it.

    When ``trading_days`` is set the question counted sessions ("last 5 trading
    days"): take the last N sessions ending at ``end``; ``start`` is then only
    an estimate that counts weekdays back from ``end``.

    ``one_day`` says the question named a single day ("yesterday"), not a
    stretch that happens to hold one session so far ("this month" on the 1st).
    """

    start: date
    end: date
    label: str
    trading_days: int | None = None
    one_day: bool = False


ExpirationKind = Literal[
    "nearest", "date", "next_weekday", "this_week", "next_week", "month"
]


@dataclass(frozen=True)
class ExpirationChoice:
    """Which option expiration the question wants.

    ``day`` is the date the phrase points at: the named date for ``date`` and
    ``next_weekday``, the Friday of that week for ``this_week`` and
    ``next_week``, the first of the month for ``month``, and None for
    ``nearest``.
    """

    kind: ExpirationKind
    day: date | None = None
    label: str = ""


@dataclass(frozen=True)
class Plan:
    """The structured reading of one question.

    ``unknown_symbols`` lists the tickers taken from the question's spelling
    alone (``$XYZQ``, or an unlisted capitalised symbol); they are also in
    ``tickers`` so that the data layer can say it does not know them.

    ``all_tickers`` marks a question about every ticker at once ("which stock
    did best last week?"); ``tickers`` is then empty. ``problems`` holds
    sentences for the user about what the parser could not take as written
    ("2013-02-30 is not a date.", "Assuming you meant Apple (AAPL).").
    """

    intents: tuple[Intent, ...]
    tickers: tuple[str, ...]
    period: Period | None = None
    day: date | None = None
    indicators: tuple[str, ...] = ()
    option_side: Literal["call", "put"] | None = None
    expiration: ExpirationChoice | None = None
    follow_up: bool = False
    unknown_symbols: tuple[str, ...] = ()
    question: str = ""
    all_tickers: bool = False
    problems: tuple[str, ...] = ()

    @property
    def needs_ticker(self) -> bool:
        """Whether the question asks about a ticker but none was named or carried."""
        if self.tickers or self.all_tickers:
            return False
        return any(i not in TICKERLESS for i in self.intents)
