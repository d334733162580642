"""Validation: each error and warning, messages naming row and column, and what blocks submission."""

from datetime import date

import pytest

from tests.unit.statistics import seed_figures as seed
from tests.unit.statistics.template_tables import template_table
from webapp.statistics.capacity import CapacityEntry
from webapp.statistics.cells import MISSING, NOT_APPLICABLE, Cell, Row, TableData
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.presets import build_spec
from webapp.statistics.validate import Level, blocking, unresolved, validate

START, END = seed.PERIOD_START, seed.PERIOD_END
OCCUPANCY = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
STADSMISSIONEN = ComputeContext(START, END, (CapacityEntry(50),))


def _issues(spec, data, context=None, previous=None):
    return validate(spec, data, context or ComputeContext(START, END), previous)


def _only(issues, code):
    found = [i for i in issues if i.code == code]
    assert len(found) == 1, [i.message for i in issues]
    return found[0]


def test_the_seed_tables_validate_cleanly():
    for unit in seed.OCCUPANCY:
        assert (
            _issues(OCCUPANCY, seed.occupancy_data(unit), ComputeContext(START, END, seed.capacity_schedule(unit)))
            == ()
        )
    advice = build_spec(template_table("advice"), START, END)
    assert _issues(advice, seed.advice_data()) == ()
    ekn = build_spec({"key": "ekn", "kind": "log"}, START, END)
    assert _issues(ekn, seed.ekn_data()) == ()


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        ("många", "not_integer", "November, Kvinnor: ange ett heltal."),
        ("12.5", "has_decimals", "November, Kvinnor: ange ett heltal, utan decimaler."),
        (-3, "negative", "November, Kvinnor: får inte vara negativt."),
        ("1" * 20, "too_large", "November, Kvinnor: talet är orimligt stort."),
    ],
)
def test_unreadable_or_impossible_numbers_are_errors_naming_row_and_column(raw, code, message):
    data = seed.occupancy_data("stadsmissionen-natt").with_cell("2021-11", "women", Cell.of(raw))
    issue = _only(_issues(OCCUPANCY, data, STADSMISSIONEN), code)
    assert issue.level is Level.ERROR and issue.message == message
    assert (issue.row_key, issue.column_key) == ("2021-11", "women")
    assert issue.id == f"{code}:2021-11:women"


def test_an_empty_required_cell_is_an_error():
    spec = build_spec({"key": "ekn", "kind": "log"}, START, END)
    data = TableData((Row("r1", None, {"date": Cell.of("2021-12-01"), "men": Cell.of(3), "women": Cell.of(2)}),))
    issue = _only(_issues(spec, data), "required")
    assert issue.message.startswith("Rad 1, Lokal: fyll i ett värde")
    answered = data.with_cell("r1", "place", MISSING)
    assert not [i for i in _issues(spec, answered) if i.is_error]


def test_unknown_and_duplicate_countries_are_errors():
    spec = build_spec({"key": "nationalities", "kind": "nationalities"}, START, END)
    data = TableData(
        (
            Row("a", None, {"country": Cell.of("RO"), "count": Cell.of(5)}),
            Row("b", None, {"country": Cell.of("Atlantis"), "count": Cell.of(2)}),
            Row("c", None, {"country": Cell.of("RO"), "count": Cell.of(1)}),
        )
    )
    issues = _issues(spec, data)
    assert _only(issues, "unknown_country").message == "Rad 2, Land: okänt land ”Atlantis”; välj ett land ur listan."
    assert _only(issues, "duplicate_country").message == "Rad 3, Land: Rumänien finns redan på raden Rad 1."


def test_shares_over_100_per_cent_are_errors():
    spec = build_spec({"key": "nationalities", "kind": "nationalities"}, START, END)
    one = TableData((Row("a", None, {"country": Cell.of("RO"), "share": Cell.of("120")}),))
    assert (
        _only(_issues(spec, one), "share_over_100").message
        == "Rad 1, Andel, % (om antal saknas): en andel kan inte vara över 100\u00a0%."
    )
    many = TableData(tuple(Row(c, None, {"country": Cell.of(c), "share": Cell.of(40)}) for c in ("RO", "PL", "BG")))
    assert _only(_issues(spec, many), "shares_over_100").message.startswith(
        "Summa listade, Andel, % (om antal saknas): andelarna blir tillsammans 120,0"
    )
    rounded = TableData(
        tuple(
            Row(c, None, {"country": Cell.of(c), "share": Cell.of(s)})
            for c, s in (("RO", 65), ("PL", 16), ("IT", 10), ("LV", 6), ("BG", 4))
        )
    )
    assert _issues(spec, rounded) == ()  # 101 % is rounding, not an error
    counted = seed.nationality_count_data("ng-inskrivning").with_figure("base", Cell.of(300))
    issue = next(i for i in _issues(spec, counted) if i.code == "share_over_100")
    assert issue.message.startswith("Rad 1, Andel: andelen blir 102,0\u00a0%, över 100\u00a0%")


def test_a_computed_share_over_100_per_cent_is_an_error():
    visits = build_spec({"key": "visits", "kind": "visits"}, START, END)
    data = TableData((Row("2021-11", None, {"women": Cell.of(60), "men": NOT_APPLICABLE, "total": Cell.of(50)}),))
    issues = _issues(visits, data)
    assert _only(issues, "share_over_100").message.startswith("November, Andel kvinnor: andelen blir 120,0\u00a0%")


def test_a_typed_total_that_contradicts_its_parts_is_an_error():
    visits = build_spec({"key": "visits", "kind": "visits"}, START, END)
    data = TableData((Row("2021-11", None, {"women": Cell.of(10), "men": Cell.of(30), "total": Cell.of(45)}),))
    assert (
        _only(_issues(visits, data), "sum_mismatch").message
        == "November, Besök totalt: Kvinnor + Män blir 40, inte 45."
    )


def test_unreadable_dates_and_dates_in_the_wrong_order():
    capacity = build_spec({"key": "capacity", "kind": "capacity"}, START, END)
    data = TableData(
        (
            Row("a", None, {"places": Cell.of(24), "from": Cell.of("2022-04-15"), "until": Cell.of("2021-11-29")}),
            Row("b", None, {"places": Cell.of(24), "from": Cell.of("snart")}),
        )
    )
    issues = _issues(capacity, data)
    assert _only(issues, "date_order").message == "Rad 1, Till och med: ligger före från och med."
    assert _only(issues, "not_date").message == "Rad 2, Från och med: ange ett datum, till exempel 2021-11-30."
    decimal = build_spec({"key": "visits", "kind": "visits"}, START, END)
    bad = TableData(figures={"period_women_share": Cell.of("hälften")})
    assert _only(_issues(decimal, bad), "not_number").message.startswith("Andel kvinnor under perioden")


def test_occupancy_over_100_per_cent_is_a_warning_a_justification_lifts():
    data = seed.occupancy_data("stadsmissionen-natt").with_cell("2021-12", "men", Cell.of(1500))
    issues = _issues(OCCUPANCY, data, STADSMISSIONEN)
    issue = _only(issues, "above_limit")
    assert issue.level is Level.WARNING
    assert issue.message == (
        "December, Beläggning: 107,9\u00a0% är över 100\u00a0%; kontrollera siffrorna eller förklara varför."
    )
    assert blocking(issues, {})
    assert not blocking(issues, {issue.id: "Extra madrasser under kylan"})
    assert not blocking(issues, {issue.id: "ok"})
    assert blocking(issues, {issue.id: "   "})


def test_a_justification_never_lifts_an_error():
    data = seed.occupancy_data("stadsmissionen-natt").with_cell("2021-11", "women", Cell.of("x"))
    issues = _issues(OCCUPANCY, data, STADSMISSIONEN)
    error = _only(issues, "not_integer")
    assert blocking(issues, {error.id: "Det är rätt"})
    assert unresolved(issues, {error.id: "Det är rätt"}) == (error,)


def test_a_missing_month_and_an_empty_cell_are_warnings():
    data = seed.occupancy_data("fa-arsta").without_row("2022-04").with_cell("2022-03", "men", Cell())
    issues = _issues(OCCUPANCY, data, ComputeContext(START, END, seed.capacity_schedule("fa-arsta")))
    month = _only(issues, "month_missing")
    assert month.message.startswith("April: inga uppgifter ifyllda")
    assert month.id == "month_missing:2022-04:-"
    cell = _only(issues, "empty")
    assert cell.message.startswith("Mars, Män: inte ifyllt") and cell.level is Level.WARNING
    answered = data.with_cell("2022-04", "women", NOT_APPLICABLE).with_cell("2022-04", "men", NOT_APPLICABLE)
    assert not any(i.code == "month_missing" for i in _issues(OCCUPANCY, answered))


def test_changing_offered_bed_nights_needs_a_note():
    data = seed.occupancy_data("stadsmissionen-natt").with_cell("2021-12", "offered", Cell.of(1450))
    issue = _only(_issues(OCCUPANCY, data, STADSMISSIONEN), "override_without_note")
    assert issue.message == (
        "December, Erbjudna sängplatser: avviker från kapaciteten (1\u202f550); skriv i en anteckning varför."
    )
    noted = data.with_note("2021-12", "offered", "Stängt två nätter för sanering")
    assert not any(i.code == "override_without_note" for i in _issues(OCCUPANCY, noted, STADSMISSIONEN))
    same = seed.occupancy_data("stadsmissionen-natt").with_cell("2021-12", "offered", Cell.of(1550))
    assert _issues(OCCUPANCY, same, STADSMISSIONEN) == ()


def test_a_change_of_more_than_30_per_cent_against_last_year_is_a_warning():
    previous = compute(OCCUPANCY, seed.occupancy_data("stadsmissionen-natt"), STADSMISSIONEN)
    fewer = seed.occupancy_data("stadsmissionen-natt").with_cell("2022-01", "men", Cell.of(400))
    this_year = build_spec({"key": "occupancy", "kind": "occupancy"}, date(2022, 11, 1), date(2023, 4, 30))
    moved = TableData(tuple(Row(f"{int(r.key[:4]) + 1}{r.key[4:]}", None, r.cells) for r in fewer.rows))
    issues = validate(
        this_year, moved, ComputeContext(date(2022, 11, 1), date(2023, 4, 30), (CapacityEntry(50),)), previous
    )
    changes = [i for i in issues if i.code == "change"]
    assert [(i.row_key, i.column_key) for i in changes] == [("2023-01", "men"), ("2023-01", "nights")]
    assert changes[0].message == "Januari, Män: 43\u00a0% lägre än förra perioden (702 → 400); förklara gärna varför."
    assert all(i.level is Level.WARNING for i in changes)


def test_small_figures_and_unmatched_months_do_not_warn_about_change():
    facts = build_spec(template_table("respondents"), START, END)
    before = compute(facts, seed.facts_data({"respondents": 3}), ComputeContext(START, END))
    assert _issues(facts, seed.facts_data({"respondents": 6}), previous=before) == ()
    jumped = _issues(facts, seed.facts_data({"respondents": 60}), previous=before)
    assert _only(jumped, "change").message.startswith("Antal svarande, Antal: 1\u202f900\u00a0% högre")
    summer = build_spec({"key": "occupancy", "kind": "occupancy"}, date(2021, 5, 1), date(2021, 10, 31))
    previous = compute(summer, TableData(), ComputeContext(date(2021, 5, 1), date(2021, 10, 31)))
    assert not any(i.code == "change" for i in _issues(OCCUPANCY, seed.occupancy_data("fa-arsta"), previous=previous))


def test_a_period_total_that_contradicts_the_months_is_a_warning():
    visits = build_spec({"key": "visits", "kind": "visits"}, START, END)
    data = seed.visits_data("kafe-norrmalm").with_figure("period_total", Cell.of(6000))
    issue = _only(_issues(visits, data), "period_total_mismatch")
    assert issue.message == (
        "Besök under perioden (om siffror per månad saknas): 6\u202f000 stämmer inte med summan av månaderna "
        "(6\u202f715)."
    )


def test_a_logged_date_outside_the_period_is_a_warning_and_unknown_rows_too():
    ekn = build_spec({"key": "ekn", "kind": "log"}, START, END)
    data = seed.ekn_data().with_cell("r1", "date", Cell.of("2021-10-30"))
    assert (
        _only(_issues(ekn, data), "date_outside_period").message
        == "Rad 1, Datum: datumet ligger utanför rapportperioden."
    )
    stray = seed.occupancy_data("fa-arsta").with_cell("2023-01", "women", Cell.of(3))
    issue = _only(
        _issues(OCCUPANCY, stray, ComputeContext(START, END, seed.capacity_schedule("fa-arsta"))), "unknown_row"
    )
    assert issue.level is Level.WARNING


def test_errors_come_before_warnings_and_issue_ids_are_unique():
    data = (
        seed.occupancy_data("stadsmissionen-natt")
        .with_cell("2021-11", "women", Cell.of("x"))
        .with_cell("2021-12", "men", Cell.of(2000))
        .without_row("2022-04")
    )
    issues = _issues(OCCUPANCY, data, STADSMISSIONEN)
    levels = [i.level for i in issues]
    assert levels == sorted(levels, key=lambda level: level is Level.WARNING)
    assert len({i.id for i in issues}) == len(issues)
