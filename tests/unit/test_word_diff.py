"""Word-level diffs: what a reviewer reads to see what changed."""

from webapp.services.blocks.revisions import has_changes, word_diff


def _old(parts):
    return "".join(text for kind, text in parts if kind != "insert")


def _new(parts):
    return "".join(text for kind, text in parts if kind != "delete")


def test_identical_text_has_no_changes():
    parts = word_diff("Besöken ökade under våren.", "Besöken ökade under våren.")
    assert parts == [("same", "Besöken ökade under våren.")]
    assert not has_changes(parts)
    assert word_diff("", "") == []


def test_an_inserted_word():
    parts = word_diff("Besöken ökade.", "Besöken ökade kraftigt.")
    assert parts == [("same", "Besöken ökade"), ("insert", " kraftigt"), ("same", ".")]


def test_a_deleted_word():
    parts = word_diff("Vi hade många nya besökare.", "Vi hade nya besökare.")
    assert ("delete", "många ") in parts or ("delete", " många") in parts
    assert _new(parts) == "Vi hade nya besökare."


def test_a_replaced_figure_reads_as_delete_then_insert():
    parts = word_diff("Vi hade 12 besök i januari.", "Vi hade 15 besök i januari.")
    assert parts == [("same", "Vi hade "), ("delete", "12"), ("insert", "15"), ("same", " besök i januari.")]


def test_punctuation_is_its_own_token():
    parts = word_diff("Det gick bra.", "Det gick bra!")
    assert parts == [("same", "Det gick bra"), ("delete", "."), ("insert", "!")]


def test_swedish_letters_stay_inside_words():
    parts = word_diff("Öppet på söndagar för äldre.", "Öppet på lördagar för äldre.")
    assert ("delete", "söndagar") in parts and ("insert", "lördagar") in parts
    assert ("same", "Öppet på ") == parts[0]


def test_paragraphs_are_kept_and_both_texts_can_be_rebuilt():
    old = "Första stycket.\n\nAndra stycket om boendet."
    new = "Första stycket, nu längre.\n\nAndra stycket om boendet.\n\nEtt tredje."
    parts = word_diff(old, new)
    assert _old(parts) == old and _new(parts) == new
    assert any(kind == "same" and "\n\n" in text for kind, text in parts)
    assert has_changes(parts)


def test_from_nothing_everything_is_inserted():
    assert word_diff("", "Ny text.") == [("insert", "Ny text.")]
    assert word_diff("Gammal text.", "") == [("delete", "Gammal text.")]


def test_neighbouring_changed_words_read_as_one_change():
    parts = word_diff("Svar inom en vecka.", "Svar inom två dagar.")
    assert parts == [("same", "Svar inom "), ("delete", "en vecka"), ("insert", "två dagar"), ("same", ".")]
    assert _old(parts) == "Svar inom en vecka." and _new(parts) == "Svar inom två dagar."
