"""How a computed table is laid out when it is shown read-only: what ``statistics/_table.html`` prints.

The block page, the document preview, the HTML edition and the PDF show a table with the same
markup; every choice that markup needs is made here, from the ``ComputedTable`` and its spec,
so the template only loops and prints:

- which columns are shown: an input that only stands in for a computed column (a share typed
  when the count is unknown) is shown through that computed column;
- what names a row: its label, or, in a table of free rows none of which has a label of its
  own (nationalities, logs), the first text column, printed as the row header;
- the header lines: one, or two when columns are grouped (a group over its columns);
- the totals row: where "Totalt" goes when there is no label column;
- the figures and summary items under the table.

Labels that are the app's own words (not the template's) are marked with ``N_`` and translated
where they are printed; the spec's labels are the report's words and are printed as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from webapp.i18n import N_
from webapp.statistics.compute import ComputedRow, ComputedTable
from webapp.statistics.figures import Figure, FigureState
from webapp.statistics.nationalities import NATIONALITY_COUNT
from webapp.statistics.specs import Column, RowSource, TableKind

NARROW_COLUMNS = 4  # a table this many columns wide or less is set narrow

# The summary of a nationality list, in the order it is shown (the other figures the
# nationalities' summary holds are for the checks, not for the reader).
NATIONALITY_SUMMARY = (
    ("eu_eea_share", N_("Andel från EU/EES-länder")),
    ("third_country_share", N_("Andel från länder utanför EU/EES")),
    ("other_share", N_("Andel övriga och okända")),
    ("nationalities", N_("Antal nationaliteter")),
)
LOG_SUMMARY = (("rows", N_("Antal rader")),)
DEFAULT_ROW_HEAD = N_("Rad")


@dataclass(frozen=True)
class HeadCell:
    """A cell of the header: ``<th scope=…>``; ``translate`` when the text is the app's own (N_)."""

    text: str
    classes: str
    scope: str = "col"
    colspan: int | None = None  # None: no attribute
    rowspan: int | None = None
    translate: bool = False


@dataclass(frozen=True)
class BodyCell:
    """A cell of a row or the totals row: a ``<th scope="row">`` when it names the row, else ``<td>``."""

    text: str
    classes: str
    header: bool = False
    colspan: int | None = None  # None: no attribute


@dataclass(frozen=True)
class HeaderRun:
    """Neighbouring columns under one group heading; an ungrouped column is a run of its own."""

    group: str | None
    columns: tuple[Column, ...]

    @property
    def span(self) -> int:
        return len(self.columns)


@dataclass(frozen=True)
class ShownFigure:
    """One line of the definition list under the table."""

    label: str
    text: str
    classes: str


@dataclass(frozen=True)
class TableLayout:
    """Everything ``statistics/_table.html`` prints, decided.

    ``figures`` carry the spec's labels (printed as they are), ``summary`` the app's (marked
    ``N_``, translated in the template). ``total`` is empty when no totals row is shown.
    """

    columns: tuple[Column, ...]
    grouped: bool
    narrow: bool
    labelled: bool  # a label column heads every row
    header_key: str | None  # else: the column whose cell heads the row
    runs: tuple[HeaderRun, ...]
    head: tuple[tuple[HeadCell, ...], ...]  # one header line, or two when columns are grouped
    rows: tuple[tuple[BodyCell, ...], ...]
    total: tuple[BodyCell, ...]
    figures: tuple[ShownFigure, ...]
    summary: tuple[ShownFigure, ...]

    @property
    def width(self) -> int:
        """How many columns a row spans."""
        return len(self.columns) + (1 if self.labelled else 0)

    @property
    def has_figure_list(self) -> bool:
        """Whether the list under the table is printed (always for nationalities and logs: their summary)."""
        return bool(self.figures or self.summary)


def table_layout(table: ComputedTable) -> TableLayout:
    """The layout of ``table`` as the read-only statistics table shows it."""
    spec = table.spec
    stand_ins = {column.fallback for column in spec.computed if column.fallback}
    columns = tuple(column for column in spec.columns if column.key not in stand_ins)
    grouped = any(column.group for column in columns)
    header_key = _header_key(table, columns)
    labelled = header_key is None
    runs = _runs(columns)
    return TableLayout(
        columns=columns,
        grouped=grouped,
        narrow=len(columns) + (1 if labelled else 0) <= NARROW_COLUMNS,
        labelled=labelled,
        header_key=header_key,
        runs=runs,
        head=_head(spec.row_label, labelled, grouped, runs),
        rows=tuple(_row(row, columns, labelled, header_key) for row in table.rows),
        total=_total(table.total, columns, header_key) if table.total is not None and table.rows else (),
        figures=_figures(table),
        summary=_summary(table),
    )


def _header_key(table: ComputedTable, columns: tuple[Column, ...]) -> str | None:
    """The column that names each row, when no row has a label of its own: the first text column.

    None when the rows' labels head them: month and fixed rows, free rows the writer named, and
    free rows without a text column (then "Rad 1", "Rad 2" … are all there is to name them).
    """
    if table.spec.row_source is not RowSource.FREE or any(row.own_label for row in table.rows):
        return None
    return next((column.key for column in columns if not column.numeric), None)


def _runs(columns: tuple[Column, ...]) -> tuple[HeaderRun, ...]:
    runs: list[HeaderRun] = []
    for column in columns:
        if column.group and runs and runs[-1].group == column.group:
            runs[-1] = HeaderRun(column.group, (*runs[-1].columns, column))
        else:
            runs.append(HeaderRun(column.group or None, (column,)))
    return tuple(runs)


def _kind_class(column: Column) -> str:
    return "num" if column.numeric else "txt"


def _head(
    row_label: str, labelled: bool, grouped: bool, runs: tuple[HeaderRun, ...]
) -> tuple[tuple[HeadCell, ...], ...]:
    rowspan = 2 if grouped else None
    upper: list[HeadCell] = []
    if labelled:
        upper.append(HeadCell(row_label or DEFAULT_ROW_HEAD, "txt row-label", rowspan=rowspan, translate=not row_label))
    for run in runs:
        if run.group:
            upper.append(HeadCell(run.group, "group", scope="colgroup", colspan=run.span))
        else:
            column = run.columns[0]
            upper.append(HeadCell(column.label, _kind_class(column), rowspan=rowspan))
    if not grouped:
        return (tuple(upper),)
    lower = tuple(HeadCell(c.label, _kind_class(c)) for run in runs if run.group for c in run.columns)
    return (tuple(upper), lower)


def _cell(figure: Figure, column: Column, header: bool = False) -> BodyCell:
    classes = [_kind_class(column)]
    if figure.state is not FigureState.VALUE:
        classes += ["state", f"state-{figure.state}"]
    if figure.approximate:
        classes.append("approx")
    if figure.defaulted:
        classes.append("defaulted")
    return BodyCell(figure.text, " ".join(classes), header=header)


def _row(row: ComputedRow, columns: tuple[Column, ...], labelled: bool, header_key: str | None) -> tuple[BodyCell, ...]:
    label = (BodyCell(row.label, "txt row-label", header=True),) if labelled else ()
    return label + tuple(_cell(row[c.key], c, header=c.key == header_key) for c in columns)


def _total(total: ComputedRow, columns: tuple[Column, ...], header_key: str | None) -> tuple[BodyCell, ...]:
    """The totals row: its label in the label column, else in the place of the column that names the rows.

    Without a label column, "Totalt" spans from the first column through that one when nothing
    before it is totalled (a rank, places per night); otherwise it stands in that column alone.
    """
    if header_key is None:
        return (BodyCell(total.label, "txt row-label", header=True), *(_cell(total[c.key], c) for c in columns))
    index = next(i for i, column in enumerate(columns) if column.key == header_key)
    before = columns[:index]
    if all(total[c.key].state is FigureState.EMPTY for c in before):
        label = BodyCell(total.label, "txt", header=True, colspan=index + 1 if index else None)
        return (label, *(_cell(total[c.key], c) for c in columns[index + 1 :]))
    return tuple(
        BodyCell(total.label, "txt", header=True) if c.key == header_key else _cell(total[c.key], c) for c in columns
    )


def _shown(label: str, figure: Figure, kind_class: str) -> ShownFigure:
    return ShownFigure(label, figure.text, kind_class + (" state" if figure.state is not FigureState.VALUE else ""))


def _figure_label(label: str) -> str:
    """A figure's label without its explanation or unit: 'Andel kvinnor (av unika), %' → 'Andel kvinnor'."""
    label = label.split(" (")[0]
    return label.removesuffix(", %")


def _figures(table: ComputedTable) -> tuple[ShownFigure, ...]:
    """The period-level figures given, except what the summary says again (the number of nationalities)."""
    said_again = {NATIONALITY_COUNT} if table.spec.kind is TableKind.NATIONALITIES else set()
    shown = []
    for column in table.spec.figures:
        figure = table.figures.get(column.key)
        if column.key not in said_again and figure is not None and figure.state is not FigureState.EMPTY:
            shown.append(_shown(_figure_label(column.label), figure, _kind_class(column)))
    return tuple(shown)


def _summary(table: ComputedTable) -> tuple[ShownFigure, ...]:
    """The kind's summary items that have something to say (labels marked N_)."""
    kind = table.spec.kind
    items = NATIONALITY_SUMMARY if kind is TableKind.NATIONALITIES else LOG_SUMMARY if kind is TableKind.LOG else ()
    shown = []
    for key, label in items:
        figure = table.summary.get(key)
        if figure is not None and figure.state is not FigureState.EMPTY:
            shown.append(_shown(label, figure, "num"))
    return tuple(shown)
