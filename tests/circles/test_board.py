"""The circle's board: messages to the whole circle, newest first, paged; remove your own, the leader hides one,
nobody sees messages of someone they blocked."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp.circles import board_messages, services
from buurthulp.circles.models import CircleMember, CircleMessage, MemberStatus
from buurthulp.circles.routes import BOARD_PAGE_SIZE
from buurthulp.db import utcnow
from buurthulp.errors import NotAllowed
from buurthulp.extensions import db
from buurthulp.posts.models import Block
from tests.factories import make_neighbour

EVIL = "<script>alert(1)</script>"


def login(client, role: str):
    return client.login(f"{role}@example.org")


def say(cw, author, body: str, minutes_ago: int = 0) -> CircleMessage:
    message = board_messages.post_message(db.session, author, cw.circle, body, now=utcnow() - timedelta(minutes=minutes_ago))
    db.session.commit()
    return message


def board(client, cw, page: int | None = None) -> str:
    response = client.get(f"/circles/{cw.circle.id}/board" + (f"?page={page}" if page else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_write_and_read_newest_first(client, cw):
    say(cw, cw.annie, "Eerste bericht", minutes_ago=10)
    login(client, "ria")
    assert client.post(f"/circles/{cw.circle.id}/board", {"body": "Tweede bericht"}).status_code == 302
    page = board(client, cw)
    assert page.index("Tweede bericht") < page.index("Eerste bericht")


def test_the_broker_reads_and_writes_too(client, cw):
    login(client, "broker")
    assert client.post(f"/circles/{cw.circle.id}/board", {"body": "Van de buurtmakelaar"}).status_code == 302
    assert "Van de buurtmakelaar" in board(client, cw)


@pytest.mark.parametrize("body", ["", "   ", "x" * 2001])
def test_bad_messages_are_a_400(client, cw, body):
    login(client, "ria")
    assert client.post(f"/circles/{cw.circle.id}/board", {"body": body}).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CircleMessage)) == 0


def test_csrf_and_escaping(client, cw):
    login(client, "ria")
    assert client.post(f"/circles/{cw.circle.id}/board", {"body": "zonder token"}, csrf=False).status_code == 400
    client.post(f"/circles/{cw.circle.id}/board", {"body": EVIL})
    page = board(client, cw)
    assert EVIL not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_nobody_else_reads_or_writes(client, cw):
    say(cw, cw.ria, "Alleen voor de kring")
    for role in ("joost", "karin", "other_broker", "far_broker", "treasurer", "admin"):
        client.login(f"{role}@example.org")
        assert client.get(f"/circles/{cw.circle.id}/board").status_code == 404, role
        assert client.post(f"/circles/{cw.circle.id}/board", {"body": "ik ook"}).status_code == 404, role
        client.logout()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CircleMessage)) == 1
    for person in (cw.joost, cw.karin, cw.admin):
        with pytest.raises(NotAllowed):
            board_messages.post_message(db.session, person, cw.circle, "ik ook")


def test_remove_your_own(client, cw):
    mine = say(cw, cw.ria, "Foutje")
    theirs = say(cw, cw.annie, "Van Annie")
    login(client, "ria")
    assert client.post(f"/circles/{cw.circle.id}/board/{theirs.id}/remove", {}).status_code == 403
    assert client.post(f"/circles/{cw.circle.id}/board/{mine.id}/remove", {}, csrf=False).status_code == 400
    assert client.post(f"/circles/{cw.circle.id}/board/{mine.id}/remove", {}).status_code == 302
    page = board(client, cw)
    assert "Foutje" not in page and "Van Annie" in page
    assert db.session.get(CircleMessage, mine.id) is None


def test_the_leader_hides_a_message(client, make_client, cw):
    message = say(cw, cw.ria, "Iets wat hier niet hoort")
    ria = make_client()
    login(ria, "ria")
    assert ria.post(f"/circles/{cw.circle.id}/board/{message.id}/hide", {}).status_code == 403
    login(client, "annie")
    assert client.post(f"/circles/{cw.circle.id}/board/{message.id}/hide", {"action": "hide"}).status_code == 302
    assert "Iets wat hier niet hoort" not in board(ria, cw)
    assert "Iets wat hier niet hoort" in board(client, cw)  # the leader still sees it, marked hidden
    assert client.post(f"/circles/{cw.circle.id}/board/{message.id}/hide", {"action": "show"}).status_code == 302
    assert "Iets wat hier niet hoort" in board(ria, cw)


def test_a_message_of_another_circle_is_not_found(client, cw):
    other = services.start_own_circle(db.session, cw.karin)
    message = board_messages.post_message(db.session, cw.karin, other, "In mijn eigen kring")
    db.session.commit()
    login(client, "annie")
    assert client.post(f"/circles/{cw.circle.id}/board/{message.id}/hide", {}).status_code == 404
    assert db.session.get(CircleMessage, message.id).hidden_at is None


def test_no_messages_of_someone_you_blocked(client, cw):
    say(cw, cw.ria, "Bericht van Ria")
    say(cw, cw.annie, "Bericht van Annie")
    db.session.add(Block(blocker_id=cw.annie.id, blocked_id=cw.ria.id))
    db.session.commit()
    login(client, "annie")
    page = board(client, cw)
    assert "Bericht van Ria" not in page and "Bericht van Annie" in page
    client.logout()
    login(client, "ria")  # and the one who was blocked does not read the blocker either
    page = board(client, cw)
    assert "Bericht van Annie" not in page and "Bericht van Ria" in page


def test_paged(client, cw):
    for i in range(BOARD_PAGE_SIZE + 3):
        board_messages.post_message(db.session, cw.ria, cw.circle, f"Bericht nummer {i:03d}",
                              now=utcnow() - timedelta(minutes=100 - i))
    db.session.commit()
    login(client, "annie")
    first, second = board(client, cw), board(client, cw, page=2)
    assert f"Bericht nummer {BOARD_PAGE_SIZE + 2:03d}" in first and "Bericht nummer 000" not in first
    assert "Bericht nummer 000" in second and f"Bericht nummer {BOARD_PAGE_SIZE + 2:03d}" not in second
    assert 'rel="next"' in first
    assert client.get(f"/circles/{cw.circle.id}/board?page=abc").status_code == 400


def test_an_ended_circle_keeps_its_board_to_read(client, cw):
    say(cw, cw.ria, "Tot ziens")
    services.end_circle(db.session, cw.annie, cw.circle)
    db.session.commit()
    login(client, "ria")
    assert "Tot ziens" in board(client, cw)
    assert client.post(f"/circles/{cw.circle.id}/board", {"body": "nog iets"}).status_code == 403


def test_the_board_has_a_constant_number_of_queries(client, cw, count_queries):
    login(client, "annie")

    def grow_to(n: int) -> None:
        have = db.session.scalar(sa.select(sa.func.count()).select_from(CircleMessage))
        for i in range(have, n):
            author = make_neighbour(cw.zuilen, email=f"schrijver{i}@example.org", name=f"Schrijver {i}")
            db.session.add(CircleMember(circle_id=cw.circle.id, neighbour_id=author.id, status=MemberStatus.ACTIVE))
            db.session.add(CircleMessage(circle_id=cw.circle.id, author_id=author.id, body=f"Bericht {i}",
                                         hidden_at=utcnow() if i % 3 == 0 else None))
        db.session.commit()

    counts = []
    for n in (3, 12):
        grow_to(n)
        with count_queries() as q:
            board(client, cw)
        counts.append(q.count)
    assert counts[0] == counts[1], counts
