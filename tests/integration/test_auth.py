"""Signing in and out; every page but sign-in needs a user."""

from tests.conftest import DEMO_PASSWORD, csrf_token, sign_in
from tests.integration.helpers import post
from webapp.extensions import db
from webapp.models import User

WRITER = "skribent.crossroads@demo.iop"
WRONG_CREDENTIALS = "Fel e-postadress eller lösenord."


def test_sign_in_leads_to_my_blocks(client, demo):
    response = sign_in(client, WRITER)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Mina bidrag" in page and "Anna Lindqvist" in page


def test_wrong_password_and_unknown_user_get_the_same_message(client, demo):
    wrong = sign_in(client, WRITER, "fel-lösenord")
    unknown = sign_in(client, "ingen@demo.iop", DEMO_PASSWORD)
    assert wrong.status_code == unknown.status_code == 422
    assert WRONG_CREDENTIALS in wrong.get_data(as_text=True)
    assert WRONG_CREDENTIALS in unknown.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_email_is_matched_without_regard_to_case(client, demo):
    assert sign_in(client, WRITER.upper()).status_code == 302


def test_empty_form_gets_field_errors(client, demo):
    response = client.post("/login", data={"csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Fyll i din e-postadress." in page and "Fyll i ditt lösenord." in page


def test_deactivated_user_is_refused_and_signed_out(app, client, demo):
    assert sign_in(client, WRITER).status_code == 302
    with app.app_context():
        user = db.session.query(User).filter_by(email=WRITER).one()
        user.active = False
        db.session.commit()
    assert client.get("/").status_code == 302  # the running session ends
    assert sign_in(client, WRITER).status_code == 422


def test_sign_out(client, demo):
    sign_in(client, WRITER)
    response = post(client, "/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_every_page_but_sign_in_and_health_needs_a_user(app, client, demo):
    for url in ("/", "/reports/1", "/reports/1/preview", "/reports/1/draft.pdf", "/blocks/1", "/blocks/1/revisions/1"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login")
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_htmx_request_without_user_is_sent_to_sign_in(client, demo):
    response = client.get("/", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == "/login"


def test_sign_in_never_redirects_off_site(client, demo):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": WRITER, "password": DEMO_PASSWORD, "csrf_token": token, "next": "//evil.example/x"}
    )
    assert response.headers["Location"] == "/"


def test_csrf_is_required_for_sign_in_and_sign_out(client, demo):
    response = client.post("/login", data={"email": WRITER, "password": DEMO_PASSWORD})
    assert response.status_code == 400
    assert "säkerhetstoken" in response.get_data(as_text=True)
    sign_in(client, WRITER)
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in
