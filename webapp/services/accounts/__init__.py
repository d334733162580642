"""People and organisations: signing in, own accounts, invitations and password links, the
admin's people and organisations pages.

The package re-exports ``users`` (what callers mean by ``services.accounts``); the other
modules are imported by name: ``accounts.link_mail``, ``accounts.organisations``,
``accounts.passwords``, ``accounts.people``, ``accounts.tokens``.
"""

from webapp.services.accounts.users import (
    MAX_NAME_LENGTH,
    LinkAlreadyUsed,
    authenticate,
    change_own_name,
    change_own_password,
    choose_password_with_link,
    clean_name,
    create_user,
    end_sessions,
    find_user_by_email,
    load_signed_in_user,
    normalise_email,
    sign_out_everywhere,
)

__all__ = [
    "authenticate",
    "change_own_name",
    "change_own_password",
    "choose_password_with_link",
    "clean_name",
    "create_user",
    "end_sessions",
    "find_user_by_email",
    "LinkAlreadyUsed",
    "load_signed_in_user",
    "MAX_NAME_LENGTH",
    "normalise_email",
    "sign_out_everywhere",
]
