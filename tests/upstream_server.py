"""A local HTTP server that stands in for an upstream API in tests.

It listens on 127.0.0.1 on a free port and answers each route with a canned
`Reply`, a list of replies served in turn (the last one repeats), or a function
of the `RecordedRequest`. A reply can also misbehave on purpose: wait before
answering, reset the connection without a word, or send fewer body bytes than
its ``Content-Length`` promised. Every request is recorded, so tests can count
them and check what was sent. Unrouted paths answer 501 so a test that forgot a
route fails loudly instead of passing on a 404.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Reply:
    """What the server answers to one request."""

    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds to wait before answering (cut short when the server stops)."""
    reset: bool = False
    """Close the connection with a TCP reset instead of answering."""
    truncate_at: int | None = None
    """Send only this many body bytes, announce them all, then hang up."""

    @classmethod
    def json(
        cls,
        payload: Any,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Reply:
        body = json.dumps(payload).encode()
        return cls.raw(body, status, "application/json", headers, **options)

    @classmethod
    def file(
        cls,
        path: Path,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Reply:
        """A recorded JSON body, served byte for byte."""
        return cls.raw(
            path.read_bytes(), status, "application/json", headers, **options
        )

    @classmethod
    def text(
        cls,
        text: str,
        status: int = 200,
        content_type: str = "text/plain",
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Reply:
        return cls.raw(text.encode(), status, content_type, headers, **options)

    @classmethod
    def html(cls, text: str, status: int = 200, **options: Any) -> Reply:
        return cls.text(text, status, "text/html; charset=utf-8", **options)

    @classmethod
    def raw(
        cls,
        body: bytes,
        status: int = 200,
        content_type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> Reply:
        merged = {"Content-Type": content_type} if content_type else {}
        merged.update(headers or {})
        return cls(status=status, body=body, headers=merged, **options)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it; header names are lower-cased."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""
    peer: tuple[str, int] = ("", 0)
    """The client's address: the same port means the same pooled connection."""
    received_at: float = 0.0
    """``time.monotonic()`` when the request line arrived."""

    def param(self, name: str) -> str | None:
        """The last value of query parameter ``name``, or None."""
        values = self.query.get(name)
        return values[-1] if values else None

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


Handler = Callable[[RecordedRequest], Reply]
Route = Reply | Sequence[Reply] | Handler


class UpstreamServer:
    """A threaded loopback HTTP server with canned routes and a request log."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._httpd = _Server((host, 0), _RequestHandler)
        self._httpd.upstream = self
        self._lock = threading.Lock()
        self._routes: dict[tuple[str, str], Handler] = {}
        self._requests: list[RecordedRequest] = []
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> UpstreamServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="upstream-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> UpstreamServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def route(self, path: str, answer: Route, *, method: str = "GET") -> None:
        """Answer ``method path`` (query ignored) with ``answer`` from now on."""
        with self._lock:
            self._routes[(method.upper(), path)] = _handler(answer)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    def clear(self) -> None:
        """Forget the recorded requests; the routes stay."""
        with self._lock:
            self._requests.clear()

    def _answer(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            handler = self._routes.get((request.method, request.path))
        if handler is None:
            return Reply.text(f"no route for {request.method} {request.path}", 501)
        return handler(request)


def _handler(answer: Route) -> Handler:
    if isinstance(answer, Reply):
        return lambda _request: answer
    if callable(answer):
        return answer
    replies = list(answer)
    if not replies:
        raise ValueError("a route needs at least one reply")
    lock = threading.Lock()

    def next_reply(_request: RecordedRequest) -> Reply:
        with lock:
            return replies.pop(0) if len(replies) > 1 else replies[0]

    return next_reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    upstream: UpstreamServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out hang up mid-answer; that is the test, not a bug.
        pass


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        upstream = self.server.upstream
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
            peer=self.client_address[:2],
            received_at=time.monotonic(),
        )
        reply = upstream._answer(request)
        if reply.delay and upstream.stopping.wait(reply.delay):
            reply = Reply(reset=True)
        if reply.reset:
            self._reset()
            return
        self._write(reply)

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if self.command == "HEAD":
            return
        if reply.truncate_at is None:
            self.wfile.write(reply.body)
            return
        self.wfile.write(reply.body[: reply.truncate_at])
        self.wfile.flush()
        self.close_connection = True

    def _reset(self) -> None:
        # SO_LINGER with a zero timeout makes close() send RST, not FIN.
        linger = struct.pack("ii", 1, 0)
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.connection.close()
        self.close_connection = True
