"""Figures for funders about activities: dates held, people reached, new contacts; per month for an initiative,
counts only, in a fixed number of queries; on the figures page and in a spreadsheet."""

from __future__ import annotations

import csv
import io
from datetime import time, timedelta

import pytest

from buurthulp.activities.figures import activity_figures
from buurthulp.activities.models import (
    Activity,
    ActivityDate,
    ActivityKind,
    ActivityOrganiser,
    ActivitySignup,
    ActivityStatus,
    DateStatus,
    Repeat,
    SignupStatus,
)
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Post, PostKind, PostStatus, Timing
from buurthulp.timeutil import add_months, local_to_utc, local_today, month_start
from tests.factories import make_initiative, make_neighbour


def months():
    """Three whole months: two months ago, last month, this month."""
    this = month_start(local_today())
    return add_months(this, -2), add_months(this, -1), this


def activity(aw, title, starts_on, *, repeat=Repeat.ONCE, until=None, hood=None, **kw) -> Activity:
    a = Activity(title=title, kind=ActivityKind.COFFEE, neighbourhood_id=(hood or aw.zuilen).id,
                 author_id=aw.otto.id, starts_on=starts_on, start_time=time(10, 0), duration_minutes=120,
                 repeat=repeat, repeat_until=until, last_on=starts_on if repeat == Repeat.ONCE else until,
                 place_note="Bij de kerk", created_at=local_to_utc(starts_on, time(8)) - timedelta(days=7), **kw)
    db.session.add(a)
    db.session.flush()
    db.session.add(ActivityOrganiser(activity_id=a.id, neighbour_id=aw.otto.id))
    return a


def coming(a, day, *people, status=SignupStatus.COMING):
    for person in people:
        db.session.add(ActivitySignup(activity_id=a.id, on_date=day, neighbour_id=person.id, status=status,
                                      created_at=local_to_utc(day, time(8)) - timedelta(days=2)))


def agreed(asker, helper, at):
    post = Post(kind=PostKind.ASK, author=asker, neighbourhood_id=asker.neighbourhood_id, category=Category.ODD_JOBS,
                title="Plank ophangen", timing=Timing.FLEXIBLE, status=PostStatus.MATCHED,
                created_at=at - timedelta(days=1), expires_at=at + timedelta(days=30))
    db.session.add(post)
    db.session.flush()
    db.session.add(Match(ask_id=post.id, asker_id=asker.id, helper_id=helper.id, source=MatchSource.RESPONSE,
                         status=MatchStatus.ACCEPTED, created_at=at - timedelta(hours=2), accepted_at=at))


@pytest.fixture
def held(aw):
    """Two months of Kracht van Zuilen's activities, and one far away and one hidden that do not count."""
    m0, m1, _m2 = months()
    day = m0 + timedelta(days=2)  # a weekly morning on the 3rd, 10th and 17th
    weekly = activity(aw, "Koffie", day, repeat=Repeat.WEEKLY, until=day + timedelta(days=18))
    db.session.add_all([
        ActivityDate(activity_id=weekly.id, on_date=day, status=DateStatus.ON, attendance=7),
        ActivityDate(activity_id=weekly.id, on_date=day + timedelta(days=7), status=DateStatus.CANCELLED),
    ])
    coming(weekly, day, aw.anna, aw.bert, aw.otto)
    coming(weekly, day + timedelta(days=7), aw.karin)          # the cancelled date: not counted
    coming(weekly, day + timedelta(days=14), aw.anna)
    coming(weekly, day + timedelta(days=14), aw.joost, status=SignupStatus.WAITING)
    # put on by Kracht itself, far away in Everdingen: counts
    own = activity(aw, "Uitje", m1 + timedelta(days=4), hood=aw.everdingen, initiative_id=aw.kracht.id)
    db.session.add(ActivityDate(activity_id=own.id, on_date=own.starts_on, status=DateStatus.ON, attendance=12))
    coming(own, own.starts_on, aw.karin, aw.anna)
    # cancelled on the 12th: its dates on the 2nd and the 9th were held, the 16th and 23rd not
    stopped = activity(aw, "Wandelen", m1 + timedelta(days=1), repeat=Repeat.WEEKLY, until=m1 + timedelta(days=22),
                       status=ActivityStatus.CANCELLED, updated_at=local_to_utc(m1 + timedelta(days=11), time(12)))
    coming(stopped, m1 + timedelta(days=15), aw.bert)
    # not Kracht's, and one a moderator hid
    activity(aw, "Elders", m1 + timedelta(days=4), hood=aw.everdingen)
    hidden = activity(aw, "Verborgen", m1 + timedelta(days=4), hidden_at=utcnow())
    coming(hidden, hidden.starts_on, aw.bert)
    # Anna and Bert met on the 3rd and agreed on help last month: a new contact. Later help does not count again.
    agreed(aw.anna, aw.bert, local_to_utc(m1 + timedelta(days=6), time(15)))
    agreed(aw.bert, aw.anna, local_to_utc(m1 + timedelta(days=20), time(15)))
    # Bert and Otto had helped each other before they met; Joost only waited for a place
    agreed(aw.otto, aw.bert, local_to_utc(m0, time(15)))
    agreed(aw.bert, aw.otto, local_to_utc(m1 + timedelta(days=8), time(15)))
    agreed(aw.joost, aw.anna, local_to_utc(m1 + timedelta(days=8), time(15)))
    db.session.commit()
    return months()


def as_tuples(rows):
    return [(r.month, r.dates_held, r.came, r.dates_counted, r.signed_up, r.new_contacts) for r in rows]


def test_dates_held_people_reached_and_new_contacts_per_month(aw, held):
    m0, m1, m2 = held
    rows = activity_figures(db.session, db.session.get(Initiative, aw.kracht.id), m0, m2)
    assert as_tuples(rows)[:2] == [
        (m0, 2, 7, 1, 3, 0),   # the 3rd and the 17th; 7 came on the 3rd; Anna, Bert, Otto signed up
        (m1, 3, 12, 1, 2, 1),  # the outing and two walks before the cancellation; Karin and Anna; Anna-Bert met
    ]
    # this month: the coffee morning of the world starts next Thursday, so nothing was held yet
    assert as_tuples(rows)[2][1:] == (0, 0, 0, 0, 0)


def test_another_initiative_counts_what_was_held_in_its_own_neighbourhoods(aw, held):
    m0, _m1, m2 = held
    elsewhere = make_initiative(aw.everdingen, name="Dorp Everdingen")
    db.session.commit()
    rows = activity_figures(db.session, elsewhere, m0, m2)
    # "Elders", and Kracht's outing that was held in Everdingen; none of Zuilen's
    assert [r.dates_held for r in rows] == [0, 2, 0]


def test_a_date_is_held_once_it_is_over(aw, held):
    m0 = held[0]
    kracht = db.session.get(Initiative, aw.kracht.id)
    first = m0 + timedelta(days=2)
    during = activity_figures(db.session, kracht, m0, m0, now=local_to_utc(first, time(11, 59)))
    after = activity_figures(db.session, kracht, m0, m0, now=local_to_utc(first, time(12, 0)))
    assert (during[0].dates_held, after[0].dates_held) == (0, 1)


def test_the_figures_take_the_same_queries_for_few_and_many_activities(aw, held, count_queries):
    m0, m1, m2 = held
    kracht = db.session.get(Initiative, aw.kracht.id)
    with count_queries() as few:
        activity_figures(db.session, kracht, m0, m2)
    for i in range(8):
        a = activity(aw, f"Spel {i}", m0 + timedelta(days=5 + i), repeat=Repeat.WEEKLY, until=m1 + timedelta(days=9))
        people = [make_neighbour(aw.zuilen) for _ in range(3)]
        coming(a, a.starts_on, *people)
        agreed(people[0], people[1], local_to_utc(m1 + timedelta(days=12), time(9)))
    db.session.commit()
    kracht = db.session.get(Initiative, aw.kracht.id)
    with count_queries() as many:
        rows = activity_figures(db.session, kracht, m0, m2)
    assert few.count == many.count <= 5
    assert rows[1].new_contacts == 1 + 8


def test_the_page_and_the_spreadsheet(aw, held, client):
    m0, m1, m2 = held
    client.login("broker@example.org")
    period = f"from={m0:%Y-%m}&to={m2:%Y-%m}"
    page = client.get(f"/broker/{aw.kracht.slug}/figures?{period}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="activities-heading"' in html and f"/figures/activities.csv?{period.replace('&', '&amp;')}" in html
    sheet = client.get(f"/broker/{aw.kracht.slug}/figures/activities.csv?{period}")
    assert sheet.status_code == 200
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[1:3] == [[f"{m0:%Y-%m}", "2", "7", "1", "3", "0"], [f"{m1:%Y-%m}", "3", "12", "1", "2", "1"]]
    assert "Anna" not in sheet.get_data(as_text=True)  # counts only


@pytest.mark.parametrize("who,status", [("anna", 403), ("treasurer", 403), ("karin", 403)])
def test_only_the_brokers_get_the_spreadsheet(aw, client, who, status):
    client.login(f"{who}@example.org")
    assert client.get(f"/broker/{aw.kracht.slug}/figures/activities.csv").status_code == status


def test_a_bad_period_is_a_plain_400(aw, client):
    client.login("broker@example.org")
    response = client.get(f"/broker/{aw.kracht.slug}/figures/activities.csv?from=2025-13")
    assert response.status_code == 400 and response.mimetype == "text/plain"
