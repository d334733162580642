"""Reports: creating one from a template, loading what the report pages show, the admin's periods,
night units' capacity, and the report as a document.

The package re-exports ``outline`` (what callers mean by ``services.reports``); the other
modules are imported by name: ``reports.admin``, ``reports.capacity``, ``reports.documents``.
"""

from webapp.services.reports.outline import (
    HISTORY_MORE_SIZE,
    HISTORY_PAGE_SIZE,
    ChapterView,
    HistoryPage,
    ProgressMatrix,
    ReportOutline,
    SectionView,
    activity,
    add_section_blocks,
    assigned_units,
    block_history,
    count_by_state,
    create_report,
    list_reports,
    load_block,
    load_block_for_update,
    load_outline,
    load_revision,
    my_blocks,
    preceding_revision,
    previous_period_block,
    progress_matrix,
    schedule_entries,
)

__all__ = [
    "activity",
    "add_section_blocks",
    "assigned_units",
    "block_history",
    "ChapterView",
    "HISTORY_MORE_SIZE",
    "HISTORY_PAGE_SIZE",
    "HistoryPage",
    "count_by_state",
    "create_report",
    "list_reports",
    "load_block",
    "load_block_for_update",
    "load_outline",
    "load_revision",
    "my_blocks",
    "preceding_revision",
    "previous_period_block",
    "progress_matrix",
    "ProgressMatrix",
    "ReportOutline",
    "schedule_entries",
    "SectionView",
]
