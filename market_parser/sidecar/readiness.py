"""Whether the app can answer: its probe, the freshness of its status, its state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from market_parser.observability.snapshot import snapshot_age
from market_parser.sidecar.probe import ProbeResult

UNHEALTHY = "unhealthy"


@dataclass(frozen=True)
class Readiness:
    """The verdict for ``/health``, with the reasons when it is not ready."""

    ready: bool
    reasons: tuple[str, ...]
    state: str | None
    snapshot_age: float | None


def assess(
    probe: ProbeResult, snapshot: dict[str, Any] | None, now: float, max_age: float
) -> Readiness:
    """Ready when the app answers, its status file is fresh and it is not unhealthy.

    A degraded app is still ready: it answers, and its reasons are passed on.
    """
    reasons: list[str] = []
    if not probe.ok:
        reasons.append(f"app down: {probe.detail}")
    age = snapshot_age(snapshot, now) if snapshot is not None else None
    state = _state(snapshot)
    if snapshot is None:
        reasons.append("no status file from the app yet")
    elif age is None or age > max_age:
        written = "at an unknown time" if age is None else f"{age:.0f} s ago"
        reasons.append(f"status file stale: written {written} (limit {max_age:g} s)")
    elif state == UNHEALTHY:
        why = "; ".join(_app_reasons(snapshot)) or "no reason given"
        reasons.append(f"app unhealthy: {why}")
    ready = not reasons
    if ready:
        reasons.extend(_app_reasons(snapshot))

    return Readiness(ready, tuple(reasons), state, age)


def _state(snapshot: dict[str, Any] | None) -> str | None:
    health = (snapshot or {}).get("health")
    state = health.get("state") if isinstance(health, dict) else None
    return state if isinstance(state, str) else None


def _app_reasons(snapshot: dict[str, Any] | None) -> list[str]:
    health = (snapshot or {}).get("health")
    reasons = health.get("reasons") if isinstance(health, dict) else None
    return [str(reason) for reason in reasons] if isinstance(reasons, list) else []
