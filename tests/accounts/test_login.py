"""Logging in and out, remember me, rate limits, password reset and change."""

import pytest

from buurthulp.extensions import db
from tests.conftest import CSRF_RE, link_in
from tests.factories import PASSWORD, make_neighbour, make_neighbourhood


@pytest.fixture
def ria():
    hood = make_neighbourhood("Zuilen", ["3554"])
    ria = make_neighbour(hood, email="ria@example.org", name="Ria")
    db.session.commit()
    return ria


def test_log_in_and_out(client, ria):
    response = client.post("/login", {"email": "RIA@example.org ", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert ria.last_login_at is not None
    response = client.logout()
    assert response.status_code == 302
    assert client.get("/profile").status_code == 302


def test_wrong_password_gets_a_message_and_400(client, ria):
    response = client.post("/login", {"email": "ria@example.org", "password": "wrong password"})
    assert response.status_code == 400
    assert client.get("/profile").status_code == 302


def test_unknown_address_looks_the_same_as_a_wrong_password(client, ria):
    wrong_password = client.post("/login", {"email": "ria@example.org", "password": "wrong password"})
    unknown = client.post("/login", {"email": "nobody@example.org", "password": "wrong password"})
    assert unknown.status_code == wrong_password.status_code == 400
    def error(r):
        page = r.get_data(as_text=True)
        return page[page.index('class="field-error"'):].split("</p>")[0]
    assert error(unknown) == error(wrong_password)


def test_logout_needs_post_with_csrf(client, ria):
    client.login("ria@example.org")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", csrf=False).status_code == 400
    assert client.get("/profile").status_code == 200


def test_login_redirects_to_next_but_only_on_this_site(client, ria):
    response = client.post("/login", {"email": "ria@example.org", "password": PASSWORD, "next": "/initiatives"})
    assert response.headers["Location"].endswith("/initiatives")
    client.logout()
    response = client.post("/login", {"email": "ria@example.org", "password": PASSWORD, "next": "//evil.example/x"})
    assert "evil" not in response.headers["Location"]


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"] and "next=" in response.headers["Location"]


def test_remember_me_sets_a_lasting_cookie(client, ria):
    response = client.post("/login", {"email": "ria@example.org", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    other = client.http.application.test_client()
    response = other.post("/login", data={})  # no remember cookie without ticking the box
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_remember_cookie_logs_in_after_the_session_is_gone(app, client, ria):
    client.post("/login", {"email": "ria@example.org", "password": PASSWORD, "remember": "y"})
    client.http.delete_cookie("session")
    assert client.get("/profile").status_code == 200


def test_login_attempts_are_rate_limited(client, ria):
    statuses = [client.post("/login", {"email": "ria@example.org", "password": "wrong password"}).status_code
                for _ in range(6)]
    assert statuses == [400] * 5 + [429]  # LOGIN_ACCOUNT_RATE_LIMIT: 5 per minute
    page = client.post("/login", {"email": "ria@example.org", "password": PASSWORD})
    assert page.status_code == 429
    assert "Retry-After" in page.headers
    assert "<h1>" in page.get_data(as_text=True)  # a page with a clear message, in the layout


def test_deleted_or_passwordless_neighbour_cannot_log_in(client, ria):
    ria.password_hash = None
    db.session.commit()
    assert client.post("/login", {"email": "ria@example.org", "password": PASSWORD}).status_code == 400


def test_password_reset(client, outbox, ria):
    response = client.post("/forgot-password", {"email": "ria@example.org"})
    assert response.status_code == 200
    (mail,) = outbox()
    link = link_in(mail, "/reset-password/")
    assert client.get(link).status_code == 200
    response = client.post(link, {"password": "nieuw wachtwoord hier", "confirm": "nieuw wachtwoord hier"})
    assert response.status_code == 302
    client.login("ria@example.org", "nieuw wachtwoord hier")
    # the link works only once
    assert client.get(link).status_code == 400


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, outbox, ria):
    known = client.post("/forgot-password", {"email": "ria@example.org"}).get_data(as_text=True)
    unknown = client.post("/forgot-password", {"email": "nobody@example.org"}).get_data(as_text=True)
    assert len(outbox()) == 1

    def same(page: str, address: str) -> str:
        # the CSRF token carries a timestamp in seconds: two pages a second apart differ there only
        return CSRF_RE.sub("csrf", page.replace(address, "X"))

    assert same(known, "ria@example.org") == same(unknown, "nobody@example.org")


def test_reset_refuses_weak_or_mismatched_password(client, outbox, ria):
    client.post("/forgot-password", {"email": "ria@example.org"})
    link = link_in(outbox()[0], "/reset-password/")
    assert client.post(link, {"password": "password123", "confirm": "password123"}).status_code == 400
    assert client.post(link, {"password": "een goede zin", "confirm": "een andere zin"}).status_code == 400
    client.login("ria@example.org")  # the old password still works


def test_expired_or_tampered_reset_link(app, client, outbox, ria):
    client.post("/forgot-password", {"email": "ria@example.org"})
    link = link_in(outbox()[0], "/reset-password/")
    assert client.get(link + "x").status_code == 400
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    assert client.get(link).status_code == 400
    assert client.post(link, {"password": "nieuw wachtwoord hier", "confirm": "nieuw wachtwoord hier"}).status_code == 400


def test_change_password_logs_out_other_sessions(make_client, ria):
    here, elsewhere = make_client(), make_client()
    here.login("ria@example.org")
    elsewhere.login("ria@example.org")
    response = here.post("/profile/password", {"current": PASSWORD, "password": "nieuw wachtwoord hier",
                                                "confirm": "nieuw wachtwoord hier"})
    assert response.status_code == 302
    assert here.get("/profile").status_code == 200
    assert elsewhere.get("/profile").status_code == 302


def test_change_password_needs_the_current_one(client, ria):
    client.login("ria@example.org")
    response = client.post("/profile/password", {"current": "not it at all", "password": "nieuw wachtwoord hier",
                                                  "confirm": "nieuw wachtwoord hier"})
    assert response.status_code == 400


def copied_cookies(client) -> dict[str, str]:
    return {name: client.http.get_cookie(name).value for name in ("session", "remember_token")
            if client.http.get_cookie(name) is not None}


def replay(make_client, cookies: dict[str, str]):
    """A fresh browser with copies of someone's cookies: is it logged in?"""
    thief = make_client()
    for name, value in cookies.items():
        thief.http.set_cookie(name, value)
    return thief.get("/profile").status_code == 200


@pytest.mark.parametrize("which", [("session",), ("remember_token",), ("session", "remember_token")])
def test_logout_ends_the_session_on_the_server(make_client, ria, which):
    ria_client = make_client()
    ria_client.post("/login", {"email": "ria@example.org", "password": PASSWORD, "remember": "y"})
    cookies = {k: v for k, v in copied_cookies(ria_client).items() if k in which}
    assert set(cookies) == set(which)
    assert replay(make_client, cookies)  # the copy works while Ria is logged in
    assert ria_client.logout().status_code == 302
    assert not replay(make_client, cookies)


def test_a_password_change_elsewhere_ends_copied_sessions(make_client, ria):
    here, elsewhere = make_client(), make_client()
    here.post("/login", {"email": "ria@example.org", "password": PASSWORD, "remember": "y"})
    cookies = copied_cookies(here)
    elsewhere.login("ria@example.org")
    elsewhere.post("/profile/password", {"current": PASSWORD, "password": "nieuw wachtwoord hier",
                                         "confirm": "nieuw wachtwoord hier"})
    assert not replay(make_client, cookies)
    assert not replay(make_client, {"remember_token": cookies["remember_token"]})
    assert elsewhere.get("/profile").status_code == 200  # where it was changed, one stays logged in


def test_a_password_reset_ends_copied_sessions(make_client, outbox, ria):
    here = make_client()
    here.post("/login", {"email": "ria@example.org", "password": PASSWORD, "remember": "y"})
    cookies = copied_cookies(here)
    other = make_client()
    other.post("/forgot-password", {"email": "ria@example.org"})
    link = link_in(outbox()[0], "/reset-password/")
    other.post(link, {"password": "nieuw wachtwoord hier", "confirm": "nieuw wachtwoord hier"})
    assert not replay(make_client, cookies)
    assert not replay(make_client, {"remember_token": cookies["remember_token"]})


def test_deleting_the_account_ends_copied_sessions(make_client, ria):
    here = make_client()
    here.post("/login", {"email": "ria@example.org", "password": PASSWORD, "remember": "y"})
    cookies = copied_cookies(here)
    assert here.post("/profile/delete", {"password": PASSWORD, "confirm": "y"}).status_code == 302
    assert not replay(make_client, cookies)
    assert not replay(make_client, {"remember_token": cookies["remember_token"]})


def test_logging_in_again_after_log_out_works(client, ria):
    client.login("ria@example.org")
    client.logout()
    client.login("ria@example.org")
    assert client.get("/profile").status_code == 200
