"""Months of a report period: row keys ("2021-11"), labels and the words people use for them.

A report period runs from its first to its last day (both inclusive), normally a half year
(November–April or May–October). Month rows are keyed "YYYY-MM" so that data stored in a
block revision stays meaningful whatever the period of the report that reads it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from webapp.statistics.formatting import month_name, short_month_name

MONTH_KEY = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def month_key(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def parse_month_key(key: str) -> tuple[int, int] | None:
    """'2021-11' → (2021, 11); anything else → None."""
    match = MONTH_KEY.match(key)
    return (int(match.group(1)), int(match.group(2))) if match else None


def period_months(start: date, end: date) -> tuple[tuple[int, int], ...]:
    """(year, month) for every month the period touches, in order."""
    if end < start:
        raise ValueError("Perioden slutar innan den börjar.")
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_row_label(year: int, month: int, with_year: bool = False) -> str:
    """'November' (a row header), or 'November 2021' when the period is longer than a year."""
    label = month_name(month).capitalize()
    return f"{label} {year}" if with_year else label


def month_aliases(year: int, month: int) -> tuple[str, ...]:
    """What a month is called in pasted sheets: 'november', 'nov', 'november 2021', '2021-11'."""
    name, short = month_name(month), short_month_name(month)
    return (name, short, f"{name} {year}", f"{short} {year}", month_key(year, month))


def needs_year(start: date, end: date) -> bool:
    """Month names alone are ambiguous once a period covers the same month twice."""
    return len(period_months(start, end)) > 12


def nights_between(first: date, last: date) -> int:
    """Nights from `first` to `last`, both inclusive (a night counts by the date it begins)."""
    return max(0, (last - first).days + 1)
