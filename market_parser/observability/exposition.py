"""Prometheus text exposition (format 0.0.4) of collector snapshots.

It works on the plain data of `MetricsCollector.snapshot`, so the health sidecar
can serve ``/metrics`` from the snapshot file without the collector's process.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def render_prometheus(families: Iterable[Mapping[str, Any]]) -> str:
    """Return the exposition text of snapshot families."""
    lines: list[str] = []
    for family in families:
        name = family["name"]
        lines.append(f"# HELP {name} {_escape_help(family['help'])}")
        lines.append(f"# TYPE {name} {family['type']}")
        for series in family["series"]:
            lines.extend(_series_lines(name, family["type"], series))

    return "\n".join(lines) + "\n"


def format_value(value: float) -> str:
    """Format a sample value or bucket bound the way Prometheus writes them."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _series_lines(name: str, kind: str, series: Mapping[str, Any]) -> list[str]:
    labels = series["labels"]
    if kind != "histogram":
        return [f"{name}{_labels(labels)} {format_value(series['value'])}"]
    lines = [
        f"{name}_bucket{_labels(labels, le)} {format_value(count)}"
        for le, count in series["buckets"]
    ]
    lines.append(f"{name}_sum{_labels(labels)} {format_value(series['sum'])}")
    lines.append(f"{name}_count{_labels(labels)} {format_value(series['count'])}")

    return lines


def _labels(labels: Mapping[str, str], le: str | None = None) -> str:
    pairs = [f'{key}="{_escape_label(value)}"' for key, value in labels.items()]
    if le is not None:
        pairs.append(f'le="{le}"')
    return "{" + ",".join(pairs) + "}" if pairs else ""


def _escape_label(value: str) -> str:
    return value.replace("\\", r"\\").replace('"', r"\"").replace("\n", r"\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", r"\\").replace("\n", r"\n")
