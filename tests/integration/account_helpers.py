"""Helpers for the people, organisation and account tests: a database fingerprint, invitations, links."""

from __future__ import annotations

import json
import re

from sqlalchemy import select, text

from tests.conftest import csrf_token
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import AuditEvent, Unit, User

ADMIN = "admin@demo.iop"
NEW_PASSWORD = "Gurka tåg moln 71"
LINK_PATTERN = re.compile(r'id="one-time-link" value="([^"]+)"')
FINGERPRINT_TABLES = (
    "users",
    "user_roles",
    "unit_memberships",
    "units",
    "unit_capacity",
    "organisations",
    "user_tokens",
    "audit_events",
)


def fingerprint(app) -> tuple:
    """Row counts of every table an admin action could change, and the contents that matter."""
    queries = [f"SELECT COUNT(*) FROM {table}" for table in FINGERPRINT_TABLES] + [
        "SELECT id, email, name, password_hash, active FROM users ORDER BY id",
        "SELECT user_id, role FROM user_roles ORDER BY user_id, role",
        "SELECT user_id, unit_id FROM unit_memberships ORDER BY user_id, unit_id",
        "SELECT id, key, name, kind, active, organisation_id FROM units ORDER BY id",
        "SELECT id, unit_id, places, from_date, until_date FROM unit_capacity ORDER BY id",
        "SELECT id, key, name FROM organisations ORDER BY id",
        "SELECT id, expires_at, used_at FROM user_tokens ORDER BY id",
    ]
    with app.app_context():
        result = tuple(tuple(db.session.execute(text(query)).all()) for query in queries)
        db.session.remove()
    return result


def user_row(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        db.session.expunge(user)
        db.session.remove()
        return user


def user_id(app, email: str) -> int:
    return user_row(app, email).id


def roles_of(app, email: str) -> set[str]:
    with app.app_context():
        user = db.session.scalars(select(User).where(User.email == email)).one()
        roles = {str(role) for role in user.roles}
        db.session.remove()
        return roles


def unit_id(app, key: str) -> int:
    with app.app_context():
        found = db.session.scalars(select(Unit.id).where(Unit.key == key)).one()
        db.session.remove()
        return found


def audit_events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        statement = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            statement = statement.where(AuditEvent.action == action)
        events = list(db.session.scalars(statement))
        for event in events:
            db.session.expunge(event)
        db.session.remove()
        return events


def all_audit_text(app) -> str:
    return json.dumps([(e.action, e.reason, e.details) for e in audit_events(app)], ensure_ascii=False)


def invite(client, app, name="Ny kollega", email="ny.kollega@exempel.se", roles=("writer",), units=("vastberga-gard",)):
    data = {"name": name, "email": email, "roles": list(roles), "units": [unit_id(app, key) for key in units]}
    return post(client, "/admin/people/invite", data)


def link_from(response) -> str:
    match = LINK_PATTERN.search(response.get_data(as_text=True))
    assert match, "no one-time link on the page"
    return match.group(1)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def choose_password(client, link: str, password: str = NEW_PASSWORD, again: str | None = None):
    """Post the link's form (the CSRF token from the sign-in page: the visitor is not signed in)."""
    return client.post(
        path_of(link),
        data={"password": password, "password_again": again or password, "csrf_token": csrf_token(client, "/login")},
    )
