"""Properties of the engine that must hold for any data, not just the seed's."""

import json
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.statistics.template_tables import template_table
from webapp.statistics.aggregate import UnitTable, aggregate, unit_summary
from webapp.statistics.capacity import CapacityEntry, offered_bed_nights, offered_in_range
from webapp.statistics.cells import MISSING, NOT_APPLICABLE, Cell, Row, TableData, ValueType, parse_input
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.figures import FigureState
from webapp.statistics.formatting import format_number
from webapp.statistics.periods import period_months
from webapp.statistics.presets import build_spec
from webapp.statistics.specs import spec_from_dict, spec_to_dict

START, END = date(2021, 11, 1), date(2022, 4, 30)
MONTHS = ("2021-11", "2021-12", "2022-01", "2022-02", "2022-03", "2022-04")
OCCUPANCY = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
ADVICE = build_spec(template_table("advice"), START, END)
CONTEXT = ComputeContext(START, END, (CapacityEntry(30),))
FAST = settings(max_examples=60, deadline=None)

counts = st.integers(min_value=0, max_value=5000)
cells = st.one_of(counts.map(Cell.of), st.just(Cell()), st.just(MISSING), st.just(NOT_APPLICABLE))


def occupancy_data(values) -> TableData:
    return TableData(tuple(Row(m, None, {"women": Cell.of(w), "men": Cell.of(n)}) for m, (w, n) in zip(MONTHS, values)))


@FAST
@given(st.lists(st.tuples(counts, counts), min_size=6, max_size=6))
def test_totals_are_the_sum_of_their_parts(values):
    table = compute(OCCUPANCY, occupancy_data(values), CONTEXT)
    assert table.total["women"].value == sum(w for w, _ in values)
    assert table.total["men"].value == sum(n for _, n in values)
    assert table.total["nights"].value == sum(row["nights"].value for row in table.rows)
    for row, (women, men) in zip(table.rows, values):
        assert row["nights"].value == women + men


@FAST
@given(st.lists(st.lists(counts, min_size=6, max_size=6), min_size=1, max_size=4))
def test_category_totals_agree_across_and_down(grid):
    data = TableData(
        tuple(
            Row(row.key, None, {m: Cell.of(v) for m, v in zip(MONTHS, values)})
            for row, values in zip(ADVICE.rows, grid)
        )
    )
    table = compute(ADVICE, data, ComputeContext(START, END))
    filled = table.rows[: len(grid)]
    if len(grid) == len(ADVICE.rows):
        assert table.total["total"].value == sum(row["total"].value for row in filled)
        assert table.total["total"].value == sum(table.total[m].value for m in MONTHS)
    for row, values in zip(filled, grid):
        assert row["total"].value == sum(values)


@FAST
@given(counts, counts)
def test_shares_of_a_row_sum_to_100(women, men):
    row = compute(OCCUPANCY, occupancy_data([(women, men)] * 6), CONTEXT).rows[0]
    if women + men == 0:
        assert row["women_share"].state is FigureState.NOT_COMPUTABLE
        return
    exact = row["women_share"].value + row["men_share"].value
    assert abs(exact - 100) < Decimal("1e-20")
    shown = Decimal(row["women_share"].text[:-2].replace(",", ".")) + Decimal(
        row["men_share"].text[:-2].replace(",", ".")
    )
    assert abs(shown - 100) <= Decimal("0.1")


@FAST
@given(st.lists(st.tuples(cells, cells), min_size=6, max_size=6))
def test_empty_and_missing_never_count_as_zero(pairs):
    data = TableData(tuple(Row(m, None, {"women": w, "men": n}) for m, (w, n) in zip(MONTHS, pairs)))
    table = compute(OCCUPANCY, data, CONTEXT)
    for index, key in enumerate(("women", "men")):
        column = [pair[index] for pair in pairs]
        if any(c.state.value in ("empty", "missing") for c in column):
            assert not table.total[key].is_number
        else:
            assert table.total[key].is_number or table.total[key].state is FigureState.NOT_APPLICABLE
    for row, (women, men) in zip(table.rows, pairs):
        if any(c.state.value in ("empty", "missing") for c in (women, men)):
            assert not row["nights"].is_number
            assert not row["occupancy"].is_number
            assert not row["women_share"].is_number


unit_tables = st.lists(
    st.tuples(st.lists(st.tuples(cells, cells), min_size=6, max_size=6), st.integers(min_value=0, max_value=60)),
    min_size=1,
    max_size=5,
)


@FAST
@given(unit_tables, st.randoms(use_true_random=False))
def test_aggregation_does_not_depend_on_order(units, random):
    tables = [
        UnitTable(
            f"u{n}",
            f"Enhet {n}",
            TableData(tuple(Row(m, None, {"women": w, "men": x}) for m, (w, x) in zip(MONTHS, pairs))),
            ComputeContext(START, END, (CapacityEntry(places),)),
        )
        for n, (pairs, places) in enumerate(units)
    ]
    shuffled = list(tables)
    random.shuffle(shuffled)
    assert aggregate(OCCUPANCY, tables, CONTEXT) == aggregate(OCCUPANCY, shuffled, CONTEXT)
    assert unit_summary(OCCUPANCY, tables, CONTEXT) == unit_summary(OCCUPANCY, shuffled, CONTEXT)


@FAST
@given(st.lists(st.lists(st.tuples(counts, counts), min_size=6, max_size=6), min_size=1, max_size=4))
def test_joint_rows_are_the_sum_of_the_units(units):
    tables = [UnitTable(f"u{n}", f"Enhet {n}", occupancy_data(values), CONTEXT) for n, values in enumerate(units)]
    joint = aggregate(OCCUPANCY, tables, CONTEXT).table
    for index, row in enumerate(joint.rows):
        assert row["nights"].value == sum(w + m for values in units for w, m in [values[index]])
        assert row["offered"].value == 30 * len(units) * (
            30 if row.key in ("2021-11", "2022-04") else 28 if row.key == "2022-02" else 31
        )
    assert joint.total["nights"].value == sum(w + m for values in units for w, m in values)


keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1, max_size=12)
raw_values = st.one_of(
    st.integers(min_value=-(10**14), max_value=10**14), st.text(min_size=1, max_size=30).filter(lambda s: s.strip())
)
stored_cells = st.one_of(raw_values.map(Cell.of), st.just(MISSING), st.just(NOT_APPLICABLE))
rows = st.builds(Row, keys, st.one_of(st.none(), st.text(max_size=40)), st.dictionaries(keys, stored_cells, max_size=6))
table_data = st.builds(
    TableData,
    st.lists(rows, max_size=8, unique_by=lambda r: r.key),
    st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=50), max_size=3),
    st.dictionaries(keys, stored_cells, max_size=3),
)


@settings(max_examples=150, deadline=None)
@given(table_data)
def test_table_data_json_round_trips(data):
    stored = json.loads(json.dumps(data.to_json()))
    assert TableData.from_json(stored) == data
    assert TableData.from_json(stored).to_json() == data.to_json()


@FAST
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 1, 1)),
    st.integers(min_value=0, max_value=800),
    st.sampled_from(["capacity", "occupancy", "visits", "nationalities", "category_month", "log", "facts"]),
)
def test_specs_round_trip_for_any_period(start, days, kind):
    spec = build_spec({"key": "t", "kind": kind}, start, start + timedelta(days=days))
    assert spec_from_dict(json.loads(json.dumps(spec_to_dict(spec)))) == spec


@FAST
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_swedish_formatted_numbers_read_back(number):
    assert parse_input(format_number(number), ValueType.INTEGER) == Cell.of(number)


@FAST
@given(
    st.integers(min_value=0, max_value=200),
    st.dates(min_value=date(2021, 1, 1), max_value=date(2023, 1, 1)),
    st.integers(min_value=0, max_value=400),
)
def test_monthly_offered_adds_up_to_the_period(places, opens, length):
    entry = CapacityEntry(places, opens, opens + timedelta(days=length))
    monthly = [offered_bed_nights([entry], *month, (START, END)) for month in period_months(START, END)]
    assert sum(monthly) == offered_in_range([entry], START, END)


SPECS = [
    build_spec(template_table(key, section), START, END)
    for key, section in (
        ("capacity", None),
        ("occupancy", None),
        ("visits", None),
        ("nationalities", "dag-nationaliteter"),
        ("tickets", None),
        ("advice", None),
        ("ekn", None),
        ("basic_needs", None),
    )
]
messy_values = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**14),
    st.sampled_from(
        ["12,5", "-3", "1 054", "RO", "Atlantis", "2021-12-24", "2031-01-01", "abc", "1e9", "0", "100", "150", "∞"]
    ),
)
messy_cells = st.one_of(messy_values.map(Cell.of), st.just(MISSING), st.just(NOT_APPLICABLE), st.just(Cell()))


@st.composite
def messy_table(draw):
    spec = draw(st.sampled_from(SPECS))
    row_keys = [r.key for r in spec.rows] or ["r1", "r2", "r3"]
    column_keys = [c.key for c in spec.inputs] + ["stray"]
    rows = tuple(
        Row(
            key,
            draw(st.one_of(st.none(), st.just("Etikett"))),
            draw(st.dictionaries(st.sampled_from(column_keys), messy_cells, max_size=len(column_keys))),
        )
        for key in draw(st.lists(st.sampled_from(row_keys + ["2030-01", "x"]), unique=True, max_size=8))
    )
    figures = draw(st.dictionaries(st.sampled_from([f.key for f in spec.figures] or ["none"]), messy_cells, max_size=3))
    return spec, TableData(rows, figures=figures)


@settings(max_examples=200, deadline=None)
@given(messy_table(), st.one_of(st.none(), st.just(()), st.just((CapacityEntry(0),)), st.just((CapacityEntry(20),))))
def test_any_data_computes_and_validates_without_crashing(spec_and_data, capacity):
    from webapp.statistics.validate import blocking, validate

    spec, data = spec_and_data
    context = ComputeContext(START, END, capacity)
    table = compute(spec, data, context)
    issues = validate(spec, data, context, previous=table)
    for row in table.all_rows:
        for column in spec.columns:
            assert isinstance(row[column.key].text, str)
    assert all(issue.message[0].isupper() and issue.message.endswith(".") for issue in issues)
    assert blocking(issues, {}) == bool(issues)
