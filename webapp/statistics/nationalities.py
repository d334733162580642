"""Nationalities: shares, EU/EEA versus third-country split, and the joint list of several units.

A unit lists its most common nationalities with a count (preferably) or a share. Shares are of
the ``base`` figure when given (all guests or visits, so a top-5 list shows how much it covers)
or else of the listed counts. The split sums the listed shares: EU/EEA, third country, and
"other" — what the list does not cover plus "Okänd" and Switzerland, which is neither EU/EEA
nor a third country — so the three always add up to 100 %.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from webapp.statistics import figures as fig
from webapp.statistics.cells import Cell, Row, TableData
from webapp.statistics.compute import ComputeContext, ComputedTable, KindHooks, compute
from webapp.statistics.countries import country_by_code, swedish_sort_key
from webapp.statistics.figures import Figure, FigureState, Number
from webapp.statistics.specs import TableKind, TableSpec

COUNTRY, COUNT, SHARE, PERCENT, RANK = "country", "count", "share", "percent", "rank"
BASE, NATIONALITY_COUNT = "base", "nationality_count"
COMPLETE_LIST = Decimal("99.5")
HUNDRED = Decimal(100)  # listed shares this high cover everyone (reported shares are rounded)


def _split(table: ComputedTable) -> tuple[list[tuple[str, Figure, Figure]], bool]:
    """(country code, count, percent) of each listed row, and whether every row is usable."""
    listed, usable = [], True
    for row in table.rows:
        country = row[COUNTRY]
        if country.state is not FigureState.VALUE:
            usable = usable and country.state is FigureState.NOT_APPLICABLE
            continue
        listed.append((str(country.value), row[COUNT], row[PERCENT]))
    return listed, usable


def _share_sum(parts: Iterable[Figure]) -> Figure:
    return fig.total(parts, decimals=1)


def summarize(table: ComputedTable) -> dict[str, Figure]:
    """EU/EEA, third-country and other shares, counts, and the number of nationalities."""
    listed, usable = _split(table)
    groups: dict[str, list[tuple[Figure, Figure]]] = {"eu_eea": [], "third_country": [], "other": []}
    for code, count, percent in listed:
        country = country_by_code(code)
        group = (
            "eu_eea" if country and country.eea else "third_country" if country and country.third_country else "other"
        )
        groups[group].append((count, percent))
    summary: dict[str, Figure] = {"listed": fig.number(len({code for code, _, _ in listed}))}
    shares = {}
    for group, members in groups.items():
        share = _share_sum(p for _, p in members) if members else fig.number(Decimal(0), decimals=1)
        shares[group] = share if usable else fig.state(FigureState.INCOMPLETE)
        counts = fig.total(c for c, _ in members) if members else fig.number(0)
        summary[f"{group}_count"] = counts if usable else fig.state(FigureState.INCOMPLETE)
    summary["eu_eea_share"] = _percent(shares["eu_eea"])
    summary["third_country_share"] = _percent(shares["third_country"])
    known = fig.total([shares["eu_eea"], shares["third_country"], shares["other"]])
    known_share = known.number
    # A known total means each share is a number or ej tillämpligt (rows whose count and share
    # do not apply), which lists nobody: the other share is all that EU/EEA and third countries
    # leave, 100 − known + the listed others.
    listed_other = shares["other"].number or 0
    summary["other_share"] = (
        _percent(fig.number(100 - known_share + listed_other))
        if known_share is not None
        else fig.state(FigureState.INCOMPLETE, percent=True)
    )
    summary["listed_share"] = _percent(known)
    # What the others could add: a stated EU/EEA or third-country share is checked against
    # the range from the listed share to the listed share plus everyone not placed.
    other = summary["other_share"].number
    for group in ("eu_eea", "third_country"):
        listed_group = shares[group].number
        if listed_group is not None and other is not None:
            summary[f"{group}_share_max"] = _percent(fig.number(min(listed_group + other, HUNDRED)))
    reported = table.figures.get(NATIONALITY_COUNT)
    if reported is not None and reported.is_number:
        summary["nationalities"] = reported
    elif known_share is not None and known_share >= COMPLETE_LIST:
        summary["nationalities"] = summary["listed"]  # the list covers everyone: count it
    else:
        summary["nationalities"] = fig.state(FigureState.INCOMPLETE)
    return summary


def _percent(figure: Figure) -> Figure:
    value = figure.number
    if value is not None:
        return fig.number(value, decimals=1, percent=True, approximate=figure.approximate)
    return Figure(figure.state, None, 1, True)


# What a nationalities table adds to every table's computation (registered in ``presets``).
HOOKS = KindHooks(summarize=summarize)


# --- the joint list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitList:
    unit_key: str
    unit_name: str
    data: TableData | None


@dataclass(frozen=True)
class JointNationalities:
    table: ComputedTable  # one row per country (key = country code)
    included: tuple[str, ...]  # unit names whose counts are in the list
    left_out: tuple[str, ...]  # unit names without counts (only shares, or nothing yet)

    @property
    def messages(self) -> tuple[str, ...]:
        return tuple(
            f"{name} har inte angett antal per land och ingår inte i den gemensamma listan." for name in self.left_out
        )


def _unit_counts(spec: TableSpec, unit: UnitList, context: ComputeContext) -> tuple[dict[str, Number], Number] | None:
    """{country: count}, and the unit's base, when every listed country has a count."""
    if unit.data is None:
        return None
    table = compute(spec, unit.data, context)
    counts: dict[str, Number] = {}
    for row in table.rows:
        country, count = row[COUNTRY], row[COUNT].number
        if country.state is not FigureState.VALUE or count is None:
            return None
        code = str(country.value)
        counts[code] = counts.get(code, 0) + count
    if not counts:
        return None
    base = table.figures.get(BASE)
    base_number = None if base is None else base.number
    return counts, sum(counts.values(), 0) if base_number is None else base_number


def joint_nationalities(spec: TableSpec, units: Iterable[UnitList], context: ComputeContext) -> JointNationalities:
    """The joint nationality table of several units: public engine API, not yet shown in the document.

    Counts per country are summed over the units that gave counts, and the shares are of their
    summed bases; units with only shares (or no list) are left out and named in ``messages``.
    The table gets the same summary as a unit's (EU/EEA and third-country split). Units are
    taken in name order, so the result does not depend on the order they come in.
    """
    ordered = sorted(units, key=lambda u: (swedish_sort_key(u.unit_name), u.unit_key))
    totals: dict[str, Number] = {}
    bases: list[Number] = []
    included, left_out = [], []
    for unit in ordered:
        result = _unit_counts(spec, unit, context)
        if result is None:
            left_out.append(unit.unit_name)
            continue
        counts, base = result
        included.append(unit.unit_name)
        bases.append(base)
        for code, count in counts.items():
            totals[code] = totals.get(code, 0) + count
    rows = tuple(
        Row(code, None, {COUNTRY: Cell.of(code), COUNT: Cell.of(int(count))})
        for code, count in sorted(totals.items(), key=lambda item: (-item[1], _name(item[0])))
    )
    figures: Mapping[str, Cell] = {}
    if bases:
        figures = {BASE: Cell.of(int(sum(bases, 0)))}
    table = compute(spec, TableData(rows, figures=figures), context, {TableKind.NATIONALITIES: HOOKS})
    return JointNationalities(table, tuple(included), tuple(left_out))


def _name(code: str) -> tuple[str, str]:
    country = country_by_code(code)
    return swedish_sort_key(country.name_sv if country else code)
