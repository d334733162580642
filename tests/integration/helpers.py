"""Small helpers for integration tests: find demo blocks, post with CSRF, read state."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import csrf_token
from webapp.extensions import db
from webapp.models import AuditEvent, Block, Revision, TemplateSection, Unit

OPEN_REPORT_ID = 2


def find_block(app: Flask, section_key: str, unit_key: str, report_id: int = OPEN_REPORT_ID) -> int:
    with app.app_context():
        block_id = db.session.scalars(
            select(Block.id)
            .join(Block.section)
            .join(Block.unit)
            .where(
                Block.report_id == report_id,
                TemplateSection.key == section_key,
                Unit.key == unit_key,
                Block.joint.is_(False),
            )
        ).one()
        db.session.remove()
        return block_id


def block_snapshot(app: Flask, block_id: int) -> tuple:
    """What a refused request must leave untouched."""
    with app.app_context():
        block = db.session.get(Block, block_id)
        revisions = db.session.scalar(select(func.count()).select_from(Revision).where(Revision.block_id == block_id))
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        snapshot = (block.version, block.current_revision_id, block.state, revisions, events)
        db.session.remove()
        return snapshot


def block_version(app: Flask, block_id: int) -> int:
    return block_snapshot(app, block_id)[0]


def current_text(app: Flask, block_id: int) -> str:
    with app.app_context():
        block = db.session.get(Block, block_id)
        text = block.current_revision.source if block.current_revision else ""
        db.session.remove()
        return text


def revision_count(app: Flask, block_id: int) -> int:
    return block_snapshot(app, block_id)[3]


def post(client: FlaskClient, url: str, data: dict | None = None, htmx: bool = False, **kwargs):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data=data, headers=headers, **kwargs)


def save_url(block_id: int) -> str:
    return f"/blocks/{block_id}/save"
