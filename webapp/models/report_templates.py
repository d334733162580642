"""Report templates: an ordered tree of chapters and sections, and who contributes what."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import Model, db
from webapp.models.accounts import Unit
from webapp.models.base import utcnow

section_named_units = Table(
    "template_section_units",
    db.metadata,
    Column("section_id", ForeignKey("template_sections.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("units.id"), primary_key=True),
)


class ReportTemplate(Model):
    """A template, or (``snapshot``) the frozen copy of one that a report was created from.

    A report owns its structure: creating a report copies the template's tree into a
    snapshot, so editing the template afterwards never alters the report. ``version``
    counts the template's saved edits; a snapshot records which version it copied.
    """

    __tablename__ = "report_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(default=1)
    snapshot: Mapped[bool] = mapped_column(default=False)
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("report_templates.id"))
    based_on_version: Mapped[int | None]
    retired: Mapped[bool] = mapped_column(default=False)

    based_on: Mapped[ReportTemplate | None] = relationship(remote_side=[id])

    chapters: Mapped[list[TemplateChapter]] = relationship(
        back_populates="report_template",
        order_by="TemplateChapter.position",
        cascade="all, delete-orphan",
    )


class TemplateChapter(Model):
    __tablename__ = "template_chapters"
    __table_args__ = (UniqueConstraint("report_template_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_template_id: Mapped[int] = mapped_column(ForeignKey("report_templates.id"))
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    guidance: Mapped[str] = mapped_column(Text, default="")

    report_template: Mapped[ReportTemplate] = relationship(back_populates="chapters")
    sections: Mapped[list[TemplateSection]] = relationship(
        back_populates="chapter",
        order_by="TemplateSection.position",
        cascade="all, delete-orphan",
    )


class TemplateSection(Model):
    """A section and how it is contributed.

    ``joint`` gives one shared block written by ``responsible_unit``; ``unit_kinds`` and
    ``named_units`` give one block per unit. A section may have both (a joint text
    plus each unit's own part). ``table_specs`` are the statistics tables it carries.
    """

    __tablename__ = "template_sections"
    __table_args__ = (UniqueConstraint("chapter_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chapter_id: Mapped[int] = mapped_column(ForeignKey("template_chapters.id"))
    key: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    guidance: Mapped[str] = mapped_column(Text, default="")
    joint: Mapped[bool] = mapped_column(default=False)
    responsible_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    unit_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    table_specs: Mapped[list[dict]] = mapped_column(JSON, default=list)

    chapter: Mapped[TemplateChapter] = relationship(back_populates="sections")
    responsible_unit: Mapped[Unit | None] = relationship()
    named_units: Mapped[list[Unit]] = relationship(secondary=section_named_units)
