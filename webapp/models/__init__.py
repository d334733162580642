"""All models, imported here so Alembic and the app see the whole schema."""

from webapp.models.accounts import (
    Organisation,
    Role,
    TokenPurpose,
    Unit,
    UnitCapacity,
    UnitKind,
    User,
    UserRole,
    UserToken,
    unit_memberships,
)
from webapp.models.audit import AuditEvent
from webapp.models.comments import Comment, Notification, Presence
from webapp.models.publishing import Publication, RenderJob, RenderKind, RenderState
from webapp.models.report_templates import ReportTemplate, TemplateChapter, TemplateSection
from webapp.models.reports import Block, BlockDraft, BlockState, Report, ReportCapacity, ReportState, Revision

__all__ = [
    "ReportCapacity",
    "RenderState",
    "RenderKind",
    "RenderJob",
    "Publication",
    "UserToken",
    "UnitCapacity",
    "TokenPurpose",
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
