"""E-mail with an invitation or password reset link, sent only once the link is committed.

Like notification mail (see notifications.py): a message is queued on the session, a commit
makes it sendable, a rollback drops it, and ``send_committed()`` (after each request) sends it.
The link's token is only ever in memory and in the mail itself, never in the database or a log.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.message import EmailMessage

from sqlalchemy import event

from webapp.extensions import db
from webapp.models import TokenPurpose, User
from webapp.services import mail

logger = logging.getLogger(__name__)

_PENDING, _COMMITTED = "account_mail.pending", "account_mail.committed"


def _body(user: User, link: str, purpose: str, expires_at: datetime, sender_name: str) -> tuple[str, str]:
    expires = expires_at.strftime("%Y-%m-%d %H:%M") + " UTC"
    if purpose == TokenPurpose.INVITATION:
        subject = "Inbjudan till IOP-rapport"
        intro = (
            f"{sender_name} har bjudit in dig till IOP-rapport, där partnerskapets verksamhetsrapport "
            "skrivs. Öppna länken och välj ett eget lösenord:"
        )
    else:
        subject = "Nytt lösenord till IOP-rapport"
        intro = f"{sender_name} har skapat en länk där du kan välja ett nytt lösenord till IOP-rapport:"
    lines = [
        f"Hej {user.name}!",
        "",
        intro,
        "",
        link,
        "",
        f"Länken fungerar en gång och gäller till {expires}. Din inloggning är {user.email}.",
        "Om du inte väntade dig det här meddelandet kan du bortse från det.",
        "",
        "– IOP-rapport",
    ]
    return subject, "\n".join(lines)


def queue_link_mail(user: User, link: str, purpose: str, expires_at: datetime, *, sender_name: str) -> None:
    """Queue the mail; it leaves after the commit (and never if the transaction rolls back)."""
    if not mail.mail_enabled():
        return
    subject, body = _body(user, link, purpose, expires_at, sender_name)
    db.session.info.setdefault(_PENDING, []).append(mail.build_message(user.email, subject, body))


def _committed(session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        session.info.setdefault(_COMMITTED, []).extend(pending)


def _rolled_back(session) -> None:
    session.info.pop(_PENDING, None)


if not event.contains(db.session, "after_commit", _committed):
    event.listen(db.session, "after_commit", _committed)
    event.listen(db.session, "after_rollback", _rolled_back)


def send_committed() -> int:
    """Send the committed link mail of this session; never raises. Returns how many were sent."""
    messages: list[EmailMessage] = db.session.info.pop(_COMMITTED, None) or []
    if not messages:
        return 0
    try:
        mail.send_messages(messages)
        return len(messages)
    except Exception:  # noqa: BLE001 — mail must never break the request
        # The recipients only; the messages hold the links.
        logger.exception("Kunde inte skicka länk-e-post till %s", [m["To"] for m in messages])
        return 0
