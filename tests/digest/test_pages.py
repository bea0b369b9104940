"""The preview for site admins and brokers, and the broker's print-out built from the same digest."""

from __future__ import annotations

import pytest

from tests.digest.conftest import HEADINGS, World, t


@pytest.mark.parametrize(("viewer", "status"), [
    ("admin", 200),          # site admin
    ("broker", 200),         # broker of Ria's neighbourhood
    ("coordinator", 403),    # a coordinator there is no broker
    ("ahmed", 403),          # a neighbour
    ("other_broker", 403),   # broker elsewhere
])
def test_who_may_preview(world: World, client, viewer, status):
    client.login(f"{viewer}@example.org")
    ria = world.ids["ria"]
    assert client.get(f"/digest/preview/{ria}").status_code == status
    assert client.get(f"/digest/preview/{ria}/html").status_code == status


def test_preview_needs_a_log_in(world, client):
    for url in (f"/digest/preview/{world.ids['ria']}", f"/digest/preview/{world.ids['ria']}/html"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_preview_shows_the_text_as_it_would_be_sent(world, client):
    client.login("broker@example.org")
    page = client.get(f"/digest/preview/{world.ids['ria']}").get_data(as_text=True)
    assert "Plank ophangen" in page and "Ik doe boodschappen" in page
    assert t("en", HEADINGS["asks"]) in page  # in Ria's language
    assert "Kast in elkaar zetten" not in page and "Schuur opruimen" not in page
    assert f"/digest/preview/{world.ids['ria']}/html" in page


def test_html_preview_allows_inline_styles_only(world, client):
    client.login("admin@example.org")
    response = client.get(f"/digest/preview/{world.ids['ria']}/html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    body = response.get_data(as_text=True)
    assert "Plank ophangen" in body and 'style="' in body
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    assert policy["default-src"] == ["'none'"]
    assert policy["style-src"] == ["'unsafe-inline'"]
    assert "script-src" not in policy and "connect-src" not in policy
    for name, values in policy.items():
        if name != "frame-ancestors":
            assert not any(v.startswith(("http", "'self'", "*")) or v == "https:" for v in values), (name, values)


def test_preview_of_an_empty_digest(world, client):
    client.login("admin@example.org")
    page = client.get(f"/digest/preview/{world.ids['lonely']}")
    assert page.status_code == 200
    assert t("nl", "There is nothing to show this month, so no digest would be sent.") in page.get_data(as_text=True)
    assert client.get(f"/digest/preview/{world.ids['lonely']}/html").status_code == 404
    assert client.get("/digest/preview/999999").status_code == 404


def test_broker_print_out_shows_the_digest(world, client):
    client.login("broker@example.org")
    response = client.get(f"/broker/{world.slug}/neighbours/{world.ids['ria']}/print")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for name in ("asks", "offers", "thanks", "places", "pot"):
        assert t("en", HEADINGS[name]) in page, name
    assert t("en", HEADINGS["matches"]) not in page  # the print-out lists the help coming up itself
    for shown in ("Plank ophangen", "Fietsband plakken", "Ik doe boodschappen", "Dank je wel voor de lamp!",
                  "Buurtkamer Ondiep", "Kracht van Zuilen", t("en", "Likes to do this kind of help")):
        assert shown in page, shown
    for hidden in ("Kast in elkaar zetten", "Schuur opruimen", "Samen koken", "Bibliotheek Everdingen",
                   "Top geholpen"):
        assert hidden not in page, hidden


def test_print_out_is_for_the_brokers_own_area(world, client):
    client.login("other_broker@example.org")
    assert client.get(f"/broker/{world.slug}/neighbours/{world.ids['ria']}/print").status_code == 403
    client.logout()
    client.login("broker@example.org")
    assert client.get(f"/broker/{world.slug}/neighbours/{world.ids['lonely']}/print").status_code == 404
