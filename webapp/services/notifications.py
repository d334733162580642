"""Notifications: who hears about what. In-app rows; e-mail is sent from these when configured."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from flask import has_app_context
from sqlalchemy import CursorResult, bindparam, event, func, select, update
from sqlalchemy.orm import joinedload

from webapp import after_commit, signals
from webapp.extensions import db
from webapp.models import Block, BlockState, Comment, Notification, Report, ReportState, User, unit_memberships
from webapp.models.base import utcnow
from webapp.services import mail

logger = logging.getLogger(__name__)


def notify(
    user_ids: Iterable[int],
    kind: str,
    message: str,
    *,
    actor: User | None = None,
    block: Block | None = None,
    report_id: int | None = None,
    comment: Comment | None = None,
) -> list[Notification]:
    """One notification per person, never to the person who caused it."""
    rows = []
    for user_id in sorted(set(user_ids) - ({actor.id} if actor is not None else set())):
        row = Notification(
            user_id=user_id,
            kind=kind,
            message=message[:500],
            block_id=block.id if block is not None else None,
            report_id=block.report_id if block is not None else report_id,
            comment_id=comment.id if comment is not None else None,
        )
        db.session.add(row)
        rows.append(row)
    return rows


def unit_writer_ids(unit_id: int) -> set[int]:
    """Active members of a unit: the people who write its blocks."""
    return set(
        db.session.scalars(
            select(User.id)
            .join(unit_memberships, unit_memberships.c.user_id == User.id)
            .where(unit_memberships.c.unit_id == unit_id, User.active.is_(True))
        )
    )


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


# --- Reading and marking -------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """One COUNT query: the nav badge, on every page (a Core statement built once: a tenth of
    what building and running it through the ORM cost per page)."""
    return db.session.scalar(_UNREAD_COUNT, {"user_id": user.id}) or 0


_NOTIFICATIONS = Notification.__table__
_UNREAD_COUNT = (
    select(func.count())
    .select_from(_NOTIFICATIONS)
    .where(_NOTIFICATIONS.c.user_id == bindparam("user_id"), _NOTIFICATIONS.c.read_at.is_(None))
)


def list_for(user: User, limit: int = 200) -> list[Notification]:
    """The user's notifications, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(user: User, notification_id: int) -> Notification | None:
    """Mark one of the user's own notifications read; None when it is not theirs (or does not exist)."""
    row = db.session.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        return None
    if row.read_at is None:
        row.read_at = utcnow()
    return row


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    assert isinstance(result, CursorResult)  # an UPDATE's result, which counts its rows
    return result.rowcount or 0


# --- Deadline reminders --------------------------------------------------------------------------

DEADLINE_KIND = "deadline.reminder"
UNSUBMITTED = (BlockState.DRAFT, BlockState.CHANGES_REQUESTED)


def deadline_reminders(today: date, days: int = 7) -> list[Notification]:
    """Remind the writers of blocks still unsubmitted in open reports due within ``days`` days.

    At most one reminder per person and block per (UTC) day, so running it twice changes nothing,
    also when two workers run it at the same moment (the runs take turns).
    """
    blocks = (
        db.session.scalars(
            select(Block)
            .join(Block.report)
            .where(
                Report.state == ReportState.OPEN,
                Report.deadline.is_not(None),
                Report.deadline >= today,
                Report.deadline <= today + timedelta(days=days),
                Block.state.in_([s.value for s in UNSUBMITTED]),
            )
            .options(joinedload(Block.report), joinedload(Block.section), joinedload(Block.unit))
            .order_by(Block.id)
        )
        .unique()
        .all()
    )
    if not blocks:
        return []
    _one_reminder_run_at_a_time()
    day_start = datetime.combine(utcnow().date(), time.min)
    already = set(
        db.session.execute(
            select(Notification.user_id, Notification.block_id).where(
                Notification.kind == DEADLINE_KIND,
                Notification.created_at >= day_start,
                Notification.block_id.in_([b.id for b in blocks]),
            )
        ).tuples()
    )
    writers_by_unit: dict[int, set[int]] = {}
    rows: list[Notification] = []
    for block in blocks:
        if block.unit_id not in writers_by_unit:
            writers_by_unit[block.unit_id] = unit_writer_ids(block.unit_id)
        people = {uid for uid in writers_by_unit[block.unit_id] if (uid, block.id) not in already}
        if not people:
            continue
        deadline = block.report.deadline
        assert deadline is not None  # the query keeps only reports with a deadline
        left = (deadline - today).days
        when = "i dag" if left == 0 else ("i morgon" if left == 1 else f"om {left} dagar")
        message = (
            f"Påminnelse: {block.section.title} ({block.unit.name}) i {block.report.title} är inte "
            f"inskickat. Sista dag är {deadline.isoformat()} ({when})."
        )
        rows.extend(notify(people, DEADLINE_KIND, message, block=block))
    return rows


# Any constant of our own: the key of PostgreSQL's advisory lock that the reminder runs take turns on.
_REMINDER_LOCK_KEY = 0x494F5052


def _one_reminder_run_at_a_time() -> None:
    """Every worker's consumer schedules the 07:00 reminders, and notify-deadlines may run
    meanwhile: two runs must take turns, or each reads "none yet today" before the other
    commits and both remind everyone. The lock lasts until the caller's commit: PostgreSQL's
    transaction-scoped advisory lock (gone with the connection if the worker dies), SQLite's
    one writer (BEGIN IMMEDIATE now, before the read, not at the first flush after it)."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_REMINDER_LOCK_KEY)))
    elif connection.dialect.name == "sqlite":
        dbapi_connection = connection.connection.dbapi_connection
        if dbapi_connection is not None and not dbapi_connection.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


# --- E-mail, sent by the worker once the notifications are committed ----------------------------
#
# After every flush the ids of new notifications are handed to ``webapp.after_commit``: a commit
# sends them on to the worker (``webapp.tasks``), which e-mails them with
# ``send_notification_mail`` and sets ``emailed_at``; a rollback forgets them.


def _note_new_notifications(session, _flush_context) -> None:
    if not has_app_context() or not mail.mail_enabled():
        return
    ids = [obj.id for obj in session.new if isinstance(obj, Notification)]
    if ids:
        after_commit.send_after_commit(signals.notifications_committed, notification_ids=ids)


if not event.contains(db.session, "after_flush", _note_new_notifications):
    event.listen(db.session, "after_flush", _note_new_notifications)


def _link(block_id: int | None, report_id: int | None, base_url: str | None) -> str | None:
    if block_id is not None:
        path = f"/blocks/{block_id}"
    elif report_id is not None:
        path = f"/reports/{report_id}"
    else:
        return None
    return mail.absolute_link(path, base_url)


def _mail_for(row: Notification, user: User, base_url: str | None) -> EmailMessage:
    lines = [f"Hej {user.name}!", "", row.message, ""]
    link = _link(row.block_id, row.report_id, base_url)
    if link:
        lines += [f"Öppna: {link}", ""]
    lines += [
        "Du får det här meddelandet från IOP-rapport eftersom det gäller dig. "
        "Alla notiser finns under Notiser när du är inloggad.",
        "",
        "– IOP-rapport",
    ]
    subject = "IOP-rapport: " + (row.message if len(row.message) <= 80 else row.message[:77] + "…")
    return mail.build_message(user.email, subject, "\n".join(lines))


def send_notification_mail(ids: list[int], base_url: str | None = None) -> int:
    """E-mail the notifications ``ids`` not yet e-mailed; never raises. Returns how many were sent.

    The links in the mail are absolute on the configured address (SERVER_NAME …); without one,
    on ``base_url`` (the address of the request that caused them), else relative."""
    if not ids or not mail.mail_enabled():
        return 0
    try:
        rows = db.session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(Notification.id.in_(ids), Notification.emailed_at.is_(None), User.active.is_(True))
        ).all()
        messages = [_mail_for(row, user, base_url) for row, user in rows if user.email]
        mail.send_messages(messages)
        sent_at = utcnow()
        db.session.execute(
            update(Notification).where(Notification.id.in_([row.id for row, _ in rows])).values(emailed_at=sent_at)
        )
        db.session.commit()
        return len(messages)
    except Exception:  # noqa: BLE001 — a failed mail must not fail the task's other work
        logger.exception("Kunde inte skicka e-post för notiser %s", ids)
        db.session.rollback()
        return 0
