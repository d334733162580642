"""Cells and table data: the stored JSON form, and reading what people type or paste."""

from datetime import date
from decimal import Decimal

import pytest

from webapp.statistics.cells import (
    EMPTY,
    MISSING,
    NOT_APPLICABLE,
    Cell,
    CellState,
    Row,
    TableData,
    TableDataError,
    ValueProblem,
    ValueProblemError,
    ValueType,
    interpret,
    note_key,
    parse_input,
)

EXAMPLE = {
    "rows": [
        {"key": "2021-11", "label": None, "cells": {"women": {"v": 465}, "men": {"s": "missing"}}},
        {"key": "2021-12", "label": None, "cells": {"women": {"v": "12.5"}, "men": {"s": "not_applicable"}}},
        {"key": "r1", "label": "Norrmalmskyrkan", "cells": {"date": {"v": "2021-11-30"}, "c": {"v": "RO"}}},
    ],
    "notes": {"offered:2021-11": "Stängt två nätter för sanering"},
    "justifications": {"change:2022-01:nights:": "Renovering i januari"},
}


def test_the_documented_example_round_trips_exactly():
    data = TableData.from_json(EXAMPLE)
    assert data.to_json() == EXAMPLE
    assert data.cell("2021-11", "women") == Cell.of(465)
    assert data.cell("2021-11", "men") is MISSING
    assert data.cell("2021-12", "men") is NOT_APPLICABLE
    assert data.cell("2021-11", "offered") == EMPTY  # absent is empty
    assert data.note("2021-11", "offered") == "Stängt två nätter för sanering"


def test_figures_are_stored_only_when_there_are_some():
    data = TableData.from_json({"rows": [], "figures": {"unique_visitors": {"v": 606}}})
    assert data.figure("unique_visitors") == Cell.of(606)
    assert data.to_json()["figures"] == {"unique_visitors": {"v": 606}}
    assert "figures" not in TableData().to_json()


def test_missing_parts_default_to_empty():
    assert TableData.from_json({}) == TableData()
    assert TableData.from_json(None) == TableData()
    assert TableData.from_json({"rows": [{"key": "a"}]}).rows == (Row("a"),)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([], "objekt"),
        ({"rows": {}}, "lista"),
        ({"rows": [], "extra": 1}, "okänt fält"),
        ({"rows": [{"label": None}]}, "saknar nyckel"),
        ({"rows": [{"key": ""}]}, "ogiltig nyckel"),
        ({"rows": [{"key": "a:b"}]}, "ogiltig nyckel"),
        ({"rows": [{"key": "a"}, {"key": "a"}]}, "samma nyckel"),
        ({"rows": [{"key": "a", "cells": {"x": {}}}]}, "rad 1, kolumn 'x'"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": 1, "s": "missing"}}}]}, "kolumn 'x'"),
        ({"rows": [{"key": "a", "cells": {"x": {"s": "unknown"}}}]}, "okänt läge"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": 1.5}}}]}, "decimaltal som text"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": True}}}]}, "heltal eller text"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": None}}}]}, "heltal eller text"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": "  "}}}]}, "tom text"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": 10**16}}}]}, "orimligt"),
        ({"rows": [{"key": "a", "label": 3}]}, "etiketten"),
        ({"rows": [{"key": "a", "cells": []}]}, "cellerna"),
        ({"rows": [], "notes": {"a": 1}}, "text"),
        ({"rows": [], "notes": []}, "objekt"),
        ({"rows": [{"key": "a", "cells": {"x": {"v": "x" * 6000}}}]}, "längre än"),
        ({"rows": [{"key": f"r{i}"} for i in range(2001)]}, "fler än"),
    ],
)
def test_malformed_data_is_refused_with_a_message_saying_where(data, fragment):
    with pytest.raises(TableDataError, match=fragment):
        TableData.from_json(data)


def test_editing_returns_new_data_and_keeps_empty_cells_out():
    data = TableData().with_cell("2021-11", "women", Cell.of(465)).with_cell("2021-11", "men", MISSING)
    assert data.to_json()["rows"] == [
        {"key": "2021-11", "label": None, "cells": {"women": {"v": 465}, "men": {"s": "missing"}}}
    ]
    cleared = data.with_cell("2021-11", "women", EMPTY)
    assert cleared.to_json()["rows"][0]["cells"] == {"men": {"s": "missing"}}
    assert data.cell("2021-11", "women") == Cell.of(465)  # the original is unchanged
    noted = data.with_note("2021-11", "offered", "Sanering").with_justification("x:1:-", "ok")
    assert noted.notes == {note_key("offered", "2021-11"): "Sanering"}
    assert noted.with_note("2021-11", "offered", " ").notes == {}
    assert noted.justifications == {"x:1:-": "ok"}
    assert data.with_row("r9", "Ny rad").row("r9").label == "Ny rad"
    assert data.without_row("2021-11").rows == ()
    assert data.with_figure("unique", Cell.of(5)).figure("unique") == Cell.of(5)


def test_a_cell_is_either_a_value_or_a_state():
    with pytest.raises(ValueError):
        Cell(CellState.VALUE)
    with pytest.raises(ValueError):
        Cell(CellState.MISSING, 3)


@pytest.mark.parametrize(
    ("text", "value_type", "expected"),
    [
        ("", ValueType.INTEGER, EMPTY),
        ("   ", ValueType.TEXT, EMPTY),
        ("1 054", ValueType.INTEGER, Cell.of(1054)),
        ("1\u202f054", ValueType.INTEGER, Cell.of(1054)),
        ("1.023", ValueType.INTEGER, Cell.of(1023)),  # the seed's way of writing a thousand
        ("12,0", ValueType.INTEGER, Cell.of(12)),
        ("12,5", ValueType.INTEGER, Cell.of("12,5")),  # kept as typed; validation says "no decimals"
        ("1,500", ValueType.INTEGER, Cell.of("1,500")),  # ambiguous (1 500 or 1,5): kept, not guessed
        ("50 %", ValueType.INTEGER, Cell.of("50 %")),  # a share is no count
        ("abc", ValueType.INTEGER, Cell.of("abc")),
        ("Uppgift saknas", ValueType.INTEGER, MISSING),
        ("saknas", ValueType.INTEGER, MISSING),
        ("Ej tillämpligt", ValueType.INTEGER, NOT_APPLICABLE),
        ("gäller ej", ValueType.DATE, NOT_APPLICABLE),
        ("36,5 %", ValueType.DECIMAL, Cell.of("36.5")),
        ("70", ValueType.DECIMAL, Cell.of(70)),
        ("30 nov 21", ValueType.DATE, Cell.of("2021-11-30")),
        ("3/12/2021", ValueType.DATE, Cell.of("2021-12-03")),
        ("10 januari 2022", ValueType.DATE, Cell.of("2022-01-10")),
        ("2022-02-22", ValueType.DATE, Cell.of("2022-02-22")),
        ("31 feb 2022", ValueType.DATE, Cell.of("31 feb 2022")),
        ("Rumänien", ValueType.COUNTRY, Cell.of("RO")),
        ("pl", ValueType.COUNTRY, Cell.of("PL")),
        ("Atlantis", ValueType.COUNTRY, Cell.of("Atlantis")),
        ("Norrmalmskyrkan", ValueType.TEXT, Cell.of("Norrmalmskyrkan")),
    ],
)
def test_typed_and_pasted_text_becomes_a_canonical_cell(text, value_type, expected):
    assert parse_input(text, value_type) == expected


@pytest.mark.parametrize(
    ("raw", "value_type", "expected"),
    [
        (465, ValueType.INTEGER, 465),
        ("465", ValueType.INTEGER, 465),
        ("12.5", ValueType.DECIMAL, Decimal("12.5")),
        (70, ValueType.DECIMAL, Decimal(70)),
        ("2021-11-30", ValueType.DATE, date(2021, 11, 30)),
        ("ro", ValueType.COUNTRY, "RO"),
        (12, ValueType.TEXT, "12"),
    ],
)
def test_stored_values_are_read_as_the_column_type(raw, value_type, expected):
    assert interpret(raw, value_type) == expected


@pytest.mark.parametrize(
    ("raw", "value_type", "problem"),
    [
        ("abc", ValueType.INTEGER, ValueProblem.NOT_INTEGER),
        ("12.5", ValueType.INTEGER, ValueProblem.HAS_DECIMALS),
        ("12,5", ValueType.INTEGER, ValueProblem.HAS_DECIMALS),
        ("1,500", ValueType.INTEGER, ValueProblem.HAS_DECIMALS),  # 1,5 the Swedish way, never silently
        ("10 87", ValueType.INTEGER, ValueProblem.NOT_INTEGER),
        ("tolv", ValueType.DECIMAL, ValueProblem.NOT_NUMBER),
        ("1e5", ValueType.DECIMAL, ValueProblem.NOT_NUMBER),
        ("NaN", ValueType.DECIMAL, ValueProblem.NOT_NUMBER),
        ("igår", ValueType.DATE, ValueProblem.NOT_DATE),
        (5, ValueType.DATE, ValueProblem.NOT_DATE),
        ("Atlantis", ValueType.COUNTRY, ValueProblem.UNKNOWN_COUNTRY),
        ("9" * 5000, ValueType.INTEGER, ValueProblem.TOO_LARGE),
        ("1" * 16, ValueType.DECIMAL, ValueProblem.TOO_LARGE),
    ],
)
def test_unreadable_values_say_what_is_wrong(raw, value_type, problem):
    with pytest.raises(ValueProblemError) as caught:
        interpret(raw, value_type)
    assert caught.value.problem is problem
