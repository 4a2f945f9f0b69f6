"""The load test's report as data, its verdict, and its summary on the terminal."""

from __future__ import annotations

import dataclasses
import os
import platform
import statistics
from collections import Counter
from pathlib import Path
from typing import Any

import psutil

from loadtesting.inprocess import CountingProvider
from loadtesting.mix import THINK_SECONDS
from loadtesting.plan import Plan
from loadtesting.recorder import Recorder, Window
from loadtesting.resources import ResourceWatch
from market_parser.observability.distribution import Summary

SUCCESS_TARGET = 0.95


def summarize(
    plan: Plan, recorder: Recorder, watch: ResourceWatch, run: dict[str, Any]
) -> dict[str, Any]:
    """The whole report as JSON-ready data: totals, percentiles, timelines, verdict."""
    total = recorder.total()
    duration = run["duration_s"]
    # A server's own counters are complete only once it has stopped.
    final = run["app"].get("counters") or (watch.ticks[-1] if watch.ticks else {})
    report = {
        "tool": "market-parser loadtest",
        "command": run["command"],
        "started_at": run["started_at"],
        "duration_s": round(duration, 2),
        "machine": machine(),
        "config": _config(plan, run),
        "totals": {
            "users_started": run["users_started"],
            "requests": total.requests,
            "succeeded": total.ok,
            "success_rate": _rate(total.ok, total.requests),
            "rps": round(total.requests / duration, 2) if duration else 0.0,
        },
        "latency_ms": _ms(total.latency.summary()),
        "queue_wait_ms": _ms(total.queue_wait.summary()),
        "by_kind": {kind: _kind(window) for kind, window in recorder.by_kind.items()},
        "errors": dict(total.errors.most_common()),
        "error_examples": recorder.examples,
        "upstream": _upstream(run.get("provider"), final, total.requests),
        "cache": _cache(final),
        "resources": resources(watch.ticks),
        "app": run.get("app", {}),
        "timeline": {
            "interval_s": recorder.interval,
            "windows": _windows(recorder),
            "resources": watch.ticks,
        },
    }
    report["verdict"] = verdict(report, plan)

    return report


def machine() -> dict[str, Any]:
    """What the figures were measured on, including how busy it already was."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    return {
        "nproc": os.cpu_count(),
        "ram_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": model,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _config(plan: Plan, run: dict[str, Any]) -> dict[str, Any]:
    config = dataclasses.asdict(plan)
    config["think_s"] = [x * plan.think_scale for x in THINK_SECONDS]
    config["settings"] = run.get("settings", {})

    return config


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _ms(summary: Summary) -> dict[str, float]:
    data = {"count": summary.count}
    for name in ("avg", "min", "p50", "p95", "p99", "max"):
        data[name] = round(getattr(summary, name) * 1000, 1)
    return data


def _kind(window: Window) -> dict[str, Any]:
    return {
        "requests": window.requests,
        "success_rate": _rate(window.ok, window.requests),
        "latency_ms": _ms(window.latency.summary()),
    }


def _windows(recorder: Recorder) -> list[dict[str, Any]]:
    if not recorder.windows:
        return []
    rows = []
    errors: Counter = Counter()
    for index in range(max(recorder.windows) + 1):
        window = recorder.windows.get(index, Window())
        errors.update(window.errors)
        latency = _ms(window.latency.summary())
        rows.append(
            {
                "t": round((index + 1) * recorder.interval, 2),
                "requests": window.requests,
                "rps": round(window.requests / recorder.interval, 2),
                "success_rate": _rate(window.ok, window.requests),
                **{k: latency[k] for k in ("p50", "p95", "p99", "max")},
                "queue_wait_p95": _ms(window.queue_wait.summary())["p95"],
                "queue_wait_max": _ms(window.queue_wait.summary())["max"],
                "errors_cumulative": dict(errors),
            }
        )
    return rows


def _upstream(provider: Any, final: dict, requests: int) -> dict[str, Any]:
    last = final.get("upstream_requests")
    data: dict[str, Any] = {"requests": last}
    if last is not None and requests:
        data["per_question"] = round(last / requests, 3)
    if isinstance(provider, CountingProvider):
        items = provider.items
        data["by_method"] = provider.by_method()
        data["distinct_items"] = len(items)
        data["max_per_item"] = max(items.values(), default=0)
        data["items"] = {
            f"{method}{key}": count for (method, key), count in items.most_common(20)
        }
    return data


def _cache(final: dict) -> dict[str, Any]:
    results = dict(final.get("cache") or {})
    # A coalesced request is also counted as a miss lookup.
    looked_up = sum(v for k, v in results.items() if k != "coalesced")
    return {
        **results,
        "lookups": looked_up,
        "hit_rate": _rate(results.get("hit", 0), looked_up),
    }


def resources(ticks: list[dict]) -> dict[str, Any]:
    """RSS start, end, peak and trend over the second half; CPU average and peak."""
    if not ticks:
        return {}
    rss = [tick["rss_mb"] for tick in ticks]
    measured = [tick for tick in ticks if tick["cpu_measured"]]
    cpu = [tick["cpu_percent"] for tick in measured] or [0.0]
    client = [tick["client_cpu_percent"] for tick in measured] or [0.0]
    half = ticks[-1]["t"] / 2
    second = [tick for tick in ticks if tick["t"] >= half]
    slope = None
    if len(second) >= 3 and len({t["t"] for t in second}) > 1:
        fit = statistics.linear_regression(
            [t["t"] / 60 for t in second], [t["rss_mb"] for t in second]
        )
        slope = round(fit.slope, 3)
    return {
        "rss_mb_start": rss[0],
        "rss_mb_end": rss[-1],
        "rss_mb_max": max(rss),
        "rss_mb_second_half_min": min(t["rss_mb"] for t in second),
        "rss_mb_second_half_max": max(t["rss_mb"] for t in second),
        "rss_mb_per_min_second_half": slope,
        "cpu_percent_avg": round(statistics.fmean(cpu), 1),
        "cpu_percent_max": max(cpu),
        "client_cpu_percent_avg": round(statistics.fmean(client), 1),
    }


def verdict(report: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """Pass when at least 95 % succeeded and p95 is within the target, if any."""
    reasons = []
    rate = report["totals"]["success_rate"] or 0.0
    if rate < SUCCESS_TARGET:
        reasons.append(f"success rate {rate:.1%} < {SUCCESS_TARGET:.0%}")
    p95_s = report["latency_ms"]["p95"] / 1000
    if plan.p95_target is not None and p95_s > plan.p95_target:
        reasons.append(f"p95 {p95_s:.3f} s > target {plan.p95_target:g} s")
    if plan.burst and report["upstream"].get("max_per_item", 0) > 1:
        reasons.append(
            f"{report['upstream']['max_per_item']} upstream requests for one data item"
        )
    return {
        "success_rate_min": SUCCESS_TARGET,
        "p95_target_s": plan.p95_target,
        "passed": not reasons,
        "reasons": reasons,
    }


def print_summary(report: dict[str, Any]) -> None:
    config, totals = report["config"], report["totals"]
    think = "-".join(f"{x:g}" for x in config["think_s"])
    print(
        f"Market Parser load test: {config['target']}, {totals['users_started']} users "
        f"(spawn {config['spawn_rate']:g}/s), {report['duration_s']:.1f} s, "
        f"think {think} s, model latency {config['model_latency']:g} s, "
        f"upstream latency {config['upstream_latency']:g} s"
    )
    print(f"  {'kind':<10} {'requests':>8} {'ok %':>6} " + _header())
    for kind, data in report["by_kind"].items():
        _print_row(kind, data["requests"], data["success_rate"], data["latency_ms"])
    _print_row("all", totals["requests"], totals["success_rate"], report["latency_ms"])
    _print_totals(report)
    verdict = report["verdict"]
    if verdict["passed"]:
        print("verdict: PASSED")
    else:
        print("verdict: FAILED: " + "; ".join(verdict["reasons"]))


def _header() -> str:
    return " ".join(f"{name:>8}" for name in ("p50", "p95", "p99", "max")) + "  (ms)"


def _print_row(name: str, requests: int, rate: float | None, ms: dict) -> None:
    shown = "-" if rate is None else f"{rate * 100:.1f}"
    cells = " ".join(f"{ms[k]:>8,.1f}" for k in ("p50", "p95", "p99", "max"))
    print(f"  {name:<10} {requests:>8} {shown:>6} {cells}")


def _print_totals(report: dict[str, Any]) -> None:
    upstream, cache, res = report["upstream"], report["cache"], report["resources"]
    print(
        f"throughput {report['totals']['rps']:.2f} questions/s; queue wait "
        + _queue_wait(report)
    )
    shown_upstream = upstream.get("requests")
    hit_rate = cache.get("hit_rate")
    print(
        f"upstream requests {'n/a' if shown_upstream is None else shown_upstream}"
        f" ({upstream.get('per_question', '-')} per question); cache hit rate "
        f"{'n/a' if hit_rate is None else f'{hit_rate:.1%}'} of {cache['lookups']}"
    )
    if res:
        trend = res["rss_mb_per_min_second_half"]
        print(
            f"app CPU avg {res['cpu_percent_avg']:.0f} % of one core (max "
            f"{res['cpu_percent_max']:.0f} %); RSS {res['rss_mb_start']:.0f} -> "
            f"{res['rss_mb_end']:.0f} MB (max {res['rss_mb_max']:.0f}); second-half "
            f"trend {'n/a' if trend is None else f'{trend:+.2f}'} MB/min"
        )
        if res["client_cpu_percent_avg"]:
            print(f"client CPU avg {res['client_cpu_percent_avg']:.0f} % of one core")
    if report["errors"]:
        print("errors: " + ", ".join(f"{k} {v}" for k, v in report["errors"].items()))


def _queue_wait(report: dict[str, Any]) -> str:
    """The client's view of queue wait, or the server's when the client has none."""
    wait = report["queue_wait_ms"]
    if wait["count"]:
        return f"p95 {wait['p95']:,.1f} ms (max {wait['max']:,.1f})"
    server = report["app"].get("queue_wait_5m_s")
    if server and server.get("count"):
        return (
            f"p95 {server['p95'] * 1000:,.1f} ms (max {server['max'] * 1000:,.1f}), "
            "server side, last 5 minutes"
        )
    return "n/a"
