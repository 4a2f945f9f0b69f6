"""Run the Streamlit app with its services started at server start, not first visit.

    python -m market_parser.server --port 8501 --address 0.0.0.0

Streamlit runs no app code until a browser connects, so this entry does the
start-up in the main thread first: it loads the settings, configures logging,
starts the observability runtime (sampling, flushing, the status file the
sidecar reads) and creates the query service. Then it hands the main thread to
Streamlit. The pages' getters in `market_parser.ui.bootstrap` return these same
process-wide instances.

The agent warms up in a background thread ``--warm-up-delay`` seconds after
Streamlit first answers its health check. A host that wakes a sleeping app for
a visitor sends that visitor's browser at once; the delay leaves the CPU to
their first page, and the warm-up (over a second of imports) is done by the time
they have typed a question. A question asked sooner builds the agent itself.

Stopping, in the main thread (never in a page script's thread):

- SIGUSR1, which ``scripts/serve.py`` sends: refuse new questions and give the
  ones in flight up to ``--drain-timeout`` seconds while the server still
  delivers their answers, then stop Streamlit (through its own SIGTERM handler).
- SIGTERM or SIGINT straight to this process: Streamlit stops at once; questions
  still in flight get the drain timeout to finish, though their pages are gone.

Either way, once Streamlit has returned, the service is closed, the metrics
history and status file are flushed, and ``app.stopped`` is logged with a
summary.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from market_parser.errors import ConfigError

# Named outright: run with ``-m``, this module's __name__ is "__main__".
logger = logging.getLogger("market_parser.server")

DRAIN_SIGNAL = signal.SIGUSR1
DEFAULT_DRAIN_TIMEOUT = 5.0
# Once the last question is answered, its page still renders it and sends it out.
DELIVERY_GRACE = 0.75
DEFAULT_WARM_UP_DELAY = 2.0
READY_WAIT_SECONDS = 120
HOME = Path(__file__).resolve().parents[1] / "Home.py"


class Shutdown:
    """Drains the query service once, then stops Streamlit and flushes."""

    def __init__(self, service: Any, drain_timeout: float) -> None:
        self._service = service
        self._timeout = drain_timeout
        self.stopping = threading.Event()
        self._finishing = threading.Event()
        self._drained: bool | None = None

    def request(self, signum: int, _frame: Any) -> None:
        """Signal handler: drain in a thread, as the main thread runs the server."""
        if self.stopping.is_set():
            return
        self.stopping.set()
        threading.Thread(
            target=self._drain_then_stop, args=(signum,), name="drain", daemon=True
        ).start()

    def _drain_then_stop(self, signum: int) -> None:
        logger.info(
            "shutdown.draining",
            extra={
                "signal": signal.Signals(signum).name,
                "in_flight": self._service.in_flight,
                "timeout_s": self._timeout,
            },
        )
        busy = self._service.in_flight
        self._drained = self._service.drain(self._timeout)
        if busy and self._drained:
            time.sleep(DELIVERY_GRACE)
        if not self._finishing.is_set():
            # Streamlit's own handler stops its server cleanly on SIGTERM.
            os.kill(os.getpid(), signal.SIGTERM)

    def finish(self, observability: Any, started: float) -> None:
        """After Streamlit has returned: drain if not yet, close, flush, summarize."""
        self.stopping.set()
        self._finishing.set()
        # The rest is bounded by the drain timeout; a launcher that loses
        # patience follows up with SIGKILL, so a late SIGTERM must not cut the
        # history flush short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if self._drained is None:
            self._drained = self._service.drain(self._timeout)
        abandoned = self._service.in_flight
        self._service.close()
        observability.stop()
        if abandoned:
            logger.warning("shutdown.abandoned", extra={"in_flight": abandoned})
        logger.info(
            "app.stopped",
            extra={
                "drained": self._drained,
                "abandoned": abandoned,
                "questions": _question_totals(observability),
                "uptime_s": round(time.monotonic() - started, 1),
            },
        )


def _question_totals(observability: Any) -> dict[str, float]:
    totals: dict[str, float] = {}
    for labels, value in observability.collector.values("questions_total"):
        totals[labels["status"]] = totals.get(labels["status"], 0.0) + value
    return totals


def local_url(address: str | None, port: int) -> str:
    """Where a process on this machine reaches a server bound to ``address``."""
    wildcard = address in (None, "", "0.0.0.0", "::")
    return f"http://{'127.0.0.1' if wildcard else address}:{port}"


def warm_up_when_ready(
    service: Any, url: str, delay: float, stopping: threading.Event
) -> threading.Thread:
    """Start the service's warm-up ``delay`` seconds after Streamlit is ready.

    Ready means Streamlit answers ``<url>/_stcore/health``, which it does once
    it accepts sessions.
    """
    from market_parser.sidecar.probe import AppProbe

    probe = AppProbe(url, ttl=0, timeout=0.5)

    def wait_then_start() -> None:
        deadline = time.monotonic() + READY_WAIT_SECONDS
        while not probe.check().ok and time.monotonic() < deadline:
            if stopping.wait(0.05):
                return
        if not stopping.wait(delay):
            service.start()
            logger.info("service.started", extra={"warm_up_delay_s": delay})

    thread = threading.Thread(target=wait_then_start, name="warm-up-trigger")
    thread.daemon = True
    thread.start()

    return thread


def _raise_exit(signum: int, _frame: Any) -> None:
    # Until Streamlit installs its own handler, SIGTERM unwinds the main thread
    # through `finally` (flushing the history) instead of killing the process.
    raise SystemExit(128 + signum)


def streamlit_options(port: int | None, address: str | None) -> dict[str, Any]:
    """The Streamlit options this entry sets, named as ``streamlit run`` flags."""
    options: dict[str, Any] = {"server.headless": True}
    if port is not None:
        options["server.port"] = port
    if address:
        options["server.address"] = address
    return options


def load_streamlit_config(options: dict[str, Any]) -> None:
    """Parse Streamlit's config with our options before anything reads it.

    Reading secrets for the settings parses the config; parsed without the
    options, the second parse by ``streamlit run`` would warn of a change.
    """
    from streamlit.web import bootstrap

    bootstrap.load_config_options(
        {name.replace(".", "_"): value for name, value in options.items()}
    )


def streamlit_url() -> str:
    """Where Streamlit will listen, from our flags, its variables or its config."""
    from streamlit import config

    address = config.get_option("server.address")
    return local_url(address, int(config.get_option("server.port")))


def run_streamlit(script: Path, options: dict[str, Any]) -> None:
    """Run Streamlit's own ``streamlit run`` command in this thread until it stops."""
    from streamlit.web import cli

    flags = [
        part for name, value in options.items() for part in (f"--{name}", str(value))
    ]
    cli.main.main(
        args=["run", str(script), *flags], prog_name="streamlit", standalone_mode=False
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m market_parser.server",
        description="Serve the Market Parser app, starting its services first.",
    )
    parser.add_argument(
        "--port", type=int, help="default: STREAMLIT_SERVER_PORT, else 8501"
    )
    parser.add_argument(
        "--address", help="default: STREAMLIT_SERVER_ADDRESS, else all interfaces"
    )
    parser.add_argument("--script", type=Path, default=HOME, help=argparse.SUPPRESS)
    parser.add_argument(
        "--warm-up-delay",
        type=float,
        default=DEFAULT_WARM_UP_DELAY,
        help="seconds after Streamlit is ready before the agent warms up "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=DEFAULT_DRAIN_TIMEOUT,
        help="seconds questions in flight get to finish at shutdown "
        "(default %(default)s)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start the services, serve until stopped, then shut down in order."""
    args = parse_args(argv)
    started = time.monotonic()
    from market_parser.observability.logs import adopt_uvicorn_logging
    from market_parser.observability.runtime import shared
    from market_parser.service.shared import shared_service
    from market_parser.ui.bootstrap import load_settings

    options = streamlit_options(args.port, args.address)
    load_streamlit_config(options)
    adopt_uvicorn_logging()
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"Market Parser cannot start: {exc}\n")
        return 2
    observability = shared(settings)
    service = shared_service(settings, start=False)
    shutdown = Shutdown(service, args.drain_timeout)
    warm_up_when_ready(service, streamlit_url(), args.warm_up_delay, shutdown.stopping)
    signal.signal(DRAIN_SIGNAL, shutdown.request)
    signal.signal(signal.SIGTERM, _raise_exit)
    logger.info(
        "app.starting",
        extra={"port": args.port, "startup_ms": _ms_since(started), "pid": os.getpid()},
    )
    try:
        run_streamlit(args.script, options)
    finally:
        shutdown.finish(observability, started)

    return 0


def _ms_since(started: float) -> float:
    return round((time.monotonic() - started) * 1000, 1)


def exit_now(status: int) -> None:
    """Flush the logs and leave without the interpreter's finalization.

    By now the service is closed and the history flushed. Finalization would
    only tear down daemon threads (Streamlit's and the web server's) one by one,
    which takes most of a second and now and then aborts the process with
    "FATAL: exception not rethrown" from a thread unwound mid-call.
    """
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    exit_now(main())
