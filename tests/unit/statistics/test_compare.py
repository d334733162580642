"""Period over period: previous value, current value, change."""

from datetime import date
from decimal import Decimal

from tests.unit.statistics import seed_figures as seed
from tests.unit.statistics.template_tables import template_table
from webapp.statistics.capacity import CapacityEntry
from webapp.statistics.cells import Cell, Row, TableData
from webapp.statistics.compare import compare
from webapp.statistics.compute import TOTAL_KEY, ComputeContext, compute
from webapp.statistics.figures import FigureState
from webapp.statistics.presets import build_spec

START, END = seed.PERIOD_START, seed.PERIOD_END


def _tables():
    spec = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
    context = ComputeContext(START, END, (CapacityEntry(50),))
    previous = compute(spec, seed.occupancy_data("stadsmissionen-natt"), context)
    new_start, new_end = date(2022, 11, 1), date(2023, 4, 30)
    new_spec = build_spec({"key": "occupancy", "kind": "occupancy"}, new_start, new_end)
    rows = tuple(
        Row(f"{int(r.key[:4]) + 1}{r.key[4:]}", None, {"women": r.cells["women"], "men": Cell.of(500)})
        for r in seed.occupancy_data("stadsmissionen-natt").rows
    )
    current = compute(new_spec, TableData(rows[:-1]), ComputeContext(new_start, new_end, (CapacityEntry(50),)))
    return previous, current


def test_rows_are_matched_by_calendar_month_and_totals_always():
    previous, current = _tables()
    comparison = compare(current, previous)
    january = comparison.get("2023-01", "men")
    assert (january.previous.value, january.current.value) == (702, 500)
    assert january.change_percent.quantize(Decimal("0.1")) == Decimal("-28.8")
    total = comparison.get(TOTAL_KEY, "nights")
    assert total.previous.value == 6322
    assert total.current.state is FigureState.INCOMPLETE  # April not reported yet
    assert total.change_percent is None


def test_percentages_change_in_points():
    previous, current = _tables()
    share = compare(current, previous).get("2022-11", "women_share")
    assert share.change_percent is None
    assert share.change_points == share.current.value - share.previous.value


def test_no_previous_table_no_changes_and_columns_can_be_chosen():
    previous, current = _tables()
    assert compare(current, None).changes == ()
    chosen = compare(current, previous, ["nights"])
    assert {c.column_key for c in chosen.changes} == {"nights"}
    assert chosen.get("2022-11", "women") is None


def test_free_rows_compare_only_their_totals_and_half_years_only_their_totals():
    spec = build_spec({"key": "ekn", "kind": "log"}, START, END)
    table = compute(spec, seed.ekn_data(), ComputeContext(START, END))
    assert {c.row_key for c in compare(table, table).changes} == {TOTAL_KEY}
    summer = build_spec({"key": "occupancy", "kind": "occupancy"}, date(2022, 5, 1), date(2022, 10, 31))
    before = compute(summer, TableData(), ComputeContext(date(2022, 5, 1), date(2022, 10, 31)))
    previous, _ = _tables()
    assert {c.row_key for c in compare(previous, before).changes} == {TOTAL_KEY}


def test_zero_before_is_not_a_percentage():
    spec = build_spec(template_table("respondents"), START, END)
    context = ComputeContext(START, END)
    before = compute(spec, seed.facts_data({"respondents": 0}), context)
    after = compute(spec, seed.facts_data({"respondents": 25}), context)
    assert compare(after, before).get("respondents", "value").change_percent is None
