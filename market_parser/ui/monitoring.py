"""Draw the Monitoring page from a `Dashboard`: badge, cards, charts, tables."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import streamlit as st

from market_parser.observability.history import Point
from market_parser.ui.dashboard import Dashboard
from market_parser.ui.plotting import graph_objects

_BADGES = {
    "healthy": ("green", "Healthy"),
    "degraded": ("orange", "Degraded"),
    "unhealthy": ("red", "Unhealthy"),
}
_CHART_LAYOUT = {
    "height": 280,
    "margin": {"l": 10, "r": 10, "t": 64, "b": 10},
    "title": {"yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 10}},
    # The legend sits between the title and the plot: below the plot it covered
    # the date axis, and beside the title it covered long titles on narrow columns.
    "legend": {
        "orientation": "h",
        "yanchor": "bottom",
        "y": 1.0,
        "xanchor": "left",
        "x": 0,
    },
}


def render_status(dashboard: Dashboard) -> None:
    color, label = _BADGES.get(dashboard.health.get("state", ""), ("gray", "Unknown"))
    st.badge(label, color=color)
    for reason in dashboard.health.get("reasons", []):
        st.caption(reason)
    if dashboard.breakers:
        states = ", ".join(f"{p}: {s}" for p, s in sorted(dashboard.breakers.items()))
        st.caption(f"Circuit breakers: {states}")


def render_cards(dashboard: Dashboard) -> None:
    cards = dashboard.cards
    latency = cards.latency
    first = st.columns(4)
    first[0].metric("Uptime", _duration(cards.uptime_seconds))
    first[1].metric("Questions", f"{cards.questions:,}")
    first[2].metric("Success rate", _percent(cards.success_rate))
    first[3].metric("Active sessions", f"{cards.active_sessions}")
    second = st.columns(6)
    second[0].metric("Avg response", _seconds(latency.avg if latency.count else None))
    second[1].metric("p95 response", _seconds(latency.p95 if latency.count else None))
    second[2].metric("CPU", f"{cards.cpu_percent:.0f}%", help="Percent of one core")
    second[3].metric("Memory", f"{cards.memory_bytes / 2**20:,.0f} MB", help="RSS")
    second[4].metric("System memory", f"{cards.memory_percent:.0f}%")
    second[5].metric("Cache hit rate", _percent(cards.cache_hit_rate))


def render_charts(dashboard: Dashboard) -> None:
    s = dashboard.series
    left, right = st.columns(2)
    with left:
        _chart(
            "Response time (s)",
            {
                "avg": _measured(s["latency"], "avg"),
                "p95": _measured(s["latency"], "p95"),
                "p99": _measured(s["latency"], "p99"),
            },
            s["latency"],
        )
        _chart(
            "Cache hits and misses",
            {
                "hits": _values(s["cache_hit"], "sum"),
                "misses": _values(s["cache_miss"], "sum"),
            },
            s["cache_hit"],
            bars=True,
        )
        _chart(
            "Tokens per step",
            {
                "in": _values(s["tokens_in"], "sum"),
                "out": _values(s["tokens_out"], "sum"),
            },
            s["tokens_in"],
            bars=True,
        )
    with right:
        _chart(
            "Questions and errors",
            {
                "answered": _values(s["answered"], "sum"),
                "errors": _values(s["errors"], "sum"),
            },
            s["answered"],
            bars=True,
        )
        _chart(
            "CPU (% of one core) and memory (MB)",
            {
                "CPU %": _measured(s["cpu"], "avg"),
                "RSS MB": [
                    None if v is None else v / 2**20
                    for v in _measured(s["memory"], "avg")
                ],
            },
            s["cpu"],
        )


def render_tables(dashboard: Dashboard) -> None:
    left, right = st.columns(2)
    with left:
        st.subheader("Slowest questions")
        _records(dashboard.slowest, "No answered questions in this window.")
    with right:
        st.subheader("Failed questions")
        _records(dashboard.failed, "No failed questions in this window.")


def render_download(document: dict[str, Any]) -> None:
    st.download_button(
        "Download current metrics (JSON)",
        data=json.dumps(document, indent=2, default=str),
        file_name="market-parser-metrics.json",
        mime="application/json",
    )


def _chart(
    title: str,
    lines: dict[str, list[float | None]],
    points: list[Point],
    bars: bool = False,
) -> None:
    go = graph_objects()
    times = [p.time for p in points]
    figure = go.Figure()
    for name, values in lines.items():
        if bars:
            figure.add_trace(go.Bar(x=times, y=values, name=name))
        else:
            # Markers too: a step with samples between two gaps (the first minutes
            # after a start) is a single point, which a line alone does not draw.
            figure.add_trace(
                go.Scatter(
                    x=times, y=values, name=name, mode="lines+markers", marker_size=5
                )
            )
    figure.update_layout(_CHART_LAYOUT, title_text=title, barmode="group")
    st.plotly_chart(figure, width="stretch", key=f"chart-{title}")


def _values(points: list[Point], attribute: str) -> list[float]:
    return [getattr(p, attribute) for p in points]


def _measured(points: list[Point], attribute: str) -> list[float | None]:
    """The values of the steps that have samples; a gap where none were taken.

    A step without samples is not a zero: the app was not running (resources are
    sampled every 5 s while it runs) or nobody asked (no response time).
    """
    return [getattr(p, attribute) if p.count else None for p in points]


def _records(records: list[Any], empty: str) -> None:
    if not records:
        st.caption(empty)
        return
    graph_objects()  # st.dataframe needs pandas; import it safely first
    rows = [
        {
            "question": r.question,
            "outcome": r.outcome,
            "seconds": round(r.duration_ms / 1000, 2),
            "error": r.error_type,
            "correlation id": r.correlation_id,
        }
        for r in records
    ]
    st.dataframe(rows, hide_index=True, width="stretch")


def _duration(seconds: float) -> str:
    return str(timedelta(seconds=int(seconds)))


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"
