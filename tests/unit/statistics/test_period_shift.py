"""Moving dates to the next period: months line up, month ends stay month ends, Feb 29 is handled."""

from datetime import date

import pytest

from webapp.statistics.period_shift import DateShift, add_months, following_period, shift_entries

YEAR = DateShift(months=12)


def test_a_shift_between_periods_starting_on_the_same_day_counts_months():
    assert DateShift.between(date(2022, 11, 1), date(2023, 11, 1)) == YEAR
    assert DateShift.between(date(2022, 11, 1), date(2023, 5, 1)) == DateShift(months=6)
    assert DateShift.between(date(2022, 11, 30), date(2023, 2, 28)) == DateShift(months=3)  # both month ends


def test_a_shift_between_periods_that_do_not_line_up_counts_days():
    assert DateShift.between(date(2022, 11, 1), date(2022, 11, 15)) == DateShift(days=14)


@pytest.mark.parametrize(
    "until, moved",
    [
        (date(2023, 2, 28), date(2024, 2, 29)),  # the end of February stays the end of February
        (date(2024, 2, 29), date(2025, 2, 28)),
        (date(2024, 2, 28), date(2025, 2, 28)),
        (date(2022, 4, 30), date(2023, 4, 30)),
        (date(2022, 4, 15), date(2023, 4, 15)),
    ],
)
def test_an_end_date_moves_a_year(until, moved):
    assert YEAR.last_day(until) == moved


@pytest.mark.parametrize(
    "start, moved",
    [
        (date(2023, 3, 1), date(2024, 3, 1)),  # the day after February stays the day after February
        (date(2024, 3, 1), date(2025, 3, 1)),
        (date(2021, 11, 29), date(2022, 11, 29)),
        (date(2024, 2, 29), date(2025, 3, 1)),
    ],
)
def test_a_start_date_moves_a_year(start, moved):
    assert YEAR.first_day(start) == moved


def test_half_a_year_keeps_month_ends():
    half = DateShift(months=6)
    assert half.last_day(date(2021, 11, 30)) == date(2022, 5, 31)
    assert half.first_day(date(2021, 12, 1)) == date(2022, 6, 1)
    assert add_months(date(2022, 1, 31), 1) == date(2022, 2, 28)


def test_capacity_entries_move_and_open_ends_stay_open():
    entries = [[50, None, None], [24, "2023-11-29", "2024-02-29"], [10, "2024-03-01", None]]
    assert shift_entries(entries, YEAR) == [
        [50, None, None],
        [24, "2024-11-29", "2025-02-28"],
        [10, "2025-03-01", None],
    ]
    assert shift_entries(entries, DateShift(days=7))[1] == [24, "2023-12-06", "2024-03-07"]


def test_the_next_period_is_the_next_half_year_without_an_earlier_report():
    assert following_period(date(2021, 11, 1), date(2022, 4, 30)) == (date(2022, 5, 1), date(2022, 10, 31))


def test_the_next_period_keeps_the_reports_rhythm():
    # Winter reports a year apart: the next one is next winter, not the summer in between.
    assert following_period(date(2022, 11, 1), date(2023, 4, 30), earlier_start=date(2021, 11, 1)) == (
        date(2023, 11, 1),
        date(2024, 4, 30),
    )
    assert following_period(date(2023, 11, 1), date(2024, 4, 30), earlier_start=date(2023, 5, 1)) == (
        date(2024, 5, 1),
        date(2024, 10, 31),
    )


def test_the_next_period_of_days_has_the_same_number_of_days():
    assert following_period(date(2023, 1, 10), date(2023, 1, 19)) == (date(2023, 1, 20), date(2023, 1, 29))
