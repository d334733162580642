"""The figures of the seed report (November 2021 – April 2022), as entered — never its sentences.

Only counts that people typed are here; every sum, share and occupancy is left to the engine.
Where the seed *states* a percentage or total, it is kept in a ``*_STATED`` constant so tests
(and the note on disagreements) can show where the hand-made figure and the computed one part.

Conventions: month keys "YYYY-MM"; ``NA`` marks *ej tillämpligt* (Convictus' night shelter is for
women only, so its men's column does not apply); ``None`` marks a cell the seed leaves blank.
The ``*_data`` helpers give the engine's TableData for a unit, ready for demo data.
"""

from __future__ import annotations

from datetime import date

from webapp.statistics.capacity import CapacityEntry
from webapp.statistics.cells import MISSING, NOT_APPLICABLE, Cell, Row, TableData

PERIOD_START, PERIOD_END = date(2021, 11, 1), date(2022, 4, 30)
MONTHS = ("2021-11", "2021-12", "2022-01", "2022-02", "2022-03", "2022-04")
NA = "ej tillämpligt"
MISSING_FIGURE = "uppgift saknas"

# --- night units -------------------------------------------------------------------------------

NIGHT_UNITS = {
    "convictus-natt": {
        "name": "Convictus nattverksamhet för kvinnor",
        "places": 20,
        "open_from": None,
        "open_until": None,
    },
    "stadsmissionen-natt": {
        "name": "Stadsmissionens nattverksamhet",
        "places": 50,
        "open_from": None,
        "open_until": None,
    },
    "fa-arsta": {"name": "Frälsningsarmén Årsta", "places": 24, "open_from": None, "open_until": None},
    "fa-liljeholmen": {
        "name": "Frälsningsarmén Liljeholmen",
        "places": 24,
        "open_from": date(2021, 11, 29),
        "open_until": date(2022, 4, 15),
    },
}

# (women, men) guest-nights per month.
OCCUPANCY = {
    "convictus-natt": dict(zip(MONTHS, [(465, NA), (386, NA), (273, NA), (349, NA), (355, NA), (268, NA)])),
    "stadsmissionen-natt": dict(zip(MONTHS, [(202, 1000), (172, 882), (104, 702), (188, 788), (189, 914), (198, 983)])),
    "fa-arsta": dict(zip(MONTHS, [(211, 380), (188, 341), (173, 342), (204, 376), (233, 341), (229, 384)])),
    "fa-liljeholmen": dict(zip(MONTHS, [(18, 26), (228, 265), (245, 339), (204, 306), (233, 301), (95, 165)])),
}

# What the seed states (per cent, months in order, then the period); not entered, for comparison.
OCCUPANCY_STATED = {
    "convictus-natt": {"occupancy": (78, 62, 44, 62, 57, 58, 58)},
    "stadsmissionen-natt": {"occupancy": (78, 79, 52, 70, 71, 77, 71), "women_share": (17, 16, 13, 19, 17, 17, 17)},
    "fa-arsta": {"occupancy": (82, 71, 69, 86, 77, 85, 80), "women_share": (36, 36, 34, 35, 41, 37, 36)},
    "fa-liljeholmen": {"occupancy": (98, 88, 93, 86, 87, 81, 88.8), "women_share": (40, 46, 42, 40, 43, 36.5, 41)},
    "joint": {"occupancy": (84, 75, 65, 76, 73, 75, 74.6), "women_share": (39, 40, 37, 39, 39, 34, 38)},
}
JOINT_NIGHTS_STATED = (2302, 2462, 2178, 2415, 2566, 2322)
JOINT_NIGHTS_TOTAL_STATED = 14245  # the seed calls this "erbjudna sängplatser"; it is occupied nights
JOINT_WOMEN_STATED, JOINT_MEN_STATED = (896, 974, 795, 945, 1010, 790), (1406, 1488, 1383, 1470, 1556, 1532)
CAPACITY_STATED = {"places_per_night": 94, "offered_total": 14245, "fa-arsta": 8760, "fa-liljeholmen": 2425}

# Unique participants: a figure, uppgift saknas or ej tillämpligt.
UNIQUE = {
    "convictus-natt": {"total": NA, "women": NA, "men": NA},
    "stadsmissionen-natt": {"total": 291, "women": MISSING_FIGURE, "men": MISSING_FIGURE},
    "fa-arsta": {"total": MISSING_FIGURE, "women": MISSING_FIGURE, "men": MISSING_FIGURE},
    "fa-liljeholmen": {"total": MISSING_FIGURE, "women": MISSING_FIGURE, "men": MISSING_FIGURE},
    "ng-inskrivning": {"total": 434, "women": 143, "men": 291},
}

# --- Ny Gemenskap Inskrivning -----------------------------------------------------------------

# Per month: shelter → (places, tickets); and people who got no place ("inte plats").
TICKETS = {
    "2021-11": {"stadsmissionen": (402, 284), "fa-arsta": (222, 133), "fa-liljeholmen": (31, 25), "no_place": 14},
    "2021-12": {"stadsmissionen": (442, 237), "fa-arsta": (267, 112), "fa-liljeholmen": (295, 110), "no_place": 18},
    "2022-01": {"stadsmissionen": (355, 186), "fa-arsta": (277, 117), "fa-liljeholmen": (238, 136), "no_place": 21},
    "2022-02": {"stadsmissionen": (429, 231), "fa-arsta": (203, 136), "fa-liljeholmen": (166, 140), "no_place": None},
    "2022-03": {"stadsmissionen": (558, 264), "fa-arsta": (265, 132), "fa-liljeholmen": (192, 135), "no_place": None},
    "2022-04": {"stadsmissionen": (418, 255), "fa-arsta": (207, 132), "fa-liljeholmen": (124, 62), "no_place": 6},
}
TICKETS_TOTAL_PLACES_STATED = (655, 904, 850, 898, 915, 849)
TICKETS_TOTAL_TICKETS_STATED = (442, 459, 439, 507, 531, 449)
TICKETS_GRAND_STATED = {"places": 5091, "tickets": 2827, "no_place": 59}

# Extra cold nights: (date, place, men, women).
EKN = (
    (date(2021, 11, 30), "Norrmalmskyrkan", 17, 10),
    (date(2021, 12, 3), "Kungsholms församlingshus", 18, 11),
    (date(2021, 12, 5), "Norrmalmskyrkan", 27, 18),
    (date(2021, 12, 6), "S:t Matteus kyrka", 13, 7),
    (date(2021, 12, 7), "Norrmalmskyrkan", 20, 9),
    (date(2021, 12, 21), "Norrmalmskyrkan", 9, 5),
    (date(2021, 12, 24), "Kungsholms församlingshus", 10, 9),
    (date(2021, 12, 25), "Högalidskyrkan", 12, 5),
    (date(2021, 12, 26), "Norrmalmskyrkan", 12, 3),
    (date(2022, 1, 10), "S:t Matteus kyrka", 16, 5),
    (date(2022, 2, 22), "Norrmalmskyrkan", 19, 14),
)

# --- day units ---------------------------------------------------------------------------------

DAY_UNITS = {
    "convictus-axelsberg": "Convictus Axelsberg",
    "crossroads": "Crossroads",
    "eu-center": "EU-center",
    "kafe-norrmalm": "Kafé Norrmalm",
    "vastberga-gard": "Västberga gård",
}

# (women, men) visits per month.
VISITS = {
    "convictus-axelsberg": dict(zip(MONTHS, [(90, 632), (62, 308), (75, 291), (66, 385), (94, 418), (75, 349)])),
    "kafe-norrmalm": dict(zip(MONTHS, [(348, 1102), (186, 631), (200, 593), (332, 802), (401, 975), (342, 803)])),
    "vastberga-gard": dict(zip(MONTHS, [(154, 552), (131, 434), (117, 558), (148, 635), (201, 775), (153, 592)])),
}
# EU-center gives only month totals and a period split; Crossroads only the period.
VISITS_MONTH_TOTALS = {"eu-center": dict(zip(MONTHS, (2110, 1606, 1338, 1419, 1731, 1485)))}
VISITS_PERIOD = {
    "eu-center": {"period_total": None, "period_women_share": 26, "unique_visitors": 1209},
    "crossroads": {"period_total": 5208, "period_women_share": 18, "unique_visitors": 606},
    "convictus-axelsberg": {"period_total": None, "period_women_share": None, "unique_visitors": None},
    "kafe-norrmalm": {"period_total": None, "period_women_share": None, "unique_visitors": None},
    "vastberga-gard": {"period_total": None, "period_women_share": None, "unique_visitors": None},
}
VISITS_STATED = {
    "convictus-axelsberg": {"women": 462, "men": 2381, "total": 2843, "women_share": (12, 17, 20, 15, 18, 18, 16)},
    "kafe-norrmalm": {"women": 1809, "men": 4906, "total": 6715, "women_share": (24, 23, 25, 29, 29, 30, 27)},
    "vastberga-gard": {"women": 904, "men": 3546, "total": 4450, "women_share": (22, 23, 17, 19, 21, 21, 20)},
    "joint": {"total": 28905, "men_share": 78.6, "women_share": 21.4},
}

# Crossroads' advice and support per category and month.
ADVICE = {
    "Arbetsmarknad": (36, 40, 22, 22, 30, 41),
    "Social välfärd": (42, 36, 21, 28, 45, 46),
    "Migrationsrättslig juridik": (42, 51, 25, 43, 53, 34),
    "Övriga frågor": (107, 51, 49, 60, 73, 90),
}
ADVICE_TOTAL_STATED = {
    "Arbetsmarknad": 191,
    "Social välfärd": 218,
    "Migrationsrättslig juridik": 248,
    "Övriga frågor": 430,
    "total": 1087,
}

BASIC_NEEDS = {"crossroads": {"meals": 6842, "hygiene": 2438, "food_bags": NA, "clothes": NA, "other": NA}}
BASIC_NEEDS_STATED = {"crossroads": 9280}
EU_TEAM_CASES = {"cases": 44, "women": MISSING_FIGURE, "men": MISSING_FIGURE, "gender_unknown": 2, "minors": 6}
RESPONDENTS = {
    "crossroads": 34,
    "eu-center": 25,
    "fa-arsta": 19,
    "stadsmissionen-natt": 29,
    "fa-liljeholmen": NA,
    "convictus-natt": NA,
    "convictus-axelsberg": NA,
}

# --- nationalities -----------------------------------------------------------------------------

# (country, count) with the base the shares are of, and the number of nationalities stated.
NATIONALITY_COUNTS = {
    "ng-inskrivning": {
        "base": 434,
        "nationality_count": 31,
        "rows": (("RO", 306), ("PL", 44), ("LV", 11), ("LT", 9), ("BG", 7), ("GH", 7)),
    },
    "ng-inskrivning-biljetter": {
        "base": 2827,
        "nationality_count": None,
        "rows": (("RO", 1612), ("PL", 465), ("LT", 86), ("BG", 82), ("LV", 78)),
    },
    "kafe-norrmalm": {
        "base": 6715,
        "nationality_count": 63,
        "rows": (
            ("RO", 1962),
            ("PL", 1587),
            ("MA", 307),
            ("IQ", 282),
            ("NG", 220),
            ("BG", 208),
            ("FI", 199),
            ("HR", 198),
            ("PE", 155),
            ("HU", 152),
        ),
    },
    "vastberga-gard": {
        "base": 4450,
        "nationality_count": 64,
        "rows": (
            ("RO", 1220),
            ("FI", 595),
            ("LT", 344),
            ("ER", 282),
            ("LV", 232),
            ("PL", 216),
            ("BG", 163),
            ("UA", 136),
            ("SO", 115),
            ("IQ", 115),
            ("IT", 110),
        ),
    },
    "eu-center": {
        "base": 9689,
        "nationality_count": 74,
        "rows": (("RO", 3540), ("PL", 2854), ("MA", 555), ("NG", 443), ("GH", 321)),
    },
    "crossroads": {
        "base": 5208,
        "nationality_count": 46,
        "rows": (("PL", 1573), ("RO", 1034), ("NG", 815), ("GH", 251), ("MA", 249)),
    },
}
NATIONALITY_STATED_SHARES = {
    "ng-inskrivning": (70.5, 10.1, 2.5, 2.1, 1.6, 1.6),
    "ng-inskrivning-biljetter": (57, 20, 3, 2.9, 2.7),
    "kafe-norrmalm": (29.2, 23.6, 4.6, 4.2, 3.3, 3.1, 2.96, 2.94, 2.3, 2.26),
    "vastberga-gard": (27.4, 13.8, 7.7, 6.3, 5.2, 4.9, 3.7, 3, 2.6, 2.6, 2.5),
    "crossroads": (30, 20, 16, 5, 5),
}
CROSSROADS_SPLIT_STATED = {"eu": (3424, 66), "third_country": (1723, 33), "other": (61, 1)}
# Night units gave shares only (per cent).
NATIONALITY_SHARES = {
    "convictus-natt": (("RO", 90), ("PL", 6), ("FI", 2), ("IT", 1), ("BG", 1)),
    "stadsmissionen-natt": (("RO", 45), ("PL", 22), ("IT", 9), ("LV", 6), ("BG", 4)),
    "fa-arsta": (("RO", 51), ("PL", 15), ("GH", 9), ("BG", 5), ("NG", 5)),
    "fa-liljeholmen": (("RO", 74), ("PL", 20), ("NG", 3), ("LV", 2), ("FR", 1)),
}
NATIONALITY_JOINT_NIGHT_STATED = (("RO", 65), ("PL", 16), ("IT", 10), ("LV", 6), ("BG", 3))


# --- as engine data ----------------------------------------------------------------------------


def _cell(value) -> Cell:
    if value is None:
        return Cell()
    if value == NA:
        return NOT_APPLICABLE
    if value == MISSING_FIGURE:
        return MISSING
    if isinstance(value, date):
        return Cell.of(value.isoformat())
    return Cell.of(value if isinstance(value, int) else str(value))


def capacity_schedule(unit: str) -> tuple[CapacityEntry, ...]:
    info = NIGHT_UNITS[unit]
    return (CapacityEntry(info["places"], info["open_from"], info["open_until"]),)


def occupancy_data(unit: str) -> TableData:
    return TableData(
        tuple(Row(month, None, {"women": _cell(w), "men": _cell(m)}) for month, (w, m) in OCCUPANCY[unit].items())
    )


def visits_data(unit: str) -> TableData:
    rows = []
    for month in MONTHS:
        if unit in VISITS:
            women, men = VISITS[unit][month]
            rows.append(Row(month, None, {"women": _cell(women), "men": _cell(men)}))
        elif unit in VISITS_MONTH_TOTALS:
            rows.append(
                Row(month, None, {"women": MISSING, "men": MISSING, "total": _cell(VISITS_MONTH_TOTALS[unit][month])})
            )
        else:
            rows.append(Row(month, None, {"women": MISSING, "men": MISSING, "total": MISSING}))
    figures = {k: _cell(v) for k, v in VISITS_PERIOD[unit].items()}
    return TableData(tuple(rows), figures=figures)


def advice_data() -> TableData:
    from webapp.statistics.presets import slug

    return TableData(
        tuple(Row(slug(label), None, {m: _cell(v) for m, v in zip(MONTHS, values)}) for label, values in ADVICE.items())
    )


def tickets_data() -> TableData:
    rows = []
    for month, shelters in TICKETS.items():
        cells = {"no_place": _cell(shelters["no_place"])}
        for shelter in ("stadsmissionen", "fa-arsta", "fa-liljeholmen"):
            places, tickets = shelters[shelter]
            cells[f"{shelter}.places"], cells[f"{shelter}.tickets"] = _cell(places), _cell(tickets)
        rows.append(Row(month, None, cells))
    return TableData(tuple(rows))


def ekn_data() -> TableData:
    return TableData(
        tuple(
            Row(f"r{n}", None, {"date": _cell(day), "place": _cell(place), "men": _cell(men), "women": _cell(women)})
            for n, (day, place, men, women) in enumerate(EKN, start=1)
        )
    )


def nationality_count_data(unit: str) -> TableData:
    info = NATIONALITY_COUNTS[unit]
    rows = tuple(
        Row(f"r{n}", None, {"country": Cell.of(code), "count": Cell.of(count)})
        for n, (code, count) in enumerate(info["rows"], start=1)
    )
    figures = {"base": _cell(info["base"]), "nationality_count": _cell(info["nationality_count"])}
    return TableData(rows, figures=figures)


def nationality_share_data(unit: str) -> TableData:
    return TableData(
        tuple(
            Row(f"r{n}", None, {"country": Cell.of(code), "share": Cell.of(share)})
            for n, (code, share) in enumerate(NATIONALITY_SHARES[unit], start=1)
        )
    )


def facts_data(values: dict) -> TableData:
    return TableData(tuple(Row(key, None, {"value": _cell(value)}) for key, value in values.items()))
