"""The benchmark script: comparisons of known results, and short real runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import benchmark

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "benchmark.py"


def result_file(path: Path, questions: dict[str, tuple[float, float]]) -> Path:
    """A benchmark result with the given (mean, median) per question."""
    data = {
        "mode": "optimized",
        "questions": {
            text: {"mean_ms": mean, "median_ms": median}
            for text, (mean, median) in questions.items()
        },
    }
    path.write_text(json.dumps(data))
    return path


def run_script(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKET_PARSER_")}
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_compare_prints_the_change_per_question(tmp_path, capsys):
    """Each question's row shows A, B and (B - A) / A for mean and median."""
    a = result_file(
        tmp_path / "a.json", {"AAPL price": (10.0, 10.0), "IBM RSI": (4.0, 5.0)}
    )
    b = result_file(
        tmp_path / "b.json", {"AAPL price": (8.0, 12.0), "MSFT puts": (3.0, 3.0)}
    )

    assert benchmark.main(["--compare", str(a), str(b)]) == 0

    lines = {line.split("  ")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert lines["AAPL price"].split() == [
        "AAPL",
        "price",
        "10.00",
        "8.00",
        "-20.0%",
        "10.00",
        "12.00",
        "+20.0%",
    ]
    assert lines["IBM RSI"].split()[2:] == ["4.00", "-", "-", "5.00", "-", "-"]
    assert lines["MSFT puts"].split()[2:] == ["-", "3.00", "-", "-", "3.00", "-"]


def test_compare_returns_the_rows_it_prints(tmp_path):
    """The same comparison as data, for scripts that want the numbers."""
    a = result_file(tmp_path / "a.json", {"q": (2.0, 4.0)})
    b = result_file(tmp_path / "b.json", {"q": (3.0, 1.0)})

    (row,) = benchmark.compare(a, b)

    assert row["mean_ms_change_pct"] == 50.0
    assert row["median_ms_change_pct"] == -75.0


def test_optimized_run_serves_every_timed_question_from_the_warm_cache(tmp_path):
    """After the untimed pass no timed question reaches the provider."""
    out = tmp_path / "optimized.json"

    done = run_script("--optimized", "--iterations", "2", "--out", str(out))

    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["mode"] == "optimized"
    assert len(result["questions"]) == len(benchmark.QUESTIONS)
    for stats in result["questions"].values():
        assert stats["n"] == 2
        assert stats["failures"] == []
        assert stats["min_ms"] <= stats["median_ms"] <= stats["max_ms"]
        assert stats["min_ms"] <= stats["mean_ms"] <= stats["max_ms"]
        assert stats["upstream_requests_per_question"] == 0


def test_baseline_run_pays_for_the_provider_every_time(tmp_path):
    """A cold service per question: each question fetches its data again."""
    out = tmp_path / "baseline.json"

    done = run_script(
        *("--baseline", "--iterations", "1", "--upstream-latency", "0"),
        *("--out", str(out)),
    )

    assert done.returncode == 0, done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["config"]["upstream_latency_s"] == 0
    for text, stats in result["questions"].items():
        assert stats["failures"] == [], text
        assert stats["upstream_requests_per_question"] >= 1, text


def test_describe_gives_the_five_statistics_in_ms():
    """Seconds in, milliseconds out: mean, median, min, max, sample stdev."""
    stats = benchmark.describe([0.001, 0.002, 0.006])

    assert stats == {
        "n": 3,
        "mean_ms": 3.0,
        "median_ms": 2.0,
        "min_ms": 1.0,
        "max_ms": 6.0,
        "stdev_ms": 2.646,
    }


def test_metric_operations_time_both_libraries():
    """Each operation has a positive cost in ours and in prometheus_client."""
    costs = benchmark.metric_operations(number=200)

    assert set(costs) == {
        "counter_inc",
        "labelled_counter_inc",
        "labelled_histogram_observe",
        "gauge_set",
    }
    for pair in costs.values():
        assert pair["ours"] > 0 and pair["prometheus_client"] > 0


def test_a_missing_companion_script_is_skipped_with_a_reason():
    """Micro-benchmarks owned by other scripts say so when those are absent."""
    assert benchmark._other_script("no_such_bench.py", []) == {
        "skipped": "scripts/no_such_bench.py is not in this tree"
    }
