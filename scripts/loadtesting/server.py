"""A Streamlit server for the load test, and what its status file says.

The server is the app's production entry (``python -m market_parser.server``,
what ``scripts/serve.py`` runs) offline on a free loopback port with a data
directory of its own, so its status file (written on every metrics flush
and once more at shutdown) holds only this run's counts.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from loadtesting.inprocess import LOADTEST_SESSION_LIMIT
from loadtesting.localhost import free_port, wait_healthy
from loadtesting.plan import Plan
from market_parser.observability.snapshot import SNAPSHOT_FILE, read_snapshot

ROOT = Path(__file__).resolve().parents[2]


class StreamlitServer:
    """The app's server entry, offline on a free loopback port, in its own data dir."""

    def __init__(self, data_dir: Path, plan: Plan) -> None:
        self.data_dir = data_dir
        self.plan = plan
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = data_dir / "streamlit.log"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        command = [
            sys.executable,
            "-m",
            "market_parser.server",
            "--port",
            str(self.port),
            "--address",
            "127.0.0.1",
        ]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self._environment(),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._wait_healthy(timeout)

    def _environment(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.endswith("_API_KEY") and not k.startswith("MARKET_PARSER_")
        }
        env.update(
            {
                "MARKET_PARSER_OFFLINE": "1",
                "MARKET_PARSER_DATA_DIR": str(self.data_dir),
                "MARKET_PARSER_SIMULATED_LATENCY": str(self.plan.model_latency),
                "LOG_LEVEL": "WARNING",
                "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
            }
        )
        if not self.plan.keep_session_limit:
            limit = str(LOADTEST_SESSION_LIMIT)
            env["MARKET_PARSER_SESSION_QUESTIONS_PER_MINUTE"] = limit
        return env

    def _wait_healthy(self, timeout: float) -> None:
        try:
            wait_healthy(self.url, timeout, process=self.process)
        except SystemExit as exc:
            message = f"Streamlit: {exc}; its log ends:\n{self._log_tail()}"
            raise SystemExit(message) from None

    def _log_tail(self) -> str:
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-20:])

    def snapshot(self) -> dict[str, Any] | None:
        """The server's last status file, or None before the first one."""
        return read_snapshot(self.data_dir / SNAPSHOT_FILE)

    def stop(self) -> None:
        """Stop the server gracefully, so it writes its last status file."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def counters(snapshot: dict[str, Any] | None) -> dict[str, Any]:
    """Upstream HTTP requests and cache lookups by result, from a status file."""
    if snapshot is None:
        return {"upstream_requests": None, "cache": {}}
    return {
        "upstream_requests": int(_total(snapshot, "upstream_requests_total")),
        "cache": _by_label(snapshot, "cache_requests_total", "result"),
    }


def served(snapshot: dict[str, Any]) -> dict[str, Any]:
    """Questions by outcome, their latency and queue wait, as the server saw them."""
    return {
        "questions": snapshot.get("questions", {}).get("total", {}),
        "server_latency_5m_s": snapshot.get("latency_5m", {}),
        "queue_wait_5m_s": _histogram_5m(snapshot, "question_queue_wait_seconds"),
    }


def _family(snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    for family in snapshot.get("metrics", []):
        if family.get("name") == name:
            return family
    return {"series": []}


def _total(snapshot: dict[str, Any], name: str) -> float:
    return sum(series.get("value", 0) for series in _family(snapshot, name)["series"])


def _by_label(snapshot: dict[str, Any], name: str, label: str) -> dict[str, int]:
    counts: Counter = Counter()
    for series in _family(snapshot, name)["series"]:
        counts[series["labels"].get(label, "")] += int(series.get("value", 0))
    return dict(counts)


def _histogram_5m(snapshot: dict[str, Any], name: str) -> dict[str, Any]:
    series = _family(snapshot, name)["series"]
    return series[0].get("last_5m", {}) if series else {}
