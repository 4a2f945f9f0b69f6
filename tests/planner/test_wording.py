"""Numbers and dates in answers read the way a person writes them."""

import pytest

from market_parser.planner.wording import (
    direction,
    eastern,
    money,
    percent,
    shares,
    signed,
    signed_money,
    touches,
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
    ],
)
def test_wording(written, expected):
    """Each formatter gives the exact text an answer shows."""
    assert written == expected
