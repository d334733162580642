"""Signing in, creating users, and what a person does with their own account."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.i18n import N_
from webapp.input_errors import CONTROL_CHARACTERS, InputRefused
from webapp.models import Role, TokenPurpose, Unit, User, UserRole, UserToken
from webapp.services import audit
from webapp.services.accounts import tokens
from webapp.services.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    has_usable_password,
    hash_password,
    set_password,
    verify_password,
)

MAX_NAME_LENGTH = 200
# Compared against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_signed_in_user(session_id: str, *, with_access: bool = True) -> User | None:
    """The user of a session; with ``with_access`` their roles and units too, in the same query.

    ``session_id`` is what ``User.get_id`` gave at sign-in: "<id>.<generation>". None once
    deactivated, for a malformed id, and for a generation that has since been raised (the
    person signed out, changed password, their roles or units were changed, …): that session
    or remember cookie has ended. Without ``with_access`` it is one small query on the user row,
    for a session that already holds the roles and units read under this generation
    (webapp.signed_in).
    """
    user_id, dot, generation = session_id.partition(".")
    if not dot or not user_id.isdigit() or not generation.isdigit():
        return None  # also a bare id from before session generations: sign in again
    statement = _SIGNED_IN_WITH_ACCESS if with_access else _SIGNED_IN
    result = db.session.scalars(statement, {"user_id": int(user_id), "generation": int(generation)})
    return (result.unique() if with_access else result).first()


# Built once: a request pays for executing them, not for building them again.
_SIGNED_IN = select(User).where(
    User.id == bindparam("user_id"),
    User.active.is_(True),
    User.session_generation == bindparam("generation"),
)
_SIGNED_IN_WITH_ACCESS = _SIGNED_IN.options(joinedload(User.role_rows), joinedload(User.units))


def end_sessions(user: User) -> None:
    """Every session and remember cookie of the person ends at its next request.

    Raised in SQL (not read, added, written), so two changes at once both count. A view that
    keeps the acting person signed in signs them in again afterwards (``user.get_id()`` then
    carries the new generation).
    """
    user.session_generation = User.session_generation + 1
    db.session.flush()  # the attribute is expired by the flush and reads the new value


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None — unknown, wrong or deactivated alike."""
    user = find_user_by_email(email)
    if user is None or not has_usable_password(user):  # unknown, or invited and no password chosen yet
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def create_user(email: str, name: str, password: str, roles: list[Role], units: list[Unit]) -> User:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"Lösenordet måste ha minst {MIN_PASSWORD_LENGTH} tecken.")
    if find_user_by_email(email) is not None:
        raise ValueError("Det finns redan en användare med den e-postadressen.")
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        units=list(units),
        role_rows=[UserRole(role=Role(role)) for role in roles],
    )
    db.session.add(user)
    db.session.flush()
    return user


# --- A person's own account ------------------------------------------------------------------------


def clean_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InputRefused(N_("Fyll i ett namn."), "name")
    if CONTROL_CHARACTERS.search(name):  # outside a request (the CLI) no request guard ran
        raise InputRefused(N_("Namnet innehåller ett tecken som inte kan sparas."), "name")
    if len(name) > MAX_NAME_LENGTH:
        raise InputRefused(N_("Namnet får ha högst %(max)s tecken."), "name", max=MAX_NAME_LENGTH)
    return name


def change_own_name(user: User, name: str) -> bool:
    """True when the name changed."""
    name = clean_name(name)
    if name == user.name:
        return False
    audit.record("user.name_changed", user=user, details={"user_id": user.id, "from": user.name, "to": name})
    user.name = name
    db.session.flush()
    return True


def change_own_password(user: User, current_password: str, new_password: str) -> None:
    """The current password proves it is the person; the new one must follow the rules."""
    if not verify_password(user, current_password):
        raise InputRefused(N_("Det nuvarande lösenordet stämmer inte."), "current_password")
    set_password(user, new_password)
    end_sessions(user)  # someone who knew the old password may be signed in elsewhere
    audit.record("user.password_changed", user=user, details={"user_id": user.id})
    db.session.flush()


def sign_out_everywhere(user: User) -> None:
    """The person ends every session of theirs ("Logga ut överallt")."""
    end_sessions(user)
    audit.record("user.signed_out_everywhere", user=user, details={"user_id": user.id})
    db.session.flush()


def choose_password_with_link(record: UserToken, password: str) -> User:
    """The person behind a valid invitation or reset link chooses a password; the link is used up.

    Raises InputRefused for a password that breaks the rules (the link still works) and
    LinkAlreadyUsed when another request used the link first (nothing is kept: roll back).
    """
    user = record.user
    set_password(user, password)
    db.session.flush()  # opens the write transaction before the link is marked used
    if not tokens.redeem(record):
        raise LinkAlreadyUsed()
    tokens.invalidate(user)  # any other open link of theirs has served its purpose too
    end_sessions(user)  # a reset link is asked for when a password may be known to someone else
    action = "user.invitation_accepted" if record.purpose == TokenPurpose.INVITATION else "user.password_reset"
    audit.record(action, user=user, details={"user_id": user.id, "link_id": record.id})
    db.session.flush()
    return user


class LinkAlreadyUsed(Exception):
    """Another request used the one-time link between our look-up and our write."""
