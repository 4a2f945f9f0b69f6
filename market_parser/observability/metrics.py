"""One in-process metrics collector: counters, gauges and histograms with fixed labels.

Every series keeps its values per minute for the last hour, so summaries over
5 to 60 minutes come from memory and each minute can be written to the history
store as it stands. One lock guards a collector. Public methods take it once and
work through ``_unlocked`` helpers, so no call path takes it twice and hangs.
"""

from __future__ import annotations

import math
import re
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from market_parser.observability.distribution import Distribution, Summary
from market_parser.observability.exposition import format_value, render_prometheus
from market_parser.observability.series import (
    RETENTION_MINUTES,
    Clock,
    CounterSeries,
    GaugeSeries,
    HistogramSeries,
)

COUNTER = "counter"
GAUGE = "gauge"
HISTOGRAM = "histogram"

# Labels name small, known sets; tickers, ids and questions go in logs instead.
LABEL_NAMES = frozenset(
    {
        "status",
        "error_type",
        "model",
        "source",
        "direction",
        "tool",
        "provider",
        "kind",
        "result",
    }
)
OVERFLOW_VALUE = "other"
MAX_LABEL_VALUES = 32
MAX_SERIES = 256
# Exposition boundaries for durations in seconds; the in-memory buckets are finer.
DEFAULT_LE = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


@dataclass(frozen=True)
class Rollup:
    """One series' values during one minute, as the history store keeps them.

    ``minute`` is ``int(epoch_seconds // 60)``. Counters: ``sum`` is the increase
    and ``count`` the number of increments. Gauges and histograms: count, sum,
    min, max and bucket counts of the values set or observed; gauges add ``last``.
    """

    minute: int
    name: str
    kind: str
    labels: dict[str, str]
    count: int
    sum: float
    min: float | None = None
    max: float | None = None
    last: float | None = None
    buckets: dict[int, int] | None = None


_SERIES_TYPES = {COUNTER: CounterSeries, GAUGE: GaugeSeries, HISTOGRAM: HistogramSeries}


class Family:
    """A named metric and its series, one per combination of label values."""

    def __init__(
        self,
        *,
        lock: threading.Lock,
        clock: Clock,
        name: str,
        kind: str,
        help: str,
        labelnames: tuple[str, ...],
        le: tuple[float, ...] = (),
    ) -> None:
        self._lock = lock
        self._clock = clock
        self.name = name
        self.kind = kind
        self.help = help
        self.labelnames = labelnames
        self.le = le
        self.series: dict[tuple[str, ...], Any] = {}
        self._seen: list[set[str]] = [set() for _ in labelnames]
        if not labelnames:
            self.series[()] = self._new_series({})

    def labels(self, **values: object) -> Any:
        """Return the series for these label values, creating it on first use.

        Past `MAX_LABEL_VALUES` distinct values of one label, new values are
        counted under ``other``, so a bug cannot grow memory without bound.
        """
        try:
            key = tuple([str(values[name]) for name in self.labelnames])
        except KeyError:
            key = None
        if key is None or len(values) != len(self.labelnames):
            raise ValueError(
                f"{self.name} takes labels {list(self.labelnames)}; got {sorted(values)}"
            )
        # Reading an existing entry needs no lock (a dict lookup is atomic in
        # CPython); only adding one does. Most calls find their series.
        series = self.series.get(key)
        if series is None:
            with self._lock:
                series = self.series.get(key)
                if series is None:
                    series = self._add_series_unlocked(key)

        return series

    def inc(self, amount: float = 1.0) -> None:
        """Raise an unlabelled counter or gauge."""
        self._only().inc(amount)

    def dec(self, amount: float = 1.0) -> None:
        """Lower an unlabelled gauge."""
        self._only().dec(amount)

    def set(self, value: float) -> None:
        """Set an unlabelled gauge."""
        self._only().set(value)

    def observe(self, value: float) -> None:
        """Observe a value on an unlabelled histogram."""
        self._only().observe(value)

    def time(self) -> Any:
        """Time a block on an unlabelled histogram."""
        return self._only().time()

    def _only(self) -> Any:
        if self.labelnames:
            raise ValueError(f"{self.name} has labels; call .labels(...) first")
        return self.series[()]

    def _add_series_unlocked(self, key: tuple[str, ...]) -> Any:
        capped = []
        for seen, value in zip(self._seen, key, strict=True):
            if value not in seen and len(seen) >= MAX_LABEL_VALUES:
                value = OVERFLOW_VALUE
            seen.add(value)
            capped.append(value)
        key = tuple(capped)
        if key not in self.series and len(self.series) >= MAX_SERIES:
            key = (OVERFLOW_VALUE,) * len(self.labelnames)
        series = self.series.get(key)
        if series is None:
            labels = dict(zip(self.labelnames, key, strict=True))
            series = self.series[key] = self._new_series(labels)

        return series

    def _new_series(self, labels: dict[str, str]) -> Any:
        if self.kind == HISTOGRAM:
            return HistogramSeries(self._lock, self._clock, labels, self.le)
        return _SERIES_TYPES[self.kind](self._lock, self._clock, labels)


class MetricsCollector:
    """Holds every metric family of one process; see the module docstring."""

    def __init__(self, clock: Clock = time.time) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._families: dict[str, Family] = {}
        self.instance_id = uuid.uuid4().hex[:12]

    @property
    def clock(self) -> Clock:
        return self._clock

    def counter(self, name: str, help: str, labelnames: tuple[str, ...] = ()) -> Family:
        """Register (or return the already registered) counter; its name ends in ``_total``."""
        if not name.endswith("_total"):
            raise ValueError(f"counter {name!r} must end in _total")
        return self._register(name, COUNTER, help, tuple(labelnames), ())

    def gauge(self, name: str, help: str, labelnames: tuple[str, ...] = ()) -> Family:
        """Register (or return the already registered) gauge."""
        return self._register(name, GAUGE, help, tuple(labelnames), ())

    def histogram(
        self,
        name: str,
        help: str,
        labelnames: tuple[str, ...] = (),
        le: tuple[float, ...] = DEFAULT_LE,
    ) -> Family:
        """Register (or return the already registered) histogram.

        ``le`` are the boundaries shown in the Prometheus exposition only; the
        percentiles come from the finer buckets of `Distribution`.
        """
        bounds = tuple(sorted(float(b) for b in le))
        return self._register(name, HISTOGRAM, help, tuple(labelnames), bounds)

    def summary(
        self,
        name: str,
        labels: Mapping[str, object] | None = None,
        window_seconds: float = 300,
        now: float | None = None,
    ) -> Summary:
        """Summarise a histogram's observations, or a gauge's samples, over a window.

        The window is the last ``window_seconds // 60`` minutes counting the current
        one; ``labels`` picks the series whose labels include these values.
        """
        minutes = self._window(window_seconds, now)
        merged = Distribution()
        with self._lock:
            family = self._family_unlocked(name, (HISTOGRAM, GAUGE))
            for series in _matching(family, labels):
                for minute in minutes:
                    window = series.minutes.get(minute)
                    if window is not None:
                        merged.merge(window)

        return merged.summary()

    def increase(
        self,
        name: str,
        labels: Mapping[str, object] | None = None,
        window_seconds: float = 300,
        now: float | None = None,
    ) -> float:
        """Return how much a counter rose over a window (see `summary` for windows)."""
        minutes = self._window(window_seconds, now)
        total = 0.0
        with self._lock:
            family = self._family_unlocked(name, (COUNTER,))
            for series in _matching(family, labels):
                for minute in minutes:
                    tally = series.minutes.get(minute)
                    if tally is not None:
                        total += tally.sum

        return total

    def value(self, name: str, labels: Mapping[str, object] | None = None) -> float:
        """Return a counter's total since start, or a gauge's value, summed over series."""
        with self._lock:
            family = self._family_unlocked(name, (COUNTER, GAUGE))
            return sum(series.value for series in _matching(family, labels))

    def values(self, name: str) -> list[tuple[dict[str, str], float]]:
        """Return each series' labels and current value, for a counter or gauge."""
        with self._lock:
            family = self._family_unlocked(name, (COUNTER, GAUGE))
            return [(dict(s.labels), s.value) for s in family.series.values()]

    def snapshot(self, now: float | None = None) -> dict[str, Any]:
        """Return every family as plain JSON-ready data (totals since start)."""
        now = self._clock() if now is None else now
        with self._lock:
            families = [
                _family_snapshot(family, now) for family in self._families.values()
            ]

        return {
            "instance": self.instance_id,
            "taken_at": iso_utc(now),
            "families": families,
        }

    def to_prometheus_text(self) -> str:
        """Return the Prometheus text exposition (format 0.0.4) of every family."""
        now = self._clock()
        with self._lock:
            families = [
                _family_snapshot(family, now) for family in self._families.values()
            ]

        return render_prometheus(families)

    def rollup_minute(self, minute: int) -> list[Rollup]:
        """Return one `Rollup` per series that changed during ``minute``."""
        with self._lock:
            return [
                rollup
                for family in self._families.values()
                for series in family.series.values()
                if (rollup := _rollup(family, series, minute)) is not None
            ]

    def _register(
        self,
        name: str,
        kind: str,
        help: str,
        labelnames: tuple[str, ...],
        le: tuple[float, ...],
    ) -> Family:
        _check_names(name, labelnames)
        with self._lock:
            family = self._families.get(name)
            if family is None:
                family = self._families[name] = Family(
                    lock=self._lock,
                    clock=self._clock,
                    name=name,
                    kind=kind,
                    help=help,
                    labelnames=labelnames,
                    le=le,
                )
            elif (family.kind, family.labelnames, family.le) != (kind, labelnames, le):
                raise ValueError(
                    f"{name} is already a {family.kind} with labels "
                    f"{list(family.labelnames)}; pick another name"
                )

        return family

    def _family_unlocked(self, name: str, kinds: tuple[str, ...]) -> Family:
        family = self._families.get(name)
        if family is None:
            raise KeyError(f"no metric named {name!r} is registered")
        if family.kind not in kinds:
            raise TypeError(
                f"{name} is a {family.kind}; this reads {' or '.join(kinds)}"
            )

        return family

    def _window(self, window_seconds: float, now: float | None) -> range:
        if not 60 <= window_seconds <= RETENTION_MINUTES * 60:
            raise ValueError(
                f"window_seconds={window_seconds!r}: memory holds 60 to "
                f"{RETENTION_MINUTES * 60} s; read longer windows from the history store"
            )
        now = self._clock() if now is None else now
        last = int(now // 60)

        return range(last - int(window_seconds // 60) + 1, last + 1)


def iso_utc(epoch_seconds: float) -> str:
    """Format a timestamp as UTC ISO 8601 with milliseconds and ``Z``."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _check_names(name: str, labelnames: tuple[str, ...]) -> None:
    if not _NAME.match(name):
        raise ValueError(f"{name!r} is not a Prometheus metric name")
    unknown = sorted(set(labelnames) - LABEL_NAMES)
    if unknown:
        raise ValueError(
            f"{name}: labels {unknown} are not allowed. Use some of "
            f"{sorted(LABEL_NAMES)}; put unbounded values (tickers, ids) in logs."
        )
    if len(set(labelnames)) != len(labelnames):
        raise ValueError(f"{name}: a label name is repeated in {list(labelnames)}")


def _matching(family: Family, labels: Mapping[str, object] | None) -> list[Any]:
    if not labels:
        return list(family.series.values())
    unknown = set(labels) - set(family.labelnames)
    if unknown:
        raise ValueError(f"{family.name} has no labels {sorted(unknown)}")
    wanted = {k: str(v) for k, v in labels.items()}
    return [
        series
        for series in family.series.values()
        if all(series.labels[k] == v for k, v in wanted.items())
    ]


def _family_snapshot(family: Family, now: float) -> dict[str, Any]:
    if family.kind == HISTOGRAM:
        series = [_histogram_snapshot(family, s, now) for s in family.series.values()]
    else:
        series = [
            {"labels": dict(s.labels), "value": s.value} for s in family.series.values()
        ]
    return {
        "name": family.name,
        "type": family.kind,
        "help": family.help,
        "labelnames": list(family.labelnames),
        "series": series,
    }


def _histogram_snapshot(
    family: Family, series: HistogramSeries, now: float
) -> dict[str, Any]:
    cumulative, buckets = 0, []
    for bound, count in zip((*family.le, math.inf), series.le_counts, strict=True):
        cumulative += count
        buckets.append([format_value(bound), cumulative])
    recent = Distribution()
    last = int(now // 60)
    for minute in range(last - 4, last + 1):
        window = series.minutes.get(minute)
        if window is not None:
            recent.merge(window)

    return {
        "labels": dict(series.labels),
        "count": series.total.count,
        "sum": series.total.sum,
        "buckets": buckets,
        "last_5m": recent.summary().to_dict(),
    }


def _rollup(family: Family, series: Any, minute: int) -> Rollup | None:
    window = series.minutes.get(minute)
    if window is None or window.count == 0:
        return None
    common = {
        "minute": minute,
        "name": family.name,
        "kind": family.kind,
        "labels": dict(series.labels),
        "count": window.count,
        "sum": window.sum,
    }
    if family.kind == COUNTER:
        return Rollup(**common)

    return Rollup(
        **common,
        min=window.min,
        max=window.max,
        last=getattr(window, "last", None),
        buckets=dict(window.buckets),
    )
