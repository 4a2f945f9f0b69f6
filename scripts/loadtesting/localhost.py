"""A Streamlit server and a headless Chromium on this machine, for timing the app.

Shared by the load test's browser client, ``scripts/cold_start.py``,
``scripts/bench_monitoring.py`` and the browser tests.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

CHROMIUM = "/usr/bin/chromium"
"""Debian's Chromium (``apt-get install chromium``); Playwright drives it."""

# Playwright adds --headless itself; these keep Chromium off the internet.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def streamlit_command(port: int) -> list[str]:
    """``streamlit run Home.py``, headless, on ``port`` of the loopback address."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "Home.py",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
    ]


def wait_healthy(
    url: str,
    timeout: float = 30.0,
    *,
    process: subprocess.Popen | None = None,
    interval: float = 0.1,
) -> None:
    """Return once Streamlit at ``url`` answers its health check.

    Polls every ``interval`` seconds, which bounds the error of a start-up time
    measured with it. Exits when ``process`` (the server) ends first, or after
    ``timeout`` seconds.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the server exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(interval)
    raise SystemExit(f"the server was not healthy within {timeout:g} s")
