"""Correlation id and session hash for the work in progress, kept in contextvars.

Context variables follow ``await`` and ``asyncio.to_thread`` but not a plain
``ThreadPoolExecutor.submit`` or ``loop.run_in_executor``; wrap such work with
`carry` so its log lines keep the question's correlation id.
"""

from __future__ import annotations

import contextvars
import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "market_parser_correlation_id", default=None
)
_session: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "market_parser_session", default=None
)


def new_correlation_id() -> str:
    """Return a fresh id short enough for a user to read out in a bug report."""
    return uuid.uuid4().hex[:16]


def session_hash(raw_session_id: str) -> str:
    """Return the short hash logged in place of a raw session id."""
    return hashlib.sha256(raw_session_id.encode("utf-8")).hexdigest()[:10]


@contextmanager
def bind(
    *, correlation_id: str | None = None, session: str | None = None
) -> Iterator[str | None]:
    """Set the correlation id and session for the enclosed block, then restore them.

    ``session`` is the raw session id; only its `session_hash` is kept. Yields the
    correlation id in force inside the block.
    """
    tokens = []
    if correlation_id is not None:
        tokens.append((_correlation_id, _correlation_id.set(correlation_id)))
    if session is not None:
        tokens.append((_session, _session.set(session_hash(session))))
    try:
        yield _correlation_id.get()
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current() -> dict[str, str | None]:
    """Return the bound correlation id and session hash (None when unbound)."""
    return {"correlation_id": _correlation_id.get(), "session": _session.get()}


def carry(func: Callable[P, R]) -> Callable[P, R]:
    """Wrap ``func`` so it runs in a copy of the caller's context, in any thread."""
    context = contextvars.copy_context()

    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        # A context can be entered by one thread at a time; a copy per call lets
        # the wrapper run concurrently, as it does under ``executor.map``.
        return context.copy().run(func, *args, **kwargs)

    return run
