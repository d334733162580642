"""The computed tables that pages and the document show: one block's table, a section's joint table.

Plain data made by ``webapp.services.blocks.statistics`` from blocks and reports, so that the
document and the templates can take them without knowing where they came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.statistics.aggregate import JointTable
from webapp.statistics.cells import TableData
from webapp.statistics.compare import Comparison
from webapp.statistics.compute import ComputedTable
from webapp.statistics.specs import RowSource, TableSpec
from webapp.statistics.validate import Issue, is_justified

NEW_ROW_KEY = "_new"  # the blank last row of a table with free rows


@dataclass(frozen=True)
class BlockTable:
    """One table of one block as a page shows it: inputs, computed figures, issues, last period."""

    spec: TableSpec
    data: TableData
    computed: ComputedTable
    issues: tuple[Issue, ...]
    previous: ComputedTable | None
    comparison: Comparison | None

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.is_error)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if not issue.is_error)

    @property
    def unresolved_warnings(self) -> tuple[Issue, ...]:
        return tuple(w for w in self.warnings if not is_justified(w, self.data.justifications))

    @property
    def row_keys(self) -> tuple[str, ...]:
        """Rows the grid shows: the spec's rows, or the data's free rows plus a blank one."""
        if self.spec.row_source is RowSource.FREE:
            return tuple(row.key for row in self.data.rows) + (NEW_ROW_KEY,)
        return tuple(row.key for row in self.spec.rows)


@dataclass(frozen=True)
class SectionJointTable:
    """A table computed from all units' blocks of one section: occupancy per month, visits per unit."""

    spec: TableSpec
    joint: JointTable
