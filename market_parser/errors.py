"""The package's exception tree.

Every error raised on purpose derives from `MarketParserError`. Third-party errors
(requests, openai, sqlite) are translated into these at one boundary with
``raise ... from exc``. A message says what happened, then what to do.
"""

from __future__ import annotations

from collections.abc import Sequence


class MarketParserError(Exception):
    """Base class for every error this package raises on purpose."""


class ConfigError(MarketParserError):
    """A setting is missing or holds a value that is not allowed."""


class DataError(MarketParserError):
    """The question cannot be answered from the data, through no fault upstream.

    These are the user's answers ("no such ticker", "no trading that day"), not
    faults: they never count against a circuit breaker and are never retried.
    """


class UnknownTickerError(DataError):
    """One or more symbols are not known to the data source."""

    def __init__(
        self,
        symbols: Sequence[str],
        *,
        source: str,
        available: Sequence[str] = (),
    ) -> None:
        self.symbols = tuple(symbols)
        self.source = source
        self.available = tuple(available)
        names = ", ".join(self.symbols)
        message = f"{source} has no data for {names}."
        if self.available:
            message += f" Available tickers: {', '.join(self.available)}."
        super().__init__(message)


class NoDataError(DataError):
    """The symbol is known but there is nothing in the requested range."""


class UpstreamError(MarketParserError):
    """An upstream provider failed: a fault on its side or on the way to it.

    ``status`` is the HTTP status when there was one. These count against the
    provider's circuit breaker and may be retried.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int | None = None,
    ) -> None:
        self.provider = provider
        self.status = status
        super().__init__(message)


class UpstreamTimeoutError(UpstreamError):
    """The provider did not answer within the connect or read timeout."""


class UpstreamFormatError(UpstreamError):
    """The provider answered with a body we cannot read (HTML, truncated JSON...)."""


class UpstreamAuthError(UpstreamError):
    """The provider refused our credentials; retrying will not help."""


class RateLimitedError(UpstreamError):
    """The provider answered 429; ``retry_after`` is its requested wait in seconds."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status=429)
        self.retry_after = retry_after


class QuestionError(MarketParserError):
    """The question itself cannot be taken: empty, too long, or similar."""


class QueryTimeoutError(MarketParserError):
    """The question ran past its deadline and was cancelled."""


class BusyError(MarketParserError):
    """Too many questions are running or waiting; the user should try again."""


class BreakerOpenError(UpstreamError):
    """The provider's circuit breaker is open, so the call failed fast.

    ``retry_in`` is how many seconds until the breaker lets a trial request
    through (0 while a trial is already in flight).
    """

    def __init__(self, message: str, *, provider: str, retry_in: float) -> None:
        super().__init__(message, provider=provider)
        self.retry_in = retry_in


class OutboundLimitError(RateLimitedError):
    """Our own rate limit for a provider has no free slot before the deadline.

    No request was sent, so there is no HTTP status; ``retry_after`` says when
    a slot frees up.
    """

    def __init__(self, message: str, *, provider: str, retry_after: float) -> None:
        super().__init__(message, provider=provider, retry_after=retry_after)
        self.status = None


class ModelError(UpstreamError):
    """The language model failed: unreachable, erroring, too slow or incoherent.

    Raised at the boundary around a model run so the model's breaker counts it;
    the question is then answered by the offline planner.
    """
