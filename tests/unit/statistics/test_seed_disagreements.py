"""Where the seed's hand-made percentages and totals part from what its own counts give.

The engine's figure stands (issue 3, deliverable 8). This test keeps the list honest: if the
engine or the seed figures change, the list in the note must change with it.
"""

from decimal import ROUND_HALF_UP, Decimal

from tests.unit.statistics import seed_figures as seed
from tests.unit.statistics.template_tables import template_table
from webapp.statistics.aggregate import UnitTable, aggregate, unit_summary
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.presets import build_spec

START, END = seed.PERIOD_START, seed.PERIOD_END
CONTEXT = ComputeContext(START, END)
ROWS = ("nov", "dec", "jan", "feb", "mar", "apr", "total")


def _rounded_like(value: Decimal, stated) -> Decimal:
    decimals = len(str(stated).split(".")[1]) if "." in str(stated) else 0
    return Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _occupancy_tables():
    spec = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
    units = [
        UnitTable(u, info["name"], seed.occupancy_data(u), ComputeContext(START, END, seed.capacity_schedule(u)))
        for u, info in seed.NIGHT_UNITS.items()
    ]
    tables = {u.unit_key: compute(spec, u.data, u.context) for u in units}
    tables["joint"] = aggregate(spec, units, CONTEXT).table
    return tables


def test_stated_percentages_that_disagree_with_the_counts():
    found = []
    tables = _occupancy_tables()
    for unit, stated in seed.OCCUPANCY_STATED.items():
        for column, values in stated.items():
            for row_name, row, value in zip(ROWS, tables[unit].all_rows, values):
                if _rounded_like(row[column].value, value) != Decimal(str(value)):
                    found.append((unit, column, row_name, value, row[column].text.replace("\u00a0", " ")))
    assert found == [
        ("convictus-natt", "occupancy", "apr", 58, "44,7 %"),
        ("stadsmissionen-natt", "occupancy", "nov", 78, "80,1 %"),
        ("stadsmissionen-natt", "occupancy", "dec", 79, "68,0 %"),
        ("stadsmissionen-natt", "occupancy", "apr", 77, "78,7 %"),
        ("stadsmissionen-natt", "occupancy", "total", 71, "69,9 %"),
        ("fa-arsta", "occupancy", "total", 80, "78,3 %"),
        ("fa-liljeholmen", "occupancy", "nov", 98, "91,7 %"),
        ("fa-liljeholmen", "occupancy", "dec", 88, "66,3 %"),
        ("fa-liljeholmen", "occupancy", "jan", 93, "78,5 %"),
        ("fa-liljeholmen", "occupancy", "feb", 86, "75,9 %"),
        ("fa-liljeholmen", "occupancy", "mar", 87, "71,8 %"),
        ("fa-liljeholmen", "occupancy", "apr", 81, "72,2 %"),
        ("fa-liljeholmen", "occupancy", "total", 88.8, "73,2 %"),
        ("fa-liljeholmen", "women_share", "nov", 40, "40,9 %"),
        ("fa-liljeholmen", "women_share", "mar", 43, "43,6 %"),
        ("fa-liljeholmen", "women_share", "total", 41, "42,2 %"),
        ("joint", "occupancy", "nov", 84, "80,3 %"),
        ("joint", "occupancy", "dec", 75, "67,3 %"),
        ("joint", "occupancy", "jan", 65, "59,5 %"),
        ("joint", "occupancy", "feb", 76, "73,1 %"),
        ("joint", "occupancy", "mar", 73, "70,1 %"),
        ("joint", "occupancy", "apr", 75, "73,0 %"),
        ("joint", "occupancy", "total", 74.6, "70,1 %"),
    ]


def test_stated_capacity_figures_are_not_offered_bed_nights():
    joint = _occupancy_tables()["joint"]
    assert joint.total["offered"].value == 20326 != seed.CAPACITY_STATED["offered_total"]
    assert joint.total["nights"].value == seed.CAPACITY_STATED["offered_total"]  # 14 245 are occupied nights
    arsta, liljeholmen = _occupancy_tables()["fa-arsta"], _occupancy_tables()["fa-liljeholmen"]
    assert arsta.total["offered"].value == 4344 != seed.CAPACITY_STATED["fa-arsta"]
    assert liljeholmen.total["offered"].value == 3312 != seed.CAPACITY_STATED["fa-liljeholmen"]


def test_stated_visit_totals_and_the_joint_split():
    spec = build_spec({"key": "visits", "kind": "visits"}, START, END)
    axelsberg = compute(spec, seed.visits_data("convictus-axelsberg"), CONTEXT)
    assert (axelsberg.total["men"].value, axelsberg.total["total"].value) == (2383, 2845)  # seed: 2 381, 2 843
    units = [UnitTable(u, name, seed.visits_data(u), CONTEXT) for u, name in seed.DAY_UNITS.items()]
    joint = unit_summary(spec, units, CONTEXT).table
    assert joint.total["total"].value == 28907  # seed: 28 905
    assert joint.total["women_share"].text == "ca 22,9\u00a0%"  # seed: 21,4 % (the mean of five shares)
    shares = [Decimal(s) for s in ("16", "18", "26", "27", "20")]
    assert sum(shares) / 5 == Decimal(str(seed.VISITS_STATED["joint"]["women_share"]))


def test_stated_ticket_totals_per_month():
    spec = build_spec(template_table("tickets"), START, END)
    table = compute(spec, seed.tickets_data(), CONTEXT)
    computed = [row["total.places"].value for row in table.rows]
    assert [(m, s, c) for m, s, c in zip(seed.MONTHS, seed.TICKETS_TOTAL_PLACES_STATED, computed) if s != c] == [
        ("2021-12", 904, 1004),
        ("2022-01", 850, 870),
        ("2022-02", 898, 798),
        ("2022-03", 915, 1015),
        ("2022-04", 849, 749),
    ]


def test_stated_nationality_shares():
    spec = build_spec({"key": "nationalities", "kind": "nationalities"}, START, END)
    found = []
    for unit, stated in seed.NATIONALITY_STATED_SHARES.items():
        table = compute(spec, seed.nationality_count_data(unit), CONTEXT)
        for row, value in zip(table.rows, stated):
            if _rounded_like(row["percent"].value, value) != Decimal(str(value)):
                found.append((unit, row["country"].value, value, str(_rounded_like(row["percent"].value, value))))
    assert found == [
        ("ng-inskrivning-biljetter", "PL", 20, "16"),
        ("ng-inskrivning-biljetter", "LV", 2.7, "2.8"),
        ("kafe-norrmalm", "HR", 2.94, "2.95"),
        ("vastberga-gard", "FI", 13.8, "13.4"),
    ]
