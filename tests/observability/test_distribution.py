"""Tests for the log-linear buckets and the percentiles read from them."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from market_parser.observability.distribution import (
    ZERO_KEY,
    Distribution,
    Summary,
    bucket_key,
    bucket_value,
)


def distribution_of(values) -> Distribution:
    dist = Distribution()
    for value in values:
        dist.add(float(value))
    return dist


def test_p95_of_one_to_twenty_is_nineteen_not_the_max():
    """Nearest rank: p95 of 1..20 is 19, p50 is 10 and p99 is 20."""
    summary = distribution_of(range(1, 21)).summary()
    assert summary == Summary(
        count=20, sum=210.0, avg=10.5, min=1.0, max=20.0, p50=10.0, p95=19.0, p99=20.0
    )


def test_single_sample_is_its_own_percentile():
    """One value that no bucket holds exactly is still every percentile exactly."""
    summary = distribution_of([0.123456]).summary()
    assert (summary.p50, summary.p95, summary.p99) == (0.123456, 0.123456, 0.123456)
    assert summary.min == summary.max == summary.avg == 0.123456


def test_empty_distribution_summarises_to_zeros():
    """With no values the summary is all zeros and count 0."""
    assert Distribution().summary() == Summary()


def test_percentiles_are_clamped_when_the_bucket_value_lies_outside():
    """Values inside one bucket but above its value still give p50 within [min, max]."""
    summary = distribution_of([1.0041, 1.0049, 1.0046]).summary()
    assert summary.p50 == 1.0041  # the bucket says 1.00; the exact min is higher
    assert 1.0041 <= summary.p95 <= 1.0049


@pytest.mark.parametrize("seed", range(20))
def test_percentiles_never_leave_min_max(seed):
    """Whatever the values, each percentile lies within the exact min and max."""
    rng = random.Random(seed)
    values = [
        rng.uniform(0.9, 1.1) ** rng.randint(1, 50) for _ in range(rng.randint(1, 9))
    ]
    summary = distribution_of(values).summary()
    for p in (summary.p50, summary.p95, summary.p99):
        assert min(values) <= p <= max(values)


@pytest.mark.parametrize(
    "draw",
    [
        lambda rng: rng.uniform(0.0, 1.0, 10_000),
        lambda rng: rng.uniform(0.5, 30.0, 10_000),
        lambda rng: rng.lognormal(0.0, 1.0, 10_000),
        lambda rng: rng.lognormal(-3.0, 2.0, 10_000),
        lambda rng: rng.exponential(2.0, 10_000),
    ],
    ids=["uniform01", "uniform_seconds", "lognormal", "lognormal_wide", "exponential"],
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_within_one_percent_of_numpy(draw, seed):
    """On 10,000 random values p50, p95 and p99 are within 1 % of numpy.percentile."""
    values = draw(np.random.default_rng(seed))
    ours = distribution_of(values).percentiles((0.5, 0.95, 0.99))
    for q, got in zip((50, 95, 99), ours, strict=True):
        expected = float(np.percentile(values, q))
        assert got == pytest.approx(expected, rel=0.01), q


def test_bucket_error_is_at_most_half_a_percent():
    """Every value's bucket stands for it within 0.5 % across 14 decades."""
    rng = np.random.default_rng(7)
    values = 10 ** rng.uniform(-8, 6, 50_000)
    for value in values:
        assert abs(bucket_value(bucket_key(value)) - value) <= 0.005 * value


def test_round_values_keep_their_exact_bucket():
    """Values with three significant digits are their own bucket value."""
    for value in (19.0, 1.0, 0.001, 0.25, 2.5, 999.0, 1000.0, 123_000.0):
        assert bucket_value(bucket_key(value)) == value


def test_keys_sort_like_values_across_decades():
    """Larger values never get smaller keys, so walking keys in order walks values."""
    values = sorted(10 ** np.random.default_rng(3).uniform(-9, 5, 5000))
    keys = [bucket_key(v) for v in values]
    assert keys == sorted(keys)


def test_zero_and_tiny_values_share_the_zero_bucket():
    """Zero, negatives and values under a nanosecond count in the zero bucket."""
    assert bucket_key(0.0) == bucket_key(-1.0) == bucket_key(1e-12) == ZERO_KEY
    assert bucket_value(ZERO_KEY) == 0.0


def test_bucket_count_is_bounded_by_precision():
    """200,000 distinct values between 1 and 10 fill at most 900 buckets."""
    dist = distribution_of(np.random.default_rng(5).uniform(1.0, 10.0, 200_000))
    assert len(dist.buckets) <= 901


def test_merging_halves_equals_the_whole():
    """Merging two distributions gives exactly the distribution of all values."""
    values = np.random.default_rng(9).lognormal(0, 1, 2000)
    left, right = distribution_of(values[:700]), distribution_of(values[700:])
    left.merge(right)
    whole = distribution_of(values)
    assert left.buckets == whole.buckets
    assert left.percentiles() == whole.percentiles()
    assert math.isclose(left.sum, whole.sum)
    assert (left.min, left.max, left.count) == (whole.min, whole.max, whole.count)
