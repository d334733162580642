"""The "Glömt lösenord?" page: a reset link asked for on the sign-in page, by anyone who types an address.

The answer never tells whether the address belongs to an account: the view says the same
thing in every case. Only an active person gets a link (a reset link, or a new invitation link
if she never chose a password), through the same one-time links and mail as an admin's.
"""

from __future__ import annotations

from datetime import datetime

from webapp.models import TokenPurpose
from webapp.services import audit
from webapp.services.accounts import find_user_by_email, tokens
from webapp.services.accounts.passwords import has_usable_password


def requested_link(email: str, *, now: datetime | None = None) -> tokens.IssuedLink | None:
    """A new link for the active person with this (normalised) address, recorded in the audit
    log; None for an unknown or deactivated address. Older links of the same kind stop working."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return None
    purpose = TokenPurpose.PASSWORD_RESET if has_usable_password(user) else TokenPurpose.INVITATION
    link = tokens.issue(user, purpose, created_by=None, now=now)
    audit.record(
        "user.reset_requested",
        user=None,
        details={
            "user_id": user.id,
            "email": user.email,
            "purpose": str(purpose),
            "link_expires_at": link.record.expires_at.isoformat(),
        },
    )
    return link
