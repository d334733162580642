"""The password rules: length, the e-mail's name, common and easily guessed passwords."""

from __future__ import annotations

import threading

import pytest
from werkzeug.security import check_password_hash

from webapp.input_errors import InputRefused
from webapp.services.accounts import passwords
from webapp.services.accounts.passwords import check_password, email_pieces

EMAIL = "ny.kollega@exempel.se"


def refusal(password: str, email: str = EMAIL, name: str = "") -> str | None:
    try:
        check_password(password, email=email, name=name)
    except InputRefused as error:
        assert error.field == "password"
        assert password not in error.message % error.params  # a refusal never quotes the password
        return error.message % error.params
    return None


@pytest.mark.parametrize(
    "password",
    [
        "Gurka tåg moln 71",
        "korvbrödsbil",
        "Hästen springer fort",
        "Maj 2024 är kall",
        "Ab3$kL9!pQ2zX7",
        "demo-iop-2026",
        "en lång mening om ingenting särskilt",
    ],
)
def test_good_passwords_pass(password):
    assert refusal(password) is None


def test_length_limits():
    assert refusal("Kx9!mQ2z") == "Lösenordet måste ha minst 10 tecken."
    assert refusal("Kx9!mQ2zp7") is None
    assert refusal("Gurka tåg moln " + "x" * 241) is None  # 256 characters
    assert refusal("Gurka tåg moln " + "x" * 242) == "Lösenordet får ha högst 256 tecken."


@pytest.mark.parametrize(
    "password",
    [
        # The world's most common (zxcvbn's lists), and patterns.
        "password123",
        "Password1!",
        "qwertyuiop",
        "1234567890",
        "abcdefghij",
        "iloveyou12",
        "aaaaaaaaaaaa",
        # Swedish ones from data/common_passwords_sv.txt.
        "sommar2024",
        "lösenord123",
        "losenord123",
        "Sommar2023!",
        "hemligt123",
        "hammarby123",
        "stockholm1",
        "mittlösenord",
        "vinter2022",
        "Kärlek1234",
    ],
)
def test_common_passwords_are_refused(password):
    assert refusal(password).startswith("Lösenordet är för lätt att gissa")


@pytest.mark.parametrize("password", ["ny.kollega-2024", "KOLLEGA-i-stockholm", "xx kollega xx yy"])
def test_passwords_with_the_emails_name_are_refused(password):
    assert refusal(password) == "Lösenordet får inte innehålla din e-postadress eller delar av den."


def test_the_persons_name_counts_as_easy_to_guess():
    assert refusal("Lindqvist2024", email="anna@exempel.se", name="Anna Lindqvist") is not None
    assert refusal("Lindqvist2024", email="anna@exempel.se", name="Karin Wallin") is None


def test_email_pieces():
    assert email_pieces("Ny.Kollega@exempel.se") == ["ny.kollega", "kollega"]
    assert email_pieces("skribent.fa-arsta@demo.iop") == ["skribent.fa-arsta", "skribent", "arsta"]
    assert email_pieces("ab@x.se") == ["ab"]


def test_the_swedish_word_list_is_loaded_without_comments():
    words = passwords.common_swedish_words()
    assert "lösenord" in words and "sommar" in words and len(words) > 200
    assert not any(word.startswith("#") or len(word) < 4 for word in words)


def test_long_passwords_are_judged_by_their_first_part():
    assert refusal("a" * 200) is not None
    assert refusal("Gurka tåg moln 71 " + "a" * 200) is None


def test_strength_checks_run_safely_in_parallel():
    """zxcvbn keeps the user's words in a module global: one person's words must not leak into
    another's check running at the same moment ("Kollega2024" is fine for Anna, not for Kollega)."""
    verdicts: list[str | None] = []

    def anna() -> None:
        for _ in range(150):
            verdicts.append(refusal("Kollega2024", email="anna@exempel.se"))

    def kollega() -> None:
        for _ in range(150):
            refusal("Lindqvist Tåg Moln", email="kollega@exempel.se")

    threads = [threading.Thread(target=anna), threading.Thread(target=kollega)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verdicts == [None] * 150


def test_hashing_and_unusable_hashes(app):
    with app.app_context():
        hashed = passwords.hash_password("Gurka tåg moln 71")
        assert check_password_hash(hashed, "Gurka tåg moln 71") and "Gurka" not in hashed
        unusable = passwords.unusable_password_hash()
        assert unusable.startswith("!") and not check_password_hash(unusable, "")
        assert unusable != passwords.unusable_password_hash()
