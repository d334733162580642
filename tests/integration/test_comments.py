"""Comment threads: start with a quote, reply, resolve, reopen, edit/delete rules, locked, XSS."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.helpers import block_version, find_block, post
from webapp.extensions import db
from webapp.models import AuditEvent, Comment, Notification, User

WRITER = "skribent.crossroads@demo.iop"
OTHER_WRITER = "skribent.stadsmissionen-natt@demo.iop"
CHAIR = "ordforande@demo.iop"


@pytest.fixture
def block_id(app, demo):
    return find_block(app, "dag-besok", "crossroads")


def _save(client, block_id, text, version):
    return post(client, f"/blocks/{block_id}/save", {"source": text, "base_version": version})


def _comments(app, block_id):
    with app.app_context():
        rows = [
            (c.id, c.parent_id, c.source, c.quote, c.resolved_at is not None, c.edited_at is not None)
            for c in db.session.scalars(select(Comment).where(Comment.block_id == block_id).order_by(Comment.id))
        ]
        db.session.remove()
        return rows


def _audit(app, prefix="comment."):
    with app.app_context():
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action.startswith(prefix)).order_by(AuditEvent.id)
            )
        )
        db.session.remove()
        return actions


def _notified(app, email):
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
        kinds = list(db.session.scalars(select(Notification.kind).where(Notification.user_id == user_id)))
        db.session.remove()
        return kinds


def _reviewer_email(app):
    with app.app_context():
        emails = [u.email for u in db.session.scalars(select(User).where(User.email.like("granskare.%")))]
        db.session.remove()
    return sorted(emails)[0]


def _start(client, block_id, body="Kan ni förtydliga?", htmx=False, **extra):
    return post(client, f"/blocks/{block_id}/comments", {"body": body, **extra}, htmx=htmx)


def test_thread_with_quote_reply_resolve_reopen(app, signed_in, block_id):
    writer, reviewer = signed_in(WRITER), signed_in(_reviewer_email(app))
    assert (
        _save(writer, block_id, "Vi tog emot **många** besökare i år.", block_version(app, block_id)).status_code == 302
    )

    response = _start(reviewer, block_id, "Hur många *exakt*?", htmx=True, quote="Vi tog emot många besökare")
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert 'id="comments"' in fragment and "<em>exakt</em>" in fragment
    assert "Vi tog emot många besökare" in fragment and "Texten har ändrats" not in fragment
    [(thread_id, _parent, _body, quote, _resolved, _edited)] = _comments(app, block_id)
    assert quote == "Vi tog emot många besökare"
    assert "comment.new" in _notified(app, WRITER)  # the block's writer hears about it

    response = post(writer, f"/comments/{thread_id}/replies", {"body": "Ungefär 1 200."})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/blocks/{block_id}#thread-{thread_id}"
    )
    assert "comment.reply" in _notified(app, _reviewer_email(app))  # the thread's author hears the reply

    assert post(writer, f"/comments/{thread_id}/resolve", htmx=True).status_code == 200
    assert _comments(app, block_id)[0][4] is True
    page = writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Lösta trådar (1)" in page and "0 öppna trådar" in page

    assert post(reviewer, f"/comments/{thread_id}/reopen", htmx=True).status_code == 200
    assert _comments(app, block_id)[0][4] is False
    assert _audit(app) == ["comment.created", "comment.replied", "comment.resolved", "comment.reopened"]


def test_another_units_writer_may_comment_but_not_resolve(app, signed_in, block_id):
    _start(signed_in(CHAIR), block_id)
    [(thread_id, *_rest)] = _comments(app, block_id)
    other = signed_in(OTHER_WRITER)
    assert _start(other, block_id, "Vi undrar också.").status_code == 302
    assert post(other, f"/comments/{thread_id}/resolve").status_code == 403
    assert _comments(app, block_id)[0][4] is False


def test_a_quote_whose_passage_changed_is_shown_as_changed(app, signed_in, block_id):
    writer = signed_in(WRITER)
    _save(writer, block_id, "Besöken ökade kraftigt under våren.", block_version(app, block_id))
    _start(signed_in(CHAIR), block_id, "Källa?", quote="ökade kraftigt")
    assert "Texten har ändrats sedan kommentaren skrevs." not in writer.get(f"/blocks/{block_id}").get_data(
        as_text=True
    )
    _save(writer, block_id, "Besöken ökade något under våren.", block_version(app, block_id))
    page = writer.get(f"/blocks/{block_id}").get_data(as_text=True)
    assert "Texten har ändrats sedan kommentaren skrevs." in page
    assert "ökade kraftigt" in page  # the quote is kept, not lost


def test_edit_and_delete_rules(app, signed_in, block_id):
    chair, writer = signed_in(CHAIR), signed_in(WRITER)
    _start(chair, block_id, "Första versionen")
    [(thread_id, *_rest)] = _comments(app, block_id)

    assert post(writer, f"/comments/{thread_id}/edit", {"body": "Kapat"}).status_code == 403
    assert post(writer, f"/comments/{thread_id}/delete").status_code == 403
    assert post(chair, f"/comments/{thread_id}/edit", {"body": "Andra versionen"}).status_code == 302
    assert _comments(app, block_id)[0][2:] == ("Andra versionen", None, False, True)

    post(writer, f"/comments/{thread_id}/replies", {"body": "Svar"})
    reply_id = _comments(app, block_id)[1][0]
    before = _comments(app, block_id)
    assert post(chair, f"/comments/{thread_id}/edit", {"body": "För sent"}).status_code == 409
    assert post(chair, f"/comments/{thread_id}/delete").status_code == 409
    assert _comments(app, block_id) == before

    assert post(chair, f"/comments/{reply_id}/delete").status_code == 403  # not chair's reply
    assert post(writer, f"/comments/{reply_id}/delete", htmx=True).status_code == 200
    assert post(chair, f"/comments/{thread_id}/delete").status_code == 302  # no replies left
    assert _comments(app, block_id) == []
    assert _audit(app)[-3:] == ["comment.replied", "comment.deleted", "comment.deleted"]


def test_bad_input_is_refused_with_422_and_nothing_saved(app, signed_in, block_id):
    chair = signed_in(CHAIR)
    for data in (
        {"body": "   "},
        {"body": "x" * 10_001},
        {"body": "Ok", "table_key": "finns-inte"},
        {"body": "Ok", "row_key": "2022-01"},
    ):
        response = post(chair, f"/blocks/{block_id}/comments", data, htmx=True)
        assert response.status_code == 422, data
        assert 'class="alert alert-error"' in response.get_data(as_text=True)
    response = _start(chair, block_id, "  ")
    assert response.status_code == 422 and "Skriv något i kommentaren." in response.get_data(as_text=True)
    assert _comments(app, block_id) == [] and _audit(app) == []


def test_a_table_cell_anchor_is_validated_against_the_blocks_tables(app, signed_in, block_id):
    """The test gives the block's section a month table of its own, whatever tables the demo has."""
    from webapp.models import Block
    from webapp.services.blocks.statistics import block_specs

    table = {"key": "anchor-visits", "kind": "visits", "title": "Besök per månad"}
    with app.app_context():
        block = db.session.get(Block, block_id)
        block.section.table_specs = [*(block.section.table_specs or ()), table]
        db.session.commit()
        spec = next(spec for spec in block_specs(block) if spec.key == table["key"])
        db.session.remove()
    assert spec.rows, "a visits table has a fixed row per month of the period"
    row, column = spec.rows[0].key, "women"
    chair = signed_in(CHAIR)
    assert _start(chair, block_id, "Stämmer siffran?", cell=f"{spec.key}|{row}|{column}").status_code == 302
    assert (
        post(
            chair,
            f"/blocks/{block_id}/comments",
            {"body": "x", "table_key": spec.key, "row_key": row, "column_key": "nope"},
        ).status_code
        == 422
    )
    with app.app_context():
        comment = db.session.scalars(select(Comment)).one()
        assert (comment.table_key, comment.row_key, comment.column_key) == (spec.key, row, column)
        db.session.remove()


def test_locked_report_refuses_every_comment_action(app, signed_in):
    locked_block = find_block(app, "dag-besok", "crossroads", report_id=1)
    # A thread from before the lock.
    with app.app_context():
        chair_id = db.session.scalar(select(User.id).where(User.email == CHAIR))
        thread = Comment(block_id=locked_block, author_id=chair_id, source="Gammal", html="<p>Gammal</p>")
        db.session.add(thread)
        db.session.commit()
        thread_id = thread.id
        db.session.remove()
    chair = signed_in(CHAIR)
    before = (_comments(app, locked_block), _audit(app, ""))
    for url, data in (
        (f"/blocks/{locked_block}/comments", {"body": "Sent"}),
        (f"/comments/{thread_id}/replies", {"body": "Sent"}),
        (f"/comments/{thread_id}/resolve", {}),
        (f"/comments/{thread_id}/edit", {"body": "Ändrad"}),
        (f"/comments/{thread_id}/delete", {}),
    ):
        for htmx in (False, True):
            assert post(chair, url, data, htmx=htmx).status_code == 409, url
    assert (_comments(app, locked_block), _audit(app, "")) == before
    page = chair.get(f"/blocks/{locked_block}").get_data(as_text=True)
    assert "Gammal" in page and f'action="/blocks/{locked_block}/comments"' not in page


def test_markdown_in_comments_comes_out_inert(app, signed_in, block_id):
    chair = signed_in(CHAIR)
    body = "<script>alert(1)</script> [klicka](javascript:alert(2)) <img src=x onerror=alert(3)>"
    fragment = _start(chair, block_id, body, htmx=True).get_data(as_text=True)
    page = chair.get(f"/blocks/{block_id}").get_data(as_text=True)
    for html in (fragment, page):
        comments = html.split('id="comments"', 1)[1].split("</section>", 1)[0]
        rendered = comments.split('class="rendered comment-body">', 1)[1].split("</div>", 1)[0]
        assert "klicka" in rendered
        assert "<script" not in rendered and "<img" not in rendered
        assert 'href="javascript' not in rendered.lower() and "onerror=" not in rendered.replace(
            "&lt;img src=x onerror=", ""
        )
        assert "<script" not in comments  # the source in the edit box is escaped too


def test_overview_shows_open_thread_counts(app, signed_in, block_id):
    chair = signed_in(CHAIR)
    _start(chair, block_id, "Ett")
    _start(chair, block_id, "Två")
    _start(chair, block_id, "Tre")
    third = _comments(app, block_id)[2][0]
    post(chair, f"/comments/{third}/resolve")
    page = chair.get("/reports/2").get_data(as_text=True)
    assert page.count("öppna trådar") == 1 and "2 öppna trådar" in page


def test_threads_fragment_and_anonymous(app, signed_in, client, block_id):
    assert client.get(f"/blocks/{block_id}/comments").status_code in (302, 403)
    response = signed_in(WRITER).get(f"/blocks/{block_id}/comments", headers={"HX-Request": "true"})
    assert response.status_code == 200 and 'id="comments"' in response.get_data(as_text=True)


def test_comment_counts_do_not_cost_queries_per_thread(app, signed_in, block_id, count_queries):
    chair = signed_in(CHAIR)
    _start(chair, block_id, "Ett")
    counts = []
    for body in ("Två", "Tre"):
        with count_queries() as counter:
            chair.get(f"/blocks/{block_id}")
        counts.append(counter.count)
        thread = _comments(app, block_id)[-1][0]
        post(chair, f"/comments/{thread}/replies", {"body": body})
        _start(chair, block_id, body)
    with count_queries() as counter:
        chair.get(f"/blocks/{block_id}")
    assert counter.count == counts[0]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 5
        db.session.remove()
