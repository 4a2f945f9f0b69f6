"""Measure a cold start: server start to healthy, to first page, to first answer.

Starts the app in a fresh process on a free loopback port, polls Streamlit's
``/_stcore/health``, opens the Home page in headless Chromium (Debian's, driven by
Playwright) until the chat input shows, asks one question after a pause that
stands for the user typing, and waits for the answer's footer. Then it times the
imports of each page's modules with ``python -X importtime``. Prints a table and
writes JSON.

    python scripts/cold_start.py --server launcher --json cold_start.json
    python scripts/cold_start.py --server streamlit   # plain `streamlit run Home.py`

The target: Home shows its input within 1.5 s of the server being ready.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from loadtesting.localhost import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    free_port,
    streamlit_command,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parents[1]
CHAT_INPUT = '[data-testid="stChatInputTextArea"]'
ASSISTANT = (
    '[data-testid="stChatMessage"]:has([data-testid="stChatMessageAvatarAssistant"])'
)
FIRST_PAGE_TARGET_S = 1.5
# Modules the agent stack pulls in; they belong to the warm-up, not the first paint.
HEAVY = ("agents", "openai", "pandas", "plotly", "requests", "numpy")
TRIVIAL_APP = 'import streamlit as st\n\nst.chat_input("Ask a market question")\n'


def server_command(kind: str, port: int, sidecar_port: int) -> list[str]:
    if kind in ("streamlit", "trivial"):
        return streamlit_command(port)
    if kind == "entry":
        return [sys.executable, "-m", "market_parser.server", "--port", str(port)]
    return [
        sys.executable,
        "scripts/serve.py",
        "--port",
        str(port),
        "--sidecar-port",
        str(sidecar_port),
        "--host",
        "127.0.0.1",
    ]


def loopback_only(route) -> None:
    """Let the page reach this machine and nothing else."""
    host = urllib.parse.urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def browse(page, url: str, question: str | None, think: float, marks: dict) -> None:
    """Open Home, wait for the chat input, ask, and wait for the answer's footer."""
    page.goto(url, wait_until="commit")
    page.wait_for_selector(CHAT_INPUT, state="visible", timeout=60_000)
    marks["first_page"] = time.perf_counter()
    if question is None:
        return
    page.wait_for_timeout(think * 1000)
    page.fill(CHAT_INPUT, question)
    marks["asked"] = time.perf_counter()
    page.press(CHAT_INPUT, "Enter")
    page.locator(f"{ASSISTANT} [data-testid='stCaptionContainer']").first.wait_for(
        timeout=60_000
    )
    marks["first_answer"] = time.perf_counter()
    marks["answer_text"] = page.locator(ASSISTANT).first.inner_text()[:200]


def measure_once(browser, kind: str, question: str, think: float) -> dict:
    """One cold start in a fresh data folder, with a tab already open."""
    port, sidecar_port = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    marks: dict = {}
    context = browser.new_context()
    context.route("**/*", loopback_only)
    page = context.new_page()
    with tempfile.TemporaryDirectory() as data_dir:
        cwd = ROOT
        if kind == "trivial":
            cwd = Path(data_dir)
            (cwd / "Home.py").write_text(TRIVIAL_APP, encoding="utf-8")
        marks["start"] = time.perf_counter()
        process = subprocess.Popen(
            server_command(kind, port, sidecar_port),
            cwd=cwd,
            env=_environment(data_dir),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_healthy(url, 60, process=process, interval=0.01)
            marks["healthy"] = time.perf_counter()
            browse(page, url, None if kind == "trivial" else question, think, marks)
        finally:
            process.terminate()
            process.wait(15)
            context.close()

    return _figures(marks, think)


def measure_server(kind: str, question: str, think: float, runs: int) -> dict:
    """The median of each figure over ``runs`` cold starts."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_FLAGS
        )
        try:
            samples = [
                measure_once(browser, kind, question, think) for _ in range(runs)
            ]
        finally:
            browser.close()
    figures: dict = {"runs": runs}
    for key, value in samples[0].items():
        if isinstance(value, float):
            figures[key] = round(statistics.median(s[key] for s in samples), 1)
            figures[f"{key}_all"] = [s[key] for s in samples]
        else:
            figures[key] = value

    return figures


def _environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(
        {
            "MARKET_PARSER_DATA_DIR": data_dir,
            "MARKET_PARSER_OFFLINE": "1",
            "LOG_LEVEL": "WARNING",
            "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        }
    )
    return env


def _figures(marks: dict, think: float) -> dict[str, float | str]:
    def ms(later: str, earlier: str) -> float | None:
        if later not in marks:
            return None
        return round((marks[later] - marks[earlier]) * 1000, 1)

    figures = {
        "start_to_healthy_ms": ms("healthy", "start"),
        "healthy_to_first_page_ms": ms("first_page", "healthy"),
        "start_to_first_page_ms": ms("first_page", "start"),
        "ask_to_first_answer_ms": ms("first_answer", "asked"),
        "start_to_first_answer_ms": ms("first_answer", "start"),
    }
    figures = {key: value for key, value in figures.items() if value is not None}
    figures["answer_excerpt"] = marks.get("answer_text", "")

    return figures


def page_files() -> list[Path]:
    return [ROOT / "Home.py", *sorted((ROOT / "pages").glob("*.py"))]


def page_imports(path: Path) -> list[str]:
    """The modules a page imports at its top level, in order."""
    names: list[str] = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
    return [name for name in names if name != "__future__"]


def import_times(modules: list[str]) -> dict[str, float]:
    """Milliseconds each module adds to a fresh process that imported streamlit."""
    code = "import streamlit\n" + "".join(f"import {name}\n" for name in modules)
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    top_level: dict[str, float] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.split("|", 2)
        is_top_level = name.startswith(" ") and not name.startswith("  ")
        if is_top_level and cumulative.strip().isdigit():
            top_level[name.strip()] = int(cumulative) / 1000
    return top_level


def measure_imports() -> dict[str, dict[str, float]]:
    """Per page: the ms its own modules take once streamlit is in, and the total."""
    report: dict[str, dict[str, float]] = {}
    for path in page_files():
        modules = [m for m in page_imports(path) if m.split(".")[0] != "streamlit"]
        times = import_times(modules)
        own = {name: ms for name, ms in times.items() if name != "streamlit"}
        heavy = sorted(name for name in own if name.split(".")[0] in HEAVY)
        report[path.name] = {
            "streamlit_ms": round(times.get("streamlit", 0.0), 1),
            "page_modules_ms": round(sum(own.values()), 1),
            "heavy_top_level": heavy,
        }
    stack = "market_parser.agent.definition"
    report["(warm-up) agent stack"] = {
        "agent_stack_ms": round(import_times([stack]).get(stack, 0.0), 1)
    }
    return report


def print_table(result: dict) -> None:
    server = result["server"]
    print(f"cold start ({result['kind']}):")
    print(f"  median of {server['runs']} runs; think time {result['think_s']:g} s")
    for key, value in server.items():
        if key.endswith("_ms"):
            each = ", ".join(f"{v:,.0f}" for v in server[f"{key}_all"])
            print(f"  {key:<28} {value:>9,.1f}   ({each})")
    verdict = "met" if result["first_page_target_met"] else "MISSED"
    print(f"  first page within {FIRST_PAGE_TARGET_S:g} s of ready: {verdict}")
    print("imports after streamlit (ms):")
    for page, figures in result["imports"].items():
        cells = ", ".join(f"{k}={v}" for k, v in figures.items())
        print(f"  {page:<28} {cells}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--server",
        choices=("launcher", "entry", "streamlit", "trivial"),
        default="launcher",
        help="launcher: scripts/serve.py; entry: python -m market_parser.server; "
        "streamlit: streamlit run Home.py; trivial: a two-line app with only a "
        "chat input, Streamlit's own floor on this machine",
    )
    parser.add_argument("--question", default="What is Apple's stock price?")
    parser.add_argument(
        "--think", type=float, default=3.0, help="seconds the user takes to type"
    )
    parser.add_argument("--runs", type=int, default=3, help="cold starts to take")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--skip-imports", action="store_true")
    args = parser.parse_args(argv)

    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    server = measure_server(args.server, args.question, args.think, args.runs)
    result = {
        "kind": args.server,
        "think_s": args.think,
        "server": server,
        "first_page_target_met": server["healthy_to_first_page_ms"]
        <= FIRST_PAGE_TARGET_S * 1000,
        "imports": {} if args.skip_imports else measure_imports(),
    }
    print_table(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

    return 0 if result["first_page_target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
