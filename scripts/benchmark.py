"""Benchmark a fixed set of questions through the query service, and compare runs.

    python scripts/benchmark.py --baseline            # cold: what a restart costs
    python scripts/benchmark.py --optimized           # warm: the app in steady state
    python scripts/benchmark.py --compare A.json B.json
    python scripts/benchmark.py --micro               # the micro-benchmarks alone

``--baseline`` asks every question of a new query service: its agent stack is
built, the offline data loaded and its cache empty, as for the first question
after a restart. ``--optimized`` is the shipping configuration in steady state:
one service whose stack was built at start and whose cache was filled by one
untimed pass over the questions. In both, every request that reaches the data
provider waits ``--upstream-latency`` (50 ms by default, about one round trip to
a live provider) so that what the cache saves shows offline too; the model is
the offline planner. The difference between the two is what warm-up and the
cache buy per question. To measure a change to the code, run the same mode
before and after it (``--label before`` / ``--label after``) and compare.

Each run writes ``benchmark_results/<mode>-<time>.json`` (``--out`` to choose)
with the mean, median, min, max and standard deviation per question over
``--iterations`` rounds. ``--micro`` adds: instrumentation cost per question
(``scripts/bench_instrumentation.py``), the sidecar's ``/health`` latency
(``scripts/bench_health.py``, when present), cold-start times
(``scripts/cold_start.py``, when present) and the cost of one metric operation
in our collector against ``prometheus_client`` doing the same.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(SCRIPTS))

from loadtesting.inprocess import CountingProvider  # noqa: E402
from loadtesting.mix import Question, check_answer  # noqa: E402
from loadtesting.summary import machine  # noqa: E402

from market_parser.config.settings import Settings  # noqa: E402
from market_parser.observability.logs import configure_logging  # noqa: E402

RESULTS_DIR = ROOT / "benchmark_results"
# (kind, question, ticker): one per intent the planner knows, in a fixed order.
QUESTIONS = (
    ("price", "What is Apple's stock price?", "AAPL"),
    ("price", "How did MSFT do last week?", "MSFT"),
    ("price", "Compare AAPL, MSFT and IBM over the past month", "IBM"),
    ("technical", "RSI and MACD for IBM", "IBM"),
    ("technical", "GOOG support and resistance", "GOOG"),
    ("options", "AAPL puts for the nearest expiration", "AAPL"),
    ("options", "Show MSFT call options expiring Friday", "MSFT"),
    ("health", "Is the market open right now?", None),
)
STATS = ("mean_ms", "median_ms", "min_ms", "max_ms", "stdev_ms")


class Bench:
    """Builds query services over the counted offline provider, in one data dir."""

    def __init__(self, data_dir: str, upstream_latency: float) -> None:
        self.data_dir = data_dir
        self.upstream_latency = upstream_latency
        self.asked = 0

    def service(self) -> tuple[Any, CountingProvider]:
        from market_parser.market_data.offline import OfflineProvider
        from market_parser.service.query import QueryService

        settings = Settings.load({"MARKET_PARSER_DATA_DIR": self.data_dir})
        provider = CountingProvider(OfflineProvider(), self.upstream_latency)
        return QueryService(settings, provider=provider), provider

    def ask(self, service: Any, question: Question) -> tuple[float, str]:
        """Seconds one question took, and why it failed ("" when it did not)."""
        self.asked += 1
        # A fresh session each time: a growing conversation would slow later rounds.
        started = time.perf_counter()
        answer = service.ask(question.text, session_id=f"bench-{self.asked}")
        elapsed = time.perf_counter() - started
        if not answer.ok:
            return elapsed, answer.error_type or answer.outcome
        return elapsed, check_answer(question, answer.text)


def run_mode(mode: str, iterations: int, upstream_latency: float) -> dict[str, Any]:
    """Time every question ``iterations`` times in ``mode``; per-question samples."""
    questions = [Question(kind, text, ticker) for kind, text, ticker in QUESTIONS]
    samples: dict[str, list[float]] = {q.text: [] for q in questions}
    failures: dict[str, list[str]] = {q.text: [] for q in questions}
    upstream = dict.fromkeys(samples, 0)
    with tempfile.TemporaryDirectory(prefix="benchmark-") as data_dir:
        bench = Bench(data_dir, upstream_latency)
        warm, warm_provider = bench.service()
        warm.stack()
        for question in questions:  # imports, and in optimized mode the cache
            bench.ask(warm, question)
        for _ in range(iterations):
            for question in questions:
                if mode == "optimized":
                    service, provider = warm, warm_provider
                else:
                    service, provider = bench.service()
                before = provider.total
                elapsed, problem = bench.ask(service, question)
                upstream[question.text] += provider.total - before
                samples[question.text].append(elapsed)
                if problem:
                    failures[question.text].append(problem)
                if service is not warm:
                    service.close()
        warm.close()

    return {
        text: {
            **describe(values),
            "failures": failures[text][:5],
            "upstream_requests_per_question": upstream[text] / iterations,
        }
        for text, values in samples.items()
    }


def describe(seconds: Sequence[float]) -> dict[str, float]:
    """Mean, median, min, max and standard deviation in ms, and the count."""
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "mean_ms": round(statistics.fmean(ms), 3),
        "median_ms": round(statistics.median(ms), 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
        "stdev_ms": round(statistics.stdev(ms), 3) if len(ms) > 1 else 0.0,
    }


def git_state() -> dict[str, Any]:
    """The commit the code came from and whether the tree had changes."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    return {
        "revision": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain")),
    }


def micro(rounds: int) -> dict[str, Any]:
    """The micro-benchmarks; each says "skipped" with a reason when it cannot run."""
    return {
        "instrumentation": instrumentation(rounds),
        "metrics_vs_prometheus_client_ns": metric_operations(),
        "health": _other_script("bench_health.py", []),
        "cold_start": _other_script("cold_start.py", ["--think", "1"]),
    }


def instrumentation(rounds: int) -> dict[str, Any]:
    """Instrumentation cost per question, from ``scripts/bench_instrumentation.py``."""
    module = _load_script("bench_instrumentation.py")
    with tempfile.TemporaryDirectory(prefix="benchmark-") as data_dir:
        # It measures with logging on; its lines go to a buffer, not the terminal.
        configure_logging("INFO", "json", stream=io.StringIO())
        try:
            end_to_end = module.end_to_end(rounds, data_dir)
            calls = module.micro(5_000)
        finally:
            configure_logging("WARNING", "text", stream=sys.stderr)
    return {
        "cpu_us_per_question_instrumented": round(end_to_end["on"], 1),
        "cpu_us_per_question_bare": round(end_to_end["off"], 1),
        "cpu_us_overhead": round(end_to_end["on"] - end_to_end["off"], 1),
        "calls_of_one_question_us": {k: round(v, 2) for k, v in calls.items()},
    }


def _load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(
        name.removesuffix(".py"), SCRIPTS / name
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def metric_operations(number: int = 50_000) -> dict[str, dict[str, float]]:
    """Nanoseconds per metric operation: our collector against prometheus_client."""
    try:
        import prometheus_client
    except ImportError:
        return {"skipped": "prometheus_client is not installed (requirements-dev.txt)"}
    ours, theirs = _our_metrics(), _prometheus_metrics(prometheus_client)
    results = {}
    for name in ours:
        results[name] = {
            "ours": _ns_per_call(ours[name], number),
            "prometheus_client": _ns_per_call(theirs[name], number),
        }
    return results


def _ns_per_call(operation: Callable[[], object], number: int) -> float:
    # The best of five repeats: the least disturbed by other work on the machine.
    best = min(timeit.repeat(operation, number=number, repeat=5))
    return round(best / number * 1e9, 1)


def _our_metrics() -> dict[str, Callable[[], object]]:
    from market_parser.observability.metrics import MetricsCollector

    collector = MetricsCollector()
    counter = collector.counter("bench_plain_total", "")
    labelled = collector.counter("bench_labelled_total", "", ("status", "error_type"))
    histogram = collector.histogram("bench_seconds", "", ("model", "source"))
    gauge = collector.gauge("bench_gauge", "")
    return {
        "counter_inc": counter.inc,
        "labelled_counter_inc": lambda: labelled.labels(
            status="answered", error_type=""
        ).inc(),
        "labelled_histogram_observe": lambda: histogram.labels(
            model="m", source="s"
        ).observe(0.0123),
        "gauge_set": lambda: gauge.set(3),
    }


def _prometheus_metrics(prometheus_client: Any) -> dict[str, Callable[[], object]]:
    registry = prometheus_client.CollectorRegistry()
    counter = prometheus_client.Counter("bench_plain", "", registry=registry)
    labelled = prometheus_client.Counter(
        "bench_labelled", "", ["status", "error_type"], registry=registry
    )
    histogram = prometheus_client.Histogram(
        "bench_seconds", "", ["model", "source"], registry=registry
    )
    gauge = prometheus_client.Gauge("bench_gauge", "", registry=registry)
    return {
        "counter_inc": counter.inc,
        "labelled_counter_inc": lambda: labelled.labels(
            status="answered", error_type=""
        ).inc(),
        "labelled_histogram_observe": lambda: histogram.labels(
            model="m", source="s"
        ).observe(0.0123),
        "gauge_set": lambda: gauge.set(3),
    }


def _other_script(name: str, extra: list[str]) -> dict[str, Any]:
    """Run another engineer's measuring script with ``--json``, if it is there."""
    path = SCRIPTS / name
    if not path.exists():
        return {"skipped": f"scripts/{name} is not in this tree"}
    with tempfile.TemporaryDirectory(prefix="benchmark-") as scratch:
        output = Path(scratch) / "result.json"
        done = subprocess.run(
            [sys.executable, str(path), "--json", str(output), *extra],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        result: dict[str, Any] = {"command": f"python scripts/{name} {' '.join(extra)}"}
        result["returncode"] = done.returncode
        if output.exists():
            result["result"] = json.loads(output.read_text())
        else:
            result["stdout_tail"] = done.stdout[-2000:]
            result["stderr_tail"] = done.stderr[-2000:]
    return result


def compare(path_a: Path, path_b: Path) -> list[dict[str, Any]]:
    """Per question: A's and B's mean and median, and B's change against A."""
    a, b = _load(path_a), _load(path_b)
    rows = []
    for text in dict.fromkeys([*a["questions"], *b["questions"]]):
        qa, qb = a["questions"].get(text), b["questions"].get(text)
        row: dict[str, Any] = {"question": text}
        for stat in ("mean_ms", "median_ms"):
            before = qa[stat] if qa else None
            after = qb[stat] if qb else None
            row[f"a_{stat}"], row[f"b_{stat}"] = before, after
            row[f"{stat}_change_pct"] = _change(before, after)
        rows.append(row)
    return rows


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {path}: {exc}") from None
    if "questions" not in data:
        raise SystemExit(f"{path} is not a benchmark result (no 'questions')")
    return data


def _change(before: float | None, after: float | None) -> float | None:
    if before is None or after is None or before == 0:
        return None
    return round((after - before) / before * 100, 1)


def print_comparison(rows: list[dict[str, Any]], name_a: str, name_b: str) -> None:
    print(f"A = {name_a}\nB = {name_b}")
    header = f"{'question':<48} {'A mean':>9} {'B mean':>9} {'change':>8}"
    print(header + f" {'A median':>9} {'B median':>9} {'change':>8}")
    for row in rows:
        cells = []
        for stat in ("mean_ms", "median_ms"):
            cells += [
                _ms(row[f"a_{stat}"]),
                _ms(row[f"b_{stat}"]),
                _pct(row[f"{stat}_change_pct"]),
            ]
        print(f"{row['question'][:48]:<48} " + " ".join(cells))
    print("times in ms; change is (B - A) / A")


def _ms(value: float | None) -> str:
    return f"{'-':>9}" if value is None else f"{value:>9,.2f}"


def _pct(value: float | None) -> str:
    return f"{'-':>8}" if value is None else f"{value:>+7.1f}%"


def print_run(result: dict[str, Any]) -> None:
    config = result["config"]
    print(
        f"benchmark {result['mode']}: {config['iterations']} iterations, upstream "
        f"latency {config['upstream_latency_s']:g} s, git "
        f"{result['git']['revision'] or 'unknown'}"
        f"{' (dirty)' if result['git']['dirty'] else ''}"
    )
    print(f"{'question':<48} " + " ".join(f"{s[:-3]:>8}" for s in STATS) + "  (ms)")
    for text, stats in result["questions"].items():
        cells = " ".join(f"{stats[s]:>8,.2f}" for s in STATS)
        flag = f"  FAILED {len(stats['failures'])}" if stats["failures"] else ""
        print(f"{text[:48]:<48} {cells}{flag}")


def print_micro(data: dict[str, Any]) -> None:
    inst = data["instrumentation"]
    print(
        "instrumentation, CPU per question: "
        f"{inst['cpu_us_per_question_instrumented']} µs instrumented, "
        f"{inst['cpu_us_per_question_bare']} µs bare "
        f"({inst['cpu_us_overhead']:+} µs)"
    )
    print("metric operation, ns: ours / prometheus_client")
    for name, pair in data["metrics_vs_prometheus_client_ns"].items():
        if isinstance(pair, dict):
            print(f"  {name:<28} {pair['ours']:>8} / {pair['prometheus_client']}")
    for name in ("health", "cold_start"):
        entry = data[name]
        state = entry.get("skipped") or f"exit {entry.get('returncode')}"
        print(f"{name}: {state}")
        if "result" in entry:
            print("  " + json.dumps(entry["result"])[:400])


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument(
        "--baseline", action="store_true", help="cold service per question"
    )
    mode.add_argument("--optimized", action="store_true", help="warm shipping service")
    mode.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    mode.add_argument("--micro", action="store_true", help="micro-benchmarks only")
    parser.add_argument("--with-micro", action="store_true", help="add them to a run")
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--upstream-latency", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=40, help="instrumentation rounds")
    parser.add_argument("--label", default="", help="a name kept in the JSON")
    parser.add_argument("--out", type=Path, help="where to write the JSON")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.compare:
        rows = compare(*args.compare)
        print_comparison(rows, str(args.compare[0]), str(args.compare[1]))
        return 0
    if not 1 <= args.iterations <= 10_000:
        raise SystemExit("--iterations must be 1 to 10000")
    configure_logging("WARNING", "text", stream=sys.stderr)
    mode = "micro" if args.micro else "baseline" if args.baseline else "optimized"
    result = _header(mode, args)
    if mode != "micro":
        result["questions"] = run_mode(mode, args.iterations, args.upstream_latency)
        print_run(result)
    if args.micro or args.with_micro:
        result["micro"] = micro(args.rounds)
        print_micro(result["micro"])
    path = args.out or RESULTS_DIR / f"{mode}-{datetime.now():%Y%m%d-%H%M%S}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written: {path}")

    return 0


def _header(mode: str, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "tool": "market-parser benchmark",
        "mode": mode,
        "label": args.label,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "git": git_state(),
        "machine": machine(),
        "config": {
            "iterations": args.iterations,
            "upstream_latency_s": args.upstream_latency,
            "model_latency_s": Settings.load(os.environ).simulated_latency,
        },
    }


if __name__ == "__main__":
    sys.exit(main())
