"""E-mail with an invitation or password reset link, sent only once the link is committed.

The message is handed to the worker after the commit (``webapp.after_commit``) and never if
the transaction rolls back. The link's token is never in the database or a log: only in the
mail and, until the worker sends it, in the worker's queue (``instance/`` or Redis, as private
as the database).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, url_for

from webapp import after_commit, signals
from webapp.models import TokenPurpose, User
from webapp.services import mail
from webapp.services.accounts import tokens


def link_url(link: tokens.IssuedLink) -> str:
    """The link's address, to show once or put in the mail."""
    endpoint = "account.invitation" if link.record.purpose == TokenPurpose.INVITATION else "account.reset"
    if current_app.config.get("SERVER_NAME"):
        # On the configured address, scheme included: behind a TLS proxy the request may say http.
        scheme = current_app.config["PREFERRED_URL_SCHEME"]
        return url_for(endpoint, token=link.token, _external=True, _scheme=scheme)
    return url_for(endpoint, token=link.token, _external=True)


def _body(user: User, link: str, purpose: str, expires_at: datetime, sender_name: str | None) -> tuple[str, str]:
    expires = expires_at.strftime("%Y-%m-%d %H:%M") + " UTC"
    if sender_name is None:  # asked for on the sign-in page ("Glömt lösenord?"), by her or anyone
        subject = "Nytt lösenord till IOP-rapport"
        intro = (
            "Någon, troligen du, bad om en länk för att välja ett nytt lösenord till IOP-rapport. "
            "Öppna länken och välj ett nytt lösenord:"
        )
    elif purpose == TokenPurpose.INVITATION:
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


def queue_link_mail(user: User, link: str, purpose: str, expires_at: datetime, *, sender_name: str | None) -> None:
    """Queue the mail; it leaves after the commit (and never if the transaction rolls back).

    ``sender_name`` is the admin who made the link; None when the person asked for it herself."""
    if not mail.mail_enabled():
        return
    subject, body = _body(user, link, purpose, expires_at, sender_name)
    after_commit.send_after_commit(signals.mail_ready, messages=[mail.build_message(user.email, subject, body)])
