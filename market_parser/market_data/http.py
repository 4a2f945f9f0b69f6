"""The HTTP layer both live providers share.

`HttpClient.get_json` sends one GET through a pooled `requests.Session` and
returns the parsed JSON body, or raises an error from `market_parser.errors`.
Every `requests` failure and every unusable status or body is translated in
`HttpClient._send` and nowhere else. The resilience layer puts breakers, rate
limits and retries around that one function with `HttpClient.wrap`; metrics and
logs subscribe to each request's `RequestOutcome` with `HttpClient.add_listener`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ReadTimeoutError

from market_parser.errors import (
    MarketParserError,
    RateLimitedError,
    UnknownTickerError,
    UpstreamAuthError,
    UpstreamError,
    UpstreamFormatError,
    UpstreamTimeoutError,
)
from market_parser.resilience.deadline import current_deadline

logger = logging.getLogger(__name__)

DEFAULT_POOL_SIZE = 16
"""Connections kept per host: enough for the worker threads that share a client."""

REDACTED = "REDACTED"

_SECRET_PARAM = re.compile(
    r"(?i)\b((?:api[_-]?key|access[_-]?token|token|secret|password)=)[^&\s'\"]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s'\",]+")
_DETAIL_CHARS = 200


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """One GET to send: a stable endpoint name for metrics, a path and its query.

    ``path`` is joined to the client's base URL and may carry a query string of
    its own (a pagination cursor). ``symbols`` names what the request is about,
    so that a JSON 404 becomes `UnknownTickerError` rather than a fault.
    """

    endpoint: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RequestOutcome:
    """What happened to one request; ``status`` is None when nothing came back."""

    provider: str
    endpoint: str
    status: int | None
    duration_s: float
    error: MarketParserError | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    """The response headers (case-insensitive), empty when nothing came back."""

    @property
    def ok(self) -> bool:
        return self.error is None


Send = Callable[[RequestSpec], Any]
Listener = Callable[[RequestOutcome], None]
BodyCheck = Callable[[RequestSpec, int, Any], None]
"""Called with each 2xx JSON body; raises when the provider reports an error in it."""


def new_session(pool_size: int = DEFAULT_POOL_SIZE) -> requests.Session:
    """A session whose pool keeps ``pool_size`` connections and never retries."""
    session = requests.Session()
    # Retries belong to the resilience layer, which sees every attempt.
    adapter = HTTPAdapter(pool_connections=2, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)

    return session


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with key-like query values, bearer tokens and ``secrets`` removed."""
    text = _SECRET_PARAM.sub(rf"\g<1>{REDACTED}", text)
    text = _BEARER.sub(rf"\g<1>{REDACTED}", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)

    return text


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header in seconds or as an HTTP date."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        seconds = (moment - now).total_seconds()
    if not math.isfinite(seconds):
        return None

    return max(0.0, seconds)


class HttpClient:
    """Sends GETs to one provider and turns every failure into our errors."""

    def __init__(
        self,
        provider: str,
        *,
        label: str,
        base_url: str,
        key_setting: str,
        timeout: tuple[float, float],
        session: requests.Session | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        secrets: Iterable[str] = (),
        check_body: BodyCheck | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.provider = provider
        self.label = label
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._key_setting = key_setting
        self._owns_session = session is None
        self._session = session if session is not None else new_session()
        self._headers = dict(headers or {})
        self._params = dict(params or {})
        self._secrets = tuple(secret for secret in secrets if secret)
        self._check_body = check_body
        self._clock = clock or (lambda: datetime.now(UTC))
        self._listeners: list[Listener] = []
        self._send_chain: Send = self._send

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener`` with the outcome of every request, retries included."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def wrap(self, wrapper: Callable[[Send], Send]) -> None:
        """Put ``wrapper`` around the send function; the last one wrapped runs first.

        The app wraps once, with `UpstreamGuard.wrap`, which applies breaker,
        retry and rate limit in the order `market_parser.resilience.guards`
        documents.
        """
        self._send_chain = wrapper(self._send_chain)

    def get_json(self, spec: RequestSpec) -> Any:
        """The parsed JSON body of ``spec``'s answer, through every wrapper."""
        return self._send_chain(spec)

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    @contextmanager
    def parsing(self, endpoint: str) -> Iterator[None]:
        """Turn a JSON body of an unexpected shape into `UpstreamFormatError`."""
        try:
            yield
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            reason = _shorten(self.redact(f"{type(exc).__name__}: {exc}"))
            raise UpstreamFormatError(
                f"{self.label} answered {endpoint} with JSON we cannot read "
                f"({reason}). The API may have changed; try again later.",
                provider=self.provider,
            ) from exc

    def close(self) -> None:
        if self._owns_session:
            self._session.close()

    def _send(self, spec: RequestSpec) -> Any:
        """Send one GET, report its outcome, and return its JSON or raise."""
        start = time.perf_counter()
        status: int | None = None
        headers: Mapping[str, str] = {}
        error: MarketParserError | None = None
        try:
            response = self._get(spec)
            status, headers = response.status_code, response.headers
            return self._read(spec, response)
        except MarketParserError as exc:
            error = exc
            raise
        finally:
            self._report(
                RequestOutcome(
                    provider=self.provider,
                    endpoint=spec.endpoint,
                    status=status,
                    duration_s=time.perf_counter() - start,
                    error=error,
                    headers=headers,
                )
            )

    def _get(self, spec: RequestSpec) -> requests.Response:
        timeout = self.timeout
        deadline = current_deadline()
        if deadline is not None:
            # No request may outlive its question: nothing can cancel a thread
            # blocked in a socket read, so the read must end by the deadline.
            deadline.check()
            timeout = (deadline.cap(timeout[0]), deadline.cap(timeout[1]))
        try:
            return self._session.get(
                self.base_url + spec.path,
                params={**spec.params, **self._params},
                headers=self._headers,
                timeout=timeout,
            )
        except requests.RequestException as exc:
            _scrub(exc, self.redact)
            raise self._transport_error(spec, exc) from exc

    def _transport_error(
        self, spec: RequestSpec, exc: requests.RequestException
    ) -> UpstreamError:
        # requests reports a read timeout in the body as a ConnectionError.
        if isinstance(exc, requests.Timeout) or _caused_by_read_timeout(exc):
            connect, read = self.timeout
            return UpstreamTimeoutError(
                f"{self.label} did not answer {spec.endpoint} in time "
                f"(connect {connect:g} s, read {read:g} s). Try again in a moment.",
                provider=self.provider,
            )
        reason = _shorten(self.redact(str(exc)))
        return UpstreamError(
            f"Could not reach {self.label} for {spec.endpoint} "
            f"({type(exc).__name__}: {reason}). Check the network and try again.",
            provider=self.provider,
        )

    def _read(self, spec: RequestSpec, response: requests.Response) -> Any:
        status = response.status_code
        if not 200 <= status < 300:
            raise self._status_error(spec, response)
        try:
            payload = json.loads(response.content)
        except ValueError as exc:
            raise UpstreamFormatError(
                f"{self.label} answered {spec.endpoint} (HTTP {status}) with "
                f"{self.redact(_describe_body(response.content))}, which is not "
                "usable JSON. Try again later.",
                provider=self.provider,
                status=status,
            ) from exc
        if self._check_body is not None:
            self._check_body(spec, status, payload)

        return payload

    def _status_error(
        self, spec: RequestSpec, response: requests.Response
    ) -> MarketParserError:
        status = response.status_code
        payload = _json_or_none(response.content)
        detail = self.redact(_detail(payload, response.content))
        what = f"{self.label} answered {spec.endpoint} with HTTP {status}"
        if detail:
            what += f" ({detail})"
        if status == 429:
            retry_after = parse_retry_after(
                response.headers.get("Retry-After"), self._clock()
            )
            wait = "a minute" if retry_after is None else f"{retry_after:g} s"
            return RateLimitedError(
                f"{what}: too many requests. Wait {wait} before asking again.",
                provider=self.provider,
                retry_after=retry_after,
            )
        if status in (401, 403):
            return UpstreamAuthError(
                f"{what}: the API key was refused or its plan does not cover this "
                f"data. Check {self._key_setting}.",
                provider=self.provider,
                status=status,
            )
        # Only a JSON 404 is the API speaking; an HTML one means a wrong base URL.
        if status == 404 and spec.symbols and payload is not None:
            return UnknownTickerError(spec.symbols, source=self.label)
        advice = (
            "This is a fault on their side; try again in a moment."
            if status >= 500
            else "Check the request and the provider's base URL setting."
        )
        return UpstreamError(f"{what}. {advice}", provider=self.provider, status=status)

    def _report(self, outcome: RequestOutcome) -> None:
        error_name = type(outcome.error).__name__ if outcome.error else None
        duration_ms = round(outcome.duration_s * 1000, 1)
        logger.info(
            "upstream.request",
            extra={
                "provider": outcome.provider,
                "endpoint": outcome.endpoint,
                "status": outcome.status,
                "duration_ms": duration_ms,
                "error_type": error_name,
            },
        )
        for listener in self._listeners:
            listener(outcome)


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _detail(payload: Any, content: bytes) -> str:
    """The provider's own words about an error, from a JSON or a text body."""
    if isinstance(payload, dict):
        fault = payload.get("fault")
        errors = payload.get("errors")
        for candidate in (
            payload.get("error"),
            payload.get("message"),
            fault.get("faultstring") if isinstance(fault, dict) else None,
            errors.get("error") if isinstance(errors, dict) else None,
        ):
            if candidate:
                return _shorten(str(candidate))
        return ""
    if payload is not None:
        return _shorten(str(payload))

    return _describe_body(content) if content.strip() else ""


def _describe_body(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return "an empty body"
    if text[:1] == "<" or "<html" in text[:200].lower():
        return "an HTML page"
    if text[:1] in "{[":
        return "truncated or malformed JSON"

    return repr(_shorten(text))


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    if len(text) <= _DETAIL_CHARS:
        return text

    return text[: _DETAIL_CHARS - 3] + "..."


def _caused_by_read_timeout(exc: requests.RequestException) -> bool:
    return any(isinstance(arg, ReadTimeoutError) for arg in exc.args)


def _scrub(
    exc: BaseException | None,
    clean: Callable[[str], str],
    seen: set[int] | None = None,
) -> None:
    """Redact keys from the messages along an exception chain.

    We raise ``from exc``, so tracebacks print the `requests` and `urllib3`
    errors too, and their messages hold the URL with Polygon's ``apiKey``.
    """
    seen = set() if seen is None else seen
    if exc is None or id(exc) in seen:
        return
    seen.add(id(exc))
    args = []
    for arg in exc.args:
        if isinstance(arg, str):
            arg = clean(arg)
        elif isinstance(arg, BaseException):
            _scrub(arg, clean, seen)
        args.append(arg)
    if tuple(args) != exc.args:
        exc.args = tuple(args)
    _scrub(exc.__cause__, clean, seen)
    _scrub(exc.__context__, clean, seen)
