"""How fast the Monitoring page draws its first frame with 24 hours of history.

Writes 24 hours of per-minute history (questions, latencies, cache lookups,
tokens, CPU and memory) into a fresh data directory, then times:

- ``build_dashboard`` alone for each window (the data the page draws);
- the page script's first run through Streamlit's AppTest (server side: queries
  and plotly figures), with the 24-hour window selected;
- with ``--browser``, a real Streamlit server and headless Chromium: navigation
  to the cards shown and to all five charts drawn.

    python scripts/bench_monitoring.py --runs 5 --browser
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from loadtesting.localhost import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_FLAGS,
    free_port,
    streamlit_command,
    wait_healthy,
)

from market_parser.config.settings import Settings  # noqa: E402
from market_parser.observability.runtime import Observability  # noqa: E402
from market_parser.ui.dashboard import WINDOWS, build_dashboard  # noqa: E402

MINUTES = 24 * 60


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def write_history(data_dir: str, questions_per_minute: int = 6) -> float:
    """Fill ``data_dir`` with 24 hours of minutes ending now; returns seconds taken."""
    started = time.perf_counter()
    end = time.time()
    clock = Clock(end - MINUTES * 60)
    runtime = Observability(
        Settings.load({"MARKET_PARSER_DATA_DIR": data_dir}), clock=clock
    )
    m = runtime.metrics
    rng = random.Random(7)
    for _ in range(MINUTES):
        for _ in range(questions_per_minute):
            status = "answered" if rng.random() > 0.03 else "failed"
            m.questions.labels(
                status=status,
                error_type="" if status == "answered" else "UpstreamError",
            ).inc()
            m.question_duration.labels(
                model="offline-planner", source="offline"
            ).observe(rng.lognormvariate(-2.5, 0.6))
            m.question_tokens.labels(direction="input", model="offline-planner").inc(
                800
            )
            m.question_tokens.labels(direction="output", model="offline-planner").inc(
                120
            )
            m.cache_requests.labels(
                kind="quote", result=rng.choice(("hit", "miss"))
            ).inc()
        m.process_cpu_percent.set(rng.uniform(5, 40))
        m.process_resident_memory_bytes.set(rng.uniform(200, 260) * 2**20)
        runtime.flusher.flush(clock.now)
        clock.now += 60
    runtime.store.close()
    return time.perf_counter() - started


def time_dashboards(data_dir: str, runs: int) -> dict[str, float]:
    runtime = Observability(Settings.load({"MARKET_PARSER_DATA_DIR": data_dir}))
    results = {}
    for label, window in WINDOWS.items():
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            build_dashboard(runtime, window)
            samples.append(time.perf_counter() - started)
        results[label] = statistics.median(samples) * 1000
    runtime.store.close()
    return results


def time_page(data_dir: str, runs: int) -> list[tuple[float, float]]:
    """The Monitoring script's run (24-hour window): cold, then warm, per process.

    Cold is the first run in a fresh process (imports, plotly's first figure,
    the history file opened); warm is a second session in the same process,
    which is what a user opening the page on a running server meets.
    """
    code = (
        "import time;from streamlit.testing.v1 import AppTest\n"
        "def run():\n"
        " a=AppTest.from_file('pages/1_Monitoring.py',default_timeout=60)\n"
        " a.session_state['window']='24 hours';t=time.perf_counter();a.run()\n"
        " assert not a.exception, a.exception\n"
        " return (time.perf_counter()-t)*1000\n"
        "print(run(), run())"
    )
    samples = []
    env = {**os.environ, "MARKET_PARSER_DATA_DIR": data_dir, "LOG_LEVEL": "ERROR"}
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        cold, warm = done.stdout.strip().splitlines()[-1].split()
        samples.append((float(cold), float(warm)))
    return samples


def time_browser(data_dir: str, runs: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "MARKET_PARSER_DATA_DIR": data_dir, "LOG_LEVEL": "ERROR"}
    server = subprocess.Popen(
        streamlit_command(port),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    results: dict[str, list[float]] = {"cards_ms": [], "charts_ms": []}
    try:
        wait_healthy(url)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_FLAGS
            )
            for _ in range(runs):
                page = browser.new_page()
                started = time.perf_counter()
                page.goto(f"{url}/Monitoring", wait_until="commit")
                page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
                results["cards_ms"].append((time.perf_counter() - started) * 1000)
                page.wait_for_function(
                    "document.querySelectorAll('.js-plotly-plot').length >= 5",
                    timeout=30_000,
                )
                results["charts_ms"].append((time.perf_counter() - started) * 1000)
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time in Chromium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        seconds = write_history(data_dir)
        print(f"wrote 24 h of history ({MINUTES} minutes) in {seconds:.1f} s")
        print("build_dashboard, median ms per window:")
        for label, ms in time_dashboards(data_dir, args.runs).items():
            print(f"  {label:<11} {ms:7.1f}")
        page = time_page(data_dir, args.runs)
        for index, name in enumerate(("cold (fresh process)", "warm (running server)")):
            values = [pair[index] for pair in page]
            print(
                f"page script run, 24 h window, {name}: median "
                f"{statistics.median(values):.0f} ms, max {max(values):.0f} ms"
            )
        if args.browser:
            browser = time_browser(data_dir, args.runs)
            for name, values in browser.items():
                print(
                    f"Chromium, Monitoring {name[:-3]}: median "
                    f"{statistics.median(values):.0f} ms, max {max(values):.0f} ms"
                )


if __name__ == "__main__":
    main()
