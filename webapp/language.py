"""Which language a person sees: Swedish unless they chose English (kept in their session)."""

from flask import current_app, session

LANGUAGE_SESSION_KEY = "language"


def select_locale() -> str:
    chosen = session.get(LANGUAGE_SESSION_KEY)
    languages: list[str] = current_app.config["LANGUAGES"]
    default: str = current_app.config["BABEL_DEFAULT_LOCALE"]
    return chosen if isinstance(chosen, str) and chosen in languages else default
