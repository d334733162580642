"""Writing audit events. Every save and transition goes through here."""

from __future__ import annotations

from sqlalchemy import insert

from webapp.extensions import begin_write, db
from webapp.models import AuditEvent, Block, User
from webapp.models.base import utcnow

_AUDIT_EVENTS = AuditEvent.__table__
# Built once; each event only binds its values.
_INSERT_EVENT = insert(_AUDIT_EVENTS)


def record(
    action: str,
    *,
    user: User | None,
    block: Block | None = None,
    report_id: int | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    details: dict | None = None,
) -> None:
    """One plain INSERT, now, inside the request's write transaction (rolled back with it).

    Nothing reads an event back in the request that writes it, so the ORM's unit of work (an
    object to track, a flush to sort) adds nothing here but cost.
    """
    begin_write(db.session)
    db.session.execute(
        _INSERT_EVENT,
        {
            "created_at": utcnow(),
            "action": action,
            "user_id": user.id if user is not None else None,
            "block_id": block.id if block is not None else None,
            "report_id": block.report_id if block is not None else report_id,
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "details": details or {},
        },
    )
