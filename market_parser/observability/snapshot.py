"""The status file that the health sidecar reads, written atomically every flush.

The sidecar is a separate process that must start fast, so reading this file
needs nothing beyond the standard library and `exposition` for ``/metrics``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from market_parser.observability.catalog import BREAKER_STATES
from market_parser.observability.metrics import MetricsCollector, iso_utc

if TYPE_CHECKING:
    from market_parser.observability.alerts import Health

SNAPSHOT_FILE = "status.json"

_RESOURCES = (
    "process_cpu_percent",
    "process_resident_memory_bytes",
    "process_threads",
    "process_open_connections",
    "system_memory_percent",
    "system_disk_percent",
    "container_memory_limit_bytes",
)
_BREAKER_NAMES = {number: name for name, number in BREAKER_STATES.items()}


def build_snapshot(
    collector: MetricsCollector, health: Health, *, now: float, started_at: float
) -> dict[str, Any]:
    """Return the status document: health, question counts, latency, resources.

    ``metrics`` holds the collector's families, from which the sidecar renders
    ``/metrics`` with `exposition.render_prometheus`. Expects the app's metrics
    to be registered (`register_app_metrics`).
    """
    totals: dict[str, float] = {}
    for labels, value in collector.values("questions_total"):
        totals[labels["status"]] = totals.get(labels["status"], 0.0) + value
    latency = collector.summary(
        "question_duration_seconds", window_seconds=300, now=now
    )
    breakers = {
        labels["provider"]: _BREAKER_NAMES.get(int(value), "unknown")
        for labels, value in collector.values("breaker_state")
    }

    return {
        "written_at": iso_utc(now),
        "written_at_epoch": now,
        "started_at": iso_utc(started_at),
        "uptime_seconds": max(0.0, now - started_at),
        "pid": os.getpid(),
        "instance": collector.instance_id,
        "health": health.to_dict(),
        "questions": {"total": totals},
        "latency_5m": latency.to_dict(),
        "resources": {name: collector.value(name) for name in _RESOURCES},
        "breakers": breakers,
        "metrics": collector.snapshot(now)["families"],
    }


def write_snapshot(path: str | Path, snapshot: dict[str, Any]) -> None:
    """Write the snapshot so that a reader sees the old file or the new, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as handle:
        json.dump(snapshot, handle, default=str)
    try:
        os.replace(handle.name, path)
    except OSError:
        os.unlink(handle.name)
        raise


def read_snapshot(path: str | Path) -> dict[str, Any] | None:
    """Return the last snapshot, or None when there is none (yet) or it is unreadable."""
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def snapshot_age(snapshot: dict[str, Any], now: float) -> float | None:
    """Return how many seconds ago the snapshot was written, or None if it says not."""
    written = snapshot.get("written_at_epoch")
    return now - written if isinstance(written, int | float) else None
