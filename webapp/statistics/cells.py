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
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from webapp.statistics.countries import country_by_code, find_country
from webapp.statistics.formatting import MONTHS, SHORT_MONTHS, format_number, strip_accents

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
        """Set one cell's note; blank text removes it.

        Public engine API: the grid has no note field yet, but validate's
        ``override_without_note`` warning asks the writer for one, and the document
        already prints notes (``note``); the note field will set them through this.
        """
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
        return cls(
            rows,
            _texts(data.get("notes", {}), "notes"),
            _texts(data.get("justifications", {}), "justifications"),
            figures,
        )


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
        raise TableDataError(f'Tabelldata: {where} ska vara {{"v": …}} eller {{"s": …}}.')
    ((kind, value),) = raw.items()
    if kind == "s":
        if value == CellState.MISSING.value:
            return MISSING
        if value == CellState.NOT_APPLICABLE.value:
            return NOT_APPLICABLE
        raise TableDataError(f"Tabelldata: {where} har okänt läge {value!r}.")
    if kind != "v":
        raise TableDataError(f'Tabelldata: {where} ska vara {{"v": …}} eller {{"s": …}}.')
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TableDataError(f"Tabelldata: {where} måste vara ett heltal eller text (decimaltal som text).")
    if isinstance(value, str):
        _text(value, where)
        if not value.strip():
            raise TableDataError(f"Tabelldata: {where} är tom text; utelämna cellen i stället.")
    elif abs(value) >= LARGEST:
        raise TableDataError(f"Tabelldata: {where} är orimligt stort.")
    return Cell.of(value)


# --- the Swedish cell parser --------------------------------------------------------------
#
# One reading of a typed or pasted text, for the grid (parse_input) and for import
# (webapp.statistics.importing), so the same string gives the same cell on both ways in.
# The rules, as a careful Swedish writer expects them:
#
# States: blank and a lone dash ("-", "–", "—", "−") are *empty* (spreadsheets write a dash
#   for "nothing here"; it is not guessed to be 0). MISSING_WORDS ("uppgift saknas", "u.s.",
#   "..", …) are *uppgift saknas*, NOT_APPLICABLE_WORDS ("ej tillämpligt", "e.t.", …) are
#   *ej tillämpligt*, in any column; case, spacing ("U. S."), accents and a closing full stop
#   do not matter.
# Numbers: a comma is the decimal sign; a space (also no-break, narrow or thin) groups
#   thousands, but only in well-formed groups of three ("1 087", not "10 87"); "-", "−" or
#   "–" before a number is minus. "%" after a number is allowed in decimal columns and
#   dropped ("74,6 %" → 74.6); in an integer column it is refused.
# The dot: the seed writes "1.023" for 1 023, so a dot followed by groups of exactly three
#   digits groups thousands in an integer column ("1.023" → 1023, "1.234.567"), and in a
#   decimal column when there are several ("1.234.567") or a decimal comma follows
#   ("1.234,5"). A single such dot in a decimal column ("74.6", "1.023") is a decimal point:
#   that is where English-style exports turn up. Both readings of "1.023" come with a note.
# The comma before exactly three digits in an integer column ("1,500") is ambiguous (1 500
#   in English, 1,5 in Swedish) and is refused, not guessed; several comma groups
#   ("1,234,567") and "1,234.5" can only be English and are read that way.
# Text that cannot be read as the column's type is kept as typed, so validation can name
#   it; the import shows the Swedish message instead and applies nothing.

EMPTY_MARKS = frozenset({"-", "–", "—", "−"})
MISSING_WORDS = frozenset(
    {
        "uppgift saknas",
        "uppgifter saknas",
        "saknas",
        "saknas uppgift",
        "uppg. saknas",
        "u.s.",
        "u.s",
        "us.",
        "inga uppgifter",
        "ingen uppgift",
        "uppgift finns ej",
        "uppgift finns inte",
        "..",
    }
)
NOT_APPLICABLE_WORDS = frozenset(
    {
        "ej tillämpligt",
        "ej tillämplig",
        "ej tillämpl.",
        "inte tillämpligt",
        "inte tillämplig",
        "e.t.",
        "e.t",
        "gäller ej",
        "gäller inte",
        "ej aktuellt",
        "ej aktuell",
        "inte aktuellt",
    }
)


class ValueProblem(StrEnum):
    NOT_INTEGER = "not_integer"
    HAS_DECIMALS = "has_decimals"
    NOT_NUMBER = "not_number"
    NOT_DATE = "not_date"
    UNKNOWN_COUNTRY = "unknown_country"
    TOO_LARGE = "too_large"


_PROBLEM_TEXTS = {
    ValueProblem.NOT_INTEGER: "är inget heltal.",
    ValueProblem.HAS_DECIMALS: "är inget heltal.",
    ValueProblem.NOT_NUMBER: "är inget tal.",
    ValueProblem.NOT_DATE: "är inget datum (skriv till exempel 2021-11-29).",
    ValueProblem.UNKNOWN_COUNTRY: "finns inte i landlistan.",
    ValueProblem.TOO_LARGE: "är ett orimligt stort tal.",
}


def shown_text(text: str) -> str:
    """A value as a message quotes it: spaces collapsed, at most 40 characters."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:39] + "…"


def problem_message(problem: ValueProblem, shown: str) -> str:
    """The Swedish sentence for a value that cannot be read: "”12a” är inget heltal."."""
    return f"”{shown}” {_PROBLEM_TEXTS[problem]}"


class ValueProblemError(ValueError):
    """``problem`` says what is wrong; ``message`` says it in Swedish, quoting the value."""

    def __init__(self, problem: ValueProblem, raw: RawValue, message: str | None = None) -> None:
        super().__init__(problem.value)
        self.problem = problem
        self.raw = raw
        self.message = message or problem_message(problem, shown_text(str(raw)))


def _state_key(text: str) -> str:
    """'U. S.' → 'u.s.', ' Ej  Tillampligt ' → 'ej tillampligt'."""
    key = re.sub(r"\.\s+(?=\w)", ".", " ".join(text.casefold().split()))
    return strip_accents(key)


_EMPTY_KEYS = frozenset(EMPTY_MARKS)
_MISSING_KEYS = frozenset(map(_state_key, MISSING_WORDS))
_NOT_APPLICABLE_KEYS = frozenset(map(_state_key, NOT_APPLICABLE_WORDS))


def read_state(text: str | None) -> Cell | None:
    """EMPTY, MISSING or NOT_APPLICABLE for a blank, a dash or a state word; None for anything else."""
    if text is None or not text.strip():
        return EMPTY
    key = _state_key(text)
    if key in _EMPTY_KEYS:
        return EMPTY
    # "Uppgift saknas." — a closing full stop after a word, never after "..", which is a word itself.
    keys = (key, key[:-1]) if key.endswith(".") and key[-2:-1].isalpha() else (key,)
    if not _MISSING_KEYS.isdisjoint(keys):
        return MISSING
    if not _NOT_APPLICABLE_KEYS.isdisjoint(keys):
        return NOT_APPLICABLE
    return None


LARGEST = 10**15  # no figure in a report comes near; bigger is a typo or an attack

MINUS_SIGNS = "-−–"
_GROUPS_OF_THREE = r"[0-9]{{1,3}}(?:{sep}[0-9]{{3}})+"
_DIGITS = re.compile(r"[0-9]+")
_SPACE_GROUPED = re.compile(_GROUPS_OF_THREE.format(sep=" "))
_DOT_GROUPED = re.compile(_GROUPS_OF_THREE.format(sep=r"\."))
_COMMA_GROUPED = re.compile(_GROUPS_OF_THREE.format(sep=","))
_SWEDISH_DECIMAL = re.compile(rf"([0-9]+|{_SPACE_GROUPED.pattern}|{_DOT_GROUPED.pattern})?,([0-9]+)")
_ENGLISH_DECIMAL = re.compile(rf"([0-9]+|{_SPACE_GROUPED.pattern}|{_COMMA_GROUPED.pattern})?\.([0-9]+)")
_EXCEL_ERRORS = frozenset({"#N/A", "#SAKNAS!", "#SAKNAS"})


def _read_number(text: str, integer: bool) -> tuple[Decimal, str | None]:
    """(number, note) for a text in a numeric column, or ValueProblemError with a Swedish message."""
    unreadable = ValueProblem.NOT_INTEGER if integer else ValueProblem.NOT_NUMBER
    s = " ".join(text.split())
    if s.startswith("#") and (s.endswith(("!", "?")) or s.upper() in _EXCEL_ERRORS):
        raise ValueProblemError(unreadable, text, f"”{shown_text(text)}” är ett felvärde från Excel, inget tal.")
    percent = s.endswith("%")
    if percent:
        s = s[:-1].rstrip()
    negative = False
    if s[:1] and s[0] in MINUS_SIGNS + "+":
        negative = s[0] != "+"
        s = s[1:].lstrip()
    note = None
    number: Decimal | None = None
    if _DIGITS.fullmatch(s) or _SPACE_GROUPED.fullmatch(s):
        number = Decimal(s.replace(" ", ""))
    elif _DOT_GROUPED.fullmatch(s):
        if integer or s.count(".") > 1:
            number = Decimal(s.replace(".", ""))
            if s.count(".") == 1:
                note = (
                    f"”{shown_text(text)}” lästes som {format_number(number)} (punkten tolkas som tusentalsavgränsare)."
                )
        else:
            number = Decimal(s)
            note = (
                f"”{shown_text(text)}” lästes som {str(number).replace('.', ',')} (punkten tolkas som decimaltecken)."
            )
    elif _COMMA_GROUPED.fullmatch(s):
        if s.count(",") > 1:
            number = Decimal(s.replace(",", ""))
        elif integer:
            raise ValueProblemError(
                ValueProblem.HAS_DECIMALS,
                text,
                (
                    f"”{shown_text(text)}” är inget heltal: kommatecknet är ett decimaltecken. "
                    f"Skriv {s.replace(',', '')} eller {s.replace(',', ' ')} om det är ett tusental."
                ),
            )
        else:
            number = Decimal(s.replace(",", "."))
    elif match := _SWEDISH_DECIMAL.fullmatch(s):
        whole = (match.group(1) or "0").replace(" ", "").replace(".", "")
        number = Decimal(f"{whole}.{match.group(2)}")
    elif match := _ENGLISH_DECIMAL.fullmatch(s):
        whole = (match.group(1) or "0").replace(" ", "").replace(",", "")
        number = Decimal(f"{whole}.{match.group(2)}")
    if number is None:
        raise ValueProblemError(unreadable, text)
    if integer and percent:
        raise ValueProblemError(
            ValueProblem.NOT_INTEGER, text, f"”{shown_text(text)}” är en procentsats, inte ett heltal."
        )
    if number >= LARGEST:
        raise ValueProblemError(ValueProblem.TOO_LARGE, text)
    if integer and number != number.to_integral_value():
        raise ValueProblemError(ValueProblem.HAS_DECIMALS, text)
    return (number.copy_negate() if negative else number), note


MONTH_NUMBERS: Mapping[str, int] = MappingProxyType(
    {
        **{name: number for number, name in enumerate(MONTHS, start=1)},
        **{short: number for number, short in enumerate(SHORT_MONTHS, start=1)},
        "febr": 2,
        "sept": 9,
        "january": 1,
        "february": 2,
        "march": 3,
        "may": 5,
        "june": 6,
        "july": 7,
        "october": 10,
        "oct": 10,
    }
)
"""Month names and abbreviations, Swedish and the English ones that differ, to month numbers."""

_DATE_SEPARATORS = re.compile(r"[\s\-/.,:]+")
_YEAR_FIRST = re.compile(r"([0-9]{4}) ([0-9]{1,2}) ([0-9]{1,2})(?: 00 00(?: 00)?)?")
_DAY_FIRST = re.compile(r"([0-9]{1,2}) ([0-9]{1,2}) ([0-9]{2}|[0-9]{4})")
_DAY_MONTH_NAME = re.compile(r"([0-9]{1,2}) ([a-zåäö]+) ([0-9]{2}|[0-9]{4})")


def _year(text: str) -> int:
    return int(text) + 2000 if len(text) == 2 else int(text)


def parse_date_text(text: str) -> date | None:
    """'2021-11-30' (also with a midnight time, as CSV exports write it), '30/11/2021',
    '30.11.21', '30-11-2021', '30 nov 21', '30 november 2021', '30 Nov. 2021'."""
    folded = _DATE_SEPARATORS.sub(" ", text.casefold()).strip()
    try:
        if match := _YEAR_FIRST.fullmatch(folded):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _DAY_FIRST.fullmatch(folded):
            return date(_year(match.group(3)), int(match.group(2)), int(match.group(1)))
        if (match := _DAY_MONTH_NAME.fullmatch(folded)) and match.group(2) in MONTH_NUMBERS:
            return date(_year(match.group(3)), MONTH_NUMBERS[match.group(2)], int(match.group(1)))
    except ValueError:
        return None
    return None


def _bounded(number: int, raw: RawValue) -> int:
    if abs(number) >= LARGEST:
        raise ValueProblemError(ValueProblem.TOO_LARGE, raw)
    return number


def _read_date(raw: RawValue) -> date:
    day = parse_date_text(raw) if isinstance(raw, str) else None
    if day is None:
        raise ValueProblemError(ValueProblem.NOT_DATE, raw)
    return day


def _read_integer(raw: RawValue) -> tuple[int, str | None]:
    if isinstance(raw, int):
        return _bounded(raw, raw), None
    number, note = _read_number(raw, integer=True)
    return int(number), note


def _read_value(raw: RawValue, value_type: ValueType) -> tuple[int | Decimal | str | date, str | None]:
    """(typed value, note) of a raw value, or ValueProblemError saying what is wrong."""
    if value_type is ValueType.TEXT:
        return str(raw), None
    if value_type is ValueType.COUNTRY:
        country = country_by_code(str(raw)) or find_country(str(raw))
        if country is None:
            raise ValueProblemError(ValueProblem.UNKNOWN_COUNTRY, raw)
        return country.code, None
    if value_type is ValueType.DATE:
        return _read_date(raw), None
    if value_type is ValueType.INTEGER:
        return _read_integer(raw)
    if value_type is not ValueType.DECIMAL:
        raise ValueError(f"unknown value type {value_type!r}")
    return _read_decimal(raw)


def _read_decimal(raw: RawValue) -> tuple[Decimal, str | None]:
    if isinstance(raw, int):
        return Decimal(_bounded(raw, raw)), None
    return _read_number(raw, integer=False)


def interpret(raw: RawValue, value_type: ValueType) -> int | Decimal | str | date:
    """The typed value of a stored raw value, or ValueProblemError saying what is wrong."""
    return _read_value(raw, value_type)[0]


def interpret_integer(raw: RawValue) -> int:
    """``interpret`` in an integer column, typed as such."""
    return _read_integer(raw)[0]


def interpret_number(raw: RawValue, value_type: ValueType) -> int | Decimal:
    """``interpret`` in a numeric (integer or decimal) column, typed as such."""
    if value_type is ValueType.INTEGER:
        return _read_integer(raw)[0]
    if value_type is ValueType.DECIMAL:
        return _read_decimal(raw)[0]
    raise ValueError(f"{value_type!r} is not a numeric type")


def interpret_date(raw: RawValue) -> date:
    """``interpret`` in a date column, typed as such."""
    return _read_date(raw)


@dataclass(frozen=True)
class CellReading:
    """What a typed or pasted text says in a column.

    ``cell`` is what the table stores: a state, the value in canonical form, or, when the text
    cannot be read, the text as typed. ``value`` is the typed value read (None otherwise);
    ``problem`` and ``message`` (Swedish, quoting the text) say why it cannot be read; ``note``
    (Swedish) says how an odd value was read ("”1.023” lästes som 1 023 …").
    """

    cell: Cell
    value: int | Decimal | str | date | None = None
    problem: ValueProblem | None = None
    message: str | None = None
    note: str | None = None


def _stored(value: int | Decimal | str | date) -> Cell:
    if isinstance(value, Decimal):
        # A whole number written without decimals ("70") stays an int; "70,0" keeps its decimal.
        # (The exponent is a letter only for NaN and infinities, which the parser never reads.)
        exponent = value.as_tuple().exponent
        return Cell.of(int(value)) if isinstance(exponent, int) and exponent >= 0 else Cell.of(format(value, "f"))
    if isinstance(value, date):
        return Cell.of(value.isoformat())
    return Cell.of(value)


def read_cell(text: str | None, value_type: ValueType) -> CellReading:
    """The Swedish cell parser: what ``text`` says in a column of ``value_type``.

    The rules are in the comment above. Never raises for any text.
    """
    state = read_state(text)
    if state is not None:
        return CellReading(state)
    text = " ".join(str(text).split())[:MAX_TEXT]
    try:
        value, note = _read_value(text, value_type)
    except ValueProblemError as problem:
        return CellReading(Cell.of(text), problem=problem.problem, message=problem.message)
    return CellReading(_stored(value), value, note=note)


def parse_input(text: str | None, value_type: ValueType) -> Cell:
    """A cell from what someone typed, in canonical stored form (see :func:`read_cell`).

    '' → empty; 'u.s.' / 'e.t.' → *uppgift saknas* / *ej tillämpligt*; '1 054' → 1054;
    '12,5' in a decimal column → "12.5"; '30 nov 21' → "2021-11-30"; 'Rumänien' → "RO".
    Text that cannot be read as the column's type ('1,500' or '12,5' in an integer column)
    is kept as typed, so validation can name it.
    """
    return read_cell(text, value_type).cell
