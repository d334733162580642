"""The read-only table's layout: which columns show, what names a row, the header lines, the totals row."""

from datetime import date

from webapp.statistics.cells import MISSING, Cell, Row, TableData, ValueType
from webapp.statistics.compute import ComputeContext, compute
from webapp.statistics.layout import BodyCell, HeadCell, table_layout
from webapp.statistics.presets import KIND_HOOKS, build_spec
from webapp.statistics.specs import FixedRow, InputColumn, RowSource, TableKind, TableSpec

START, END = date(2021, 11, 1), date(2022, 10, 31)
CONTEXT = ComputeContext(START, END)
NATIONALITIES = build_spec({"key": "nationalities", "kind": "nationalities"}, START, END)
LOG = build_spec({"key": "log", "kind": "log"}, START, END)
CAPACITY = build_spec({"key": "capacity", "kind": "capacity"}, START, END)
VISITS = build_spec({"key": "visits", "kind": "visits"}, START, END)


def _nationalities(*rows: Row, figures: dict | None = None):
    data = TableData(rows, figures={k: Cell.of(v) for k, v in (figures or {}).items()})
    return table_layout(compute(NATIONALITIES, data, CONTEXT, KIND_HOOKS))


def _country(key: str, code: str, count: int, label: str | None = None) -> Row:
    return Row(key, label, {"country": Cell.of(code), "count": Cell.of(count)})


def _texts(cells) -> list[str]:
    return [cell.text for cell in cells]


def test_free_rows_without_labels_are_named_by_their_first_text_column():
    layout = _nationalities(_country("a", "RO", 90), _country("b", "PL", 10))
    assert not layout.labelled and layout.header_key == "country"
    first = layout.rows[0]
    assert _texts(first) == ["1", "Rumänien", "90", "90,0\u00a0%"]
    assert [cell.header for cell in first] == [False, True, False, False]
    assert first[1].classes == "txt"


def test_one_row_with_a_label_of_its_own_gives_every_row_its_label():
    layout = _nationalities(_country("a", "RO", 90), _country("b", "PL", 10, label="Från listan"))
    assert layout.labelled and layout.header_key is None
    assert [row[0] for row in layout.rows] == [
        BodyCell("Rad 1", "txt row-label", header=True),
        BodyCell("Från listan", "txt row-label", header=True),
    ]
    assert not any(cell.header for row in layout.rows for cell in row[1:])
    assert layout.head[0][0] == HeadCell("Land", "txt row-label")


def test_a_label_that_looks_like_a_position_is_still_the_writers_own():
    """The engine says which rows have labels; the text "Rad 2" is not taken for a missing one."""
    layout = _nationalities(_country("a", "RO", 90, label="Rad 2"))
    assert layout.labelled and layout.rows[0][0].text == "Rad 2"


def test_free_rows_without_a_text_column_keep_their_position_labels():
    spec = TableSpec("counts", TableKind.LOG, "Antal", RowSource.FREE, (InputColumn("count", "Antal"),), totals=True)
    layout = table_layout(compute(spec, TableData((Row("a", None, {"count": Cell.of(3)}),)), CONTEXT))
    assert layout.labelled and layout.header_key is None
    assert layout.head == ((HeadCell("Rad", "txt row-label", translate=True), HeadCell("Antal", "num")),)
    assert _texts(layout.rows[0]) == ["Rad 1", "3"]


def test_month_rows_are_labelled_by_the_spec_and_its_row_label_is_not_translated():
    layout = table_layout(compute(VISITS, None, CONTEXT))
    assert layout.labelled and len(layout.rows) == 12
    assert layout.head[0][0] == HeadCell("Månad", "txt row-label")
    assert layout.rows[0][0].text == "November"
    assert not layout.grouped and layout.runs[0].group is None and layout.runs[0].span == 1


def test_a_column_that_stands_in_for_a_computed_one_is_not_shown():
    layout = _nationalities(_country("a", "RO", 90))
    keys = [column.key for column in layout.columns]
    assert keys == ["rank", "country", "count", "percent"]  # a typed "share" is shown through "percent"
    assert layout.width == 4 and layout.narrow


def test_grouped_columns_get_two_header_lines():
    spec = TableSpec(
        "places",
        TableKind.FACTS,
        "Platser",
        RowSource.FIXED,
        (
            InputColumn("a_women", "Kvinnor", group="Härbärget"),
            InputColumn("a_men", "Män", group="Härbärget"),
            InputColumn("other", "Övrigt"),
            InputColumn("b_women", "Kvinnor", group="Natthärbärget"),
            InputColumn("c_women", "Kvinnor", group="Härbärget"),
        ),
        rows=(FixedRow("x", "Platser"),),
        row_label="Slag",
    )
    layout = table_layout(compute(spec, None, CONTEXT))
    assert layout.grouped and not layout.narrow
    assert [(run.group, run.span) for run in layout.runs] == [
        ("Härbärget", 2),
        (None, 1),
        ("Natthärbärget", 1),
        ("Härbärget", 1),  # a group is a run of neighbours: the same name further on starts a new one
    ]
    upper, lower = layout.head
    assert upper == (
        HeadCell("Slag", "txt row-label", rowspan=2),
        HeadCell("Härbärget", "group", scope="colgroup", colspan=2),
        HeadCell("Övrigt", "num", rowspan=2),
        HeadCell("Natthärbärget", "group", scope="colgroup", colspan=1),
        HeadCell("Härbärget", "group", scope="colgroup", colspan=1),
    )
    assert _texts(lower) == ["Kvinnor", "Män", "Kvinnor", "Kvinnor"]
    assert all(cell.rowspan is None and cell.colspan is None for cell in lower)


def test_the_total_spans_the_columns_before_the_naming_column_when_they_have_no_total():
    layout = _nationalities(_country("a", "RO", 90), _country("b", "PL", 10))
    assert layout.total[0] == BodyCell("Summa listade", "txt", header=True, colspan=2)  # rank and country
    assert _texts(layout.total) == ["Summa listade", "100", "100,0\u00a0%"]


def test_the_total_spans_an_untotalled_number_before_the_naming_column():
    rows = (Row("a", None, {"places": Cell.of(10), "from": Cell.of("2021-11-01"), "until": Cell.of("2021-11-30")}),)
    layout = table_layout(compute(CAPACITY, TableData(rows), CONTEXT))
    assert layout.header_key == "from"  # places per night are not added up
    assert layout.total[0] == BodyCell("Totalt", "txt", header=True, colspan=2)
    assert len(layout.total) == len(layout.columns) - 1


def test_the_total_stands_in_the_naming_column_when_a_column_before_it_is_totalled():
    spec = TableSpec(
        "sleepers",
        TableKind.LOG,
        "Sovande",
        RowSource.FREE,
        (InputColumn("count", "Antal"), InputColumn("place", "Plats", ValueType.TEXT), InputColumn("men", "Män")),
        totals=True,
    )
    rows = tuple(Row(k, None, {"count": Cell.of(n), "place": Cell.of("Slussen")}) for k, n in (("a", 3), ("b", 4)))
    layout = table_layout(compute(spec, TableData(rows), CONTEXT))
    assert layout.header_key == "place"
    assert layout.total == (
        BodyCell("7", "num"),
        BodyCell("Totalt", "txt", header=True),
        BodyCell("", "num state state-empty"),
    )


def test_the_total_in_the_first_column_has_no_colspan():
    layout = table_layout(compute(LOG, TableData((Row("a", None, {"date": Cell.of("2022-01-05")}),)), CONTEXT))
    assert layout.header_key == "date"
    assert layout.total[0] == BodyCell("Totalt", "txt", header=True)
    assert len(layout.total) == len(layout.columns)


def test_a_labelled_total_row_has_its_label_then_every_column():
    layout = table_layout(compute(VISITS, None, CONTEXT))
    assert layout.total[0] == BodyCell("Totalt", "txt row-label", header=True)
    assert len(layout.total) == 1 + len(layout.columns)


def test_no_rows_no_total_row():
    layout = table_layout(compute(LOG, None, CONTEXT, KIND_HOOKS))
    assert layout.rows == () and layout.total == ()
    assert layout.width == len(layout.columns)  # named by "Datum": no label column


def test_cell_classes_say_state_defaulted_and_approximate():
    layout = _nationalities(Row("a", None, {"country": Cell.of("RO"), "count": MISSING}))
    count = layout.rows[0][2]
    assert (count.text, count.classes) == ("uppgift saknas", "num state state-missing")


def test_nationalities_summary_and_figures():
    layout = _nationalities(
        _country("a", "RO", 90), _country("b", "SY", 10), figures={"base": 100, "nationality_count": 12}
    )
    # The reported number of nationalities is said by the summary, not again as a figure.
    assert [(item.label, item.text, item.classes) for item in layout.figures] == [
        ("Totalt antal som andelarna gäller", "100", "num")
    ]
    assert [(item.label, item.text) for item in layout.summary] == [
        ("Andel från EU/EES-länder", "90,0\u00a0%"),
        ("Andel från länder utanför EU/EES", "10,0\u00a0%"),
        ("Andel övriga och okända", "0,0\u00a0%"),
        ("Antal nationaliteter", "12"),
    ]
    assert layout.has_figure_list


def test_a_summary_figure_that_is_not_a_number_is_marked():
    layout = _nationalities(Row("a", None, {"country": Cell.of("RO"), "count": MISSING}))
    assert [(item.text, item.classes) for item in layout.summary] == [
        ("ofullständigt", "num state"),
        ("0,0\u00a0%", "num"),
        ("ofullständigt", "num state"),
        ("ofullständigt", "num state"),
    ]


def test_a_log_says_how_many_rows_it_has_even_when_it_has_none():
    layout = table_layout(compute(LOG, None, CONTEXT, KIND_HOOKS))
    assert [(item.label, item.text, item.classes) for item in layout.summary] == [("Antal rader", "0", "num")]
    assert layout.figures == () and layout.has_figure_list


def test_figure_labels_lose_their_explanation_and_unit():
    data = TableData(figures={"period_women_share": Cell.of(26), "unique_visitors": Cell.of(40)})
    layout = table_layout(compute(VISITS, data, CONTEXT))
    assert [item.label for item in layout.figures] == ["Andel kvinnor under perioden", "Unika besökare"]
    assert layout.summary == ()  # months: no row count, no kind summary


def test_a_table_with_nothing_to_say_under_it_has_no_list():
    layout = table_layout(compute(VISITS, None, CONTEXT))
    assert layout.figures == () and layout.summary == () and not layout.has_figure_list


def test_text_columns_are_txt_and_numbers_num():
    spec = TableSpec(
        "t",
        TableKind.FACTS,
        "T",
        RowSource.FIXED,
        (InputColumn("what", "Vad", ValueType.TEXT), InputColumn("n", "Antal")),
        rows=(FixedRow("x", "X"),),
    )
    layout = table_layout(compute(spec, None, CONTEXT))
    assert [cell.classes for cell in layout.head[0]] == ["txt row-label", "txt", "num"]
    assert layout.total == ()  # the spec has no totals
