"""Notifications: who hears about what. In-app rows; e-mail is sent from these when configured."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Block, Comment, Notification, User, unit_memberships


def notify(user_ids: Iterable[int], kind: str, message: str, *, actor: User | None = None,
           block: Block | None = None, report_id: int | None = None,
           comment: Comment | None = None) -> list[Notification]:
    """One notification per person, never to the person who caused it."""
    rows = []
    for user_id in sorted(set(user_ids) - ({actor.id} if actor is not None else set())):
        row = Notification(user_id=user_id, kind=kind, message=message[:500],
                           block_id=block.id if block is not None else None,
                           report_id=block.report_id if block is not None else report_id,
                           comment_id=comment.id if comment is not None else None)
        db.session.add(row)
        rows.append(row)
    return rows


def unit_writer_ids(unit_id: int) -> set[int]:
    """Active members of a unit: the people who write its blocks."""
    return set(db.session.scalars(
        select(User.id).join(unit_memberships, unit_memberships.c.user_id == User.id)
        .where(unit_memberships.c.unit_id == unit_id, User.active.is_(True))
    ))


def thread_participant_ids(thread: Comment) -> set[int]:
    return {thread.author_id, *(reply.author_id for reply in thread.replies)}


BLOCK_MESSAGES = {
    "request_changes": "{actor} begärde ändringar i {section} ({unit}): {reason}",
    "approve": "{actor} godkände {section} ({unit}).",
    "reopen": "{actor} öppnade {section} ({unit}) igen: {reason}",
}


def on_block_transition(block: Block, action: str, actor: User, reason: str = "") -> list[Notification]:
    """The unit's writers hear when a reviewer decides about their block."""
    template = BLOCK_MESSAGES.get(action)
    if template is None:
        return []
    message = template.format(actor=actor.name, section=block.section.title, unit=block.unit.name, reason=reason)
    return notify(unit_writer_ids(block.unit_id), f"block.{action}", message, actor=actor, block=block)


def on_comment(comment: Comment, thread: Comment, block: Block, actor: User) -> list[Notification]:
    """A comment reaches the block's writers and everyone already in the thread."""
    people = unit_writer_ids(block.unit_id) | thread_participant_ids(thread)
    kind = "comment.reply" if comment.parent_id else "comment.new"
    verb = "svarade i en tråd om" if comment.parent_id else "kommenterade"
    message = f"{actor.name} {verb} {block.section.title} ({block.unit.name})."
    return notify(people, kind, message, actor=actor, block=block, comment=comment)
