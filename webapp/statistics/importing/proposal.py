"""The proposal: a grid matched against the wanted columns and rows, every cell parsed,
every problem named in Swedish (see :func:`propose_import`). Nothing is applied here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from .cell_values import PARSERS, ParsedCell, _shown
from .grid import Grid, _column_letter, _is_blank, _n
from .limits import HEADER_SCAN_ROWS, LABEL_SCAN_ROWS, MAX_PROBLEMS, Cell, Key
from .matching import (
    _ColumnMatch,
    _display,
    _is_total_label,
    _match_columns_detail,
    _match_rows_detail,
    _month_text,
    _RowMatch,
)


@dataclass(frozen=True)
class Problem:
    """A Swedish sentence naming where ("Rad 3, kolumn Kvinnor: …"), plus the
    same place as data (source row/column numbers, 1-based) for highlighting."""

    message: str
    row: int | None = None
    column: int | None = None
    row_key: Key | None = None
    column_key: Key | None = None


@dataclass
class ImportProposal:
    """What an import would write, for a preview. Nothing is applied here.

    ``cells`` holds every matched (row key, column key) — errors included, so a
    preview can mark them; ``problems`` are errors that must block applying;
    ``notes`` are things worth showing (skipped rows, how "1.023" was read).
    """

    cells: dict[tuple[Key, Key], ParsedCell] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    column_map: dict[Key, int] = field(default_factory=dict)  # key → source column (1-based)
    row_map: dict[Key, int] = field(default_factory=dict)  # key → source row (1-based)
    missing_columns: list[Key] = field(default_factory=list)
    missing_rows: list[Key] = field(default_factory=list)
    unmatched_headers: list[tuple[int, str]] = field(default_factory=list)  # (source column, text)
    unmatched_rows: list[tuple[int, str]] = field(default_factory=list)  # (source row, label)
    header_row: int | None = None  # source row number
    label_column: int | None = None  # source column number

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.cells)

    def values(self) -> dict[tuple[Key, Key], ParsedCell]:
        """The cells without errors."""
        return {place: cell for place, cell in self.cells.items() if not cell.is_error}


def propose_import(
    grid: Grid,
    columns: Sequence[tuple[Key, Sequence[str]]],
    rows: Sequence[tuple[Key, Sequence[str]]] | None,
    column_types: Mapping[Key, str | Callable[[Cell], ParsedCell]],
    *,
    header_row: int | None = None,
    label_column: int | None = None,
) -> ImportProposal:
    """Match ``grid`` against the wanted columns and rows and parse every cell.

    ``columns``: the input columns, ``(key, aliases)``, the first alias doubling
    as the display name. ``rows``: ``(key, aliases)`` with a ``date`` key for a
    month row, or ``None`` for free rows (every data row below the header
    becomes a row keyed 0, 1, 2 …). ``column_types``: key → "integer",
    "decimal", "text", "date", "country" or a parser. ``header_row`` and
    ``label_column`` (0-based grid indexes) override the detection: the header
    row is the row among the first :data:`HEADER_SCAN_ROWS` whose cells match
    the most columns; the label column the one whose cells match the most rows.
    Without a header row, a grid whose value columns are exactly as many as
    ``columns`` is read in that order (six pasted rows: month, women, men).

    Never raises for bad content; only an unknown type name (a programming
    error) raises ValueError.
    """
    parsers: dict[Key, Callable[[Cell], ParsedCell]] = {}
    for key, _aliases in columns:
        kind = column_types.get(key, "text")
        if callable(kind):
            parsers[key] = kind
        elif kind in PARSERS:
            parsers[key] = PARSERS[kind]
        else:
            raise ValueError(f"unknown column type {kind!r} for {key!r}")

    proposal = ImportProposal()
    proposal.notes.extend(Problem(note) for note in grid.notes)
    if not grid.height or not columns:
        proposal.problems.append(Problem("Det finns inga celler att importera."))
        return proposal
    names = {key: _display((key, aliases)) for key, aliases in columns}
    expected_headers = ", ".join(names.values())

    # header row
    column_match: _ColumnMatch | None = None
    header_index: int | None = header_row
    if header_index is None:
        best_count = 0
        for index in range(min(HEADER_SCAN_ROWS, grid.height)):
            match = _match_columns_detail(grid.rows[index], columns)
            if len(match.mapping) > best_count:
                best_count, header_index, column_match = len(match.mapping), index, match
    elif 0 <= header_index < grid.height:
        column_match = _match_columns_detail(grid.rows[header_index], columns)
    else:
        header_index = None
    first_data = header_index + 1 if header_index is not None else 0

    # label column
    row_match: _RowMatch | None = None
    label_index = label_column
    if rows is not None:
        claimed = set(column_match.mapping.values()) if column_match else set()
        if label_index is None:
            label_index = _detect_label_column(grid, rows, claimed, first_data)
        if label_index is not None:
            row_match = _match_rows_detail(grid, rows, label_index, first_data)

    # positional fallback: no header row at all
    header_cells: dict[int, str] = {}
    if column_match is None or not column_match.mapping:
        positional = _positional_columns(grid, columns, label_index, row_match, rows is None)
        if positional is None:
            proposal.problems.append(
                Problem(
                    f"Hittade ingen rubrikrad med kända kolumnnamn ({expected_headers}). "
                    "Lägg till en rubrikrad överst eller klistra in kolumnerna i den ordningen."
                )
            )
            return proposal
        column_map = positional
        header_index = None
        first_data = 0
        proposal.notes.append(
            Problem(
                "Ingen rubrikrad hittades; kolumnerna lästes i ordningen "
                + ", ".join(f"{_column_letter(i)} = {names[k]}" for k, i in column_map.items())
                + "."
            )
        )
    else:
        column_map = column_match.mapping
        assert header_index is not None
        proposal.header_row = grid.row_numbers[header_index]
        header_cells = {i: _shown(v) for i, v in enumerate(grid.rows[header_index]) if not _is_blank(v)}
        proposal.notes.extend(Problem(note, row=proposal.header_row) for note in column_match.notes)
        proposal.unmatched_headers = [
            (i + 1, header_cells[i]) for i in column_match.unmatched if i != label_index and i in header_cells
        ]

    def column_name(index: int) -> str:
        return header_cells.get(index) or f"{_column_letter(index)}"

    proposal.column_map = {key: index + 1 for key, index in column_map.items()}
    proposal.missing_columns = [key for key, _aliases in columns if key not in column_map]
    if proposal.missing_columns and column_map:
        proposal.notes.append(
            Problem(
                "Kolumner som inte finns i underlaget och lämnas orörda: "
                + ", ".join(names[key] for key in proposal.missing_columns)
                + "."
            )
        )

    # rows
    row_map: dict[Key, int]
    if rows is None:
        row_map = {}
        for index in range(first_data, grid.height):
            cells = [grid.rows[index][c] for c in column_map.values()]
            if all(_is_blank(v) for v in cells):
                continue
            first = next((v for v in grid.rows[index] if not _is_blank(v)), "")
            if _is_total_label(first):
                proposal.notes.append(
                    Problem(
                        f"Rad {grid.row_numbers[index]}: summeringsraden hoppas över – summor räknas ut automatiskt.",
                        row=grid.row_numbers[index],
                    )
                )
                continue
            row_map[len(row_map)] = index
    else:
        if row_match is None or label_index is None:
            labels = ", ".join(
                _month_text(key) if isinstance(key, date) else _display((key, aliases))
                for key, aliases in list(rows)[:6]
            )
            proposal.problems.append(Problem(f"Hittade ingen kolumn med radernas namn (till exempel {labels})."))
            return proposal
        proposal.label_column = label_index + 1
        row_map = row_match.mapping
        label_name = column_name(label_index)
        for index, message in row_match.problems:
            proposal.problems.append(Problem(message, row=grid.row_numbers[index], column=label_index + 1))
        for index, message in row_match.notes:
            proposal.notes.append(Problem(message, row=grid.row_numbers[index], column=label_index + 1))
        for index in row_match.totals:
            number = grid.row_numbers[index]
            proposal.notes.append(
                Problem(
                    f"Rad {number}: summeringsraden ”{_shown(grid.rows[index][label_index])}” hoppas över "
                    "– summor räknas ut automatiskt.",
                    row=number,
                )
            )
        for index in row_match.unmatched:
            number = grid.row_numbers[index]
            label = _shown(grid.rows[index][label_index])
            proposal.unmatched_rows.append((number, label))
            has_data = any(not _is_blank(grid.rows[index][c]) for c in column_map.values())
            if has_data:
                known = "månad eller rad i tabellen" if any(isinstance(k, date) for k, _a in rows) else "rad i tabellen"
                proposal.problems.append(
                    Problem(
                        f"Rad {number}, kolumn {label_name}: ”{label}” är ingen känd {known}.",
                        row=number,
                        column=label_index + 1,
                    )
                )
        proposal.missing_rows = [key for key, _aliases in rows if key not in row_map]
        if not row_map and not row_match.problems:
            proposal.problems.append(Problem(f"Ingen rad i kolumn {label_name} känns igen som en rad i tabellen."))

    # cells
    proposal.row_map = {key: grid.row_numbers[index] for key, index in row_map.items()}
    for row_key, index in row_map.items():
        number = grid.row_numbers[index]
        for column_key, column in column_map.items():
            parsed = parsers[column_key](grid.rows[index][column])
            proposal.cells[(row_key, column_key)] = parsed
            where = f"Rad {number}, kolumn {column_name(column)}"
            if parsed.is_error:
                proposal.problems.append(
                    Problem(
                        f"{where}: {parsed.message}",
                        row=number,
                        column=column + 1,
                        row_key=row_key,
                        column_key=column_key,
                    )
                )
            elif parsed.note:
                proposal.notes.append(
                    Problem(
                        f"{where}: {parsed.note}",
                        row=number,
                        column=column + 1,
                        row_key=row_key,
                        column_key=column_key,
                    )
                )
    if not proposal.cells and not proposal.problems:
        proposal.problems.append(Problem("Det finns inga celler att importera."))

    proposal.problems.sort(key=lambda p: (p.row or 0, p.column or 0))
    if len(proposal.problems) > MAX_PROBLEMS:
        rest = len(proposal.problems) - MAX_PROBLEMS
        del proposal.problems[MAX_PROBLEMS:]
        proposal.problems.append(Problem(f"… och {_n(rest)} fel till."))
    return proposal


def _detect_label_column(
    grid: Grid, rows: Sequence[tuple[Key, Sequence[str]]], claimed: set[int], start: int
) -> int | None:
    window = Grid(grid.rows[start : start + LABEL_SCAN_ROWS], grid.row_numbers[start : start + LABEL_SCAN_ROWS])
    best_count, best_column = 0, None
    for column in range(grid.width):
        if column in claimed:
            continue
        if all(_is_blank(row[column]) for row in window.rows):
            continue
        match = _match_rows_detail(window, rows, column)
        # a label recognised as a month outside the period, or as an ambiguous one, still marks the column
        count = len(match.mapping) + len(match.problems) + len(match.notes)
        if count > best_count:
            best_count, best_column = count, column
    return best_column


def _positional_columns(
    grid: Grid,
    columns: Sequence[tuple[Key, Sequence[str]]],
    label_index: int | None,
    row_match: _RowMatch | None,
    free_rows: bool,
) -> dict[Key, int] | None:
    if free_rows:
        used = [c for c in range(grid.width) if any(not _is_blank(row[c]) for row in grid.rows)]
    else:
        if label_index is None or row_match is None or not row_match.mapping:
            return None
        data_rows = [grid.rows[i] for i in row_match.mapping.values()]
        used = [c for c in range(grid.width) if c != label_index and any(not _is_blank(row[c]) for row in data_rows)]
    if len(used) != len(columns):
        return None
    return {key: column for (key, _aliases), column in zip(columns, used)}
