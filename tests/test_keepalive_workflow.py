"""The keep-alive workflow: its schedule, and its own shell step run for real.

The step is read out of ``.github/workflows/keep-alive.yml`` and run with bash
against a real sidecar (in this process, on a loopback port) that probes a
stand-in app: a tiny HTTP server answering ``/_stcore/health`` like Streamlit.
A real Streamlit would only make the test slower; `tests/test_serve.py` covers
the sidecar beside the real app.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from market_parser.sidecar.config import SidecarConfig
from tests.sidecar.fakes import FakeApp, Sidecar, write_status

WORKFLOW = Path(__file__).resolve().parents[1] / ".github" / "workflows"


def load(name: str) -> dict[str, Any]:
    with (WORKFLOW / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key ``on`` as the boolean True.
    return workflow.get("on", workflow.get(True))


def ping_step() -> dict[str, Any]:
    (step,) = [s for s in load("keep-alive.yml")["jobs"]["ping"]["steps"] if "run" in s]
    return step


def run_step(url: str, attempts: int = 2) -> subprocess.CompletedProcess:
    """Run the workflow's step as Actions would: bash, its env, our URL."""
    step = ping_step()
    env = {**os.environ, **{k: str(v) for k, v in step["env"].items()}}
    env.update(HEALTH_URL=url, ATTEMPTS=str(attempts), RETRY_DELAY_SECONDS="0")
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def sidecar(tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is missing (apt-get install curl)")
    app = FakeApp()
    write_status(tmp_path)
    config = SidecarConfig(
        host="127.0.0.1", port=0, app_url=app.url, data_dir=tmp_path, probe_ttl=0
    )
    served = Sidecar(config)
    yield app, f"http://127.0.0.1:{served.port}/health"
    served.close()
    app.close()


def test_schedule_is_weekdays_every_5_minutes_in_market_hours():
    """Cron in UTC spans 13:30-21:00 (both EDT and EST), weekdays, plus manual runs."""
    on = triggers(load("keep-alive.yml"))
    (schedule,) = on["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (minute, day, month, weekday) == ("*/5", "*", "*", "1-5")
    first, last = (int(h) for h in hour.split("-"))
    assert first <= 13 and last >= 20
    assert "workflow_dispatch" in on


def test_url_comes_from_a_repository_variable():
    """The URL is ``vars.HEALTH_URL``, not written into the workflow."""
    assert ping_step()["env"]["HEALTH_URL"] == "${{ vars.HEALTH_URL }}"


def test_step_passes_when_the_app_is_healthy(sidecar):
    """Sidecar says 200: the step exits 0 on the first attempt."""
    _, url = sidecar
    done = run_step(url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "healthy (attempt 1)" in done.stdout


def test_step_fails_when_the_app_is_down(sidecar):
    """Sidecar says 503: every attempt is reported, then the job fails."""
    app, url = sidecar
    app.stop()
    done = run_step(url, attempts=2)
    assert done.returncode == 1
    assert "attempt 2 of 2: HTTP 503" in done.stdout
    assert "app down: connection refused" in done.stdout
    assert "::error::" in done.stdout


def test_step_fails_when_nothing_answers(sidecar):
    """No sidecar at all (connection refused) fails the job too."""
    done = run_step("http://127.0.0.1:9/health", attempts=1)
    assert done.returncode == 1
    assert "HTTP 000" in done.stdout


def test_step_fails_without_the_variable(sidecar):
    """An unset HEALTH_URL fails with a message saying what to set."""
    done = run_step("")
    assert done.returncode == 1
    assert "Set the repository variable HEALTH_URL" in done.stdout


def test_ci_workflow_runs_the_readme_test_command():
    """The CI workflow's last step is the README's test command, verbatim."""
    readme = (WORKFLOW.parents[1] / "README.md").read_text(encoding="utf-8")
    command = "pip install -r requirements-dev.txt && python -m pytest -q"
    assert command in readme
    steps = load("ci.yml")["jobs"]["test"]["steps"]
    assert steps[-1]["run"].strip() == command
