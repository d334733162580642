"""Nationalities: ISO codes, Swedish names, EU/EEA membership and name look-up.

Pure module, no Flask and no I/O beyond Babel's bundled CLDR data.

What is in ``COUNTRIES``
    Every two-letter territory Babel knows that makes sense as a *nationality*:
    the sovereign states, plus Kosovo (XK), Taiwan (TW), Palestine (PS), Hong
    Kong (HK), Macao (MO) and Western Sahara (EH), which have their own
    passports or are recorded as a citizenship in Swedish statistics. Left out
    are CLDR's pseudo-codes (numeric regions such as "150", EU, EZ, UN, QO, ZZ,
    XA, XB and the rest of ISO's user-assigned ranges AA, QM–QZ, XA–XZ, ZZ
    except XK), the ISO "exceptionally reserved" codes CLDR carries (AC, CP, DG,
    EA, IC, TA), uninhabited territories (AQ, BV, GS, HM, IO, TF, UM) and
    dependent territories whose people hold another state's nationality
    (Åland, Greenland, Puerto Rico, Gibraltar, Réunion …). Those last would
    mislead the EU/third-country split (a person "from Åland" is a Finnish,
    hence EU, citizen), so ``find_country("Åland")`` deliberately gives None.

Two special entries (codes from ISO's user-assigned range, so they can never
collide with a real country):
    ``XX`` "Statslös" (stateless; ICAO's passport code is XXA). Counts as a
        third-country national: no EU/EEA/Swiss citizenship, no free movement.
    ``ZZ`` "Okänd" (unknown; CLDR's own code for an unknown region). Counted in
        totals but *excluded* from the EU/third-country split: it is neither
        ``free_movement`` nor ``third_country``, and shares should be computed
        over ``known`` entries only.

Flags
    ``eu``             the 27 member states as of 2026 (the UK left in 2020).
    ``eea``            EU plus Iceland, Liechtenstein and Norway.
    ``free_movement``  EEA plus Switzerland (free movement by bilateral
                       agreement, though in neither the EU nor the EEA).
    ``third_country``  known nationality without free movement ("tredjelands-
                       medborgare"), stateless included.

``COUNTRIES`` is sorted the Swedish way (å, ä, ö after z; ü as y; other
accents ignored), by hand, because Babel has no collation and the sv_SE C
locale may not be installed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from babel import Locale

from webapp.statistics.formatting import strip_accents, swedish_sort_key

STATELESS_CODE = "XX"
UNKNOWN_CODE = "ZZ"

EU_CODES = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "HU",
    }
)
EEA_CODES = EU_CODES | {"IS", "LI", "NO"}
FREE_MOVEMENT_CODES = EEA_CODES | {"CH"}

# ISO 3166-1 exceptionally reserved codes that CLDR lists as regions.
_RESERVED = frozenset({"AC", "CP", "DG", "EA", "IC", "TA"})
# No permanent population.
_UNINHABITED = frozenset({"AQ", "BV", "GS", "HM", "IO", "TF", "UM"})
# Dependent territories whose inhabitants hold the nationality of another state.
_DEPENDENT = frozenset(
    {
        "AI",
        "AS",
        "AW",
        "AX",
        "BL",
        "BM",
        "BQ",
        "CC",
        "CK",
        "CW",
        "CX",
        "FK",
        "FO",
        "GF",
        "GG",
        "GI",
        "GL",
        "GP",
        "GU",
        "IM",
        "JE",
        "KY",
        "MF",
        "MP",
        "MQ",
        "MS",
        "NC",
        "NF",
        "NU",
        "PF",
        "PM",
        "PN",
        "PR",
        "RE",
        "SH",
        "SJ",
        "SX",
        "TC",
        "TK",
        "VG",
        "VI",
        "WF",
        "YT",
    }
)
_KEEP_USER_ASSIGNED = frozenset({"XK"})  # Kosovo

# Babel's names where a report would say it differently; Babel's own name stays
# findable as an alias.
_NAME_SV = {
    "HK": "Hongkong",
    "MO": "Macao",
    "MM": "Myanmar",
    "PS": "Palestina",
    STATELESS_CODE: "Statslös",
    UNKNOWN_CODE: "Okänd",
}
_NAME_EN = {
    "HK": "Hong Kong",
    "MO": "Macao",
    "MM": "Myanmar",
    "PS": "Palestine",
    STATELESS_CODE: "Stateless",
    UNKNOWN_CODE: "Unknown",
}

# Other spellings met in reports, spreadsheets and case files.
_ALIASES = {
    "BA": ("Bosnien-Hercegovina", "Bosnien", "Bosnia"),
    "BY": ("Vitryssland", "Belarussia", "Byelorussia"),
    "CD": (
        "Demokratiska republiken Kongo",
        "DR Kongo",
        "Kongo (Kinshasa)",
        "Zaire",
        "Democratic Republic of the Congo",
        "DR Congo",
        "DRC",
    ),
    "CG": ("Republiken Kongo", "Kongo (Brazzaville)", "Republic of the Congo"),
    "CI": ("Côte d'Ivoire", "Ivory Coast"),
    "CV": ("Kap Verde", "Cabo Verde"),
    "CZ": ("Tjeckiska republiken", "Czech Republic"),
    "GB": (
        "Förenade kungariket",
        "Förenade konungariket",
        "Storbritannien och Nordirland",
        "England",
        "Skottland",
        "Wales",
        "Nordirland",
        "Great Britain",
        "Britain",
        "Scotland",
        "Northern Ireland",
    ),
    "KR": ("Korea", "Republiken Korea"),
    "MD": ("Moldova", "Republiken Moldavien"),
    "MK": ("Makedonien", "Republiken Nordmakedonien", "Macedonia"),
    "MM": ("Burma",),
    "NL": ("Holland",),
    "PS": ("Palestine", "Palestinian territories"),
    "SA": ("Saudi-Arabien",),
    "AE": ("Arabemiraten", "UAE"),
    "KG": ("Kirgisistan",),
    "SZ": ("Swaziland",),
    "TL": ("Timor-Leste", "East Timor"),
    "TR": ("Turkey",),
    "US": ("Förenta staterna", "Amerikas förenta stater", "United States of America"),
    "VA": ("Vatikanen", "Vatican", "Holy See"),
    STATELESS_CODE: ("Statslösa", "Statslös person"),
    UNKNOWN_CODE: ("Okänt", "Uppgift saknas", "Not known"),
}
# Codes people write that are not ISO 3166-1 (EU/Eurostat use EL and UK).
_CODE_ALIASES = {"EL": "GR", "UK": "GB"}


@dataclass(frozen=True, slots=True)
class Country:
    code: str
    name_sv: str
    eu: bool
    eea: bool
    free_movement: bool
    name_en: str = ""

    def __post_init__(self) -> None:
        if (self.eu and not self.eea) or (self.eea and not self.free_movement):
            raise ValueError(f"{self.code}: EU ⊂ EEA ⊂ free movement")

    @property
    def stateless(self) -> bool:
        return self.code == STATELESS_CODE

    @property
    def unknown(self) -> bool:
        return self.code == UNKNOWN_CODE

    @property
    def known(self) -> bool:
        """Takes part in the EU/third-country split (everything but "Okänd")."""
        return not self.unknown

    @property
    def third_country(self) -> bool:
        """A known nationality without free movement; stateless counts here."""
        return self.known and not self.free_movement


# --- Swedish collation -------------------------------------------------------

# --- The table ----------------------------------------------------------------


def _is_pseudo(code: str) -> bool:
    if len(code) != 2 or not code.isalpha() or not code.isupper():
        return True  # numeric UN M.49 regions ("150") and anything odd
    if code in _KEEP_USER_ASSIGNED:
        return False
    user_assigned = code == "AA" or "QM" <= code <= "QZ" or code[0] == "X" or code == "ZZ"
    return user_assigned or code in {"EU", "EZ", "UN"}


def _nationality_codes(babel_codes) -> set[str]:
    return {code for code in babel_codes if not _is_pseudo(code) and code not in _RESERVED | _UNINHABITED | _DEPENDENT}


def _make(code: str, name_sv: str, name_en: str) -> Country:
    return Country(
        code=code,
        name_sv=name_sv,
        eu=code in EU_CODES,
        eea=code in EEA_CODES,
        free_movement=code in FREE_MOVEMENT_CODES,
        name_en=name_en,
    )


_SV_TERRITORIES = Locale("sv").territories
_EN_TERRITORIES = Locale("en").territories

COUNTRIES: tuple[Country, ...] = tuple(
    sorted(
        (
            _make(
                code,
                _NAME_SV.get(code) or _SV_TERRITORIES[code],
                _NAME_EN.get(code) or _EN_TERRITORIES.get(code, ""),
            )
            for code in sorted(_nationality_codes(_SV_TERRITORIES) | {STATELESS_CODE, UNKNOWN_CODE})
        ),
        key=lambda country: swedish_sort_key(country.name_sv),
    )
)

_BY_CODE = {country.code: country for country in COUNTRIES}


# --- Look-up ------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def _exact_key(text: str) -> str:
    """Case- and space-insensitive, accents kept."""
    text = unicodedata.normalize("NFC", text).translate(_APOSTROPHES).casefold()
    return " ".join(text.split())


def _loose_key(text: str) -> str:
    """Also ignores accents, punctuation and spacing: 'Kongo – Kinshasa' = 'kongokinshasa'."""
    text = strip_accents(_exact_key(text))
    text = text.replace("æ", "ae").replace("ø", "o").replace("&", " and ")
    return _NOT_ALNUM.sub("", text)


def _names(country: Country) -> list[str]:
    """Every name a country answers to, most authoritative first."""
    names = [country.name_sv, _SV_TERRITORIES.get(country.code, "")]
    names += _ALIASES.get(country.code, ())
    names += [country.name_en, _EN_TERRITORIES.get(country.code, "")]
    return [name for name in names if name]


def _build_index(key) -> dict[str, str]:
    # First come first served, in rounds: all Swedish names before any alias or
    # English name, so a Swedish name can never be shadowed by a foreign one.
    index: dict[str, str] = {}
    per_country = {country.code: _names(country) for country in COUNTRIES}
    for rank in range(max(len(names) for names in per_country.values())):
        for code, names in per_country.items():
            if rank < len(names):
                index.setdefault(key(names[rank]), code)
    index.pop("", None)
    return index


_EXACT_INDEX = _build_index(_exact_key)
_LOOSE_INDEX = _build_index(_loose_key)


def country_by_code(code: str | None) -> Country | None:
    """The country with this ISO 3166-1 alpha-2 code (or XX/ZZ), else None."""
    if not code:
        return None
    return _BY_CODE.get(code.strip().upper())


def find_country(text: str | None) -> Country | None:
    """Best effort: a 2-letter code, a Swedish or English name, or a common variant.

    Case and surrounding spaces never matter; accents and punctuation are only
    ignored as a fallback ("Rumanien" → Rumänien, "Cote dIvoire" → CI). The
    codes EL (Greece) and UK are accepted as Eurostat uses them.
    """
    if not text or not text.strip():
        return None
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isascii() and stripped.isalpha():
        code = stripped.upper()
        return country_by_code(_CODE_ALIASES.get(code, code))
    found = _EXACT_INDEX.get(_exact_key(stripped)) or _LOOSE_INDEX.get(_loose_key(stripped))
    return _BY_CODE[found] if found else None


def is_eu_eea(code: str | None) -> bool:
    """True for EU and EEA (IS, LI, NO) nationals; False for Switzerland, third
    countries, stateless, unknown and unrecognised codes. Use
    ``Country.free_movement`` when Swiss nationals should count with the EU.

    Public engine API: the EU/EEA question asked of a bare code, as the coming EU/EES
    share of a top-N list with a base (DESIGN §5) will ask it. ``nationalities`` asks
    ``Country.eea`` of a country it has already looked up, which is the same rule.
    """
    country = country_by_code(code)
    return bool(country and country.eea)
