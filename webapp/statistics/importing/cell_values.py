"""One raw cell into a :class:`ParsedCell`: a value, a blank or marker, or an error.

Cell values (see :func:`parse_integer`, :func:`parse_decimal`, :func:`parse_date`, …)
    A text cell is read by :func:`webapp.statistics.cells.read_cell`, the one Swedish
    cell parser the grid uses too, so a value pasted here and typed there become the
    same cell; its comment states the rules (state words, thousands and decimal
    separators, the dot rule, "1,500" refused in an integer column). What it cannot
    read becomes an ERROR carrying its Swedish message. Number and date cells of an
    .xlsx are already typed and only checked (whole, not absurdly large).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import Enum

from webapp.input_errors import CONTROL_CHARACTERS

from .. import cells
from ..cells import ValueType
from .limits import Cell


class CellKind(str, Enum):
    VALUE = "value"
    EMPTY = "empty"
    MISSING = "missing"  # uppgift saknas
    NOT_APPLICABLE = "not_applicable"  # ej tillämpligt
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class ParsedCell:
    """One parsed cell. ``message`` (errors) and ``note`` (how an odd value was
    read) are Swedish sentences without the row/column prefix."""

    kind: CellKind
    value: int | Decimal | str | date | None = None
    message: str | None = None
    note: str | None = None

    @property
    def is_error(self) -> bool:
        return self.kind is CellKind.ERROR


EMPTY = ParsedCell(CellKind.EMPTY)
MISSING = ParsedCell(CellKind.MISSING)
NOT_APPLICABLE = ParsedCell(CellKind.NOT_APPLICABLE)
_STATES = {
    cells.CellState.EMPTY: EMPTY,
    cells.CellState.MISSING: MISSING,
    cells.CellState.NOT_APPLICABLE: NOT_APPLICABLE,
}


def parse_marker(value: Cell) -> ParsedCell | None:
    """EMPTY, MISSING or NOT_APPLICABLE for a blank or marker cell, else None."""
    if value is None:
        return EMPTY
    if not isinstance(value, str):
        return None
    state = cells.read_state(value)
    return None if state is None else _STATES[state.state]


def _shown(value: Cell) -> str:
    if isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, float):
        text = repr(value).replace(".", ",")
    else:
        text = str(value)
    return cells.shown_text(text)


def _read_text(text: str, value_type: ValueType) -> ParsedCell:
    """A text cell through the one Swedish cell parser the grid uses too; control characters dropped.

    In a pasted or imported cell they are never meant (a file that is mostly such characters is
    refused as binary before this, in delimited.read_csv).
    """
    reading = cells.read_cell(CONTROL_CHARACTERS.sub("", text), value_type)
    if reading.message is not None:
        return ParsedCell(CellKind.ERROR, message=reading.message)
    if reading.cell.state is not cells.CellState.VALUE:
        return _STATES[reading.cell.state]
    return ParsedCell(CellKind.VALUE, reading.value, note=reading.note)


def _unreadable(problem: cells.ValueProblem, value: Cell) -> ParsedCell:
    return ParsedCell(CellKind.ERROR, message=cells.problem_message(problem, _shown(value)))


# A number cell of an .xlsx is already a number: it needs no reading of separators, only
# the checks the text parser makes after reading (whole, not absurdly large).


def _number_cell(number: Decimal | None, value: Cell, integer: bool) -> ParsedCell:
    if number is None:
        return _unreadable(cells.ValueProblem.NOT_INTEGER if integer else cells.ValueProblem.NOT_NUMBER, value)
    if abs(number) >= cells.LARGEST:
        return _unreadable(cells.ValueProblem.TOO_LARGE, value)
    if integer:
        if number != number.to_integral_value():
            return _unreadable(cells.ValueProblem.HAS_DECIMALS, value)
        return ParsedCell(CellKind.VALUE, int(number))
    return ParsedCell(CellKind.VALUE, number)


def parse_integer(value: Cell) -> ParsedCell:
    """A whole number the Swedish way: "1 087", "1\\u00a0087", "1\\u202f087",
    "14245", "1.023" (→ 1023, with a note), "−5"; "12,0" and 12.0 are 12.
    Blanks and markers give EMPTY / MISSING / NOT_APPLICABLE; anything else an
    ERROR with a Swedish message ("”12a” är inget heltal.")."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.INTEGER)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return _unreadable(cells.ValueProblem.NOT_INTEGER, value)
    return _number_cell(_decimal_of(value), value, integer=True)


def parse_decimal(value: Cell) -> ParsedCell:
    """A number with a decimal comma: "74,6", "74,6 %" (→ 74.6; the percent sign
    is allowed and dropped), "1 234,5", "1.234,5", "−0,5"; "74.6" and "1,234.5"
    are read the English way. Returns a :class:`~decimal.Decimal` value; see
    :mod:`webapp.statistics.cells` for the dot rule."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.DECIMAL)
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return _unreadable(cells.ValueProblem.NOT_NUMBER, value)
    return _number_cell(_decimal_of(value), value, integer=False)


def _decimal_of(value: int | float | Decimal) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_text(value: Cell) -> ParsedCell:
    """Text, trimmed; blanks and markers as for numbers; numbers and dates as shown."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.TEXT)
    if isinstance(value, float) and value.is_integer():
        return ParsedCell(CellKind.VALUE, str(int(value)))
    return ParsedCell(CellKind.VALUE, _shown(value) if not isinstance(value, (int, Decimal)) else str(value))


def parse_country(value: Cell) -> ParsedCell:
    """A country of the country list by Swedish or English name or code ("Rumänien", "ro") → "RO"."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.COUNTRY)
    return _unreadable(cells.ValueProblem.UNKNOWN_COUNTRY, value)


def parse_date(value: Cell) -> ParsedCell:
    """A day: a date cell, "2021-11-29", "29/11/2021", "29.11.2021", "29 nov 2021"."""
    if value is None or isinstance(value, str):
        return _read_text(value or "", ValueType.DATE)
    if isinstance(value, datetime):
        return ParsedCell(CellKind.VALUE, value.date())
    if isinstance(value, date):
        return ParsedCell(CellKind.VALUE, value)
    return _unreadable(cells.ValueProblem.NOT_DATE, value)


PARSERS: dict[str, Callable[[Cell], ParsedCell]] = {
    "integer": parse_integer,
    "decimal": parse_decimal,
    "text": parse_text,
    "country": parse_country,
    "date": parse_date,
}
"""Column type → cell parser, for propose_import's column_types."""
