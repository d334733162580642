"""The Swedish names of the app's states, kinds and codes, for forms and pages (translated lazily).

Every label dict is here, keyed by the enum or code it names: the template filters
(webapp/templating.py), the forms' choices and the views all read them from this module.
"""

from flask_babel import lazy_gettext as _l

from webapp.models import BlockState, Role, UnitKind
from webapp.services.accounts.people import Status

# --- Blocks and what people did (the activity logs) ---------------------------------------------

STATE_LABELS = {
    BlockState.DRAFT: _l("Utkast"),
    BlockState.SUBMITTED: _l("Inskickat"),
    BlockState.CHANGES_REQUESTED: _l("Ändringar begärda"),
    BlockState.APPROVED: _l("Godkänt"),
}

ACTION_LABELS = {
    "block.saved": _l("sparade"),
    "block.restored": _l("återställde en äldre version av"),
    "block.submit": _l("skickade in"),
    "block.withdraw": _l("tog tillbaka"),
    "block.approve": _l("godkände"),
    "block.request_changes": _l("begärde ändringar i"),
    "block.reopen": _l("öppnade igen"),
    "comment.created": _l("kommenterade"),
    "comment.replied": _l("svarade på en kommentar om"),
    "comment.resolved": _l("markerade en kommentarstråd som löst i"),
    "comment.reopened": _l("öppnade en kommentarstråd igen i"),
    "comment.edited": _l("ändrade en kommentar om"),
    "comment.deleted": _l("tog bort en kommentar om"),
    "report.created": _l("skapade rapporten"),
    "report.lock": _l("låste rapporten"),
    "report.unlock": _l("låste upp rapporten"),
    "report.settings_changed": _l("ändrade rapportens titel, period eller deadline"),
    "report.section_added": _l("lade till ett avsnitt i rapporten"),
    "block.reassigned": _l("flyttade till en annan verksamhet:"),
    "capacity.confirmed": _l("bekräftade verksamhetens nattplatser i"),
    "report.published": _l("publicerade rapporten"),
    # Administration (the admin's activity log): "<who> <label> <subject>".
    "template.created": _l("skapade rapportmallen"),
    "template.copied": _l("kopierade en rapportmall till"),
    "template.imported": _l("importerade rapportmallen"),
    "template.retired": _l("tog ur bruk rapportmallen"),
    "template.unretired": _l("tog i bruk igen rapportmallen"),
    "template.updated": _l("ändrade namn eller beskrivning för rapportmallen"),
    "template.chapter_added": _l("lade till ett kapitel i rapportmallen"),
    "template.chapter_updated": _l("ändrade ett kapitel i rapportmallen"),
    "template.chapter_moved": _l("flyttade ett kapitel i rapportmallen"),
    "template.chapter_removed": _l("tog bort ett kapitel ur rapportmallen"),
    "template.section_added": _l("lade till ett avsnitt i rapportmallen"),
    "template.section_updated": _l("ändrade ett avsnitt i rapportmallen"),
    "template.section_moved": _l("flyttade ett avsnitt i rapportmallen"),
    "template.section_removed": _l("tog bort ett avsnitt ur rapportmallen"),
    "template.table_added": _l("lade till en statistiktabell i rapportmallen"),
    "template.table_updated": _l("ändrade en statistiktabell i rapportmallen"),
    "template.table_moved": _l("flyttade en statistiktabell i rapportmallen"),
    "template.table_removed": _l("tog bort en statistiktabell ur rapportmallen"),
    "organisation.created": _l("skapade organisationen"),
    "organisation.renamed": _l("bytte namn på organisationen"),
    "unit.created": _l("skapade verksamheten"),
    "unit.changed": _l("ändrade namn eller typ för verksamheten"),
    "unit.deactivated": _l("avvecklade verksamheten"),
    "unit.reactivated": _l("återaktiverade verksamheten"),
    "unit.capacity_added": _l("lade till nattplatser för verksamheten"),
    "unit.capacity_changed": _l("ändrade nattplatserna för verksamheten"),
    "unit.capacity_removed": _l("tog bort nattplatser för verksamheten"),
    "user.invited": _l("bjöd in"),
    "user.invitation_renewed": _l("skapade en ny inbjudningslänk för"),
    "user.invitation_accepted": _l("tog emot inbjudan och valde lösenord:"),
    "user.reset_link_created": _l("skapade en länk för nytt lösenord för"),
    "user.password_reset": _l("valde nytt lösenord via länk:"),
    "user.reset_requested": _l("skickade en länk för nytt lösenord (begärd på inloggningssidan) till"),
    "user.password_changed": _l("bytte sitt lösenord:"),
    "user.name_changed": _l("ändrade sitt namn:"),
    "user.roles_changed": _l("ändrade roller för"),
    "user.units_changed": _l("ändrade verksamheter för"),
    "user.deactivated": _l("stängde av"),
    "user.reactivated": _l("aktiverade igen"),
}


# --- People and units ---------------------------------------------------------------------------

ROLE_LABELS = {
    Role.WRITER: _l("Skribent"),
    Role.REVIEWER: _l("Granskare"),
    Role.CHAIR: _l("Ordförande"),
    Role.ADMIN: _l("Administratör"),
}

# One unit of the kind ("Nattverksamhet")...
UNIT_KIND_LABELS = {
    UnitKind.NIGHT: _l("Nattverksamhet"),
    UnitKind.DAY: _l("Dagverksamhet"),
    UnitKind.OUTREACH: _l("Uppsökande verksamhet"),
    UnitKind.REGISTRATION: _l("Inskrivning"),
}

# ...and every unit of the kind, as a section template asks for them ("Nattverksamheter").
UNIT_KIND_PLURAL_LABELS = {
    UnitKind.NIGHT: _l("Nattverksamheter"),
    UnitKind.DAY: _l("Dagverksamheter"),
    UnitKind.OUTREACH: _l("Uppsökande verksamhet"),
    UnitKind.REGISTRATION: _l("Inskrivning"),
}

STATUS_LABELS = {
    Status.ACTIVE: _l("Aktiv"),
    Status.INVITED: _l("Inbjuden, har inte valt lösenord"),
    Status.INACTIVE: _l("Avstängd"),
}

# --- Administration -----------------------------------------------------------------------------

TABLE_KIND_LABELS = {
    "capacity": _l("Nattplatser (platser per natt med datum → erbjudna sängplatser)"),
    "occupancy": _l("Beläggning (kvinnor och män per månad → nätter, andelar, beläggning)"),
    "visits": _l("Besök (per månad, månadssummor eller bara perioden)"),
    "nationalities": _l("Nationaliteter (land med antal eller andel → rangordning, andelar)"),
    "category_month": _l("Kategorier × månader"),
    "log": _l("Logg (fria rader med egna kolumner)"),
    "facts": _l("Uppgifter (några enskilda siffror)"),
}

ADMIN_AREA_LABELS = {
    "template": _l("Rapportmallar"),
    "organisation": _l("Organisationer"),
    "unit": _l("Verksamheter"),
    "user": _l("Personer"),
}
