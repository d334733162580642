"""Swedish number, percent and month formats."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.statistics.formatting import (
    format_date,
    format_number,
    format_percent,
    month_label,
    month_name,
    short_month_name,
)

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (14245, 0, f"14{NNBSP}245"),
        (1087, 0, f"1{NNBSP}087"),
        (999, 0, "999"),
        (0, 0, "0"),
        (2.5, 1, "2,5"),
        (Decimal("1234567.891"), 2, f"1{NNBSP}234{NNBSP}567,89"),
        (-1300, 0, f"-1{NNBSP}300"),
    ],
)
def test_numbers_group_thousands_with_a_narrow_space_and_use_a_decimal_comma(value, decimals, expected):
    assert format_number(value, decimals) == expected


def test_rounding_is_half_up_as_by_hand():
    assert format_number(Decimal("74.65"), 1) == "74,7"
    assert format_number(Decimal("0.5"), 0) == "1"
    assert format_number(2.675, 2) == "2,68"  # not float's 2.67


def test_percent_has_a_no_break_space_before_the_sign():
    assert format_percent(74.6) == "74,6\u00a0%"
    assert format_percent(Decimal("68.0"), 0) == "68\u00a0%"


def test_months_are_swedish_and_lower_case():
    assert [month_name(m) for m in (11, 12, 1, 3)] == ["november", "december", "januari", "mars"]
    assert short_month_name(5) == "maj"
    assert month_label(date(2021, 11, 1)) == "november 2021"
    assert format_date(date(2021, 11, 29)) == "29 november 2021"
