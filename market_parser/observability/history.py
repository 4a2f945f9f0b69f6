"""Per-minute metric rollups in SQLite, kept for 30 days, and the thread that writes them.

Each row is one series during one minute as one process saw it, keyed by
(name, minute, labels, instance). The flusher rewrites the current minute with
its running totals every few seconds (``INSERT OR REPLACE``), so rewriting is
idempotent; the instance id keeps a restarted process from overwriting the
minute its predecessor flushed last, so that minute is neither lost nor counted
twice. Percentiles over long windows merge the stored bucket counts.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from market_parser.observability.distribution import Distribution, Summary
from market_parser.observability.metrics import (
    COUNTER,
    RETENTION_MINUTES,
    MetricsCollector,
    Rollup,
)
from market_parser.observability.workers import DaemonWorker

logger = logging.getLogger(__name__)

RETENTION_SECONDS = 30 * 86400
BUSY_TIMEOUT_SECONDS = 5.0
MAX_POINTS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rollups (
    name TEXT NOT NULL,
    minute INTEGER NOT NULL,
    labels TEXT NOT NULL,
    instance TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    sum REAL NOT NULL,
    min REAL,
    max REAL,
    last REAL,
    buckets TEXT,
    PRIMARY KEY (name, minute, labels, instance)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rollups_minute ON rollups (minute);
"""


@dataclass(frozen=True)
class Point:
    """One step of a chart series; for counters ``sum`` is the increase in the step."""

    time: datetime
    count: int
    sum: float
    avg: float
    min: float
    max: float
    p50: float
    p95: float
    p99: float


class HistoryStore:
    """The SQLite file of rollups; safe to share between threads."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        # One connection behind a lock: writes come every 15 s, reads from pages.
        self._db = sqlite3.connect(
            self.path, timeout=BUSY_TIMEOUT_SECONDS, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def write(self, rollups: Iterable[Rollup], instance: str) -> int:
        """Store rollups as ``instance`` saw them, replacing its earlier rows."""
        rows = [_row(rollup, instance) for rollup in rollups]
        with self._lock, self._db:
            self._db.executemany(
                "INSERT OR REPLACE INTO rollups VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows
            )

        return len(rows)

    def summary(
        self,
        name: str,
        labels: Mapping[str, object] | None = None,
        *,
        since: float,
        until: float,
    ) -> Summary:
        """Summarise a histogram or gauge over the minutes starting in [since, until)."""
        merged = Distribution()
        for row in self._rows(name, labels, since, until):
            _check_not_counter(name, row)
            _merge_row(merged, row)

        return merged.summary()

    def total(
        self,
        name: str,
        labels: Mapping[str, object] | None = None,
        *,
        since: float,
        until: float,
    ) -> float:
        """Return how much a counter rose over the minutes starting in [since, until)."""
        return sum(row["sum"] for row in self._rows(name, labels, since, until))

    def breakdown(
        self, name: str, label: str, *, since: float, until: float
    ) -> dict[str, float]:
        """Return a counter's rise per value of one label, such as questions by status."""
        totals: dict[str, float] = {}
        for row in self._rows(name, None, since, until):
            value = row["labels"].get(label, "")
            totals[value] = totals.get(value, 0.0) + row["sum"]

        return totals

    def series(
        self,
        name: str,
        labels: Mapping[str, object] | None = None,
        *,
        since: float,
        until: float,
        step: int = 60,
    ) -> list[Point]:
        """Return one `Point` per ``step`` seconds from ``since`` to ``until``, gaps as zeros."""
        if step % 60 or step <= 0:
            raise ValueError(f"step={step!r}: use a whole number of minutes in seconds")
        first = int(since // step) * step
        if (until - first) / step > MAX_POINTS:
            raise ValueError(
                f"{name}: more than {MAX_POINTS} points; use a larger step"
            )
        steps: dict[int, Distribution] = {}
        counter = False
        for row in self._rows(name, labels, first, until):
            start = (row["minute"] * 60 // step) * step
            counter = row["kind"] == COUNTER
            _merge_row(steps.setdefault(start, Distribution()), row)

        return [
            _point(start, steps.get(start), counter)
            for start in range(first, int(until), step)
        ]

    def prune(
        self, older_than: float = RETENTION_SECONDS, now: float | None = None
    ) -> int:
        """Delete rollups older than ``older_than`` seconds; return how many went."""
        now = time.time() if now is None else now
        cutoff = math.ceil((now - older_than) / 60)
        with self._lock, self._db:
            cursor = self._db.execute("DELETE FROM rollups WHERE minute < ?", (cutoff,))

        return cursor.rowcount

    def close(self) -> None:
        """Close the database file."""
        with self._lock:
            self._db.close()

    def _rows(
        self,
        name: str,
        labels: Mapping[str, object] | None,
        since: float,
        until: float,
    ) -> list[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(
                "SELECT minute, labels, kind, count, sum, min, max, buckets "
                "FROM rollups WHERE name = ? AND minute >= ? AND minute < ?",
                (name, math.ceil(since / 60), math.ceil(until / 60)),
            )
            fetched = cursor.fetchall()
        wanted = {k: str(v) for k, v in (labels or {}).items()}
        parsed: dict[str, dict[str, str]] = {}
        rows = []
        for minute, label_text, kind, count, total, low, high, buckets in fetched:
            row_labels = parsed.get(label_text)
            if row_labels is None:
                row_labels = parsed[label_text] = json.loads(label_text)
            if any(row_labels.get(k) != v for k, v in wanted.items()):
                continue
            rows.append(
                {
                    "minute": minute,
                    "labels": row_labels,
                    "kind": kind,
                    "count": count,
                    "sum": total,
                    "min": low,
                    "max": high,
                    "buckets": buckets,
                }
            )

        return rows


class Flusher(DaemonWorker):
    """Writes the collector's recent minutes to the store every ``interval`` seconds.

    Call `flush` once more at shutdown (`stop` does it). ``after_flush(now)`` runs
    after each periodic flush, for the alert evaluation and the status snapshot.
    """

    def __init__(
        self,
        collector: MetricsCollector,
        store: HistoryStore,
        interval: float = 15.0,
        after_flush: Callable[[float], None] | None = None,
        retention_seconds: float = RETENTION_SECONDS,
    ) -> None:
        super().__init__("metrics-flusher")
        self.collector = collector
        self.store = store
        self.interval = interval
        self.after_flush = after_flush
        self.retention_seconds = retention_seconds
        self._lock = threading.Lock()
        self._last_minute: int | None = None
        self._last_prune = -math.inf

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the thread and write the last partial minute."""
        super().stop(timeout)
        self.flush()

    def flush(self, now: float | None = None) -> int:
        """Write every minute since the last flush, the current one included."""
        now = self.collector.clock() if now is None else now
        current = int(now // 60)
        with self._lock:
            first = current - RETENTION_MINUTES
            if self._last_minute is not None:
                # Rewrite the minute flushed last: it went on filling after that flush.
                first = max(first, min(self._last_minute, current))
            rows = [
                rollup
                for minute in range(first, current + 1)
                for rollup in self.collector.rollup_minute(minute)
            ]
            written = self.store.write(rows, self.collector.instance_id)
            self._last_minute = current
            if now - self._last_prune >= 3600:
                self.store.prune(self.retention_seconds, now)
                self._last_prune = now

        return written

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            now = self.collector.clock()
            try:
                self.flush(now)
            except sqlite3.Error:
                logger.exception("history.flush_failed")
                continue
            if self.after_flush is not None:
                try:
                    self.after_flush(now)
                except Exception:  # the loop must outlive one bad tick; logged in full
                    logger.exception("history.after_flush_failed")


def _row(rollup: Rollup, instance: str) -> tuple[Any, ...]:
    buckets = None
    if rollup.buckets is not None:
        buckets = json.dumps(
            [n for pair in sorted(rollup.buckets.items()) for n in pair]
        )
    return (
        rollup.name,
        rollup.minute,
        json.dumps(rollup.labels, sort_keys=True, separators=(",", ":")),
        instance,
        rollup.kind,
        rollup.count,
        rollup.sum,
        rollup.min,
        rollup.max,
        rollup.last,
        buckets,
    )


def _merge_row(merged: Distribution, row: Mapping[str, Any]) -> None:
    flat = json.loads(row["buckets"]) if row["buckets"] else []
    merged.merge_counts(
        count=row["count"],
        total=row["sum"],
        low=math.inf if row["min"] is None else row["min"],
        high=-math.inf if row["max"] is None else row["max"],
        buckets=dict(zip(flat[::2], flat[1::2], strict=True)),
    )


def _check_not_counter(name: str, row: Mapping[str, Any]) -> None:
    if row["kind"] == COUNTER:
        raise TypeError(f"{name} is a counter; read it with total() or breakdown()")


def _point(start: int, merged: Distribution | None, counter: bool) -> Point:
    if merged is None:
        summary = Summary()
    elif counter:
        # Counters have no distribution: the increase and its mean per increment.
        summary = Summary(
            count=merged.count,
            sum=merged.sum,
            avg=merged.sum / merged.count if merged.count else 0.0,
        )
    else:
        summary = merged.summary()
    return Point(time=datetime.fromtimestamp(start, UTC), **summary.to_dict())
