"""The Monitoring page through Streamlit's AppTest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
HOME = str(ROOT / "Home.py")
MONITORING = str(ROOT / "pages" / "1_Monitoring.py")


@pytest.fixture(autouse=True)
def offline(tmp_path, monkeypatch):
    monkeypatch.setenv("MARKET_PARSER_DATA_DIR", str(tmp_path))
    for name in ("OPENAI_API_KEY", "TRADIER_API_KEY", "POLYGON_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def open_monitoring() -> AppTest:
    app = AppTest.from_file(MONITORING, default_timeout=30)
    app.run()
    assert not app.exception, app.exception
    return app


def metric(app: AppTest, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_page_shows_cards_charts_tables_and_download():
    """A fresh page has the badge, every card, five charts and a JSON download."""
    app = open_monitoring()
    labels = [m.label for m in app.metric]
    assert labels == [
        "Uptime",
        "Questions",
        "Success rate",
        "Active sessions",
        "Avg response",
        "p95 response",
        "CPU",
        "Memory",
        "System memory",
        "Cache hit rate",
    ]
    assert len(app.get("plotly_chart")) == 5
    assert len(app.get("download_button")) == 1
    assert app.segmented_control[0].value == "1 hour"


def test_question_asked_on_home_is_counted():
    """A question asked on Home shows in the Questions card and the slowest table."""
    before = int(metric(open_monitoring(), "Questions").replace(",", ""))
    home = AppTest.from_file(HOME, default_timeout=60)
    home.run()
    home.chat_input[0].set_value("How did MSFT do last week?").run()
    assert not home.exception
    app = open_monitoring()
    assert int(metric(app, "Questions").replace(",", "")) == before + 1
    assert metric(app, "Success rate") == "100.0%"
    slowest = app.dataframe[0].value
    assert "How did MSFT do last week?" in list(slowest["question"])
    assert metric(app, "Active sessions") != "0"


def test_window_choice_survives_a_rerun():
    """Choosing 24 hours keeps it selected when the page runs again."""
    app = open_monitoring()
    app.segmented_control[0].set_value("24 hours").run()
    app.run()
    assert not app.exception
    assert app.segmented_control[0].value == "24 hours"


def test_page_does_not_import_the_agent_stack(tmp_path):
    """Opening Monitoring in a fresh process imports neither the SDK nor openai."""
    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"app = AppTest.from_file({MONITORING!r}, default_timeout=60)\n"
        "app.run()\n"
        "assert not app.exception, app.exception\n"
        "print(sorted(m for m in ('agents', 'openai', 'market_parser.agent')"
        " if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={
            **os.environ,
            "MARKET_PARSER_DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "ERROR",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_steps_without_samples_are_gaps_not_zeros():
    """An hour ago this process was not running: no line at 0 there, a gap."""
    import json

    app = open_monitoring()
    charts = {}
    modes = {}
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = spec["layout"]["title"]["text"]
        charts[title] = {trace["name"]: trace["y"] for trace in spec["data"]}
        modes[title] = {trace.get("mode") for trace in spec["data"]}
    cpu = charts["CPU (% of one core) and memory (MB)"]
    assert cpu["CPU %"][0] is None and cpu["RSS MB"][0] is None
    assert charts["Response time (s)"]["p95"][0] is None
    # Between gaps a step is a lone point, which only a marker draws.
    assert modes["Response time (s)"] == {"lines+markers"}
    assert modes["CPU (% of one core) and memory (MB)"] == {"lines+markers"}
    # Counters stay bars of zero: nothing asked is a true count.
    assert charts["Questions and errors"]["answered"][0] == 0


def test_measured_values_leave_gaps_only_where_nothing_was_sampled():
    """Steps with samples keep their value, zero included; empty steps are None."""
    from datetime import UTC, datetime

    from market_parser.observability.history import Point
    from market_parser.ui.monitoring import _measured

    at = datetime(2026, 12, 3, tzinfo=UTC)
    points = [
        Point(at, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
        Point(at, 12, 30.0, 2.5, 0.0, 7.0, 2.0, 6.5, 7.0),
        Point(at, 3, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    ]
    assert _measured(points, "avg") == [None, 2.5, 0.0]
    assert _measured(points, "p95") == [None, 6.5, 0.0]
