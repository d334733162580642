"""Where a redirect may go when the address comes from the request (``next`` after signing in,
the page to return to after choosing a language): only a path on this site.

A target is judged as a browser would read it, not only as Python does. WHATWG URL parsing
drops tabs and newlines anywhere and reads ``\\`` as ``/``, so ``/\\t/evil.example`` and
``/\\evil.example`` both mean ``//evil.example``: another host. Rather than imitate those
rules, anything they could apply to is refused: control characters (C0, DEL, C1 and Unicode's
other invisible ones), backslashes, and paths with empty or dot segments (``/.//evil.example``
is ``//evil.example`` once the dot segment is removed). Raw CR/LF would also make Werkzeug
refuse the ``Location`` header (a 500), so refusing them first keeps that a plain fallback.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import url_for

DEFAULT_FALLBACK = "main.dashboard"


def _visible(text: str) -> bool:
    # str.isprintable is False for C0, DEL, C1, line and paragraph separators, every space but
    # U+0020, and format characters such as zero-width joiners and bidi overrides.
    return text.isprintable() and "\\" not in text


def _plain_path(path: str) -> bool:
    """One leading slash, no empty segment (``//``) and no dot segment (``.``, ``..``)."""
    if not path.startswith("/") or "//" in path:
        return False
    return all(segment not in (".", "..") for segment in path.split("/")[1:])


def same_site_path(target: str | None) -> str | None:
    """``target`` if it is a path on this site (``/reports/2?tab=x``), else None."""
    if not target or not isinstance(target, str) or not _visible(target) or not target.startswith("/"):
        return None
    try:
        parts = urlsplit(target)
    except ValueError:  # e.g. an unclosed "[" in what would be a host
        return None
    if parts.scheme or parts.netloc:
        return None
    # The path as written (urlsplit reads "///x" as the path "/x"), and as the router sees it,
    # percent-decoded: %2F%2F, %5C or %0D%0A are refused too, so nothing decodes into an
    # address that means something else further on.
    path = target.split("?", 1)[0].split("#", 1)[0]
    decoded = unquote(path)
    if not _visible(decoded) or not _plain_path(path) or not _plain_path(decoded):
        return None
    return target


def safe_next(target: str | None, fallback_endpoint: str = DEFAULT_FALLBACK) -> str:
    """Where to send the browser: ``target`` when it stays on this site, else the fallback page."""
    return same_site_path(target) or url_for(fallback_endpoint)
