"""Table data as entered: every cell is a value, empty, *uppgift saknas* or *ej tillämpligt*.

This is what a block revision stores (a snapshot, so history, diff and restore cover tables
too). It holds what people typed, typed loosely: the spec gives a value its meaning
(``interpret``) and validation says what is wrong with it, so a half-finished table can be
saved and a typo is reported, not lost. Nothing computed is ever stored here.

JSON form (``TableData.to_json``)::

    {"rows": [{"key": "2021-11", "label": null,
               "cells": {"women": {"v": 465}, "men": {"s": "missing"}}}],
     "notes": {"offered:2021-11": "Stängt två nätter för sanering"},
     "justifications": {"<issue id>": "text"},
     "figures": {"unique_visitors": {"v": 606}}}

An absent cell is empty. ``{"s": "missing"}`` is *uppgift saknas*, ``{"s": "not_applicable"}``
*ej tillämpligt*. A value ``{"v": …}`` is an int or a string (decimals as "12.5", dates as
"2021-11-30", countries as "RO", or text). ``figures`` (period-level inputs outside the rows,
e.g. unique visitors) is left out when there are none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType

from webapp.statistics.countries import country_by_code, find_country
from webapp.statistics.formatting import SHORT_MONTHS, MONTHS

MAX_ROWS = 2000
MAX_CELLS_PER_ROW = 200
MAX_KEY = 100
MAX_LABEL = 300
MAX_TEXT = 5000


class CellState(StrEnum):
    VALUE = "value"
    EMPTY = "empty"
    MISSING = "missing"  # uppgift saknas: the answer is that nobody knows
    NOT_APPLICABLE = "not_applicable"  # ej tillämpligt: the question does not apply


class ValueType(StrEnum):
    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    DATE = "date"
    COUNTRY = "country"


NUMERIC_TYPES = frozenset({ValueType.INTEGER, ValueType.DECIMAL})
STATE_WORDS = {CellState.MISSING: "uppgift saknas", CellState.NOT_APPLICABLE: "ej tillämpligt"}
MISSING_WORDS = frozenset({"uppgift saknas", "saknas", "uppgifter saknas", "inga uppgifter", "uppg. saknas"})
NOT_APPLICABLE_WORDS = frozenset({"ej tillämpligt", "ej tillämplig", "gäller ej", "ej aktuellt", "e.t."})

RawValue = int | str


class TableDataError(ValueError):
    """Stored or posted table data does not have the documented shape; the message says where."""


@dataclass(frozen=True)
class Cell:
    state: CellState = CellState.EMPTY
    raw: RawValue | None = None

    def __post_init__(self) -> None:
        if (self.state is CellState.VALUE) != (self.raw is not None):
            raise ValueError("only a value cell carries a raw value")
        if isinstance(self.raw, bool) or not isinstance(self.raw, int | str | None):
            raise ValueError("a raw value is an int or a string")

    @classmethod
    def of(cls, raw: RawValue) -> Cell:
        return cls(CellState.VALUE, raw)

    @property
    def is_empty(self) -> bool:
        return self.state is CellState.EMPTY

    def to_json(self) -> dict:
        if self.state is CellState.VALUE:
            return {"v": self.raw}
        return {"s": self.state.value}


EMPTY = Cell()
MISSING = Cell(CellState.MISSING)
NOT_APPLICABLE = Cell(CellState.NOT_APPLICABLE)


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class Row:
    key: str
    label: str | None = None
    cells: Mapping[str, Cell] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Empty cells are absence: never stored, so two equal tables have equal JSON.
        object.__setattr__(self, "cells", _frozen({k: c for k, c in self.cells.items() if not c.is_empty}))

    def cell(self, column_key: str) -> Cell:
        return self.cells.get(column_key, EMPTY)

    @property
    def is_blank(self) -> bool:
        return not self.cells and not (self.label or "").strip()


def note_key(column_key: str, row_key: str) -> str:
    """Notes belong to a cell: 'offered:2021-11'."""
    return f"{column_key}:{row_key}"


@dataclass(frozen=True)
class TableData:
    rows: tuple[Row, ...] = ()
    notes: Mapping[str, str] = field(default_factory=dict)
    justifications: Mapping[str, str] = field(default_factory=dict)
    figures: Mapping[str, Cell] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))
        keys = [row.key for row in self.rows]
        if len(set(keys)) != len(keys):
            raise TableDataError("Tabelldata: två rader har samma nyckel.")
        object.__setattr__(self, "notes", _frozen(self.notes))
        object.__setattr__(self, "justifications", _frozen(self.justifications))
        object.__setattr__(self, "figures", _frozen({k: c for k, c in self.figures.items() if not c.is_empty}))

    # --- reading -------------------------------------------------------------------------

    def row(self, key: str) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)

    def cell(self, row_key: str, column_key: str) -> Cell:
        row = self.row(row_key)
        return row.cell(column_key) if row else EMPTY

    def figure(self, key: str) -> Cell:
        return self.figures.get(key, EMPTY)

    def note(self, row_key: str, column_key: str) -> str:
        return self.notes.get(note_key(column_key, row_key), "").strip()

    # --- editing (each returns a new TableData) --------------------------------------------

    def with_cell(self, row_key: str, column_key: str, cell: Cell) -> TableData:
        """Set one cell, adding the row at the end if it does not exist yet."""
        row = self.row(row_key) or Row(row_key)
        changed = replace(row, cells={**row.cells, column_key: cell})
        return self._with_row(changed)

    def with_row(self, key: str, label: str | None = None) -> TableData:
        row = self.row(key)
        return self._with_row(replace(row, label=label) if row else Row(key, label))

    def without_row(self, key: str) -> TableData:
        return replace(self, rows=tuple(row for row in self.rows if row.key != key))

    def with_figure(self, key: str, cell: Cell) -> TableData:
        return replace(self, figures={**self.figures, key: cell})

    def with_note(self, row_key: str, column_key: str, text: str) -> TableData:
        notes = {k: v for k, v in self.notes.items() if k != note_key(column_key, row_key)}
        if text.strip():
            notes[note_key(column_key, row_key)] = text
        return replace(self, notes=notes)

    def with_justification(self, issue_id: str, text: str) -> TableData:
        justifications = {k: v for k, v in self.justifications.items() if k != issue_id}
        if text.strip():
            justifications[issue_id] = text
        return replace(self, justifications=justifications)

    def _with_row(self, changed: Row) -> TableData:
        if self.row(changed.key) is None:
            return replace(self, rows=(*self.rows, changed))
        return replace(self, rows=tuple(changed if row.key == changed.key else row for row in self.rows))

    # --- JSON -----------------------------------------------------------------------------

    def to_json(self) -> dict:
        result: dict = {
            "rows": [
                {"key": row.key, "label": row.label, "cells": {k: c.to_json() for k, c in row.cells.items()}}
                for row in self.rows
            ],
            "notes": dict(self.notes),
            "justifications": dict(self.justifications),
        }
        if self.figures:
            result["figures"] = {k: c.to_json() for k, c in self.figures.items()}
        return result

    @classmethod
    def from_json(cls, data: object) -> TableData:
        """Parse the stored form; raises TableDataError naming the first fault."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise TableDataError("Tabelldata måste vara ett objekt.")
        unknown = set(data) - {"rows", "notes", "justifications", "figures"}
        if unknown:
            raise TableDataError(f"Tabelldata: okänt fält {sorted(unknown)[0]!r}.")
        rows_raw = data.get("rows", [])
        if not isinstance(rows_raw, list):
            raise TableDataError("Tabelldata: 'rows' måste vara en lista.")
        if len(rows_raw) > MAX_ROWS:
            raise TableDataError(f"Tabelldata: fler än {MAX_ROWS} rader.")
        rows = tuple(_row_from_json(raw, number) for number, raw in enumerate(rows_raw, start=1))
        if len({row.key for row in rows}) != len(rows):
            raise TableDataError("Tabelldata: två rader har samma nyckel.")
        figures_raw = _mapping(data.get("figures", {}), "figures")
        figures = {_key(k, "figures"): _cell_from_json(v, f"figur {k!r}") for k, v in figures_raw.items()}
        return cls(rows, _texts(data.get("notes", {}), "notes"),
                   _texts(data.get("justifications", {}), "justifications"), figures)


def _mapping(value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise TableDataError(f"Tabelldata: '{where}' måste vara ett objekt.")
    if len(value) > MAX_ROWS * 2:
        raise TableDataError(f"Tabelldata: för många poster i '{where}'.")
    return value


def _key(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY or ":" in value:
        raise TableDataError(f"Tabelldata: ogiltig nyckel {value!r} i {where}.")
    return value


def _text(value: object, where: str, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str):
        raise TableDataError(f"Tabelldata: {where} måste vara text.")
    if len(value) > limit:
        raise TableDataError(f"Tabelldata: {where} är längre än {limit} tecken.")
    return value


def _texts(value: object, where: str) -> dict[str, str]:
    mapping = _mapping(value, where)
    result = {}
    for key, text in mapping.items():
        if not isinstance(key, str) or not key or len(key) > 2 * MAX_KEY + 1:
            raise TableDataError(f"Tabelldata: ogiltig nyckel {key!r} i '{where}'.")
        result[key] = _text(text, f"'{where}' {key!r}")
    return result


def _row_from_json(raw: object, number: int) -> Row:
    where = f"rad {number}"
    if not isinstance(raw, dict):
        raise TableDataError(f"Tabelldata: {where} måste vara ett objekt.")
    unknown = set(raw) - {"key", "label", "cells"}
    if unknown:
        raise TableDataError(f"Tabelldata: {where} har okänt fält {sorted(unknown)[0]!r}.")
    if "key" not in raw:
        raise TableDataError(f"Tabelldata: {where} saknar nyckel.")
    key = _key(raw["key"], where)
    label = raw.get("label")
    if label is not None:
        label = _text(label, f"etiketten på {where}", MAX_LABEL)
    cells_raw = raw.get("cells", {})
    if not isinstance(cells_raw, dict):
        raise TableDataError(f"Tabelldata: cellerna på {where} måste vara ett objekt.")
    if len(cells_raw) > MAX_CELLS_PER_ROW:
        raise TableDataError(f"Tabelldata: {where} har för många celler.")
    cells = {_key(k, where): _cell_from_json(v, f"{where}, kolumn {k!r}") for k, v in cells_raw.items()}
    return Row(key, label, cells)


def _cell_from_json(raw: object, where: str) -> Cell:
    if not isinstance(raw, dict) or len(raw) != 1:
        raise TableDataError(f"Tabelldata: {where} ska vara {{\"v\": …}} eller {{\"s\": …}}.")
    (kind, value), = raw.items()
    if kind == "s":
        if value == CellState.MISSING.value:
            return MISSING
        if value == CellState.NOT_APPLICABLE.value:
            return NOT_APPLICABLE
        raise TableDataError(f"Tabelldata: {where} har okänt läge {value!r}.")
    if kind != "v":
        raise TableDataError(f"Tabelldata: {where} ska vara {{\"v\": …}} eller {{\"s\": …}}.")
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TableDataError(f"Tabelldata: {where} måste vara ett heltal eller text (decimaltal som text).")
    if isinstance(value, str):
        _text(value, where)
        if not value.strip():
            raise TableDataError(f"Tabelldata: {where} är tom text; utelämna cellen i stället.")
    elif abs(value) >= LARGEST:
        raise TableDataError(f"Tabelldata: {where} är orimligt stort.")
    return Cell.of(value)


# --- interpreting raw values -------------------------------------------------------------

class ValueProblem(StrEnum):
    NOT_INTEGER = "not_integer"
    HAS_DECIMALS = "has_decimals"
    NOT_NUMBER = "not_number"
    NOT_DATE = "not_date"
    UNKNOWN_COUNTRY = "unknown_country"
    TOO_LARGE = "too_large"


class ValueProblemError(ValueError):
    def __init__(self, problem: ValueProblem, raw: RawValue) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.raw = raw


_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DOT_GROUPED = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")  # "1.023" as the seed writes a thousand
_DECIMAL = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})$")
_D_MONTH_Y = re.compile(r"^(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{2}|\d{4})$")
_MONTH_WORDS = {name: n for n, name in enumerate(MONTHS, start=1)} | {
    short: n for n, short in enumerate(SHORT_MONTHS, start=1)} | {"sept": 9, "okt": 10, "mars": 3}


def _number_text(text: str) -> str:
    return _SPACES.sub("", text.strip()).replace("\u2212", "-").rstrip("%").strip()


def _decimal(text: str) -> Decimal | None:
    text = _number_text(text)
    if not _DECIMAL.match(text):
        return None
    try:
        number = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def parse_date_text(text: str) -> date | None:
    """ISO '2021-11-30', '30/11/2021', '30.11.21', '30 nov 21', '30 november 2021'."""
    text = " ".join(text.strip().casefold().split())
    try:
        if re.match(r"^\d{4}-\d{2}-\d{2}$", text):
            return date.fromisoformat(text)
        if match := _DMY.match(text):
            return date(_year(match.group(3)), int(match.group(2)), int(match.group(1)))
        if (match := _D_MONTH_Y.match(text)) and match.group(2) in _MONTH_WORDS:
            return date(_year(match.group(3)), _MONTH_WORDS[match.group(2)], int(match.group(1)))
    except ValueError:
        return None
    return None


LARGEST = 10**15  # no figure in a report comes near; bigger is a typo or an attack


def _bounded(number: int, raw: RawValue) -> int:
    if abs(number) >= LARGEST:
        raise ValueProblemError(ValueProblem.TOO_LARGE, raw)
    return number


def interpret(raw: RawValue, value_type: ValueType) -> int | Decimal | str | date:
    """The typed value of a stored raw value, or ValueProblemError saying what is wrong."""
    if value_type is ValueType.TEXT:
        return str(raw)
    if value_type in NUMERIC_TYPES and len(_number_text(str(raw)).lstrip("+-").lstrip("0")) > 24:
        raise ValueProblemError(ValueProblem.TOO_LARGE, raw)
    if value_type is ValueType.INTEGER:
        if isinstance(raw, int):
            return _bounded(raw, raw)
        text = _number_text(raw)
        if _INTEGER.match(text):
            return _bounded(int(text), raw)
        if _DOT_GROUPED.match(text):
            return _bounded(int(text.replace(".", "")), raw)
        number = _decimal(raw)
        if number is None:
            raise ValueProblemError(ValueProblem.NOT_INTEGER, raw)
        if number != number.to_integral_value():
            raise ValueProblemError(ValueProblem.HAS_DECIMALS, raw)
        return _bounded(int(number), raw)
    if value_type is ValueType.DECIMAL:
        number = Decimal(raw) if isinstance(raw, int) else _decimal(raw)
        if number is None:
            raise ValueProblemError(ValueProblem.NOT_NUMBER, raw)
        if abs(number) >= LARGEST:
            raise ValueProblemError(ValueProblem.TOO_LARGE, raw)
        return number
    if value_type is ValueType.DATE:
        day = parse_date_text(raw) if isinstance(raw, str) else None
        if day is None:
            raise ValueProblemError(ValueProblem.NOT_DATE, raw)
        return day
    if value_type is ValueType.COUNTRY:
        country = country_by_code(str(raw)) or find_country(str(raw))
        if country is None:
            raise ValueProblemError(ValueProblem.UNKNOWN_COUNTRY, raw)
        return country.code
    raise ValueError(f"unknown value type {value_type!r}")


def parse_input(text: str | None, value_type: ValueType) -> Cell:
    """A cell from what someone typed or pasted, in canonical stored form.

    '' → empty; 'uppgift saknas' / 'ej tillämpligt' → those states; '1 054' → 1054;
    '12,5' → "12.5"; '30 nov 21' → "2021-11-30"; 'Rumänien' → "RO". Text that cannot be
    read as the column's type is kept as typed, so validation can name it.
    """
    if text is None or not str(text).strip():
        return EMPTY
    text = " ".join(str(text).split())
    word = text.casefold().rstrip(".")
    if word in MISSING_WORDS or text.casefold() in MISSING_WORDS:
        return MISSING
    if word in NOT_APPLICABLE_WORDS or text.casefold() in NOT_APPLICABLE_WORDS:
        return NOT_APPLICABLE
    text = text[:MAX_TEXT]
    try:
        value = interpret(text, value_type)
    except ValueProblemError as problem:
        if problem.problem is ValueProblem.HAS_DECIMALS:
            return Cell.of(format(_decimal(text), "f"))
        return Cell.of(text)
    if isinstance(value, Decimal):
        return Cell.of(int(value)) if _INTEGER.match(_number_text(text)) else Cell.of(format(value, "f"))
    if isinstance(value, date):
        return Cell.of(value.isoformat())
    return Cell.of(value)
