"""Asks the Streamlit app whether it can serve, and remembers the answer briefly."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

HEALTH_PATH = "/_stcore/health"


@dataclass(frozen=True)
class ProbeResult:
    """Whether the app answered its health check, why not, and when we asked."""

    ok: bool
    detail: str
    checked_at: float


class AppProbe:
    """Probes ``<app_url>/_stcore/health``, reusing a result for ``ttl`` seconds.

    Only one probe runs at a time. A result up to twice the TTL old is still
    served while a background probe refreshes it, so steady traffic never waits
    on the app; an older one (a ping every few minutes) is refreshed first, so
    it is never stale. While a probe runs, other callers get the previous result
    instead of waiting; only the very first caller waits.
    """

    def __init__(
        self,
        app_url: str,
        *,
        ttl: float = 1.5,
        timeout: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parts = urllib.parse.urlsplit(app_url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._path = parts.path.rstrip("/") + HEALTH_PATH
        self._ttl = ttl
        self._timeout = timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._last: ProbeResult | None = None

    def check(self) -> ProbeResult:
        """The latest result, probing again when it is older than the TTL."""
        last = self._last
        age = self._clock() - last.checked_at if last is not None else None
        if age is not None and age < self._ttl:
            return last
        if not self._lock.acquire(blocking=last is None):
            return last  # type: ignore[return-value]  # someone else is probing
        if age is not None and age < 2 * self._ttl:
            threading.Thread(target=self._refresh, name="app-probe").start()
            return last
        try:
            return self._refresh_locked()
        finally:
            self._lock.release()

    def _refresh(self) -> None:
        try:
            self._refresh_locked()
        finally:
            self._lock.release()

    def _refresh_locked(self) -> ProbeResult:
        last = self._last
        if last is None or self._clock() - last.checked_at >= self._ttl:
            last = self._last = self._probe()
        return last

    def _probe(self) -> ProbeResult:
        connection_class = (
            http.client.HTTPSConnection if self._https else http.client.HTTPConnection
        )
        connection = connection_class(self._host, self._port, timeout=self._timeout)
        try:
            connection.request("GET", self._path)
            response = connection.getresponse()
            response.read(256)
            status = response.status
        except TimeoutError:
            return self._result(False, f"no answer within {self._timeout:g} s")
        except (OSError, http.client.HTTPException) as exc:
            return self._result(False, _describe(exc))
        finally:
            connection.close()
        if status != 200:
            return self._result(False, f"health check answered HTTP {status}")

        return self._result(True, "ok")

    def _result(self, ok: bool, detail: str) -> ProbeResult:
        return ProbeResult(ok, detail, self._clock())


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    return (getattr(exc, "strerror", None) or type(exc).__name__).lower()
