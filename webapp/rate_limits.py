"""Rate limits: the one Limiter (Flask-Limiter), its keys, and the limits read from the config.

Two ways to use it:

- A decorator on a view, counting every request: ``@rate_limits.limiter.limit(config_limit("X"),
  key_func=rate_limits.user_or_address)``. A breach raises Flask-Limiter's ``RateLimitExceeded``
  (a 429 with ``Retry-After``; ``webapp.errors`` gives it a Swedish page).
- By hand, counting only what the view decides to count (failed sign-ins, refused links):
  ``refusal(name, key)`` before the costly work, ``count(name, key)`` after a failure. A real
  user is never locked out for good: every limit is a moving window, and a success counts nothing.

The counters live in ``RATELIMIT_STORAGE_URI`` (``memory://`` by default: one process; a Redis
URI such as ``redis://127.0.0.1:6379/1`` lets several web instances share them).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, request
from flask_babel import ngettext
from flask_limiter import Limiter
from flask_login import current_user
from limits import RateLimitItem, parse

# No default limits: only the views that ask for one are limited.
limiter = Limiter(key_func=lambda: client_address())


def init_app(app: Flask) -> None:
    limiter.init_app(app)


# --- Keys -----------------------------------------------------------------------------------------


def client_address() -> str:
    """The client's address (behind a proxy, ProxyFix makes remote_addr the real client's)."""
    return request.remote_addr or "unknown"


def user_or_address() -> str:
    """Per signed-in user; per address for anyone else."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{client_address()}"


def private_key(value: str) -> str:
    """A key for a value that should not sit in the storage in clear (an e-mail address)."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


# --- Limits from the config -----------------------------------------------------------------------


def config_limit(name: str) -> Callable[[], str]:
    """For ``limiter.limit``: the limit string in the config under ``name``, read per request."""
    return lambda: current_app.config[name]


def _item(name: str) -> RateLimitItem:
    item = parse(current_app.config[name])
    return item


@dataclass(frozen=True)
class Refusal:
    """A limit is used up: try again after this many seconds."""

    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    def message(self) -> str:
        return ngettext(
            "För många försök. Försök igen om %(num)s minut.",
            "För många försök. Försök igen om %(num)s minuter.",
            self.minutes,
        )

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def refusal(name: str, key: str) -> Refusal | None:
    """None while the limit ``name`` (a config key) has room for ``key``, else when it frees up.

    Checks only; counts nothing. Call it before the costly work (a password hash).
    """
    if not limiter.enabled:  # RATELIMIT_ENABLED = False: Flask-Limiter's own switch
        return None
    item = _item(name)
    if limiter.limiter.test(item, name, key):
        return None
    reset_at = limiter.limiter.get_window_stats(item, name, key).reset_time
    return Refusal(max(1, math.ceil(reset_at - time.time())))


def first_refusal(*checks: tuple[str, str]) -> Refusal | None:
    """The longest wait among the limits (name, key) that are used up, or None."""
    refusals = [found for name, key in checks if (found := refusal(name, key)) is not None]
    return max(refusals, key=lambda found: found.retry_after) if refusals else None


def count(name: str, key: str) -> None:
    """One more attempt against the limit ``name`` for ``key``."""
    if limiter.enabled:
        limiter.limiter.hit(_item(name), name, key)


# --- What the views limit -------------------------------------------------------------------------


# Documents rendered in the web request for one reader (a section's PDF, the HTML edition, the whole
# document on one page): one budget per user for all of them, a 429 with Retry-After beyond it.
document_previews_limited = limiter.shared_limit(
    config_limit("DOCUMENT_PREVIEWS_PER_USER"), scope="document-previews", key_func=user_or_address
)


def _per_email_and_address(per_email: str, per_address: str, email: str) -> tuple[tuple[str, str], ...]:
    """Per e-mail address (the normalised one, known or not: a refusal reveals nothing about who
    has an account) and per client address."""
    return ((per_email, private_key(email)), (per_address, client_address()))


def count_all(*checks: tuple[str, str]) -> None:
    for name, key in checks:
        count(name, key)


def _login_keys(email: str) -> tuple[tuple[str, str], ...]:
    return _per_email_and_address("LOGIN_FAILURES_PER_ACCOUNT", "LOGIN_FAILURES_PER_ADDRESS", email)


def login_refusal(email: str) -> Refusal | None:
    """Checked before the password is hashed, so a refused attempt costs no hash."""
    return first_refusal(*_login_keys(email))


def count_login_failure(email: str) -> None:
    count_all(*_login_keys(email))


def link_refusal() -> Refusal | None:
    """Invitation and reset links, per address: checked before the look-up and the hash."""
    return refusal("LINK_ATTEMPTS_PER_ADDRESS", client_address())


def count_link_attempt() -> None:
    count("LINK_ATTEMPTS_PER_ADDRESS", client_address())


def _reset_request_keys(email: str) -> tuple[tuple[str, str], ...]:
    return _per_email_and_address("RESET_REQUESTS_PER_EMAIL", "RESET_REQUESTS_PER_ADDRESS", email)


def reset_request_refusal(email: str) -> Refusal | None:
    """Reset-link requests ("Glömt lösenord?"): checked before the look-up, so a refused one sends nothing."""
    return first_refusal(*_reset_request_keys(email))


def count_reset_request(email: str) -> None:
    """Every request counts, found or not: each may send a mail."""
    count_all(*_reset_request_keys(email))


def reset() -> None:
    """Forget every counter (tests; an operator after a false alarm)."""
    limiter.reset()
