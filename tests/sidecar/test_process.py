"""The sidecar as its own process: start time, imports, quiet logs, clean stop."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from loadtesting.localhost import free_port

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "health_sidecar.py"
FORBIDDEN = ("agents", "openai", "streamlit", "requests", "psutil", "pandas", "numpy")
START_LIMIT_S = 0.5


def start(tmp_path: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "MARKET_PARSER_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--host", "127.0.0.1", "--port", str(port)]
        + list(extra),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, port


def seconds_until_live(process: subprocess.Popen, port: int, started: float) -> float:
    deadline = started + 10
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1):
                return time.perf_counter() - started
        except OSError:
            assert process.poll() is None, process.communicate()
            time.sleep(0.005)
    raise AssertionError("the sidecar never answered /livez")


def test_answers_within_half_a_second_of_starting(tmp_path):
    """From process start to a 200 on /livez takes under 0.5 s (best of three)."""
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        process, port = start(tmp_path)
        try:
            timings.append(seconds_until_live(process, port, started))
        finally:
            process.terminate()
            process.communicate(timeout=5)
    assert min(timings) < START_LIMIT_S, timings


def test_imports_no_agent_stack_or_heavy_library():
    """``python -X importtime`` of the sidecar lists none of the heavy modules."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", str(SCRIPT), "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {
        line.rsplit("|", 1)[1].strip().split(".")[0]
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "market_parser" in imported
    assert imported.isdisjoint(FORBIDDEN), imported & set(FORBIDDEN)


def test_sigterm_stops_cleanly_and_requests_leave_no_log_lines(tmp_path):
    """Requests write nothing to the log; SIGTERM gives exit 0 and sidecar.stopped."""
    process, port = start(tmp_path)
    seconds_until_live(process, port, time.perf_counter())
    for path in ("/livez", "/health", "/status", "/metrics", "/nope"):
        # 503 and 404 raise; only the log matters here.
        with contextlib.suppress(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=3)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=5)
    assert process.returncode == 0
    events = [json.loads(line)["event"] for line in out.splitlines()]
    assert events == ["sidecar.started", "sidecar.stopped"]
    assert err == ""


def test_a_taken_port_is_a_clear_error(tmp_path):
    """Another listener on the port: exit 1 with a message naming the fix."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, str(SCRIPT), "--host", "127.0.0.1", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=10,
        )
    assert done.returncode == 1
    assert "cannot listen on 127.0.0.1" in done.stderr
    assert "SIDECAR_PORT" in done.stderr
