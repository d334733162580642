"""Offered bed-nights from places per night and opening dates."""

from datetime import date

from webapp.statistics.capacity import (
    CapacityEntry,
    offered_bed_nights,
    offered_by_month,
    offered_in_range,
    schedule_for_unit,
    schedule_from_data,
)
from webapp.statistics.cells import Cell, Row, TableData

START, END = date(2021, 11, 1), date(2022, 4, 30)
LILJEHOLMEN = [(24, date(2021, 11, 29), date(2022, 4, 15))]


def test_liljeholmen_opens_for_the_last_two_nights_of_november():
    assert offered_bed_nights(LILJEHOLMEN, 2021, 11) == 48
    assert offered_bed_nights(LILJEHOLMEN, 2021, 12) == 24 * 31
    assert offered_bed_nights(LILJEHOLMEN, 2022, 4) == 24 * 15  # until 15 April inclusive
    assert offered_bed_nights(LILJEHOLMEN, 2022, 5) == 0
    assert sum(offered_by_month(LILJEHOLMEN, START, END).values()) == 24 * 138


def test_arsta_offers_24_places_for_181_nights_not_a_whole_year():
    arsta = schedule_for_unit(24)
    assert offered_in_range(arsta, START, END) == 4344
    assert sum(offered_by_month(arsta, START, END).values()) == 4344
    assert offered_in_range(arsta, date(2021, 1, 1), date(2021, 12, 31)) == 8760  # the seed's figure: a year


def test_stadsmissionen_december():
    assert offered_bed_nights([CapacityEntry(50)], 2021, 12) == 1550


def test_entries_add_up_and_months_clip_to_the_period():
    extra = [CapacityEntry(20), CapacityEntry(10, date(2022, 2, 1), date(2022, 2, 14))]
    assert offered_bed_nights(extra, 2022, 2) == 20 * 28 + 10 * 14
    assert offered_bed_nights([CapacityEntry(10)], 2021, 11, (date(2021, 11, 15), END)) == 160
    assert offered_bed_nights([CapacityEntry(10, date(2022, 3, 1), date(2022, 2, 1))], 2022, 2) == 0
    assert schedule_for_unit(None) == ()


def test_a_filled_in_capacity_table_gives_the_schedule():
    data = TableData(
        (
            Row("a", None, {"places": Cell.of(24), "from": Cell.of("2021-11-29"), "until": Cell.of("2022-04-15")}),
            Row("b", None, {"places": Cell.of(10)}),
            Row("c", None, {"places": Cell.of("tio")}),
            Row("d", None, {"from": Cell.of("2021-12-01")}),
        )
    )
    assert schedule_from_data(data, START, END) == (
        CapacityEntry(24, date(2021, 11, 29), date(2022, 4, 15)),
        CapacityEntry(10, START, END),
    )
