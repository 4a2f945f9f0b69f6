"""What one load-test run does, as the command line set it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """The run's target, users, timing, simulated latencies and targets."""

    target: str
    users: int
    spawn_rate: float
    run_time: float
    think_scale: float
    model_latency: float
    upstream_latency: float
    p95_target: float | None
    seed: int
    interval: float
    max_requests: int
    keep_session_limit: bool
    session_questions: int = 0
    client: str = "websocket"
    url: str | None = None
    app_pid: int | None = None
    burst: int = 0
    question: str = ""
