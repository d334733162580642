"""The password rules, and hashing. A password is never logged, echoed or stored in clear.

Rules: 10–256 characters; not one the user's e-mail name is part of; not easy to guess.
"Easy to guess" is zxcvbn's estimate (Dropbox's algorithm; the maintained Python port on PyPI):
it knows the most common passwords in the world, English words and names, keyboard patterns,
dates and sequences. Swedish words are added from ``data/common_passwords_sv.txt``.
"""

from __future__ import annotations

import re
import secrets
import threading
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from webapp.config import DATA_DIR
from webapp.i18n import N_
from webapp.input_errors import InputRefused
from webapp.models import User

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
# zxcvbn scores 0–4; 3 means "safely unguessable": at least 10^8 guesses.
MIN_STRENGTH_SCORE = 3
# zxcvbn refuses longer input (its matching grows quadratically); the rest of a long password
# only makes it stronger, so the first part is what is judged.
ZXCVBN_MAX_LENGTH = 72
# Shorter pieces of an e-mail name ("ny", "a.b") would match inside nearly any password.
MIN_EMAIL_PIECE_LENGTH = 4
COMMON_SWEDISH_FILE = DATA_DIR / "common_passwords_sv.txt"
# An invited person has no password until they choose one: a value no hash check accepts.
UNUSABLE_PREFIX = "!"

# zxcvbn keeps the user's own words in a module-level dictionary while it scores; one at a time.
_zxcvbn_lock = threading.Lock()


@cache
def common_swedish_words() -> tuple[str, ...]:
    lines = COMMON_SWEDISH_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def email_pieces(email: str) -> list[str]:
    """The e-mail's name part and its longer pieces: "ny.kollega@x.se" → ["ny.kollega", "kollega"]."""
    name_part = email.strip().lower().split("@", 1)[0]
    pieces = [piece for piece in re.split(r"[._+\-]+", name_part) if len(piece) >= MIN_EMAIL_PIECE_LENGTH]
    return [name_part, *(piece for piece in pieces if piece != name_part)] if name_part else []


def strength_score(password: str, personal_words: list[str]) -> int:
    """zxcvbn's score (0–4) with the Swedish words and the person's own words as extra dictionaries."""
    words = [*personal_words, *common_swedish_words()]
    with _zxcvbn_lock:
        return zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=words)["score"]


def check_password(password: str, *, email: str, name: str = "") -> None:
    """Raise InputRefused (field "password") when the password breaks a rule. Messages never quote it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InputRefused(N_("Lösenordet måste ha minst %(min)s tecken."), "password", min=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InputRefused(N_("Lösenordet får ha högst %(max)s tecken."), "password", max=MAX_PASSWORD_LENGTH)
    lowered = password.lower()
    if any(piece in lowered for piece in email_pieces(email)):
        raise InputRefused(N_("Lösenordet får inte innehålla din e-postadress eller delar av den."), "password")
    personal = [*email_pieces(email), *(part for part in name.lower().split() if len(part) >= 3)]
    if strength_score(password, personal) < MIN_STRENGTH_SCORE:
        raise InputRefused(
            N_(
                "Lösenordet är för lätt att gissa: det liknar vanliga lösenord. Välj ett längre, "
                "till exempel några ord som inte hör ihop."
            ),
            "password",
        )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def unusable_password_hash() -> str:
    return UNUSABLE_PREFIX + secrets.token_hex(16)


def has_usable_password(user: User) -> bool:
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


def verify_password(user: User, password: str) -> bool:
    return has_usable_password(user) and check_password_hash(user.password_hash, password)


def set_password(user: User, password: str) -> None:
    """Check the rules and store the new hash (the caller records the audit event)."""
    check_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
