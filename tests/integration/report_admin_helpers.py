"""Shared by the tests of reports and periods (admin), roll-over and capacity confirmation."""

from __future__ import annotations

from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Block,
    BlockDraft,
    Report,
    ReportCapacity,
    ReportTemplate,
    Revision,
    TemplateChapter,
    TemplateSection,
    Unit,
)

ADMIN = "admin@demo.iop"
LOCKED_REPORT_ID, OPEN_REPORT_ID = 1, 2
NIGHT_WRITER = "skribent.stadsmissionen-natt@demo.iop"
NON_ADMINS = ("skribent.crossroads@demo.iop", "granskare.convictus@demo.iop", "ordforande@demo.iop")


def roll_over(client: FlaskClient, previous_id: int, start: date, end: date, deadline: date, title: str = ""):
    return post(
        client,
        "/admin/reports/rollover",
        {
            "previous_report_id": previous_id,
            "title": title,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "deadline": deadline.isoformat(),
        },
    )


def newest_report_id(app: Flask) -> int:
    with app.app_context():
        report_id = db.session.scalar(select(func.max(Report.id)))
        db.session.remove()
        return report_id


def fingerprint(app: Flask) -> tuple:
    """Everything an admin action on reports could change: a refused request leaves it exactly so."""
    with app.app_context():
        counts = tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (
                Report,
                ReportTemplate,
                TemplateChapter,
                TemplateSection,
                Block,
                Revision,
                BlockDraft,
                ReportCapacity,
                AuditEvent,
            )
        )
        reports = tuple(
            db.session.execute(
                select(
                    Report.id, Report.title, Report.period_start, Report.period_end, Report.deadline, Report.state
                ).order_by(Report.id)
            ).all()
        )
        blocks = tuple(
            db.session.execute(select(Block.id, Block.unit_id, Block.state, Block.version).order_by(Block.id)).all()
        )
        sections = tuple(
            db.session.execute(
                select(TemplateSection.id, TemplateSection.title, TemplateSection.position).order_by(TemplateSection.id)
            ).all()
        )
        capacities = tuple(
            db.session.execute(
                select(ReportCapacity.id, ReportCapacity.entries, ReportCapacity.confirmed_at).order_by(
                    ReportCapacity.id
                )
            ).all()
        )
        db.session.remove()
        return counts, reports, blocks, sections, capacities


def structure_of(app: Flask, report_id: int) -> list[tuple]:
    """A report's own structure: chapters and sections with what they say and who writes them."""
    with app.app_context():
        report = db.session.get(Report, report_id)
        rows = [
            (
                chapter.key,
                chapter.title,
                section.key,
                section.title,
                section.guidance,
                section.position,
                section.joint,
                section.responsible_unit.key if section.responsible_unit else None,
                tuple(section.unit_kinds),
                tuple(sorted(u.key for u in section.named_units)),
            )
            for chapter in report.report_template.chapters
            for section in chapter.sections
        ]
        db.session.remove()
        return rows


def block_keys(app: Flask, report_id: int) -> set[tuple[str, str, bool]]:
    """(section key, unit key, joint) of every block of a report."""
    with app.app_context():
        keys = set(
            db.session.execute(
                select(TemplateSection.key, Unit.key, Block.joint)
                .join(Block.section)
                .join(Block.unit)
                .where(Block.report_id == report_id)
            ).all()
        )
        db.session.remove()
        return keys


def set_capacity(app: Flask, report_id: int, unit_key: str, entries: list[list]) -> None:
    with app.app_context():
        capacity = db.session.scalars(
            select(ReportCapacity)
            .join(ReportCapacity.unit)
            .where(ReportCapacity.report_id == report_id, Unit.key == unit_key)
        ).one()
        capacity.entries = entries
        db.session.commit()
        db.session.remove()


def capacities_of(app: Flask, report_id: int) -> dict[str, tuple]:
    """unit key → (entries, carried_over, needs_confirmation, confirmed_by_id)."""
    with app.app_context():
        found = {
            c.unit.key: (c.entries, c.carried_over, c.needs_confirmation, c.confirmed_by_id)
            for c in db.session.scalars(select(ReportCapacity).where(ReportCapacity.report_id == report_id))
        }
        db.session.remove()
        return found


def set_unit_active(app: Flask, unit_key: str, active: bool) -> None:
    with app.app_context():
        unit = db.session.scalars(select(Unit).where(Unit.key == unit_key)).one()
        unit.active = active
        db.session.commit()
        db.session.remove()


def audit_actions(app: Flask, report_id: int) -> list[str]:
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.report_id == report_id).order_by(AuditEvent.id)
            )
        )
        db.session.remove()
        return actions
