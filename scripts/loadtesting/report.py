"""The load test's HTML report: a summary table and plotly charts over time.

Plotly's JavaScript is embedded once, so the file opens without a network.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

CHART_HEIGHT = 320
PERCENTILES = ("p50", "p95", "p99", "max")


def write_html(report: dict[str, Any], path: Path) -> None:
    """Write the report with its charts to ``path``."""
    figures = charts(report)
    parts = [
        pio.to_html(
            figure,
            full_html=False,
            include_plotlyjs=index == 0,
            config={"displaylogo": False},
        )
        for index, figure in enumerate(figures)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_page(report, parts), encoding="utf-8")


def charts(report: dict[str, Any]) -> list[go.Figure]:
    """One figure per question the report answers, in reading order."""
    windows = report["timeline"]["windows"]
    ticks = report["timeline"]["resources"]
    t = [row["t"] for row in windows]
    return [
        _requests(t, windows),
        _success(t, windows),
        _latency(t, windows),
        _queue_wait(t, windows),
        _errors(report),
        _upstream(ticks),
        _cache_hits(ticks),
        _resources(ticks),
    ]


def _figure(title: str, y_title: str) -> go.Figure:
    figure = go.Figure()
    figure.update_layout(
        title=title,
        height=CHART_HEIGHT,
        margin={"l": 50, "r": 20, "t": 50, "b": 40},
        xaxis_title="seconds into the run",
        yaxis_title=y_title,
        legend={"orientation": "h", "y": -0.25},
    )
    return figure


def _note(figure: go.Figure, text: str) -> None:
    figure.add_annotation(
        text=text, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper"
    )


def _requests(t: list[float], windows: list[dict]) -> go.Figure:
    figure = _figure("Questions finished and questions per second", "questions")
    figure.add_bar(x=t, y=[row["requests"] for row in windows], name="finished")
    figure.add_scatter(x=t, y=[row["rps"] for row in windows], name="per second")
    return figure


def _success(t: list[float], windows: list[dict]) -> go.Figure:
    figure = _figure("Success rate (answered with the right content)", "%")
    rates = [
        None if row["success_rate"] is None else row["success_rate"] * 100
        for row in windows
    ]
    figure.add_scatter(x=t, y=rates, name="success", mode="lines+markers")
    figure.update_yaxes(range=[0, 105])
    return figure


def _latency(t: list[float], windows: list[dict]) -> go.Figure:
    figure = _figure("Latency per interval", "ms")
    for name in PERCENTILES:
        figure.add_scatter(x=t, y=[row[name] for row in windows], name=name)
    return figure


def _queue_wait(t: list[float], windows: list[dict]) -> go.Figure:
    figure = _figure("Queue wait before a question starts", "ms")
    for name in ("queue_wait_p95", "queue_wait_max"):
        label = name.removeprefix("queue_wait_")
        figure.add_scatter(x=t, y=[row[name] for row in windows], name=label)
    return figure


def _errors(report: dict[str, Any]) -> go.Figure:
    figure = _figure("Errors by type (cumulative)", "questions")
    windows = report["timeline"]["windows"]
    t = [row["t"] for row in windows]
    for kind in report["errors"]:
        counts = [row["errors_cumulative"].get(kind, 0) for row in windows]
        figure.add_scatter(x=t, y=counts, name=kind)
    if not report["errors"]:
        _note(figure, "no errors")
    return figure


def _upstream(ticks: list[dict]) -> go.Figure:
    figure = _figure("Upstream requests made (cumulative)", "requests")
    points = [tick for tick in ticks if tick.get("upstream_requests") is not None]
    figure.add_scatter(
        x=[tick["t"] for tick in points],
        y=[tick["upstream_requests"] for tick in points],
        name="upstream requests",
    )
    if not points:
        _note(figure, "not measured")
    return figure


def _cache_hits(ticks: list[dict]) -> go.Figure:
    figure = _figure("Cache hit rate (cumulative)", "%")
    t, rates = [], []
    for tick in ticks:
        cache = tick.get("cache") or {}
        lookups = sum(v for k, v in cache.items() if k != "coalesced")
        if lookups:
            t.append(tick["t"])
            rates.append(100 * cache.get("hit", 0) / lookups)
    figure.add_scatter(x=t, y=rates, name="hit rate")
    figure.update_yaxes(range=[0, 105])
    return figure


def _resources(ticks: list[dict]) -> go.Figure:
    figure = _figure("App CPU and memory", "CPU, % of one core")
    t = [tick["t"] for tick in ticks]
    measured = [tick for tick in ticks if tick.get("cpu_measured", True)]
    cpu_t = [tick["t"] for tick in measured]
    figure.add_scatter(
        x=cpu_t, y=[tick["cpu_percent"] for tick in measured], name="CPU %"
    )
    if any(tick["client_cpu_percent"] for tick in measured):
        figure.add_scatter(
            x=cpu_t,
            y=[tick["client_cpu_percent"] for tick in measured],
            name="client (Chromium) CPU %",
        )
    figure.add_scatter(
        x=t, y=[tick["rss_mb"] for tick in ticks], name="RSS MB", yaxis="y2"
    )
    figure.update_layout(
        yaxis2={"title": "RSS, MB", "overlaying": "y", "side": "right"}
    )
    return figure


def _page(report: dict[str, Any], parts: list[str]) -> str:
    title = f"Market Parser load test, {report['started_at']}"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1100px}"
        "table{border-collapse:collapse}td,th{padding:4px 10px;text-align:right;"
        "border-bottom:1px solid #ddd}td:first-child,th:first-child{text-align:left}"
        "</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f"<p><code>{html.escape(report['command'])}</code></p>"
        f"{_verdict(report)}{_table(report)}{_facts(report)}"
        + "".join(parts)
        + "</body></html>"
    )


def _verdict(report: dict[str, Any]) -> str:
    verdict = report["verdict"]
    if verdict["passed"]:
        return "<p><strong>Passed.</strong></p>"
    reasons = "; ".join(verdict["reasons"])
    return f"<p><strong>Failed:</strong> {html.escape(reasons)}</p>"


def _table(report: dict[str, Any]) -> str:
    head = "".join(f"<th>{name} ms</th>" for name in PERCENTILES)
    rows = [
        _row(kind, data["requests"], data["success_rate"], data["latency_ms"])
        for kind, data in report["by_kind"].items()
    ]
    totals = report["totals"]
    rows.append(
        _row("all", totals["requests"], totals["success_rate"], report["latency_ms"])
    )
    return (
        f"<table><tr><th>kind</th><th>questions</th><th>success</th>{head}</tr>"
        + "".join(rows)
        + "</table>"
    )


def _row(name: str, requests: int, rate: float | None, ms: dict) -> str:
    shown = "-" if rate is None else f"{rate:.1%}"
    cells = "".join(f"<td>{ms[key]:,.1f}</td>" for key in PERCENTILES)
    return f"<tr><td>{name}</td><td>{requests}</td><td>{shown}</td>{cells}</tr>"


def _facts(report: dict[str, Any]) -> str:
    machine, res = report["machine"], report["resources"]
    facts = [
        f"Machine: {machine['nproc']} CPUs ({machine['cpu_model']}), "
        f"{machine['ram_gb']} GB RAM, load average at the end "
        f"{', '.join(map(str, machine['load_average']))}.",
        f"Throughput {report['totals']['rps']} questions/s over "
        f"{report['duration_s']} s; queue wait p95 {report['queue_wait_ms']['p95']} ms.",
        f"Upstream requests: {report['upstream'].get('requests')}; cache hit rate: "
        f"{report['cache'].get('hit_rate')}.",
    ]
    if res:
        facts.append(
            f"App RSS {res['rss_mb_start']} to {res['rss_mb_end']} MB (peak "
            f"{res['rss_mb_max']}); CPU average {res['cpu_percent_avg']} % of one core."
        )
    items = "".join(f"<li>{html.escape(fact)}</li>" for fact in facts)
    return f"<ul>{items}</ul>"
