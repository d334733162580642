"""Offered bed-nights from places per night and opening dates."""

from datetime import date

from webapp.statistics.capacity import CapacityEntry, offered_bed_nights, offered_in_range

START, END = date(2021, 11, 1), date(2022, 4, 30)
LILJEHOLMEN = [(24, date(2021, 11, 29), date(2022, 4, 15))]


def test_liljeholmen_opens_for_the_last_two_nights_of_november():
    assert offered_bed_nights(LILJEHOLMEN, 2021, 11) == 48
    assert offered_bed_nights(LILJEHOLMEN, 2021, 12) == 24 * 31
    assert offered_bed_nights(LILJEHOLMEN, 2022, 4) == 24 * 15  # until 15 April inclusive
    assert offered_bed_nights(LILJEHOLMEN, 2022, 5) == 0
    assert offered_in_range(LILJEHOLMEN, START, END) == 24 * 138


def test_arsta_offers_24_places_for_181_nights_not_a_whole_year():
    arsta = [CapacityEntry(24)]
    assert offered_in_range(arsta, START, END) == 4344
    assert offered_in_range(arsta, date(2021, 1, 1), date(2021, 12, 31)) == 8760  # the seed's figure: a year


def test_stadsmissionen_december():
    assert offered_bed_nights([CapacityEntry(50)], 2021, 12) == 1550


def test_entries_add_up_and_months_clip_to_the_period():
    extra = [CapacityEntry(20), CapacityEntry(10, date(2022, 2, 1), date(2022, 2, 14))]
    assert offered_bed_nights(extra, 2022, 2) == 20 * 28 + 10 * 14
    assert offered_bed_nights([CapacityEntry(10)], 2021, 11, (date(2021, 11, 15), END)) == 160
    assert offered_bed_nights([CapacityEntry(10, date(2022, 3, 1), date(2022, 2, 1))], 2022, 2) == 0
