"""Conversation memory per browser session, and which sessions are active."""

from __future__ import annotations

import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from market_parser.observability.catalog import AppMetrics

# Sessions kept open at once; the least recently used idle one is closed (its
# history stays on disk). Each open one holds SQLite connections of its own,
# about 1 MB. Sessions in use by a question are never closed, so while more
# questions run at once than this, more sessions are open for that while.
MAX_OPEN_SESSIONS = 32
# Conversation items a run reads back: a follow-up needs the last few
# questions, and replaying a whole long chat costs time on every question.
HISTORY_ITEMS = 40
# A session that has not loaded a page or asked for this long is not active.
ACTIVE_WINDOW_SECONDS = 300.0
SESSIONS_FILE = "sessions.sqlite3"


class SessionStore:
    """Opens one SQLite-backed SDK session per session id, never shared."""

    def __init__(self, data_dir: Path, metrics: AppMetrics) -> None:
        self._path = Path(data_dir) / SESSIONS_FILE
        self._metrics = metrics
        self._open: OrderedDict[str, Any] = OrderedDict()
        self._in_use: Counter[str] = Counter()
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    @contextmanager
    def borrow(self, session_id: str) -> Iterator[Any]:
        """The conversation memory of ``session_id``, kept open while in use."""
        session = self._acquire(session_id)
        try:
            yield session
        finally:
            with self._lock:
                self._in_use[session_id] -= 1
                if not self._in_use[session_id]:
                    del self._in_use[session_id]
                self._close_idle_beyond_limit()

    def open_ids(self) -> list[str]:
        """Open sessions, least recently used first."""
        with self._lock:
            return list(self._open)

    def _acquire(self, session_id: str) -> Any:
        from agents import SQLiteSession
        from agents.memory.session_settings import SessionSettings

        with self._lock:
            self._in_use[session_id] += 1
            session = self._open.get(session_id)
            if session is not None:
                self._open.move_to_end(session_id)
                return session
            self._path.parent.mkdir(parents=True, exist_ok=True)
            session = SQLiteSession(
                session_id,
                db_path=self._path,
                session_settings=SessionSettings(limit=HISTORY_ITEMS),
            )
            self._open[session_id] = session
            self._close_idle_beyond_limit()

        return session

    def _close_idle_beyond_limit(self) -> None:
        excess = len(self._open) - MAX_OPEN_SESSIONS
        if excess <= 0:
            return
        idle = [sid for sid in self._open if not self._in_use[sid]][:excess]
        for session_id in idle:
            self._open.pop(session_id).close()

    def touch(self, session_id: str, now: float | None = None) -> int:
        """Mark ``session_id`` active now; returns how many sessions are active."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._seen[session_id] = now
            cutoff = now - ACTIVE_WINDOW_SECONDS
            for stale in [s for s, at in self._seen.items() if at < cutoff]:
                del self._seen[stale]
            active = len(self._seen)
        self._metrics.active_sessions.set(active)

        return active

    def close(self) -> None:
        with self._lock:
            for session in self._open.values():
                session.close()
            self._open.clear()
