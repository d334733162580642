"""Ratios that are not percentages (guests per night) and stated period figures checked against the engine."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.statistics.template_tables import template_table
from webapp.statistics import figures as fig
from webapp.statistics.cells import MISSING, NOT_APPLICABLE, Cell, Row, TableData
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.figures import FigureState
from webapp.statistics.formatting import format_number
from webapp.statistics.layout import table_layout
from webapp.statistics.presets import KIND_HOOKS, build_spec
from webapp.statistics.specs import ComputedKind, SpecError, spec_from_dict, spec_to_dict
from webapp.statistics.validate import blocking, validate

START, END = date(2021, 11, 1), date(2022, 4, 30)
CONTEXT = ComputeContext(START, END)
MONTHS = ("2021-11", "2021-12", "2022-01", "2022-02", "2022-03", "2022-04")
LOG = {
    "key": "ekn",
    "kind": "log",
    "title": "Extra kalla nätter",
    "columns": [
        {"key": "place", "label": "Lokal", "type": "text"},
        {"key": "guests", "label": "Gäster"},
        {"key": "nights", "label": "Nätter"},
    ],
    "sum": [],
    "ratios": [{"key": "per_night", "label": "Gäster per natt", "numerator": "guests", "denominator": "nights"}],
}
FAST = settings(max_examples=80, deadline=None)


def log_data(rows) -> TableData:
    return TableData(
        tuple(
            Row(f"r{i}", None, {"place": Cell.of(f"Lokal {i}"), "guests": guests, "nights": nights})
            for i, (guests, nights) in enumerate(rows, start=1)
        )
    )


def test_a_ratio_is_a_plain_number_with_one_decimal_by_default():
    spec = build_spec(LOG, START, END)
    column = spec.column("per_night")
    assert column.kind is ComputedKind.QUOTIENT and column.decimals == 1 and not column.percent
    table = compute(spec, log_data([(Cell.of(49), Cell.of(2)), (Cell.of(20), Cell.of(1))]), CONTEXT)
    assert [row["per_night"].text for row in table.rows] == ["24,5", "20,0"]
    # The total is 69 guests over 3 nights, not the mean of 24,5 and 20.
    assert table.total["per_night"].text == "23,0"
    assert "%" not in table.total["per_night"].text


def test_decimals_are_chosen_in_the_entry_and_rounded_half_up():
    entry = {**LOG, "ratios": [{**LOG["ratios"][0], "decimals": 2}]}
    spec = build_spec(entry, START, END)
    table = compute(spec, log_data([(Cell.of(2), Cell.of(3)), (Cell.of(1), Cell.of(8))]), CONTEXT)
    assert [row["per_night"].text for row in table.rows] == ["0,67", "0,13"]  # 0,125 → 0,13 (half up)
    zero = build_spec({**LOG, "ratios": [{**LOG["ratios"][0], "decimals": 0}]}, START, END)
    assert compute(zero, log_data([(Cell.of(5), Cell.of(2))]), CONTEXT).rows[0]["per_night"].text == "3"


def test_large_ratios_group_thousands_the_swedish_way():
    spec = build_spec(LOG, START, END)
    table = compute(spec, log_data([(Cell.of(1234567), Cell.of(2))]), CONTEXT)
    assert table.rows[0]["per_night"].text == "617\u202f283,5"


def test_zero_denominator_and_unknown_inputs_keep_the_engine_states():
    spec = build_spec(LOG, START, END)
    table = compute(
        spec,
        log_data(
            [
                (Cell.of(10), Cell.of(0)),
                (MISSING, Cell.of(3)),
                (Cell.of(4), NOT_APPLICABLE),
                (Cell.of(4), Cell()),
            ]
        ),
        CONTEXT,
    )
    states = [row["per_night"].state for row in table.rows]
    assert states == [
        FigureState.NOT_COMPUTABLE,
        FigureState.MISSING,
        FigureState.NOT_APPLICABLE,
        FigureState.INCOMPLETE,
    ]
    assert [row["per_night"].text for row in table.rows] == ["–", "uppgift saknas", "ej tillämpligt", "ofullständigt"]
    assert fig.quotient(fig.number(1), fig.number(0)).state is FigureState.NOT_COMPUTABLE


@FAST
@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=400)),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=0, max_value=4),
)
def test_the_total_ratio_is_total_over_total(rows, decimals):
    entry = {**LOG, "ratios": [{**LOG["ratios"][0], "decimals": decimals}]}
    spec = build_spec(entry, START, END)
    table = compute(spec, log_data([(Cell.of(g), Cell.of(n)) for g, n in rows]), CONTEXT)
    guests, nights = sum(g for g, _ in rows), sum(n for _, n in rows)
    total = table.total["per_night"]
    if nights == 0:
        assert total.state is FigureState.NOT_COMPUTABLE
    else:
        assert total.value == Decimal(guests) / Decimal(nights)
        assert total.text == format_number(Decimal(guests) / Decimal(nights), decimals)
        shown_decimals = total.text.partition(",")[2]
        assert len(shown_decimals) == decimals
    for row, (g, n) in zip(table.rows, rows):
        if n:
            assert row["per_night"].value * n == pytest.approx(g)


def test_a_ratio_of_computed_columns_on_month_rows():
    """The template's tickets per night: the summed tickets of all shelters over nights."""
    spec = build_spec(template_table("tickets"), START, END)
    cells = {
        "stadsmissionen.tickets": Cell.of(284),
        "fa-arsta.tickets": Cell.of(133),
        "fa-liljeholmen.tickets": Cell.of(25),
        "nights": Cell.of(30),
    }
    data = TableData(tuple(Row(m, None, cells) for m in MONTHS))
    table = compute(spec, data, CONTEXT)
    assert table.row("2021-11")["tickets_per_night"].text == "14,7"  # 442 / 30
    assert table.total["tickets_per_night"].text == "14,7"  # 2 652 / 180


def test_the_read_only_table_shows_the_ratio_as_a_number_column():
    spec = build_spec(LOG, START, END)
    layout = table_layout(compute(spec, log_data([(Cell.of(49), Cell.of(2))]), CONTEXT))
    assert [c.key for c in layout.columns] == ["place", "guests", "nights", "per_night"]
    assert layout.rows[0][-1].text == "24,5" and layout.rows[0][-1].classes == "num"
    assert layout.total[-1].text == "24,5"


def test_a_ratio_round_trips_through_the_stored_spec():
    spec = build_spec(LOG, START, END)
    assert spec_from_dict(spec_to_dict(spec)) == spec


@pytest.mark.parametrize(
    ("ratio", "message"),
    [
        ({"numerator": "guests", "denominator": "beds"}, "nämnaren i kvoten 'Gäster per natt' (per_night) är en okänd"),
        ({"numerator": "per_night", "denominator": "nights"}, "kan inte räknas ut ur sig själv (täljaren)"),
        ({"numerator": "place", "denominator": "nights"}, "täljaren i kvoten 'Gäster per natt' (per_night), 'place', "),
        ({"numerator": "guests"}, "behöver en täljare och en nämnare"),
        ({"numerator": "guests", "denominator": "nights", "decimals": 9}, "ska ha 0–6 decimaler"),
        ({"numerator": "guests", "denominator": "nights", "decimals": "1"}, "decimaler ska vara ett heltal"),
        ({"numerator": "guests", "denominator": "nights", "colour": "red"}, "okänt fält 'colour'"),
    ],
)
def test_a_wrong_ratio_is_refused_with_a_swedish_message(ratio, message):
    entry = {**LOG, "ratios": [{"key": "per_night", "label": "Gäster per natt", **ratio}]}
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        build_spec(entry, START, END)


# --- stated period figures --------------------------------------------------------------------

NATIONALITIES = {
    "key": "nationalities",
    "kind": "nationalities",
    "period_figures": [
        {"key": "stated_eu", "label": "EU/EES enligt verksamheten, %", "checks": "eu_eea_share", "percent": True}
    ],
}
TOP_FIVE = (("PL", 1573), ("RO", 1034), ("NG", 815), ("GH", 251), ("MA", 249))


def _nationalities(stated: str | None, base: int | None = 5208, rows=TOP_FIVE):
    spec = build_spec(NATIONALITIES, START, END)
    figures = {"stated_eu": Cell.of(stated)} if stated is not None else {}
    if base is not None:
        figures["base"] = Cell.of(base)
    data = TableData(
        tuple(Row(f"r{i}", None, {"country": Cell.of(c), "count": Cell.of(n)}) for i, (c, n) in enumerate(rows, 1)),
        figures=figures,
    )
    table = compute(spec, data, CONTEXT, KIND_HOOKS)
    return spec, data, table, validate(spec, data, CONTEXT, computed=table)


def _stated(issues):
    return [i for i in issues if i.code == "stated_mismatch"]


def test_a_stated_share_inside_what_a_top_list_allows_agrees():
    # The top five put 50,1 % in the EU/EES for sure and 24,7 % nowhere yet: 66 % may well be right.
    _, _, table, issues = _nationalities("66")
    assert not _stated(issues)
    assert table.figures["stated_eu"].text == "66,0\u00a0%"
    shown = [(f.label, f.text) for f in table_layout(table).figures]
    assert ("EU/EES enligt verksamheten", "66,0\u00a0%") in shown


def test_a_stated_share_outside_what_the_list_allows_is_a_warning_to_justify():
    spec, data, _, issues = _nationalities("45")
    [issue] = _stated(issues)
    assert issue.level == "warning"
    assert issue.message == (
        "EU/EES enligt verksamheten, %: angiven siffra 45,0\u00a0% skiljer sig från den beräknade "
        "50,1\u00a0%–74,8\u00a0%; kontrollera siffrorna eller förklara skillnaden."
    )
    assert blocking(issues, {})
    assert not _stated([i for i in issues if i.id not in {issue.id}])
    justified = {i.id: "Ett fel i listan" for i in issues if not i.is_error}
    assert not blocking([i for i in issues if not i.is_error], justified)


def test_a_complete_list_is_compared_after_rounding_as_stated():
    rows = (("PL", 656), ("NG", 344))  # 65,6 % EU/EES of everyone
    assert not _stated(_nationalities("66", base=None, rows=rows)[3])
    assert not _stated(_nationalities("65,6", base=None, rows=rows)[3])
    [issue] = _stated(_nationalities("65,4", base=None, rows=rows)[3])
    assert "angiven siffra 65,4\u00a0% skiljer sig från den beräknade 65,6\u00a0%" in issue.message


def test_a_stated_total_is_checked_against_the_column_total():
    entry = {
        "key": "visits",
        "kind": "visits",
        "period_figures": [{"key": "stated_total", "label": "Besök enligt kassan", "checks": "total"}],
    }
    spec = build_spec(entry, START, END)
    rows = tuple(Row(m, None, {"women": Cell.of(10), "men": Cell.of(20)}) for m in MONTHS)  # 180 visits
    for stated, warned in (("180", False), ("200", True)):
        data = TableData(rows, figures={"stated_total": Cell.of(stated)})
        issues = validate(spec, data, CONTEXT)
        assert bool(_stated(issues)) is warned
    [issue] = _stated(validate(spec, TableData(rows, figures={"stated_total": Cell.of("200")}), CONTEXT))
    assert issue.message == (
        "Besök enligt kassan: angiven siffra 200 skiljer sig från den beräknade 180; "
        "kontrollera siffrorna eller förklara skillnaden."
    )
    # An incomplete total cannot be compared: no warning about the stated figure.
    partial = TableData(rows[:3], figures={"stated_total": Cell.of("200")})
    assert not _stated(validate(spec, partial, CONTEXT))


@pytest.mark.parametrize(
    ("figure", "message"),
    [
        ({"checks": "beds"}, "jämförs med okänd kolumn 'beds'"),
        ({"checks": "eu_eea_share", "type": "text"}, "en periodsiffra är ett heltal eller decimaltal"),
        ({"checks": 3}, "checks ska vara en kolumns nyckel"),
    ],
)
def test_a_wrong_period_figure_is_refused(figure, message):
    entry = {"key": "visits", "kind": "visits", "period_figures": [{"key": "x", "label": "X", **figure}]}
    with pytest.raises(SpecError, match=message):
        build_spec(entry, START, END)


# --- the admin's form ----------------------------------------------------------------------------


def test_ratios_and_period_figures_round_trip_through_the_table_form():
    from webapp.services.report_templates.tables import entry_from_form, form_values

    entry = {
        **LOG,
        "period_figures": [{"key": "stated", "label": "Gäster enligt kyrkorna", "checks": "guests"}],
    }
    entry["ratios"] = [{**LOG["ratios"][0], "decimals": 2}]
    values = form_values(entry)
    assert values.ratios == "per_night = Gäster per natt | guests / nights | 2"
    assert values.period_figures == "stated = Gäster enligt kyrkorna | guests"
    assert "ratios" not in values.options and "period_figures" not in values.options
    assert entry_from_form("ekn", "log", values) == entry
    percent = form_values({**entry, "period_figures": [{"key": "eu", "label": "EU", "percent": True, "decimals": 0}]})
    assert percent.period_figures == "eu = EU |  | procent 0"
    assert entry_from_form("ekn", "log", percent)["period_figures"] == [
        {"key": "eu", "label": "EU", "percent": True, "decimals": 0}
    ]


# --- joint tables -----------------------------------------------------------------------------------

VISITS = {
    "key": "visits",
    "kind": "visits",
    "ratios": [{"key": "women_per_man", "label": "Kvinnor per man", "numerator": "women", "denominator": "men"}],
}


def _visits(values) -> TableData:
    return TableData(tuple(Row(m, None, {"women": Cell.of(w), "men": Cell.of(n)}) for m, (w, n) in zip(MONTHS, values)))


unit_months = st.lists(
    st.tuples(st.integers(min_value=0, max_value=900), st.integers(min_value=1, max_value=900)), min_size=6, max_size=6
)


@FAST
@given(st.lists(unit_months, min_size=1, max_size=4))
def test_joint_ratios_divide_the_joint_sums(units):
    from webapp.statistics.aggregate import UnitTable, aggregate, unit_summary

    spec = build_spec(VISITS, START, END)
    tables = [UnitTable(f"u{i}", f"Enhet {i}", _visits(values), CONTEXT) for i, values in enumerate(units)]
    joint = aggregate(spec, tables, CONTEXT).table
    for index, month in enumerate(MONTHS):
        women = sum(values[index][0] for values in units)
        men = sum(values[index][1] for values in units)
        assert joint.row(month)["women_per_man"].value == Decimal(women) / Decimal(men)
    summary = unit_summary(spec, tables, CONTEXT).table
    for row, values in zip(summary.rows, units):
        assert row["women_per_man"].value == Decimal(sum(w for w, _ in values)) / Decimal(sum(n for _, n in values))
    all_women = sum(w for values in units for w, _ in values)
    all_men = sum(n for values in units for _, n in values)
    assert summary.total["women_per_man"].value == Decimal(all_women) / Decimal(all_men)
    assert joint.total["women_per_man"].value == summary.total["women_per_man"].value


def test_a_stated_number_of_nights_is_checked_against_the_log_rows():
    entry = {**LOG, "period_figures": [{"key": "stated_nights", "label": "Antal nätter", "checks": "rows"}]}
    spec = build_spec(entry, START, END)
    rows = log_data([(Cell.of(27), Cell.of(1)), (Cell.of(29), Cell.of(1))]).rows
    for stated, warned in (("2", False), ("11", True)):
        data = TableData(rows, figures={"stated_nights": Cell.of(stated)})
        issues = validate(spec, data, CONTEXT, computed=compute(spec, data, CONTEXT))
        assert bool(_stated(issues)) is warned
