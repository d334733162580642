"""Writing audit events. Every save and transition goes through here."""

from __future__ import annotations

from webapp.extensions import db
from webapp.models import AuditEvent, Block, User


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
) -> AuditEvent:
    event = AuditEvent(
        action=action,
        user_id=user.id if user is not None else None,
        block_id=block.id if block is not None else None,
        report_id=block.report_id if block is not None else report_id,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        details=details or {},
    )
    db.session.add(event)
    return event
