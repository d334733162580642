"""Specs and presets: every table of the 2021–22 template builds, and specs survive storage."""

import json
from datetime import date
from decimal import Decimal

import pytest

from tests.unit.statistics.template_tables import template_table, template_tables
from webapp.statistics.cells import ValueType
from webapp.statistics.presets import KIND_FIELDS, build_spec, slug
from webapp.statistics.specs import (
    ColumnDefault,
    ComputedColumn,
    ComputedKind,
    DefaultKind,
    FixedRow,
    InputColumn,
    RowSource,
    SpecError,
    TableKind,
    TableSpec,
    spec_from_dict,
    spec_to_dict,
)

START, END = date(2021, 11, 1), date(2022, 4, 30)
DEMO_PERIODS = ((START, END), (date(2022, 11, 1), date(2023, 4, 30)))


@pytest.mark.parametrize(("start", "end"), DEMO_PERIODS)
def test_every_table_of_the_template_builds_and_round_trips(start, end):
    tables = [raw for _section, raw in template_tables()]
    assert {t["key"] for t in tables} == {
        "capacity",
        "occupancy",
        "unique",
        "nationalities",
        "tickets",
        "ticket_nationalities",
        "ekn",
        "visits",
        "basic_needs",
        "advice",
        "cases",
        "case_shares",
        "respondents",
    }
    for raw in tables:
        spec = build_spec(raw, start, end)
        assert spec.title == raw["title"]
        stored = spec_to_dict(spec)
        assert spec_from_dict(stored) == spec
        assert spec_to_dict(spec_from_dict(stored)) == stored


def test_table_keys_are_unique_within_a_section():
    keys = [(section, raw["key"]) for section, raw in template_tables()]
    assert len(keys) == len(set(keys))


def test_month_rows_follow_the_period():
    spec = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
    assert [r.key for r in spec.rows] == ["2021-11", "2021-12", "2022-01", "2022-02", "2022-03", "2022-04"]
    assert [r.label for r in spec.rows][:2] == ["November", "December"]
    summer = build_spec({"key": "occupancy", "kind": "occupancy"}, date(2022, 5, 1), date(2022, 10, 31))
    assert summer.rows[0].key == "2022-05" and summer.rows[0].label == "Maj"
    long = build_spec({"key": "visits", "kind": "visits"}, date(2021, 1, 1), date(2022, 3, 31))
    assert long.rows[0].label == "Januari 2021"


def test_occupancy_spec_offers_capacity_as_default_and_recomputes_shares():
    spec = build_spec({"key": "occupancy", "kind": "occupancy", "title": "Beläggning"}, START, END)
    assert spec.input("offered").default == ColumnDefault(DefaultKind.CAPACITY)
    assert spec.column("occupancy").kind is ComputedKind.RATIO
    assert spec.column("women_share").columns == ("women", "nights")
    assert spec.chart == "occupancy" and spec.totals
    assert [c.key for c in spec.columns] == [
        "women",
        "men",
        "women_share",
        "men_share",
        "nights",
        "offered",
        "occupancy",
    ]


def test_headers_and_month_names_are_matched_for_import():
    spec = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
    assert spec.match_column("Kvinnor") == "women"
    assert spec.match_column(" KVINNOR ") == "women"
    assert spec.match_column("K") == "women"
    assert spec.match_column("Män") == "men"
    assert spec.match_column("Erbjudna sängplatser") == "offered"
    assert spec.match_column("Nätter") is None  # computed, never imported
    assert spec.match_row("NOV") == "2021-11"
    assert spec.match_row("Mars") == "2022-03"
    assert spec.match_row("april 2022") == "2022-04"
    assert spec.match_row("Totalt") is None


def test_advice_categories_come_from_the_template_entry():
    advice = build_spec(template_table("advice"), START, END)
    assert [r.label for r in advice.rows] == [
        "Arbetsmarknad",
        "Social välfärd",
        "Migrationsrättslig juridik",
        "Övriga frågor",
    ]
    assert advice.rows[3].key == "ovriga-fragor"
    assert [c.label for c in advice.inputs] == ["Nov", "Dec", "Jan", "Feb", "Mar", "Apr"]
    own = build_spec({"key": "advice", "kind": "category_month", "categories": ["Juridik", "Hälsa"]}, START, END)
    assert [r.key for r in own.rows] == ["juridik", "halsa"]
    # No hidden defaults by key: an entry without categories has free rows, whatever its key.
    for key in ("advice", "support"):
        assert build_spec({"key": key, "kind": "category_month"}, START, END).row_source is RowSource.FREE


def test_tickets_are_months_by_shelter_and_measure_with_people_without_a_place():
    spec = build_spec(template_table("tickets"), START, END)
    assert spec.row_source is RowSource.MONTHS
    assert spec.input("fa-arsta.tickets").group == "FA Årsta"
    assert spec.input("fa-arsta.tickets").full_label == "Biljetter (FA Årsta)"
    assert spec.column("total.places").columns == ("stadsmissionen.places", "fa-arsta.places", "fa-liljeholmen.places")
    assert spec.input("no_place").label == "Inte plats"
    # The extra columns follow the totals; the template's ratio (tickets per night) comes last.
    assert [c.key for c in spec.columns[-3:]] == ["no_place", "nights", "tickets_per_night"]
    assert spec.match_column("Stadsmissionen Biljetter") == "stadsmissionen.tickets"


def test_log_and_facts_presets():
    ekn = build_spec({"key": "ekn", "kind": "log", "title": "EKN"}, START, END)
    assert [c.key for c in ekn.inputs] == ["date", "place", "men", "women"]
    assert ekn.input("date").required and ekn.column("total").columns == ("men", "women")
    custom = build_spec(
        {
            "key": "log",
            "kind": "log",
            "columns": [
                {"key": "day", "label": "Dag", "type": "date", "required": True},
                {"key": "guests", "label": "Gäster"},
            ],
        },
        START,
        END,
    )
    assert custom.computed == ()
    unique = build_spec(template_table("unique"), START, END)
    assert [r.key for r in unique.rows] == ["total", "women", "men"] and not unique.totals
    basic = build_spec(template_table("basic_needs"), START, END)
    assert basic.totals and [r.key for r in basic.rows][:2] == ["meals", "hygiene"]
    bare = build_spec({"key": "unique", "kind": "facts", "title": "Unika"}, START, END)
    assert [r.key for r in bare.rows] == ["value"] and bare.rows[0].label == "Unika"
    shares = build_spec(template_table("case_shares"), START, END)
    assert shares.input("value").type is ValueType.DECIMAL and shares.input("value").label == "Andel, %"
    own = build_spec({"key": "x", "kind": "facts", "figures": ["Antal svarande"], "type": "decimal"}, START, END)
    assert own.rows == (FixedRow("antal-svarande", "Antal svarande"),)
    assert own.input("value").type is ValueType.DECIMAL


def test_overrides_adjust_labels_aliases_and_flags():
    spec = build_spec(
        {
            "key": "visits",
            "kind": "visits",
            "title": "Besök",
            "labels": {"total": "Summa besök"},
            "aliases": {"women": ["Kvinnliga besök"]},
            "decimals": {"women_share": 0},
            "chart": False,
            "change_warning_percent": 50,
        },
        START,
        END,
    )
    assert spec.input("total").label == "Summa besök"
    assert spec.match_column("kvinnliga besök") == "women"
    assert spec.column("women_share").decimals == 0
    assert spec.chart is None and spec.change_warning_percent == 50


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ({"kind": "occupancy"}, "saknar 'key'"),
        ({"key": "x", "kind": "pie"}, "okänd sort"),
        ({"key": "x", "kind": "occupancy", "categories": []}, "okänt fält 'categories'"),
        ({"key": "x", "kind": "category_month", "categories": []}, "ange en lista"),
        ({"key": "x", "kind": "category_month", "months_as": "diagonal"}, "months_as"),
        ({"key": "x", "kind": "category_month", "measures": [{"label": "A"}]}, "kräver months_as"),
        ({"key": "x", "kind": "occupancy", "labels": {"nope": "A"}}, "okänd kolumn"),
        ({"key": "x", "kind": "occupancy", "required": ["nights"]}, "required"),
        ({"key": "x", "kind": "occupancy", "chart": "pie"}, "okänt diagram"),
        ({"key": "x", "kind": "log", "columns": [{"key": "a", "label": "A", "type": "colour"}]}, "kolumntyp"),
        ({"key": "x", "kind": "facts", "type": "text"}, "heltal eller decimaltal"),
        ("occupancy", "måste vara en tabell"),
    ],
)
def test_bad_template_entries_are_refused_clearly(raw, fragment):
    with pytest.raises(SpecError, match=fragment):
        build_spec(raw, START, END)


def test_every_kind_has_a_builder():
    assert list(KIND_FIELDS) == list(TableKind)
    for kind in KIND_FIELDS:
        assert build_spec({"key": "t", "kind": str(kind)}, START, END).kind is kind


def test_a_kind_is_its_string_in_entries_storage_and_comparisons():
    spec = build_spec({"key": "t", "kind": "nationalities"}, START, END)
    assert spec.kind is TableKind.NATIONALITIES and spec.kind == "nationalities"
    stored = json.loads(json.dumps(spec_to_dict(spec)))
    assert stored["kind"] == "nationalities"
    assert spec_from_dict(stored).kind is TableKind.NATIONALITIES
    with pytest.raises(SpecError, match="okänt värde 'pie'"):
        spec_from_dict(stored | {"kind": "pie"})


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"computed": (ComputedColumn("s", "S", ComputedKind.SHARE, ("a",)),)}, "fel antal operander"),
        ({"computed": (ComputedColumn("s", "S", ComputedKind.SUM, ("zz",)),)}, "okänd kolumn"),
        ({"computed": (ComputedColumn("a", "S", ComputedKind.SUM, ("a",)),)}, "samma nyckel"),
        ({"rows": ()}, "inga rader"),
        ({"rows": (FixedRow("x", "X"), FixedRow("x", "Y"))}, "samma nyckel"),
        ({"row_source": RowSource.MONTHS}, "månadsrader"),
        ({"compare": ("zz",)}, "jämförelsekolumn"),
        ({"order": ("a",)}, "kolumnordningen"),
        ({"inputs": ()}, "inga inmatningskolumner"),
        ({"key": "bad key"}, "ogiltig nyckel"),
        ({"inputs": (InputColumn("a", "A", default=ColumnDefault(DefaultKind.CAPACITY)),)}, "kapacitet"),
        ({"inputs": (InputColumn("a", "A", default=ColumnDefault(DefaultKind.SUM, ("a",))),)}, "saknar kolumner"),
    ],
)
def test_inconsistent_specs_are_refused(change, fragment):
    base = {
        "key": "t",
        "kind": "facts",
        "title": "T",
        "row_source": RowSource.FIXED,
        "inputs": (InputColumn("a", "A"), InputColumn("b", "B")),
        "rows": (FixedRow("r", "R"),),
    }
    with pytest.raises(SpecError, match=fragment):
        TableSpec(**(base | change))


def test_spec_dicts_are_checked_when_read():
    spec = build_spec({"key": "occupancy", "kind": "occupancy"}, START, END)
    stored = spec_to_dict(spec)
    assert stored["computed"][3]["warn_above"] == "100"
    assert spec_from_dict(stored).column("occupancy").warn_above == Decimal(100)
    with pytest.raises(SpecError, match="okänt fält"):
        spec_from_dict(stored | {"colour": "red"})
    with pytest.raises(SpecError, match="okänt värde"):
        spec_from_dict(stored | {"row_source": "diagonal"})
    with pytest.raises(SpecError, match="okänt fält"):
        spec_from_dict(stored | {"inputs": [stored["inputs"][0] | {"width": 3}]})
    with pytest.raises(SpecError):
        spec_from_dict([])


def test_slug_makes_stable_keys():
    assert slug("Migrationsrättslig juridik") == "migrationsrattslig-juridik"
    assert slug("  !!  ") == "rad"
