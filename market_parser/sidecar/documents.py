"""The bodies the sidecar serves, built from the probe and the app's status file.

Only named fields of the status file are copied out, so whatever else the app
may write there one day is not published by accident.
"""

from __future__ import annotations

from typing import Any

from market_parser import __version__
from market_parser.observability.exposition import render_prometheus
from market_parser.observability.metrics import iso_utc
from market_parser.sidecar.probe import ProbeResult
from market_parser.sidecar.readiness import Readiness

_STATUS_FIELDS = (
    "started_at",
    "uptime_seconds",
    "questions",
    "latency_5m",
    "resources",
    "breakers",
)


def health_document(
    readiness: Readiness, probe: ProbeResult, now: float, sidecar_uptime: float
) -> dict[str, Any]:
    """``/health``: the verdict, why, and when the app was last probed."""
    return {
        "status": "healthy" if readiness.ready else "unhealthy",
        "state": readiness.state,
        "reasons": list(readiness.reasons),
        "checked_at": iso_utc(now),
        "app_checked_at": iso_utc(probe.checked_at),
        "snapshot_age_seconds": _rounded(readiness.snapshot_age),
        "uptime_seconds": round(sidecar_uptime, 1),
    }


def liveness_document(now: float, sidecar_uptime: float) -> dict[str, Any]:
    """``/livez``: the sidecar itself answers; says nothing about the app."""
    return {
        "status": "alive",
        "checked_at": iso_utc(now),
        "uptime_seconds": round(sidecar_uptime, 1),
    }


def status_document(
    readiness: Readiness,
    probe: ProbeResult,
    snapshot: dict[str, Any] | None,
    now: float,
    sidecar_uptime: float,
) -> dict[str, Any]:
    """``/status``: health, question counts, latency, resources, breakers, alerts."""
    snapshot = snapshot or {}
    health = snapshot.get("health") if isinstance(snapshot.get("health"), dict) else {}
    document: dict[str, Any] = {
        "status": "healthy" if readiness.ready else "unhealthy",
        "state": readiness.state,
        "reasons": list(readiness.reasons),
        "checked_at": iso_utc(now),
        "app": {
            "up": probe.ok,
            "detail": probe.detail,
            "checked_at": iso_utc(probe.checked_at),
        },
        "snapshot": {
            "written_at": snapshot.get("written_at"),
            "age_seconds": _rounded(readiness.snapshot_age),
        },
    }
    document.update({name: snapshot.get(name) for name in _STATUS_FIELDS})
    document["alerts"] = health.get("alerts", [])
    document["sidecar"] = {
        "uptime_seconds": round(sidecar_uptime, 1),
        "version": __version__,
    }

    return document


def metrics_text(
    snapshot: dict[str, Any] | None, probe: ProbeResult, snapshot_age: float | None
) -> str:
    """``/metrics``: the app's families from its status file, then the sidecar's own."""
    families = list((snapshot or {}).get("metrics") or [])
    families.append(
        _gauge(
            "sidecar_app_up",
            "Whether the app answered its health probe (1) or not (0).",
            1.0 if probe.ok else 0.0,
        )
    )
    if snapshot_age is not None:
        families.append(
            _gauge(
                "sidecar_snapshot_age_seconds",
                "Seconds since the app last wrote its status file.",
                snapshot_age,
            )
        )

    return render_prometheus(families)


def _gauge(name: str, help_text: str, value: float) -> dict[str, Any]:
    return {
        "name": name,
        "help": help_text,
        "type": "gauge",
        "series": [{"labels": {}, "value": value}],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
