"""Joint tables: the night units per month, the day units' visit summary, and who is missing."""

import pytest

from tests.unit.statistics import seed_figures as seed
from tests.unit.statistics.template_tables import template_table
from webapp.statistics.aggregate import GapReason, UnitTable, aggregate, swedish_list, unit_summary
from webapp.statistics.cells import MISSING, TableData
from webapp.statistics.compute import ComputeContext
from webapp.statistics.figures import FigureState
from webapp.statistics.presets import build_spec
from webapp.statistics.specs import SpecError

START, END = seed.PERIOD_START, seed.PERIOD_END
CONTEXT = ComputeContext(START, END)
OCCUPANCY = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
VISITS = build_spec({"key": "visits", "kind": "visits"}, START, END)


def _night_units(**replaced) -> list[UnitTable]:
    return [
        UnitTable(
            unit,
            info["name"],
            replaced.get(unit, seed.occupancy_data(unit)),
            ComputeContext(START, END, seed.capacity_schedule(unit)),
        )
        for unit, info in seed.NIGHT_UNITS.items()
    ]


def test_the_joint_night_table_adds_up_to_the_seeds_monthly_nights():
    joint = aggregate(OCCUPANCY, _night_units(), CONTEXT)
    table = joint.table
    assert [row["nights"].value for row in table.rows] == list(seed.JOINT_NIGHTS_STATED)
    assert [row["women"].value for row in table.rows] == list(seed.JOINT_WOMEN_STATED)
    assert [row["men"].value for row in table.rows] == list(seed.JOINT_MEN_STATED)
    assert table.total["nights"].value == 14245
    assert joint.complete and joint.messages == ()


def test_joint_occupancy_is_summed_nights_over_summed_offered():
    table = aggregate(OCCUPANCY, _night_units(), CONTEXT).table
    november = table.row("2021-11")
    assert november["offered"].value == 600 + 1500 + 720 + 48
    assert november["occupancy"].text == "80,3\u00a0%"
    assert table.total["offered"].value == 20326
    assert table.total["occupancy"].text == "70,1\u00a0%"
    assert table.total["women_share"].text == "38,0\u00a0%"


def test_a_unit_that_has_not_reported_april_makes_april_incomplete_and_is_named():
    without_april = seed.occupancy_data("fa-liljeholmen").without_row("2022-04")
    joint = aggregate(OCCUPANCY, _night_units(**{"fa-liljeholmen": without_april}), CONTEXT)
    april = joint.table.row("2022-04")
    assert april["nights"].state is FigureState.INCOMPLETE and april["nights"].value is None
    assert april["occupancy"].state is FigureState.INCOMPLETE
    assert april["offered"].value == 600 + 1500 + 720 + 360  # capacity is known even so
    assert joint.table.row("2022-03")["nights"].value == 2566
    assert joint.table.total["nights"].state is FigureState.INCOMPLETE
    assert joint.messages == ("Frälsningsarmén Liljeholmen har inte rapporterat april.",)
    gap = joint.gaps[0]
    assert (gap.unit_key, gap.reason, gap.row_keys) == ("fa-liljeholmen", GapReason.NOT_REPORTED, ("2022-04",))


def test_missing_figures_and_units_without_data_are_reported_differently():
    unknown = seed.occupancy_data("fa-arsta").with_cell("2022-01", "men", MISSING).with_cell("2022-02", "men", MISSING)
    units = _night_units(**{"fa-arsta": unknown})
    units[0] = UnitTable("convictus-natt", "Convictus nattverksamhet för kvinnor", None, units[0].context)
    joint = aggregate(OCCUPANCY, units, CONTEXT)
    assert joint.messages == (
        "Convictus nattverksamhet för kvinnor har inte rapporterat ännu.",
        "Frälsningsarmén Årsta saknar uppgift för januari och februari.",
    )
    assert all(row["women"].state is FigureState.INCOMPLETE for row in joint.table.rows)


def test_aggregation_does_not_depend_on_the_order_of_the_units():
    units = _night_units(**{"fa-liljeholmen": seed.occupancy_data("fa-liljeholmen").without_row("2022-04")})
    assert aggregate(OCCUPANCY, units, CONTEXT) == aggregate(OCCUPANCY, list(reversed(units)), CONTEXT)
    assert unit_summary(OCCUPANCY, units, CONTEXT) == unit_summary(OCCUPANCY, units[2:] + units[:2], CONTEXT)


def test_the_day_units_visit_summary_has_each_units_period_and_a_grand_total():
    units = [UnitTable(u, name, seed.visits_data(u), CONTEXT) for u, name in seed.DAY_UNITS.items()]
    joint = unit_summary(VISITS, units, CONTEXT)
    table = joint.table
    assert [row.label for row in table.rows] == [
        "Convictus Axelsberg",
        "Crossroads",
        "EU-center",
        "Kafé Norrmalm",
        "Västberga gård",
    ]
    kafe = table.row("kafe-norrmalm")
    assert (kafe["total"].value, kafe["women_share"].text) == (6715, "26,9\u00a0%")
    assert table.row("eu-center")["women_share"].value == 26
    assert table.row("crossroads")["total"].value == 5208
    # Convictus Axelsberg's months add up to 2 383 men, not the seed's 2 381: 2 845 visits, not 2 843.
    assert table.row("convictus-axelsberg")["total"].value == 2845
    assert table.total["total"].value == 28907
    assert table.total["women_share"].approximate  # two units gave only a rounded share
    assert table.total["women_share"].text == "ca 22,9\u00a0%"  # weighted by visits, not the mean of shares
    assert joint.complete


def test_the_visit_summary_names_a_unit_without_figures():
    units = [UnitTable(u, name, seed.visits_data(u), CONTEXT) for u, name in seed.DAY_UNITS.items()]
    units[0] = UnitTable("convictus-axelsberg", "Convictus Axelsberg", None, CONTEXT)
    joint = unit_summary(VISITS, units, CONTEXT)
    assert joint.messages == ("Convictus Axelsberg har inte rapporterat ännu.",)
    assert joint.table.total["total"].state is FigureState.INCOMPLETE


def test_capacity_summary_gives_offered_bed_nights_per_unit():
    spec = build_spec({"key": "capacity", "kind": "capacity"}, START, END)
    from webapp.statistics.cells import Cell, Row

    def data(unit):
        info = seed.NIGHT_UNITS[unit]
        cells = {"places": Cell.of(info["places"])}
        if info["open_from"]:
            cells |= {"from": Cell.of(info["open_from"].isoformat()), "until": Cell.of(info["open_until"].isoformat())}
        return TableData((Row("a", None, cells),))

    units = [UnitTable(u, i["name"], data(u), CONTEXT) for u, i in seed.NIGHT_UNITS.items()]
    table = unit_summary(spec, units, CONTEXT).table
    assert table.row("fa-arsta")["bed_nights"].value == 4344
    assert table.row("fa-liljeholmen")["bed_nights"].value == 3312
    assert table.total["bed_nights"].value == 20326


def test_free_row_tables_cannot_be_added_row_by_row():
    spec = build_spec({"key": "ekn", "kind": "log"}, START, END)
    with pytest.raises(SpecError):
        aggregate(spec, [], CONTEXT)
    facts = build_spec(template_table("unique"), START, END)
    with pytest.raises(SpecError):
        unit_summary(facts, [], CONTEXT)


def test_facts_add_up_across_units_where_they_apply():
    spec = build_spec(template_table("unique"), START, END)
    units = [UnitTable(u, u, seed.facts_data(seed.UNIQUE[u]), CONTEXT) for u in ("convictus-natt", "ng-inskrivning")]
    joint = aggregate(spec, units, CONTEXT)
    assert joint.table.row("total")["value"].value == 434  # Convictus: ej tillämpligt, left out
    units.append(UnitTable("fa-arsta", "Frälsningsarmén Årsta", seed.facts_data(seed.UNIQUE["fa-arsta"]), CONTEXT))
    joint = aggregate(spec, units, CONTEXT)
    assert joint.table.row("total")["value"].state is FigureState.INCOMPLETE
    assert joint.messages == ("Frälsningsarmén Årsta saknar uppgift för Unika deltagare, varav kvinnor och varav män.",)


def test_swedish_list():
    assert swedish_list(["april"]) == "april"
    assert swedish_list(["mars", "april"]) == "mars och april"
    assert swedish_list(["jan", "mars", "april"]) == "jan, mars och april"
