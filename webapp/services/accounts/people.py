"""People, as the admin manages them: find, invite, roles and units, deactivate, new password links.

Guards: the last active admin and the last active chair keep their role and stay active, and
an admin cannot deactivate their own account. The last-holder check runs after the change is
flushed (inside the write transaction), so a refusal (StateForbids) leaves changes in the
session: the caller rolls back. Every change is an audit event; no password or token is ever
part of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.i18n import N_
from webapp.input_errors import InputRefused
from webapp.models import Role, TokenPurpose, Unit, User, UserRole, unit_memberships
from webapp.models.base import utcnow
from webapp.permissions import StateForbids
from webapp.services import audit
from webapp.services.accounts import clean_name, end_sessions, find_user_by_email, normalise_email, tokens
from webapp.services.accounts.passwords import has_usable_password, unusable_password_hash

MAX_EMAIL_LENGTH = 254
# Deliberately loose: one @, something before it, a dotted domain after it, no spaces and no
# control characters (NUL cannot be stored in PostgreSQL; the request guard refuses it first).
EMAIL_PATTERN = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s\x00-\x1f]+\.[^@\s\x00-\x1f]+$")
# Roles whose last active holder is guarded, with the refusal for each kind of change.
GUARDED_ROLES = {
    Role.ADMIN: (
        N_("Det måste finnas minst en aktiv administratör. Ge någon annan rollen först."),
        N_(
            "Det här är den sista aktiva administratören och kan inte stängas av. "
            "Ge någon annan rollen administratör först."
        ),
    ),
    Role.CHAIR: (
        N_("Det måste finnas minst en aktiv ordförande. Ge någon annan rollen först."),
        N_("Det här är den sista aktiva ordföranden och kan inte stängas av. Ge någon annan rollen ordförande först."),
    ),
}


class Status:
    """How a person's account stands, for the list filter and the labels."""

    ACTIVE = "active"
    INVITED = "invited"  # active, no password chosen yet
    INACTIVE = "inactive"


def status_of(user: User) -> str:
    if not user.active:
        return Status.INACTIVE
    return Status.ACTIVE if has_usable_password(user) else Status.INVITED


@dataclass(frozen=True)
class PersonFilter:
    text: str = ""
    role: str = ""
    unit_id: int | None = None
    status: str = ""


def list_people(wanted: PersonFilter) -> list[User]:
    """People matching the filter, by name; roles and units loaded with them (three queries)."""
    statement = (
        select(User)
        .options(selectinload(User.role_rows), selectinload(User.units))
        .order_by(func.lower(User.name), User.id)
    )
    text = wanted.text.strip().lower()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern, escape="\\"), func.lower(User.email).like(pattern, escape="\\"))
        )
    if wanted.role in {role.value for role in Role}:
        statement = statement.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == wanted.role)))
    if wanted.unit_id is not None:
        statement = statement.where(
            User.id.in_(select(unit_memberships.c.user_id).where(unit_memberships.c.unit_id == wanted.unit_id))
        )
    if wanted.status == Status.INACTIVE:
        statement = statement.where(User.active.is_(False))
    elif wanted.status in (Status.ACTIVE, Status.INVITED):
        statement = statement.where(User.active.is_(True))
    people = list(db.session.scalars(statement))
    if wanted.status in (Status.ACTIVE, Status.INVITED):
        people = [user for user in people if status_of(user) == wanted.status]
    return people


def load_person(user_id: int) -> User | None:
    return db.session.scalars(
        select(User).where(User.id == user_id).options(selectinload(User.role_rows), selectinload(User.units))
    ).first()


def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).options(selectinload(Unit.organisation)).order_by(Unit.name)))


def clean_email(email: str) -> str:
    email = normalise_email(email)
    if not email:
        raise InputRefused(N_("Fyll i en e-postadress."), "email")
    if len(email) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(email):
        raise InputRefused(N_("Skriv en giltig e-postadress, till exempel namn@exempel.se."), "email")
    return email


def _clean_roles(roles: list[str]) -> list[Role]:
    try:
        chosen = sorted({Role(role) for role in roles}, key=list(Role).index)
    except ValueError:
        raise InputRefused(N_("Okänd roll."), "roles") from None
    if not chosen:
        raise InputRefused(N_("Välj minst en roll."), "roles")
    return chosen


def _units_by_id(unit_ids: list[int]) -> list[Unit]:
    wanted = set(unit_ids)
    if not wanted:
        return []
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(wanted)).order_by(Unit.name)))
    if len(units) != len(wanted):
        raise InputRefused(N_("Okänd verksamhet."), "units")
    return units


# --- Inviting -------------------------------------------------------------------------------------


def invite(
    *, email: str, name: str, roles: list[str], unit_ids: list[int], invited_by: User, now: datetime | None = None
) -> tokens.IssuedLink:
    """A new person without a password, and the one-time link with which they choose one."""
    email, name = clean_email(email), clean_name(name)
    chosen_roles, units = _clean_roles(roles), _units_by_id(unit_ids)
    duplicate = InputRefused(N_("Det finns redan en person med den e-postadressen."), "email")
    if find_user_by_email(email) is not None:
        raise duplicate
    if any(not unit.active for unit in units):
        raise InputRefused(N_("En avvecklad verksamhet kan inte få nya medlemmar."), "units")
    user = User(
        email=email,
        name=name,
        password_hash=unusable_password_hash(),
        units=units,
        role_rows=[UserRole(role=role) for role in chosen_roles],
    )
    try:  # another admin inviting the same address at the same moment passed the check too
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise duplicate from None
    link = tokens.issue(user, TokenPurpose.INVITATION, created_by=invited_by, now=now)
    audit.record(
        "user.invited",
        user=invited_by,
        details={
            "user_id": user.id,
            "email": email,
            "name": name,
            "roles": [role.value for role in chosen_roles],
            "units": [unit.key for unit in units],
            "link_expires_at": link.record.expires_at.isoformat(),
        },
    )
    return link


def new_password_link(user: User, *, by: User, now: datetime | None = None) -> tokens.IssuedLink:
    """A new invitation link for someone who has not chosen a password yet, else a reset link.

    Older links of the same kind stop working. The current password keeps working until the
    person chooses a new one.
    """
    if not user.active:
        raise StateForbids(N_("Personen är avstängd. Aktivera kontot först."))
    purpose = TokenPurpose.PASSWORD_RESET if has_usable_password(user) else TokenPurpose.INVITATION
    link = tokens.issue(user, purpose, created_by=by, now=now)
    action = "user.reset_link_created" if purpose == TokenPurpose.PASSWORD_RESET else "user.invitation_renewed"
    audit.record(
        action,
        user=by,
        details={"user_id": user.id, "email": user.email, "link_expires_at": link.record.expires_at.isoformat()},
    )
    return link


# --- Roles, units, active -------------------------------------------------------------------------


def _lock_guarded_roles() -> None:
    """Row-lock every guarded role row before a change (PostgreSQL; SQLite writes one at a time),
    so two admins removing each other's role at the same moment cannot both pass the check."""
    db.session.scalars(
        select(UserRole.id).where(UserRole.role.in_([role.value for role in GUARDED_ROLES])).with_for_update()
    ).all()


def _ensure_holders_remain(roles_given_up: frozenset[Role], stays_active: bool) -> None:
    """After the change (flushed, inside the write transaction): is anyone left in each guarded role?"""
    for role, (when_removed, when_deactivated) in GUARDED_ROLES.items():
        if role not in roles_given_up:
            continue
        left = db.session.scalar(
            select(func.count())
            .select_from(UserRole)
            .join(User, User.id == UserRole.user_id)
            .where(UserRole.role == role.value, User.active.is_(True))
        )
        if not left:
            raise StateForbids(when_removed if stays_active else when_deactivated)


def set_access(user: User, *, roles: list[str], unit_ids: list[int], by: User) -> bool:
    """Set the person's roles and unit memberships. True when anything changed."""
    chosen_roles, units = set(_clean_roles(roles)), _units_by_id(unit_ids)
    before_roles, before_units = user.roles, {unit.id: unit for unit in user.units}
    newly_added = [unit for unit in units if unit.id not in before_units]
    if any(not unit.active for unit in newly_added):
        raise InputRefused(N_("En avvecklad verksamhet kan inte få nya medlemmar."), "units")
    _lock_guarded_roles()
    changed = False
    if chosen_roles != before_roles:
        user.role_rows = [row for row in user.role_rows if row.role in chosen_roles] + [
            UserRole(role=role) for role in sorted(chosen_roles - before_roles, key=list(Role).index)
        ]
        audit.record(
            "user.roles_changed",
            user=by,
            details={
                "user_id": user.id,
                "email": user.email,
                "added": sorted(role.value for role in chosen_roles - before_roles),
                "removed": sorted(role.value for role in before_roles - chosen_roles),
            },
        )
        changed = True
    if {unit.id for unit in units} != set(before_units):
        after = {unit.id for unit in units}
        user.units = units
        audit.record(
            "user.units_changed",
            user=by,
            details={
                "user_id": user.id,
                "email": user.email,
                "added": sorted(unit.key for unit in newly_added),
                "removed": sorted(unit.key for unit_id, unit in before_units.items() if unit_id not in after),
            },
        )
        changed = True
    if changed:
        # They sign in again under their new roles and units: a session keeps the roles and
        # units it was signed in with (webapp.signed_in) only while the generation stays. An
        # admin changing their own access ends their other sessions too; the view signs the
        # acting one in again.
        end_sessions(user)
    db.session.flush()
    if user.active:
        _ensure_holders_remain(before_roles - chosen_roles, stays_active=True)
    return changed


def deactivate(user: User, *, by: User, now: datetime | None = None) -> None:
    """The person can no longer sign in; every running session ends on its next request.

    Their open links stop working too. Everything they wrote stays.
    """
    if not user.active:
        return
    if user.id == by.id:
        raise StateForbids(N_("Du kan inte stänga av ditt eget konto."))
    _lock_guarded_roles()
    user.active = False
    end_sessions(user)  # so that reactivating the account does not bring old cookies back
    _ensure_holders_remain(user.roles, stays_active=False)
    ended_links = tokens.invalidate(user, now=now or utcnow())
    audit.record(
        "user.deactivated", user=by, details={"user_id": user.id, "email": user.email, "links_ended": ended_links}
    )
    db.session.flush()


def reactivate(user: User, *, by: User) -> None:
    if user.active:
        return
    user.active = True
    audit.record("user.reactivated", user=by, details={"user_id": user.id, "email": user.email})
    db.session.flush()
