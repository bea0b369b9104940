from tests.factories import make_neighbour, make_neighbourhood
from buurthulp.extensions import db


def test_home_is_dutch(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="nl"' in response.get_data(as_text=True)


def test_login_and_profile(client):
    hood = make_neighbourhood("Zuilen", ["3554"])
    make_neighbour(hood, email="ria@example.org")
    db.session.commit()
    client.login("ria@example.org")
    response = client.get("/profile")
    assert response.status_code == 200
