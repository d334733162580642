"""Error pages and fragments with a Swedish message; the status code tells htmx what happened."""

from __future__ import annotations

import errno

from flask import Flask, current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from webapp.htmx import wants_fragment
from webapp.permissions import PermissionDenied, StateForbids
from webapp.services.blocks import ContentTooLarge


def render_error(status: int, title: str, message: str):
    name = "errors/_message.html" if wants_fragment() else "errors/error.html"
    try:
        return render_template(name, status=status, title=title, message=message), status
    except DATABASE_AWAY:  # the page's menu asked the database, which is away: the bare page
        return render_error_without_services(status, title, message)


# --- When the database, the queue or the disk is away -------------------------------------------

# What these errors are: the database cannot be reached or did not answer in time (connection
# refused or lost, connect or statement timeout, no pooled connection free, SQLite busy), the
# queue's Redis likewise, or no space left to write. None of them is the request's fault.
UNAVAILABLE_ERRORS = (OperationalError, InterfaceError, PoolTimeout, RedisConnectionError, RedisTimeoutError, OSError)
DATABASE_AWAY = (OperationalError, InterfaceError, PoolTimeout)
# PostgreSQL's SQLSTATE for disk full, and SQLite's and the kernel's words for it.
DISK_FULL_SQLSTATE = "53100"
DISK_FULL_WORDS = ("database or disk is full", "no space left on device", "could not extend file")


def is_storage_full(error: BaseException) -> bool:
    cause = getattr(error, "orig", None) or error
    if isinstance(cause, OSError) and cause.errno == errno.ENOSPC:
        return True
    if getattr(cause, "sqlstate", None) == DISK_FULL_SQLSTATE:
        return True
    text = str(cause).lower()
    return any(words in text for words in DISK_FULL_WORDS)


def render_error_without_services(status: int, title: str, message: str):
    """An error page or fragment that needs nothing but the templates: no signed-in user, no
    notification count, no database (``render_template`` would run the context processors,
    which ask the database who is signed in — the very thing that just failed)."""
    name = "errors/_message.html" if wants_fragment() else "errors/unavailable.html"
    template = current_app.jinja_env.get_template(name)
    body = template.render(status=status, title=title, message=message, lang=str(get_locale()))
    response = current_app.make_response((body, status))
    if status == 503:
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
    return response


def _unavailable_message(error: BaseException) -> tuple[int, str, str]:
    nothing_saved = request.method not in ("GET", "HEAD", "OPTIONS")
    if is_storage_full(error):
        return (
            507,
            _("Lagringsutrymmet är fullt"),
            _(
                "Servern har inte plats att spara något just nu. Ingenting har sparats — försök igen "
                "om en stund, och säg till administratören om det inte går."
            ),
        )
    if isinstance(error, RedisConnectionError | RedisTimeoutError):
        message = _("Tjänsten kan inte nå sin arbetskö just nu. Försök igen om en stund.")
    elif "source" in request.form:  # the editor's text: the writer must know it is not stored
        message = _("Tjänsten kan inte nå databasen just nu. Din text är inte sparad — försök igen om en stund.")
    elif nothing_saved:
        message = _("Tjänsten kan inte nå databasen just nu. Ingenting har sparats — försök igen om en stund.")
    else:
        message = _("Tjänsten kan inte nå databasen just nu. Försök igen om en stund.")
    return 503, _("Tillfälligt otillgänglig"), message


def _http_messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Felaktig begäran"), _("Begäran kunde inte tolkas.")),
        403: (_("Åtkomst nekad"), _("Du har inte behörighet till det här.")),
        404: (_("Sidan finns inte"), _("Det du söker finns inte, eller har flyttats.")),
        405: (_("Otillåten metod"), _("Den här adressen tar inte emot sådana anrop.")),
        401: (_("Logga in"), _("Du behöver logga in för att se det här.")),
        409: (
            _("Inte möjligt just nu"),
            _("Någon annan har ändrat samma sak just nu. Ladda om sidan och försök igen."),
        ),
        410: (_("Finns inte längre"), _("Det du söker har tagits bort.")),
        413: (_("För stort"), _("Det du skickade är för stort.")),
        415: (_("Filtypen stöds inte"), _("Den här sortens fil kan inte tas emot.")),
        422: (_("Ogiltiga uppgifter"), _("Uppgifterna kunde inte godtas. Ingenting har sparats.")),
        429: (_("För många försök"), _("Vänta en stund och försök igen.")),
        500: (_("Något gick fel"), _("Ett oväntat fel inträffade. Ingenting har sparats.")),
        503: (_("Tillfälligt otillgänglig"), _("Tjänsten är tillfälligt otillgänglig. Försök igen om en stund.")),
    }


def init_app(app: Flask) -> None:
    @app.errorhandler(PermissionDenied)
    def permission_denied(error: PermissionDenied):
        return render_error(403, _("Åtkomst nekad"), error.message)

    @app.errorhandler(StateForbids)
    def state_forbids(error: StateForbids):
        return render_error(409, _("Inte möjligt just nu"), error.message)

    @app.errorhandler(ContentTooLarge)
    def content_too_large(error: ContentTooLarge):
        kilobytes = error.limit_bytes // 1000
        return render_error(
            413, _("Texten är för lång"), _("Ett bidrag får vara högst %(kb)s kB. Ingenting har sparats.", kb=kilobytes)
        )

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return render_error(
            400,
            _("Sidan är för gammal"),
            _("Formuläret saknar en giltig säkerhetstoken. Ladda om sidan och försök igen. Ingenting har sparats."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        # Every status gets a Swedish title: werkzeug's own names ("Conflict") are English.
        fallback = _http_messages()[500 if status >= 500 else 400]
        title, message = _http_messages().get(status, fallback)
        if error.description and error.description != type(error).description:
            message = error.description  # a specific Swedish message given by the view
        return render_error(status, title, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        from webapp.extensions import db

        if isinstance(error, UNAVAILABLE_ERRORS) and (not isinstance(error, OSError) or is_storage_full(error)):
            return unavailable(error)
        app.logger.exception("Unhandled error", exc_info=error)
        db.session.rollback()
        title, message = _http_messages()[500]
        return render_error(500, title, message)

    def unavailable(error: BaseException):
        """503 (database or queue away: try again) or 507 (disk full); nothing was written,
        the transaction is rolled back, and the page needs none of what failed."""
        from webapp.extensions import db

        app.logger.error("Service unavailable: %s: %s", type(error).__name__, str(error)[:500])
        try:
            db.session.rollback()
        except Exception:  # the connection is gone already: nothing is left to undo
            app.logger.debug("Rollback after an unavailable database failed", exc_info=True)
        return render_error_without_services(*_unavailable_message(error))
