"""The input guard's character rule, and the statistics import's text cells (no app)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from webapp.input_guard import first_forbidden, forbidden_character, json_strings
from webapp.statistics.importing.cell_values import CellKind, parse_text

REFUSED = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"]


@given(st.text(), st.text(), st.sampled_from(REFUSED))
def test_any_text_with_a_control_character_is_refused(before, after, character):
    text = before + character + after
    assert forbidden_character(text) is not None
    assert first_forbidden(["fine", text]) is not None


@given(st.text())
def test_any_text_with_nul_is_refused(text):
    assert forbidden_character(text + "\x00") is not None
    assert forbidden_character("\x00" + text) is not None


@given(st.text(alphabet=st.characters(blacklist_characters=REFUSED)))
def test_text_without_them_passes(text):
    assert forbidden_character(text) is None


def test_the_first_refused_character_is_named():
    assert forbidden_character("a\tb\r\nc\x1bd\x00") == "\x1b"
    assert first_forbidden(["a", "b\n"]) is None


def test_json_strings_walks_keys_values_and_nesting():
    value = {"a": ["b", {"c\x00": 1}], "d": None, "e": 2.5}
    assert list(json_strings(value)) == ["a", "b", "c\x00", "d", "e"]
    assert first_forbidden(json_strings(value)) == "\x00"


@given(st.text(max_size=20), st.sampled_from(REFUSED), st.text(max_size=20))
def test_an_imported_text_cell_never_keeps_a_control_character(before, character, after):
    cell = parse_text(before + character + after)
    assert cell.kind is not CellKind.VALUE or forbidden_character(str(cell.value)) is None


def test_an_imported_text_cell_drops_control_characters():
    assert parse_text("Nord\x00\x01ost").value == "Nordost"
