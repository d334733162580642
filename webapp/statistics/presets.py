"""Presets: a short template entry becomes a full table spec for the report's period.

The template says ``{ key = "occupancy", kind = "occupancy", title = "Beläggning per månad" }``;
``build_spec`` knows what an occupancy table asks for and computes. Optional fields of the entry
adjust it (see ``COMMON_FIELDS`` and each kind's fields below). Everything particular to one
table — the categories of an advice table, the shelters and measures of a tickets table, the
figures of a facts table — is written in the template entry itself, which is data an admin
edits; nothing is supplied here by table key. Month rows and month columns come from the
period, so the same entry serves every half-year. ``KIND_HOOKS`` holds what a kind adds to the
computation every table gets (the nationalities' summary), for ``compute`` to be given.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TypeVar

from webapp.statistics import nationalities
from webapp.statistics.cells import ValueType
from webapp.statistics.compute import KindHooks
from webapp.statistics.formatting import short_month_name
from webapp.statistics.periods import month_aliases, month_key, month_row_label, needs_year, period_months
from webapp.statistics.specs import (
    Column,
    ColumnDefault,
    ComputedColumn,
    ComputedKind,
    DefaultKind,
    FixedRow,
    InputColumn,
    RowSource,
    SpecError,
    TableKind,
    TableSpec,
    TotalFallback,
)

WOMEN_ALIASES = ("Kvinnor", "Kvinna", "K", "Kv", "Women", "Female")
MEN_ALIASES = ("Män", "Man", "M", "Men", "Male")
HUNDRED = Decimal(100)
_ColumnT = TypeVar("_ColumnT", InputColumn, ComputedColumn)

COMMON_FIELDS = frozenset(
    {
        "key",
        "kind",
        "title",
        "totals",
        "total_label",
        "row_label",
        "chart",
        "compare",
        "change_warning_percent",
        "labels",
        "aliases",
        "required",
        "decimals",
        "ratios",
        "period_figures",
    }
)
# Each kind's own fields; keyed by TableKind, a StrEnum, so an entry's kind string finds them too.
KIND_FIELDS: dict[str, frozenset[str]] = {
    TableKind.CAPACITY: frozenset(),
    TableKind.OCCUPANCY: frozenset(),
    TableKind.VISITS: frozenset(),
    TableKind.NATIONALITIES: frozenset(),
    TableKind.CATEGORY_MONTH: frozenset({"categories", "measures", "extra_columns", "months_as"}),
    TableKind.LOG: frozenset({"columns", "sum"}),
    TableKind.FACTS: frozenset({"figures", "type"}),
}
# What a kind adds to the computation every table gets; pass to ``compute.compute`` as ``hooks``.
KIND_HOOKS: Mapping[TableKind, KindHooks] = MappingProxyType({TableKind.NATIONALITIES: nationalities.HOOKS})


def build_spec(raw: object, period_start: date, period_end: date) -> TableSpec:
    """The full spec for a template table entry and a report period; SpecError if the entry is wrong."""
    if not isinstance(raw, dict):
        raise SpecError("En tabell i mallen måste vara en tabell (nyckel = värde).")
    key = raw.get("key")
    if not isinstance(key, str) or not key:
        raise SpecError("En tabell i mallen saknar 'key'.")
    kind = _kind(key, raw.get("kind"))
    entry = dict(raw)
    unknown = set(entry) - COMMON_FIELDS - KIND_FIELDS[kind]
    if unknown:
        raise SpecError(f"tabell {key!r}: okänt fält {sorted(unknown)[0]!r} för sorten {kind}.")
    months = period_months(period_start, period_end)
    spec = _BUILDERS[kind](entry, months, needs_year(period_start, period_end))
    spec = _with_period_figures(_with_ratios(spec, entry), entry)
    return _apply_overrides(spec, entry)


def _kind(key: str, raw: object) -> TableKind:
    """The entry's kind, or SpecError naming the kinds there are."""
    if isinstance(raw, str) and raw in KIND_FIELDS:
        return TableKind(raw)
    raise SpecError(f"tabell {key!r}: okänd sort {raw!r} (möjliga: {', '.join(KIND_FIELDS)}).")


# --- common pieces -----------------------------------------------------------------------------


def _month_rows(months, with_year: bool) -> tuple[FixedRow, ...]:
    return tuple(FixedRow(month_key(y, m), month_row_label(y, m, with_year), month_aliases(y, m)) for y, m in months)


def _women(**extra) -> InputColumn:
    return InputColumn("women", "Kvinnor", aliases=WOMEN_ALIASES, **extra)


def _men(**extra) -> InputColumn:
    return InputColumn("men", "Män", aliases=MEN_ALIASES, **extra)


_SLUG = str.maketrans({"å": "a", "ä": "a", "ö": "o", "é": "e", "ü": "u"})


def slug(label: str) -> str:
    """'Övriga frågor' → 'ovriga-fragor': a stable key from a label."""
    text = re.sub(r"[^a-z0-9]+", "-", label.casefold().translate(_SLUG)).strip("-")
    return text[:60] or "rad"


def _items(raw: object, where: str) -> list[dict]:
    """A list of labels or {key, label, …} tables, as dicts with a key."""
    if not isinstance(raw, list) or not raw:
        raise SpecError(f"{where}: ange en lista.")
    items = []
    for item in raw:
        if isinstance(item, str):
            item = {"key": slug(item), "label": item}
        if not isinstance(item, dict) or not isinstance(item.get("label"), str):
            raise SpecError(f"{where}: varje post behöver en etikett.")
        items.append({"key": item.get("key") or slug(item["label"]), **{k: v for k, v in item.items() if k != "key"}})
    return items


def _title(entry: dict, default: str) -> str:
    return entry.get("title") or default


# --- kinds -------------------------------------------------------------------------------------


def _capacity(entry: dict, months, with_year: bool) -> TableSpec:
    inputs = (
        InputColumn(
            "places",
            "Platser per natt",
            required=True,
            total=False,
            aliases=("Platser", "Antal platser", "Nattplatser"),
        ),
        InputColumn(
            "from",
            "Från och med",
            ValueType.DATE,
            default=ColumnDefault(DefaultKind.PERIOD_START),
            aliases=("Från", "Öppnar", "Fr.o.m."),
        ),
        InputColumn(
            "until",
            "Till och med",
            ValueType.DATE,
            default=ColumnDefault(DefaultKind.PERIOD_END),
            aliases=("Till", "Stänger", "T.o.m."),
        ),
    )
    computed = (
        ComputedColumn("nights", "Öppna nätter", ComputedKind.NIGHTS, ("from", "until"), total=False),
        ComputedColumn("bed_nights", "Erbjudna sängplatser", ComputedKind.PRODUCT, ("places", "nights")),
    )
    return TableSpec(
        entry["key"],
        TableKind.CAPACITY,
        _title(entry, "Nattplatser"),
        RowSource.FREE,
        inputs,
        computed=computed,
        totals=True,
        row_label="Period",
        compare=("bed_nights",),
    )


def _occupancy(entry: dict, months, with_year: bool) -> TableSpec:
    inputs = (
        _women(),
        _men(),
        InputColumn(
            "offered",
            "Erbjudna sängplatser",
            default=ColumnDefault(DefaultKind.CAPACITY),
            aliases=("Erbjudna platser", "Sängplatser", "Erbjudna", "Platser"),
        ),
    )
    computed = (
        ComputedColumn("nights", "Nätter", ComputedKind.SUM, ("women", "men")),
        ComputedColumn("women_share", "Andel kvinnor", ComputedKind.SHARE, ("women", "nights"), decimals=1),
        ComputedColumn("men_share", "Andel män", ComputedKind.SHARE, ("men", "nights"), decimals=1),
        ComputedColumn(
            "occupancy", "Beläggning", ComputedKind.RATIO, ("nights", "offered"), decimals=1, warn_above=HUNDRED
        ),
    )
    return TableSpec(
        entry["key"],
        TableKind.OCCUPANCY,
        _title(entry, "Beläggning per månad"),
        RowSource.MONTHS,
        inputs,
        rows=_month_rows(months, with_year),
        computed=computed,
        totals=True,
        row_label="Månad",
        chart="occupancy",
        compare=("women", "men", "nights"),
        order=("women", "men", "women_share", "men_share", "nights", "offered", "occupancy"),
    )


def _visits(entry: dict, months, with_year: bool) -> TableSpec:
    inputs = (
        _women(fallback=TotalFallback("period_women_share", share_of="total")),
        _men(fallback=TotalFallback("period_women_share", share_of="total", complement=True)),
        InputColumn(
            "total",
            "Besök totalt",
            default=ColumnDefault(DefaultKind.SUM, ("women", "men")),
            fallback=TotalFallback("period_total"),
            aliases=("Totalt", "Total", "Summa", "Besök"),
        ),
    )
    computed = (
        ComputedColumn("women_share", "Andel kvinnor", ComputedKind.SHARE, ("women", "total"), decimals=1),
        ComputedColumn("men_share", "Andel män", ComputedKind.SHARE, ("men", "total"), decimals=1),
    )
    figures = (
        InputColumn("period_total", "Besök under perioden (om siffror per månad saknas)"),
        InputColumn(
            "period_women_share",
            "Andel kvinnor under perioden, % (om uppdelning per månad saknas)",
            ValueType.DECIMAL,
            max_value=HUNDRED,
            decimals=1,
            percent=True,
        ),
        InputColumn("unique_visitors", "Unika besökare"),
    )
    return TableSpec(
        entry["key"],
        TableKind.VISITS,
        _title(entry, "Besök per månad"),
        RowSource.MONTHS,
        inputs,
        rows=_month_rows(months, with_year),
        computed=computed,
        figures=figures,
        totals=True,
        row_label="Månad",
        chart="gender_bars",
        compare=("women", "men", "total"),
    )


def _nationalities(entry: dict, months, with_year: bool) -> TableSpec:
    inputs = (
        InputColumn(
            "country",
            "Land",
            ValueType.COUNTRY,
            required=True,
            aliases=("Nationalitet", "Medborgarskap", "Ursprungsland"),
        ),
        InputColumn("count", "Antal", aliases=("Personer", "Besök", "Gäster")),
        InputColumn(
            "share",
            "Andel, % (om antal saknas)",
            ValueType.DECIMAL,
            max_value=HUNDRED,
            total=False,
            decimals=1,
            percent=True,
            aliases=("Andel", "%", "Procent"),
        ),
    )
    computed = (
        ComputedColumn(
            "percent",
            "Andel",
            ComputedKind.SHARE_OF_TOTAL,
            ("count",),
            decimals=1,
            base_figure="base",
            fallback="share",
        ),
        ComputedColumn("rank", "Plats", ComputedKind.RANK, ("percent",)),
    )
    figures = (
        InputColumn("base", "Totalt antal som andelarna gäller (personer eller besök)"),
        InputColumn("nationality_count", "Antal nationaliteter totalt"),
    )
    return TableSpec(
        entry["key"],
        TableKind.NATIONALITIES,
        _title(entry, "Vanligaste nationaliteter"),
        RowSource.FREE,
        inputs,
        computed=computed,
        figures=figures,
        totals=True,
        total_label="Summa listade",
        row_label="Land",
        order=("rank", "country", "count", "share", "percent"),
    )


def _month_columns(months, with_year: bool) -> tuple[InputColumn, ...]:
    def label(y: int, m: int) -> str:
        short = short_month_name(m).capitalize()
        return f"{short} {y}" if with_year else short

    return tuple(InputColumn(month_key(y, m), label(y, m), aliases=month_aliases(y, m)) for y, m in months)


def _category_month(entry: dict, months, with_year: bool) -> TableSpec:
    layout = entry.get("months_as", "columns")
    title = _title(entry, "Insatser per månad")
    if layout == "columns":
        if "measures" in entry or "extra_columns" in entry:
            raise SpecError(f'tabell {entry["key"]!r}: measures och extra_columns kräver months_as = "rows".')
        inputs = _month_columns(months, with_year)
        computed: tuple[ComputedColumn, ...] = (
            ComputedColumn("total", "Totalt", ComputedKind.SUM, tuple(c.key for c in inputs)),
        )
        if "categories" in entry:
            rows = tuple(
                FixedRow(c["key"], c["label"], tuple(c.get("aliases", ())))
                for c in _items(entry["categories"], f"tabell {entry['key']!r}: categories")
            )
            return TableSpec(
                entry["key"],
                TableKind.CATEGORY_MONTH,
                title,
                RowSource.FIXED,
                inputs,
                rows=rows,
                computed=computed,
                totals=True,
                row_label="Kategori",
                compare=("total",),
            )
        return TableSpec(
            entry["key"],
            TableKind.CATEGORY_MONTH,
            title,
            RowSource.FREE,
            inputs,
            computed=computed,
            totals=True,
            row_label="Kategori",
            compare=("total",),
        )
    if layout != "rows":
        raise SpecError(f'tabell {entry["key"]!r}: months_as ska vara "columns" eller "rows".')
    where = f"tabell {entry['key']!r}"
    categories = _items(entry.get("categories"), f"{where}: categories")
    measures = _items(entry.get("measures", [{"key": "count", "label": "Antal"}]), f"{where}: measures")
    inputs = tuple(
        InputColumn(
            f"{c['key']}.{m['key']}",
            m["label"],
            group=c["label"],
            aliases=(f"{c['label']} {m['label']}", *(c.get("aliases", ()) if len(measures) == 1 else ())),
        )
        for c in categories
        for m in measures
    )
    extra = (
        tuple(
            InputColumn(e["key"], e["label"], aliases=tuple(e.get("aliases", ())))
            for e in _items(entry["extra_columns"], f"{where}: extra_columns")
        )
        if entry.get("extra_columns")
        else ()
    )
    computed = (
        tuple(
            ComputedColumn(
                f"total.{m['key']}",
                m["label"],
                ComputedKind.SUM,
                tuple(f"{c['key']}.{m['key']}" for c in categories),
                group="Totalt",
            )
            for m in measures
        )
        if len(categories) > 1
        else ()
    )
    order = (*(c.key for c in inputs), *(c.key for c in computed), *(c.key for c in extra))
    return TableSpec(
        entry["key"],
        TableKind.CATEGORY_MONTH,
        title,
        RowSource.MONTHS,
        (*inputs, *extra),
        rows=_month_rows(months, with_year),
        computed=computed,
        totals=True,
        row_label="Månad",
        compare=tuple(c.key for c in computed),
        order=order,
    )


_LOG_COLUMNS = [
    {"key": "date", "label": "Datum", "type": "date", "required": True, "aliases": ["Date"]},
    {"key": "place", "label": "Lokal", "type": "text", "required": True, "aliases": ["Plats", "Location"]},
    {"key": "men", "label": "Män", "aliases": list(MEN_ALIASES)},
    {"key": "women", "label": "Kvinnor", "aliases": list(WOMEN_ALIASES)},
]
_LOG_COLUMN_FIELDS = frozenset({"key", "label", "type", "required", "aliases"})


def _log(entry: dict, months, with_year: bool) -> TableSpec:
    where = f"tabell {entry['key']!r}"
    inputs = []
    for item in _items(entry.get("columns", _LOG_COLUMNS), f"{where}: columns"):
        if set(item) - _LOG_COLUMN_FIELDS:
            raise SpecError(f"{where}: okänt fält {sorted(set(item) - _LOG_COLUMN_FIELDS)[0]!r} i columns.")
        try:
            value_type = ValueType(item.get("type", "integer"))
        except ValueError as error:
            raise SpecError(f"{where}: okänd kolumntyp {item.get('type')!r}.") from error
        inputs.append(
            InputColumn(
                item["key"],
                item["label"],
                value_type,
                bool(item.get("required", False)),
                aliases=tuple(item.get("aliases", ())),
            )
        )
    summed = entry.get("sum", [c.key for c in inputs if c.type is ValueType.INTEGER])
    computed = (ComputedColumn("total", "Totalt", ComputedKind.SUM, tuple(summed)),) if len(summed) > 1 else ()
    return TableSpec(
        entry["key"],
        TableKind.LOG,
        _title(entry, "Logg"),
        RowSource.FREE,
        tuple(inputs),
        computed=computed,
        totals=True,
        row_label="",
        compare=tuple(c.key for c in computed),
    )


def _facts(entry: dict, months, with_year: bool) -> TableSpec:
    where = f"tabell {entry['key']!r}"
    items = _items(entry.get("figures", [{"key": "value", "label": _title(entry, "Antal")}]), f"{where}: figures")
    rows = tuple(FixedRow(i["key"], i["label"], tuple(i.get("aliases", ()))) for i in items)
    try:
        value_type = ValueType(entry.get("type", "integer"))
    except ValueError as error:
        raise SpecError(f"{where}: okänd typ {entry.get('type')!r}.") from error
    if value_type not in (ValueType.INTEGER, ValueType.DECIMAL):
        raise SpecError(f"{where}: uppgifter är heltal eller decimaltal.")
    inputs = (InputColumn("value", "Antal", value_type, aliases=("Värde", "Antal", "Uppgift")),)
    return TableSpec(
        entry["key"],
        TableKind.FACTS,
        _title(entry, "Uppgifter"),
        RowSource.FIXED,
        inputs,
        rows=rows,
        totals=bool(entry.get("totals", False)),
        row_label="Uppgift",
        compare=("value",),
    )


_BUILDERS: dict[TableKind, Callable[[dict, tuple, bool], TableSpec]] = {
    TableKind.CAPACITY: _capacity,
    TableKind.OCCUPANCY: _occupancy,
    TableKind.VISITS: _visits,
    TableKind.NATIONALITIES: _nationalities,
    TableKind.CATEGORY_MONTH: _category_month,
    TableKind.LOG: _log,
    TableKind.FACTS: _facts,
}


# --- ratios and stated period figures, for any kind ----------------------------------------------

RATIO_FIELDS = frozenset({"key", "label", "numerator", "denominator", "decimals", "group"})
PERIOD_FIGURE_FIELDS = frozenset({"key", "label", "checks", "type", "percent", "decimals"})
DEFAULT_RATIO_DECIMALS = 1


def _entries(entry: dict, name: str, allowed: frozenset[str], spec: TableSpec) -> list[dict]:
    raw = entry.get(name, [])
    where = f"tabell {spec.key!r}: {name}"
    if not isinstance(raw, list):
        raise SpecError(f"{where} ska vara en lista.")
    items = []
    for number, item in enumerate(raw, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("label"), str) or not item["label"].strip():
            raise SpecError(f"{where}: post {number} behöver en etikett (label).")
        unknown = set(item) - allowed
        if unknown:
            raise SpecError(f"{where}: post {number} har okänt fält {sorted(unknown)[0]!r}.")
        items.append({**item, "key": item.get("key") or slug(item["label"])})
    return items


def _decimals(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"{where}: decimaler ska vara ett heltal.")
    return value


def _with_ratios(spec: TableSpec, entry: dict) -> TableSpec:
    """``ratios = [{ key, label, numerator, denominator, decimals = 1 }]``: quotients that are not
    percentages (guests per night), added after the kind's own computed columns."""
    items = _entries(entry, "ratios", RATIO_FIELDS, spec)
    if not items:
        return spec
    added = []
    for item in items:
        where = f"tabell {spec.key!r}: kvoten {item['label']!r}"
        numerator, denominator = item.get("numerator"), item.get("denominator")
        if not isinstance(numerator, str) or not isinstance(denominator, str):
            raise SpecError(f"{where} behöver en täljare och en nämnare (kolumnernas nycklar).")
        added.append(
            ComputedColumn(
                str(item["key"]),
                item["label"].strip(),
                ComputedKind.QUOTIENT,
                (numerator, denominator),
                decimals=_decimals(item.get("decimals", DEFAULT_RATIO_DECIMALS), where),
                group=item.get("group") or None,
            )
        )
    order = (*spec.order, *(c.key for c in added)) if spec.order else ()
    return replace(spec, computed=(*spec.computed, *added), order=order)


def _with_period_figures(spec: TableSpec, entry: dict) -> TableSpec:
    """``period_figures = [{ key, label, checks, type, percent, decimals }]``: figures for the whole
    period as the unit states them (an EU/EES share, a total), shown as stated and, with
    ``checks``, compared with what the engine computes (a warning to justify when they differ)."""
    items = _entries(entry, "period_figures", PERIOD_FIGURE_FIELDS, spec)
    if not items:
        return spec
    added = []
    for item in items:
        where = f"tabell {spec.key!r}: uppgiften {item['label']!r}"
        percent = bool(item.get("percent", False))
        try:
            value_type = ValueType(item.get("type", "decimal" if percent else "integer"))
        except ValueError as error:
            raise SpecError(f"{where}: okänd typ {item.get('type')!r}.") from error
        if value_type not in (ValueType.INTEGER, ValueType.DECIMAL):
            raise SpecError(f"{where}: en periodsiffra är ett heltal eller decimaltal.")
        checks = item.get("checks")
        if checks is not None and not isinstance(checks, str):
            raise SpecError(f"{where}: checks ska vara en kolumns nyckel.")
        added.append(
            InputColumn(
                str(item["key"]),
                item["label"].strip(),
                value_type,
                max_value=HUNDRED if percent else None,
                decimals=_decimals(item.get("decimals", 1 if percent else 0), where),
                percent=percent,
                checks=checks or None,
            )
        )
    return replace(spec, figures=(*spec.figures, *added))


# --- overrides ---------------------------------------------------------------------------------


def _per_column(entry: dict, name: str, spec: TableSpec) -> dict:
    value = entry.get(name, {})
    if not isinstance(value, dict):
        raise SpecError(f"tabell {spec.key!r}: {name} ska vara en tabell kolumn = värde.")
    columns: tuple[Column, ...] = (*spec.inputs, *spec.computed, *spec.figures)
    known = {c.key for c in columns}
    for key in value:
        if key not in known:
            raise SpecError(f"tabell {spec.key!r}: {name} nämner okänd kolumn {key!r}.")
    return value


def _apply_overrides(spec: TableSpec, entry: dict) -> TableSpec:
    labels = _per_column(entry, "labels", spec)
    aliases = _per_column(entry, "aliases", spec)
    decimals = _per_column(entry, "decimals", spec)
    required = entry.get("required", [])
    if not isinstance(required, list) or any(spec.input(k) is None for k in required):
        raise SpecError(f"tabell {spec.key!r}: required ska lista inmatningskolumner.")

    def adjust(column: _ColumnT) -> _ColumnT:
        changes: dict = {}
        if column.key in labels:
            changes["label"] = str(labels[column.key])
        if column.key in aliases:
            changes["aliases"] = (*column.aliases, *map(str, aliases[column.key]))
        if column.key in decimals:
            changes["decimals"] = int(decimals[column.key])
        if isinstance(column, InputColumn) and column.key in required:
            changes["required"] = True
        return replace(column, **changes) if changes else column

    changes: dict = {
        "inputs": tuple(adjust(c) for c in spec.inputs),
        "computed": tuple(adjust(c) for c in spec.computed),
        "figures": tuple(adjust(c) for c in spec.figures),
    }
    for name in ("totals", "total_label", "row_label", "change_warning_percent"):
        if name in entry:
            changes[name] = entry[name]
    if "chart" in entry:
        changes["chart"] = entry["chart"] or None
    if "compare" in entry:
        changes["compare"] = tuple(entry["compare"])
    return replace(spec, **changes)
