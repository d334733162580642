"""Joint tables: several units' tables of the same spec, added up and computed again.

``aggregate`` adds the units row by row (all night units' occupancy per month); ``unit_summary``
gives one row per unit with its period totals (all day units' visits). Either way the inputs are
summed and every share or occupancy is worked out again from the sums, never averaged. A unit
that has not reported a row makes that joint row *incomplete* — never zero — and the result says
who is missing what ("Frälsningsarmén Liljeholmen har inte rapporterat april."). Units are taken
in Swedish name order, so the result does not depend on the order they come in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum

from webapp.statistics import figures as fig
from webapp.statistics.cells import TableData
from webapp.statistics.compute import (
    ComputeContext,
    ComputedTable,
    ResolvedRow,
    compute,
    derive,
    resolve,
)
from webapp.statistics.countries import swedish_sort_key
from webapp.statistics.figures import Figure, FigureState
from webapp.statistics.specs import (
    ComputedKind,
    FixedRow,
    InputColumn,
    RowSource,
    SpecError,
    TableSpec,
)


@dataclass(frozen=True)
class UnitTable:
    """One unit's table: its data (None when nothing is entered yet) and its own context."""

    unit_key: str
    unit_name: str
    data: TableData | None
    context: ComputeContext


class GapReason(StrEnum):
    NOT_REPORTED = "not_reported"  # empty or not readable
    MISSING = "missing"  # reported as uppgift saknas


@dataclass(frozen=True)
class Gap:
    unit_key: str
    unit_name: str
    reason: GapReason
    row_keys: tuple[str, ...]
    row_labels: tuple[str, ...]
    whole_table: bool = False

    @property
    def message(self) -> str:
        if self.reason is GapReason.NOT_REPORTED:
            if self.whole_table:
                return f"{self.unit_name} har inte rapporterat ännu."
            return f"{self.unit_name} har inte rapporterat {swedish_list(self.row_labels)}."
        return f"{self.unit_name} saknar uppgift för {swedish_list(self.row_labels)}."


@dataclass(frozen=True)
class JointTable:
    table: ComputedTable
    units: tuple[str, ...]  # unit names, in the order used
    gaps: tuple[Gap, ...]

    @property
    def complete(self) -> bool:
        return not self.gaps

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(gap.message for gap in self.gaps)


def swedish_list(items: Iterable[str]) -> str:
    """'mars', 'mars och april', 'januari, mars och april'."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} och {items[-1]}"


def _ordered(units: Iterable[UnitTable]) -> list[UnitTable]:
    return sorted(units, key=lambda u: (swedish_sort_key(u.unit_name), u.unit_key))


def _sentence_label(spec: TableSpec, label: str) -> str:
    return label.lower() if spec.row_source is RowSource.MONTHS else label


def _gaps(spec: TableSpec, unit: UnitTable, rows: list[ResolvedRow]) -> list[Gap]:
    """Rows where a summed input of this unit is not a usable value."""
    found: dict[GapReason, list[ResolvedRow]] = {GapReason.NOT_REPORTED: [], GapReason.MISSING: []}
    for row in rows:
        states = {row.cells[c.key].state for c in spec.inputs if c.totalled}
        if states & {FigureState.EMPTY, FigureState.INVALID}:
            found[GapReason.NOT_REPORTED].append(row)
        elif states & {FigureState.MISSING, FigureState.INCOMPLETE}:
            found[GapReason.MISSING].append(row)
    gaps = []
    for reason, gap_rows in found.items():
        if gap_rows:
            whole = reason is GapReason.NOT_REPORTED and (unit.data is None or len(gap_rows) == len(rows))
            gaps.append(
                Gap(
                    unit.unit_key,
                    unit.unit_name,
                    reason,
                    tuple(r.key for r in gap_rows),
                    tuple(_sentence_label(spec, r.label) for r in gap_rows),
                    whole,
                )
            )
    return gaps


def aggregate(spec: TableSpec, units: Iterable[UnitTable], context: ComputeContext) -> JointTable:
    """Row-by-row sum of the units' inputs (each with its own defaults), then computed again."""
    if spec.row_source is RowSource.FREE:
        raise SpecError(f"tabell {spec.key!r}: fria rader kan inte läggas ihop rad för rad.")
    ordered = _ordered(units)
    resolved = [resolve(spec, u.data or TableData(), u.context)[0] for u in ordered]
    gaps = [gap for unit, rows in zip(ordered, resolved) for gap in _gaps(spec, unit, rows)]
    joint_rows = []
    for index, fixed in enumerate(spec.rows):
        cells = {}
        for column in spec.inputs:
            if column.totalled and resolved:
                cells[column.key] = fig.total(
                    (rows[index].cells[column.key] for rows in resolved), decimals=column.decimals
                )
            else:
                cells[column.key] = fig.state(FigureState.EMPTY, decimals=column.decimals)
        joint_rows.append(ResolvedRow(fixed.key, fixed.label, cells))
    figures = {f.key: fig.state(FigureState.EMPTY) for f in spec.figures}
    table = derive(spec, joint_rows, figures, context)
    return JointTable(table, tuple(u.unit_name for u in ordered), tuple(gaps))


# Computed columns a unit summary can work out again from each unit's totals.
_SUMMARY_KINDS = (ComputedKind.SUM, ComputedKind.SHARE, ComputedKind.RATIO, ComputedKind.QUOTIENT)


def summary_spec(spec: TableSpec, units: Iterable[UnitTable]) -> TableSpec:
    """One row per unit; the columns are the spec's summed inputs and what can be worked out from them."""
    inputs = [
        InputColumn(c.key, c.label, c.type, decimals=c.decimals, percent=c.percent, group=c.group)
        for c in spec.inputs
        if c.totalled
    ]
    inputs += [
        InputColumn(c.key, c.label, decimals=c.decimals, group=c.group)
        for c in spec.computed
        if c.total and c.kind in (ComputedKind.PRODUCT, ComputedKind.NIGHTS)
    ]
    known = {c.key for c in inputs}
    computed = []
    for column in spec.computed:
        if column.kind in _SUMMARY_KINDS and set(column.columns) <= known:
            computed.append(replace(column, fallback=None))
            known.add(column.key)
    keys = [c.key for c in inputs] + [c.key for c in computed]
    order = tuple(k for k in spec.order if k in keys) if spec.order else ()
    rows = tuple(FixedRow(u.unit_key, u.unit_name) for u in _ordered(units))
    if not rows:
        raise SpecError(f"tabell {spec.key!r}: inga verksamheter att sammanställa.")
    return TableSpec(
        f"{spec.key}-summary",
        spec.kind,
        spec.title,
        RowSource.FIXED,
        tuple(inputs),
        rows=rows,
        computed=tuple(computed),
        totals=True,
        row_label="Verksamhet",
        chart=spec.chart,
        compare=tuple(k for k in spec.compare if k in keys),
        order=order,
    )


def unit_summary(spec: TableSpec, units: Iterable[UnitTable], context: ComputeContext) -> JointTable:
    """Each unit's period totals as a row, and a grand total computed from the summed rows."""
    if not spec.totals:
        raise SpecError(f"tabell {spec.key!r}: har ingen summarad att sammanställa.")
    ordered = _ordered(units)
    summary = summary_spec(spec, ordered)
    rows, gaps = [], []
    for unit in ordered:
        resolved, _figures = resolve(spec, unit.data or TableData(), unit.context)
        total = compute(spec, unit.data, unit.context).total
        assert total is not None  # spec.totals, checked above: compute gives a totals row
        cells: dict[str, Figure] = {c.key: total[c.key] for c in summary.inputs}
        if any(not f.is_number and f.state is not FigureState.NOT_APPLICABLE for f in cells.values()):
            gaps += _gaps(spec, unit, resolved) or [
                Gap(unit.unit_key, unit.unit_name, GapReason.MISSING, (), (spec.total_label.lower(),))
            ]
        rows.append(ResolvedRow(unit.unit_key, unit.unit_name, cells))
    return JointTable(derive(summary, rows, {}, context), tuple(u.unit_name for u in ordered), tuple(gaps))
