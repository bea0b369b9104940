"""Joining: the form, the neighbourhood from the postcode, the confirmation link."""

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from tests.conftest import CSRF_RE, link_in, mail_html, mail_text
from tests.factories import make_neighbour, make_neighbourhood

GOOD = {"display_name": "Ria", "email": "Ria@Example.org", "password": "zomer in zuilen", "postcode": "3554ab",
        "neighbourhood": "0"}


def neighbour(email="ria@example.org"):
    return db.session.scalar(sa.select(Neighbour).where(Neighbour.email == email))


def setup_hoods():
    zuilen = make_neighbourhood("Zuilen", ["3554", "3555"])
    ondiep = make_neighbourhood("Ondiep", ["3552", "3553AB"], adjacent=[zuilen])
    db.session.commit()
    return zuilen, ondiep


def test_register_proposes_neighbourhood_from_postcode_and_mails_a_link(client, outbox):
    zuilen, _ = setup_hoods()
    response = client.post("/register", GOOD)
    assert response.status_code == 200
    assert "ria@example.org" in response.get_data(as_text=True)  # "check your mail"
    ria = neighbour()
    assert ria.display_name == "Ria"
    assert ria.postcode == "3554 AB"
    assert ria.neighbourhood_id == zuilen.id
    assert GOOD["password"] not in ria.password_hash and ria.check_password(GOOD["password"])
    assert ria.email_confirmed_at is None
    (mail,) = outbox()
    assert mail["To"] == "ria@example.org"
    assert "Bevestig" in mail["Subject"] or "Confirm" in mail["Subject"]
    assert "/confirm/" in mail_text(mail) and "/confirm/" in mail_html(mail)
    # not logged in yet: the link confirms, then the log-in page leads to the profile's welcome
    assert client.get("/profile").status_code == 302
    response = client.get(link_in(mail, "/confirm/"))
    assert response.status_code == 302 and "/login?" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="ria@example.org"' in page and 'name="next" value="/profile?welcome=1"' in page
    response = client.post("/login", {"email": "ria@example.org", "password": GOOD["password"],
                                      "next": "/profile?welcome=1"})
    assert response.headers["Location"].endswith("/profile?welcome=1")
    assert client.get("/profile?welcome=1").status_code == 200


def test_pc6_prefix_wins_over_pc4(client):
    _, ondiep = setup_hoods()
    make_neighbourhood("Elders", ["3553"])
    db.session.commit()
    client.post("/register", {**GOOD, "postcode": "3553 AB"})
    assert neighbour().neighbourhood_id == ondiep.id


def test_unknown_postcode_joins_without_a_neighbourhood(client):
    """No neighbourhood covers it: they join, and the profile says to ask an initiative (no choosing by hand)."""
    zuilen, _ = setup_hoods()
    response = client.post("/register", {**GOOD, "postcode": "9999 ZZ", "neighbourhood": str(zuilen.id)})
    assert response.status_code == 200
    assert neighbour().neighbourhood_id is None


def test_a_neighbourhood_far_from_the_postcode_cannot_be_chosen(client):
    zuilen, ondiep = setup_hoods()
    assert client.post("/register", {**GOOD, "neighbourhood": str(ondiep.id)}).status_code == 200
    assert neighbour().neighbourhood_id == zuilen.id  # the postcode's, not the one asked for


def test_bad_postcode_gets_a_dutch_message(client):
    setup_hoods()
    response = client.post("/register", {**GOOD, "postcode": "3554 SS"})
    assert response.status_code == 400
    assert "3554 AB" in response.get_data(as_text=True)  # the message shows the expected format
    assert neighbour() is None


def test_short_and_common_passwords_are_refused(client):
    setup_hoods()
    for password in ["kort", "password123", "qwertyuiop", "aaaaaaaaaaaa", "ria@example.org"]:
        response = client.post("/register", {**GOOD, "password": password})
        assert response.status_code == 400, password
        assert neighbour() is None


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_mail(client, make_client, outbox):
    setup_hoods()
    new = client.post("/register", GOOD)
    taken = make_client().post("/register", {**GOOD, "email": "ria@EXAMPLE.org", "display_name": "Another",
                                             "password": "een heel ander wachtwoord"})
    assert taken.status_code == new.status_code == 200

    def page(response):  # the CSRF token (with its timestamp) is the only difference
        return CSRF_RE.sub("csrf", response.get_data(as_text=True))

    assert page(taken) == page(new)
    assert sorted(taken.headers.keys()) == sorted(new.headers.keys())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbour)) == 1
    assert neighbour().display_name == "Ria" and neighbour().check_password(GOOD["password"])
    confirm, warning = outbox()
    assert warning["To"] == "ria@example.org"
    assert "/confirm/" not in mail_text(warning)
    assert "/login?email=ria@example.org" in mail_text(warning) and "/reset-password/" in mail_text(warning)
    assert "/reset-password/" in mail_html(warning)


def test_the_owner_is_warned_in_their_own_language(client, outbox):
    hood = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(hood, email="ria@example.org", name="Ria", locale="en")
    db.session.commit()
    client.post("/language", {"locale": "nl"})
    assert client.post("/register", GOOD).status_code == 200
    (mail,) = outbox()
    assert mail["Subject"] == "Someone tried to join buurthulp with your e-mail address"
    assert "You already have an account" in mail_text(mail)
    # the reset link in it works
    assert client.get(link_in(mail, "/reset-password/")).status_code == 200


def test_a_weak_password_is_refused_also_for_a_taken_address(client, outbox):
    setup_hoods()
    make_neighbour(email="ria@example.org")
    db.session.commit()
    assert client.post("/register", {**GOOD, "password": "kort"}).status_code == 400
    assert outbox() == []


def test_missing_fields_and_too_long_name(client):
    setup_hoods()
    assert client.post("/register", {}).status_code == 400
    assert client.post("/register", {**GOOD, "display_name": "x" * 81}).status_code == 400
    assert client.post("/register", {**GOOD, "email": "not-an-address"}).status_code == 400
    assert neighbour() is None


def test_register_without_csrf_is_refused(client):
    setup_hoods()
    response = client.post("/register", GOOD, csrf=False)
    assert response.status_code == 400
    assert neighbour() is None


def test_confirm_link_confirms(client, outbox):
    setup_hoods()
    client.post("/register", GOOD)
    link = link_in(outbox()[0], "/confirm/")
    response = client.get(link)
    assert response.status_code == 302
    assert neighbour().email_confirmed_at is not None
    # opening it again does no harm
    assert client.get(link).status_code == 302


def test_tampered_confirm_link_is_refused(client, outbox):
    setup_hoods()
    client.post("/register", GOOD)
    link = link_in(outbox()[0], "/confirm/")
    response = client.get(link[:-3] + "abc")
    assert response.status_code == 400
    assert neighbour().email_confirmed_at is None


def test_expired_confirm_link_is_refused(app, client, outbox):
    setup_hoods()
    client.post("/register", GOOD)
    link = link_in(outbox()[0], "/confirm/")
    app.config["EMAIL_TOKEN_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert neighbour().email_confirmed_at is None


def test_resend_confirmation(client, outbox):
    setup_hoods()
    client.post("/register", GOOD)
    client.login("ria@example.org", GOOD["password"])  # before confirming, too
    response = client.post("/confirm", {"next": "/profile"})
    assert response.status_code == 302
    assert len(outbox()) == 2


def test_confirm_link_for_old_address_is_refused(client, outbox):
    setup_hoods()
    client.post("/register", GOOD)
    link = link_in(outbox()[0], "/confirm/")
    ria = neighbour()
    ria.email = "ria.new@example.org"
    db.session.commit()
    assert client.get(link).status_code == 400


def test_name_with_html_is_escaped(client):
    setup_hoods()
    client.post("/register", {**GOOD, "display_name": "<script>alert(1)</script>"})
    client.login("ria@example.org", GOOD["password"])
    page = client.get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_logged_in_neighbour_is_sent_home_from_register(client):
    hood = make_neighbourhood()
    make_neighbour(hood, email="a@example.org")
    db.session.commit()
    client.login("a@example.org")
    assert client.get("/register").status_code == 302


def test_passwords_are_hashed_with_scrypt_outside_tests():
    from config import Config, DevConfig, ProductionConfig

    assert Config.PASSWORD_HASH_METHOD == DevConfig.PASSWORD_HASH_METHOD == ProductionConfig.PASSWORD_HASH_METHOD == "scrypt"
