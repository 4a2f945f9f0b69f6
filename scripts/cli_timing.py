"""Time one offline question from the terminal: start-up versus the work itself.

Runs ``python -m market_parser ask --json`` several times in fresh processes and
reports the wall time of the whole process and the question's own duration_ms
(from the query service: planning, tool calls, answer writing; the agent stack
is built before it starts). Also times the phases in this process.

    python scripts/cli_timing.py --runs 5 "What is Apple's stock price?"
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"MARKET_PARSER_DATA_DIR": data_dir, "LOG_LEVEL": "WARNING"})
    return env


def time_processes(question: str, runs: int, data_dir: str) -> dict[str, list[float]]:
    wall, work = [], []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "market_parser", "ask", "--json", question],
            cwd=ROOT,
            env=_environment(data_dir),
            capture_output=True,
            text=True,
            check=True,
        )
        wall.append((time.perf_counter() - started) * 1000)
        work.append(json.loads(done.stdout)["duration_ms"])
    return {"process_wall_ms": wall, "question_ms": work}


def time_phases(question: str, data_dir: str) -> dict[str, float]:
    os.environ.update(_environment(data_dir))
    started = time.perf_counter()
    from market_parser.config.settings import Settings
    from market_parser.service.query import QueryService

    service = QueryService(Settings.load())
    imported = time.perf_counter()
    service.stack()
    built = time.perf_counter()
    first = service.ask(question)
    second = service.ask(question)
    service.close()
    return {
        "import_service_ms": (imported - started) * 1000,
        "build_agent_stack_ms": (built - imported) * 1000,
        "first_question_ms": first.duration_ms,
        "second_question_ms": second.duration_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default="What is Apple's stock price?")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        processes = time_processes(args.question, args.runs, data_dir)
        phases = time_phases(args.question, data_dir)
    print(f"question: {args.question!r}, {args.runs} fresh processes")
    for name, values in processes.items():
        print(
            f"  {name:<22} median {statistics.median(values):7.1f}  "
            f"min {min(values):7.1f}  max {max(values):7.1f}"
        )
    print("in one process:")
    for name, value in phases.items():
        print(f"  {name:<22} {value:7.1f}")


if __name__ == "__main__":
    main()
