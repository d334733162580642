"""Table specs: what a statistics table asks for and what it computes.

A spec is part of the report template (built from a short template entry by ``presets``) and
is plain data: ``spec_to_dict`` / ``spec_from_dict`` give a JSON-friendly form that round-trips
exactly, so a report can keep the spec it was written against.

Rows come from the months of the period (keys "YYYY-MM"), from fixed labelled rows, or are
free rows the writer adds. Columns are inputs (integer, decimal, text, date, country) or
computed from other columns by a few named kinds:

- ``sum``            of columns (nights = women + men)
- ``share``          a column as % of another, a part of a whole (women / nights); over 100 % is an error
- ``ratio``          numerator / denominator as % (nights / offered bed-nights); may pass 100 %
- ``product``        of columns (places × nights)
- ``nights``         nights from a date column to another, clipped to the period
- ``share_of_total`` a column as % of a base figure, or of the column total (country share)
- ``rank``           position by a column, largest first, ties sharing a place
- ``quotient``       numerator / denominator as a plain number with chosen decimals, not a
                     percentage (guests per night = guests / nights, 1 decimal); a template
                     entry's ``ratios`` adds them to any table kind

Totals rows are recomputed from summed inputs, never averaged: ``share``, ``ratio`` and
``quotient`` (and a ``sum``) are worked out again from the totals row; ``product`` and ``nights`` add up their rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from webapp.statistics.cells import NUMERIC_TYPES, ValueType
from webapp.statistics.periods import MONTH_KEY


class SpecError(ValueError):
    """A spec (or template table entry) is inconsistent; the message says where."""


class TableKind(StrEnum):
    """What sort of table a template entry asks for (its ``kind``); ``presets`` builds each one.

    A ``StrEnum``, so a kind is its string everywhere: in stored entries and specs, in JSON and
    in comparisons such as ``spec.kind == "nationalities"`` in the page templates.
    """

    CAPACITY = "capacity"
    OCCUPANCY = "occupancy"
    VISITS = "visits"
    NATIONALITIES = "nationalities"
    CATEGORY_MONTH = "category_month"
    LOG = "log"
    FACTS = "facts"


class RowSource(StrEnum):
    MONTHS = "months"
    FIXED = "fixed"
    FREE = "free"


class ComputedKind(StrEnum):
    SUM = "sum"
    SHARE = "share"
    RATIO = "ratio"
    PRODUCT = "product"
    NIGHTS = "nights"
    SHARE_OF_TOTAL = "share_of_total"
    RANK = "rank"
    QUOTIENT = "quotient"  # a ratio that is not a percentage


PERCENT_KINDS = frozenset({ComputedKind.SHARE, ComputedKind.RATIO, ComputedKind.SHARE_OF_TOTAL})
ROW_KINDS = frozenset(
    {
        ComputedKind.SUM,
        ComputedKind.SHARE,
        ComputedKind.RATIO,
        ComputedKind.PRODUCT,
        ComputedKind.NIGHTS,
        ComputedKind.QUOTIENT,
    }
)
MAX_DECIMALS = 6
_ARITY = {
    ComputedKind.SUM: (1, 100),
    ComputedKind.SHARE: (2, 2),
    ComputedKind.RATIO: (2, 2),
    ComputedKind.PRODUCT: (2, 10),
    ComputedKind.NIGHTS: (2, 2),
    ComputedKind.SHARE_OF_TOTAL: (1, 1),
    ComputedKind.RANK: (1, 1),
    ComputedKind.QUOTIENT: (2, 2),
}
CHARTS = (None, "gender_bars", "occupancy")
# Summary figures a stated period figure may be checked against, per kind (see InputColumn.checks).
SUMMARY_CHECKS: dict[str, tuple[str, ...]] = {
    "nationalities": ("eu_eea_share", "third_country_share"),
    "log": ("rows",),
}
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")


class DefaultKind(StrEnum):
    CAPACITY = "capacity"  # offered bed-nights of the month from the unit's capacity schedule
    SUM = "sum"  # the sum of other columns of the row (a total that may also be typed)
    PERIOD_START = "period_start"
    PERIOD_END = "period_end"


@dataclass(frozen=True)
class ColumnDefault:
    """What an empty input cell stands for (shown as a suggestion, overridable)."""

    kind: DefaultKind
    columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class TotalFallback:
    """A period-level figure that stands in for a column total the months cannot give.

    Without ``share_of`` the figure is the total itself (visits for the period when months
    are unknown); with it, the figure is a percentage of that column's total (women = 26 % of
    visits), or of what is left when ``complement`` (men = 74 %). Such totals are approximate.
    """

    figure: str
    share_of: str | None = None
    complement: bool = False


@dataclass(frozen=True)
class FixedRow:
    key: str
    label: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class InputColumn:
    key: str
    label: str
    type: ValueType = ValueType.INTEGER
    required: bool = False
    min_value: Decimal | None = Decimal(0)
    max_value: Decimal | None = None
    aliases: tuple[str, ...] = ()
    total: bool = True  # added up in the totals row (numeric columns only)
    default: ColumnDefault | None = None
    fallback: TotalFallback | None = None
    decimals: int = 0
    percent: bool = False
    group: str | None = None  # upper header line, e.g. the shelter above "Platser"
    # A period figure only: what the engine computes that the stated figure should agree with,
    # a column's key (its totals-row value) or a summary key of the kind (``SUMMARY_CHECKS``).
    # A stated figure that differs is a warning to be justified, never a replacement.
    checks: str | None = None

    @property
    def numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def totalled(self) -> bool:
        return self.numeric and self.total

    @property
    def full_label(self) -> str:
        return f"{self.label} ({self.group})" if self.group else self.label


@dataclass(frozen=True)
class ComputedColumn:
    key: str
    label: str
    kind: ComputedKind
    columns: tuple[str, ...]
    decimals: int = 0
    base_figure: str | None = None  # share_of_total: the figure that is 100 %, when given
    fallback: str | None = None  # an input column used when this cannot be computed
    warn_above: Decimal | None = None
    total: bool = True
    group: str | None = None

    @property
    def percent(self) -> bool:
        return self.kind in PERCENT_KINDS

    @property
    def numeric(self) -> bool:
        return True

    @property
    def full_label(self) -> str:
        return f"{self.label} ({self.group})" if self.group else self.label


Column = InputColumn | ComputedColumn


@dataclass(frozen=True)
class TableSpec:
    key: str
    kind: TableKind
    title: str
    row_source: RowSource
    inputs: tuple[InputColumn, ...]
    rows: tuple[FixedRow, ...] = ()
    computed: tuple[ComputedColumn, ...] = ()
    figures: tuple[InputColumn, ...] = ()
    totals: bool = False
    total_label: str = "Totalt"
    row_label: str = ""
    chart: str | None = None
    compare: tuple[str, ...] = ()  # columns compared with the previous period (±change warning)
    change_warning_percent: int = 30
    order: tuple[str, ...] = ()  # display order of the columns; default inputs then computed

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", _enum(TableKind, self.kind, f"tabell {self.key!r}"))
        for name in ("inputs", "rows", "computed", "figures", "compare", "order"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _check(self)

    @property
    def columns(self) -> tuple[Column, ...]:
        unordered: tuple[Column, ...] = (*self.inputs, *self.computed)
        if self.order:
            by_key = {c.key: c for c in unordered}
            return tuple(by_key[key] for key in self.order)
        return unordered

    def column(self, key: str) -> Column | None:
        unordered: tuple[Column, ...] = (*self.inputs, *self.computed)
        return next((c for c in unordered if c.key == key), None)

    def input(self, key: str) -> InputColumn | None:
        return next((c for c in self.inputs if c.key == key), None)

    def figure(self, key: str) -> InputColumn | None:
        return next((c for c in self.figures if c.key == key), None)

    def fixed_row(self, key: str) -> FixedRow | None:
        return next((r for r in self.rows if r.key == key), None)

    def match_column(self, header: str) -> str | None:
        """The input column a pasted header names (key, label or alias; case and spaces ignored)."""
        wanted = _fold(header)
        for column in self.inputs:
            if wanted in {_fold(name) for name in (column.key, column.label, column.full_label, *column.aliases)}:
                return column.key
        return None

    def match_row(self, label: str) -> str | None:
        """The fixed or month row a pasted row header names."""
        wanted = _fold(label)
        for row in self.rows:
            if wanted in {_fold(name) for name in (row.key, row.label, *row.aliases)}:
                return row.key
        return None


def _fold(text: str) -> str:
    return " ".join(str(text).casefold().split()).rstrip(":.")


def _check(spec: TableSpec) -> None:
    where = f"tabell {spec.key!r}"
    if not isinstance(spec.key, str) or not _KEY.match(spec.key):
        raise SpecError(f"{where}: ogiltig nyckel.")
    if not spec.inputs:
        raise SpecError(f"{where}: inga inmatningskolumner.")
    keys: list[str] = []
    for column in spec.inputs:
        _check_key(column.key, where)
        keys.append(column.key)
    for computed in spec.computed:
        _check_key(computed.key, where)
        low, high = _ARITY[computed.kind]
        if computed.kind is ComputedKind.QUOTIENT:
            _check_quotient(spec, computed, keys, where)
        if not low <= len(computed.columns) <= high:
            raise SpecError(f"{where}: kolumnen {computed.key!r} ({computed.kind}) har fel antal operander.")
        for operand in computed.columns:
            if operand not in keys:
                raise SpecError(f"{where}: kolumnen {computed.key!r} bygger på okänd kolumn {operand!r}.")
        if computed.base_figure and not spec.figure(computed.base_figure):
            raise SpecError(f"{where}: okänd basfigur {computed.base_figure!r}.")
        if computed.fallback and not spec.input(computed.fallback):
            raise SpecError(f"{where}: okänd reservkolumn {computed.fallback!r}.")
        keys.append(computed.key)
    if len(set(keys)) != len(keys):
        raise SpecError(f"{where}: två kolumner har samma nyckel.")
    figure_keys = [f.key for f in spec.figures]
    for key in figure_keys:
        _check_key(key, where)
    if len(set(figure_keys)) != len(figure_keys):
        raise SpecError(f"{where}: två figurer har samma nyckel.")
    for column in spec.inputs:
        _check_input(spec, column, where)
    for figure in spec.figures:
        _check_stated(spec, figure, keys, where)
    if spec.row_source is RowSource.FREE:
        if spec.rows:
            raise SpecError(f"{where}: fria rader kan inte ha fasta rader.")
    else:
        if not spec.rows:
            raise SpecError(f"{where}: inga rader.")
        row_keys = [row.key for row in spec.rows]
        for key in row_keys:
            _check_key(key, where)
        if len(set(row_keys)) != len(row_keys):
            raise SpecError(f"{where}: två rader har samma nyckel.")
        if spec.row_source is RowSource.MONTHS and not all(MONTH_KEY.match(k) for k in row_keys):
            raise SpecError(f"{where}: månadsrader ska ha nycklar som 2021-11.")
    for key in spec.compare:
        if key not in keys:
            raise SpecError(f"{where}: okänd jämförelsekolumn {key!r}.")
    if spec.order and sorted(spec.order) != sorted(keys):
        raise SpecError(f"{where}: kolumnordningen ska nämna varje kolumn en gång.")
    if spec.chart not in CHARTS:
        raise SpecError(f"{where}: okänt diagram {spec.chart!r}.")


def _check_quotient(spec: TableSpec, computed: ComputedColumn, keys: list[str], where: str) -> None:
    """A ratio names two numeric columns before it, not itself; its decimals are 0–6."""
    name = f"kvoten {computed.label!r} ({computed.key})"
    if len(computed.columns) != 2:
        raise SpecError(f"{where}: {name} behöver en täljare och en nämnare.")
    for role, operand in zip(("täljaren", "nämnaren"), computed.columns):
        if operand == computed.key:
            raise SpecError(f"{where}: {name} kan inte räknas ut ur sig själv ({role}).")
        if operand not in keys:
            raise SpecError(f"{where}: {role} i {name} är en okänd kolumn {operand!r}.")
        column = spec.column(operand)
        if column is None or not column.numeric:
            raise SpecError(f"{where}: {role} i {name}, {operand!r}, är ingen sifferkolumn.")
    if not isinstance(computed.decimals, int) or not 0 <= computed.decimals <= MAX_DECIMALS:
        raise SpecError(f"{where}: {name} ska ha 0–{MAX_DECIMALS} decimaler.")


def _check_stated(spec: TableSpec, figure: InputColumn, keys: list[str], where: str) -> None:
    """A stated period figure checks a numeric column of a table with totals, or a summary figure."""
    target = figure.checks
    if target is None:
        return
    if not figure.numeric:
        raise SpecError(f"{where}: uppgiften {figure.key!r} kan bara jämföras om den är ett tal.")
    if target in SUMMARY_CHECKS.get(spec.kind, ()):
        return
    column = spec.column(target)
    if column is None:
        possible = ", ".join((*keys, *SUMMARY_CHECKS.get(spec.kind, ())))
        raise SpecError(f"{where}: uppgiften {figure.key!r} jämförs med okänd kolumn {target!r} (möjliga: {possible}).")
    if not column.numeric or not spec.totals:
        raise SpecError(f"{where}: uppgiften {figure.key!r} kan inte jämföras med {target!r}, som saknar en summa.")


def _check_key(key: str, where: str) -> None:
    if not isinstance(key, str) or not _KEY.match(key):
        raise SpecError(f"{where}: ogiltig nyckel {key!r}.")


def _check_input(spec: TableSpec, column: InputColumn, where: str) -> None:
    default = column.default
    if default is not None:
        if default.kind is DefaultKind.CAPACITY and spec.row_source is not RowSource.MONTHS:
            raise SpecError(f"{where}: kapacitet som förval kräver månadsrader.")
        if default.kind is DefaultKind.SUM:
            if not default.columns or column.key in default.columns:
                raise SpecError(f"{where}: summan som förval för {column.key!r} saknar kolumner.")
            for key in default.columns:
                operand = spec.input(key)
                if operand is None or not operand.numeric or operand.default is not None:
                    raise SpecError(f"{where}: förvalet för {column.key!r} bygger på {key!r}.")
        if default.kind in (DefaultKind.PERIOD_START, DefaultKind.PERIOD_END) and column.type is not ValueType.DATE:
            raise SpecError(f"{where}: periodens datum som förval kräver en datumkolumn.")
    fallback = column.fallback
    if fallback is not None:
        figure = spec.figure(fallback.figure)
        if figure is None or not figure.numeric:
            raise SpecError(f"{where}: okänd reservfigur {fallback.figure!r}.")
        if fallback.share_of is not None:
            other = spec.input(fallback.share_of)
            if other is None or other.fallback is None or other.fallback.share_of is not None:
                raise SpecError(
                    f"{where}: {column.key!r} kan bara falla tillbaka på en andel av en kolumn med egen reserv."
                )


# --- dict form -------------------------------------------------------------------------------


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _column_to_dict(column: InputColumn) -> dict:
    return {
        "key": column.key,
        "label": column.label,
        "type": column.type.value,
        "required": column.required,
        "min_value": _dec(column.min_value),
        "max_value": _dec(column.max_value),
        "aliases": list(column.aliases),
        "total": column.total,
        "default": None
        if column.default is None
        else {"kind": column.default.kind.value, "columns": list(column.default.columns)},
        "fallback": None
        if column.fallback is None
        else {
            "figure": column.fallback.figure,
            "share_of": column.fallback.share_of,
            "complement": column.fallback.complement,
        },
        "decimals": column.decimals,
        "percent": column.percent,
        "group": column.group,
        "checks": column.checks,
    }


def _computed_to_dict(column: ComputedColumn) -> dict:
    return {
        "key": column.key,
        "label": column.label,
        "kind": column.kind.value,
        "columns": list(column.columns),
        "decimals": column.decimals,
        "base_figure": column.base_figure,
        "fallback": column.fallback,
        "warn_above": _dec(column.warn_above),
        "total": column.total,
        "group": column.group,
    }


def spec_to_dict(spec: TableSpec) -> dict:
    """JSON-friendly form; ``spec_from_dict`` gives the same spec back."""
    return {
        "key": spec.key,
        "kind": spec.kind.value,
        "title": spec.title,
        "row_source": spec.row_source.value,
        "rows": [{"key": r.key, "label": r.label, "aliases": list(r.aliases)} for r in spec.rows],
        "inputs": [_column_to_dict(c) for c in spec.inputs],
        "computed": [_computed_to_dict(c) for c in spec.computed],
        "figures": [_column_to_dict(c) for c in spec.figures],
        "totals": spec.totals,
        "total_label": spec.total_label,
        "row_label": spec.row_label,
        "chart": spec.chart,
        "compare": list(spec.compare),
        "change_warning_percent": spec.change_warning_percent,
        "order": list(spec.order),
    }


def _take(raw: object, cls: type, where: str) -> dict:
    """The dict's fields for a dataclass, refusing unknown ones."""
    if not isinstance(raw, dict):
        raise SpecError(f"{where}: förväntade ett objekt.")
    names = {f.name for f in fields(cls)}
    unknown = set(raw) - names
    if unknown:
        raise SpecError(f"{where}: okänt fält {sorted(unknown)[0]!r}.")
    return dict(raw)


def _decimal_or_none(value: object, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError as error:
        raise SpecError(f"{where}: {value!r} är inget tal.") from error


def _enum(enum: type, value: object, where: str):
    try:
        return enum(value)
    except ValueError as error:
        raise SpecError(f"{where}: okänt värde {value!r}.") from error


def _column_from_dict(raw: object, where: str) -> InputColumn:
    data = _take(raw, InputColumn, where)
    try:
        if "type" in data:
            data["type"] = _enum(ValueType, data["type"], where)
        for name in ("min_value", "max_value"):
            if name in data:
                data[name] = _decimal_or_none(data[name], where)
        if "aliases" in data:
            data["aliases"] = tuple(data["aliases"])
        if data.get("default") is not None:
            default = _take(data["default"], ColumnDefault, where)
            data["default"] = ColumnDefault(
                _enum(DefaultKind, default.get("kind"), where), tuple(default.get("columns", ()))
            )
        if data.get("fallback") is not None:
            data["fallback"] = TotalFallback(**_take(data["fallback"], TotalFallback, where))
        return InputColumn(**data)
    except TypeError as error:
        raise SpecError(f"{where}: {error}") from error


def _computed_from_dict(raw: object, where: str) -> ComputedColumn:
    data = _take(raw, ComputedColumn, where)
    try:
        data["kind"] = _enum(ComputedKind, data.get("kind"), where)
        data["columns"] = tuple(data.get("columns", ()))
        if "warn_above" in data:
            data["warn_above"] = _decimal_or_none(data["warn_above"], where)
        return ComputedColumn(**data)
    except TypeError as error:
        raise SpecError(f"{where}: {error}") from error


def spec_from_dict(raw: object) -> TableSpec:
    """Parse ``spec_to_dict`` output; raises SpecError naming the fault."""
    data = _take(raw, TableSpec, "tabell")
    where = f"tabell {data.get('key')!r}"
    try:
        data["row_source"] = _enum(RowSource, data.get("row_source"), where)
        data["rows"] = tuple(
            FixedRow(**{**_take(r, FixedRow, where), "aliases": tuple(r.get("aliases", ()))})
            for r in data.get("rows", ())
        )
        data["inputs"] = tuple(_column_from_dict(c, where) for c in data.get("inputs", ()))
        data["computed"] = tuple(_computed_from_dict(c, where) for c in data.get("computed", ()))
        data["figures"] = tuple(_column_from_dict(c, where) for c in data.get("figures", ()))
        for name in ("compare", "order"):
            if name in data:
                data[name] = tuple(data[name])
        return TableSpec(**data)
    except TypeError as error:
        raise SpecError(f"{where}: {error}") from error
