"""Period over period: each figure beside the same figure of the previous report.

Totals rows are always compared. Month rows are compared with the same calendar month when the
previous period has it (so November with last year's November, never with May); fixed rows by
key. Free rows (a log, a list of countries) have no counterpart and only their totals compare.
Counts change in per cent; percentages change in percentage points, because "occupancy rose
12 %" is ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from webapp.statistics.compute import ComputedRow, ComputedTable
from webapp.statistics.figures import Figure, change_percent
from webapp.statistics.specs import ComputedColumn, ComputedKind, RowSource


@dataclass(frozen=True)
class Change:
    row_key: str
    row_label: str
    column_key: str
    column_label: str
    previous: Figure
    current: Figure
    change_percent: Decimal | None  # relative change of a count; None when not computable
    change_points: Decimal | None  # difference of two percentages, in percentage points


@dataclass(frozen=True)
class Comparison:
    changes: tuple[Change, ...] = ()

    def get(self, row_key: str, column_key: str) -> Change | None:
        return next((c for c in self.changes if c.row_key == row_key and c.column_key == column_key), None)


def matching_row(row: ComputedRow, current: ComputedTable, previous: ComputedTable) -> ComputedRow | None:
    """The previous table's counterpart of a row, if it has one."""
    if row.is_total:
        return previous.total
    source = current.spec.row_source
    if source is RowSource.FIXED:
        return previous.row(row.key)
    if source is RowSource.MONTHS:
        candidates = [r for r in previous.rows if r.key[5:] == row.key[5:]]
        return candidates[0] if len(candidates) == 1 else None
    return None


def _numeric_columns(table: ComputedTable) -> list[str]:
    return [
        c.key
        for c in table.spec.columns
        if c.numeric and not (isinstance(c, ComputedColumn) and c.kind is ComputedKind.RANK)
    ]


def _difference(old: Figure, new: Figure) -> Decimal | None:
    """new − old, when both are numbers."""
    before, after = old.number, new.number
    if before is None or after is None:
        return None
    return Decimal(after - before)


def compare(current: ComputedTable, previous: ComputedTable | None, columns: Iterable[str] | None = None) -> Comparison:
    """Changes for every comparable row and numeric column (or the given columns)."""
    if previous is None:
        return Comparison()
    keys = list(columns) if columns is not None else _numeric_columns(current)
    changes = []
    for row in current.all_rows:
        before = matching_row(row, current, previous)
        if before is None:
            continue
        for key in keys:
            column = current.spec.column(key)
            if column is None or previous.spec.column(key) is None:
                continue
            old, new = before[key], row[key]
            percent = bool(column.percent)
            points = _difference(old, new) if percent else None
            changes.append(
                Change(
                    row.key,
                    row.label,
                    key,
                    column.full_label,
                    old,
                    new,
                    None if percent else change_percent(old, new),
                    points,
                )
            )
    return Comparison(tuple(changes))
