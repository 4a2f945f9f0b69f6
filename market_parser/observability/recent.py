"""The last few hundred questions, for the Monitoring page's slowest/failed table."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

QUESTION_PREVIEW_CHARS = 80


@dataclass(frozen=True, slots=True)
class QuestionRecord:
    """One finished question as an operator sees it (no raw session id)."""

    at: float
    question: str
    outcome: str
    duration_ms: float
    model: str
    correlation_id: str
    error_type: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class RecentQuestions:
    """A bounded, thread-safe ring of `QuestionRecord`s, newest last."""

    def __init__(self, size: int = 500) -> None:
        self._records: deque[QuestionRecord] = deque(maxlen=size)
        self._lock = threading.Lock()

    def add(self, record: QuestionRecord) -> None:
        preview = record.question[:QUESTION_PREVIEW_CHARS]
        if preview != record.question:
            record = QuestionRecord(**{**record.to_dict(), "question": preview + "…"})
        with self._lock:
            self._records.append(record)

    def all(self) -> list[QuestionRecord]:
        with self._lock:
            return list(self._records)

    def slowest(self, count: int = 10, since: float = 0.0) -> list[QuestionRecord]:
        """The slowest answered questions since ``since`` (epoch seconds)."""
        answered = [r for r in self.all() if r.outcome == "answered" and r.at >= since]
        return sorted(answered, key=lambda r: r.duration_ms, reverse=True)[:count]

    def failed(self, count: int = 10, since: float = 0.0) -> list[QuestionRecord]:
        """The most recent questions the app failed to answer, newest first.

        Questions refused for the user's own input or pace ("invalid") are left
        out, as they are from the success rate.
        """
        failed = [
            r
            for r in self.all()
            if r.outcome not in ("answered", "invalid") and r.at >= since
        ]
        return failed[::-1][:count]
