"""What the live providers (Tradier, Polygon) share beyond their HTTP client.

An unknown symbol and an empty range look alike upstream: both come back with
nothing in them. Each provider tells them apart its own way (`_require_known`);
what an empty answer then means, and the message a user reads, is decided here
once for both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from market_parser.errors import NoDataError
from market_parser.market_data.http import HttpClient
from market_parser.market_data.models import Bar, Interval, OptionChain
from market_parser.market_data.timestamps import today_in_new_york


class LiveProvider:
    """Base of the providers that answer from an upstream API."""

    name: str
    label: str
    http: HttpClient
    _clock: Callable[[], datetime]

    def latest_day(self) -> date:
        return today_in_new_york(self._clock())

    def close(self) -> None:
        self.http.close()

    def _require_known(self, symbol: str) -> None:
        """Raise `UnknownTickerError` when the upstream does not know ``symbol``."""
        raise NotImplementedError

    def _checked_history(
        self, bars: list[Bar], symbol: str, start: date, end: date, interval: Interval
    ) -> list[Bar]:
        """``bars``, or the error that says why there are none."""
        if not bars:
            self._require_known(symbol)
            raise NoDataError(
                f"{self.label} has no {interval} prices for {symbol} from {start} "
                f"to {end}. Try a range that includes trading days."
            )

        return bars

    def _checked_expirations(self, dates: list[date], symbol: str) -> list[date]:
        """``dates``; none is a real answer, but only for a symbol that exists."""
        if not dates:
            self._require_known(symbol)

        return dates

    def _checked_chain(
        self, chain: OptionChain, symbol: str, expiration: date
    ) -> OptionChain:
        """``chain``, or the error that says why it has no contracts."""
        if not chain.contracts:
            self._require_known(symbol)
            raise NoDataError(
                f"{self.label} lists no {symbol} options expiring {expiration}. "
                "Ask for the expirations to see which dates exist."
            )

        return chain
