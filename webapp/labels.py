"""Swedish names of roles, unit kinds and account states, for forms and pages (translated lazily)."""

from flask_babel import lazy_gettext as _l

from webapp.models import Role, UnitKind
from webapp.services.people import Status

ROLE_LABELS = {
    Role.WRITER: _l("Skribent"),
    Role.REVIEWER: _l("Granskare"),
    Role.CHAIR: _l("Ordförande"),
    Role.ADMIN: _l("Administratör"),
}

UNIT_KIND_LABELS = {
    UnitKind.NIGHT: _l("Nattverksamhet"),
    UnitKind.DAY: _l("Dagverksamhet"),
    UnitKind.OUTREACH: _l("Uppsökande verksamhet"),
    UnitKind.REGISTRATION: _l("Inskrivning"),
}

STATUS_LABELS = {
    Status.ACTIVE: _l("Aktiv"),
    Status.INVITED: _l("Inbjuden, har inte valt lösenord"),
    Status.INACTIVE: _l("Avstängd"),
}
