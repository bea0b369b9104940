"""Every posts page renders for the people who may see it."""

from buurthulp.posts.models import PostKind


def test_pages_render(client, world, make_post):
    ask = make_post(world.ria)
    offer = make_post(world.joost, kind=PostKind.OFFER, title="Samen wandelen")
    client.login("ahmed@example.org")
    for url in ["/posts", "/posts/new", "/posts/new?kind=ask", f"/posts/{ask.id}", f"/posts/{offer.id}", "/my/posts",
                "/notifications", f"/neighbours/{world.ria.id}", f"/neighbours/{world.ahmed.id}"]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_data(as_text=True)[-2000:])
    response = client.post(f"/posts/{ask.id}/respond", {"note": "Ik heb een boormachine"})
    assert response.status_code == 302
    match_url = response.headers["Location"]
    assert client.get(match_url).status_code == 200
    client.logout()
    client.login("ria@example.org")
    assert client.get(f"/posts/{ask.id}").status_code == 200
    assert client.get(f"/posts/{ask.id}/edit").status_code == 200
    assert client.post(match_url + "/accept").status_code == 302
    page = client.get(match_url)
    assert page.status_code == 200
    client.logout()
    client.login("broker@example.org")
    assert client.get("/reports").status_code == 200
    assert client.get(match_url).status_code == 200
