"""The one-click unsubscribe link: no log-in, no CSRF token; a signed token only for the address it went to."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from buurthulp.accounts.models import DigestPreference, Neighbour
from buurthulp.digest.services import recipients, send_month, unsubscribe_token
from buurthulp.extensions import db
from buurthulp.privacy import delete_account
from buurthulp.timeutil import add_months
from tests.digest.conftest import PUBLIC_URL, edition


def path_of(token: str) -> str:
    return f"/digest/unsubscribe/{token}"


def one_click(client, token: str, encoding: str = "urlencoded"):
    """What a mail program sends (RFC 8058): a POST without cookies, log-in or CSRF token."""
    if encoding == "multipart":
        return client.http.post(path_of(token), data={"List-Unsubscribe": "One-Click"},
                                content_type="multipart/form-data")
    return client.http.post(path_of(token), data="List-Unsubscribe=One-Click",
                            content_type="application/x-www-form-urlencoded")


def digest_of(neighbour_id: int) -> DigestPreference:
    db.session.expire_all()
    return db.session.get(Neighbour, neighbour_id).digest


def next_month_recipients() -> set[str]:
    return {n.email for n in db.session.scalars(recipients(add_months(edition(), 1)))}


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_from_the_mail_header(world, smtp, client, encoding):
    send_month(db.session, edition())
    header = smtp.digest_to("ria@example.org")["List-Unsubscribe"]
    url = header.strip("<>")
    assert url.startswith(f"{PUBLIC_URL}/digest/unsubscribe/")
    token = url.rsplit("/", 1)[1]

    response = one_click(client, token, encoding)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert digest_of(world.ids["ria"]) == DigestPreference.OFF
    assert "ria@example.org" not in next_month_recipients()
    assert "ahmed@example.org" in next_month_recipients()  # only her
    # a mail program may post twice
    assert one_click(client, token, encoding).status_code == 200
    assert digest_of(world.ids["ria"]) == DigestPreference.OFF


def test_the_link_asks_first_and_the_button_unsubscribes(world, client):
    token = unsubscribe_token(world.get("ria"))
    page = client.get(path_of(token))
    assert page.status_code == 200  # no log-in needed
    html = page.get_data(as_text=True)
    form = f'<form method="post" action="{path_of(token)}">'
    assert form in html
    assert "csrf_token" not in html.split(form, 1)[1].split("</form>", 1)[0]  # a mail program has none either
    assert digest_of(world.ids["ria"]) == DigestPreference.MONTHLY  # a link checker that opens it changes nothing

    done = client.http.post(path_of(token))  # the button: a plain form post
    assert done.status_code == 200
    assert digest_of(world.ids["ria"]) == DigestPreference.OFF


def tampered(token: str, where: str) -> str:
    payload, signature = token.rsplit(".", 1)
    if where == "payload":
        payload = ("f" if payload[0] != "f" else "g") + payload[1:]
    else:
        middle = len(signature) // 2
        signature = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]
    changed = f"{payload}.{signature}"
    assert changed != token
    return changed


@pytest.mark.parametrize("where", ["payload", "signature"])
def test_a_changed_token_is_refused_and_changes_nothing(world, client, where):
    token = tampered(unsubscribe_token(world.get("ria")), where)
    assert client.get(path_of(token)).status_code == 400
    assert one_click(client, token).status_code == 400
    assert client.http.post(path_of("not-a-token")).status_code == 400
    assert digest_of(world.ids["ria"]) == DigestPreference.MONTHLY


def test_a_token_for_an_old_address_no_longer_works(world, client):
    old_token = unsubscribe_token(world.get("ria"))
    ria = world.get("ria")
    ria.email = "ria.nieuw@example.org"
    db.session.commit()
    assert client.get(path_of(old_token)).status_code == 400
    assert one_click(client, old_token).status_code == 400
    assert digest_of(world.ids["ria"]) == DigestPreference.MONTHLY

    new_token = unsubscribe_token(world.get("ria"))
    assert new_token != old_token
    assert one_click(client, new_token).status_code == 200
    assert digest_of(world.ids["ria"]) == DigestPreference.OFF


def test_a_deleted_account_has_no_working_link(world, client):
    token = unsubscribe_token(world.get("ria"))
    delete_account(db.session, world.get("ria"))
    db.session.commit()
    assert client.get(path_of(token)).status_code == 400
    assert one_click(client, token).status_code == 400


def test_a_token_only_unsubscribes_its_own_neighbour(world, client):
    assert one_click(client, unsubscribe_token(world.get("ria"))).status_code == 200
    wanting = set(db.session.scalars(sa.select(Neighbour.email).where(Neighbour.digest == DigestPreference.MONTHLY)))
    assert wanting == {f"{name}@example.org" for name in ("ahmed", "joost", "annie", "bert", "kees", "lonely")}
