"""Offered bed-nights: places per night × nights open, from a unit's capacity schedule.

A schedule is a list of entries "this many places from this date until that date (both
inclusive)". Missing dates mean "from the start" / "until further notice". Entries add up, so
extra beds for a cold spell are one more entry. A night counts by the date it begins: a shelter
open 29 November – 15 April offers 2 nights in November and 15 in April.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from webapp.statistics.periods import month_bounds, nights_between


@dataclass(frozen=True)
class CapacityEntry:
    places: int
    from_date: date | None = None
    until_date: date | None = None  # inclusive

    def nights_in(self, first: date, last: date) -> int:
        """Nights this entry is open between two dates, both inclusive."""
        start = max(first, self.from_date) if self.from_date else first
        end = min(last, self.until_date) if self.until_date else last
        return nights_between(start, end)


Schedule = tuple[CapacityEntry, ...]
EntryLike = CapacityEntry | tuple[int, date | None, date | None]


def schedule(entries: Iterable[EntryLike]) -> Schedule:
    """Normalise (places, from, until) tuples into CapacityEntry objects."""
    return tuple(e if isinstance(e, CapacityEntry) else CapacityEntry(*e) for e in entries)


def offered_in_range(entries: Iterable[EntryLike], first: date, last: date) -> int:
    """Offered bed-nights between two dates, both inclusive."""
    return sum(e.places * e.nights_in(first, last) for e in schedule(entries))


def offered_bed_nights(
    entries: Iterable[EntryLike], year: int, month: int, period: tuple[date, date] | None = None
) -> int:
    """Offered bed-nights in one month (clipped to the period when one is given)."""
    first, last = month_bounds(year, month)
    if period is not None:
        first, last = max(first, period[0]), min(last, period[1])
    return offered_in_range(entries, first, last)
