"""Figures: the cells of a computed table, and the arithmetic that keeps unknowns unknown.

A figure is a number (or text, date, country) — or says why it is not one. Empty and *uppgift
saknas* never count as zero: any sum or share that needs them is *incomplete*. *Ej tillämpligt*
means the part does not exist: a sum leaves it out (a women's shelter has no men's nights), a
share of it is not applicable either. Division by zero is *not computable*, never a crash.
All arithmetic is exact (int and Decimal), so totals never drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum

from webapp.statistics.countries import country_by_code
from webapp.statistics.formatting import format_number, format_percent, short_month_name

Number = int | Decimal


class CountryCode(str):
    """A country's ISO code as a figure's value, so it is shown by its Swedish name."""


class FigureState(StrEnum):
    VALUE = "value"
    EMPTY = "empty"  # not filled in
    MISSING = "missing"  # uppgift saknas
    NOT_APPLICABLE = "not_applicable"  # ej tillämpligt
    INCOMPLETE = "incomplete"  # needs a figure that is empty, missing or wrong
    NOT_COMPUTABLE = "not_computable"  # e.g. a share of zero
    INVALID = "invalid"  # typed, but not readable as the column's type


NOT_A_NUMBER_TEXT = {
    FigureState.EMPTY: "",
    FigureState.MISSING: "uppgift saknas",
    FigureState.NOT_APPLICABLE: "ej tillämpligt",
    FigureState.INCOMPLETE: "ofullständigt",
    FigureState.NOT_COMPUTABLE: "–",
}


@dataclass(frozen=True)
class Figure:
    state: FigureState
    value: int | Decimal | str | date | None = None
    decimals: int = 0
    percent: bool = False
    defaulted: bool = False  # an empty cell standing for its suggestion (e.g. capacity)
    approximate: bool = False  # derived from a rounded, reported share

    @property
    def is_number(self) -> bool:
        return self.number is not None

    @property
    def number(self) -> Number | None:
        """The value when the figure is a number, else None: the typed way to do arithmetic."""
        value = self.value
        if self.state is FigureState.VALUE and isinstance(value, int | Decimal):
            return value
        return None

    @property
    def text(self) -> str:
        """The figure as a Swedish table shows it: '14 245', '74,6 %', 'ca 2 519', 'uppgift saknas'."""
        if self.state is FigureState.INVALID:
            return str(self.value)
        if self.state is not FigureState.VALUE:
            return NOT_A_NUMBER_TEXT[self.state]
        value = self.value
        if isinstance(value, bool):  # pragma: no cover - never stored
            return str(value)
        if isinstance(value, int | Decimal):
            shown = format_percent(value, self.decimals) if self.percent else format_number(value, self.decimals)
            return f"ca {shown}" if self.approximate else shown
        if isinstance(value, date):
            return f"{value.day} {short_month_name(value.month)} {value.year}"
        if isinstance(value, CountryCode) and (country := country_by_code(value)):
            return country.name_sv
        return str(value)


def number(
    value: Number, *, decimals: int = 0, percent: bool = False, approximate: bool = False, defaulted: bool = False
) -> Figure:
    return Figure(FigureState.VALUE, value, decimals, percent, defaulted, approximate)


def state(value: FigureState, *, decimals: int = 0, percent: bool = False) -> Figure:
    return Figure(value, None, decimals, percent)


def total(terms: Iterable[Figure], *, decimals: int = 0) -> Figure:
    """Σ terms. Ej tillämpligt terms are left out; any unknown term makes it incomplete.

    All terms empty is still empty (nothing filled in yet), all missing is still *uppgift
    saknas*; all not applicable (or none at all) is *ej tillämpligt*.
    """
    terms = list(terms)
    states = {t.state for t in terms}
    if not terms or states == {FigureState.NOT_APPLICABLE}:
        return state(FigureState.NOT_APPLICABLE, decimals=decimals)
    if states == {FigureState.EMPTY}:
        return state(FigureState.EMPTY, decimals=decimals)
    counted = [t for t in terms if t.state is not FigureState.NOT_APPLICABLE]
    if all(t.state is FigureState.MISSING for t in counted):
        return state(FigureState.MISSING, decimals=decimals)
    numbers = numbers_of(counted)
    if numbers is None:
        return state(FigureState.INCOMPLETE, decimals=decimals)
    return number(sum(numbers, 0), decimals=decimals, approximate=any(t.approximate for t in counted))


def numbers_of(figures: Iterable[Figure]) -> list[Number] | None:
    """Each figure's number, or None when any of them is not a number."""
    numbers: list[Number] = []
    for figure in figures:
        value = figure.number
        if value is None:
            return None
        numbers.append(value)
    return numbers


def product(factors: Iterable[Figure], *, decimals: int = 0) -> Figure:
    factors = list(factors)
    if any(f.state is FigureState.NOT_APPLICABLE for f in factors):
        return state(FigureState.NOT_APPLICABLE, decimals=decimals)
    numbers = numbers_of(factors)
    if numbers is None:
        return state(FigureState.INCOMPLETE, decimals=decimals)
    result: Number = 1
    for value in numbers:
        result = result * value
    return number(result, decimals=decimals, approximate=any(f.approximate for f in factors))


def percentage(part: Figure, whole: Figure, *, decimals: int = 1) -> Figure:
    """part / whole × 100, exact to 28 significant digits."""
    if FigureState.NOT_APPLICABLE in (part.state, whole.state):
        return state(FigureState.NOT_APPLICABLE, decimals=decimals, percent=True)
    part_number, whole_number = part.number, whole.number
    if part_number is None or whole_number is None:
        return state(FigureState.INCOMPLETE, decimals=decimals, percent=True)
    if whole_number == 0:
        return state(FigureState.NOT_COMPUTABLE, decimals=decimals, percent=True)
    return number(
        percent_of(part_number, whole_number),
        decimals=decimals,
        percent=True,
        approximate=part.approximate or whole.approximate,
    )


def quotient(numerator: Figure, denominator: Figure, *, decimals: int = 1) -> Figure:
    """numerator / denominator as a plain number (guests per night), exact to 28 significant digits.

    Not a percentage: no "%" and no limit at 100. *Ej tillämpligt* in either gives *ej
    tillämpligt*, *uppgift saknas* gives *uppgift saknas*, anything else that is not a number
    *ofullständigt*, and a zero denominator *not computable*: never an exception or infinity.
    """
    operands = (numerator.state, denominator.state)
    if FigureState.NOT_APPLICABLE in operands:
        return state(FigureState.NOT_APPLICABLE, decimals=decimals)
    top, bottom = numerator.number, denominator.number
    if top is None or bottom is None:
        known = {s for s in operands if s is not FigureState.VALUE}
        missing = known == {FigureState.MISSING}
        return state(FigureState.MISSING if missing else FigureState.INCOMPLETE, decimals=decimals)
    if bottom == 0:
        return state(FigureState.NOT_COMPUTABLE, decimals=decimals)
    with localcontext() as context:
        context.prec = 28
        value = Decimal(top) / Decimal(bottom)
    return number(value, decimals=decimals, approximate=numerator.approximate or denominator.approximate)


def percent_of(part: Number, whole: Number) -> Decimal:
    with localcontext() as context:
        context.prec = 28
        return Decimal(part) * 100 / Decimal(whole)


def change_percent(previous: Figure, current: Figure) -> Decimal | None:
    """(current − previous) / previous × 100; None when either is not a number or previous is 0."""
    before, after = previous.number, current.number
    if before is None or after is None or before == 0:
        return None
    return percent_of(after - before, before)
