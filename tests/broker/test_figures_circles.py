"""Funders' figures for support circles: per month, counts only (circles, members, rota dates and check-ins done)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from buurthulp.broker.figures import circle_figures
from buurthulp.categories import Category
from buurthulp.circles.models import (
    CheckIn,
    Circle,
    CircleMember,
    CircleStatus,
    Frequency,
    MemberRole,
    MemberStatus,
    RotaSlot,
    Shift,
    SlotKind,
)
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood
from tests.circles.conftest import ROLES, build_circles_world
from tests.factories import make_neighbour
from tests.snapshots import built_once

PERIOD = "from=2024-01&to=2024-04"
OURS = "/broker/kracht-van-zuilen"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def cw(app):
    return built_once("circles", build_circles_world)


def circle_of(centre, initiative, created, *, status=CircleStatus.ACTIVE, ended=None) -> Circle:
    c = Circle(centre_id=centre.id, initiative_id=initiative.id, status=status, created_at=created, ended_at=ended)
    db.session.add(c)
    db.session.flush()
    db.session.add(CircleMember(circle_id=c.id, neighbour_id=centre.id, role=MemberRole.CENTRE,
                                status=MemberStatus.ACTIVE, joined_at=created))
    return c


def member(circle, person, joined, left=None) -> None:
    db.session.add(CircleMember(circle_id=circle.id, neighbour_id=person.id, role=MemberRole.MEMBER,
                                status=MemberStatus.LEFT if left else MemberStatus.ACTIVE, joined_at=joined,
                                left_at=left))


def slot(circle, kind=SlotKind.HELP) -> RotaSlot:
    s = RotaSlot(circle_id=circle.id, title="Bellen" if kind == SlotKind.CHECK_IN else "Boodschappen",
                 category=Category.GROCERIES, kind=kind, frequency=Frequency.DAILY, starts_on=date(2024, 1, 1))
    db.session.add(s)
    db.session.flush()
    return s


def shift(s, on, person, done=True, check_in=None) -> None:
    db.session.add(Shift(slot_id=s.id, on_date=on, taken_by_id=person.id,
                         done_at=at(on.year, on.month, on.day, 18) if done else None, check_in=check_in))


@pytest.fixture
def figures_world(cw):
    """Annie's circle since January; one around Mevrouw Jansen for a week in February; one only proposed; and one
    of Zuilen Samen, the other initiative."""
    annie = db.session.get(Circle, cw.circle.id)
    annie.created_at = at(2024, 1, 10, 9)
    ria = db.session.scalar(sa.select(CircleMember).where(CircleMember.neighbour_id == cw.ria.id))
    ria.joined_at = at(2024, 1, 15, 9)
    piet = make_neighbour(cw.zuilen, name="Piet")
    member(annie, piet, at(2024, 2, 5, 9), left=at(2024, 3, 10, 9))
    jansen = circle_of(cw.jansen, cw.kracht, at(2024, 2, 20, 9), status=CircleStatus.ENDED, ended=at(2024, 2, 28, 9))
    member(jansen, cw.karin, at(2024, 2, 21, 9))
    member(jansen, cw.ria, at(2024, 2, 21, 9))  # in two circles: counts once
    proposed = circle_of(make_neighbour(cw.zuilen, name="Voorstel"), cw.kracht, at(2024, 2, 1, 9),
                         status=CircleStatus.PROPOSED)
    member(proposed, cw.joost, at(2024, 2, 1, 9))
    theirs = circle_of(make_neighbour(cw.zuilen, name="Van Samen"), cw.samen, at(2024, 1, 1, 9))
    member(theirs, cw.treasurer, at(2024, 1, 2, 9))
    help_, check = slot(annie), slot(annie, SlotKind.CHECK_IN)
    shift(help_, date(2024, 1, 20), cw.ria)
    shift(check, date(2024, 2, 3), cw.ria, check_in=CheckIn.ALL_WELL)
    shift(check, date(2024, 2, 10), cw.ria, done=False)                    # taken, not done
    shift(help_, date(2024, 3, 1), piet)
    shift(slot(theirs), date(2024, 2, 3), cw.treasurer)                     # the other initiative's
    db.session.commit()
    return cw


def counts(rows) -> list[tuple]:
    return [(r.month.strftime("%Y-%m"), r.circles, r.members, r.dates_done, r.check_ins_done) for r in rows]


EXPECTED = [("2024-01", 1, 1, 1, 0), ("2024-02", 2, 3, 1, 1), ("2024-03", 1, 2, 1, 0), ("2024-04", 1, 1, 0, 0)]


def test_the_counts_per_month(figures_world):
    assert counts(circle_figures(db.session, figures_world.kracht, date(2024, 1, 1), date(2024, 4, 1))) == EXPECTED


def test_the_other_initiative_counts_its_own(figures_world):
    rows = circle_figures(db.session, figures_world.samen, date(2024, 1, 1), date(2024, 2, 1))
    assert counts(rows) == [("2024-01", 1, 1, 0, 0), ("2024-02", 1, 1, 1, 0)]


def test_one_month_and_a_bad_period(figures_world):
    assert counts(circle_figures(db.session, figures_world.kracht, date(2024, 2, 1), date(2024, 2, 1))) == [
        EXPECTED[1]]
    with pytest.raises(ValueError):
        circle_figures(db.session, figures_world.kracht, date(2024, 3, 1), date(2024, 2, 1))


def test_the_page_shows_the_counts_and_no_names(figures_world, client):
    client.login("broker@example.org")
    html = client.get(f"{OURS}/figures?{PERIOD}").get_data(as_text=True)
    section = html[html.index('class="figures-circles"'):]
    section = section[:section.index("</section>")]
    for month, *numbers in EXPECTED:
        assert "<td>" + "</td><td>".join(str(n) for n in numbers) + "</td>" in section, month
    for name in ("Annie", "Ria", "Piet", "Jansen", "Karin"):
        assert name not in section
    assert f'href="{OURS}/figures/circles.csv?from=2024-01&amp;to=2024-04"' in section


def test_a_period_without_circles_has_no_table(figures_world, client):
    client.login("broker@example.org")
    html = client.get(f"{OURS}/figures?from=2023-01&to=2023-03").get_data(as_text=True)
    section = html[html.index('class="figures-circles"'):]
    assert "<table" not in section[:section.index("</section>")]


def test_the_csv_file(figures_world, client):
    client.login("broker@example.org")
    response = client.get(f"{OURS}/figures/circles.csv?{PERIOD}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="circles-kracht-van-zuilen-2024-01-2024-04.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert len(rows[0]) == 5
    assert [tuple(r) for r in rows[1:]] == [tuple(str(x) for x in row) for row in EXPECTED]
    assert client.get(f"{OURS}/figures/circles.csv?from=2024-05&to=2024-01").status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_only_our_brokers_get_the_csv(figures_world, client, role):
    if role != "anonymous":
        client.login(f"{role}@example.org")
    response = client.get(f"{OURS}/figures/circles.csv?{PERIOD}")
    if role == "anonymous":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == (200 if role == "broker" else 403)


def test_the_page_takes_the_same_queries_with_more_circles(figures_world, client, count_queries):
    client.login("broker@example.org")
    url = f"{OURS}/figures?{PERIOD}"
    kracht_id, zuilen_id = figures_world.kracht.id, figures_world.zuilen.id

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    few = queries()
    kracht, zuilen = db.session.get(Initiative, kracht_id), db.session.get(Neighbourhood, zuilen_id)
    for i in range(8):
        c = circle_of(make_neighbour(zuilen), kracht, at(2024, 1 + i % 3, 3, 9))
        s = slot(c, SlotKind.CHECK_IN)
        for j in range(5):
            helper = make_neighbour(zuilen)
            member(c, helper, at(2024, 1 + j % 4, 4, 9))
            shift(s, date(2024, 1 + j % 4, 10 + i + j), helper, check_in=CheckIn.ALL_WELL)
    db.session.commit()
    assert queries() == few
    rows = circle_figures(db.session, db.session.get(Initiative, kracht_id), date(2024, 1, 1), date(2024, 4, 1))
    assert rows[3].circles == 9 and rows[0].check_ins_done == 16
