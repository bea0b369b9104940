"""Getting there: a lift ask or offer is a transport post linked to the date, once per person and date, only for
those coming; the matcher finds a driver; a moved date moves its lifts, a cancelled one closes them; the date
page shows the lifts."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from buurthulp.accounts.models import InterestDirection
from buurthulp.accounts.services import set_interests
from buurthulp.activities import lifts, services, signups
from buurthulp.activities.dates import occurrence
from buurthulp.categories import Category, DayPart, Weekday, mask_of
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.matching.services import run_matching
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts import services as posts
from buurthulp.posts.models import (
    Match,
    MatchStatus,
    Notification,
    NotificationKind,
    Post,
    PostKind,
    PostLocation,
    PostStatus,
    Timing,
)
from tests.factories import make_neighbour


def _english(*people):
    for person in people:
        person.locale = "en"
    db.session.commit()


def _coming(aw, *people, on=None):
    for person in people:
        signups.join(db.session, person, aw.coffee, on or aw.first)
    db.session.commit()


def _matches(post):
    return db.session.scalars(sa.select(Match).where(sa.or_(Match.ask_id == post.id, Match.offer_id == post.id))
                              .order_by(Match.id)).all()


# --- asking and offering ------------------------------------------------------------------------

def test_a_lift_ask_is_a_transport_ask_on_the_day_of_the_date_with_the_activity_as_place(aw):
    _english(aw.anna)
    _coming(aw, aw.anna)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    assert (ask.kind, ask.category, ask.timing) == (PostKind.ASK, Category.TRANSPORT, Timing.ONCE)
    assert (ask.activity_id, ask.activity_on, ask.on_date) == (aw.coffee.id, aw.first, aw.first)
    assert ask.day_part == DayPart.MORNING  # the coffee morning starts at ten
    assert ask.duration_minutes == aw.coffee.duration_minutes
    assert ask.place == PostLocation.ELSEWHERE
    assert ask.place_note == "Buurthuis De Schakel, Amsterdamsestraatweg 1"
    assert ask.title == "A lift to Koffieochtend"
    assert "10:00 to 12:00" in ask.description and "Buurthuis De Schakel" in ask.description
    assert ask.status == PostStatus.OPEN and ask.expires_at > utcnow() + timedelta(days=1)
    # it is in the feed like every post: Bert in Zuilen sees it
    feed = db.session.scalars(posts.feed_query(db.session, aw.bert, posts.FeedFilters(), utcnow())).all()
    assert ask in feed


def test_the_title_is_in_the_authors_own_language(aw):
    aw.anna.locale = "nl"
    _coming(aw, aw.anna)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    offer_by = make_neighbour(aw.zuilen, locale="en")
    _coming(aw, offer_by)
    offer = lifts.offer_lift(db.session, offer_by, aw.coffee, aw.first)
    assert "Koffieochtend" in ask.title and "Koffieochtend" in offer.title
    assert offer.title == "I can take someone along to Koffieochtend"
    assert offer.kind == PostKind.OFFER and offer.category == Category.TRANSPORT


def test_asking_twice_gives_the_same_ask_and_offering_twice_the_same_offer(aw):
    _coming(aw, aw.anna)
    first = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    again = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    offer = lifts.offer_lift(db.session, aw.anna, aw.coffee, aw.first)
    assert first.id == again.id and offer.id != first.id
    assert lifts.offer_lift(db.session, aw.anna, aw.coffee, aw.first).id == offer.id
    # a lift for another date is another post
    _coming(aw, aw.anna, on=aw.first + timedelta(days=7))
    other = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first + timedelta(days=7))
    assert other.id != first.id and other.on_date == aw.first + timedelta(days=7)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)
                             .where(Post.author_id == aw.anna.id)) == 3


def test_only_someone_coming_or_waiting_asks_and_someone_coming_or_organising_offers(app, aw):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(DomainError) as refused:
            lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
        assert "coming first" in str(refused.value.message)
        with pytest.raises(DomainError):
            lifts.offer_lift(db.session, aw.anna, aw.coffee, aw.first)
        with pytest.raises(NotAllowed):  # far away: cannot join, so no lift
            lifts.ask_lift(db.session, aw.karin, aw.coffee, aw.first)
    _coming(aw, aw.anna, aw.bert, aw.joost)  # two places: Joost waits
    assert lifts.ask_lift(db.session, aw.joost, aw.coffee, aw.first).kind == PostKind.ASK
    with pytest.raises(DomainError):  # waiting: not (yet) sure to go, so no offer
        lifts.offer_lift(db.session, aw.joost, aw.coffee, aw.first)
    assert lifts.offer_lift(db.session, aw.otto, aw.coffee, aw.first).kind == PostKind.OFFER  # the organiser
    with pytest.raises(DomainError):  # not one of its dates
        lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first + timedelta(days=1))


def test_no_lift_to_a_cancelled_date(aw):
    _coming(aw, aw.anna)
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first)
    with pytest.raises(DomainError):
        lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)


def test_a_broker_asks_a_lift_for_the_neighbour_they_represent_only(aw):
    signups.join(db.session, aw.jansen, aw.coffee, aw.first, by=aw.broker)
    ask = lifts.ask_lift(db.session, aw.jansen, aw.coffee, aw.first, by=aw.broker)
    assert ask.author_id == aw.jansen.id and ask.activity_on == aw.first
    with pytest.raises(NotAllowed):
        lifts.ask_lift(db.session, aw.jansen, aw.coffee, aw.first, by=aw.coordinator)
    with pytest.raises(DomainError):  # not signed up for the next date
        lifts.ask_lift(db.session, aw.jansen, aw.coffee, aw.first + timedelta(days=7), by=aw.broker)


# --- the matcher --------------------------------------------------------------------------------

def test_the_matcher_proposes_a_driver_who_offered_a_lift(aw):
    _coming(aw, aw.anna, aw.bert)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    offer = lifts.offer_lift(db.session, aw.bert, aw.coffee, aw.first)
    db.session.commit()
    run_matching(db.session, utcnow())
    db.session.commit()
    (match,) = _matches(ask)
    assert (match.helper_id, match.offer_id, match.status) == (aw.bert.id, offer.id, MatchStatus.SUGGESTED)
    # Anna picks Bert, Bert says yes: the lift is agreed
    match_flow.accept(db.session, aw.anna, match)
    match_flow.accept(db.session, aw.bert, match)
    db.session.commit()
    assert match.status == MatchStatus.ACCEPTED and ask.status == PostStatus.MATCHED


def test_the_matcher_suggests_a_neighbour_who_likes_to_drive_on_that_morning(aw):
    _coming(aw, aw.anna)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    driver = make_neighbour(aw.zuilen, latitude=aw.zuilen.centre_lat, longitude=aw.zuilen.centre_lon,
                            availability=mask_of([(Weekday(aw.first.weekday()), DayPart.MORNING)]))
    set_interests(driver, InterestDirection.OFFER, [Category.TRANSPORT])
    db.session.commit()
    run_matching(db.session, utcnow())
    db.session.commit()
    assert [m.helper_id for m in _matches(ask)] == [driver.id]


# --- keeping lifts in step ----------------------------------------------------------------------

def test_a_moved_date_moves_its_lifts_and_tells_the_driver(aw):
    _english(aw.anna)
    _coming(aw, aw.anna)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    driver = make_neighbour(aw.zuilen)  # not signed up himself: answered Anna's ask
    match = match_flow.respond(db.session, driver, ask)
    match_flow.accept(db.session, aw.anna, match)
    start = match.agreed_start = ask.created_at.replace(microsecond=0) + timedelta(days=2)
    db.session.commit()
    new_day = aw.first + timedelta(days=1)
    services.move_date(db.session, aw.otto, aw.coffee, aw.first, new_day, time(14, 30))
    db.session.commit()
    assert (ask.on_date, ask.day_part, ask.activity_on) == (new_day, DayPart.AFTERNOON, aw.first)
    assert "14:30 to 16:30" in ask.description and "10:00" not in ask.description
    assert ask.status == PostStatus.MATCHED and match.status == MatchStatus.ACCEPTED
    assert match.agreed_start == start + timedelta(days=1, hours=4, minutes=30)
    told = db.session.scalars(sa.select(Notification).where(Notification.neighbour_id == driver.id,
                                                            Notification.kind == NotificationKind.ACTIVITY_CHANGED))
    assert [(n.activity_id, n.activity_on) for n in told] == [(aw.coffee.id, aw.first)]


def test_a_cancelled_date_closes_its_lifts_and_ends_their_matches(aw):
    _coming(aw, aw.anna, aw.bert)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    offer = lifts.offer_lift(db.session, aw.bert, aw.coffee, aw.first)
    driver = make_neighbour(aw.zuilen)
    agreed = match_flow.respond(db.session, driver, ask)
    match_flow.accept(db.session, aw.anna, agreed)
    next_week = aw.first + timedelta(days=7)
    _coming(aw, aw.anna, on=next_week)
    later = lifts.ask_lift(db.session, aw.anna, aw.coffee, next_week)
    _coming(aw, aw.joost)  # on the waiting list, and would like a lift too
    waiting = lifts.ask_lift(db.session, aw.joost, aw.coffee, aw.first)
    db.session.commit()
    run_matching(db.session, utcnow())
    db.session.commit()
    assert [(m.ask_id, m.status) for m in _matches(offer)] == [(waiting.id, MatchStatus.SUGGESTED)]
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first)
    db.session.commit()
    assert [p.status for p in (ask, offer, waiting, later)] == [PostStatus.CLOSED] * 3 + [PostStatus.OPEN]
    assert agreed.status == MatchStatus.CANCELLED
    assert {m.status for m in _matches(offer)} == {MatchStatus.CANCELLED}
    told = db.session.scalars(sa.select(Notification.kind).where(Notification.neighbour_id == driver.id)).all()
    assert NotificationKind.ACTIVITY_CANCELLED in told
    # the whole activity off: every lift still to come closes
    services.cancel(db.session, aw.otto, aw.coffee)
    db.session.commit()
    assert later.status == PostStatus.CLOSED


# --- the date page ------------------------------------------------------------------------------

def test_the_date_page_shows_my_lifts_and_the_buttons(aw, client, make_client):
    _english(aw.anna, aw.bert, aw.karin)
    url = f"/activities/{aw.coffee.id}/{aw.first.isoformat()}"
    client.login("anna@example.org")
    page = client.get(url).get_data(as_text=True)
    assert "Getting there" in page and "Say that you are coming first" in page
    assert f"{url}/lift/ask" not in page
    _coming(aw, aw.anna, aw.bert)
    page = client.get(url).get_data(as_text=True)
    assert f'action="{url}/lift/ask"' in page and f'action="{url}/lift/offer"' in page
    response = client.post(f"{url}/lift/ask")
    assert response.status_code == 302
    ask = db.session.scalar(sa.select(Post).where(Post.author_id == aw.anna.id))
    assert response.headers["Location"].endswith(f"/posts/{ask.id}")
    post_page = client.get(f"/posts/{ask.id}").get_data(as_text=True)
    assert f'href="{url}"' in post_page and "The activity this lift is for" in post_page
    page = client.get(url).get_data(as_text=True)
    assert "You asked for a lift" in page and f'action="{url}/lift/ask"' not in page
    assert f'action="{url}/lift/offer"' not in page  # who asks for a lift is not offered to give one
    again = client.post(f"{url}/lift/ask")  # a second click changes nothing
    assert again.headers["Location"].endswith(f"/posts/{ask.id}")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 1

    bert = make_client()
    bert.login("bert@example.org")
    page = bert.get(url).get_data(as_text=True)
    assert "Anna is looking for a lift" in page and f'href="/posts/{ask.id}"' in page
    assert bert.post(f"{url}/lift/offer").status_code == 302
    offer = db.session.scalar(sa.select(Post).where(Post.author_id == aw.bert.id))
    assert offer.kind == PostKind.OFFER and offer.activity_on == aw.first
    assert "Bert can take someone along" in client.get(url).get_data(as_text=True)

    # someone who blocked Anna does not see her ask
    moderation.block(db.session, aw.bert, aw.anna)
    db.session.commit()
    assert "Anna is looking for a lift" not in bert.get(url).get_data(as_text=True)


def test_the_lift_buttons_refuse_clearly(aw, client, make_client):
    _english(aw.anna, aw.karin)
    url = f"/activities/{aw.coffee.id}/{aw.first.isoformat()}"
    client.login("anna@example.org")
    response = client.post(f"{url}/lift/ask")  # not coming: back to the date page, saying why
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}#lifts-heading")
    assert "Say that you are coming first" in client.get(url).get_data(as_text=True)
    assert client.post(f"/activities/{aw.coffee.id}/{(aw.first + timedelta(days=1)).isoformat()}/lift/ask"
                       ).status_code == 404
    assert client.post(f"{url}/lift/ask", csrf=False).status_code == 400
    karin = make_client()
    karin.login("karin@example.org")
    assert karin.post(f"{url}/lift/ask").status_code == 404  # she does not see the activity
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0


def test_the_lift_section_takes_the_same_number_of_queries_for_many_lifts(aw, count_queries):
    def queries():
        o = occurrence(db.session, aw.coffee, aw.first)
        db.session.expire_all()
        with count_queries() as q:
            section = lifts.lift_section(db.session, o, aw.anna)
        return q.count, len(section.others)

    _coming(aw, aw.anna)
    lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    db.session.commit()
    few = queries()
    aw.coffee.capacity = None
    for _ in range(12):
        person = make_neighbour(aw.zuilen)
        signups.join(db.session, person, aw.coffee, aw.first)
        lifts.offer_lift(db.session, person, aw.coffee, aw.first)
    db.session.commit()
    many = queries()
    assert many[1] == 12 and few[1] == 0
    assert many[0] == few[0]


def test_not_coming_after_all_ends_ones_own_lift_but_not_others(aw):
    _coming(aw, aw.anna, aw.bert)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    offer = lifts.offer_lift(db.session, aw.bert, aw.coffee, aw.first)
    lifts.leave(db.session, aw.anna, aw.coffee, aw.first)
    assert ask.status == PostStatus.CLOSED and offer.status != PostStatus.CLOSED


def test_a_new_time_for_the_series_moves_the_lifts_of_coming_dates(aw):
    _coming(aw, aw.anna)
    ask = lifts.ask_lift(db.session, aw.anna, aw.coffee, aw.first)
    assert "10:00" in ask.description
    data = services.ActivityInput(title="Koffieochtend", kind=aw.coffee.kind, starts_on=aw.first,
                                  start_time=time(15, 0), repeat=aw.coffee.repeat, place_id=aw.centre.id, capacity=2)
    services.change(db.session, aw.otto, aw.coffee, data)
    assert "15:00" in ask.description and ask.day_part == lifts.day_part_of(time(15, 0))
