"""Who may do what. The one place permission rules live; views call these in every endpoint."""

from __future__ import annotations

from webapp.models import Block, Role, User


class PermissionDenied(Exception):
    """Refused by a permission rule; becomes 403 with the message shown to the person."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_unit_member(user: User, unit_id: int) -> bool:
    return any(unit.id == unit_id for unit in user.units)


def can_read_report(user: User) -> bool:
    """Everyone signed in reads the whole report: the partnership writes it together."""
    return user.is_authenticated and user.active


def can_edit_block(user: User, block: Block) -> bool:
    """Members of the block's unit write it; admins may step in."""
    if not user.is_authenticated or not user.active:
        return False
    if block.report.is_locked:
        return False
    return user.has_role(Role.ADMIN) or is_unit_member(user, block.unit_id)


def require_edit_block(user: User, block: Block) -> None:
    if block.report.is_locked:
        raise StateForbids("Rapporten är låst. Inga ändringar kan göras.")
    if not can_edit_block(user, block):
        raise PermissionDenied("Du kan bara redigera bidrag från din egen verksamhet.")


class StateForbids(Exception):
    """The action is allowed for this person but not in the current state; becomes 409."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
