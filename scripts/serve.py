"""Serve Market Parser: the Streamlit app and the health sidecar, as one command.

    python scripts/serve.py                       # app on 8501, sidecar on 8502
    python scripts/serve.py --port 7860 --sidecar-port 8502 --host 0.0.0.0

Ports and addresses come from the flags, else STREAMLIT_SERVER_PORT,
STREAMLIT_SERVER_ADDRESS, SIDECAR_PORT and SIDECAR_HOST, else 8501, 8502 and all
interfaces. The app runs as ``python -m market_parser.server``, which starts
the metrics and the status file before Streamlit takes its main thread, and the
agent warm-up once Streamlit is up; the sidecar as
``scripts/health_sidecar.py``.

On SIGTERM or SIGINT the launcher sends the app SIGUSR1: the app refuses new
questions, gives those in flight ``--drain-timeout`` seconds while their pages
still receive the answers, stops Streamlit, flushes the metrics history and
exits. Then the sidecar is stopped, and the launcher logs ``shutdown.complete``
with a summary and exits 0, within ``drain timeout + 4.6`` seconds at most
(9.6 s with the default). A second signal skips the wait. If either child exits
on its own, the other is stopped and the launcher exits 1, naming the child and
its status on stderr. docs/deployment.md tells the whole sequence.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from market_parser.config.settings import Settings
from market_parser.errors import ConfigError
from market_parser.observability.logs import configure_logging
from market_parser.observability.snapshot import SNAPSHOT_FILE, read_snapshot
from market_parser.server import DEFAULT_DRAIN_TIMEOUT, DRAIN_SIGNAL, local_url
from market_parser.sidecar.probe import AppProbe

logger = logging.getLogger("market_parser.serve")

ROOT = Path(__file__).resolve().parents[1]

POLL_SECONDS = 0.2
# After the drain: Streamlit's stop, the history flush and the interpreter's exit.
APP_STOP_GRACE = 2.5
KILL_GRACE = 1.0
PR_SET_PDEATHSIG = 1


@dataclass
class Child:
    """One supervised process and the words a person reads about it."""

    name: str
    label: str
    process: subprocess.Popen

    @property
    def status(self) -> int | None:
        return self.process.poll()


def _die_with_parent() -> None:
    """In the child: have Linux send SIGTERM when the launcher dies, even by SIGKILL."""
    # Not on Linux, this does nothing: a killed launcher leaves its children running.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(name: str, label: str, command: list[str]) -> Child:
    # A process group of their own keeps a terminal's Ctrl-C away from the
    # children, so the launcher alone decides the order of the shutdown.
    process = subprocess.Popen(
        command, cwd=ROOT, process_group=0, preexec_fn=_die_with_parent
    )
    logger.info(
        "child.started", extra={"child": name, "pid": process.pid, "command": command}
    )
    return Child(name, label, process)


def wait_for(child: Child, timeout: float, interrupted: threading.Event) -> bool:
    """Wait until ``child`` exits, ``timeout`` passes or ``interrupted`` is set."""
    deadline = time.monotonic() + timeout
    while child.status is None:
        left = deadline - time.monotonic()
        if left <= 0 or interrupted.is_set():
            return False
        time.sleep(min(0.05, left))
    return True


def terminate(child: Child) -> int:
    """SIGTERM, then SIGKILL if the child is still there a moment later."""
    if child.status is None:
        child.process.terminate()
        if not wait_for(child, KILL_GRACE, threading.Event()):
            child.process.kill()
    return child.process.wait()


class Launcher:
    """Starts the app and the sidecar, watches them, and stops them in order."""

    def __init__(self, args: argparse.Namespace, data_dir: Path) -> None:
        self.args = args
        self.data_dir = data_dir
        self.stop_requested = threading.Event()
        self.urgent = threading.Event()
        self.signal_name = ""
        self.app: Child | None = None
        self.sidecar: Child | None = None
        self.started = time.monotonic()

    def on_signal(self, signum: int, _frame: Any) -> None:
        if self.stop_requested.is_set():
            self.urgent.set()
        self.signal_name = self.signal_name or signal.Signals(signum).name
        self.stop_requested.set()

    def start(self) -> None:
        args = self.args
        self.app = spawn(
            "app",
            "the Streamlit app",
            [
                sys.executable,
                "-m",
                "market_parser.server",
                "--port",
                str(args.port),
                "--address",
                args.host,
                "--drain-timeout",
                str(args.drain_timeout),
            ],
        )
        self.sidecar = spawn(
            "sidecar",
            "the health sidecar",
            [
                sys.executable,
                str(ROOT / "scripts" / "health_sidecar.py"),
                "--host",
                args.sidecar_host,
                "--port",
                str(args.sidecar_port),
                "--app-url",
                local_url(args.host, args.port),
            ],
        )

    def run(self) -> int:
        """Supervise until a signal or a child's exit; return the exit status."""
        probe = AppProbe(local_url(self.args.host, self.args.port), ttl=0, timeout=0.5)
        ready = False
        while not self.stop_requested.wait(POLL_SECONDS):
            dead = self._exited_child()
            if dead is not None:
                return self._after_crash(dead)
            if not ready and probe.check().ok:
                ready = True
                logger.info("app.ready", extra={"startup_ms": self._elapsed_ms()})
        return self._shutdown()

    def _exited_child(self) -> Child | None:
        for child in (self.app, self.sidecar):
            if child is not None and child.status is not None:
                return child
        return None

    def _after_crash(self, dead: Child) -> int:
        other = self.sidecar if dead is self.app else self.app
        message = (
            f"{dead.label} (pid {dead.process.pid}) exited unexpectedly with "
            f"status {dead.status}; stopping {other.label} and exiting with status 1."
        )
        logger.error(
            "child.exited",
            extra={"child": dead.name, "status": dead.status, "detail": message},
        )
        print(f"serve.py: {message}", file=sys.stderr, flush=True)
        self._stop_children()
        self._complete("child_exited", 1)

        return 1

    def _shutdown(self) -> int:
        logger.info(
            "shutdown.started",
            extra={
                "signal": self.signal_name,
                "drain_timeout_s": self.args.drain_timeout,
            },
        )
        begun = time.time()
        self._stop_children()
        status = 0 if self.app.status == 0 and self.sidecar.status == 0 else 1
        self._complete(self.signal_name, status, since=begun)

        return status

    def _stop_children(self) -> None:
        """The app first, drained; the sidecar last, so it reports the app's end."""
        app = self.app
        if app.status is None:
            app.process.send_signal(DRAIN_SIGNAL)
            patience = self.args.drain_timeout + APP_STOP_GRACE
            if not wait_for(app, patience, self.urgent):
                logger.warning("child.stopping_now", extra={"child": app.name})
            terminate(app)
        terminate(self.sidecar)

    def _complete(self, reason: str, status: int, since: float | None = None) -> None:
        snapshot = read_snapshot(self.data_dir / SNAPSHOT_FILE) or {}
        written = snapshot.get("written_at_epoch")
        logger.info(
            "shutdown.complete",
            extra={
                "reason": reason,
                "exit_status": status,
                "app_status": self.app.status,
                "sidecar_status": self.sidecar.status,
                "questions": (snapshot.get("questions") or {}).get("total", {}),
                "history_flushed": since is not None
                and isinstance(written, int | float)
                and written >= since,
                "uptime_s": round(time.monotonic() - self.started, 1),
            },
        )

    def _elapsed_ms(self) -> float:
        return round((time.monotonic() - self.started) * 1000, 1)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description="Serve the app and its sidecar.")
    parser.add_argument(
        "--host",
        default=env.get("STREAMLIT_SERVER_ADDRESS") or "0.0.0.0",
        help="the app's address (env STREAMLIT_SERVER_ADDRESS; default %(default)s)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(env.get("STREAMLIT_SERVER_PORT") or 8501),
        help="the app's port (env STREAMLIT_SERVER_PORT; default %(default)s)",
    )
    parser.add_argument(
        "--sidecar-host",
        default=env.get("SIDECAR_HOST") or None,
        help="the sidecar's address (env SIDECAR_HOST; default: --host)",
    )
    parser.add_argument(
        "--sidecar-port",
        type=int,
        default=int(env.get("SIDECAR_PORT") or 8502),
        help="the sidecar's port (env SIDECAR_PORT; default %(default)s)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=DEFAULT_DRAIN_TIMEOUT,
        help="seconds questions in flight get at shutdown (default %(default)s)",
    )
    args = parser.parse_args(argv)
    args.sidecar_host = args.sidecar_host or args.host
    if not 0 <= args.drain_timeout <= 30:
        parser.error("--drain-timeout must be from 0 to 30 seconds")

    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"Market Parser cannot start: {exc}", file=sys.stderr)
        return 2
    configure_logging(
        settings.log_level, settings.log_format, secrets=settings.secret_values()
    )
    # The children run in the project folder (Streamlit reads .streamlit/ from
    # there); an absolute data folder keeps a relative setting meaning the same.
    data_dir = settings.data_dir.resolve()
    os.environ["MARKET_PARSER_DATA_DIR"] = str(data_dir)
    launcher = Launcher(args, data_dir)
    signal.signal(signal.SIGTERM, launcher.on_signal)
    signal.signal(signal.SIGINT, launcher.on_signal)
    launcher.start()

    return launcher.run()


if __name__ == "__main__":
    sys.exit(main())
