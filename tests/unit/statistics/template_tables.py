"""The table entries of the 2021–22 template file, for tests that need a real entry.

The template is data: what an advice or tickets table asks for is written there, not in the
engine, so tests build their specs from the same entries the application installs.
"""

from __future__ import annotations

import tomllib
from functools import cache

from webapp.services.report_templates import DEFAULT_TEMPLATE_FILE


@cache
def _template() -> dict:
    with DEFAULT_TEMPLATE_FILE.open("rb") as handle:
        return tomllib.load(handle)


def template_tables() -> list[tuple[str, dict]]:
    """(section key, table entry) for every table of the template, in template order."""
    return [
        (section["key"], dict(table))
        for chapter in _template()["chapters"]
        for section in chapter["sections"]
        for table in section.get("tables", [])
    ]


def template_table(key: str, section: str | None = None) -> dict:
    """The entry of the table with this key (in the given section when the key is not unique)."""
    found = [
        table for section_key, table in template_tables() if table["key"] == key and section in (None, section_key)
    ]
    if len(found) != 1:
        raise LookupError(f"{len(found)} template tables with key {key!r} (section {section!r})")
    return found[0]
