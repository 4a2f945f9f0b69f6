"""Mergeable distributions: values counted in log-linear buckets, percentiles from counts.

A value's bucket is the value rounded to three significant digits (1.23, 45.6,
0.00789), so each bucket is at most 1 % wide and any percentile read from the
counts is within 0.5 % of the sample it stands for. That is HdrHistogram's "two
significant digits" of precision; locust rounds to two digits, which is up to 5 %
off near the bottom of each decade (1.04 s becomes 1.0 s). Keys are small ints,
so windows and minutes merge exactly by adding counts, and the number of distinct
keys is bounded (900 per decade) whatever the traffic.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

PERCENTILES = (0.5, 0.95, 0.99)

ZERO_KEY = 0
# Values below this share the zero bucket; nothing we time is shorter than 1 ns.
_TINY = 1e-9
# Shifts exponents (about -9..308) so every key is a positive int that sorts by value.
_EXP_OFFSET = 400


@dataclass(frozen=True)
class Summary:
    """Count, sum, average, extremes and percentiles of a set of values.

    With no values every field is 0; check ``count`` before reading the rest.
    """

    count: int = 0
    sum: float = 0.0
    avg: float = 0.0
    min: float = 0.0
    max: float = 0.0
    p50: float = 0.0
    p95: float = 0.0
    p99: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict, for JSON."""
        return asdict(self)


def bucket_key(value: float) -> int:
    """Return the bucket key of a value: its three-significant-digit rounding."""
    if not value >= _TINY:
        return ZERO_KEY
    exponent = math.floor(math.log10(value))
    mantissa = _scaled(value, exponent)
    # log10 can land one off near powers of ten; rounding can carry to 1000.
    if mantissa < 100:
        exponent -= 1
        mantissa = _scaled(value, exponent)
    elif mantissa >= 1000:
        exponent += 1
        mantissa = _scaled(value, exponent)

    return (exponent + _EXP_OFFSET) * 1000 + mantissa


def bucket_value(key: int) -> float:
    """Return the value a bucket key stands for."""
    if key == ZERO_KEY:
        return 0.0
    exponent, mantissa = divmod(key, 1000)
    shift = 2 - (exponent - _EXP_OFFSET)
    # Dividing by an exact power of ten gives the correctly rounded decimal.
    return mantissa / 10**shift if shift > 0 else float(mantissa * 10**-shift)


def _scaled(value: float, exponent: int) -> int:
    shift = 2 - exponent
    return round(value * 10**shift) if shift >= 0 else round(value / 10**-shift)


class Distribution:
    """Bucket counts plus exact count, sum, min and max of a set of values."""

    __slots__ = ("buckets", "count", "max", "min", "sum")

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0
        self.min = math.inf
        self.max = -math.inf
        self.buckets: dict[int, int] = {}

    def add(self, value: float, key: int | None = None) -> None:
        """Count one value; pass ``key`` when it is already computed."""
        if key is None:
            key = bucket_key(value)
        self.count += 1
        self.sum += value
        if value < self.min:
            self.min = value
        if value > self.max:
            self.max = value
        self.buckets[key] = self.buckets.get(key, 0) + 1

    def merge(self, other: Distribution) -> None:
        """Add another distribution's values to this one."""
        self.count += other.count
        self.sum += other.sum
        self.min = min(self.min, other.min)
        self.max = max(self.max, other.max)
        buckets = self.buckets
        for key, count in other.buckets.items():
            buckets[key] = buckets.get(key, 0) + count

    def merge_counts(
        self,
        *,
        count: int,
        total: float,
        low: float,
        high: float,
        buckets: dict[int, int],
    ) -> None:
        """Add a stored rollup's counts (as read back from the history store)."""
        partial = Distribution()
        partial.count, partial.sum = count, total
        partial.min, partial.max, partial.buckets = low, high, buckets
        self.merge(partial)

    def percentiles(self, quantiles: tuple[float, ...] = PERCENTILES) -> list[float]:
        """Return nearest-rank percentiles, clamped to the exact min and max.

        Nearest rank makes p95 of 1..20 come out as 19, and a single value its
        own percentile at every rank.
        """
        if self.count == 0:
            return [0.0 for _ in quantiles]
        ranks = [max(1, math.ceil(round(q * self.count, 9))) for q in quantiles]
        found = _values_at_ranks(self.buckets, sorted(set(ranks)))
        results = []
        for rank in ranks:
            if rank >= self.count:
                results.append(float(self.max))
            elif rank == 1:
                results.append(float(self.min))
            else:
                # A rank past the buckets only happens with hand-made counts.
                value = found.get(rank, self.max)
                results.append(float(min(self.max, max(self.min, value))))

        return results

    def summary(self) -> Summary:
        """Return the `Summary` of the values counted so far."""
        if self.count == 0:
            return Summary()
        p50, p95, p99 = self.percentiles(PERCENTILES)
        return Summary(
            count=self.count,
            sum=self.sum,
            avg=self.sum / self.count,
            min=float(self.min),
            max=float(self.max),
            p50=p50,
            p95=p95,
            p99=p99,
        )


def _values_at_ranks(buckets: dict[int, int], ranks: list[int]) -> dict[int, float]:
    """Walk the buckets in value order once, noting the value at each 1-based rank."""
    found: dict[int, float] = {}
    pending = iter(ranks)
    rank = next(pending, None)
    seen = 0
    for key in sorted(buckets):
        seen += buckets[key]
        while rank is not None and rank <= seen:
            found[rank] = bucket_value(key)
            rank = next(pending, None)
        if rank is None:
            break

    return found
