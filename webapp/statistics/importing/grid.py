"""The grid every reader returns, and the collector that enforces the limits while reading."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..formatting import format_number
from .limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Cell, ImportRefused


@dataclass(frozen=True)
class Grid:
    """Rectangular cells with the source row numbers kept for messages.

    ``rows[i][j]`` came from source row ``row_numbers[i]`` (1-based) and source
    column ``j + 1`` (columns are never dropped or shifted, only trailing empty
    ones trimmed). Rows with nothing in them are left out. Blank cells are "".
    """

    rows: tuple[tuple[Cell, ...], ...]
    row_numbers: tuple[int, ...]
    source: str = ""
    notes: tuple[str, ...] = ()

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)

    def cell(self, row: int, column: int) -> Cell:
        return self.rows[row][column]


def _is_blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _Collector:
    """Accumulates rows while reading, refusing as soon as a limit is passed."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.rows: list[list[Cell]] = []
        self.numbers: list[int] = []
        self.width = 0
        self.cells = 0

    def add(self, number: int, row: Sequence[Cell]) -> None:
        last = len(row)
        while last and _is_blank(row[last - 1]):
            last -= 1
        if not last:
            return
        if number > MAX_ROWS:
            raise ImportRefused(
                f"För många rader: det finns innehåll på rad {_n(number)}, men högst "
                f"{_n(MAX_ROWS)} rader kan importeras."
            )
        if last > MAX_COLUMNS:
            raise ImportRefused(
                f"För många kolumner: rad {number} har innehåll i kolumn {_column_letter(last - 1)}, "
                f"men högst {_n(MAX_COLUMNS)} kolumner kan importeras."
            )
        self.cells += sum(1 for value in row[:last] if not _is_blank(value))
        if self.cells > MAX_CELLS:
            raise ImportRefused(f"För många ifyllda celler: högst {_n(MAX_CELLS)} kan importeras.")
        self.width = max(self.width, last)
        self.rows.append([("" if value is None else value) for value in row[:last]])
        self.numbers.append(number)

    def grid(self, notes: Sequence[str] = ()) -> Grid:
        width = self.width
        rows = tuple(tuple(row) + ("",) * (width - len(row)) for row in self.rows)
        return Grid(rows=rows, row_numbers=tuple(self.numbers), source=self.source, notes=tuple(notes))


def _n(number: int) -> str:
    return format_number(number)


def _column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    number = index + 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
