"""A stand-in app health endpoint, status files of any age, a sidecar in a thread."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from market_parser.observability.alerts import AlertEvaluator
from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.snapshot import (
    SNAPSHOT_FILE,
    build_snapshot,
    write_snapshot,
)
from market_parser.sidecar.config import SidecarConfig
from market_parser.sidecar.server import SidecarServer

TOKEN = "tok-3f9a1c-secret-value"


class FakeApp:
    """Answers ``/_stcore/health`` like Streamlit, with a status a test can change."""

    def __init__(self) -> None:
        self.status = 200
        self.hits = 0
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                app.hits += 1
                body = b"ok" if app.status == 200 else b"not ready"
                self.send_response(app.status if self.path.endswith("/health") else 404)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(
            target=self.server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Take the app down: its port stays bound but nothing listens there.

        Holding the port keeps another test server from taking it, so a connect
        is refused rather than answered by a stranger.
        """
        port = self.server.server_address[1]
        self.server.shutdown()
        self.server.server_close()
        self._hold = socket.socket()
        self._hold.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._hold.bind(("127.0.0.1", port))

    def close(self) -> None:
        hold = getattr(self, "_hold", None)
        if hold is None:
            self.server.shutdown()
            self.server.server_close()
        else:
            hold.close()


def write_status(
    data_dir: Path,
    *,
    age: float = 0.0,
    state: str | None = None,
    reasons: tuple[str, ...] = (),
) -> dict:
    """Write a real status file, ``age`` seconds old, optionally forcing a state."""
    collector = MetricsCollector()
    metrics = register_app_metrics(collector)
    metrics.questions.labels(status="answered", error_type="").inc(19)
    metrics.questions.labels(status="failed", error_type="UpstreamError").inc()
    metrics.question_duration.labels(model="offline-planner", source="s").observe(0.4)
    metrics.breaker_state.labels(provider="tradier").set(0)
    now = time.time()
    health = AlertEvaluator().evaluate(collector, now)
    if state is not None:
        health = replace(health, state=state, reasons=reasons)
    snapshot = build_snapshot(collector, health, now=now - age, started_at=now - 300)
    write_snapshot(data_dir / SNAPSHOT_FILE, snapshot)
    return snapshot


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)


class Sidecar:
    """A sidecar serving in a thread on a free loopback port."""

    def __init__(self, config: SidecarConfig) -> None:
        self.server = SidecarServer(config)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}
        )
        self._thread.start()

    def request(
        self,
        path: str,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Reply:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            data = response.read()
            return Reply(response.status, dict(response.getheaders()), data)
        finally:
            connection.close()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(5)
