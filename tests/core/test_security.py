"""HSTS, the development outbox only for this machine, the client address behind a proxy."""

import pytest
from flask import request

from buurthulp import create_app
from buurthulp.extensions import db
from buurthulp.mail import queue_email
from config import DevConfig, ProductionConfig
from tests.conftest import CSRF_RE
from tests.factories import make_neighbour, make_neighbourhood


@pytest.fixture
def config_overrides(request):
    return getattr(request, "param", {})


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize("config_overrides", [{"HSTS_SECONDS": 600}], indirect=True)
def test_hsts_when_configured(client):
    assert client.get("/").headers["Strict-Transport-Security"] == "max-age=600"
    assert client.get("/no-such-page").headers["Strict-Transport-Security"] == "max-age=600"


def test_production_sends_hsts_for_a_year(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 32)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "https://buurthulp.example")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    app = create_app(ProductionConfig)
    with app.app_context():
        db.create_all()
        response = app.test_client().get("/privacy")
        db.drop_all()
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert not app.config["OUTBOX_PAGE"]


@pytest.fixture
def a_mail(app):
    ria = make_neighbour(make_neighbourhood(), email="ria@example.org")
    queue_email(db.session, ria.email, "accounts/reset", "nl", neighbour=ria, minutes=5, url="http://localhost/x")
    db.session.commit()


@pytest.mark.parametrize("address", ["127.0.0.1", "::1"])
def test_outbox_for_this_machine(client, a_mail, address):
    assert client.get("/dev/outbox", environ_base={"REMOTE_ADDR": address}).status_code == 200


@pytest.mark.parametrize("address", ["192.168.1.20", "10.0.0.3", "203.0.113.5", "fe80::1", "::ffff:127.0.0.1"])
def test_outbox_is_not_served_to_the_network(client, a_mail, address):
    page = client.get("/dev/outbox", environ_base={"REMOTE_ADDR": address})
    assert page.status_code == 404
    assert "ria@example.org" not in page.get_data(as_text=True)


def test_outbox_is_not_served_through_a_proxy_on_this_machine(client, a_mail):
    # a proxy here without PROXY_FIX_X_FOR: remote_addr is the proxy's own 127.0.0.1
    assert client.get("/dev/outbox", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
    assert client.get("/dev/outbox", headers={"Forwarded": "for=203.0.113.5"}).status_code == 404


@pytest.mark.parametrize("config_overrides", [{"PROXY_FIX_X_FOR": 1}], indirect=True)
def test_outbox_behind_a_configured_proxy_sees_the_real_client(client, a_mail):
    assert client.get("/dev/outbox", headers={"X-Forwarded-For": "203.0.113.5"}).status_code == 404
    assert client.get("/dev/outbox").status_code == 200  # straight from this machine


@pytest.mark.parametrize("config_overrides", [{"OUTBOX_PAGE": False}], indirect=True)
def test_outbox_only_in_development(client, a_mail):
    assert client.get("/dev/outbox").status_code == 404


def test_development_is_the_only_config_with_an_outbox_page():
    assert DevConfig.OUTBOX_PAGE and not ProductionConfig.OUTBOX_PAGE


@pytest.mark.parametrize("config_overrides", [{"PROXY_FIX_X_FOR": 1}], indirect=True)
def test_proxy_fix_takes_the_client_from_x_forwarded_for(app):
    seen = {}

    @app.route("/test-whoami")
    def whoami():
        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return ""

    app.test_client().get("/test-whoami", headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.5",
                                                   "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.5", "scheme": "https"}  # the one our proxy added


def test_without_proxy_fix_x_forwarded_for_is_ignored(app):
    seen = {}

    @app.route("/test-whoami")
    def whoami():
        seen.update(addr=request.remote_addr, scheme=request.scheme)
        return ""

    app.test_client().get("/test-whoami", headers={"X-Forwarded-For": "203.0.113.5", "X-Forwarded-Proto": "https"},
                          environ_base={"REMOTE_ADDR": "192.0.2.1"})
    assert seen == {"addr": "192.0.2.1", "scheme": "http"}


def test_a_refusal_that_no_route_catches_is_a_message_and_a_way_back_not_a_500(app, client):
    """One handler for DomainError (buurthulp.web.refused_and_back): the change is undone, the reason shown."""
    from buurthulp.errors import DomainError

    @app.route("/test-refusal", methods=["POST"])
    def refusal():
        raise DomainError("Not now, please.")

    response = client.post("/test-refusal", headers={"Referer": "http://localhost/privacy"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/privacy")
    assert "Not now, please." in client.get("/privacy").get_data(as_text=True)
    away = client.post("/test-refusal", headers={"Referer": "https://evil.example/"})
    assert away.status_code == 302 and "evil" not in away.headers["Location"]


def test_a_token_read_from_a_real_form_is_accepted_and_a_made_up_one_is_not(app, client):
    """The test client makes its CSRF tokens as Flask-WTF does (tests/conftest.py); this checks the real thing."""
    make_neighbour(make_neighbourhood("Zuilen", ["3554"]), email="ria@example.org", password="correct horse battery")
    db.session.commit()
    page = client.get("/login").get_data(as_text=True)
    real = CSRF_RE.search(page).group(1)
    form = {"email": "ria@example.org", "password": "correct horse battery"}
    assert client.post("/login", data={**form, "csrf_token": real + "x"}).status_code == 400
    assert client.post("/login", data={**form, "csrf_token": real}).status_code == 302
    assert client.post("/logout", data={"csrf_token": client.csrf_token()}).status_code == 302
