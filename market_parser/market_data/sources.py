"""Pick the data source from the settings: live providers with keys, else offline."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from market_parser.config.settings import Settings
from market_parser.errors import UpstreamError
from market_parser.market_data.cached import CachedProvider
from market_parser.market_data.models import (
    Bar,
    Interval,
    MarketClock,
    MarketDataProvider,
    OptionChain,
    QuoteBatch,
)
from market_parser.resilience.cache import TtlCache, policies_from_settings
from market_parser.resilience.events import EventBus
from market_parser.resilience.guards import UpstreamGuard
from market_parser.resilience.ratelimits import OutboundLimiter

if TYPE_CHECKING:
    from market_parser.market_data.http import Listener, RequestOutcome

logger = logging.getLogger(__name__)

T = TypeVar("T")


def build_provider(
    settings: Settings,
    *,
    on_request: Listener | None = None,
    bus: EventBus | None = None,
) -> CachedProvider:
    """The provider the settings call for, guarded and cached.

    Each live provider gets its own breaker, retry policy and rate limit
    (`UpstreamGuard`); whatever answers sits behind one `TtlCache`.
    ``on_request`` hears the outcome of every upstream HTTP request.
    """
    live = [_guarded(name, settings, on_request, bus) for name in _live_names(settings)]
    if not live:
        from market_parser.market_data.offline import OfflineProvider

        chosen: MarketDataProvider = OfflineProvider()
    else:
        chosen = live[0] if len(live) == 1 else FallbackProvider(live)
    cache = TtlCache(
        policies_from_settings(settings),
        max_entries=settings.cache_max_entries,
        bus=bus,
    )

    return CachedProvider(chosen, cache)


def _live_names(settings: Settings) -> list[str]:
    names = []
    if settings.use_tradier:
        names.append("tradier")
    if settings.use_polygon:
        names.append("polygon")
    return names


def _guarded(
    name: str, settings: Settings, on_request: Listener | None, bus: EventBus | None
) -> Any:
    if name == "tradier":
        from market_parser.market_data.tradier import TradierProvider

        provider: Any = TradierProvider(settings)
    else:
        from market_parser.market_data.polygon import PolygonProvider

        provider = PolygonProvider(settings)
    guard = UpstreamGuard.from_settings(name, settings, bus=bus)
    provider.http.wrap(guard.wrap)
    provider.http.add_listener(_RateLimitHeaders(guard.limiter))
    if on_request is not None:
        provider.http.add_listener(on_request)

    return provider


class _RateLimitHeaders:
    """Feeds Tradier's X-Ratelimit-* headers to the limiter before a 429 comes."""

    def __init__(self, limiter: OutboundLimiter) -> None:
        self._limiter = limiter

    def __call__(self, outcome: RequestOutcome) -> None:
        available = outcome.headers.get("X-Ratelimit-Available")
        expiry = outcome.headers.get("X-Ratelimit-Expiry")
        if available is None or expiry is None:
            return
        try:
            self._limiter.observe_headers(int(available), float(expiry))
        except ValueError:
            logger.debug("ratelimit.bad_headers", extra={"provider": outcome.provider})


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
