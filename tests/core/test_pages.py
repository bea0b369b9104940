"""The layout, language switch, security headers and error pages."""

import pytest

from buurthulp import create_app
from buurthulp.extensions import db
from config import ProductionConfig
from tests.factories import make_neighbour, make_neighbourhood


def test_home_is_dutch_by_default_even_for_an_english_browser(client):
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="nl">' in page
    assert "Ik zoek hulp" in page and "Ik bied hulp" in page


def test_layout_has_skip_link_landmarks_and_no_remote_assets(client):
    page = client.get("/").get_data(as_text=True)
    assert 'href="#main"' in page and '<main id="main"' in page
    assert "<header" in page and "<nav" in page and "<footer" in page
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page


def test_language_switch_is_remembered(client):
    response = client.post("/language", {"locale": "en", "next": "/privacy"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/privacy")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page and "I am looking for help" in page
    client.post("/language", {"locale": "nl"})
    assert '<html lang="nl">' in client.get("/").get_data(as_text=True)


def test_language_switch_is_saved_on_the_profile(client):
    ria = make_neighbour(make_neighbourhood(), email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    client.post("/language", {"locale": "en"})
    db.session.refresh(ria)
    assert ria.locale == "en"


def test_language_switch_refuses_unknown_language_and_missing_csrf(client):
    assert client.post("/language", {"locale": "fr"}).status_code == 400
    assert client.post("/language", {"locale": "en"}, csrf=False).status_code == 400
    assert client.get("/language").status_code == 405


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_style(client):
    page = client.get("/register").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and " onclick=" not in page


def test_session_cookie_flags(client):
    response = client.get("/privacy")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(ProductionConfig)


def test_production_refuses_to_start_without_public_url(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 32)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "")
    with pytest.raises(RuntimeError, match="PUBLIC_URL"):
        create_app(ProductionConfig)


def test_production_cookies_are_secure(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "x" * 32)
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "https://buurthulp.example")
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    app = create_app(ProductionConfig)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert not app.config["DEBUG"]


@pytest.mark.parametrize("locale, text", [("nl", "Pagina niet gevonden"), ("en", "Page not found")])
def test_404_in_both_languages(client, locale, text):
    client.post("/language", {"locale": locale})
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_403_page(client):
    make_neighbour(make_neighbourhood(), email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "<h1>" in response.get_data(as_text=True)


def test_400_on_a_missing_csrf_token_is_a_clear_page(client):
    response = client.post("/register", {"email": "x@example.org"}, csrf=False)
    assert response.status_code == 400
    assert "formulier" in response.get_data(as_text=True).lower()


@pytest.mark.parametrize("locale, text", [("nl", "Er ging bij ons iets mis"), ("en", "Something went wrong")])
def test_500_page_in_both_languages(app, client, locale, text):
    @app.route("/test-crash")
    def crash():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    client.post("/language", {"locale": locale})
    response = client.get("/test-crash")
    assert response.status_code == 500
    assert text in response.get_data(as_text=True)


def test_static_css_is_served_locally(client):
    response = client.get("/static/css/buurthulp.css")
    assert response.status_code == 200
    assert b"focus-visible" in response.data


def test_privacy_page(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert "BSN" in page


def test_neighbourhood_page(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    db.session.commit()
    page = client.get("/neighbourhoods/zuilen").get_data(as_text=True)
    assert "Zuilen" in page and "Ondiep" in page
    assert client.get("/neighbourhoods/nowhere").status_code == 404


def test_postcode_lookup(client):
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    assert client.get("/postcode-lookup?postcode=3554ab").get_json()["neighbourhood"] == {"id": zuilen.id, "name": "Zuilen"}
    assert client.get("/postcode-lookup?postcode=9999ZZ").get_json()["neighbourhood"] is None
    assert client.get("/postcode-lookup?postcode=0000").status_code == 400


def test_home_for_a_neighbour_shows_their_neighbourhood(client):
    hood = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(hood, email="ria@example.org", name="Ria")
    db.session.commit()
    client.login("ria@example.org")
    page = client.get("/").get_data(as_text=True)
    assert "Ria" in page and "Zuilen" in page
