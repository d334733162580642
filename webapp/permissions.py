"""Who may do what. The one place permission rules live; views call these in every endpoint."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from webapp.models import Block, BlockState, Comment, Role, User

# Writers change a block only while it is theirs to work on; a submitted block waits for
# review (or a withdrawal), an approved one for reopening.
EDITABLE_STATES = frozenset({BlockState.DRAFT, BlockState.CHANGES_REQUESTED})


class PermissionDenied(Exception):
    """Refused by a permission rule; becomes 403 with the message shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Access:
    """The roles and units a person held under one session generation.

    Every change of a person's roles or units raises their session generation
    (services.accounts.people.set_access), so what was read under a generation stays true for
    as long as a session of that generation is accepted: the signed-in person's Access is kept
    in their session (webapp.signed_in) and the checks below read it instead of loading the
    relationships on every request.
    """

    key: str  # User.get_id() it was read under: "<id>.<generation>"
    roles: frozenset[Role]
    unit_ids: frozenset[int]

    @classmethod
    def of(cls, user: User) -> Access:
        return cls(user.get_id(), user.roles, frozenset(unit.id for unit in user.units))

    def as_session_value(self) -> dict[str, Any]:
        return {"key": self.key, "roles": sorted(role.value for role in self.roles), "units": sorted(self.unit_ids)}

    @classmethod
    def from_session_value(cls, value: object, key: str) -> Access | None:
        """The Access kept in a session, if it was read under ``key``; None for anything else."""
        if not isinstance(value, dict) or value.get("key") != key:
            return None
        roles, units = value.get("roles"), value.get("units")
        if not isinstance(roles, list) or not isinstance(units, list):
            return None
        try:
            return cls(key, frozenset(Role(role) for role in roles), frozenset(int(unit) for unit in units))
        except (TypeError, ValueError):
            return None


_ACCESS_ATTRIBUTE = "_signed_in_access"


def attach_access(user: User, access: Access) -> None:
    """The checks below read ``access`` for ``user`` while their generation stays ``access.key``'s."""
    setattr(user, _ACCESS_ATTRIBUTE, access)


def _attached(user: User) -> Access | None:
    access: Access | None = getattr(user, _ACCESS_ATTRIBUTE, None)
    # A generation raised in this very request (an admin changing their own access) makes
    # the attached Access another generation's: the relationships count again.
    return access if access is not None and access.key == user.get_id() else None


def roles_of(user: User) -> frozenset[Role]:
    access = _attached(user)
    return access.roles if access is not None else user.roles


def unit_ids_of(user: User) -> Collection[int]:
    """The ids of the person's units (no query for the signed-in person)."""
    access = _attached(user)
    return access.unit_ids if access is not None else {unit.id for unit in user.units}


def has_role(user: User, role: Role) -> bool:
    return role in roles_of(user)


def is_unit_member(user: User, unit_id: int) -> bool:
    return unit_id in unit_ids_of(user)


def can_read_report(user: User) -> bool:
    """Everyone signed in reads the whole report: the partnership writes it together."""
    return user.is_authenticated and user.active


def is_block_writer(user: User, block: Block) -> bool:
    """Members of the block's unit write it; admins may step in."""
    if not user.is_authenticated or not user.active:
        return False
    return has_role(user, Role.ADMIN) or is_unit_member(user, block.unit_id)


def can_edit_block(user: User, block: Block) -> bool:
    return not block.report.is_locked and block.state in EDITABLE_STATES and is_block_writer(user, block)


def require_edit_block(user: User, block: Block) -> None:
    """The one check every mutation of a block's content goes through."""
    if block.report.is_locked:
        raise StateForbids("Rapporten är låst. Inga ändringar kan göras.")
    if not is_block_writer(user, block):
        raise PermissionDenied("Du kan bara redigera bidrag från din egen verksamhet.")
    if block.state == BlockState.SUBMITTED:
        raise StateForbids("Bidraget är inskickat för granskning. Ta tillbaka det om du behöver ändra något.")
    if block.state == BlockState.APPROVED:
        raise StateForbids("Bidraget är godkänt. En granskare kan öppna det igen om något behöver ändras.")


class StateForbids(Exception):
    """The action is allowed for this person but not in the current state; becomes 409."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_reviewer(user: User) -> bool:
    """Samverkansgruppen: reviewers and the chair approve, request changes and reopen blocks."""
    return user.is_authenticated and bool(roles_of(user) & {Role.REVIEWER, Role.CHAIR})


def is_chair(user: User) -> bool:
    """The chair locks, unlocks and publishes the report."""
    return user.is_authenticated and user.active and has_role(user, Role.CHAIR)


def require_chair(user: User, message: str) -> None:
    if not is_chair(user):
        raise PermissionDenied(message)


def can_comment(user: User, block: Block) -> bool:
    """Everyone signed in and active may comment, while the report is open."""
    return bool(user.is_authenticated and user.active and not block.report.is_locked)


def can_resolve(user: User, thread: Comment, block: Block) -> bool:
    """A thread is resolved by its author, the block's writers, or anyone who moderates
    discussions (reviewers, the chair and admins)."""
    if not can_comment(user, block):
        return False
    moderates = bool(roles_of(user) & {Role.REVIEWER, Role.CHAIR, Role.ADMIN})
    return thread.author_id == user.id or moderates or is_block_writer(user, block)


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.active and has_role(user, Role.ADMIN)


def require_admin(user: User) -> None:
    """Administration pages and actions: the City's coordinator only."""
    if not is_admin(user):
        raise PermissionDenied("Bara administratörer kommer åt administrationen.")
