"""The launcher, scripts/serve.py, with real processes on free loopback ports.

Each test starts the real app (Streamlit through `market_parser.server`) and the
real sidecar, offline, in a fresh data folder.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from loadtesting.localhost import CHROMIUM, CHROMIUM_FLAGS, free_port

ROOT = Path(__file__).resolve().parents[1]
SERVE = ROOT / "scripts" / "serve.py"
SHUTDOWN_LIMIT_S = 10.0
CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
ANSWER_FOOTER = (
    '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
    ' [data-testid="stCaptionContainer"]'
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@dataclass
class Served:
    """One running launcher and where to find its ports, logs and data."""

    process: subprocess.Popen
    app_port: int
    sidecar_port: int
    data_dir: Path
    log: Path
    errors: Path

    @property
    def app_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    def events(self) -> list[dict[str, Any]]:
        """The JSON log lines of the launcher and both children, in order."""
        found = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            if line.startswith("{"):
                found.append(json.loads(line))
        return found

    def event(self, name: str) -> dict[str, Any]:
        matches = [e for e in self.events() if e["event"] == name]
        assert matches, f"no {name} in the log"
        return matches[-1]

    def pid_of(self, child: str) -> int:
        started = [e for e in self.events() if e["event"] == "child.started"]
        return next(e["pid"] for e in started if e["child"] == child)

    def health(self) -> int:
        url = f"http://127.0.0.1:{self.sidecar_port}/health"
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                return reply.status
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the sidecar says healthy: app answering, status file fresh."""
        deadline = time.monotonic() + timeout
        while self.health() != 200:
            assert self.process.poll() is None, self.errors.read_text()
            assert time.monotonic() < deadline, "the app never became healthy"
            time.sleep(0.1)

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, float]:
        """Signal the launcher; return its exit status and how long it took."""
        started = time.monotonic()
        self.process.send_signal(signum)
        status = self.process.wait(SHUTDOWN_LIMIT_S + 5)
        return status, time.monotonic() - started


@pytest.fixture
def launch(tmp_path) -> Iterator[Any]:
    """Start scripts/serve.py offline; extra keyword arguments go to its environment."""
    launched: list[Served] = []

    def start(**environ: str) -> Served:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.endswith("_API_KEY") and not k.startswith("MARKET_PARSER_")
        }
        data_dir = tmp_path / f"data{len(launched)}"
        env.update(
            MARKET_PARSER_DATA_DIR=str(data_dir),
            MARKET_PARSER_OFFLINE="1",
            LOG_FORMAT="json",
            LOG_LEVEL="INFO",
            **environ,
        )
        app_port, sidecar_port = free_port(), free_port()
        log, errors = tmp_path / "serve.log", tmp_path / "serve.err"
        command = [
            sys.executable,
            str(SERVE),
            "--host",
            "127.0.0.1",
            "--port",
            str(app_port),
            "--sidecar-port",
            str(sidecar_port),
        ]
        with log.open("w") as out, errors.open("w") as err:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=err
            )
        served = Served(process, app_port, sidecar_port, data_dir, log, errors)
        launched.append(served)
        return served

    yield start
    for served in launched:
        children = [e["pid"] for e in served.events() if e["event"] == "child.started"]
        if served.process.poll() is None:
            served.process.kill()
            served.process.wait(5)
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


def history_rows(data_dir: Path) -> int:
    """Rows in every table of the metrics history, whatever its schema."""
    with sqlite3.connect(data_dir / "metrics.sqlite3") as db:
        tables = db.execute(
            "SELECT name FROM sqlite_master "
            "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        return sum(
            db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
            for (name,) in tables
        )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_when_idle_flushes_history_and_exits_zero(launch, signum):
    """SIGTERM or SIGINT: history and status file flushed, shutdown.complete, 0."""
    served = launch()
    served.wait_ready()
    signalled = time.time()
    status, took = served.stop(signum)
    assert (status, took < SHUTDOWN_LIMIT_S) == (0, True), served.errors.read_text()
    complete = served.event("shutdown.complete")
    assert complete["exit_status"] == 0
    assert complete["reason"] == signal.Signals(signum).name
    assert complete["history_flushed"] is True
    assert served.event("app.stopped")["drained"] is True
    assert history_rows(served.data_dir) > 0
    status_file = json.loads((served.data_dir / "status.json").read_text())
    assert status_file["written_at_epoch"] >= signalled
    assert not alive(served.pid_of("app")) and not alive(served.pid_of("sidecar"))
    # Every line is a JSON log line, but for the one Streamlit prints itself as
    # it stops (it has no setting to silence it).
    others = [
        line
        for line in served.log.read_text().splitlines()
        if line.strip() and not line.startswith("{")
    ]
    assert others in ([], ["  Stopping..."])
    assert served.errors.read_text() == ""


def test_app_crash_stops_the_sidecar_and_exits_nonzero(launch):
    """The app killed outright: the sidecar is stopped, exit 1, stderr says why."""
    served = launch()
    served.wait_ready()
    app_pid = served.pid_of("app")
    os.kill(app_pid, signal.SIGKILL)
    status = served.process.wait(SHUTDOWN_LIMIT_S)
    assert status == 1
    message = served.errors.read_text()
    assert f"the Streamlit app (pid {app_pid}) exited unexpectedly with status -9" in (
        message
    )
    assert "stopping the health sidecar" in message
    assert served.event("child.exited")["child"] == "app"
    assert served.event("shutdown.complete")["exit_status"] == 1
    assert not alive(served.pid_of("sidecar"))


def test_sidecar_crash_drains_the_app_and_exits_nonzero(launch):
    """The sidecar dying stops the app the graceful way, and the exit is 1."""
    served = launch()
    served.wait_ready()
    os.kill(served.pid_of("sidecar"), signal.SIGKILL)
    assert served.process.wait(SHUTDOWN_LIMIT_S) == 1
    assert "the health sidecar" in served.errors.read_text()
    assert served.event("app.stopped")["drained"] is True
    assert not alive(served.pid_of("app"))


def test_bad_setting_stops_before_starting_anything(launch):
    """A wrong setting is reported at once with exit 2 and no child started."""
    served = launch(MARKET_PARSER_QUERY_TIMEOUT="soon")
    assert served.process.wait(10) == 2
    assert "MARKET_PARSER_QUERY_TIMEOUT='soon' is not a number" in (
        served.errors.read_text()
    )
    assert not [e for e in served.events() if e["event"] == "child.started"]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


def loopback_only(route: Any) -> None:
    """Let the page reach this machine and nothing else."""
    host = urllib.parse.urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


@pytest.mark.browser
def test_sigterm_during_a_question_lets_it_finish(launch, browser):
    """A question in flight at SIGTERM is answered on the page; exit 0 within 10 s."""
    served = launch(MARKET_PARSER_SIMULATED_LATENCY="1.5")
    served.wait_ready()
    context = browser.new_context()
    context.route("**/*", loopback_only)
    page = context.new_page()
    page.goto(served.app_url)
    page.fill(CHAT_INPUT, "What did Apple close at yesterday?")
    page.press(CHAT_INPUT, "Enter")
    page.locator('[data-testid="stSpinner"]').wait_for(timeout=30_000)

    served.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    page.locator(ANSWER_FOOTER).first.wait_for(timeout=SHUTDOWN_LIMIT_S * 1000)
    answer = page.locator('[data-testid="stChatMessage"]').last.inner_text()
    status = served.process.wait(SHUTDOWN_LIMIT_S)
    took = time.monotonic() - started
    context.close()

    assert "AAPL" in answer and "offline-planner" in answer
    assert (status, took < SHUTDOWN_LIMIT_S) == (0, True)
    events = [e["event"] for e in served.events()]
    assert events.index("question.answered") < events.index("app.stopped")
    assert served.event("shutdown.draining")["in_flight"] == 1
    complete = served.event("shutdown.complete")
    assert complete["questions"] == {"answered": 1.0}
    assert complete["history_flushed"] is True
