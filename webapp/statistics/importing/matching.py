"""Month labels, headers and row labels matched to the keys a caller wants.

Months (see :func:`parse_month`)
    Swedish names and abbreviations in any case, with or without a year:
    "November", "nov", "NOV", "Nov.", "Nov 2021", "nov-21", "2021-11", "11/2021",
    "Mars", "mar", "maj", "okt", and English "May", "Oct", "March"; a cell Excel
    has turned into a date counts as its month. A label without a year matches
    the period's only month of that name; if the period holds two, the label is
    reported as ambiguous.

Headers (see :func:`match_columns`)
    Compared case-, space-, punctuation- and diacritic-insensitively ("KVINNOR",
    "kvinnor", "Män"/"man"). An exact match beats "contains the alias as whole
    words" ("Antal kvinnor" matches alias "kvinnor"), except that a header about
    shares ("Andel kvinnor", "% kvinnor", "Kvinnor %") only *contains* aliases
    about shares, so percentages are never taken for counts. A header that
    contains aliases of two different columns ("Kvinnor och män") is used for
    neither. When two headers fit one column equally well (the seed's tables
    repeat "Kvinnor Män" under "Antal" and "Procent"), the leftmost wins and the
    preview says so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from .. import cells
from ..formatting import MONTHS, month_label
from .cell_values import _shown
from .grid import Grid, _column_letter, _is_blank
from .limits import Cell, Key


def _strip_diacritics(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _fold(value: Cell) -> str:
    """Case-, diacritic-, space- and punctuation-insensitive form; keeps letters, digits and %."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _strip_diacritics(str(value)).casefold()
    text = re.sub(r"[^0-9a-z%]+", " ", text)
    return text.strip()


def parse_month(value: Cell) -> tuple[int | None, int] | None:
    """(year or None, month) for a month label, or None.

    "November", "nov", "NOV", "Nov.", "Nov 2021", "nov-21", "2021 nov", "2021-11",
    "2021-11-01", "11/2021", "Mars", "mar", a date or datetime cell.
    """
    if isinstance(value, datetime):
        return value.year, value.month
    if isinstance(value, date):
        return value.year, value.month
    if not isinstance(value, str):
        return None
    s = _fold(value)
    if not s:
        return None
    if m := re.fullmatch(r"(\d{4}) (\d{1,2})(?: (\d{1,2}))?(?: 00 00(?: 00)?)?", s):
        year, month = int(m.group(1)), int(m.group(2))
        return (year, month) if 1 <= month <= 12 else None
    if m := re.fullmatch(r"(\d{1,2}) (\d{4})", s):
        month, year = int(m.group(1)), int(m.group(2))
        return (year, month) if 1 <= month <= 12 else None
    tokens = s.split()
    months = [cells.MONTH_NUMBERS[t] for t in tokens if t in cells.MONTH_NUMBERS]
    years = [t for t in tokens if re.fullmatch(r"\d{4}|\d{2}", t)]
    if len(months) != 1 or len(years) > 1 or len(months) + len(years) != len(tokens):
        return None
    named_year: int | None = None
    if years:
        named_year = int(years[0])
        if named_year < 100:
            named_year += 2000
    return named_year, months[0]


_TOTAL_WORDS = {"totalt", "total", "summa", "sum", "totalsumma", "samtliga", "alla", "tot"}


def _is_total_label(value: Cell) -> bool:
    folded = _fold(value)
    return bool(folded) and folded.split()[0] in _TOTAL_WORDS


_SHARE_WORDS = {"%", "andel", "andelar", "procent", "procentuell", "procentuella", "proc"}


def _alias_score(folded: str, aliases: Iterable[str]) -> int:
    """2: equal to an alias; 1: contains an alias as whole words; 0: neither.

    A header about shares ("Andel kvinnor", "Kvinnor %") never *contains* an
    alias that is not about shares, so a percentage column is not taken for counts.
    """
    best = 0
    padded = f" {folded} "
    share_header = not _SHARE_WORDS.isdisjoint(folded.split())
    for alias in aliases:
        folded_alias = _fold(alias)
        if not folded_alias:
            continue
        if folded == folded_alias:
            return 2
        if share_header and _SHARE_WORDS.isdisjoint(folded_alias.split()):
            continue
        if f" {folded_alias} " in padded:
            best = 1
    return best


@dataclass
class _ColumnMatch:
    mapping: dict[Key, int]
    notes: list[str]
    unmatched: list[int]


def _match_columns_detail(header_row: Sequence[Cell], columns: Sequence[tuple[Key, Sequence[str]]]) -> _ColumnMatch:
    candidates: list[tuple[int, int, int]] = []  # (-score, column, key order)
    notes: list[str] = []
    for column, header in enumerate(header_row):
        folded = _fold(header) if not _is_blank(header) else ""
        if not folded:
            continue
        scores = [(_alias_score(folded, aliases), order) for order, (_key, aliases) in enumerate(columns)]
        scores = [(score, order) for score, order in scores if score]
        if not scores:
            continue
        top = max(score for score, _order in scores)
        tops = [order for score, order in scores if score == top]
        if top == 1 and len(tops) > 1:
            names = ", ".join(_display(columns[order]) for order in tops)
            notes.append(
                f"Kolumn {_column_letter(column)} (”{_shown(header)}”) passar flera kolumner ({names}) "
                "och används inte."
            )
            continue
        candidates.extend((-score, column, order) for score, order in scores)
    candidates.sort()
    mapping: dict[Key, int] = {}
    chosen_score: dict[Key, int] = {}
    used: set[int] = set()
    for negative_score, column, order in candidates:
        key = columns[order][0]
        if column in used:
            continue
        if key in mapping:
            if chosen_score[key] == -negative_score:
                notes.append(
                    f"Både kolumn {_column_letter(mapping[key])} och {_column_letter(column)} passar "
                    f"{_display(columns[order])}; kolumn {_column_letter(mapping[key])} används."
                )
            continue
        mapping[key] = column
        chosen_score[key] = -negative_score
        used.add(column)
    unmatched = [c for c, h in enumerate(header_row) if c not in used and not _is_blank(h)]
    return _ColumnMatch(mapping, notes, unmatched)


def _display(spec: tuple[Key, Sequence[str]]) -> str:
    key, aliases = spec
    if aliases:
        return aliases[0]
    return str(key)


def match_columns(header_row: Sequence[Cell], columns: Sequence[tuple[Key, Sequence[str]]]) -> dict[Key, int]:
    """Column key → index in ``header_row`` for every column whose alias fits a header.

    Exact (folded) matches first, then headers containing an alias as whole
    words; each header serves one column; a header containing aliases of two
    columns serves none; on a tie the leftmost header wins.
    """
    return _match_columns_detail(header_row, columns).mapping


@dataclass
class _RowMatch:
    mapping: dict[Key, int]
    problems: list[tuple[int, str]]  # (grid row index, message) - errors
    notes: list[tuple[int, str]]
    unmatched: list[int]  # grid row indexes with a label that matched nothing
    totals: list[int]


def _month_text(key: date) -> str:
    return month_label(key)


def _match_rows_detail(
    grid: Grid,
    row_keys: Sequence[tuple[Key, Sequence[str]]],
    label_column: int,
    start: int = 0,
) -> _RowMatch:
    months: dict[tuple[int, int], date] = {}
    by_month: dict[int, list[date]] = {}
    for row_key, _aliases in row_keys:
        if isinstance(row_key, date):
            months[(row_key.year, row_key.month)] = row_key
            by_month.setdefault(row_key.month, []).append(row_key)
    mapping: dict[Key, int] = {}
    problems: list[tuple[int, str]] = []
    notes: list[tuple[int, str]] = []
    unmatched: list[int] = []
    totals: list[int] = []
    for index in range(start, grid.height):
        label = grid.rows[index][label_column] if label_column < grid.width else ""
        if _is_blank(label):
            continue
        number = grid.row_numbers[index]
        key: Key | None = None
        month = parse_month(label)
        if month is not None and months:
            year, month_number = month
            if year is not None:
                key = months.get((year, month_number))
                if key is None:
                    notes.append(
                        (
                            index,
                            f"Rad {number}: {MONTHS[month_number - 1]} {year} ingår inte i perioden och hoppas över.",
                        )
                    )
                    continue
            else:
                keys = by_month.get(month_number, [])
                if len(keys) > 1:
                    problems.append(
                        (
                            index,
                            (
                                f"Rad {number}: ”{_shown(label)}” kan vara "
                                + " eller ".join(_month_text(k) for k in keys)
                                + " – skriv ut året (till exempel ”"
                                + f"{MONTHS[month_number - 1][:3]} {keys[0].year}”)."
                            ),
                        )
                    )
                    continue
                if not keys:
                    notes.append(
                        (index, f"Rad {number}: {MONTHS[month_number - 1]} ingår inte i perioden och hoppas över.")
                    )
                    continue
                key = keys[0]
        if key is None:
            folded = _fold(label)
            best: tuple[int, Key | None] = (0, None)
            for candidate, aliases in row_keys:
                score = _alias_score(folded, aliases)
                if score > best[0]:
                    best = (score, candidate)
            key = best[1]
        if key is None:
            if _is_total_label(label):
                totals.append(index)
            else:
                unmatched.append(index)
            continue
        if key in mapping:
            earlier = grid.row_numbers[mapping[key]]
            what = _month_text(key) if isinstance(key, date) else f"”{_shown(label)}”"
            problems.append((index, f"Rad {number}: {what} finns redan på rad {earlier}."))
            continue
        mapping[key] = index
    return _RowMatch(mapping, problems, notes, unmatched, totals)


def match_rows(
    grid: Grid, row_keys: Sequence[tuple[Key, Sequence[str]]], label_column: int, start: int = 0
) -> dict[Key, int]:
    """Row key → index in ``grid.rows`` whose label (in ``label_column``) fits.

    A key that is a :class:`~datetime.date` is a month row, matched by
    :func:`parse_month` (its aliases are tried too); other keys match by alias
    as headers do. The first fitting row wins.
    """
    return _match_rows_detail(grid, row_keys, label_column, start).mapping
