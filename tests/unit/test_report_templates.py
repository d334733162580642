"""Loading the report template file: the 2021–22 structure, and clear errors for bad files."""

import pytest

from webapp.services.report_templates import TemplateFileError, parse_template, read_template_file


def test_the_2021_template_has_the_chapters_and_sections_of_the_seed():
    spec = read_template_file()
    assert [c.title for c in spec.chapters] == [
        "Nattverksamheter",
        "Dagverksamheter",
        "Gemensamt för samtliga verksamheter",
    ]
    assert [len(c.sections) for c in spec.chapters] == [7, 7, 3]
    night = spec.chapters[0].sections
    assert night[1].title.startswith("Beläggningsstatistik")
    assert night[0].joint and night[0].responsible_unit == "ng-inskrivning"
    assert all(section.guidance for chapter in spec.chapters for section in chapter.sections)


def test_the_template_knows_every_unit_of_the_seed_with_its_organisation():
    spec = read_template_file()
    units = {unit.key: unit for unit in spec.units}
    assert {u.kind for u in units.values()} == {"night", "day", "outreach", "registration"}
    assert units["crossroads"].organisation == "stadsmissionen"
    assert units["fa-liljeholmen"].places == 24
    assert str(units["fa-liljeholmen"].open_from) == "2021-11-29"
    assert len([u for u in units.values() if u.kind == "day"]) == 5


def _minimal(**section_overrides):
    section = {"key": "s", "title": "Avsnitt", "unit_kinds": ["day"]} | section_overrides
    return {
        "report_template": {"key": "t", "name": "Mall"},
        "organisations": [{"key": "o", "name": "Org"}],
        "units": [{"key": "u", "organisation": "o", "name": "Enhet", "kind": "day"}],
        "chapters": [{"key": "c", "title": "Kapitel", "sections": [section]}],
    }


def test_a_minimal_template_parses():
    spec = parse_template(_minimal())
    assert spec.chapters[0].sections[0].unit_kinds == ("day",)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"unit_kinds": ["moon"]}, "okänd verksamhetstyp"),
        ({"unit_kinds": [], "units": ["nope"]}, "okänd verksamhet"),
        ({"unit_kinds": [], "joint": True}, "responsible_unit"),
        ({"unit_kinds": []}, "ingen skriver avsnittet"),
    ],
)
def test_bad_sections_are_refused_with_a_message(overrides, message):
    with pytest.raises(TemplateFileError, match=message):
        parse_template(_minimal(**overrides))


def test_a_unit_of_an_unknown_organisation_is_refused():
    data = _minimal()
    data["units"][0]["organisation"] = "ghost"
    with pytest.raises(TemplateFileError, match="okänd organisation"):
        parse_template(data)
