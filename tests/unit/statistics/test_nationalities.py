"""Nationalities: shares of a base, EU/EEA versus third countries, and the joint list."""

from decimal import Decimal

from tests.unit.statistics import seed_figures as seed
from webapp.statistics import compute as engine
from webapp.statistics.cells import NOT_APPLICABLE, Cell, Row, TableData
from webapp.statistics.compute import ComputeContext
from webapp.statistics.figures import FigureState
from webapp.statistics.nationalities import UnitList, joint_nationalities
from webapp.statistics.presets import KIND_HOOKS, build_spec

START, END = seed.PERIOD_START, seed.PERIOD_END
SPEC = build_spec({"key": "nationalities", "kind": "nationalities"}, START, END)
CONTEXT = ComputeContext(START, END)


def compute(spec, data, context):
    """A table as the app computes it: with the hooks of its kind (the EU/EEA split)."""
    return engine.compute(spec, data, context, KIND_HOOKS)


def _list(*rows, **figures) -> TableData:
    return TableData(
        tuple(
            Row(f"r{n}", None, {"country": Cell.of(code), "count": Cell.of(count)})
            for n, (code, count) in enumerate(rows, start=1)
        ),
        figures={k: Cell.of(v) for k, v in figures.items()},
    )


def test_a_small_list_without_a_base_is_everyone():
    table = compute(SPEC, _list(("RO", 306), ("PL", 44), ("LV", 11), ("LT", 9), ("BG", 7), ("GH", 7)), CONTEXT)
    summary = table.summary
    assert summary["eu_eea_count"].value == 377 and summary["third_country_count"].value == 7
    assert summary["eu_eea_share"].text == "98,2\u00a0%"
    assert summary["third_country_share"].text == "1,8\u00a0%"
    assert summary["nationalities"].value == 6
    split = summary["eu_eea_share"].value + summary["third_country_share"].value + summary["other_share"].value
    assert abs(split - 100) < Decimal("1e-20")


def test_inskrivning_top_list_is_a_share_of_all_434_participants():
    table = compute(SPEC, seed.nationality_count_data("ng-inskrivning"), CONTEXT)
    assert [row["percent"].text for row in table.rows] == [
        "70,5\u00a0%",
        "10,1\u00a0%",
        "2,5\u00a0%",
        "2,1\u00a0%",
        "1,6\u00a0%",
        "1,6\u00a0%",
    ]
    assert [row["rank"].value for row in table.rows] == [1, 2, 3, 4, 5, 5]  # Bulgarien and Ghana share 5th
    assert table.total["count"].value == 384 and table.total["percent"].text == "88,5\u00a0%"
    summary = table.summary
    assert summary["eu_eea_share"].text == "86,9\u00a0%"  # 377 of 434
    assert summary["third_country_share"].text == "1,6\u00a0%"
    assert summary["other_share"].text == "11,5\u00a0%"  # the 25 nationalities not listed
    assert summary["nationalities"].value == 31  # as reported; the list has only 6
    assert summary["listed"].value == 6


def test_without_a_reported_number_a_partial_list_cannot_say_how_many_nationalities():
    data = seed.nationality_count_data("ng-inskrivning").with_figure("nationality_count", Cell())
    assert compute(SPEC, data, CONTEXT).summary["nationalities"].state is FigureState.INCOMPLETE


def test_shares_only():
    table = compute(SPEC, seed.nationality_share_data("fa-arsta"), CONTEXT)
    assert [row["percent"].value for row in table.rows] == [51, 15, 9, 5, 5]
    assert [row["rank"].value for row in table.rows] == [1, 2, 3, 4, 4]
    assert table.summary["eu_eea_share"].value == 71  # Rumänien, Polen, Bulgarien
    assert table.summary["third_country_share"].value == 14  # Ghana, Nigeria
    assert table.summary["other_share"].value == 15
    assert table.total["percent"].value == 85
    complete = compute(SPEC, seed.nationality_share_data("fa-liljeholmen"), CONTEXT)
    assert complete.summary["nationalities"].value == 5


def test_unknown_and_switzerland_are_neither_eu_nor_third_country():
    table = compute(SPEC, _list(("RO", 50), ("CH", 25), ("ZZ", 25)), CONTEXT)
    assert table.summary["eu_eea_share"].value == 50
    assert table.summary["third_country_share"].value == 0
    assert table.summary["other_share"].value == 50


def test_an_other_country_whose_count_does_not_apply_leaves_the_split_whole():
    # Switzerland is in the "other" group; with its count ej tillämpligt (and no share) the
    # group's share does not apply. The summary used to add None to the known shares and crash.
    data = (
        _list(("RO", 50), ("GH", 10)).with_cell("r3", "country", Cell.of("CH")).with_cell("r3", "count", NOT_APPLICABLE)
    )
    summary = compute(SPEC, data, CONTEXT).summary
    assert summary["eu_eea_share"].text == "83,3\u00a0%"
    assert summary["third_country_share"].text == "16,7\u00a0%"
    assert summary["other_share"].state is FigureState.VALUE and summary["other_share"].value == 0
    assert summary["other_share"].text == "0,0\u00a0%"


def test_a_row_with_an_unknown_country_makes_the_split_incomplete():
    data = _list(("RO", 50)).with_cell("r2", "country", Cell.of("Atlantis")).with_cell("r2", "count", Cell.of(5))
    table = compute(SPEC, data, CONTEXT)
    assert table.summary["eu_eea_share"].state is FigureState.INCOMPLETE


def test_crossroads_split_against_its_stated_eu_share():
    table = compute(SPEC, seed.nationality_count_data("crossroads"), CONTEXT)
    # Only the top five are listed, so the list alone gives 50,1 % EU of all visits; the
    # seed's 66 % (3 424 visits) is over every nationality, which a top-five list cannot give.
    assert table.summary["eu_eea_share"].text == "50,1\u00a0%"
    assert table.summary["other_share"].text == "24,7\u00a0%"


def test_the_joint_list_sums_counts_and_leaves_out_units_with_shares_only():
    units = [
        UnitList(u, seed.DAY_UNITS[u], seed.nationality_count_data(u))
        for u in ("kafe-norrmalm", "vastberga-gard", "eu-center", "crossroads")
    ]
    units.append(UnitList("convictus-axelsberg", "Convictus Axelsberg", seed.nationality_share_data("convictus-natt")))
    units.append(UnitList("empty", "Tom verksamhet", None))
    joint = joint_nationalities(SPEC, units, CONTEXT)
    first = joint.table.rows[0]
    assert (first["country"].value, first["count"].value) == ("RO", 1962 + 1220 + 3540 + 1034)
    assert joint.table.figures["base"].value == 6715 + 4450 + 9689 + 5208
    assert joint.left_out == ("Convictus Axelsberg", "Tom verksamhet")
    assert joint.messages[0].startswith("Convictus Axelsberg har inte angett antal")
    reordered = joint_nationalities(SPEC, list(reversed(units)), CONTEXT)
    assert reordered == joint


def test_the_split_is_the_nationalities_hook_not_part_of_every_table():
    data = _list(("RO", 50), ("GH", 50))
    assert "eu_eea_share" not in engine.compute(SPEC, data, CONTEXT).summary
    assert compute(SPEC, data, CONTEXT).summary["eu_eea_share"].value == 50


def test_the_joint_list_has_the_split_of_the_summed_counts():
    units = [
        UnitList("a", "A", _list(("RO", 30), ("GH", 10), base=50)),
        UnitList("b", "B", _list(("RO", 10), ("PL", 10), ("NG", 10), base=50)),
    ]
    joint = joint_nationalities(SPEC, units, CONTEXT)
    assert [(row["country"].value, row["count"].value, row["rank"].value) for row in joint.table.rows] == [
        ("RO", 40, 1),
        ("GH", 10, 2),
        ("NG", 10, 2),
        ("PL", 10, 2),
    ]
    assert joint.table.figures["base"].value == 100
    summary = joint.table.summary
    assert (summary["eu_eea_share"].value, summary["third_country_share"].value) == (50, 20)
    assert summary["other_share"].value == 30  # the 30 of the bases the lists do not name
    assert summary["nationalities"].state is FigureState.INCOMPLETE
    assert joint.included == ("A", "B") and joint.left_out == () and joint.messages == ()
