"""Rules a report template must keep, shared by the editor and the JSON import.

Pure functions (no database): key patterns and generation, who writes a section, and the
check of a statistics table entry by the engine's own spec builder.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date

from webapp.input_errors import InputRefused
from webapp.models import UnitKind
from webapp.statistics.presets import KIND_FIELDS, build_spec, slug
from webapp.statistics.specs import SpecError, TableSpec

# A template's own key: what export file names and imports use.
TEMPLATE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
# Chapter and section keys: generated as slugs, but files from elsewhere may use the engine's wider form.
PART_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,59}$")
MAX_NAME = 200
MAX_TITLE = 300
MAX_DESCRIPTION = 5_000
MAX_GUIDANCE = 20_000
TABLE_KINDS = tuple(KIND_FIELDS)
UNIT_KINDS = tuple(kind.value for kind in UnitKind)
# A table entry is checked against a real half-year: the engine builds month rows from it.
SAMPLE_PERIOD = (date(2021, 11, 1), date(2022, 4, 30))


class TemplateInputError(InputRefused):
    """Input a template cannot take (422); ``field`` names the form field to blame, if one is."""


NO_WRITER = (
    "Välj minst ett sätt att skriva avsnittet: en gemensam text, en text per verksamhet "
    "av valda typer eller valda verksamheter."
)
NO_RESPONSIBLE = "En gemensam text behöver en ansvarig verksamhet."


def make_key(title: str, taken: Collection[str], fallback: str = "avsnitt") -> str:
    """'Barnperspektiv' → 'barnperspektiv' (å/ä/ö → a/a/o), made unique among ``taken``."""
    base = slug(title)
    if base == "rad":  # the slug's own fallback for a title without letters or digits
        base = fallback
    base = base[:56].strip("-") or fallback
    key, number = base, 2
    while key in taken:
        key = f"{base}-{number}"
        number += 1
    return key


def contribution_problem(
    joint: bool, responsible_unit: object | None, unit_kinds: Collection[str], units: Collection[object]
) -> str | None:
    """Why a section cannot be written as set up, or None when someone writes it."""
    if joint and responsible_unit is None:
        return NO_RESPONSIBLE
    if not (joint or unit_kinds or units):
        return NO_WRITER
    return None


def check_table_entry(entry: object) -> TableSpec:
    """The spec the engine builds from a template table entry; SpecError with its message if wrong."""
    try:
        return build_spec(entry, *SAMPLE_PERIOD)
    except SpecError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        # An entry of the right shape but with values of the wrong type (a number for a list, …).
        key = entry.get("key") if isinstance(entry, dict) else None
        raise SpecError(f"tabell {key!r}: ogiltigt värde ({error}).") from error
