"""Numbers, percentages and months the Swedish way: 14 245 · 74,6 % · november.

Pure functions, no Flask. A narrow no-break space (U+202F) groups thousands and a
no-break space (U+00A0) sits before the percent sign, as Swedish typography (and
Babel's sv locale) has it, so figures never wrap inside a table cell.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_decimal

GROUP = "\u202f"
PERCENT_SPACE = "\u00a0"
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
SHORT_MONTHS = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")

Number = int | float | Decimal


def _round(value: Number, decimals: int) -> Decimal:
    """Half up, as people round by hand (74,65 → 74,7), not banker's rounding."""
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(str(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def round_half_up(value: Number, decimals: int) -> Decimal:
    """The value as a table shows it with ``decimals`` (half up), for comparing with a stated figure."""
    return _round(value, decimals)


def format_number(value: Number, decimals: int = 0) -> str:
    """14245 → '14 245'; 2.5 with decimals=1 → '2,5'."""
    rounded = _round(value, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(rounded, format=pattern, locale="sv_SE").replace("\xa0", GROUP)


def format_percent(value: Number, decimals: int = 1) -> str:
    """74.6 → '74,6 %'. The value is already a percentage (0–100), not a fraction."""
    return f"{format_number(value, decimals)}{PERCENT_SPACE}%"


def month_name(month: int) -> str:
    return MONTHS[month - 1]


def short_month_name(month: int) -> str:
    return SHORT_MONTHS[month - 1]


def month_label(day: date) -> str:
    """'november 2021'."""
    return f"{month_name(day.month)} {day.year}"


def format_date(day: date) -> str:
    """'29 november 2021'."""
    return f"{day.day} {month_name(day.month)} {day.year}"


_SV_LETTERS = {"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}", "ü": "y"}


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def swedish_sort_key(text: str) -> tuple[str, str]:
    """Order strings as a Swedish dictionary does: …, x, y, z, å, ä, ö.

    å/ä/ö become the three ASCII characters after "z"; æ and ø sort as ä and ö,
    ü as y; any other accent is ignored at first and only breaks ties. Spaces and
    punctuation sort before letters, so "S:t Lucia" precedes "Samoa".
    """
    text = unicodedata.normalize("NFC", text)
    primary = "".join(_SV_LETTERS.get(c) or strip_accents(c) for c in text.casefold())
    return primary, text
