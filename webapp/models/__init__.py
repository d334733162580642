"""All models, imported here so Alembic and the app see the whole schema."""

from webapp.models.accounts import Organisation, Role, Unit, UnitKind, User, UserRole, unit_memberships
from webapp.models.audit import AuditEvent
from webapp.models.comments import Comment, Notification, Presence
from webapp.models.report_templates import ReportTemplate, TemplateChapter, TemplateSection
from webapp.models.reports import Block, BlockDraft, BlockState, Report, ReportState, Revision

__all__ = [
    "AuditEvent",
    "Block",
    "Comment",
    "Notification",
    "Presence",
    "BlockDraft",
    "BlockState",
    "Organisation",
    "Report",
    "ReportState",
    "ReportTemplate",
    "Revision",
    "Role",
    "TemplateChapter",
    "TemplateSection",
    "Unit",
    "UnitKind",
    "User",
    "UserRole",
    "unit_memberships",
]
