"""Template JSON files (exact round trip, clear refusals) and the table entry form's text format."""

from __future__ import annotations

import json

import pytest

from webapp.services.report_templates import ChapterSpec, SectionSpec, read_template_file
from webapp.services.report_templates import json_files as template_json
from webapp.services.report_templates import tables as template_tables
from webapp.services.report_templates.json_files import (
    TemplateDocument,
    TemplateFileRefused,
    dump_document,
    parse_template_file,
)
from webapp.services.report_templates.rules import TemplateInputError, make_key
from webapp.services.report_templates.tables import TableFormValues, entry_from_form, form_values

DEMO = read_template_file()
UNIT_KEYS = {unit.key for unit in DEMO.units}


def _demo_document() -> TemplateDocument:
    """The 2021 demo template as a document, the way an export of it reads."""
    return TemplateDocument(
        key=DEMO.key,
        name=DEMO.name,
        description=DEMO.description,
        version=4,
        chapters=tuple(
            ChapterSpec(
                c.key,
                c.title,
                c.guidance,
                tuple(
                    SectionSpec(
                        s.key,
                        s.title,
                        s.guidance,
                        s.joint,
                        s.responsible_unit,
                        s.unit_kinds,
                        s.units,
                        tuple(dict(t) for t in s.tables),
                    )
                    for s in c.sections
                ),
            )
            for c in DEMO.chapters
        ),
    )


def _demo_file() -> dict:
    return json.loads(dump_document(_demo_document()))


def _bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode()


def _refusal(data: dict | bytes) -> str:
    with pytest.raises(TemplateFileRefused) as caught:
        parse_template_file(data if isinstance(data, bytes) else _bytes(data), UNIT_KEYS)
    return caught.value.message


# --- round trip ----------------------------------------------------------------------------------


def test_dump_parse_dump_is_byte_identical():
    text = dump_document(_demo_document())
    again = dump_document(parse_template_file(text.encode(), UNIT_KEYS))
    assert again == text


def test_the_file_has_a_stable_order_with_the_format_marker_first_and_unordered_lists_sorted():
    document = _demo_document()
    section = document.chapters[0].sections[0]
    shuffled = TemplateDocument(
        document.key,
        document.name,
        document.description,
        document.version,
        (
            ChapterSpec(
                document.chapters[0].key,
                document.chapters[0].title,
                document.chapters[0].guidance,
                (
                    SectionSpec(
                        section.key,
                        section.title,
                        section.guidance,
                        section.joint,
                        section.responsible_unit,
                        ("night", "day"),
                        ("vastberga-gard", "crossroads"),
                        ({"title": "T", "kind": "facts", "key": "t"},),
                    ),
                ),
            ),
        ),
    )
    data = json.loads(dump_document(shuffled))
    assert list(data) == ["format", "key", "name", "description", "version", "chapters"]
    assert data["format"] == "iop-rapport-template/1"
    written = data["chapters"][0]["sections"][0]
    assert written["unit_kinds"] == ["day", "night"]
    assert written["units"] == ["crossroads", "vastberga-gard"]
    assert list(written["tables"][0]) == ["key", "kind", "title"]
    assert list(written) == ["key", "title", "guidance", "joint", "responsible_unit", "unit_kinds", "units", "tables"]


def test_units_are_named_by_key_and_non_ascii_text_is_kept_readable():
    text = dump_document(_demo_document())
    assert '"responsible_unit": "ng-inskrivning"' in text
    assert "Nattverksamheter" in text and "\\u00e4" not in text


# --- refusals --------------------------------------------------------------------------------------


def test_not_json_is_refused():
    assert "inte giltig JSON" in _refusal(b"{ inte json")


def test_not_utf8_is_refused():
    assert "UTF-8" in _refusal("{}".encode("utf-16"))


def test_a_wrong_format_marker_is_refused():
    data = _demo_file()
    data["format"] = "iop-rapport-template/2"
    assert "ingen rapportmall" in _refusal(data)
    assert "ingen rapportmall" in _refusal(b"[1, 2, 3]")


def test_a_file_that_is_too_large_is_refused():
    message = _refusal(b" " * (template_json.MAX_FILE_BYTES + 1))
    assert "för stor" in message and "500 kB" in message


def test_a_missing_field_is_refused_and_named():
    data = _demo_file()
    del data["chapters"][1]["sections"][2]["guidance"]
    message = _refusal(data)
    assert "Kapitel 2" in message and "avsnitt 3" in message and "'guidance' saknas" in message


def test_an_unknown_field_is_refused():
    data = _demo_file()
    data["chapters"][0]["colour"] = "red"
    assert "okänt fält 'colour'" in _refusal(data)


def test_an_unknown_unit_key_is_refused():
    data = _demo_file()
    data["chapters"][0]["sections"][1]["units"] = ["okand-verksamhet"]
    message = _refusal(data)
    assert "okänd verksamhet 'okand-verksamhet'" in message and "natt-belaggning" in message


def test_an_unknown_responsible_unit_is_refused():
    data = _demo_file()
    data["chapters"][0]["sections"][0]["responsible_unit"] = "nobody"
    assert "okänd verksamhet 'nobody'" in _refusal(data)


def test_an_unknown_unit_kind_is_refused():
    data = _demo_file()
    data["chapters"][0]["sections"][0]["unit_kinds"] = ["moon"]
    assert "okänd verksamhetstyp 'moon'" in _refusal(data)


def test_an_unknown_table_kind_is_refused_with_the_engines_message():
    data = _demo_file()
    data["chapters"][0]["sections"][0]["tables"][0]["kind"] = "pie"
    message = _refusal(data)
    assert "okänd sort 'pie'" in message and "capacity" in message


def test_a_bad_table_spec_is_refused_with_the_engines_message():
    data = _demo_file()
    data["chapters"][0]["sections"][0]["tables"] = [{"key": "f", "kind": "facts", "title": "F", "type": "date"}]
    assert "uppgifter är heltal eller decimaltal" in _refusal(data)
    data["chapters"][0]["sections"][0]["tables"] = [
        {"key": "o", "kind": "occupancy", "title": "O", "labels": {"nope": "X"}}
    ]
    assert "okänd kolumn 'nope'" in _refusal(data)


def test_a_section_nobody_writes_is_refused():
    data = _demo_file()
    section = data["chapters"][2]["sections"][0]
    section["unit_kinds"] = []
    assert "Välj minst ett sätt" in _refusal(data)


def test_a_joint_section_without_a_responsible_unit_is_refused():
    data = _demo_file()
    data["chapters"][0]["sections"][0]["responsible_unit"] = None
    assert "ansvarig verksamhet" in _refusal(data)


def test_duplicate_section_and_table_keys_are_refused():
    data = _demo_file()
    data["chapters"][2]["sections"][1]["key"] = data["chapters"][0]["sections"][0]["key"]
    assert "Två avsnitt har nyckeln 'natt-platser'" in _refusal(data)
    data = _demo_file()
    tables = data["chapters"][0]["sections"][4]["tables"]
    tables[1]["key"] = tables[0]["key"]
    assert "två tabeller har nyckeln 'tickets'" in _refusal(data)


def test_a_bad_template_key_or_version_is_refused():
    data = _demo_file()
    data["key"] = "Mall med mellanslag"
    assert "ogiltig nyckel" in _refusal(data)
    data = _demo_file()
    data["version"] = 0
    assert "'version'" in _refusal(data)


def test_wrong_value_types_are_refused():
    data = _demo_file()
    data["chapters"][0]["sections"][0]["joint"] = "yes"
    assert "'joint' ska vara true eller false" in _refusal(data)
    data = _demo_file()
    data["chapters"][0]["title"] = 7
    assert "'title' ska vara en text" in _refusal(data)


# --- keys -------------------------------------------------------------------------------------------


def test_keys_come_from_titles_with_swedish_letters_folded_and_stay_unique():
    assert make_key("Barnperspektiv", set()) == "barnperspektiv"
    assert make_key("Åtgärder för äldre – översikt", set()) == "atgarder-for-aldre-oversikt"
    assert make_key("Barnperspektiv", {"barnperspektiv", "barnperspektiv-2"}) == "barnperspektiv-3"
    assert make_key("???", set()) == "avsnitt"
    assert len(make_key("x" * 300, set())) <= 60


# --- the table form's text format ------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry", [dict(t) for c in DEMO.chapters for s in c.sections for t in s.tables], ids=lambda entry: entry["key"]
)
def test_every_demo_table_entry_survives_the_form_unchanged(entry):
    assert entry_from_form(entry["key"], entry["kind"], form_values(entry)) == entry


def test_lines_without_a_key_get_one_from_the_label_and_aliases_are_read():
    values = TableFormValues(title="Råd", categories="Arbetsmarknad\nsocial = Social välfärd | Socialt, Välfärd\n\n")
    entry = entry_from_form("advice", "category_month", values)
    assert entry["categories"] == [
        {"key": "arbetsmarknad", "label": "Arbetsmarknad"},
        {"key": "social", "label": "Social välfärd", "aliases": ["Socialt", "Välfärd"]},
    ]


def test_log_columns_read_type_and_required():
    values = TableFormValues(title="Logg", columns="date = Datum | datum krävs | Date\nplace = Lokal | text\nmen = Män")
    entry = entry_from_form("ekn", "log", values)
    assert entry["columns"] == [
        {"key": "date", "label": "Datum", "type": "date", "required": True, "aliases": ["Date"]},
        {"key": "place", "label": "Lokal", "type": "text"},
        {"key": "men", "label": "Män"},
    ]


@pytest.mark.parametrize(
    ("kind", "values", "field", "message"),
    [
        ("log", TableFormValues(title="L", columns="x = X | färg"), "columns", "okänd typ 'färg'"),
        ("facts", TableFormValues(title="F", figures="a = A\na = B"), "figures", "finns redan"),
        ("facts", TableFormValues(title="F", figures="ogiltig nyckel! = A"), "figures", "ogiltig nyckel"),
        ("facts", TableFormValues(title="F", options="{inte json"), "options", "inte giltig JSON"),
        ("facts", TableFormValues(title="F", options="[1]"), "options", "JSON-objekt"),
        ("facts", TableFormValues(title="F", options='{"figures": []}'), "options", "i fältet ovan"),
        ("visits", TableFormValues(title="V", options='{"colour": "red"}'), "options", "Okänd inställning 'colour'"),
    ],
)
def test_unreadable_form_input_names_the_field(kind, values, field, message):
    with pytest.raises(TemplateInputError) as caught:
        entry_from_form("t", kind, values)
    assert caught.value.field == field and message in caught.value.message


def test_a_new_table_gets_a_key_from_its_title_unless_one_is_given():
    assert template_tables.new_entry("visits", "Besök per månad", None, set())["key"] == "besok-per-manad"
    assert template_tables.new_entry("visits", "Besök", "visits_2", set())["key"] == "visits_2"
    with pytest.raises(TemplateInputError):
        template_tables.new_entry("pie", "Paj", None, set())
