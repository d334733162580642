"""Who may do what. The one place permission rules live; views call these in every endpoint."""

from __future__ import annotations

from webapp.models import Block, BlockState, Comment, Role, User

# Writers change a block only while it is theirs to work on; a submitted block waits for
# review (or a withdrawal), an approved one for reopening.
EDITABLE_STATES = frozenset({BlockState.DRAFT, BlockState.CHANGES_REQUESTED})


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


def is_block_writer(user: User, block: Block) -> bool:
    """Members of the block's unit write it; admins may step in."""
    if not user.is_authenticated or not user.active:
        return False
    return user.has_role(Role.ADMIN) or is_unit_member(user, block.unit_id)


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
    return user.is_authenticated and bool(user.roles & {Role.REVIEWER, Role.CHAIR})


def is_chair(user: User) -> bool:
    """The chair locks, unlocks and publishes the report."""
    return user.is_authenticated and user.active and user.has_role(Role.CHAIR)


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
    moderates = any(user.has_role(role) for role in (Role.REVIEWER, Role.CHAIR, Role.ADMIN))
    return thread.author_id == user.id or moderates or is_block_writer(user, block)


def is_admin(user: User) -> bool:
    return user.is_authenticated and user.active and user.has_role(Role.ADMIN)


def require_admin(user: User) -> None:
    """Administration pages and actions: the City's coordinator only."""
    if not is_admin(user):
        raise PermissionDenied("Bara administratörer kommer åt administrationen.")
