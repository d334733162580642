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
    parsers = _parsers(columns, column_types)
    proposal = ImportProposal()
    proposal.notes.extend(Problem(note) for note in grid.notes)
    if not grid.height or not columns:
        proposal.problems.append(Problem("Det finns inga celler att importera."))
        return proposal
    names = {key: _display((key, aliases)) for key, aliases in columns}

    header_index, column_match = _find_header_row(grid, columns, header_row)
    first_data = header_index + 1 if header_index is not None else 0
    label_index, row_match = _find_label_column(grid, rows, column_match, label_column, first_data)
    layout: _Layout | None
    if column_match is None or not column_match.mapping:
        layout = _columns_by_position(proposal, grid, columns, names, label_index, row_match, rows is None)
    else:
        assert header_index is not None
        layout = _columns_by_header(proposal, grid, header_index, column_match, label_index)
    if layout is None:
        return proposal
    _record_columns(proposal, columns, names, layout.column_map)

    row_map: dict[Key, int] | None
    if rows is None:
        row_map = _free_rows(proposal, grid, layout)
    else:
        row_map = _labelled_rows(proposal, grid, rows, layout, label_index, row_match)
        if row_map is None:
            return proposal
    _parse_cells(proposal, grid, parsers, layout, row_map)
    _finish(proposal)
    return proposal


@dataclass(frozen=True)
class _Layout:
    """Where the values are: each column key's grid column, the header texts, the first data row."""

    column_map: dict[Key, int]
    header_cells: dict[int, str]  # grid column → header text shown, for messages
    first_data: int

    def column_name(self, index: int) -> str:
        return self.header_cells.get(index) or _column_letter(index)


def _parsers(
    columns: Sequence[tuple[Key, Sequence[str]]], column_types: Mapping[Key, str | Callable[[Cell], ParsedCell]]
) -> dict[Key, Callable[[Cell], ParsedCell]]:
    """Column key → cell parser; a column without a type is text. An unknown type name raises ValueError."""
    parsers: dict[Key, Callable[[Cell], ParsedCell]] = {}
    for key, _aliases in columns:
        kind = column_types.get(key, "text")
        if callable(kind):
            parsers[key] = kind
        elif kind in PARSERS:
            parsers[key] = PARSERS[kind]
        else:
            raise ValueError(f"unknown column type {kind!r} for {key!r}")
    return parsers


def _find_header_row(
    grid: Grid, columns: Sequence[tuple[Key, Sequence[str]]], header_row: int | None
) -> tuple[int | None, _ColumnMatch | None]:
    """The given header row (None if outside the grid), else the row among the first
    :data:`HEADER_SCAN_ROWS` whose cells match the most columns (None if none matches)."""
    if header_row is not None:
        if 0 <= header_row < grid.height:
            return header_row, _match_columns_detail(grid.rows[header_row], columns)
        return None, None
    best_count = 0
    best: tuple[int | None, _ColumnMatch | None] = (None, None)
    for index in range(min(HEADER_SCAN_ROWS, grid.height)):
        match = _match_columns_detail(grid.rows[index], columns)
        if len(match.mapping) > best_count:
            best_count, best = len(match.mapping), (index, match)
    return best


def _find_label_column(
    grid: Grid,
    rows: Sequence[tuple[Key, Sequence[str]]] | None,
    column_match: _ColumnMatch | None,
    label_column: int | None,
    first_data: int,
) -> tuple[int | None, _RowMatch | None]:
    """The column holding the row labels (given, or the unclaimed one matching the most rows)
    and its rows matched; free rows (``rows`` None) match nothing."""
    if rows is None:
        return label_column, None
    label_index = label_column
    if label_index is None:
        claimed = set(column_match.mapping.values()) if column_match else set()
        label_index = _detect_label_column(grid, rows, claimed, first_data)
    if label_index is None:
        return None, None
    return label_index, _match_rows_detail(grid, rows, label_index, first_data)


def _columns_by_position(
    proposal: ImportProposal,
    grid: Grid,
    columns: Sequence[tuple[Key, Sequence[str]]],
    names: Mapping[Key, str],
    label_index: int | None,
    row_match: _RowMatch | None,
    free_rows: bool,
) -> _Layout | None:
    """No header row: the value columns in the order of ``columns``, if they are as many;
    else None, with the problem said."""
    column_map = _positional_columns(grid, columns, label_index, row_match, free_rows)
    if column_map is None:
        proposal.problems.append(
            Problem(
                f"Hittade ingen rubrikrad med kända kolumnnamn ({', '.join(names.values())}). "
                "Lägg till en rubrikrad överst eller klistra in kolumnerna i den ordningen."
            )
        )
        return None
    proposal.notes.append(
        Problem(
            "Ingen rubrikrad hittades; kolumnerna lästes i ordningen "
            + ", ".join(f"{_column_letter(i)} = {names[k]}" for k, i in column_map.items())
            + "."
        )
    )
    return _Layout(column_map, header_cells={}, first_data=0)


def _columns_by_header(
    proposal: ImportProposal, grid: Grid, header_index: int, column_match: _ColumnMatch, label_index: int | None
) -> _Layout:
    """The columns the header row matched; its notes and the headers that matched nothing."""
    proposal.header_row = grid.row_numbers[header_index]
    header_cells = {i: _shown(v) for i, v in enumerate(grid.rows[header_index]) if not _is_blank(v)}
    proposal.notes.extend(Problem(note, row=proposal.header_row) for note in column_match.notes)
    proposal.unmatched_headers = [
        (i + 1, header_cells[i]) for i in column_match.unmatched if i != label_index and i in header_cells
    ]
    return _Layout(column_match.mapping, header_cells, first_data=header_index + 1)


def _record_columns(
    proposal: ImportProposal,
    columns: Sequence[tuple[Key, Sequence[str]]],
    names: Mapping[Key, str],
    column_map: dict[Key, int],
) -> None:
    """The source column of each found column, and a note naming those not found."""
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


def _free_rows(proposal: ImportProposal, grid: Grid, layout: _Layout) -> dict[Key, int]:
    """Every data row with a value, keyed 0, 1, 2 …; a total row is skipped with a note."""
    row_map: dict[Key, int] = {}
    for index in range(layout.first_data, grid.height):
        cells = [grid.rows[index][c] for c in layout.column_map.values()]
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
    return row_map


def _labelled_rows(
    proposal: ImportProposal,
    grid: Grid,
    rows: Sequence[tuple[Key, Sequence[str]]],
    layout: _Layout,
    label_index: int | None,
    row_match: _RowMatch | None,
) -> dict[Key, int] | None:
    """Row key → grid row, by the labels; None, with the problem said, if no column holds labels."""
    if row_match is None or label_index is None:
        labels = ", ".join(
            _month_text(key) if isinstance(key, date) else _display((key, aliases)) for key, aliases in list(rows)[:6]
        )
        proposal.problems.append(Problem(f"Hittade ingen kolumn med radernas namn (till exempel {labels})."))
        return None
    proposal.label_column = label_index + 1
    _report_row_match(proposal, grid, label_index, row_match)
    _report_unmatched_rows(proposal, grid, rows, layout, label_index, row_match.unmatched)
    proposal.missing_rows = [key for key, _aliases in rows if key not in row_match.mapping]
    if not row_match.mapping and not row_match.problems:
        proposal.problems.append(
            Problem(f"Ingen rad i kolumn {layout.column_name(label_index)} känns igen som en rad i tabellen.")
        )
    return row_match.mapping


def _report_row_match(proposal: ImportProposal, grid: Grid, label_index: int, row_match: _RowMatch) -> None:
    """The row matcher's problems and notes, and a note for each skipped total row."""
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


def _report_unmatched_rows(
    proposal: ImportProposal,
    grid: Grid,
    rows: Sequence[tuple[Key, Sequence[str]]],
    layout: _Layout,
    label_index: int,
    unmatched: Sequence[int],
) -> None:
    """Every unknown label is listed; one with values beside it is a problem."""
    label_name = layout.column_name(label_index)
    known = "månad eller rad i tabellen" if any(isinstance(k, date) for k, _a in rows) else "rad i tabellen"
    for index in unmatched:
        number = grid.row_numbers[index]
        label = _shown(grid.rows[index][label_index])
        proposal.unmatched_rows.append((number, label))
        if any(not _is_blank(grid.rows[index][c]) for c in layout.column_map.values()):
            proposal.problems.append(
                Problem(
                    f"Rad {number}, kolumn {label_name}: ”{label}” är ingen känd {known}.",
                    row=number,
                    column=label_index + 1,
                )
            )


def _parse_cells(
    proposal: ImportProposal,
    grid: Grid,
    parsers: Mapping[Key, Callable[[Cell], ParsedCell]],
    layout: _Layout,
    row_map: dict[Key, int],
) -> None:
    """Every matched cell parsed; an error is a problem, a note on how a value was read a note."""
    proposal.row_map = {key: grid.row_numbers[index] for key, index in row_map.items()}
    for row_key, index in row_map.items():
        number = grid.row_numbers[index]
        for column_key, column in layout.column_map.items():
            parsed = parsers[column_key](grid.rows[index][column])
            proposal.cells[(row_key, column_key)] = parsed
            if parsed.is_error or parsed.note:
                where = f"Rad {number}, kolumn {layout.column_name(column)}"
                said = parsed.message if parsed.is_error else parsed.note
                problem = Problem(
                    f"{where}: {said}", row=number, column=column + 1, row_key=row_key, column_key=column_key
                )
                (proposal.problems if parsed.is_error else proposal.notes).append(problem)


def _finish(proposal: ImportProposal) -> None:
    """Nothing to import is a problem; problems in source order, at most :data:`MAX_PROBLEMS` listed."""
    if not proposal.cells and not proposal.problems:
        proposal.problems.append(Problem("Det finns inga celler att importera."))
    proposal.problems.sort(key=lambda p: (p.row or 0, p.column or 0))
    if len(proposal.problems) > MAX_PROBLEMS:
        rest = len(proposal.problems) - MAX_PROBLEMS
        del proposal.problems[MAX_PROBLEMS:]
        proposal.problems.append(Problem(f"… och {_n(rest)} fel till."))


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
