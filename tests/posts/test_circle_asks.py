"""Asks "to my circle" (issue 19): shown to the author's circle first (or only), and to the neighbourhood only
once ``circle_only_until`` has passed: the post page, responding, the feed, the matcher, the digest, the ga-mee
lists, the post form and the circle's page. The circles' world: Annie is at the centre of a circle with Ria in
it, Joost is invited, Kracht's broker looks after it; the treasurer is a plain neighbour of Zuilen, Karin lives
far away (tests/circles/conftest.py)."""

from __future__ import annotations

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from buurthulp import access
from buurthulp.accounts.models import InterestDirection
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category, DayPart, Weekday, mask_of
from buurthulp.circles.models import Circle, CircleMember, CircleStatus, MemberRole, MemberStatus
from buurthulp.db import utcnow
from buurthulp.digest.content import build
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.matching.services import run_matching
from buurthulp.posts import services as posts
from buurthulp.posts.models import Match, Post, PostKind, Timing
from tests.circles.conftest import cw  # noqa: F401
from tests.digest.conftest import edition
from tests.posts.conftest import post_input

TUESDAY_MORNING = mask_of([(Weekday.TUESDAY, DayPart.MORNING)])


def ask(author, circle=None, days=None, **kw) -> Post:
    post = posts.create_post(db.session, author, post_input(
        timing=Timing.WEEKLY, weekly_slots=TUESDAY_MORNING, circle_id=circle.id if circle else None,
        circle_days=days, **kw))
    db.session.commit()
    return post


def pass_time(post: Post) -> None:
    """The circle's time is over: from now on the neighbourhood sees the ask too."""
    post.circle_only_until = utcnow() - timedelta(minutes=1)
    db.session.commit()


def login(make_client, person):
    c = make_client()
    c.login(person.email)
    return c


# --- who sees it ----------------------------------------------------------------------------------

# the author, an active member, the circle's broker; the brokers who moderate Zuilen see any post there, as
# before (Zuilen Samen's broker, the site admin); nobody else, also not the invited Joost next door
CIRCLE_ONLY = {"annie": 200, "ria": 200, "broker": 200, "other_broker": 200, "admin": 200,
               "joost": 404, "treasurer": 404, "karin": 404, "far_broker": 404}
# once public: neighbours in reach too, not those far away
LATER = {**CIRCLE_ONLY, "joost": 200, "treasurer": 200}


@pytest.mark.parametrize("public", [False, True], ids=["circle-only", "after"])
def test_who_sees_a_circle_ask(cw, make_client, public):  # noqa: F811
    post = ask(cw.annie, cw.circle, days=1)
    if public:
        pass_time(post)
    expected = LATER if public else CIRCLE_ONLY
    for role, status in expected.items():
        response = login(make_client, getattr(cw, role)).get(f"/posts/{post.id}")
        assert response.status_code == status, role


def test_only_for_the_circle_stays_so(cw):  # noqa: F811
    post = ask(cw.annie, cw.circle)  # no days: the circle only, for good
    assert post.circle_id == cw.circle.id and post.circle_only_until is None
    later = utcnow() + timedelta(days=365)
    assert not access.may_see_post(db.session, cw.treasurer, post, later)
    assert access.may_see_post(db.session, cw.ria, post, later)


def test_a_member_far_away_sees_and_responds_and_a_neighbour_may_not(cw, make_client):  # noqa: F811
    db.session.add(CircleMember(circle_id=cw.circle.id, neighbour_id=cw.karin.id, role=MemberRole.MEMBER,
                                status=MemberStatus.ACTIVE, joined_at=utcnow()))
    db.session.commit()
    post = ask(cw.annie, cw.circle)
    assert access.respond_refusal(db.session, cw.karin, post, utcnow()) is None
    assert access.respond_refusal(db.session, cw.treasurer, post, utcnow()) is not None
    assert login(make_client, cw.treasurer).post(f"/posts/{post.id}/respond", {"note": ""}).status_code == 404
    response = login(make_client, cw.karin).post(f"/posts/{post.id}/respond", {"note": "Ik kom"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Match.helper_id).where(Match.ask_id == post.id)) == cw.karin.id


def test_a_member_who_left_no_longer_sees_it(cw):  # noqa: F811
    post = ask(cw.annie, cw.circle)
    access.membership(db.session, cw.ria, cw.circle).status = MemberStatus.LEFT
    db.session.commit()
    assert not access.may_see_post(db.session, cw.ria, post)


# --- every list of other people's posts ---------------------------------------------------------

def feed_ids(viewer, now=None) -> set[int]:
    query = posts.feed_query(db.session, viewer, posts.FeedFilters(), now or utcnow())
    return {p.id for p in db.session.scalars(query)}


def test_the_feed_leaves_it_out_until_its_time(cw, make_client):  # noqa: F811
    circle_ask = ask(cw.annie, cw.circle, days=3, title="Boodschappen voor Annie")
    plain = ask(cw.annie, title="Plank ophangen")
    for viewer in (cw.treasurer, cw.ria, cw.joost):  # also the circle's own members: they have the circle page
        assert feed_ids(viewer) == {plain.id}
    assert "Boodschappen voor Annie" not in login(make_client, cw.treasurer).get("/posts").get_data(as_text=True)
    assert feed_ids(cw.treasurer, utcnow() + timedelta(days=3, minutes=1)) == {plain.id, circle_ask.id}
    pass_time(circle_ask)
    assert "Boodschappen voor Annie" in login(make_client, cw.treasurer).get("/posts").get_data(as_text=True)


@pytest.fixture
def helper(cw):  # noqa: F811
    """The treasurer likes odd jobs on Tuesday morning: the matcher and the digest would suggest Annie's asks."""
    cw.treasurer.availability = TUESDAY_MORNING
    set_interests(cw.treasurer, InterestDirection.OFFER, [Category.ODD_JOBS])
    db.session.commit()
    return cw.treasurer


def test_the_matcher_does_not_suggest_it_while_it_is_for_the_circle(cw, helper):  # noqa: F811
    circle_ask = ask(cw.annie, cw.circle, days=1)
    plain = ask(cw.ria)
    run_matching(db.session, utcnow())
    db.session.commit()
    suggested = set(db.session.scalars(sa.select(Match.ask_id).where(Match.helper_id == helper.id)))
    assert suggested == {plain.id}
    run_matching(db.session, utcnow() + timedelta(days=1, minutes=1))
    db.session.commit()
    assert db.session.scalar(sa.select(Match.helper_id).where(Match.ask_id == circle_ask.id)) == helper.id


def test_the_digest_does_not_list_it(cw, helper):  # noqa: F811
    circle_ask = ask(cw.annie, cw.circle, title="Alleen de kring")
    plain = ask(cw.ria, title="Voor de buurt")
    offer = posts.create_post(db.session, helper, post_input(kind=PostKind.OFFER, timing=Timing.WEEKLY,
                                                             weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    out = build(db.session, [helper, cw.annie, cw.ria], edition(), utcnow())
    assert [i.id for i in out[helper.id].asks] == [plain.id]  # asks near you
    assert out[cw.annie.id].offers == []                       # offers for your asks: not for a circle-only one
    assert [i.id for i in out[cw.ria.id].offers] == [offer.id]
    assert circle_ask.id not in {i.id for c in out.values() for i in c.asks + c.offers}


def test_every_list_of_open_posts_asks_the_rule():
    """A function that selects open posts shows them to others unless it is the author's own or a broker's
    list: it must say ``post_public``. A new list that forgets the rule fails here; add it to ``NOT_SHOWN`` only
    if nobody but the author or a broker sees what it reads."""
    not_shown = {
        ("posts/services.py", "expire_posts"), ("posts/services.py", "remind_expiring_posts"),  # the author's
        ("posts/services.py", "circle_asks"),        # the circle's own list, for those who see the circle
        ("broker/services.py", "queue"), ("broker/queue.py", "_open_asks"),  # brokers look after circles
        ("broker/networks.py", "_asks_help"), ("broker/people_routes.py", "print_overview"),
    }
    root = Path(__file__).resolve().parents[2] / "buurthulp"
    open_posts = re.compile(r"Post\.status\b.*PostStatus\.OPEN|Post\.circle_id\b")
    found, missing = set(), []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("access/"):
            continue  # where the rule lives
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                text = ast.get_source_segment(source, node) or ""
                if open_posts.search(text) and "post_public" not in text:
                    found.add((rel, node.name))
                    if (rel, node.name) not in not_shown:
                        missing.append(f"{rel}:{node.name}")
    assert missing == [], "lists of open posts without access.post_public(now)"
    assert not_shown <= found, "NOT_SHOWN names a function that is gone or asks the rule now"


def test_the_ga_mee_list_leaves_it_out(cw):  # noqa: F811
    from buurthulp.places.models import Place, PlaceKind, PlaceStatus
    from buurthulp.places.services import going_along

    place = Place(name="Buurthuis", kind=list(PlaceKind)[0], status=PlaceStatus.PUBLIC,
                  neighbourhood_id=cw.zuilen.id, latitude=52.11, longitude=5.09)
    db.session.add(place)
    db.session.flush()
    circle_ask = ask(cw.annie, cw.circle, place_id=place.id)
    plain = ask(cw.ria, place_id=place.id)
    assert [p.id for p in going_along(db.session, place, cw.treasurer, utcnow())] == [plain.id]
    assert circle_ask.id not in [p.id for p in going_along(db.session, place, cw.ria, utcnow())]


# --- posting it -----------------------------------------------------------------------------------

def form(**kw) -> dict:
    today = utcnow().date()
    data = {"kind": "ask", "category": Category.ODD_JOBS.value, "title": "Boodschappen", "timing": "flexible",
            "period_start": today.isoformat(), "period_end": (today + timedelta(days=7)).isoformat(),
            "duration_minutes": "60", "place": "home_area", "expiry_days": "30"}
    data.update(kw)
    return data


def test_the_form_offers_the_circle_only_to_people_in_an_active_circle(cw, make_client):  # noqa: F811
    for person, offered in ((cw.annie, True), (cw.ria, True), (cw.joost, False), (cw.treasurer, False),
                            (cw.broker, False)):
        page = login(make_client, person).get("/posts/new?kind=ask").get_data(as_text=True)
        assert ('name="audience"' in page) is offered, person.display_name
    cw.circle.status = CircleStatus.ENDED
    db.session.commit()
    assert 'name="audience"' not in login(make_client, cw.ria).get("/posts/new").get_data(as_text=True)


@pytest.mark.parametrize(("audience", "days"), [("circle_1", 1), ("circle_3", 3), ("circle", None)])
def test_posting_to_my_circle(cw, make_client, audience, days):  # noqa: F811
    before = utcnow()
    response = login(make_client, cw.ria).post("/posts/new", form(audience=audience, circle=str(cw.circle.id)))
    assert response.status_code == 302
    post = db.session.scalar(sa.select(Post).where(Post.author_id == cw.ria.id))
    assert post.circle_id == cw.circle.id
    if days is None:
        assert post.circle_only_until is None
    else:
        assert before + timedelta(days=days) <= post.circle_only_until <= utcnow() + timedelta(days=days)


def test_the_neighbourhood_is_the_default_and_an_offer_is_never_for_the_circle(cw, make_client):  # noqa: F811
    c = login(make_client, cw.ria)
    assert c.post("/posts/new", form(title="Gewoon")).status_code == 302
    assert c.post("/posts/new", form(kind="offer", title="Aanbod", audience="circle",
                                     circle=str(cw.circle.id))).status_code == 302
    rows = db.session.execute(sa.select(Post.title, Post.circle_id).where(Post.author_id == cw.ria.id)).all()
    assert sorted(rows) == [("Aanbod", None), ("Gewoon", None)]


def test_a_forged_circle_is_refused(cw, make_client):  # noqa: F811
    other = Circle(centre_id=cw.karin.id, status=CircleStatus.ACTIVE)
    db.session.add(other)
    db.session.commit()
    ria, treasurer, joost = (login(make_client, p) for p in (cw.ria, cw.treasurer, cw.joost))
    assert ria.post("/posts/new", form(audience="circle", circle=str(other.id))).status_code == 400
    assert ria.post("/posts/new", form(audience="circle", circle="nonsense")).status_code == 400
    assert ria.post("/posts/new", form(audience="always", circle=str(cw.circle.id))).status_code == 400
    assert treasurer.post("/posts/new", form(audience="circle", circle=str(cw.circle.id))).status_code == 400
    assert joost.post("/posts/new", form(audience="circle_1", circle=str(cw.circle.id))).status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Post)) == 0
    for person, circle, days in ((cw.ria, other, None), (cw.joost, cw.circle, 1), (cw.ria, cw.circle, 2)):
        with pytest.raises(DomainError) as refused:
            posts.create_post(db.session, person, post_input(circle_id=circle.id, circle_days=days))
        assert refused.value.status_code == 400
        db.session.rollback()
    with pytest.raises(DomainError):
        posts.create_post(db.session, cw.ria, post_input(kind=PostKind.OFFER, circle_id=cw.circle.id))


# --- on the circle's page and the post's page ----------------------------------------------------

def test_the_circle_page_lists_its_asks_in_one_more_query(cw, make_client, count_queries):  # noqa: F811
    ria, broker = login(make_client, cw.ria), login(make_client, cw.broker)
    first = ask(cw.annie, cw.circle, days=3, title="Eerste vraag")
    with count_queries() as one:
        page = ria.get(f"/circles/{cw.circle.id}").get_data(as_text=True)
    assert f"/posts/{first.id}" in page
    ask(cw.ria, cw.circle, title="Tweede vraag")
    public = ask(cw.annie, cw.circle, days=1, title="Derde vraag")
    pass_time(public)
    closed = ask(cw.annie, cw.circle, title="Gesloten vraag")
    posts.close_post(db.session, cw.annie, closed)
    ask(cw.annie, title="Niet voor de kring")
    db.session.commit()
    with count_queries() as three:
        page = ria.get(f"/circles/{cw.circle.id}").get_data(as_text=True)
    assert three.count == one.count
    for title in ("Eerste vraag", "Tweede vraag", "Derde vraag"):
        assert title in page
    assert "Gesloten vraag" not in page and "Niet voor de kring" not in page
    assert "Tweede vraag" in broker.get(f"/circles/{cw.circle.id}").get_data(as_text=True)


def test_the_post_page_tells_the_circle_and_nobody_else(cw, make_client):  # noqa: F811
    post = ask(cw.annie, cw.circle, days=1)
    pass_time(post)
    for person, told in ((cw.annie, True), (cw.ria, True), (cw.broker, True), (cw.treasurer, False),
                         (cw.other_broker, False)):
        page = login(make_client, person).get(f"/posts/{post.id}").get_data(as_text=True)
        assert ('id="circle-ask"' in page) is told, person.display_name
