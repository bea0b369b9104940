"""The living map's rules: adding and checking places, flags, stories, coming times, the queue, account data."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import gettext

from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.places import services
from buurthulp.places.models import Place, PlaceFlag, PlaceKind, PlaceStatus, Story
from buurthulp.places.services import ActivityInput
from buurthulp.privacy import delete_account, export_data
from tests.places.conftest import place_input, walking_group

STORY = "Ik ben er vorige week met de buurvrouw geweest; de koffie is goed."


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def open_flags_of(place) -> list[PlaceFlag]:
    return list(db.session.scalars(sa.select(PlaceFlag).where(PlaceFlag.place_id == place.id,
                                                              PlaceFlag.resolved_at.is_(None))))


# --- adding -------------------------------------------------------------------------------------

def test_a_neighbours_place_waits_for_a_check(pw):
    place = services.add_place(db.session, pw.ria, place_input(pw.zuilen, activities=walking_group()))
    db.session.commit()
    assert place.status == PlaceStatus.PENDING
    assert place.author_id == pw.ria.id and place.reviewed_by_id is None and place.confirmed_at is None
    assert [(a.title, a.weekday, a.starts_at, a.ends_at) for a in place.activities] == [
        ("Wandelgroep", 1, time(10, 0), time(11, 30))]


@pytest.mark.parametrize("who", ["broker", "coordinator", "admin"])
def test_a_reviewers_own_place_is_public_at_once(pw, who):
    reviewer = getattr(pw, who)
    place = services.add_place(db.session, reviewer, place_input(pw.ondiep))
    db.session.commit()
    assert place.status == PlaceStatus.PUBLIC
    assert place.reviewed_by_id == reviewer.id and place.confirmed_at is not None


@pytest.mark.parametrize("who", ["treasurer", "other_broker"])
def test_a_treasurer_or_a_broker_of_another_area_adds_a_pending_place(pw, who):
    place = services.add_place(db.session, getattr(pw, who), place_input(pw.zuilen))
    assert place.status == PlaceStatus.PENDING


def test_input_is_tidied(pw):
    place = services.add_place(db.session, pw.ria, place_input(
        pw.zuilen, name="  De Boog  ", address="", where_note=" achter de kerk ", latitude=52.110549,
        longitude=5.093549, activities=[ActivityInput("  ", 3, time(19, 0))]))
    assert place.name == "De Boog" and place.where_note == "achter de kerk"
    assert (place.latitude, place.longitude) == (52.1105, 5.0935)  # about 10 m: a building, not a home
    assert place.activities[0].title == "De Boog"  # an activity without a title takes the place's name


@pytest.mark.parametrize("changes, message", [
    (dict(name="   "), "Fill in the name of the place or activity."),
    (dict(address="", where_note=""), "Fill in an address, or describe where it is."),
    (dict(address=" ", where_note="  "), "Fill in an address, or describe where it is."),
    (dict(neighbourhood_id=999_999), "Choose the neighbourhood."),
    (dict(latitude=52.1), "A point on the map needs both coordinates."),
    (dict(longitude=5.1), "A point on the map needs both coordinates."),
    (dict(latitude=48.85, longitude=2.35), "That point is not in the Netherlands."),  # Paris
    (dict(latitude=52.1, longitude=8.0), "That point is not in the Netherlands."),
    (dict(activities=[ActivityInput("Koffie", 0, time(10, 0), time(9, 0))]), "An activity ends after it starts."),
    (dict(activities=[ActivityInput("Koffie", 0, time(10, 0), time(10, 0))]), "An activity ends after it starts."),
    (dict(activities=[ActivityInput("Koffie", d % 7, time(10, 0)) for d in range(6)]),
     "Add at most %(n)d activity times."),
])
def test_bad_input_is_refused_with_a_message(pw, changes, message):
    with pytest.raises(DomainError) as caught:
        services.add_place(db.session, pw.ria, place_input(pw.zuilen, **changes))
    assert str(caught.value.message) == gettext(message, n=services.MAX_ACTIVITIES)
    db.session.rollback()
    assert count(Place) == 0


def test_a_description_of_where_is_enough(pw):
    place = services.add_place(db.session, pw.ria, place_input(pw.zuilen, address="", where_note="Het groene deurtje"))
    assert place.address == "" and place.where_note == "Het groene deurtje"


# --- checking -----------------------------------------------------------------------------------

def test_approve_makes_a_place_public(pw, make_place):
    place = make_place(PlaceStatus.PENDING)
    now = utcnow()
    services.review(db.session, pw.coordinator, place, "approve", now=now)
    db.session.commit()
    assert place.status == PlaceStatus.PUBLIC
    assert place.reviewed_by_id == pw.coordinator.id and place.reviewed_at == place.confirmed_at == now


def test_confirm_renews_and_hide_takes_it_off_the_map(pw, make_place):
    place = make_place()
    later = utcnow() + timedelta(days=200)
    services.review(db.session, pw.broker, place, "confirm", now=later)
    assert place.confirmed_at == later and place.status == PlaceStatus.PUBLIC
    services.review(db.session, pw.broker, place, "hide")
    assert place.status == PlaceStatus.HIDDEN and place.reviewed_by_id == pw.broker.id
    services.review(db.session, pw.broker, place, "approve")  # a hidden place can come back
    assert place.status == PlaceStatus.PUBLIC


@pytest.mark.parametrize("who", ["ria", "ahmed", "treasurer", "other_broker"])
def test_only_reviewers_of_the_neighbourhood_check(pw, make_place, who):
    place = make_place(PlaceStatus.PENDING)
    for action in ("approve", "confirm", "hide"):
        with pytest.raises(NotAllowed):
            services.review(db.session, getattr(pw, who), place, action)
    assert place.status == PlaceStatus.PENDING


def test_an_unknown_review_action_is_refused(pw, make_place):
    place = make_place(PlaceStatus.PENDING)
    with pytest.raises(DomainError):
        services.review(db.session, pw.broker, place, "delete")
    assert place.status == PlaceStatus.PENDING


@pytest.mark.parametrize("action", ["approve", "confirm", "hide"])
def test_every_review_action_resolves_the_open_flags(pw, make_place, action):
    place = make_place()
    services.flag(db.session, pw.ahmed, place, "Het is verhuisd naar de Amsterdamsestraatweg.")
    services.flag(db.session, pw.joost, place, "De tijden kloppen niet meer.")
    db.session.commit()
    assert len(open_flags_of(place)) == 2
    now = utcnow()
    services.review(db.session, pw.coordinator, place, action, now=now)
    db.session.commit()
    assert open_flags_of(place) == []
    flags = db.session.scalars(sa.select(PlaceFlag)).all()
    assert {(f.resolved_at, f.resolved_by_id) for f in flags} == {(now, pw.coordinator.id)}


def test_a_review_leaves_other_places_flags_open(pw, make_place):
    one, other = make_place(name="Een"), make_place(name="Ander")
    services.flag(db.session, pw.ahmed, one, "Gesloten")
    services.flag(db.session, pw.ahmed, other, "Gesloten")
    services.review(db.session, pw.broker, one, "confirm")
    assert open_flags_of(one) == [] and len(open_flags_of(other)) == 1


def test_editing(pw, make_place):
    place = make_place(PlaceStatus.PENDING)
    services.update_place(db.session, pw.ria, place, place_input(pw.zuilen, name="De Boog (nieuw)"))
    assert place.name == "De Boog (nieuw)" and place.status == PlaceStatus.PENDING  # still waits for a check
    services.review(db.session, pw.broker, place, "approve")
    with pytest.raises(NotAllowed):  # once checked, the author flags what is wrong
        services.update_place(db.session, pw.ria, place, place_input(pw.zuilen, name="Iets anders"))
    with pytest.raises(NotAllowed):
        services.update_place(db.session, pw.ahmed, place, place_input(pw.zuilen, name="Iets anders"))
    later = utcnow() + timedelta(days=300)
    services.update_place(db.session, pw.coordinator, place, place_input(pw.zuilen, name="De Boog"), now=later)
    assert place.name == "De Boog" and place.confirmed_at == later  # a reviewer's edit confirms it
    with pytest.raises(DomainError):
        services.update_place(db.session, pw.broker, place, place_input(pw.zuilen, name=""))


def test_a_reviewer_does_not_move_a_place_unchecked_into_another_area(pw, make_place):
    place = make_place()
    try:
        services.update_place(db.session, pw.broker, place, place_input(pw.everdingen))
    except NotAllowed:
        return
    assert place.status == PlaceStatus.PENDING


def test_who_sees_and_edits(pw, make_place):
    public, pending, hidden = make_place(), make_place(PlaceStatus.PENDING), make_place(PlaceStatus.HIDDEN)
    for person in (pw.ria, pw.ahmed, pw.joost, pw.annie, pw.treasurer, pw.other_broker, pw.broker, pw.admin):
        assert services.can_see(db.session, person, public)
    for place in (pending, hidden):
        seen = {p.display_name for p in (pw.ria, pw.ahmed, pw.joost, pw.annie, pw.broker, pw.coordinator,
                                         pw.treasurer, pw.other_broker, pw.admin)
                if services.can_see(db.session, p, place)}
        assert seen == {"Ria", "Broker", "Coordinator", "Admin"}
    assert services.can_edit(db.session, pw.ria, pending)
    assert not services.can_edit(db.session, pw.ria, public) and not services.can_edit(db.session, pw.ria, hidden)
    assert services.can_edit(db.session, pw.coordinator, hidden)
    assert not services.can_edit(db.session, pw.treasurer, pending)


# --- flags --------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [PlaceStatus.PENDING, PlaceStatus.HIDDEN])
def test_only_a_public_place_is_flagged(pw, make_place, status):
    place = make_place(status)
    with pytest.raises(DomainError):
        services.flag(db.session, pw.ria, place, "Klopt niet")
    assert count(PlaceFlag) == 0


def test_one_open_flag_per_neighbour_a_second_updates_the_note(pw, make_place):
    place = make_place()
    first = services.flag(db.session, pw.ahmed, place, "Verhuisd")
    second = services.flag(db.session, pw.ahmed, place, "  Verhuisd naar de bieb  ")
    db.session.commit()
    assert first.id == second.id and second.note == "Verhuisd naar de bieb"
    assert count(PlaceFlag) == 1
    services.flag(db.session, pw.joost, place, "Dicht op maandag")
    assert count(PlaceFlag) == 2
    services.review(db.session, pw.broker, place, "confirm")
    again = services.flag(db.session, pw.ahmed, place, "Nog steeds verhuisd")  # after a check: a new flag
    assert again.id != first.id and count(PlaceFlag) == 3


def test_a_flag_needs_a_note_and_is_cut_to_size(pw, make_place):
    place = make_place()
    with pytest.raises(DomainError):
        services.flag(db.session, pw.ahmed, place, "   ")
    assert len(services.flag(db.session, pw.ahmed, place, "x" * 600).note) == 500


# --- stories ------------------------------------------------------------------------------------

@pytest.mark.parametrize("status", [PlaceStatus.PENDING, PlaceStatus.HIDDEN])
def test_stories_only_on_a_public_place(pw, make_place, status):
    place = make_place(status)
    for person in (pw.ria, pw.broker):
        with pytest.raises(DomainError):
            services.add_story(db.session, person, place, STORY)
    assert count(Story) == 0


def test_a_story_is_at_least_a_sentence(pw, make_place):
    place = make_place()
    for body in ("", "Leuk!", "   kort     "):
        with pytest.raises(DomainError):
            services.add_story(db.session, pw.ahmed, place, body)
    story = services.add_story(db.session, pw.ahmed, place, "  Heel gezellig  ")  # ten characters is enough
    assert story.body == "Heel gezellig" and story.author_id == pw.ahmed.id
    assert len(services.add_story(db.session, pw.ahmed, place, "y" * 1500).body) == 1000


def test_the_author_removes_their_story(pw, make_place):
    place = make_place()
    story = services.add_story(db.session, pw.ahmed, place, STORY)
    services.remove_story(db.session, pw.ahmed, story, place)
    db.session.commit()
    assert count(Story) == 0


def test_a_reviewer_hides_someone_elses_story_and_still_sees_it(pw, make_place):
    place = make_place()
    story = services.add_story(db.session, pw.ahmed, place, STORY)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.remove_story(db.session, pw.joost, story, place)
    with pytest.raises(NotAllowed):
        services.remove_story(db.session, pw.treasurer, story, place)
    with pytest.raises(NotAllowed):
        services.remove_story(db.session, pw.other_broker, story, place)
    services.remove_story(db.session, pw.broker, story, place)
    db.session.commit()
    assert story.hidden_at is not None and story.hidden_by_id == pw.broker.id and count(Story) == 1
    assert services.stories_of(db.session, place, pw.joost) == []
    assert services.stories_of(db.session, place, pw.ahmed) == []
    assert services.stories_of(db.session, place, pw.coordinator) == [story]


def test_stories_newest_first(pw, make_place):
    place = make_place()
    now = utcnow()
    old = services.add_story(db.session, pw.ahmed, place, STORY, now=now - timedelta(days=3))
    new = services.add_story(db.session, pw.joost, place, STORY, now=now)
    assert services.stories_of(db.session, place, pw.annie) == [new, old]


# --- coming times -------------------------------------------------------------------------------

def test_upcoming_gives_the_dates_of_the_coming_two_weeks(pw):
    place = services.add_place(db.session, pw.broker, place_input(pw.zuilen, activities=[
        ActivityInput("Wandelen", 1, time(10, 0), time(11, 30)),
        ActivityInput("Eten", 0, time(18, 0)),
        ActivityInput("Koffie", 0, time(9, 30), time(11, 0)),
    ]))
    monday = date(2025, 3, 3)
    assert monday.weekday() == 0
    got = [(u.day, u.activity.title) for u in services.upcoming(place, monday)]
    assert got == [
        (date(2025, 3, 3), "Koffie"), (date(2025, 3, 3), "Eten"), (date(2025, 3, 4), "Wandelen"),
        (date(2025, 3, 10), "Koffie"), (date(2025, 3, 10), "Eten"), (date(2025, 3, 11), "Wandelen"),
    ]  # the Monday of 17 March is the fifteenth day: not shown
    wednesday = date(2025, 3, 5)
    assert [(u.day, u.activity.title) for u in services.upcoming(place, wednesday)] == [
        (date(2025, 3, 10), "Koffie"), (date(2025, 3, 10), "Eten"), (date(2025, 3, 11), "Wandelen"),
        (date(2025, 3, 17), "Koffie"), (date(2025, 3, 17), "Eten"), (date(2025, 3, 18), "Wandelen"),
    ]  # up to and including Tuesday 18 March, the fourteenth day
    assert services.upcoming(place, monday, days=1) == [u for u in services.upcoming(place, monday)
                                                        if u.day == monday]


def test_upcoming_for_every_weekday_and_none_without_activities(pw):
    place = services.add_place(db.session, pw.broker, place_input(pw.zuilen, activities=[
        ActivityInput(f"Dag {d}", d, time(12, 0)) for d in (6, 2)]))
    sunday = date(2025, 3, 9)
    assert [u.day for u in services.upcoming(place, sunday)] == [
        date(2025, 3, 9), date(2025, 3, 12), date(2025, 3, 16), date(2025, 3, 19)]
    assert all(u.day.weekday() == u.activity.weekday for u in services.upcoming(place, sunday))
    bare = services.add_place(db.session, pw.broker, place_input(pw.zuilen))
    assert services.upcoming(bare, sunday) == []


# --- the review queue ---------------------------------------------------------------------------

@pytest.fixture
def queue_world(pw, make_place):
    """In Zuilen: a pending, a flagged, a stale, a fresh and a hidden place; in Everdingen a pending one."""
    now = utcnow()
    places = dict(
        pending=make_place(PlaceStatus.PENDING, name="Nieuw"),
        flagged=make_place(name="Gemeld"),
        stale=make_place(name="Oud"),
        fresh=make_place(name="Vers"),
        almost=make_place(name="Bijna oud"),
        hidden=make_place(PlaceStatus.HIDDEN, name="Verborgen"),
        far=make_place(PlaceStatus.PENDING, author=pw.annie, hood=pw.everdingen, name="Ver weg"),
        next_door_stale=make_place(hood=pw.ondiep, name="Oud in Ondiep"),
    )
    services.flag(db.session, pw.ahmed, places["flagged"], "Verhuisd")
    services.flag(db.session, pw.joost, places["flagged"], "Dicht")
    places["stale"].confirmed_at = now - timedelta(days=184)
    places["next_door_stale"].confirmed_at = now - timedelta(days=400)
    places["almost"].confirmed_at = now - timedelta(days=182)
    places["hidden"].confirmed_at = now - timedelta(days=400)  # hidden: not stale, it is off the map
    db.session.commit()
    return places


def names(places) -> set[str]:
    return {p.name for p in places}


@pytest.mark.parametrize("who", ["broker", "coordinator"])
def test_the_queue_shows_pending_flagged_and_stale_places_of_the_reviewers_neighbourhoods(pw, queue_world, who):
    now = utcnow()
    queue = services.review_queue(db.session, getattr(pw, who), now)
    assert names(queue.pending) == {"Nieuw"}
    assert [(p.name, n) for p, n in queue.flagged] == [("Gemeld", 2)]
    assert names(queue.stale) == {"Oud", "Oud in Ondiep"}
    assert services.review_count(db.session, getattr(pw, who), now) == 4


def test_a_broker_of_another_area_or_a_treasurer_sees_none_of_it(pw, queue_world):
    now = utcnow()
    for person in (pw.treasurer, pw.ria):
        queue = services.review_queue(db.session, person, now)
        assert queue.pending == queue.flagged == queue.stale == []
        assert services.review_count(db.session, person, now) == 0
    queue = services.review_queue(db.session, pw.other_broker, now)
    assert names(queue.pending) == {"Ver weg"} and queue.flagged == [] and queue.stale == []
    assert services.review_count(db.session, pw.other_broker, now) == 1


def test_a_site_admin_sees_the_whole_queue(pw, queue_world):
    now = utcnow()
    queue = services.review_queue(db.session, pw.admin, now)
    assert names(queue.pending) == {"Nieuw", "Ver weg"}
    assert names(p for p, _ in queue.flagged) == {"Gemeld"}
    assert names(queue.stale) == {"Oud", "Oud in Ondiep"}
    assert services.review_count(db.session, pw.admin, now) == 5


def test_the_queue_empties_as_places_are_checked(pw, queue_world):
    for key, action in [("pending", "approve"), ("flagged", "confirm"), ("stale", "confirm"),
                        ("next_door_stale", "hide")]:
        services.review(db.session, pw.broker, queue_world[key], action)
    db.session.commit()
    queue = services.review_queue(db.session, pw.broker, utcnow())
    assert queue.pending == queue.flagged == queue.stale == []
    assert services.review_count(db.session, pw.broker, utcnow()) == 0


def test_a_place_that_is_flagged_and_stale_counts_once(pw, queue_world):
    services.flag(db.session, pw.ahmed, queue_world["stale"], "Bestaat niet meer")
    db.session.commit()
    now = utcnow()
    queue = services.review_queue(db.session, pw.broker, now)
    assert "Oud" in names(p for p, _ in queue.flagged) and "Oud" in names(queue.stale)
    assert services.review_count(db.session, pw.broker, now) == 4  # places, not reasons


def test_the_queue_goes_by_the_given_time(pw, queue_world):
    in_a_month = utcnow() + timedelta(days=30)
    assert "Bijna oud" in names(services.review_queue(db.session, pw.broker, in_a_month).stale)


# --- account data -------------------------------------------------------------------------------

def test_export_has_the_places_stories_and_flags_of_the_person(pw, make_place):
    place = make_place(name="De Boog")
    make_place(PlaceStatus.PENDING, name="Naaicafé")
    make_place(author=pw.joost, hood=pw.ondiep, name="Niet van Ria")
    services.add_story(db.session, pw.ria, place, STORY)
    services.add_story(db.session, pw.joost, place, "Joost vertelt ook iets over De Boog.")
    services.flag(db.session, pw.ria, place, "De tijden zijn anders")
    db.session.commit()
    data = export_data(db.session, pw.ria)["living_map"]
    assert data["places_added"] == ["De Boog", "Naaicafé"]
    assert [(s["place"], s["body"]) for s in data["stories"]] == [("De Boog", STORY)]
    assert [(f["place"], f["note"]) for f in data["place_flags"]] == [("De Boog", "De tijden zijn anders")]


def test_deleting_an_account_removes_stories_and_keeps_places_without_author(pw, make_place):
    place = make_place(name="De Boog")
    pending = make_place(PlaceStatus.PENDING, name="Naaicafé")
    services.add_story(db.session, pw.ria, place, STORY)
    kept = services.add_story(db.session, pw.joost, place, "Joost vertelt ook iets over De Boog.")
    services.flag(db.session, pw.ria, place, "De tijden zijn anders")
    db.session.commit()
    place_id, pending_id, kept_id, ria_id = place.id, pending.id, kept.id, pw.ria.id
    delete_account(db.session, pw.ria)
    db.session.commit()
    db.session.expunge_all()
    assert [s.id for s in db.session.scalars(sa.select(Story))] == [kept_id]
    assert count(Story, Story.author_id == ria_id) == 0
    for pid in (place_id, pending_id):
        assert db.session.get(Place, pid).author_id is None
    flag = db.session.scalar(sa.select(PlaceFlag))
    assert flag.neighbour_id is None and flag.note == "De tijden zijn anders"  # the reviewers still see what


def test_deleting_the_reviewer_keeps_the_review(pw, make_place):
    place = make_place(PlaceStatus.PENDING)
    services.review(db.session, pw.broker, place, "approve")
    db.session.commit()
    delete_account(db.session, pw.broker)
    db.session.commit()
    assert db.session.get(Place, place.id).status == PlaceStatus.PUBLIC


# --- the listing and "ga mee" helpers ------------------------------------------------------------

def test_listing_shows_public_places_and_ones_own_pending(pw, make_place):
    make_place(name="Openbaar")
    make_place(PlaceStatus.PENDING, name="Van Ria, nog niet gecheckt")
    make_place(PlaceStatus.HIDDEN, name="Verborgen")
    make_place(PlaceStatus.PENDING, author=pw.joost, hood=pw.ondiep, name="Van Joost, nog niet gecheckt")

    def listed(viewer):
        return names(services.listing(db.session, viewer, neighbourhood_ids=None, kind=None, q="", page=1)[0])

    assert listed(pw.ria) == {"Openbaar", "Van Ria, nog niet gecheckt"}
    assert listed(pw.joost) == {"Openbaar", "Van Joost, nog niet gecheckt"}
    for viewer in (pw.ahmed, pw.broker, pw.admin):
        assert listed(viewer) == {"Openbaar"}


def test_listing_orders_by_kind_then_neighbourhood_then_name(pw, make_place):
    make_place(name="B", kind=PlaceKind.WALKING, hood=pw.zuilen)
    make_place(name="A", kind=PlaceKind.WALKING, hood=pw.zuilen)
    make_place(name="C", kind=PlaceKind.WALKING, hood=pw.ondiep)
    make_place(name="D", kind=PlaceKind.COFFEE, hood=pw.zuilen)
    rows, more = services.listing(db.session, pw.ria, neighbourhood_ids=None, kind=None, q="", page=1)
    assert [(p.kind, p.neighbourhood.name, p.name) for p in rows] == [
        (PlaceKind.COFFEE, "Zuilen", "D"), (PlaceKind.WALKING, "Ondiep", "C"),
        (PlaceKind.WALKING, "Zuilen", "A"), (PlaceKind.WALKING, "Zuilen", "B")]
    assert not more
    page1, more1 = services.listing(db.session, pw.ria, neighbourhood_ids=None, kind=None, q="", page=1, per_page=3)
    page2, more2 = services.listing(db.session, pw.ria, neighbourhood_ids=None, kind=None, q="", page=2, per_page=3)
    assert [p.name for p in page1 + page2] == ["D", "C", "A", "B"] and more1 and not more2


def test_near_is_the_own_and_adjacent_neighbourhoods(pw):
    assert set(services.near(db.session, pw.ria)) == {pw.zuilen.id, pw.ondiep.id}
    assert set(services.near(db.session, pw.annie)) == {pw.everdingen.id}
    assert services.near(db.session, pw.admin) is None  # no neighbourhood: all


def test_public_place_for_ga_mee_and_referrals(pw, make_place):
    public, pending, hidden = make_place(), make_place(PlaceStatus.PENDING), make_place(PlaceStatus.HIDDEN)
    far = make_place(author=pw.annie, hood=pw.everdingen, name="Ver weg")
    assert services.public_place(db.session, None) is None
    assert services.public_place(db.session, public.id) is public
    for place_id in (pending.id, hidden.id, 999_999):
        with pytest.raises(DomainError):
            services.public_place(db.session, place_id)
    assert services.places_for_referral(db.session, [pw.zuilen.id, pw.ondiep.id]) == [public]
    assert services.places_for_referral(db.session, [pw.everdingen.id]) == [far]
