"""Black-Scholes prices and Greeks for European options on a non-dividend stock.

Pure math on `math.erf`, so the offline data set can model an option chain
without SciPy. Time is in years, rates and volatility are annual decimals
(0.2 is 20 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from market_parser.market_data.models import OptionKind

DAYS_PER_YEAR = 365.0


@dataclass(frozen=True, slots=True)
class OptionValue:
    """A model price with its Greeks.

    ``theta`` is the change in price per calendar day and ``vega`` the change
    per one volatility point (0.01), the units option screens quote.
    """

    price: float
    delta: float
    gamma: float
    theta: float
    vega: float

    def to_dict(self) -> dict[str, float]:
        """JSON-friendly values: the price to cents, the Greeks to 4 decimals."""
        return {
            "price": round(self.price, 2),
            "delta": round(self.delta, 4),
            "gamma": round(self.gamma, 4),
            "theta": round(self.theta, 4),
            "vega": round(self.vega, 4),
        }


def norm_cdf(x: float) -> float:
    """The standard normal cumulative distribution function."""
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def norm_pdf(x: float) -> float:
    """The standard normal probability density function."""
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def option_value(
    kind: OptionKind,
    *,
    spot: float,
    strike: float,
    years: float,
    rate: float,
    sigma: float,
) -> OptionValue:
    """Price one European option and its Greeks under Black-Scholes.

    At or past expiry, or with no volatility, the option is worth its
    (discounted) intrinsic value and has no gamma or vega.
    """
    if spot <= 0 or strike <= 0:
        raise ValueError(f"spot and strike must be positive, got {spot} and {strike}")
    if years <= 0 or sigma <= 0:
        return _intrinsic(kind, spot, strike, max(years, 0.0), rate)

    root_t = math.sqrt(years)
    d1 = (math.log(spot / strike) + (rate + 0.5 * sigma * sigma) * years) / (
        sigma * root_t
    )
    d2 = d1 - sigma * root_t
    discount = strike * math.exp(-rate * years)
    decay = -spot * norm_pdf(d1) * sigma / (2.0 * root_t)
    gamma = norm_pdf(d1) / (spot * sigma * root_t)
    vega = spot * norm_pdf(d1) * root_t / 100.0

    if kind == "call":
        price = spot * norm_cdf(d1) - discount * norm_cdf(d2)
        delta = norm_cdf(d1)
        theta = decay - rate * discount * norm_cdf(d2)
    else:
        price = discount * norm_cdf(-d2) - spot * norm_cdf(-d1)
        delta = norm_cdf(d1) - 1.0
        theta = decay + rate * discount * norm_cdf(-d2)

    return OptionValue(price, delta, gamma, theta / DAYS_PER_YEAR, vega)


def _intrinsic(
    kind: OptionKind, spot: float, strike: float, years: float, rate: float
) -> OptionValue:
    """The value of an option with no time value left."""
    discount = strike * math.exp(-rate * years)
    if kind == "call":
        in_the_money = spot > discount
        price = max(spot - discount, 0.0)
        delta = 1.0 if in_the_money else 0.0
    else:
        in_the_money = spot < discount
        price = max(discount - spot, 0.0)
        delta = -1.0 if in_the_money else 0.0

    return OptionValue(price, delta, 0.0, 0.0, 0.0)
