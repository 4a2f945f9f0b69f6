"""What must run from server start: resource sampling, flushing, alerts, the status file.

Streamlit runs no app code until a browser connects, so an entry point calls
`shared` (the page scripts through ``st.cache_resource``, a server-start hook, the
CLI). It builds and starts one `Observability` per process whoever calls first.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from pathlib import Path
from typing import Any

from market_parser.observability.alerts import (
    AlertEvaluator,
    Health,
    WebhookNotifier,
    rules_from_settings,
)
from market_parser.observability.catalog import AppMetrics, register_app_metrics
from market_parser.observability.history import Flusher, HistoryStore
from market_parser.observability.metrics import Clock, MetricsCollector
from market_parser.observability.recent import RecentQuestions
from market_parser.observability.resources import ResourceSampler
from market_parser.observability.snapshot import (
    SNAPSHOT_FILE,
    build_snapshot,
    write_snapshot,
)

logger = logging.getLogger(__name__)

HISTORY_FILE = "metrics.sqlite3"

_shared: Observability | None = None
_shared_lock = threading.Lock()


class Observability:
    """The collector and the threads around it: sampler, flusher, alert evaluator."""

    def __init__(
        self,
        settings: Any,
        *,
        clock: Clock = time.time,
        sample_interval: float = 5.0,
        flush_interval: float = 15.0,
    ) -> None:
        data_dir = Path(settings.data_dir)
        self.collector = MetricsCollector(clock)
        self.metrics: AppMetrics = register_app_metrics(self.collector)
        self.recent = RecentQuestions()
        self.store = HistoryStore(data_dir / HISTORY_FILE)
        self.snapshot_path = data_dir / SNAPSHOT_FILE
        webhook = settings.alert_webhook_url.reveal()
        self.notifier = WebhookNotifier(webhook) if webhook else None
        self.alerts = AlertEvaluator(rules_from_settings(settings), self.notifier)
        self.sampler = ResourceSampler(
            self.collector, sample_interval, disk_path=data_dir
        )
        self.flusher = Flusher(
            self.collector, self.store, flush_interval, after_flush=self.refresh
        )
        self.started_at = clock()
        self.flushed_at = 0.0
        self._stopped = False

    def start(self) -> None:
        """Take a first sample, write a first status file and start the threads."""
        self.sampler.sample_once()
        self.refresh()
        self.sampler.start()
        self.flusher.start()
        logger.info("observability.started", extra={"path": str(self.store.path)})

    def refresh(self, now: float | None = None) -> Health:
        """Evaluate the alerts and rewrite the status file; the flusher calls this."""
        now = self.collector.clock() if now is None else now
        self.flushed_at = now
        health = self.alerts.evaluate(self.collector, now)
        snapshot = build_snapshot(
            self.collector, health, now=now, started_at=self.started_at
        )
        write_snapshot(self.snapshot_path, snapshot)

        return health

    def catch_up(self, max_lag: float = 5.0) -> None:
        """Flush now if the history is more than ``max_lag`` seconds behind.

        The Monitoring page calls this so its charts include the last few seconds
        without every viewer forcing a write on each refresh.
        """
        if self.collector.clock() - self.flushed_at > max_lag:
            self.flusher.flush()

    def stop(self) -> None:
        """Stop the threads, flush the last minute and close the history file (once)."""
        if self._stopped:
            return
        self._stopped = True
        self.sampler.stop()
        self.flusher.stop()
        self.refresh()
        if self.notifier is not None:
            self.notifier.close()
        self.store.close()
        logger.info("observability.stopped")


def shared(settings: Any) -> Observability:
    """Return this process's started `Observability`, creating it on the first call."""
    global _shared
    with _shared_lock:
        if _shared is None:
            runtime = Observability(settings)
            runtime.start()
            atexit.register(runtime.stop)
            _shared = runtime

    return _shared
