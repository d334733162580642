"""Typing a value into the grid and pasting it into an import give the same cell.

Both ways in read text with ``webapp.statistics.cells.read_cell``; this test feeds the same
strings through each as a writer uses it (a posted grid field through ``apply_table_fields``,
a pasted column through ``preview_import``) and checks they agree, and on what.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from webapp.services.blocks import importing, statistics
from webapp.statistics.cells import (
    EMPTY,
    MISSING,
    NOT_APPLICABLE,
    Cell,
    TableData,
    ValueProblem,
    ValueProblemError,
    ValueType,
    interpret,
)
from webapp.statistics.specs import InputColumn, RowSource, TableSpec

INTEGER, DECIMAL, TEXT, COUNTRY, DATE = (
    ValueType.INTEGER,
    ValueType.DECIMAL,
    ValueType.TEXT,
    ValueType.COUNTRY,
    ValueType.DATE,
)
COLUMNS = {  # no lower bound, so "-3" is about reading, not about a range
    INTEGER: InputColumn("antal", "Antal", INTEGER, min_value=None),
    DECIMAL: InputColumn("andel", "Andel", DECIMAL, min_value=None),
    TEXT: InputColumn("namn", "Namn", TEXT, min_value=None),
    COUNTRY: InputColumn("land", "Land", COUNTRY, min_value=None),
    DATE: InputColumn("datum", "Datum", DATE, min_value=None),
}
SPEC = TableSpec("prov", "log", "Prov", RowSource.FREE, tuple(COLUMNS.values()))


@dataclass(frozen=True)
class Unreadable:
    """Kept as typed by the grid (validation names ``problem``); refused by the import."""

    problem: ValueProblem


ALL_TYPES = (INTEGER, DECIMAL, TEXT, COUNTRY, DATE)
STATE_WORDS = {
    "u.s.": MISSING,
    "U.S": MISSING,
    "..": MISSING,
    "ingen uppgift": MISSING,
    "uppgift saknas": MISSING,
    "Saknas": MISSING,
    "inte tillämpligt": NOT_APPLICABLE,
    "ej tillämpligt": NOT_APPLICABLE,
    "e.t.": NOT_APPLICABLE,
    "Ej tillampligt": NOT_APPLICABLE,
    # A lone dash is "nothing here" in a spreadsheet: empty, never guessed to be 0.
    "-": EMPTY,
    "–": EMPTY,
}
CASES = [(text, value_type, cell) for text, cell in STATE_WORDS.items() for value_type in ALL_TYPES] + [
    ("1,500", INTEGER, Unreadable(ValueProblem.HAS_DECIMALS)),  # 1 500 in English, 1,5 in Swedish
    ("1,500", DECIMAL, Cell.of("1.500")),
    ("1,500", TEXT, Cell.of("1,500")),
    ("1.500", INTEGER, Cell.of(1500)),  # the seed's way of writing a thousand
    ("1.500", DECIMAL, Cell.of("1.500")),  # a lone dot in a decimal column is a decimal point
    ("1 500", INTEGER, Cell.of(1500)),
    ("1 500", DECIMAL, Cell.of(1500)),
    ("1\u202f054", INTEGER, Cell.of(1054)),
    ("1 054", INTEGER, Cell.of(1054)),
    ("10 54", INTEGER, Unreadable(ValueProblem.NOT_INTEGER)),
    ("74.6", INTEGER, Unreadable(ValueProblem.HAS_DECIMALS)),
    ("74.6", DECIMAL, Cell.of("74.6")),
    ("74,6", INTEGER, Unreadable(ValueProblem.HAS_DECIMALS)),
    ("74,6", DECIMAL, Cell.of("74.6")),
    ("74,6 %", DECIMAL, Cell.of("74.6")),
    ("74 %", INTEGER, Unreadable(ValueProblem.NOT_INTEGER)),
    ("12,5", INTEGER, Unreadable(ValueProblem.HAS_DECIMALS)),
    ("12,5", DECIMAL, Cell.of("12.5")),
    ("12,0", INTEGER, Cell.of(12)),
    ("70", DECIMAL, Cell.of(70)),
    (" 42 ", INTEGER, Cell.of(42)),
    (" 42 ", DECIMAL, Cell.of(42)),
    (" 42 ", TEXT, Cell.of("42")),
    ("-3", INTEGER, Cell.of(-3)),
    ("−3", INTEGER, Cell.of(-3)),
    ("-3", DECIMAL, Cell.of(-3)),
    ("1.234,5", DECIMAL, Cell.of("1234.5")),
    ("1,234,567", INTEGER, Cell.of(1234567)),
    ("abc", INTEGER, Unreadable(ValueProblem.NOT_INTEGER)),
    ("abc", DECIMAL, Unreadable(ValueProblem.NOT_NUMBER)),
    ("abc", TEXT, Cell.of("abc")),
    ("abc", COUNTRY, Unreadable(ValueProblem.UNKNOWN_COUNTRY)),
    ("9" * 20, INTEGER, Unreadable(ValueProblem.TOO_LARGE)),
    ("Rumänien", COUNTRY, Cell.of("RO")),
    ("ro", COUNTRY, Cell.of("RO")),
    ("US", COUNTRY, Cell.of("US")),  # not taken for "u.s."
    ("Rumänien", TEXT, Cell.of("Rumänien")),
    ("Rumänien", INTEGER, Unreadable(ValueProblem.NOT_INTEGER)),
    ("30 nov 21", DATE, Cell.of("2021-11-30")),
    ("30 november 2021", DATE, Cell.of("2021-11-30")),
    ("30.11.21", DATE, Cell.of("2021-11-30")),
    ("30/11/2021", DATE, Cell.of("2021-11-30")),
    ("2021-11-30", DATE, Cell.of("2021-11-30")),
    ("31 feb 2022", DATE, Unreadable(ValueProblem.NOT_DATE)),
    ("30 nov 21", TEXT, Cell.of("30 nov 21")),
]


def typed_into_the_grid(text: str, value_type: ValueType, monkeypatch) -> Cell:
    """The cell the grid stores when a writer types ``text`` into a new row's cell."""
    monkeypatch.setattr(statistics, "block_specs", lambda block: (SPEC,))
    column = COLUMNS[value_type]
    field = statistics.FIELD_SEPARATOR.join(("cell", SPEC.key, statistics.NEW_ROW_KEY, column.key))
    tables = statistics.apply_table_fields(object(), {}, {field: text})
    rows = TableData.from_json(tables.get(SPEC.key)).rows
    return rows[0].cell(column.key) if rows else EMPTY


def pasted_into_an_import(text: str, value_type: ValueType) -> Cell | str:
    """The cell an import of the pasted column would store, or the problem it refuses with."""
    column = COLUMNS[value_type]
    preview = importing.preview_import(SPEC, {}, importing.ImportInput(text=f"{column.label}\n{text}\n"))
    if not preview.ok:
        assert len(preview.problems) == 1, preview.problems
        return preview.problems[0]
    rows = preview.result.rows
    return rows[0].cell(column.key) if rows else EMPTY


@pytest.mark.parametrize(("text", "value_type", "expected"), CASES)
def test_the_grid_and_the_import_read_a_string_alike(text, value_type, expected, monkeypatch):
    typed = typed_into_the_grid(text, value_type, monkeypatch)
    pasted = pasted_into_an_import(text, value_type)
    if isinstance(expected, Unreadable):
        # The grid keeps what was typed and validation names the problem; the import refuses
        # the paste with the same reading's message, naming the row and column.
        assert typed == Cell.of(" ".join(text.split()))
        with pytest.raises(ValueProblemError) as caught:
            interpret(typed.raw, value_type)
        assert caught.value.problem is expected.problem
        assert pasted == f"Rad 2, kolumn {COLUMNS[value_type].label}: {caught.value.message}"
    else:
        assert typed == pasted == expected
