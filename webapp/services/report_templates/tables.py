"""A statistics table entry of a template, as the admin's form shows and edits it.

The engine's presets read a short entry (``{key, kind, title, …}``; see
``webapp.statistics.presets``). The form gives the lists a kind takes — categories, measures,
extra columns, figures, log columns — one per line, and every other option the presets accept
as a small JSON object. Lines read ``nyckel = Etikett | alias, alias`` (log columns:
``nyckel = Etikett | typ [krävs] | alias, alias``); a line without a key gets one made from
its label, and a shown line always carries its key, so renaming a label keeps the key the
figures are stored under. Every kind also takes ratios (``nyckel = Etikett | täljare / nämnare |
decimaler``) and stated period figures (``nyckel = Etikett | jämförs med | procent decimaler``).
Pure functions; the engine itself checks the finished entry.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from webapp.services.report_templates.rules import TemplateInputError, check_table_entry, make_key
from webapp.statistics.presets import COMMON_FIELDS, KIND_FIELDS
from webapp.statistics.specs import SpecError, TableKind, TableSpec

ITEM_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}$")
LIST_FIELDS = ("categories", "measures", "extra_columns", "figures", "columns")
# The form fields each kind shows besides title and the JSON options (keyed by TableKind, a
# StrEnum, so an entry's kind string finds its fields too).
KIND_FORM_FIELDS: dict[str, tuple[str, ...]] = {
    TableKind.CAPACITY: (),
    TableKind.OCCUPANCY: (),
    TableKind.VISITS: (),
    TableKind.NATIONALITIES: (),
    TableKind.CATEGORY_MONTH: ("months_as", "categories", "measures", "extra_columns"),
    TableKind.LOG: ("columns",),
    TableKind.FACTS: ("figures", "value_type", "totals"),
}
# Entry fields the form's own fields set (so the JSON options may not).
_STRUCTURED: dict[str, set[str]] = {
    TableKind.CATEGORY_MONTH: {"months_as", "categories", "measures", "extra_columns"},
    TableKind.LOG: {"columns"},
    TableKind.FACTS: {"figures", "type", "totals"},
}
TYPE_WORDS = {"integer": "heltal", "decimal": "decimaltal", "text": "text", "date": "datum", "country": "land"}
_TYPES_BY_WORD = {**{word: value for value, word in TYPE_WORDS.items()}, **{value: value for value in TYPE_WORDS}}
REQUIRED_WORDS = frozenset({"krävs", "obligatorisk", "required"})


@dataclass(frozen=True)
class TableFormValues:
    title: str
    months_as: str = "columns"
    categories: str = ""
    measures: str = ""
    extra_columns: str = ""
    figures: str = ""
    columns: str = ""
    value_type: str = "integer"
    totals: bool = False
    options: str = ""
    ratios: str = ""
    period_figures: str = ""


def new_entry(kind: str, title: str, key: str | None, taken: set[str]) -> dict:
    """The entry a newly added table starts with: the kind's defaults, which every kind builds from."""
    if kind not in KIND_FIELDS:
        raise TemplateInputError(f"Okänd tabellsort '{kind}'.", "kind")
    if key:
        if not ITEM_KEY.match(key):
            raise TemplateInputError("Nyckeln får innehålla bokstäver a–z, siffror, _ . och -.", "key")
    else:
        key = make_key(title, taken, fallback="tabell")
    return {"key": key, "kind": kind, "title": title.strip()}


# Fields every kind shows, with their own line syntax (so the JSON options may not set them).
ALL_KINDS_FIELDS = ("ratios", "period_figures")
PERCENT_WORDS = frozenset({"procent", "%", "percent"})

# --- entry → form ------------------------------------------------------------------------------


def _ratio_line(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    line = (
        f"{item.get('key', '')} = {item.get('label', '')} | {item.get('numerator', '')} / {item.get('denominator', '')}"
    )
    return line + f" | {item['decimals']}" if "decimals" in item else line


def _period_figure_line(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    line = f"{item.get('key', '')} = {item.get('label', '')} | {item.get('checks') or ''}"
    words = [*(["procent"] if item.get("percent") else []), *([str(item["decimals"])] if "decimals" in item else [])]
    return line + (f" | {' '.join(words)}" if words else "")


def _item_line(item: object) -> str:
    if isinstance(item, str):
        item = {"label": item}
    if not isinstance(item, dict):
        return str(item)
    label = str(item.get("label", ""))
    key = item.get("key") or make_key(label, set(), fallback="rad")
    line = f"{key} = {label}"
    if item.get("aliases"):
        line += " | " + ", ".join(map(str, item["aliases"]))
    return line


def _column_line(item: object) -> str:
    if not isinstance(item, dict):
        return _item_line(item)
    label = str(item.get("label", ""))
    key = item.get("key") or make_key(label, set(), fallback="kolumn")
    word = TYPE_WORDS.get(item.get("type", "integer"), str(item.get("type")))
    line = f"{key} = {label} | {word}{' krävs' if item.get('required') else ''}"
    if item.get("aliases"):
        line += " | " + ", ".join(map(str, item["aliases"]))
    return line


def form_values(entry: dict) -> TableFormValues:
    """What the edit form shows for an entry."""
    kind = entry.get("kind")
    structured = _STRUCTURED.get(kind, set()) if isinstance(kind, str) else set()
    rest = {
        name: value
        for name, value in entry.items()
        if name not in {"key", "kind", "title", *ALL_KINDS_FIELDS} | structured
    }
    lines = {
        name: "\n".join(_item_line(item) for item in entry.get(name) or ())
        for name in ("categories", "measures", "extra_columns", "figures")
        if name in structured
    }
    if kind == TableKind.LOG and "columns" in entry:
        lines["columns"] = "\n".join(_column_line(item) for item in entry["columns"])
    return TableFormValues(
        title=str(entry.get("title", "")),
        months_as=str(entry.get("months_as", "columns")),
        value_type=str(entry.get("type", "integer")),
        totals=bool(entry.get("totals", False)) if kind == TableKind.FACTS else False,
        options=json.dumps(rest, ensure_ascii=False, indent=2, sort_keys=True) if rest else "",
        ratios="\n".join(_ratio_line(item) for item in entry.get("ratios") or ()),
        period_figures="\n".join(_period_figure_line(item) for item in entry.get("period_figures") or ()),
        **lines,
    )


# --- form → entry ------------------------------------------------------------------------------


def _split_head(head: str, field: str, number: int) -> tuple[str | None, str]:
    if "=" in head:
        key, label = (part.strip() for part in head.split("=", 1))
        if not ITEM_KEY.match(key):
            raise TemplateInputError(
                f"Rad {number}: ogiltig nyckel '{key}' (bokstäver a–z, siffror, _ . och -).", field
            )
    else:
        key, label = None, head.strip()
    if not label:
        raise TemplateInputError(f"Rad {number}: etiketten saknas.", field)
    return key, label


def _aliases(text: str) -> list[str]:
    return [alias.strip() for alias in text.split(",") if alias.strip()]


def _parse_lines(text: str, field: str, columns: bool = False) -> list[dict]:
    def read(number: int, parts: list[str]) -> dict:
        item: dict = {}
        if columns:
            words = parts[0].split() if parts else []
            value_type = "integer"
            for word in words:
                if word.casefold() in REQUIRED_WORDS:
                    item["required"] = True
                elif word.casefold() in _TYPES_BY_WORD:
                    value_type = _TYPES_BY_WORD[word.casefold()]
                else:
                    raise TemplateInputError(
                        f"Rad {number}: okänd typ '{word}' (möjliga: {', '.join(TYPE_WORDS.values())}; "
                        "skriv 'krävs' för en kolumn som måste fyllas i).",
                        field,
                    )
            if value_type != "integer":
                item["type"] = value_type
            alias_part = parts[1] if len(parts) > 1 else ""
        else:
            alias_part = parts[0] if parts else ""
        if _aliases(alias_part):
            item["aliases"] = _aliases(alias_part)
        return item

    return _parse_items(text, field, 3 if columns else 2, "rad", read)


def _parse_items(text: str, field: str, most_parts: int, fallback: str, read: Callable[[int, list[str]], dict]) -> list:
    """Lines ``nyckel = Etikett | …`` as entries: ``read`` gives what the parts after the label add."""
    items: list[dict] = []
    keys: set[str] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) > most_parts:
            raise TemplateInputError(f"Rad {number}: för många '|'.", field)
        key, label = _split_head(parts[0], field, number)
        item = {"key": key or make_key(label, keys, fallback=fallback), "label": label, **read(number, parts[1:])}
        if item["key"] in keys:
            raise TemplateInputError(f"Rad {number}: nyckeln '{item['key']}' finns redan på en annan rad.", field)
        keys.add(item["key"])
        items.append(item)
    return items


def _ratio_parts(number: int, parts: list[str]) -> dict:
    """``täljare / nämnare | decimaler`` (decimals default to 1 in the engine)."""
    numerator, slash, denominator = (parts[0] if parts else "").partition("/")
    if not slash or not numerator.strip() or not denominator.strip():
        raise TemplateInputError(
            f"Rad {number}: ange täljare och nämnare med ett snedstreck emellan, t.ex. "
            "”per_natt = Gäster per natt | guests / nights | 1”.",
            "ratios",
        )
    item: dict = {"numerator": numerator.strip(), "denominator": denominator.strip()}
    if len(parts) > 1 and parts[1]:
        if not parts[1].isdigit():
            raise TemplateInputError(f"Rad {number}: antalet decimaler ska vara ett heltal, t.ex. 1.", "ratios")
        item["decimals"] = int(parts[1])
    return item


def _period_figure_parts(number: int, parts: list[str]) -> dict:
    """``jämförs med | procent decimaler``, both optional."""
    item: dict = {}
    if parts and parts[0]:
        item["checks"] = parts[0]
    for word in parts[1].split() if len(parts) > 1 else ():
        if word.casefold() in PERCENT_WORDS:
            item["percent"] = True
        elif word.isdigit():
            item["decimals"] = int(word)
        else:
            raise TemplateInputError(
                f"Rad {number}: okänt ord '{word}' (skriv ”procent” och/eller antal decimaler).", "period_figures"
            )
    return item


def _options(text: str, kind: str) -> dict:
    if not text.strip():
        return {}
    try:
        options = json.loads(text)
    except json.JSONDecodeError as error:
        raise TemplateInputError(
            f"Övriga inställningar är inte giltig JSON (rad {error.lineno}, kolumn {error.colno}).",
            "options",
        ) from error
    if not isinstance(options, dict):
        raise TemplateInputError('Övriga inställningar ska vara ett JSON-objekt: { "namn": värde, … }.', "options")
    for name in options:
        if name in {"key", "kind", "title"}:
            raise TemplateInputError(f"'{name}' ställs inte in bland övriga inställningar.", "options")
        if name in _STRUCTURED.get(kind, set()) or name in ALL_KINDS_FIELDS:
            raise TemplateInputError(f"'{name}' ställs in i fältet ovan, inte bland övriga inställningar.", "options")
        if name not in COMMON_FIELDS | KIND_FIELDS[kind]:
            allowed = sorted(
                (COMMON_FIELDS | KIND_FIELDS[kind])
                - {"key", "kind", "title", *ALL_KINDS_FIELDS}
                - _STRUCTURED.get(kind, set())
            )
            raise TemplateInputError(
                f"Okänd inställning '{name}' för sorten {kind} (möjliga: {', '.join(allowed)}).", "options"
            )
    return options


def entry_from_form(key: str, kind: str, values: TableFormValues) -> dict:
    """The entry the form describes; TemplateInputError for a field it cannot read (the engine checks the rest)."""
    entry: dict = {"key": key, "kind": kind, "title": values.title.strip()}
    if kind == TableKind.CATEGORY_MONTH:
        if values.months_as not in ("columns", "rows"):
            raise TemplateInputError("Välj om månaderna är kolumner eller rader.", "months_as")
        if values.months_as == "rows":
            entry["months_as"] = "rows"
        for name in ("categories", "measures", "extra_columns"):
            items = _parse_lines(getattr(values, name), name)
            if items:
                entry[name] = items
    elif kind == TableKind.LOG:
        columns = _parse_lines(values.columns, "columns", columns=True)
        if columns:
            entry["columns"] = columns
    elif kind == TableKind.FACTS:
        figures = _parse_lines(values.figures, "figures")
        if figures:
            entry["figures"] = figures
        if values.value_type not in ("integer", "decimal"):
            raise TemplateInputError("Uppgifter är heltal eller decimaltal.", "value_type")
        if values.value_type == "decimal":
            entry["type"] = "decimal"
        if values.totals:
            entry["totals"] = True
    entry.update(_options(values.options, kind))
    ratios = _parse_items(values.ratios, "ratios", 3, "kvot", _ratio_parts)
    if ratios:
        entry["ratios"] = ratios
    period_figures = _parse_items(values.period_figures, "period_figures", 3, "uppgift", _period_figure_parts)
    if period_figures:
        entry["period_figures"] = period_figures
    _blame_field(entry)
    return entry


def _blame_field(entry: dict) -> None:
    """The engine's refusal of a ratio or a stated figure, shown at the field it was written in."""
    if not entry.get("ratios") and not entry.get("period_figures"):
        return
    try:
        check_table_entry(entry)
    except SpecError as error:
        message = str(error)
        if "kvoten" in message or ": ratios" in message:
            raise TemplateInputError(message, "ratios") from error
        if "uppgiften" in message or ": period_figures" in message:
            raise TemplateInputError(message, "period_figures") from error


def preview_spec(entry: dict) -> TableSpec | None:
    """The table the engine builds from the entry for a sample half-year (None if it cannot)."""
    try:
        return check_table_entry(entry)
    except SpecError:
        return None
