"""Computing tables against the seed's own counts, and how unknowns travel through sums and shares."""

from datetime import date
from decimal import Decimal

import pytest

from tests.unit.statistics import seed_figures as seed
from tests.unit.statistics.template_tables import template_table
from webapp.statistics.capacity import CapacityEntry
from webapp.statistics.cells import MISSING, NOT_APPLICABLE, Cell, Row, TableData
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.figures import FigureState
from webapp.statistics.presets import build_spec

START, END = seed.PERIOD_START, seed.PERIOD_END
OCCUPANCY = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
VISITS = build_spec({"key": "visits", "kind": "visits"}, START, END)


def _night(unit: str, data: TableData | None = None):
    context = ComputeContext(START, END, seed.capacity_schedule(unit))
    return compute(OCCUPANCY, data if data is not None else seed.occupancy_data(unit), context)


def test_convictus_november_is_465_of_20_places_times_30_nights():
    table = _night("convictus-natt")
    november = table.row("2021-11")
    assert november["offered"].value == 600 and november["offered"].defaulted
    assert november["nights"].value == 465
    assert november["occupancy"].value == Decimal("77.5")
    assert november["occupancy"].text == "77,5\u00a0%"
    assert november["men"].state is FigureState.NOT_APPLICABLE  # a women's shelter
    assert november["men_share"].state is FigureState.NOT_APPLICABLE
    assert november["women_share"].value == 100
    assert table.total["nights"].value == 2096


def test_stadsmissionen_december_is_68_not_79_per_cent():
    december = _night("stadsmissionen-natt").row("2021-12")
    assert (december["nights"].value, december["offered"].value) == (1054, 1550)
    assert december["occupancy"].text == "68,0\u00a0%"


def test_arsta_total_is_recomputed_from_summed_nights_and_offered():
    table = _night("fa-arsta")
    assert table.total["nights"].value == 3402
    assert table.total["offered"].value == 4344
    assert table.total["occupancy"].text == "78,3\u00a0%"
    months = [row["occupancy"].value for row in table.rows]
    assert table.total["occupancy"].value != sum(months) / len(months)  # never averaged


def test_liljeholmen_offered_follows_its_opening_dates():
    table = _night("fa-liljeholmen")
    assert [row["offered"].value for row in table.rows] == [48, 744, 744, 672, 744, 360]
    assert table.total["offered"].value == 3312
    assert table.total["nights"].value == 2425


def test_an_offered_figure_typed_in_overrides_the_capacity():
    data = seed.occupancy_data("stadsmissionen-natt").with_cell("2021-12", "offered", Cell.of(1450))
    december = _night("stadsmissionen-natt", data).row("2021-12")
    assert december["offered"].value == 1450 and not december["offered"].defaulted
    assert _night("stadsmissionen-natt", data).total["offered"].value == 9050 - 100


def test_without_a_capacity_offered_stays_empty_and_occupancy_is_incomplete():
    table = compute(OCCUPANCY, seed.occupancy_data("fa-arsta"), ComputeContext(START, END))
    assert table.row("2021-11")["offered"].state is FigureState.EMPTY
    assert table.row("2021-11")["occupancy"].state is FigureState.INCOMPLETE
    closed = compute(OCCUPANCY, seed.occupancy_data("fa-arsta"), ComputeContext(START, END, ()))
    assert closed.row("2021-11")["occupancy"].state is FigureState.NOT_COMPUTABLE  # no places: no division


def test_missing_and_empty_make_sums_and_shares_incomplete_never_zero():
    data = seed.occupancy_data("fa-arsta").with_cell("2021-11", "men", MISSING).with_cell("2021-12", "women", Cell())
    table = _night("fa-arsta", data)
    for key in ("2021-11", "2021-12"):
        row = table.row(key)
        assert row["nights"].state is FigureState.INCOMPLETE
        assert row["women_share"].state is FigureState.INCOMPLETE
        assert row["occupancy"].state is FigureState.INCOMPLETE
        assert row["nights"].value is None
    assert table.total["men"].state is FigureState.INCOMPLETE
    assert table.total["women"].state is FigureState.INCOMPLETE
    assert table.total["occupancy"].state is FigureState.INCOMPLETE
    assert table.row("2022-01")["occupancy"].is_number  # other months are unaffected


def test_an_unreadable_value_is_shown_as_typed_and_computes_nothing():
    data = seed.occupancy_data("fa-arsta").with_cell("2021-11", "women", Cell.of("tvåhundra"))
    row = _night("fa-arsta", data).row("2021-11")
    assert row["women"].state is FigureState.INVALID and row["women"].text == "tvåhundra"
    assert row["nights"].state is FigureState.INCOMPLETE


def test_a_table_with_nothing_in_it():
    table = compute(OCCUPANCY, None, ComputeContext(START, END, (CapacityEntry(10),)))
    assert table.total["nights"].state is FigureState.EMPTY
    assert table.total["occupancy"].state is FigureState.INCOMPLETE
    assert table.row("2021-11")["offered"].value == 300


def test_kafe_norrmalm_visits_and_share_of_women():
    table = compute(VISITS, seed.visits_data("kafe-norrmalm"), ComputeContext(START, END))
    assert [row["total"].value for row in table.rows] == [1450, 817, 793, 1134, 1376, 1145]
    assert table.total["total"].value == 6715
    assert table.total["women"].value == 1809
    assert table.total["women_share"].text == "26,9\u00a0%"
    assert table.total["women_share"].value.quantize(Decimal(1)) == 27
    assert table.total["men_share"].value + table.total["women_share"].value == 100


def test_visits_with_only_month_totals_use_the_period_split():
    table = compute(VISITS, seed.visits_data("eu-center"), ComputeContext(START, END))
    assert table.row("2021-11")["women_share"].state is FigureState.INCOMPLETE
    assert table.total["total"].value == 9689
    assert table.total["women"].approximate and table.total["women"].text == "ca 2\u202f519"
    assert table.total["women_share"].value == 26
    assert table.total["men_share"].value == 74
    assert table.figures["unique_visitors"].value == 1209


def test_visits_given_only_for_the_period():
    table = compute(VISITS, seed.visits_data("crossroads"), ComputeContext(START, END))
    assert table.total["total"].value == 5208 and not table.total["total"].approximate
    assert table.total["women_share"].value == 18


def test_a_typed_month_total_stands_and_an_empty_one_is_the_sum():
    data = TableData(
        (
            Row("2021-11", None, {"women": Cell.of(10), "men": Cell.of(30)}),
            Row("2021-12", None, {"total": Cell.of(50), "women": Cell.of(5), "men": NOT_APPLICABLE}),
        )
    )
    table = compute(VISITS, data, ComputeContext(START, END))
    assert table.row("2021-11")["total"].value == 40 and table.row("2021-11")["total"].defaulted
    assert table.row("2021-12")["total"].value == 50
    assert table.row("2021-12")["women_share"].value == 10


def test_crossroads_advice_adds_up_to_1087():
    spec = build_spec(template_table("advice"), START, END)
    table = compute(spec, seed.advice_data(), ComputeContext(START, END))
    assert [row["total"].value for row in table.rows] == [191, 218, 248, 430]
    assert table.total["total"].value == 1087
    assert [table.total[m].value for m in seed.MONTHS] == [227, 178, 117, 153, 201, 211]


def test_tickets_per_shelter_and_month():
    spec = build_spec(template_table("tickets"), START, END)
    table = compute(spec, seed.tickets_data(), ComputeContext(START, END))
    assert [row["total.tickets"].value for row in table.rows] == list(seed.TICKETS_TOTAL_TICKETS_STATED)
    assert [row["total.places"].value for row in table.rows] == [655, 1004, 870, 798, 1015, 749]
    assert table.total["total.places"].value == seed.TICKETS_GRAND_STATED["places"]
    assert table.total["total.tickets"].value == seed.TICKETS_GRAND_STATED["tickets"]
    assert table.total["stadsmissionen.places"].value == 2604
    # February and March are blank in the seed: the total is not 59 until someone fills them in.
    assert table.total["no_place"].state is FigureState.INCOMPLETE
    filled = (
        seed.tickets_data().with_cell("2022-02", "no_place", Cell.of(0)).with_cell("2022-03", "no_place", Cell.of(0))
    )
    assert compute(spec, filled, ComputeContext(START, END)).total["no_place"].value == 59


def test_extra_cold_nights_log():
    spec = build_spec({"key": "ekn", "kind": "log"}, START, END)
    table = compute(spec, seed.ekn_data(), ComputeContext(START, END))
    assert table.summary["rows"].value == 11
    assert (table.total["men"].value, table.total["women"].value, table.total["total"].value) == (173, 96, 269)
    assert table.rows[0]["total"].value == 27 and table.rows[0]["date"].text == "30 nov 2021"
    assert table.rows[0].label == "Rad 1"


def test_blank_free_rows_are_left_out():
    spec = build_spec({"key": "ekn", "kind": "log"}, START, END)
    data = seed.ekn_data().with_row("blank")
    table = compute(spec, data, ComputeContext(START, END))
    assert table.summary["rows"].value == 11 and table.total["total"].value == 269


def test_capacity_table_gives_bed_nights_per_entry():
    spec = build_spec({"key": "capacity", "kind": "capacity"}, START, END)
    data = TableData(
        (
            Row("a", None, {"places": Cell.of(24), "from": Cell.of("2021-11-29"), "until": Cell.of("2022-04-15")}),
            Row("b", None, {"places": Cell.of(10)}),
        )
    )
    table = compute(spec, data, ComputeContext(START, END))
    assert table.rows[0]["nights"].value == 138 and table.rows[0]["bed_nights"].value == 3312
    assert table.rows[1]["from"].defaulted and table.rows[1]["bed_nights"].value == 1810
    assert table.total["bed_nights"].value == 5122
    assert table.total["places"].state is FigureState.EMPTY  # places per night do not add up over time


def test_facts_are_figures_or_answers():
    spec = build_spec(template_table("unique"), START, END)
    table = compute(spec, seed.facts_data(seed.UNIQUE["convictus-natt"]), ComputeContext(START, END))
    assert table.row("total")["value"].text == "ej tillämpligt"
    table = compute(spec, seed.facts_data(seed.UNIQUE["fa-arsta"]), ComputeContext(START, END))
    assert table.row("total")["value"].text == "uppgift saknas"
    basic = build_spec(template_table("basic_needs"), START, END)
    table = compute(basic, seed.facts_data(seed.BASIC_NEEDS["crossroads"]), ComputeContext(START, END))
    assert table.total["value"].value == seed.BASIC_NEEDS_STATED["crossroads"]


@pytest.mark.parametrize("unit", list(seed.OCCUPANCY))
def test_joint_row_totals_are_the_units_nights(unit):
    total = _night(unit).total
    women, men = total["women"], total["men"]
    expected = sum(w for w, _ in seed.OCCUPANCY[unit].values())
    assert women.value == expected
    if men.is_number:
        assert total["nights"].value == women.value + men.value


def test_period_with_unknown_rows_in_data_ignores_them():
    data = seed.occupancy_data("fa-arsta").with_cell("2023-01", "women", Cell.of(5))
    assert _night("fa-arsta", data).total["women"].value == 1238
    assert _night("fa-arsta", data).row("2023-01") is None
    assert _night("fa-arsta", data).cell("nope", "women").state is FigureState.EMPTY


def test_context_dates_bound_date_ranges():
    spec = build_spec({"key": "capacity", "kind": "capacity"}, START, END)
    data = TableData(
        (Row("a", None, {"places": Cell.of(1), "from": Cell.of("2020-01-01"), "until": Cell.of("2030-01-01")}),)
    )
    assert compute(spec, data, ComputeContext(START, END)).rows[0]["nights"].value == 181
    assert compute(spec, data, ComputeContext(date(2022, 5, 1), date(2022, 10, 31))).rows[0]["nights"].value == 184
