"""Computing a table: inputs resolved (defaults filled in), computed columns, totals, summary.

``compute(spec, data, context, hooks)`` is the one entry point; ``aggregate`` reuses its two
halves (``resolve`` a unit's inputs, ``derive`` everything else) so a joint table is worked out
by exactly the same rules as a unit's own. Nothing here is stored: computed values are never
truth, the inputs are.

What only one kind of table adds (the nationalities' EU/EEA split) comes in as ``KindHooks``,
registered per kind in ``presets.KIND_HOOKS``; this module knows no kind in particular.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from webapp.statistics import figures as fig
from webapp.statistics.capacity import Schedule, offered_bed_nights, schedule
from webapp.statistics.cells import Cell, CellState, TableData, ValueProblemError, ValueType, interpret
from webapp.statistics.figures import CountryCode, Figure, FigureState, Number
from webapp.statistics.periods import nights_between, parse_month_key
from webapp.statistics.specs import (
    ROW_KINDS,
    Column,
    ComputedColumn,
    ComputedKind,
    DefaultKind,
    InputColumn,
    RowSource,
    TableKind,
    TableSpec,
)


@dataclass(frozen=True)
class ComputeContext:
    """What a table needs besides its data: the report period and the unit's capacity.

    ``capacity`` None means unknown (no default for offered bed-nights); an empty schedule
    means no places at all.
    """

    period_start: date
    period_end: date
    capacity: Schedule | None = None

    def __post_init__(self) -> None:
        if self.capacity is not None:
            object.__setattr__(self, "capacity", schedule(self.capacity))


@dataclass(frozen=True)
class ComputedRow:
    key: str
    label: str
    cells: Mapping[str, Figure]
    is_total: bool = False
    own_label: bool = True  # False: a free row the writer named nothing, labelled by its place ("Rad 3")

    def __post_init__(self) -> None:
        object.__setattr__(self, "cells", MappingProxyType(dict(self.cells)))

    def __getitem__(self, column_key: str) -> Figure:
        return self.cells.get(column_key, fig.state(FigureState.EMPTY))


@dataclass(frozen=True)
class ComputedTable:
    spec: TableSpec
    rows: tuple[ComputedRow, ...]
    total: ComputedRow | None = None
    figures: Mapping[str, Figure] = field(default_factory=dict)
    summary: Mapping[str, Figure] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "figures", MappingProxyType(dict(self.figures)))
        object.__setattr__(self, "summary", MappingProxyType(dict(self.summary)))

    def row(self, key: str) -> ComputedRow | None:
        if self.total is not None and key == self.total.key:
            return self.total
        return next((row for row in self.rows if row.key == key), None)

    def cell(self, row_key: str, column_key: str) -> Figure:
        row = self.row(row_key)
        return row[column_key] if row else fig.state(FigureState.EMPTY)

    @property
    def columns(self) -> tuple[Column, ...]:
        """The spec's columns in display order (inputs and computed)."""
        return self.spec.columns

    @property
    def all_rows(self) -> tuple[ComputedRow, ...]:
        return self.rows + ((self.total,) if self.total is not None else ())


@dataclass(frozen=True)
class KindHooks:
    """What one kind of table adds to the computation every table gets.

    ``summarize`` gives figures for the table's summary (beside the row count of free rows).
    """

    summarize: Callable[[ComputedTable], Mapping[str, Figure]] | None = None


NO_HOOKS: Mapping[TableKind, KindHooks] = MappingProxyType({})

TOTAL_KEY = "_total"  # the totals row's key: no spec row key can start with "_", free rows skip it


@dataclass(frozen=True)
class ResolvedRow:
    """A row's input figures after defaults, before anything is computed."""

    key: str
    label: str
    cells: Mapping[str, Figure]
    own_label: bool = True  # as ComputedRow.own_label


# --- inputs ----------------------------------------------------------------------------------


_FIGURE_STATES = {
    CellState.EMPTY: FigureState.EMPTY,
    CellState.MISSING: FigureState.MISSING,
    CellState.NOT_APPLICABLE: FigureState.NOT_APPLICABLE,
}


def input_figure(cell: Cell, column: InputColumn) -> Figure:
    """A stored cell read as the column's type; unreadable values become INVALID, not errors."""
    decimals, percent = column.decimals, column.percent
    raw = cell.raw
    if raw is None:  # empty, missing or not applicable: only a value cell carries a raw value
        return fig.state(_FIGURE_STATES[cell.state], decimals=decimals, percent=percent)
    try:
        value = interpret(raw, column.type)
    except ValueProblemError:
        return Figure(FigureState.INVALID, raw, decimals, percent)
    if column.type is ValueType.COUNTRY:
        value = CountryCode(value)
    return Figure(FigureState.VALUE, value, decimals, percent)


def _default(column: InputColumn, key: str, cells: Mapping[str, Figure], context: ComputeContext) -> Figure:
    """What an empty cell stands for, or the empty figure when there is no suggestion."""
    default = column.default
    empty = fig.state(FigureState.EMPTY, decimals=column.decimals, percent=column.percent)
    if default is None:
        return empty
    if default.kind is DefaultKind.CAPACITY:
        month = parse_month_key(key)
        if context.capacity is None or month is None:
            return empty
        value = offered_bed_nights(context.capacity, *month, (context.period_start, context.period_end))
        return fig.number(value, decimals=column.decimals, defaulted=True)
    if default.kind is DefaultKind.SUM:
        terms = [cells[k] for k in default.columns]
        if all(t.state is FigureState.EMPTY for t in terms):
            return empty
        result = fig.total(terms, decimals=column.decimals)
        return Figure(
            result.state,
            result.value,
            column.decimals,
            column.percent,
            defaulted=result.is_number,
            approximate=result.approximate,
        )
    day = context.period_start if default.kind is DefaultKind.PERIOD_START else context.period_end
    return Figure(FigureState.VALUE, day, defaulted=True)


def _resolve_cells(
    spec: TableSpec, key: str, cell_of: Callable[[str], Cell], context: ComputeContext
) -> dict[str, Figure]:
    cells = {column.key: input_figure(cell_of(column.key), column) for column in spec.inputs}
    for column in spec.inputs:
        if column.default is not None and cells[column.key].state is FigureState.EMPTY:
            cells[column.key] = _default(column, key, cells, context)
    return cells


def row_label(spec: TableSpec, key: str, data_label: str | None, position: int) -> str:
    """The row's name in tables and messages: 'November', 'Arbetsmarknad', 'Rad 3'."""
    fixed = spec.fixed_row(key)
    if fixed is not None:
        return fixed.label
    return (data_label or "").strip() or f"Rad {position}"


def resolve(spec: TableSpec, data: TableData, context: ComputeContext) -> tuple[list[ResolvedRow], dict[str, Figure]]:
    """Each row's input figures (defaults filled in) and the table-level figures.

    Month and fixed rows come from the spec, whatever the data holds (a row never typed is all
    empty); free rows come from the data in order, leaving out rows with nothing in them.
    """
    rows: list[ResolvedRow] = []
    if spec.row_source is RowSource.FREE:
        for position, row in enumerate(data.rows, start=1):
            if row.is_blank or row.key == TOTAL_KEY:
                continue
            rows.append(
                ResolvedRow(
                    row.key,
                    row_label(spec, row.key, row.label, position),
                    _resolve_cells(spec, row.key, row.cell, context),
                    own_label=bool((row.label or "").strip()),
                )
            )
    else:
        for fixed in spec.rows:
            data_row = data.row(fixed.key)
            cell_of = data_row.cell if data_row else (lambda _key: Cell())
            rows.append(ResolvedRow(fixed.key, fixed.label, _resolve_cells(spec, fixed.key, cell_of, context)))
    figures = {column.key: input_figure(data.figure(column.key), column) for column in spec.figures}
    return rows, figures


# --- computed columns ------------------------------------------------------------------------


def _row_value(column: ComputedColumn, cells: Mapping[str, Figure], context: ComputeContext) -> Figure:
    operands = [cells[k] for k in column.columns]
    if column.kind is ComputedKind.SUM:
        return fig.total(operands, decimals=column.decimals)
    if column.kind in (ComputedKind.SHARE, ComputedKind.RATIO):
        return fig.percentage(operands[0], operands[1], decimals=column.decimals)
    if column.kind is ComputedKind.QUOTIENT:
        return fig.quotient(operands[0], operands[1], decimals=column.decimals)
    if column.kind is ComputedKind.PRODUCT:
        return fig.product(operands, decimals=column.decimals)
    if column.kind is ComputedKind.NIGHTS:
        first, last = operands
        if FigureState.NOT_APPLICABLE in (first.state, last.state):
            return fig.state(FigureState.NOT_APPLICABLE)
        if not (
            isinstance(first.value, date)
            and isinstance(last.value, date)
            and first.state is last.state is FigureState.VALUE
        ):
            return fig.state(FigureState.INCOMPLETE)
        start, end = max(first.value, context.period_start), min(last.value, context.period_end)
        return fig.number(nights_between(start, end), decimals=column.decimals)
    raise ValueError(f"{column.kind} is not a row-wise kind")


def _with_fallback(result: Figure, cells: Mapping[str, Figure], column: ComputedColumn) -> Figure:
    if result.is_number or column.fallback is None:
        return result
    reported = cells[column.fallback].number
    if reported is not None:
        return fig.number(reported, decimals=column.decimals, percent=column.percent)
    return result


def _base(column: ComputedColumn, rows: list[dict[str, Figure]], figures: Mapping[str, Figure]) -> Figure:
    """The 100 % of a share_of_total column: the base figure when given, else the column total."""
    if column.base_figure and figures[column.base_figure].is_number:
        return figures[column.base_figure]
    counted = [r[column.columns[0]] for r in rows if r[column.columns[0]].state is not FigureState.EMPTY]
    return fig.total(counted)


def _rank(values: list[Figure]) -> list[Figure]:
    """1 for the largest; equal values share a place and the next place is skipped (1, 2, 2, 4)."""
    numbers = [n for n in (v.number for v in values) if n is not None]

    def place(value: Number) -> Figure:
        return fig.number(1 + sum(1 for n in numbers if n > value))

    return [fig.state(FigureState.NOT_COMPUTABLE) if (n := v.number) is None else place(n) for v in values]


def _as_percent(figure: Figure) -> Figure:
    return Figure(figure.state, figure.value, figure.decimals, True, figure.defaulted, figure.approximate)


def _totals_inputs(spec: TableSpec, rows: list[dict[str, Figure]], figures: Mapping[str, Figure]) -> dict[str, Figure]:
    totals: dict[str, Figure] = {}
    for column in spec.inputs:
        if column.totalled:
            summed = fig.total((r[column.key] for r in rows), decimals=column.decimals)
            totals[column.key] = _as_percent(summed) if column.percent else summed
        else:
            totals[column.key] = fig.state(FigureState.EMPTY)
    # Period-level figures stand in where the months cannot give a total: first the totals
    # themselves, then shares of them.
    for column in sorted(spec.inputs, key=lambda c: c.fallback is not None and c.fallback.share_of is not None):
        fallback = column.fallback
        if fallback is None or totals[column.key].is_number:
            continue
        reported = figures[fallback.figure].number
        if reported is None:
            continue
        if fallback.share_of is None:
            totals[column.key] = fig.number(reported, decimals=column.decimals)
            continue
        whole = totals[fallback.share_of].number
        if whole is not None:
            # Decimal, so an integer share gives an exact figure, not a float.
            share = Decimal(100 - reported if fallback.complement else reported)
            totals[column.key] = fig.number(share * whole / 100, decimals=column.decimals, approximate=True)
    return totals


def derive(
    spec: TableSpec,
    resolved: list[ResolvedRow],
    figures: Mapping[str, Figure],
    context: ComputeContext,
    summary_extra: Mapping[str, Figure] | None = None,
    hooks: Mapping[TableKind, KindHooks] = NO_HOOKS,
) -> ComputedTable:
    """Computed columns, the totals row and the summary, from resolved inputs.

    ``hooks`` (``presets.KIND_HOOKS``) add what the spec's kind adds to the summary.
    """
    rows = [dict(r.cells) for r in resolved]
    totals = _totals_inputs(spec, rows, figures) if spec.totals else None
    for column in spec.computed:
        if column.kind in ROW_KINDS:
            for cells in rows:
                cells[column.key] = _with_fallback(_row_value(column, cells, context), cells, column)
            if totals is not None:
                if not column.total:
                    totals[column.key] = fig.state(FigureState.EMPTY)
                elif column.kind in (ComputedKind.PRODUCT, ComputedKind.NIGHTS):
                    totals[column.key] = fig.total((r[column.key] for r in rows), decimals=column.decimals)
                else:  # a share, ratio or quotient of the totals, never an average of the rows'
                    totals[column.key] = _row_value(column, totals, context)
        elif column.kind is ComputedKind.SHARE_OF_TOTAL:
            base = _base(column, rows, figures)
            for cells in rows:
                share = fig.percentage(cells[column.columns[0]], base, decimals=column.decimals)
                cells[column.key] = _with_fallback(share, cells, column)
            if totals is not None:  # the listed rows' share of the whole (= listed count / base)
                totals[column.key] = (
                    fig.total((r[column.key] for r in rows), decimals=column.decimals)
                    if column.total
                    else fig.state(FigureState.EMPTY)
                )
                totals[column.key] = _as_percent(totals[column.key])
        elif column.kind is ComputedKind.RANK:
            for cells, rank in zip(rows, _rank([r[column.columns[0]] for r in rows])):
                cells[column.key] = rank
            if totals is not None:
                totals[column.key] = fig.state(FigureState.EMPTY)
    computed_rows = tuple(ComputedRow(r.key, r.label, cells, own_label=r.own_label) for r, cells in zip(resolved, rows))
    total_row = ComputedRow(TOTAL_KEY, spec.total_label, totals, is_total=True) if totals is not None else None
    table = ComputedTable(spec, computed_rows, total_row, figures)
    summary = dict(_summary(table, hooks.get(spec.kind)))
    summary.update(summary_extra or {})
    return ComputedTable(spec, computed_rows, total_row, figures, summary)


def _summary(table: ComputedTable, hooks: KindHooks | None) -> dict[str, Figure]:
    summary: dict[str, Figure] = {}
    if table.spec.row_source is RowSource.FREE:
        summary["rows"] = fig.number(len(table.rows))
    if hooks is not None and hooks.summarize is not None:
        summary.update(hooks.summarize(table))
    return summary


def compute(
    spec: TableSpec,
    data: TableData | None,
    context: ComputeContext,
    hooks: Mapping[TableKind, KindHooks] = NO_HOOKS,
) -> ComputedTable:
    """The whole table as it is shown: every row, computed column, totals and summary.

    Pass ``presets.KIND_HOOKS`` as ``hooks`` for the summary figures particular to the spec's
    kind (without them a nationalities table has no EU/EEA split).
    """
    resolved, figures = resolve(spec, data or TableData(), context)
    return derive(spec, resolved, figures, context, hooks=hooks)
