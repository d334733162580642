"""Which language a person sees: Swedish unless they chose English (kept in their session)."""

from flask import current_app, session

LANGUAGE_SESSION_KEY = "language"


def select_locale() -> str:
    chosen = session.get(LANGUAGE_SESSION_KEY)
    return chosen if chosen in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
