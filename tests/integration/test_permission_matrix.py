"""The permission matrix: every mutating endpoint × every role × report state (open, locked).

Each (endpoint, role, state) triple is its own test. The expected outcome is derived from the
rules in webapp/permissions.py, webapp/services/review/workflow.py and webapp/services/review/comments.py and
the views: either *allowed* (the status, and the change is visible in the database) or *refused*
with a specific status, in which case a fingerprint of every relevant table (blocks, revisions,
drafts, comments, notifications, audit events, presence, reports) must be exactly as before.

Speed: seeding the demo takes ~0.2 s, so the demo plus this file's extra setup (a submitted
Crossroads block, a second revision to restore, comment threads, notifications, presence rows)
is built once per module, copied out row by row, and copied back in before each case (~20 ms).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.conftest import csrf_token, sign_in
from tests.database import copy_rows, empty_all_tables, ensure_rows, restore_rows
from tests.integration.helpers import find_block
from webapp.content import render_markdown
from webapp.extensions import db
from webapp.models import (
    AuditEvent,
    Block,
    BlockDraft,
    Comment,
    Notification,
    Presence,
    Report,
    Revision,
    User,
)
from webapp.models.base import utcnow

OPEN, LOCKED = "open", "locked"
STATES = (OPEN, LOCKED)
REPORT_OF = {OPEN: 2, LOCKED: 1}

ANON, WRITER, OTHER_WRITER, REVIEWER, CHAIR, ADMIN = (
    "anonymous",
    "writer",
    "other_writer",
    "reviewer",
    "chair",
    "admin",
)
ROLES = (ANON, WRITER, OTHER_WRITER, REVIEWER, CHAIR, ADMIN)
EMAILS = {
    WRITER: "skribent.crossroads@demo.iop",  # the unit of every Crossroads target block
    OTHER_WRITER: "skribent.eu-center@demo.iop",
    REVIEWER: "granskare.fralsningsarmen@demo.iop",
    CHAIR: "ordforande@demo.iop",  # roles reviewer + chair
    ADMIN: "admin@demo.iop",  # role admin only: a writer of every unit, not a reviewer
}
OUTSIDER = "granskare.convictus@demo.iop"  # owns a notification nobody in the matrix may touch
SIGNED_IN = (WRITER, OTHER_WRITER, REVIEWER, CHAIR, ADMIN)
UNIT_WRITERS = (WRITER, ADMIN)  # permissions.is_block_writer
REVIEWERS = (REVIEWER, CHAIR)  # review.is_reviewer (admin is not one)
COMMENT_RESOLVERS = (WRITER, REVIEWER, CHAIR, ADMIN)  # comments.can_resolve: author, reviewers/admin, writers


# --- Snapshot of the seeded database, restored before every case ----------------------------------


@dataclass
class Snapshot:
    rows: dict[str, list[dict]]
    ids: dict[str, int]  # named blocks, comments, users of the setup


def _setup_targets(app: Flask) -> dict[str, int]:
    """The demo plus what the matrix needs; returns the ids it acts on."""
    from webapp.services import blocks as block_service
    from webapp.services import review

    ids: dict[str, int] = {}
    for state, report_id in REPORT_OF.items():
        ids[f"{state}.edit"] = find_block(app, "gem-klagomal", "crossroads", report_id)
        ids[f"{state}.table"] = find_block(app, "dag-besok", "crossroads", report_id)
    ids[f"{OPEN}.restore"] = find_block(app, "dag-verksamheter", "crossroads", 2)
    ids[f"{OPEN}.submitted"] = find_block(app, "dag-analys", "crossroads", 2)
    # The locked report holds only approved blocks: every transition target is the same block.
    for name in ("restore", "submitted", "approved"):
        ids[f"{LOCKED}.{name}"] = ids[f"{LOCKED}.edit"]
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User))}
        for role, email in EMAILS.items():
            ids[f"user.{role}"] = users[email].id
        ids["user.outsider"] = users[OUTSIDER].id
        writer, reviewer = users[EMAILS[WRITER]], users[EMAILS[REVIEWER]]
        ids[f"{OPEN}.approved"] = db.session.scalars(
            select(Block.id).where(Block.report_id == 2, Block.state == "approved").order_by(Block.id)
        ).first()

        # A second revision to restore the first from.
        block = db.session.get(Block, ids[f"{OPEN}.restore"])
        outcome = block_service.save_block(
            block,
            writer,
            block_service.current_source(block) + "\n\nTillägg.",
            base_version=block.version,
            max_bytes=10**6,
            coalesce_seconds=0,
        )
        assert outcome.kind == "saved"
        db.session.commit()
        # No Crossroads block is submitted in the demo's open report: submit one through the service,
        # so "writer of the unit" means the same unit on every target (and may withdraw it).
        block = db.session.get(Block, ids[f"{OPEN}.submitted"])
        assert block.state == "draft" and not block.is_empty
        review.perform(writer, block, review.Action.SUBMIT)
        db.session.commit()

        now = utcnow()
        for state in STATES:
            block_id = ids[f"{state}.edit"]

            def comment(author: User, body: str, **extra) -> Comment:
                row = Comment(
                    block_id=block_id,
                    author_id=author.id,
                    source=body,
                    html=render_markdown(body),
                    created_at=now,
                    **extra,
                )
                db.session.add(row)
                db.session.flush()
                return row

            # Rows, not the service: the service (rightly) refuses comments on the locked report.
            ids[f"{state}.thread"] = comment(writer, "Öppen tråd").id
            ids[f"{state}.resolved"] = comment(writer, "Löst tråd", resolved_at=now, resolved_by_id=reviewer.id).id
            replied = comment(writer, "Tråd med svar")
            ids[f"{state}.replied"] = replied.id
            comment(reviewer, "Ett svar", parent_id=replied.id)
            for role in SIGNED_IN:
                db.session.add(
                    Presence(block_id=block_id, user_id=ids[f"user.{role}"], last_seen=now - timedelta(seconds=30))
                )
        for user_id in [ids[f"user.{role}"] for role in SIGNED_IN] + [ids["user.outsider"]]:
            for report_id in REPORT_OF.values():
                db.session.add(
                    Notification(
                        user_id=user_id,
                        kind="comment.new",
                        message="Någon kommenterade.",
                        report_id=report_id,
                        created_at=now,
                    )
                )
        db.session.commit()
        db.session.remove()
    return ids


@pytest.fixture(scope="module")
def snapshot(app: Flask, demo_snapshot) -> Snapshot:
    """The session's demo plus this module's targets (comments, drafts, a locked report …)."""
    with app.app_context():
        empty_all_tables()
        restore_rows(demo_snapshot.rows)
    ids = _setup_targets(app)
    with app.app_context():
        rows = copy_rows()
        empty_all_tables()
    return Snapshot(rows, ids)


@pytest.fixture
def world(app: Flask, snapshot: Snapshot) -> dict[str, int]:
    with app.app_context():
        ensure_rows("permission-matrix", snapshot.rows)
        db.session.remove()
    return snapshot.ids


# --- The fingerprint -------------------------------------------------------------------------------


def fingerprint(app: Flask) -> dict[str, tuple]:
    with app.app_context():
        s = db.session

        def rows(*columns, order):
            return tuple(tuple(row) for row in s.execute(select(*columns).order_by(*order)))

        result = {
            "reports": rows(Report.id, Report.state, order=[Report.id]),
            "blocks": rows(
                Block.id,
                Block.state,
                Block.version,
                Block.current_revision_id,
                Block.nothing_to_report,
                Block.round_started_at,
                order=[Block.id],
            ),
            "revisions": rows(Revision.id, Revision.block_id, Revision.number, Revision.author_id, order=[Revision.id]),
            "drafts": rows(
                BlockDraft.block_id,
                BlockDraft.author_id,
                BlockDraft.source,
                BlockDraft.base_version,
                BlockDraft.updated_at,
                order=[BlockDraft.block_id, BlockDraft.author_id],
            ),
            "comments": rows(
                Comment.id,
                Comment.block_id,
                Comment.parent_id,
                Comment.author_id,
                Comment.source,
                Comment.resolved_at,
                Comment.edited_at,
                order=[Comment.id],
            ),
            "notifications": rows(
                Notification.id,
                Notification.user_id,
                Notification.kind,
                Notification.read_at,
                Notification.comment_id,
                order=[Notification.id],
            ),
            "audit": (
                s.scalar(select(func.count()).select_from(AuditEvent)),
                s.scalar(select(func.max(AuditEvent.id))),
            ),
            "presence": rows(
                Presence.block_id, Presence.user_id, Presence.last_seen, order=[Presence.block_id, Presence.user_id]
            ),
        }
        db.session.remove()
    return result


def _block(fp: dict, block_id: int) -> tuple:
    return next(row for row in fp["blocks"] if row[0] == block_id)


def _revisions_of(fp: dict, block_id: int) -> int:
    return sum(1 for row in fp["revisions"] if row[1] == block_id)


def _draft_of(fp: dict, block_id: int, user_id: int) -> tuple | None:
    return next((row for row in fp["drafts"] if row[:2] == (block_id, user_id)), None)


def _comment(fp: dict, comment_id: int) -> tuple | None:
    return next((row for row in fp["comments"] if row[0] == comment_id), None)


def _presence(fp: dict, block_id: int, user_id: int) -> tuple | None:
    return next((row for row in fp["presence"] if row[:2] == (block_id, user_id)), None)


def _notifications(fp: dict, user_id: int, mine: bool) -> tuple:
    return tuple(row for row in fp["notifications"] if (row[1] == user_id) == mine)


# --- The endpoints ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One request; ``ctx`` has the setup ids (with the state's prefix stripped) and the user's id."""

    request: Callable[[dict], tuple[str, dict]]
    expect: Callable[[str, str], int | str]  # (role, state) -> status, or "redirect-back", for signed-in roles
    changed: Callable[[dict, dict, dict], bool] | None  # (before, after, ctx) -> the change happened
    # None: not a mutation (preview); allowed or not, the database stays as it was.


def _version(ctx: dict, name: str) -> int:
    return _block(ctx["fp"], ctx[name])[2]


def _cell(ctx: dict) -> str:
    return f"cell|visits|{'2022-12' if ctx['report'] == 2 else '2021-12'}|women"


def _writer_edit(ok: int) -> Callable[[str, str], int]:
    """require_edit_block: locked → 409 for everyone; not the unit's writer → 403; else allowed."""
    return lambda role, state: 409 if state == LOCKED else (ok if role in UNIT_WRITERS else 403)


def _block_transition(who: tuple[str, ...], ok: int = 302, refused_in_state: int | None = None):
    """review.refusal: locked → 409; wrong person → 403; then the state (or a missing reason) → 409."""

    def expect(role, state):
        if state == LOCKED:
            return 409
        if role not in who:
            return 403
        return refused_in_state or ok

    return expect


def _report_transition(ok_open: int, ok_locked: int):
    """review.report_refusal: only the chair (403 for everyone else, admin included)."""
    return lambda role, state: (ok_open if state == OPEN else ok_locked) if role == CHAIR else 403


def _comment_action(who: tuple[str, ...], ok: int = 302, refused_in_state: int | None = None):
    """comments: locked → 409 (checked before who); wrong person → 403; replies → 409."""

    def expect(role, state):
        if state == LOCKED:
            return 409
        if role not in who:
            return 403
        return refused_in_state or ok

    return expect


def _state_is(name: str, value: str):
    return lambda before, after, ctx: _block(after, ctx[name])[1] == value


def _new_revision(name: str):
    return lambda before, after, ctx: _revisions_of(after, ctx[name]) == _revisions_of(before, ctx[name]) + 1


def _draft_written(name: str):
    return lambda before, after, ctx: (
        _draft_of(after, ctx[name], ctx["user"]) is not None
        and _draft_of(after, ctx[name], ctx["user"]) != _draft_of(before, ctx[name], ctx["user"])
    )


def _comments_added(before, after, ctx):
    return len(after["comments"]) == len(before["comments"]) + 1


def _notifications_read(which: str):
    def changed(before, after, ctx):
        mine_before = _notifications(before, ctx["user"], True)
        mine_after = _notifications(after, ctx["user"], True)
        targets = [row[0] for row in mine_before][:1] if which == "one" else [row[0] for row in mine_before]
        read = all(row[3] is not None for row in mine_after if row[0] in targets)
        untouched = all(a == b for a, b in zip(mine_before, mine_after) if a[0] not in targets)
        return (
            read
            and untouched
            and len(mine_after) == len(mine_before)
            and _notifications(before, ctx["user"], False) == _notifications(after, ctx["user"], False)
        )

    return changed


IMPORT_TEXT = "Månad\tKvinnor\tMän\nDecember\t7\t11\n"


def _import_data(ctx: dict) -> dict:
    return {"import-visits-text": IMPORT_TEXT, "base_version": _version(ctx, "table")}


CASES: dict[str, Case] = {
    # Blocks: content (permissions.require_edit_block).
    "block.save": Case(
        lambda c: (f"/blocks/{c['edit']}/save", {"source": "Ny text", "base_version": _version(c, "edit")}),
        _writer_edit(302),
        _new_revision("edit"),
    ),
    "block.autosave": Case(
        lambda c: (f"/blocks/{c['edit']}/autosave", {"source": "Ny text", "base_version": _version(c, "edit")}),
        _writer_edit(200),
        _draft_written("edit"),
    ),
    "block.tables": Case(
        lambda c: (f"/blocks/{c['table']}/tables", {"source": "", "base_version": _version(c, "table"), _cell(c): "5"}),
        _writer_edit(200),
        _draft_written("table"),
    ),
    "block.preview": Case(lambda c: (f"/blocks/{c['edit']}/preview", {"source": "**x**"}), _writer_edit(200), None),
    "block.restore": Case(
        lambda c: (f"/blocks/{c['restore']}/revisions/1/restore", {"base_version": _version(c, "restore")}),
        _writer_edit(302),
        _new_revision("restore"),
    ),
    # Blocks: the workflow (services/review).
    "transition.submit": Case(
        lambda c: (
            f"/blocks/{c['edit']}/transition",
            {"action": "submit", "source": "Inskickad text", "base_version": _version(c, "edit")},
        ),
        # With the editor's text: saved first (require_edit_block), then submitted.
        _writer_edit(302),
        _state_is("edit", "submitted"),
    ),
    "transition.submit-empty": Case(
        lambda c: (f"/blocks/{c['edit']}/transition", {"action": "submit"}),
        # A locked report: 409 before the view (webapp/locking.py). Open: a writer's refused
        # submission (empty block) goes back to the block page with a message, nothing saved.
        lambda role, state: 409 if state == LOCKED else ("redirect-back" if role in UNIT_WRITERS else 403),
        None,
    ),
    "transition.withdraw": Case(
        lambda c: (f"/blocks/{c['submitted']}/transition", {"action": "withdraw"}),
        _block_transition(UNIT_WRITERS),
        _state_is("submitted", "draft"),
    ),
    "transition.approve": Case(
        lambda c: (f"/blocks/{c['submitted']}/transition", {"action": "approve"}),
        _block_transition(REVIEWERS),
        _state_is("submitted", "approved"),
    ),
    "transition.request_changes": Case(
        lambda c: (f"/blocks/{c['submitted']}/transition", {"action": "request_changes", "reason": "Förtydliga."}),
        _block_transition(REVIEWERS),
        _state_is("submitted", "changes_requested"),
    ),
    "transition.request_changes-no-reason": Case(
        lambda c: (f"/blocks/{c['submitted']}/transition", {"action": "request_changes"}),
        _block_transition(REVIEWERS, refused_in_state=409),
        None,
    ),
    "transition.reopen": Case(
        lambda c: (f"/blocks/{c['approved']}/transition", {"action": "reopen", "reason": "Sen rättelse."}),
        _block_transition(REVIEWERS),
        _state_is("approved", "draft"),
    ),
    "transition.reopen-no-reason": Case(
        lambda c: (f"/blocks/{c['approved']}/transition", {"action": "reopen"}),
        _block_transition(REVIEWERS, refused_in_state=409),
        None,
    ),
    # The report.
    "report.lock": Case(
        lambda c: (f"/reports/{c['report']}/transition", {"action": "lock"}),
        # Open: blocks are still unapproved (409); locked: already locked (409).
        _report_transition(409, 409),
        None,
    ),
    "report.unlock": Case(
        lambda c: (f"/reports/{c['report']}/transition", {"action": "unlock", "reason": "Sen rättelse."}),
        _report_transition(409, 302),
        lambda before, after, ctx: dict(after["reports"])[ctx["report"]] == "open",
    ),
    "report.unlock-no-reason": Case(
        lambda c: (f"/reports/{c['report']}/transition", {"action": "unlock"}), _report_transition(409, 409), None
    ),
    # Comments (services/comments): anyone signed in while open; the thread's author and
    # unreplied for edit/delete; authors, writers and reviewers (admin too) for resolve/reopen.
    "comment.create": Case(
        lambda c: (f"/blocks/{c['edit']}/comments", {"body": "En ny kommentar"}),
        _comment_action(SIGNED_IN),
        _comments_added,
    ),
    "comment.reply": Case(
        lambda c: (f"/comments/{c['thread']}/replies", {"body": "Ett nytt svar"}),
        _comment_action(SIGNED_IN),
        _comments_added,
    ),
    "comment.resolve": Case(
        lambda c: (f"/comments/{c['thread']}/resolve", {}),
        _comment_action(COMMENT_RESOLVERS),
        lambda before, after, ctx: _comment(after, ctx["thread"])[5] is not None,
    ),
    "comment.reopen": Case(
        lambda c: (f"/comments/{c['resolved']}/reopen", {}),
        _comment_action(COMMENT_RESOLVERS),
        lambda before, after, ctx: _comment(after, ctx["resolved"])[5] is None,
    ),
    "comment.edit": Case(
        lambda c: (f"/comments/{c['thread']}/edit", {"body": "Ändrad kommentar"}),
        _comment_action((WRITER,)),
        lambda before, after, ctx: _comment(after, ctx["thread"])[4] == "Ändrad kommentar",
    ),
    "comment.delete": Case(
        lambda c: (f"/comments/{c['thread']}/delete", {}),
        _comment_action((WRITER,)),
        lambda before, after, ctx: _comment(after, ctx["thread"]) is None,
    ),
    "comment.edit-replied": Case(
        lambda c: (f"/comments/{c['replied']}/edit", {"body": "Ändrad kommentar"}),
        _comment_action((WRITER,), refused_in_state=409),
        None,
    ),
    "comment.delete-replied": Case(
        lambda c: (f"/comments/{c['replied']}/delete", {}), _comment_action((WRITER,), refused_in_state=409), None
    ),
    # Presence: a heartbeat is refused like an edit; leaving (whatever the block's state) only
    # removes your own row, and only the block's writers can have one.
    "presence.heartbeat": Case(
        lambda c: (f"/blocks/{c['edit']}/presence", {}),
        _writer_edit(204),
        lambda before, after, ctx: (
            _presence(after, ctx["edit"], ctx["user"]) != _presence(before, ctx["edit"], ctx["user"])
        ),
    ),
    "presence.leave": Case(
        lambda c: (f"/blocks/{c['edit']}/presence/leave", {}),
        # Refused on a locked report like every POST into it (webapp/locking.py).
        _writer_edit(204),
        lambda before, after, ctx: (
            _presence(before, ctx["edit"], ctx["user"]) is not None
            and _presence(after, ctx["edit"], ctx["user"]) is None
            and len(after["presence"]) == len(before["presence"]) - 1
        ),
    ),
    # Import into a statistics table.
    "import.preview": Case(
        lambda c: (f"/blocks/{c['table']}/tables/visits/import/preview", _import_data(c)), _writer_edit(200), None
    ),
    "import.apply": Case(
        lambda c: (f"/blocks/{c['table']}/tables/visits/import/apply", _import_data(c)),
        _writer_edit(302),
        _draft_written("table"),
    ),
    # Notifications: only the user's own rows, whatever the report's state.
    "notification.read-own": Case(
        lambda c: (f"/notifications/{c['own_notification']}/read", {}),
        lambda role, state: 302,
        _notifications_read("one"),
    ),
    "notification.read-other": Case(
        lambda c: (f"/notifications/{c['other_notification']}/read", {}), lambda role, state: 404, None
    ),
    "notification.read-all": Case(
        lambda c: ("/notifications/read-all", {}), lambda role, state: 302, _notifications_read("all")
    ),
}


def expected(endpoint: str, role: str, state: str) -> int | str:
    if role == ANON:
        return "login"
    return CASES[endpoint].expect(role, state)


def _context(ids: dict, state: str, role: str, fp: dict) -> dict:
    ctx = {name.split(".", 1)[1]: value for name, value in ids.items() if name.startswith(f"{state}.")}
    ctx["report"] = REPORT_OF[state]
    ctx["fp"] = fp
    ctx["user"] = ids.get(f"user.{role}")
    outsider = ids["user.outsider"]
    own = [row[0] for row in fp["notifications"] if row[1] == ctx["user"]]
    ctx["own_notification"] = own[0] if own else next(row[0] for row in fp["notifications"])
    ctx["other_notification"] = next(row[0] for row in fp["notifications"] if row[1] == outsider)
    return ctx


def _client(app: Flask, role: str) -> tuple[FlaskClient, str]:
    """A client signed in as the role (or not), and the CSRF token of its session."""
    client = app.test_client()
    token = csrf_token(client, "/login")
    if role != ANON:
        response = sign_in(client, EMAILS[role])
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client, token


MATRIX = [(endpoint, role, state) for endpoint in CASES for state in STATES for role in ROLES]


@pytest.mark.own_database_state  # `world` puts this module's rows in place
@pytest.mark.parametrize(("endpoint", "role", "state"), MATRIX, ids=[f"{e}-{s}-{r}" for e, r, s in MATRIX])
def test_permission_matrix(app, world, endpoint, role, state):
    case = CASES[endpoint]
    client, token = _client(app, role)
    before = fingerprint(app)
    ctx = _context(world, state, role, before)
    url, data = case.request(ctx)
    response = client.post(url, data={**data, "csrf_token": token})
    after = fingerprint(app)
    want = expected(endpoint, role, state)
    where = f"{endpoint} as {role} on the {state} report: POST {url} {data}"
    body = response.get_data(as_text=True)[:300] if response.status_code >= 400 else response.headers.get("Location")

    if want == "login":
        assert response.status_code == 302, (where, response.status_code, body)
        assert response.headers["Location"].startswith("/login"), (where, response.headers["Location"])
    elif want == "redirect-back":
        assert response.status_code == 302, (where, response.status_code, body)
        assert response.headers["Location"].startswith(f"/blocks/{ctx['edit']}"), (where, body)
    else:
        assert response.status_code == want, (where, f"expected {want}, got {response.status_code}", body)

    refused = want in ("login", "redirect-back") or want >= 400
    if refused or case.changed is None:
        changed = {key for key in before if before[key] != after[key]}
        assert not changed, (where, "refused or not a mutation, yet these changed:", changed)
    else:
        assert case.changed(before, after, ctx), (where, "allowed, but the change is not in the database")
