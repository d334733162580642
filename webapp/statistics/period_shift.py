"""Moving dates from one report period to the next: the default next period, carried schedules.

Report periods are normally whole months (1 November – 30 April), so a shift between two
periods is counted in months when their first days fall on the same day of the month, and
in days otherwise. Counting in months keeps the ends of months where they belong: a schedule
that ran until 28 February 2023 runs until 29 February 2024 a year later, and one that ran
until 29 February 2024 runs until 28 February 2025.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def last_day_of_month(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def is_month_end(day: date) -> bool:
    return day.day == last_day_of_month(day.year, day.month)


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later; clamped to the month's length (31 Jan + 1 → 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, last_day_of_month(year, month)))


def is_whole_months(start: date, end: date) -> bool:
    return start.day == 1 and is_month_end(end)


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


@dataclass(frozen=True)
class DateShift:
    """How far one period lies from another: whole months, or days when the months do not line up."""

    months: int = 0
    days: int = 0

    @classmethod
    def between(cls, old_start: date, new_start: date) -> DateShift:
        if old_start.day == new_start.day or (is_month_end(old_start) and is_month_end(new_start)):
            return cls(months=months_between(old_start, new_start))
        return cls(days=(new_start - old_start).days)

    def last_day(self, day: date) -> date:
        """An inclusive end date (an ``until`` or a deadline): a month's last day stays its last day."""
        if self.days:
            return day + timedelta(days=self.days)
        if is_month_end(day):
            moved = add_months(day.replace(day=1), self.months)
            return moved.replace(day=last_day_of_month(moved.year, moved.month))
        return add_months(day, self.months)

    def first_day(self, day: date) -> date:
        """A start date: the day after the shifted day before, so 1 March stays the day after February."""
        if self.days:
            return day + timedelta(days=self.days)
        return self.last_day(day - ONE_DAY) + ONE_DAY


def shift_entries(entries: list[list], shift: DateShift) -> list[list]:
    """Capacity entries ([[places, "from" | None, "until" | None], …]) moved by ``shift``; open ends stay open."""
    moved = []
    for places, start, until in entries:
        moved.append(
            [
                places,
                shift.first_day(date.fromisoformat(start)).isoformat() if start else None,
                shift.last_day(date.fromisoformat(until)).isoformat() if until else None,
            ]
        )
    return moved


def following_period(start: date, end: date, *, earlier_start: date | None = None) -> tuple[date, date]:
    """The period after ``start``–``end``, of the same length.

    With ``earlier_start`` (the start of the period before that one) the reports keep their
    rhythm: winter reports a year apart give next winter, not the summer in between. Without
    it the next period begins the day after ``end``.
    """
    if is_whole_months(start, end):
        length = months_between(start, end) + 1
        step = months_between(earlier_start, start) if earlier_start and earlier_start.day == 1 else length
        step = max(step, length)  # never overlap the period itself
        new_start = add_months(start, step)
        new_end_month = add_months(new_start, length - 1)
        return new_start, new_end_month.replace(day=last_day_of_month(new_end_month.year, new_end_month.month))
    length_days = (end - start).days + 1
    step_days = max((start - earlier_start).days if earlier_start else length_days, length_days)
    new_start = start + timedelta(days=step_days)
    return new_start, new_start + timedelta(days=length_days - 1)
