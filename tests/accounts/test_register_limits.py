"""Joining limits: a sign-up afternoon on one wifi goes through; one e-mail address used again and again does not,
and the form comes back as it was filled in."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.accounts.models import Neighbour
from buurthulp.extensions import db
from tests.factories import make_neighbourhood


def join(client, n: int | str, address="192.0.2.7", **fields):
    data = {"display_name": f"Buurtgenoot {n}", "email": f"buur{n}@example.org", "password": "zomer in zuilen",
            "postcode": "3554 AB", **fields}
    return client.post("/register", data, environ_base={"REMOTE_ADDR": address})


def test_twenty_neighbours_join_from_one_community_centre_address(client):
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    assert [join(client, i).status_code for i in range(20)] == [200] * 20
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Neighbour)) == 20


def test_one_e_mail_address_joined_again_and_again_is_limited_and_the_form_kept(client, outbox):
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    statuses = [join(client, "x", address=f"198.51.100.{i}").status_code for i in range(3)]
    assert statuses == [200] * 3
    response = join(client, "x", address="198.51.100.9", display_name="Ria de Vries", postcode="3554 AB")
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    # what was typed is still there, but not the password
    assert 'value="Ria de Vries"' in text and 'value="buurx@example.org"' in text and 'value="3554 AB"' in text
    assert "zomer in zuilen" not in text
    # said at the e-mail field, in Dutch, and linked from the summary
    assert 'href="#email"' in text and 'id="email-error"' in text
    assert "Met dit e-mailadres is het afgelopen uur al een paar keer aangemeld" in text
    # another address from the same place is not held up
    assert join(client, "y", address="198.51.100.9").status_code == 200


def test_the_address_limit_keeps_the_form_and_says_why(app, client):
    app.config["REGISTER_ADDRESS_RATE_LIMIT"] = "2 per hour"
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    assert [join(client, i).status_code for i in range(2)] == [200, 200]
    response = join(client, 3, display_name="Henk")
    assert response.status_code == 429
    text = response.get_data(as_text=True)
    assert 'value="Henk"' in text and 'role="alert"' in text and "Wacht een kwartier" in text


def test_mistakes_in_the_form_do_not_count_towards_the_limits(app, client):
    app.config["REGISTER_ADDRESS_RATE_LIMIT"] = "2 per hour"
    make_neighbourhood("Zuilen", ["3554"])
    db.session.commit()
    assert [join(client, 1, password="kort").status_code for _ in range(5)] == [400] * 5
    assert join(client, 1).status_code == 200
