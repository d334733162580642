import dataclasses

import pytest

from webapp.statistics.countries import (
    COUNTRIES,
    EU_CODES,
    STATELESS_CODE,
    UNKNOWN_CODE,
    Country,
    country_by_code,
    find_country,
    is_eu_eea,
    swedish_sort_key,
)


def codes():
    return {country.code for country in COUNTRIES}


# --- Membership --------------------------------------------------------------


def test_romania_is_eu():
    romania = country_by_code("RO")
    assert romania.name_sv == "Rumänien"
    assert romania.eu and romania.eea and romania.free_movement
    assert not romania.third_country
    assert is_eu_eea("RO")


def test_poland_is_eu():
    assert country_by_code("PL").eu
    assert find_country("Polen").code == "PL"


def test_eu_has_27_members_all_in_the_table():
    assert len(EU_CODES) == 27
    assert EU_CODES <= codes()
    assert sum(country.eu for country in COUNTRIES) == 27


def test_united_kingdom_is_not_eu():
    uk = country_by_code("GB")
    assert not uk.eu and not uk.eea and not uk.free_movement
    assert uk.third_country


@pytest.mark.parametrize(
    "name, code",
    [
        ("Ghana", "GH"),
        ("Nigeria", "NG"),
        ("Marocko", "MA"),
        ("Eritrea", "ER"),
        ("Irak", "IQ"),
        ("Peru", "PE"),
        ("Somalia", "SO"),
        ("Ukraina", "UA"),
    ],
)
def test_third_countries(name, code):
    country = find_country(name)
    assert country.code == code
    assert country.name_sv == name
    assert not country.eu and not country.eea and not country.free_movement
    assert country.third_country
    assert not is_eu_eea(code)


@pytest.mark.parametrize("code", ["NO", "IS", "LI"])
def test_eea_but_not_eu(code):
    country = country_by_code(code)
    assert country.eea and not country.eu and country.free_movement
    assert is_eu_eea(code)


def test_norway():
    norway = find_country("Norge")
    assert norway.code == "NO" and norway.eea and not norway.eu


def test_switzerland_has_free_movement_but_is_neither_eu_nor_eea():
    switzerland = find_country("Schweiz")
    assert switzerland.code == "CH"
    assert switzerland.free_movement
    assert not switzerland.eu and not switzerland.eea
    assert not switzerland.third_country
    assert not is_eu_eea("CH")


def test_stateless_counts_as_third_country():
    stateless = country_by_code(STATELESS_CODE)
    assert stateless.name_sv == "Statslös"
    assert stateless.stateless and stateless.known and stateless.third_country
    assert not stateless.free_movement
    assert find_country("statslös") is stateless


def test_unknown_is_outside_the_split():
    unknown = country_by_code(UNKNOWN_CODE)
    assert unknown.name_sv == "Okänd"
    assert unknown.unknown and not unknown.known
    assert not unknown.third_country and not unknown.free_movement
    assert not is_eu_eea(UNKNOWN_CODE)
    assert find_country("Okänd") is unknown


def test_flags_are_nested():
    for country in COUNTRIES:
        assert not country.eu or country.eea
        assert not country.eea or country.free_movement
    with pytest.raises(ValueError):
        Country("XY", "Fel", eu=True, eea=False, free_movement=True)


def test_country_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        country_by_code("RO").eu = False


# --- Look-up ------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Rumänien",
        "rumänien",
        "RUMÄNIEN",
        "  Rumänien  ",
        "Rumanien",
        "rumanien",
        "Romania",
        "ROMANIA",
        "RO",
        "ro",
        " ro ",
    ],
)
def test_find_romania(text):
    assert find_country(text).code == "RO"


@pytest.mark.parametrize(
    "text, code",
    [
        ("Tjeckien", "CZ"),
        ("Czechia", "CZ"),
        ("Czech Republic", "CZ"),
        ("Storbritannien", "GB"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("Elfenbenskusten", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("Kongo-Kinshasa", "CD"),
        ("Kongo Kinshasa", "CD"),
        ("DR Kongo", "CD"),
        ("Kongo-Brazzaville", "CG"),
        ("Nordmakedonien", "MK"),
        ("North Macedonia", "MK"),
        ("Moldavien", "MD"),
        ("Moldova", "MD"),
        ("Vitryssland", "BY"),
        ("Belarus", "BY"),
        ("Kosovo", "XK"),
        ("XK", "XK"),
        ("Bosnien och Hercegovina", "BA"),
        ("Bosnia & Herzegovina", "BA"),
        ("Bosnia and Herzegovina", "BA"),
        ("Tyskland", "DE"),
        ("Germany", "DE"),
        ("de", "DE"),
        ("Österrike", "AT"),
        ("osterrike", "AT"),
        ("Austria", "AT"),
        ("Grekland", "GR"),
        ("EL", "GR"),
        ("Holland", "NL"),
        ("Nederländerna", "NL"),
        ("Turkiet", "TR"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Myanmar", "MM"),
        ("Burma", "MM"),
        ("Palestina", "PS"),
        ("S:t Lucia", "LC"),
        ("St. Lucia", "LC"),
        ("São Tomé och Príncipe", "ST"),
        ("Sao Tome and Principe", "ST"),
        ("Stateless", STATELESS_CODE),
        ("XX", STATELESS_CODE),
        ("Unknown", UNKNOWN_CODE),
        ("ZZ", UNKNOWN_CODE),
    ],
)
def test_find_variants(text, code):
    assert find_country(text).code == code


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "Atlantis",
        "QQ",
        "EU",
        "UN",
        "150",
        "Europeiska unionen",
        # Not nationalities: the people hold another state's citizenship.
        "Åland",
        "AX",
        "Grönland",
        "Antarktis",
    ],
)
def test_find_nothing(text):
    assert find_country(text) is None


def test_country_by_code():
    assert country_by_code("SE").name_sv == "Sverige"
    assert country_by_code("se").code == "SE"
    assert country_by_code("XK").name_sv == "Kosovo"
    assert country_by_code("EU") is None
    assert country_by_code("") is None
    assert country_by_code(None) is None
    assert country_by_code("Sverige") is None


def test_is_eu_eea_for_unrecognised_codes():
    assert not is_eu_eea("EU")
    assert not is_eu_eea("")
    assert not is_eu_eea(None)


def test_every_country_is_found_by_its_own_names_and_code():
    for country in COUNTRIES:
        assert find_country(country.code) is country
        assert find_country(country.name_sv) is country
        assert find_country(country.name_sv.upper()) is country
        assert find_country(country.name_en) is country


# --- The table ----------------------------------------------------------------


def test_codes_are_unique():
    assert len(codes()) == len(COUNTRIES)


def test_no_pseudo_codes():
    for country in COUNTRIES:
        assert len(country.code) == 2 and country.code.isalpha() and country.code.isupper()
    pseudo = {"EU", "EZ", "UN", "QO", "XA", "XB", "AC", "CP", "DG", "EA", "IC", "TA", "AQ", "BV", "UM"}
    assert not codes() & pseudo
    # Only the user-assigned codes chosen on purpose.
    user_assigned = {c for c in codes() if c == "AA" or "QM" <= c <= "QZ" or c[0] == "X" or c == "ZZ"}
    assert user_assigned == {"XK", STATELESS_CODE, UNKNOWN_CODE}


def test_dependent_territories_are_left_out():
    assert not codes() & {"AX", "GL", "FO", "PR", "GI", "RE", "GP", "BM", "AW", "CW"}


def test_sovereign_states_and_nationality_like_territories_are_in():
    assert {"SE", "RO", "BG", "US", "CN", "VA", "PS", "TW", "XK", "HK", "MO", "SS", "ER"} <= codes()
    # 193 UN members, 2 observers and a handful of territories, plus XX and ZZ.
    assert 195 <= len(COUNTRIES) <= 215


def test_every_name_is_non_empty():
    for country in COUNTRIES:
        assert country.name_sv.strip()
        assert country.name_en.strip()
        assert country.name_sv == country.name_sv.strip()


def test_sorted_swedish_style():
    names = [country.name_sv for country in COUNTRIES]
    assert names == sorted(names, key=swedish_sort_key)
    assert names[0] == "Afghanistan"
    assert names.index("Zimbabwe") < names.index("Österrike")
    assert names[-2:] == ["Österrike", "Östtimor"]
    assert names.index("Zambia") < names.index("Östtimor")


def test_swedish_sort_key():
    words = ["öl", "ål", "äng", "zebra", "ost", "Ärlig", "yxa", "Åsa", "über", "école", "aaa"]
    assert sorted(words, key=swedish_sort_key) == [
        "aaa",
        "école",
        "ost",
        "über",
        "yxa",
        "zebra",
        "ål",
        "Åsa",
        "äng",
        "Ärlig",
        "öl",
    ]
