"""Signing in and creating users."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from webapp.extensions import db
from webapp.models import Role, Unit, User, UserRole

MIN_PASSWORD_LENGTH = 10
# Compared against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def load_signed_in_user(user_id: int) -> User | None:
    """The user of a session with roles and units, in one query; None once deactivated."""
    user = db.session.scalars(
        select(User)
        .where(User.id == user_id, User.active.is_(True))
        .options(joinedload(User.role_rows), joinedload(User.units))
    ).unique().first()
    return user


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == normalise_email(email))).first()


def authenticate(email: str, password: str) -> User | None:
    """The user for these credentials, or None — unknown, wrong or deactivated alike."""
    user = find_user_by_email(email)
    if user is None:
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
        password_hash=generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"]),
        units=list(units),
        role_rows=[UserRole(role=Role(role)) for role in roles],
    )
    db.session.add(user)
    db.session.flush()
    return user
