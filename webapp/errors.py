"""Error pages and fragments with a Swedish message; the status code tells htmx what happened."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from webapp.htmx import wants_fragment
from webapp.permissions import PermissionDenied, StateForbids
from webapp.services.blocks import ContentTooLarge


def render_error(status: int, title: str, message: str):
    name = "errors/_message.html" if wants_fragment() else "errors/error.html"
    return render_template(name, status=status, title=title, message=message), status


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

        app.logger.exception("Unhandled error", exc_info=error)
        db.session.rollback()
        title, message = _http_messages()[500]
        return render_error(500, title, message)
