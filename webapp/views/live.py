"""Live parts of the block page: presence heartbeats and the polled state fragment (polling, not SSE)."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.extensions import db
from webapp.models import Block
from webapp.permissions import PermissionDenied, can_read_report, is_block_writer, require_edit_block
from webapp.services import notifications, reports
from webapp.services.blocks import presence
from webapp.views.loading import or_404

bp = Blueprint("live", __name__, url_prefix="/blocks")


def _require_reader() -> None:
    if not can_read_report(current_user):
        raise PermissionDenied(_("Du har inte behörighet att läsa rapporten."))


@bp.post("/<int:block_id>/presence")
def heartbeat(block_id: int):
    """The editor is open: refresh the writer's presence. Refused like any edit (403 / 409)."""
    _require_reader()
    block = or_404(reports.load_block_for_update(block_id))
    require_edit_block(current_user, block)
    presence.heartbeat(block.id, current_user.id)
    db.session.commit()
    return Response(status=204)


@bp.post("/<int:block_id>/presence/leave")
def leave(block_id: int):
    """The editor's page went away (static/js/presence.js posts a beacon on ``pagehide``, the
    CSRF token as form data since a beacon carries no headers): forget the writer's presence.

    Only the block's writers can be present, so only they may leave; the block's state does not
    matter (the page that leaves may have just submitted it).
    """
    _require_reader()
    block = db.get_or_404(Block, block_id)
    if not is_block_writer(current_user, block):
        raise PermissionDenied(_("Du kan bara redigera bidrag från din egen verksamhet."))
    presence.leave(block.id, current_user.id)
    db.session.commit()
    return Response(status=204)


@bp.get("/<int:block_id>/live")
def live(block_id: int):
    """The polled fragment. Unchanged since the browser's copy: 304, no body, no template."""
    _require_reader()
    block = db.get_or_404(Block, block_id)
    state = presence.live_state(block, current_user)
    # The state the page was drawn in: when it changes, the page offers a reload.
    drawn_in = request.args.get("drawn_in", str(block.state))[:30]
    unread = notifications.unread_count(current_user)
    etag = f"{state.etag}-{current_user.id}-{unread}-{drawn_in}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(
            render_template("blocks/_live.html", block=block, live=state, drawn_in=drawn_in, live_update=True)
        )
    response.set_etag(etag)
    # Revalidate every time (the app's default is no-store, which would defeat the ETag).
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("HX-Request")
    return response
