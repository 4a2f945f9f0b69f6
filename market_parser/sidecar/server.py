"""The sidecar's HTTP server: a quiet, threaded ``http.server`` with four routes.

``/health`` (readiness) and ``/livez`` (liveness) are open to anyone, since
keep-alive pings and load balancers call them; ``/status`` and ``/metrics``
need ``Authorization: Bearer <MONITORING_TOKEN>`` when a token is set.
"""

from __future__ import annotations

import hmac
import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from market_parser.observability.exposition import CONTENT_TYPE
from market_parser.sidecar.config import SidecarConfig
from market_parser.sidecar.documents import (
    health_document,
    liveness_document,
    metrics_text,
    status_document,
)
from market_parser.sidecar.probe import AppProbe
from market_parser.sidecar.readiness import Readiness, assess
from market_parser.sidecar.snapshots import SnapshotCache

logger = logging.getLogger(__name__)

JSON_TYPE = "application/json"
ALLOWED = "GET, HEAD"
GUARDED = frozenset({"/status", "/metrics"})


class SidecarServer(ThreadingHTTPServer):
    """Holds what the handlers share: config, probe, status file, start time."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        config: SidecarConfig,
        *,
        probe: AppProbe | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__((config.host, config.port), SidecarHandler)
        self.config = config
        self.clock = clock
        self.probe = probe or AppProbe(
            config.app_url,
            ttl=config.probe_ttl,
            timeout=config.probe_timeout,
            clock=clock,
        )
        self.snapshots = SnapshotCache(config.data_dir)
        self.started_at = clock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log a failed request at DEBUG; the default prints a traceback to stderr.

        Clients that drop keep-alive connections (load tools, probes that time
        out) cause most of these, and none of them concern the app.
        """
        logger.debug("sidecar.connection_error", exc_info=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def uptime(self, now: float) -> float:
        return max(0.0, now - self.started_at)


class SidecarHandler(BaseHTTPRequestHandler):
    """Routes GET and HEAD; any other method on a known path gets 405."""

    server: SidecarServer
    protocol_version = "HTTP/1.1"
    server_version = "market-parser-sidecar"
    sys_version = ""
    # Drops idle keep-alive connections instead of holding a thread forever.
    timeout = 30
    # Headers and body go out in two writes; with Nagle's algorithm on, the
    # second waits for the client's delayed ACK, about 40 ms per answer.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def __getattr__(self, name: str) -> Any:
        # http.server looks up ``do_<METHOD>``; answering every other method here
        # gives 405 (or 404 on an unknown path) instead of its default 501.
        if name.startswith("do_"):
            return self._other_method
        raise AttributeError(name)

    def _other_method(self) -> None:
        # The request may carry a body this server never reads; closing the
        # connection keeps it from being parsed as the next request.
        self.close_connection = True
        if self._path() not in ROUTES:
            self._not_found(head=False, headers={"Connection": "close"})
            return
        self._send_json(
            HTTPStatus.METHOD_NOT_ALLOWED,
            {"error": "method not allowed", "allowed": ALLOWED},
            head=False,
            headers={"Allow": ALLOWED, "Connection": "close"},
        )

    def _dispatch(self, head: bool) -> None:
        path = self._path()
        route = ROUTES.get(path)
        if route is None:
            self._not_found(head)
        elif path in GUARDED and not self._authorized():
            self._send_json(
                HTTPStatus.UNAUTHORIZED,
                {
                    "error": "unauthorized",
                    "message": "Send 'Authorization: Bearer <MONITORING_TOKEN>'.",
                },
                head,
                headers={"WWW-Authenticate": 'Bearer realm="market-parser"'},
            )
        else:
            route(self, head)

    def _path(self) -> str:
        return self.path.split("?", 1)[0].split("#", 1)[0]

    def _authorized(self) -> bool:
        token = self.server.config.token
        if not token:
            return True
        scheme, _, credentials = self.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), token.encode()
        )

    def _not_found(self, head: bool, headers: dict[str, str] | None = None) -> None:
        self._send_json(
            HTTPStatus.NOT_FOUND,
            {"error": "not found", "paths": sorted(ROUTES)},
            head,
            headers,
        )

    def _readiness(self, now: float) -> tuple[Readiness, Any, Any]:
        server = self.server
        probe = server.probe.check()
        snapshot = server.snapshots.read()
        readiness = assess(probe, snapshot, now, server.config.max_snapshot_age)
        return readiness, probe, snapshot

    def health(self, head: bool) -> None:
        now = self.server.clock()
        readiness, probe, _ = self._readiness(now)
        body = health_document(readiness, probe, now, self.server.uptime(now))
        status = HTTPStatus.OK if readiness.ready else HTTPStatus.SERVICE_UNAVAILABLE
        self._send_json(status, body, head)

    def liveness(self, head: bool) -> None:
        now = self.server.clock()
        self._send_json(
            HTTPStatus.OK, liveness_document(now, self.server.uptime(now)), head
        )

    def status(self, head: bool) -> None:
        now = self.server.clock()
        readiness, probe, snapshot = self._readiness(now)
        body = status_document(readiness, probe, snapshot, now, self.server.uptime(now))
        code = HTTPStatus.OK if snapshot is not None else HTTPStatus.SERVICE_UNAVAILABLE
        self._send_json(code, body, head)

    def metrics(self, head: bool) -> None:
        now = self.server.clock()
        readiness, probe, snapshot = self._readiness(now)
        try:
            text = metrics_text(snapshot, probe, readiness.snapshot_age)
        except (KeyError, TypeError, ValueError):
            logger.warning("sidecar.metrics_unreadable", exc_info=True)
            text = metrics_text(None, probe, readiness.snapshot_age)
        self._send(HTTPStatus.OK, text.encode(), CONTENT_TYPE, head)

    def _send_json(
        self,
        status: HTTPStatus,
        body: dict[str, Any],
        head: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self._send(status, data, JSON_TYPE, head, headers)

    def _send(
        self,
        status: HTTPStatus,
        data: bytes,
        content_type: str,
        head: bool,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(data)

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: one log line per probe would drown the app's own logs."""

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("sidecar.request_error", extra={"detail": format % args})


ROUTES: dict[str, Callable[[SidecarHandler, bool], None]] = {
    "/health": SidecarHandler.health,
    "/livez": SidecarHandler.liveness,
    "/status": SidecarHandler.status,
    "/metrics": SidecarHandler.metrics,
}


def serve(config: SidecarConfig) -> int:
    """Serve until SIGTERM or SIGINT, then close the socket; returns the exit status.

    Call it from the main thread: it installs the signal handlers.
    """
    server = SidecarServer(config)
    stopping = threading.Event()

    def stop(signum: int, _frame: Any) -> None:
        if not stopping.is_set():
            stopping.set()
            # shutdown() waits for serve_forever, which runs in this very thread.
            threading.Thread(target=server.shutdown, name="sidecar-stop").start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info(
        "sidecar.started",
        extra={
            "url": server.url,
            "app_url": config.app_url,
            "status_file": str(server.snapshots.path),
            "token_required": bool(config.token),
        },
    )
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
        logger.info("sidecar.stopped")

    return 0
