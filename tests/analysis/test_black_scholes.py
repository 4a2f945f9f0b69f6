"""Tests for Black-Scholes prices and Greeks against textbook values."""

from __future__ import annotations

import math

import pytest

from market_parser.analysis.black_scholes import norm_cdf, option_value


def _value(kind, spot, strike, years, rate, sigma):
    return option_value(
        kind, spot=spot, strike=strike, years=years, rate=rate, sigma=sigma
    )


def test_normal_cdf_known_values():
    """N(0) is one half and N(1.96) is 0.9750, as printed in normal tables."""
    assert norm_cdf(0.0) == 0.5
    assert norm_cdf(1.96) == pytest.approx(0.9750, abs=5e-5)
    assert norm_cdf(-1.0) == pytest.approx(0.1587, abs=5e-5)


def test_hull_example_call_and_put():
    """Hull's S=42, K=40, r=10 %, sigma=20 %, T=0.5: call 4.76, put 0.81."""
    call = _value("call", 42, 40, 0.5, 0.10, 0.20)
    put = _value("put", 42, 40, 0.5, 0.10, 0.20)

    assert call.price == pytest.approx(4.76, abs=0.005)
    assert put.price == pytest.approx(0.81, abs=0.005)


def test_hull_greeks_example():
    """Hull's S=49, K=50, r=5 %, sigma=20 %, 20 weeks: the textbook Greeks.

    Hull gives delta 0.522, gamma 0.066, theta -4.31 a year and vega 12.1 per
    unit of volatility; here theta is per day and vega per volatility point.
    """
    call = _value("call", 49, 50, 20 / 52, 0.05, 0.20)

    assert call.price == pytest.approx(2.40, abs=0.005)
    assert call.delta == pytest.approx(0.522, abs=0.0005)
    assert call.gamma == pytest.approx(0.066, abs=0.0005)
    assert call.theta * 365 == pytest.approx(-4.31, abs=0.005)
    assert call.vega * 100 == pytest.approx(12.1, abs=0.05)


@pytest.mark.parametrize("strike", [30.0, 40.0, 42.0, 50.0, 60.0])
@pytest.mark.parametrize("years", [0.02, 0.5, 2.0])
def test_put_call_parity(strike, years):
    """C - P = S - K e^(-rT), and the deltas differ by exactly one."""
    call = _value("call", 42, strike, years, 0.03, 0.35)
    put = _value("put", 42, strike, years, 0.03, 0.35)

    assert call.price - put.price == pytest.approx(
        42 - strike * math.exp(-0.03 * years), abs=1e-10
    )
    assert call.delta - put.delta == pytest.approx(1.0)
    assert call.gamma == put.gamma
    assert call.vega == put.vega


def test_greeks_match_finite_differences():
    """Delta, gamma, vega and theta agree with bumped prices."""
    base = {"spot": 100.0, "strike": 105.0, "years": 0.25, "rate": 0.02, "sigma": 0.3}

    def price(**bumps):
        return option_value("put", **{**base, **bumps}).price

    value = option_value("put", **base)
    h = 0.01
    assert value.delta == pytest.approx(
        (price(spot=100 + h) - price(spot=100 - h)) / (2 * h), abs=1e-6
    )
    assert value.gamma == pytest.approx(
        (price(spot=100 + h) - 2 * value.price + price(spot=100 - h)) / h**2,
        abs=1e-4,
    )
    assert value.vega == pytest.approx(
        (price(sigma=0.31) - price(sigma=0.29)) / 2, rel=1e-3
    )
    one_day = 1 / 365
    assert value.theta == pytest.approx(
        (price(years=0.25 - one_day) - price(years=0.25 + one_day)) / 2, rel=1e-3
    )


def test_expired_options_are_worth_their_intrinsic_value():
    """At expiry a call is max(S - K, 0) and has no time value left."""
    itm = _value("call", 110, 100, 0.0, 0.05, 0.3)
    otm = _value("put", 110, 100, 0.0, 0.05, 0.3)

    assert (itm.price, itm.delta, itm.gamma, itm.vega) == (10.0, 1.0, 0.0, 0.0)
    assert (otm.price, otm.delta) == (0.0, 0.0)


def test_non_positive_prices_are_refused():
    """A zero spot has no log; that is a caller's bug, not a price."""
    with pytest.raises(ValueError):
        _value("call", 0, 100, 0.5, 0.01, 0.2)


def test_to_dict_rounds():
    """Prices to cents and Greeks to 4 decimals."""
    result = _value("call", 42, 40, 0.5, 0.10, 0.20).to_dict()

    assert result["price"] == 4.76
    assert result["delta"] == round(result["delta"], 4)
    assert set(result) == {"price", "delta", "gamma", "theta", "vega"}
