"""Growing the circle with the matcher: the rota page suggests neighbours for slots whose dates stay open, those
who change the rota invite them for that slot (a mail with a signed link, once in two weeks), and the neighbour
asks to join for it; the centre lets them in as usual."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp import access
from buurthulp.accounts.models import InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category, DayPart, mask_of
from buurthulp.circles import invitations, rota, services, shifts, suggest
from buurthulp.circles.models import (
    CircleInvite,
    CircleMember,
    Frequency,
    MemberRole,
    MemberStatus,
    RotaSlot,
    SlotKind,
)
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Neighbourhood
from buurthulp.outbox import OutboxMail
from buurthulp.timeutil import local_today
from tests.circles.conftest import ROLES
from tests.circles.test_suggest import busy
from tests.conftest import IS_SQLITE, link_in, mail_text
from tests.factories import make_neighbour

TODAY = local_today()

@pytest.fixture(autouse=True)
def _today_of_this_test():
    """TODAY as of this test, not as of when the module was imported: a run may pass midnight."""
    global TODAY
    TODAY = local_today()


def helper(hood, name: str, *, likes=(Category.MEALS,), email: str | None = None) -> Neighbour:
    """A neighbour of ``hood`` who likes ``likes`` and is free any evening of the week."""
    person = make_neighbour(hood, name=name, email=email, latitude=hood.centre_lat, longitude=hood.centre_lon,
                            availability=mask_of([(d, DayPart.EVENING) for d in range(7)]))
    set_interests(person, InterestDirection.OFFER, list(likes))
    db.session.flush()
    return person


def open_slot(cw, title: str = "Samen eten", category: Category = Category.MEALS, weekday: int | None = None):
    """A weekly evening slot from today that nobody took: four open dates in the coming four weeks."""
    return rota.add_slot(db.session, cw.annie, cw.circle, rota.SlotInput(
        title=title, category=category, kind=SlotKind.HELP, frequency=Frequency.WEEKLY,
        weekday=TODAY.weekday() if weekday is None else weekday, day_part=DayPart.EVENING.value, at_time=None,
        starts_on=TODAY), today=TODAY)


@pytest.fixture
def setup(cw):
    slot = open_slot(cw)
    zuilen = db.session.get(Neighbourhood, cw.zuilen.id)
    people = {"els": helper(zuilen, "Els de Vries", email="els@example.org"), "piet": helper(zuilen, "Piet Bakker"),
              "fatima": helper(db.session.get(Neighbourhood, cw.ondiep.id), "Fatima Amrani"),
              "klusser": helper(zuilen, "Kees Klusser", likes=(Category.ODD_JOBS,))}
    coordinator = make_neighbour(zuilen, email="coordinator@example.org", name="Corrie")
    db.session.add(CircleMember(circle_id=cw.circle.id, neighbour_id=coordinator.id, role=MemberRole.COORDINATOR,
                                status=MemberStatus.ACTIVE))
    db.session.commit()
    return slot, people


def rota_url(cw) -> str:
    return f"/circles/{cw.circle.id}/rota"


def invite_url(cw, slot, person) -> str:
    return f"/circles/{cw.circle.id}/rota/slots/{slot.id}/invite/{person.id}"


def slot_invites(slot) -> list[CircleInvite]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(CircleInvite).where(CircleInvite.slot_id == slot.id)
                                   .order_by(CircleInvite.id)))


def mails_to(address: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMail)
                             .where(OutboxMail.to_address == address, OutboxMail.template == "circles/slot_invitation"))


# --- who sees the suggestions ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", [*ROLES, "coordinator"])
def test_those_who_change_the_rota_see_the_suggestions(cw, client, setup, role):
    slot, people = setup
    if role != "anonymous":
        client.login(f"{role}@example.org")
    response = client.get(rota_url(cw))
    page = response.get_data(as_text=True)
    if role in ("annie", "broker", "coordinator"):
        assert response.status_code == 200
        assert f'data-suggestions="{slot.id}"' in page
        for name in ("els", "piet", "fatima"):
            assert f'data-suggested="{slot.id}-{people[name].id}"' in page
            assert invite_url(cw, slot, people[name]) in page
        assert f'data-suggested="{slot.id}-{people["klusser"].id}"' not in page  # likes another kind of help
    elif role == "ria":  # a member: the rota, without suggestions
        assert response.status_code == 200
        assert "data-suggest" not in page and "/invite/" not in page
    else:
        assert response.status_code == (302 if role == "anonymous" else 404)


def test_suggestions_for_many_slots_are_those_for_each(cw, setup):
    slot, people = setup
    walk = open_slot(cw, "Wandelen", Category.EXERCISE, weekday=(TODAY.weekday() + 2) % 7)
    taken = open_slot(cw, "Soep", weekday=(TODAY.weekday() + 3) % 7)
    shifts.take_series(db.session, cw.ria, taken, rota.first_date(taken), today=TODAY)
    set_interests(db.session.get(Neighbour, people["piet"].id), InterestDirection.OFFER,
                  [Category.MEALS, Category.EXERCISE])
    db.session.commit()
    now = utcnow()
    found = suggest.suggestions_for(db.session, cw.circle, [slot, walk, taken], now)
    assert set(found) == {slot.id, walk.id}  # the slot somebody took stays open no more
    for one in (slot, walk):
        assert ([s.person.id for s in found[one.id]]
                == [s.person.id for s in suggest.suggestions(db.session, one, now)])
    assert [s.person.id for s in found[walk.id]] == [people["piet"].id]


# --- inviting ----------------------------------------------------------------------------------------------

def test_inviting_for_a_slot_mails_the_neighbour_once_in_two_weeks(cw, client, setup, outbox):
    slot, people = setup
    els = people["els"]
    client.login("annie@example.org")
    response = client.post(invite_url(cw, slot, els))
    assert response.status_code == 302 and response.headers["Location"].endswith("/rota#suggestions-heading")
    [invite] = slot_invites(slot)
    assert (invite.circle_id, invite.created_by_id, invite.used_by_id, invite.used_at) == (cw.circle.id, cw.annie.id,
                                                                                           els.id, None)
    assert mails_to("els@example.org") == 1
    [mail] = [m for m in outbox() if m["To"] == "els@example.org"]
    assert "Samen eten" in mail_text(mail) and "Annie" in mail["Subject"]
    token = link_in(mail, "/circles/join/").removeprefix("/circles/join/")
    assert invitations.load_invite(db.session, token).id == invite.id
    page = client.get(rota_url(cw)).get_data(as_text=True)
    assert f'data-invited="{slot.id}-{els.id}"' in page and invite_url(cw, slot, els) not in page

    # again, by the broker: refused, nothing new, nobody mailed
    client.logout()
    client.login("broker@example.org")
    assert client.post(invite_url(cw, slot, els)).status_code == 400
    assert len(slot_invites(slot)) == 1 and mails_to("els@example.org") == 1

    # another neighbour for the same slot is fine
    assert client.post(invite_url(cw, slot, people["piet"])).status_code == 302
    assert [i.used_by_id for i in slot_invites(slot)] == [els.id, people["piet"].id]

    # two weeks later Els may be asked again (she did not answer)
    later = utcnow() + invitations.SLOT_INVITE_AGAIN + timedelta(hours=1)
    with pytest.raises(DomainError):
        invitations.invite_to_slot(db.session, db.session.get(Neighbour, cw.annie.id), slot, els,
                                   now=later - timedelta(days=2))
    db.session.rollback()
    invitations.invite_to_slot(db.session, db.session.get(Neighbour, cw.annie.id), slot, els, now=later)
    db.session.commit()
    assert mails_to("els@example.org") == 2


def test_a_coordinator_invites_a_member_may_not(cw, client, setup):
    slot, people = setup
    client.login("ria@example.org")
    assert client.post(invite_url(cw, slot, people["els"])).status_code == 403
    client.logout()
    client.login("coordinator@example.org")
    assert client.post(invite_url(cw, slot, people["els"])).status_code == 302
    assert [i.used_by_id for i in slot_invites(slot)] == [people["els"].id]


def test_only_a_neighbour_suggested_now_can_be_invited(cw, client, setup):
    slot, people = setup
    fourth = helper(db.session.get(Neighbourhood, cw.ondiep.id), "Zus Vierde")
    busy(fourth, people["klusser"], 3)  # fits, but busy helping: ranks after the first three
    db.session.commit()
    assert fourth.id in [s.person.id for s in suggest.suggestions(db.session, slot, utcnow(), limit=10)]
    assert fourth.id not in [s.person.id for s in suggest.suggestions(db.session, slot, utcnow())]
    client.login("annie@example.org")
    for person in (people["klusser"], fourth, cw.karin, cw.ria, cw.joost, cw.jansen):
        assert client.post(invite_url(cw, slot, person)).status_code == 400, person.display_name
    assert client.post(f"/circles/{cw.circle.id}/rota/slots/{slot.id}/invite/999999").status_code == 404
    assert client.post(f"/circles/{cw.circle.id}/rota/slots/999999/invite/{people['els'].id}").status_code == 404
    # once the dates are taken the slot stays open no more: nobody is suggested for it
    shifts.take_series(db.session, db.session.get(Neighbour, cw.ria.id), slot, TODAY, today=TODAY)
    db.session.commit()
    assert client.post(invite_url(cw, slot, people["els"])).status_code == 400
    assert slot_invites(slot) == []


def test_without_csrf_nothing_happens(cw, client, setup):
    slot, people = setup
    client.login("annie@example.org")
    assert client.post(invite_url(cw, slot, people["els"]), csrf=False).status_code == 400
    assert slot_invites(slot) == [] and mails_to("els@example.org") == 0


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (runs in CI's PostgreSQL step)")
def test_leaders_inviting_the_same_neighbour_at_once_mail_her_once(app, cw, setup):
    from tests.pot.test_concurrency import at_once

    slot, people = setup
    leaders = [cw.annie.id, cw.broker.id, cw.annie.id, cw.broker.id]
    slot_id, els_id = slot.id, people["els"].id

    def invite(i: int) -> str:
        try:
            invitations.invite_to_slot(db.session, db.session.get(Neighbour, leaders[i]),
                                       db.session.get(RotaSlot, slot_id), db.session.get(Neighbour, els_id))
        except DomainError:
            db.session.rollback()
            return "refused"
        db.session.commit()
        return "invited"

    assert sorted(at_once(app, len(leaders), invite)) == ["invited"] + ["refused"] * 3
    assert len(slot_invites(slot)) == 1 and mails_to("els@example.org") == 1


# --- joining through a slot invitation ---------------------------------------------------------------------

def test_joining_through_a_slot_invitation_asks_the_centre_for_that_slot(cw, client, setup, outbox):
    slot, people = setup
    els = people["els"]
    client.login("annie@example.org")
    assert client.post(invite_url(cw, slot, els)).status_code == 302
    [mail] = [m for m in outbox() if m["To"] == "els@example.org"]
    link = link_in(mail, "/circles/join/")
    client.logout()

    # someone else with the link cannot use it
    client.login("karin@example.org")
    assert client.post(link, {"answer": "yes"}).status_code == 400
    assert access.membership(db.session, cw.karin, cw.circle) is None
    client.logout()

    client.login("els@example.org")
    page = client.get(link)
    assert page.status_code == 200 and f'data-invited-slot="{slot.id}"' in page.get_data(as_text=True)
    assert client.post(link, {"answer": "yes"}).status_code == 302
    db.session.expire_all()
    member = access.membership(db.session, els, cw.circle)
    assert (member.status, member.role, member.invited_by_id) == (MemberStatus.REQUESTED, MemberRole.MEMBER,
                                                                  cw.annie.id)
    [invite] = slot_invites(slot)
    assert invite.used_at is not None and invite.used_by_id == els.id
    assert invitations.requested_slots(db.session, cw.circle) == {els.id: slot}
    assert client.get(link).status_code == 404  # used up
    # in the circle in any status: no longer suggested
    assert els.id not in [s.person.id for s in suggest.suggestions(db.session, slot, utcnow(), limit=10)]

    # the centre lets her in; then she takes the slot's dates
    services.approve_member(db.session, db.session.get(Neighbour, cw.annie.id), cw.circle, member)
    db.session.commit()
    shifts.take_date(db.session, db.session.get(Neighbour, els.id), slot, rota.first_date(slot), today=TODAY)
    db.session.commit()


def test_an_ordinary_invitation_link_shows_no_slot(cw, client, setup):
    token = invitations.invite_token(invitations.make_invite(db.session, cw.annie, cw.circle))
    db.session.commit()
    client.login("karin@example.org")
    page = client.get(f"/circles/join/{token}")
    assert page.status_code == 200 and "data-invited-slot" not in page.get_data(as_text=True)


# --- queries -----------------------------------------------------------------------------------------------

def grow(cw, slots: int, people: int, prefix: str) -> None:
    """More slots (each of its own kind of help) and more neighbours who like them, some busy helping."""
    kinds = [Category.MEALS, Category.GROCERIES, Category.COMPANY, Category.EXERCISE, Category.TRANSPORT]
    zuilen = db.session.get(Neighbourhood, cw.zuilen.id)
    for n in range(slots):
        open_slot(cw, f"{prefix} {n}", kinds[n % len(kinds)], weekday=n % 7)
    for n in range(people):
        helper(zuilen, f"{prefix}buur {n}", likes=kinds[: 1 + n % len(kinds)])
    db.session.commit()


def queries(cw, client, count_queries) -> tuple[int, str]:
    client.get(rota_url(cw))  # warm up
    with count_queries() as q:
        response = client.get(rota_url(cw))
    assert response.status_code == 200
    return q.count, response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["annie@example.org", "broker@example.org", "coordinator@example.org"])
def test_the_rota_page_with_suggestions_takes_the_same_queries_however_big(cw, client, setup, count_queries, who):
    slot, people = setup
    invitations.invite_to_slot(db.session, db.session.get(Neighbour, cw.annie.id), slot, people["els"])
    db.session.commit()
    client.login(who)
    small, page = queries(cw, client, count_queries)
    assert page.count("data-suggested=") == 3 and "data-invited=" in page
    grow(cw, slots=8, people=25, prefix="Groot")
    big, page = queries(cw, client, count_queries)
    assert page.count("data-suggestions=") == 9 and page.count("data-suggested=") == 27
    assert small == big, (small, big)
