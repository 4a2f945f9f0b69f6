"""Numbers and dates in answers read the way a person writes them."""

import pytest

from market_parser.planner.wording import (
    above_below,
    direction,
    eastern,
    money,
    percent,
    sessions,
    shares,
    signed,
    signed_money,
    touches,
    unsigned_percent,
    weekday,
)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (money(1234.5), "$1,234.50"),
        (money(None), "n/a"),
        (signed_money(-10.93), "−$10.93"),
        (signed_money(0.5), "+$0.50"),
        (signed(-0.0412), "−0.04"),
        (percent(-2.4849), "−2.48%"),
        (percent(1.94495), "+1.94%"),
        (unsigned_percent(-0.8925), "0.89%"),
        (unsigned_percent(None), "n/a"),
        (above_below(-5.84), "5.84% below"),
        (above_below(43.08), "43.08% above"),
        (above_below(0.001), "level with"),
        (shares(19_730_300), "19.73M"),
        (shares(1_251_513_200), "1.25B"),
        (shares(950), "950"),
        (weekday("2013-03-01"), "Fri 2013-03-01"),
        (eastern("2013-03-04T14:30:00+00:00"), "Mon 2013-03-04 09:30 ET"),
        (eastern("2013-07-01T13:30:00+00:00"), "Mon 2013-07-01 09:30 ET"),
        (direction(-0.25), "down"),
        (direction(0.0), "unchanged"),
        (touches(1), "1 touch"),
        (touches(3), "3 touches"),
        (sessions(1), "1 session"),
        (sessions(250), "250 sessions"),
    ],
)
def test_wording(written, expected):
    """Each formatter gives the exact text an answer shows."""
    assert written == expected
