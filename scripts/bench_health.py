"""Benchmark the health sidecar: start time, and /health latency at a fixed rate.

Starts ``scripts/health_sidecar.py`` as its own process on a loopback port, in
front of a stand-in app (a tiny server answering ``/_stcore/health`` like
Streamlit) and a real status file rewritten every 2 s, more often than the app
does; both run in a helper process. Then, from this process, it sends GET
/health at a fixed rate over one keep-alive connection for a fixed time, and
reports the latency percentiles. Latency counts from the moment each request
was due, so a slow answer also charges the requests queued behind it.

    python scripts/bench_health.py                    # 200 req/s for 10 s
    python scripts/bench_health.py --rate 200 --seconds 20 --json out.json
    python scripts/bench_health.py --wrk              # also wrk at full speed

Exits 1 when p99 is above the 5 ms target. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadtesting.localhost import free_port

from market_parser.observability.alerts import AlertEvaluator
from market_parser.observability.catalog import register_app_metrics
from market_parser.observability.metrics import MetricsCollector
from market_parser.observability.snapshot import (
    SNAPSHOT_FILE,
    build_snapshot,
    write_snapshot,
)

ROOT = Path(__file__).resolve().parents[1]
SIDECAR = ROOT / "scripts" / "health_sidecar.py"
P99_TARGET_MS = 5.0
MAX_SECONDS = 120


class StandInApp(BaseHTTPRequestHandler):
    """Answers Streamlit's health check with 200 "ok"."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def write_status(data_dir: Path) -> None:
    """A status file with every app metric registered and some traffic."""
    collector = MetricsCollector()
    metrics = register_app_metrics(collector)
    for status, count in (("answered", 120), ("failed", 2), ("invalid", 3)):
        metrics.questions.labels(status=status, error_type="").inc(count)
    for seconds in (0.2, 0.4, 0.9, 1.6, 3.2):
        metrics.question_duration.labels(model="offline-planner", source="s").observe(
            seconds
        )
    now = time.time()
    health = AlertEvaluator().evaluate(collector, now)
    snapshot = build_snapshot(collector, health, now=now, started_at=now - 3600)
    write_snapshot(data_dir / SNAPSHOT_FILE, snapshot)


def start_sidecar(port: int, app_url: str, data_dir: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "MARKET_PARSER_DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, str(SIDECAR), "--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(
        [*command, "--app-url", app_url], env=env, stdout=subprocess.DEVNULL
    )


def until_live(port: int, started: float, timeout: float = 10) -> float:
    """Seconds from ``started`` until /livez answers 200."""
    while time.perf_counter() - started < timeout:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/livez")
            if connection.getresponse().status == 200:
                return time.perf_counter() - started
        except OSError:
            time.sleep(0.002)
    raise SystemExit("the sidecar did not answer /livez within 10 s")


def start_times(app_url: str, data_dir: Path, runs: int) -> list[float]:
    """Milliseconds from spawning the sidecar to its first 200, over several runs."""
    timings = []
    for _ in range(runs):
        port = free_port()
        started = time.perf_counter()
        process = start_sidecar(port, app_url, data_dir)
        try:
            timings.append(until_live(port, started) * 1000)
        finally:
            process.terminate()
            process.wait(5)
    return timings


def load(port: int, rate: float, seconds: float) -> dict[str, Any]:
    """GET /health at ``rate`` per second for ``seconds``; latencies in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    total = int(rate * seconds)
    due_latency, service, errors = [], [], 0
    begin = time.perf_counter() + 0.05
    for index in range(total):
        due = begin + index / rate
        pause = due - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
        sent = time.perf_counter()
        try:
            connection.request("GET", "/health")
            response = connection.getresponse()
            response.read()
            ok = response.status == 200
        except (OSError, http.client.HTTPException):
            connection.close()
            ok = False
        done = time.perf_counter()
        errors += not ok
        due_latency.append((done - due) * 1000)
        service.append((done - sent) * 1000)
    elapsed = time.perf_counter() - begin
    connection.close()

    return {
        "requests": total,
        "errors": errors,
        "achieved_rate": round(total / elapsed, 1),
        "latency_from_due_ms": summarize(due_latency),
        "service_time_ms": summarize(service),
    }


def summarize(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(share: float) -> float:
        rank = max(0, math.ceil(share * len(ordered)) - 1)
        return round(ordered[rank], 3)

    return {
        "p50": pick(0.50),
        "p90": pick(0.90),
        "p99": pick(0.99),
        "p99.9": pick(0.999),
        "max": round(ordered[-1], 3),
        "mean": round(statistics.fmean(ordered), 3),
    }


def run_wrk(port: int, seconds: float) -> str:
    """wrk at full speed for comparison: throughput, not a fixed rate."""
    command = ["wrk", "-t2", "-c8", f"-d{int(seconds)}s", "--latency"]
    done = subprocess.run(
        [*command, f"http://127.0.0.1:{port}/health"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    return done.stdout


def stand_in(data_dir: Path, port: int, stop: Any) -> None:
    """In a helper process: the stand-in app, and the status file rewritten every 2 s.

    Kept out of the process that sends the load, so that neither competes with
    it for the interpreter lock and skews its timings.
    """
    app = ThreadingHTTPServer(("127.0.0.1", port), StandInApp)
    threading.Thread(target=app.serve_forever, daemon=True).start()
    while not stop.wait(2.0):
        write_status(data_dir)
    app.shutdown()


def report(result: dict[str, Any]) -> None:
    starts = result["start_ms"]
    print(
        f"sidecar start to first 200: min {min(starts):.0f} ms, "
        f"median {statistics.median(starts):.0f} ms, max {max(starts):.0f} ms "
        f"({len(starts)} runs)"
    )
    loaded = result["load"]
    print(
        f"GET /health at {result['rate']:g}/s for {result['seconds']:g} s: "
        f"{loaded['requests']} requests, {loaded['errors']} errors, "
        f"{loaded['achieved_rate']}/s achieved"
    )
    for name in ("latency_from_due_ms", "service_time_ms"):
        cells = "  ".join(f"{k} {v:.2f}" for k, v in loaded[name].items())
        print(f"  {name:<20} {cells}")
    verdict = "met" if result["p99_ok"] else "MISSED"
    print(f"p99 target {P99_TARGET_MS:g} ms: {verdict}")
    if result.get("wrk"):
        print("wrk, full speed, 2 threads, 8 connections:")
        print(result["wrk"].rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests/second")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--starts", type=int, default=5, help="start-time runs")
    parser.add_argument("--wrk", action="store_true", help="also run wrk if found")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    if not 0 < args.seconds <= MAX_SECONDS or not 0 < args.rate <= 2000:
        parser.error(f"--seconds must be 0-{MAX_SECONDS} and --rate 0-2000")

    app_port = free_port()
    app_url = f"http://127.0.0.1:{app_port}"
    stop = multiprocessing.Event()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        write_status(data_dir)
        helper = multiprocessing.Process(
            target=stand_in, args=(data_dir, app_port, stop), daemon=True
        )
        helper.start()
        result: dict[str, Any] = {"rate": args.rate, "seconds": args.seconds}
        result["start_ms"] = start_times(app_url, data_dir, args.starts)
        port = free_port()
        sidecar = start_sidecar(port, app_url, data_dir)
        try:
            until_live(port, time.perf_counter())
            result["load"] = load(port, args.rate, args.seconds)
            if args.wrk and shutil.which("wrk"):
                result["wrk"] = run_wrk(port, min(args.seconds, 10))
        finally:
            stop.set()
            helper.join(5)
            sidecar.terminate()
            sidecar.wait(5)
    result["p99_ok"] = result["load"]["latency_from_due_ms"]["p99"] <= P99_TARGET_MS
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    return 0 if result["p99_ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
