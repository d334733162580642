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
from typing import TYPE_CHECKING

from webapp.statistics.periods import month_bounds, month_key, nights_between, period_months

if TYPE_CHECKING:
    from webapp.statistics.cells import TableData


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


def schedule_for_unit(places: int | None, open_from: date | None = None, open_until: date | None = None) -> Schedule:
    """The one-entry schedule a unit's own settings describe (empty when it has no places)."""
    return () if places is None else (CapacityEntry(places, open_from, open_until),)


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


def offered_by_month(entries: Iterable[EntryLike], period_start: date, period_end: date) -> dict[str, int]:
    """{"2021-11": 48, …} for every month of the period."""
    entries = schedule(entries)
    return {
        month_key(year, month): offered_bed_nights(entries, year, month, (period_start, period_end))
        for year, month in period_months(period_start, period_end)
    }


# Column keys of the ``capacity`` table (see presets): one row per schedule entry.
PLACES, FROM, UNTIL = "places", "from", "until"


def schedule_from_data(data: TableData, period_start: date, period_end: date) -> Schedule:
    """The schedule a filled-in ``capacity`` table describes.

    Rows whose places are not a whole number yet are left out (validation names them);
    empty dates mean the start or end of the period.
    """
    from webapp.statistics.cells import ValueProblemError, interpret_date, interpret_integer

    entries = []
    for row in data.rows:
        places = row.cell(PLACES).raw
        if places is None:  # not a value: only a value cell carries one
            continue
        try:
            count = interpret_integer(places)
            dates = [
                default if (raw := row.cell(key).raw) is None else interpret_date(raw)
                for key, default in ((FROM, period_start), (UNTIL, period_end))
            ]
        except ValueProblemError:
            continue
        entries.append(CapacityEntry(count, dates[0], dates[1]))
    return tuple(entries)
