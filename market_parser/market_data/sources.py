"""Pick the data source from the settings: live providers with keys, else offline."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from market_parser.config.settings import Settings
from market_parser.errors import UpstreamError
from market_parser.market_data.models import (
    Bar,
    Interval,
    MarketClock,
    MarketDataProvider,
    OptionChain,
    QuoteBatch,
)

if TYPE_CHECKING:
    from market_parser.market_data.http import Listener

logger = logging.getLogger(__name__)

T = TypeVar("T")


def build_provider(
    settings: Settings, on_request: Listener | None = None
) -> MarketDataProvider:
    """The provider the settings call for; imports only what it uses.

    ``on_request`` hears the outcome of every upstream HTTP request.
    """
    live: list[Any] = []
    if settings.use_tradier:
        from market_parser.market_data.tradier import TradierProvider

        live.append(TradierProvider(settings))
    if settings.use_polygon:
        from market_parser.market_data.polygon import PolygonProvider

        live.append(PolygonProvider(settings))
    if on_request is not None:
        for provider in live:
            provider.http.add_listener(on_request)
    if not live:
        from market_parser.market_data.offline import OfflineProvider

        return OfflineProvider()
    return live[0] if len(live) == 1 else FallbackProvider(live)


class FallbackProvider:
    """Asks each provider in turn, moving on only when one fails upstream.

    Data answers (unknown ticker, no data) come from the first provider as they
    are: a second opinion would only hide them.
    """

    def __init__(self, providers: Sequence[MarketDataProvider]) -> None:
        self._providers = list(providers)
        self.name = "+".join(p.name for p in self._providers)
        self.label = " with ".join(p.label for p in self._providers) + " as fallback"

    def _first(self, call: Callable[[MarketDataProvider], T]) -> T:
        failure: UpstreamError | None = None
        for provider in self._providers:
            try:
                return call(provider)
            except UpstreamError as exc:
                logger.warning(
                    "provider.fallback",
                    extra={"provider": provider.name, "error_type": type(exc).__name__},
                )
                failure = exc
        assert failure is not None
        raise failure

    def latest_day(self) -> date:
        return self._providers[0].latest_day()

    def quotes(self, symbols: Sequence[str]) -> QuoteBatch:
        return self._first(lambda p: p.quotes(symbols))

    def history(
        self, symbol: str, start: date, end: date, interval: Interval = "daily"
    ) -> list[Bar]:
        return self._first(lambda p: p.history(symbol, start, end, interval))

    def expirations(self, symbol: str) -> list[date]:
        return self._first(lambda p: p.expirations(symbol))

    def option_chain(self, symbol: str, expiration: date) -> OptionChain:
        return self._first(lambda p: p.option_chain(symbol, expiration))

    def market_clock(self) -> MarketClock:
        return self._first(lambda p: p.market_clock())
