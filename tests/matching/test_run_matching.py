"""The matcher against the database: stored suggestions, reruns, mail once a week, and the people's side."""

from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from buurthulp.accounts.models import InterestDirection
from buurthulp.accounts.services import set_interests
from buurthulp.categories import DayPart, Weekday, mask_of
from buurthulp.db import utcnow
from buurthulp.extensions import db
from buurthulp.matching.services import run_matching
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation
from buurthulp.posts import services as posts
from buurthulp.posts.display import reason_text
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Notification, NotificationKind, PostKind, Timing
from buurthulp.timeutil import local_today
from tests.factories import make_neighbour, make_neighbourhood
from tests.matching.conftest import TUESDAY_MORNING
from tests.posts.conftest import post_input


def suggestions(ask):
    return db.session.scalars(sa.select(Match).where(Match.ask_id == ask.id).order_by(Match.score.desc())).all()


def test_suggests_near_helpers_with_reasons_and_a_rerun_adds_nothing(town):
    people, ask = town
    now = utcnow()
    counts = run_matching(db.session, now)
    db.session.commit()
    found = suggestions(ask)
    assert [m.helper_id for m in found] == [people["ahmed"].id, people["joost"].id]  # not far-away Annie
    assert all(m.source == MatchSource.SCHEDULER and m.status == MatchStatus.SUGGESTED for m in found)
    assert {"code": "time", "weekday": 1, "part": 0} in found[0].reasons
    assert counts["suggestions"] == 2
    assert run_matching(db.session, now + timedelta(hours=1))["suggestions"] == 0


def test_never_a_blocked_or_declined_pair(town):
    people, ask = town
    moderation.block(db.session, people["ria"], people["ahmed"])
    db.session.commit()
    run_matching(db.session, utcnow())
    db.session.commit()
    (only,) = suggestions(ask)
    assert only.helper_id == people["joost"].id
    match_flow.decline(db.session, people["ria"], only)
    db.session.commit()
    assert run_matching(db.session, utcnow() + timedelta(hours=1))["suggestions"] == 0


def test_times_must_fit(town):
    people, ask = town
    people["ahmed"].availability = mask_of([(Weekday.FRIDAY, DayPart.EVENING)])
    db.session.commit()
    run_matching(db.session, utcnow())
    assert [m.helper_id for m in suggestions(ask)] == [people["joost"].id]


def test_helper_gets_at_most_two_new_proposals_a_week(app, town):
    people, _ = town
    for i in range(3):
        asker = make_neighbour(people["ria"].neighbourhood, email=f"asker{i}@example.org", latitude=52.1105,
                               longitude=5.0935)
        posts.create_post(db.session, asker, post_input(timing=Timing.WEEKLY, weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    run_matching(db.session, utcnow())
    db.session.commit()
    per_helper = dict(db.session.execute(sa.select(Match.helper_id, sa.func.count()).group_by(Match.helper_id)).all())
    assert max(per_helper.values()) <= 2


def test_asker_is_mailed_at_most_once_a_week(app, town, outbox):
    people, ask = town
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()
    from buurthulp.posts.notifications import send_notification_mails

    send_notification_mails(db.session, now)
    db.session.commit()
    def to_ria():
        return [m for m in outbox() if m["To"] == "ria@example.org"]

    assert len(to_ria()) == 1  # the helpers hear too (test_suggestion_turns.py)
    # a second ask, new suggestions two days later: in the app, not by mail
    second = posts.create_post(db.session, people["ria"], post_input(title="Lamp ophangen", timing=Timing.WEEKLY,
                                                                     weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    later = now + timedelta(days=2)
    assert run_matching(db.session, later)["suggestions"] == 2
    send_notification_mails(db.session, later)
    db.session.commit()
    assert len(to_ria()) == 1
    assert second.id


def test_asker_sees_ranked_suggestions_proposes_and_helper_accepts(client, make_client, town):
    people, ask = town
    run_matching(db.session, utcnow())
    db.session.commit()
    client.login("ria@example.org")
    page = client.get(f"/posts/{ask.id}").get_data(as_text=True)
    assert page.index("Ahmed") < page.index("Joost")  # best first
    assert "Allebei tijd" in page or "Both free" in page  # the reasons in words
    best = suggestions(ask)[0]
    assert client.post(f"/matches/{best.id}/accept").status_code == 302
    db.session.refresh(best)
    assert best.status == MatchStatus.PROPOSED and best.asker_accepted_at is not None
    helper = make_client()
    helper.login("ahmed@example.org")
    assert helper.post(f"/matches/{best.id}/accept").status_code == 302
    db.session.refresh(best)
    assert best.status == MatchStatus.ACCEPTED


def test_helper_sees_the_asks_suggested_to_them_and_a_response_takes_the_suggestion(client, town):
    people, ask = town
    ask.suggested_can_agree = False  # else the response is the match (test_suggestion_turns.py)
    run_matching(db.session, utcnow())
    db.session.commit()
    client.login("joost@example.org")
    page = client.get("/my/posts").get_data(as_text=True)
    assert ask.title in page
    # the helper cannot accept a suggestion the asker has not chosen
    joosts = next(m for m in suggestions(ask) if m.helper_id == people["joost"].id)
    assert client.post(f"/matches/{joosts.id}/accept").status_code == 400
    response = client.post(f"/posts/{ask.id}/respond", {"note": "Ik kan dinsdag"})
    assert response.status_code == 302
    db.session.refresh(joosts)
    assert joosts.status == MatchStatus.PROPOSED and joosts.helper_accepted_at is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Match).where(
        Match.ask_id == ask.id, Match.helper_id == people["joost"].id)) == 1


def test_offers_are_candidates_too(town):
    people, ask = town
    set_interests(people["joost"], InterestDirection.OFFER, [])
    set_interests(people["ahmed"], InterestDirection.OFFER, [])
    db.session.commit()
    offer = posts.create_post(db.session, people["joost"], post_input(kind=PostKind.OFFER, title="Klusjes",
                                                                      timing=Timing.WEEKLY,
                                                                      weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    run_matching(db.session, utcnow())
    (only,) = suggestions(ask)
    assert only.helper_id == people["joost"].id and only.offer_id == offer.id
    assert {"code": "offer"} in only.reasons


def test_cli_matching_run(town, runner):
    result = runner.invoke(args=["matching", "run"])
    assert result.exit_code == 0 and "suggestions: 2," in result.output


def test_one_offer_fits_two_asks_of_the_same_person(town):
    people, ask = town
    set_interests(people["joost"], InterestDirection.OFFER, [])
    set_interests(people["ahmed"], InterestDirection.OFFER, [])
    offer = posts.create_post(db.session, people["joost"], post_input(kind=PostKind.OFFER, title="Klusjes",
                                                                      timing=Timing.WEEKLY,
                                                                      weekly_slots=TUESDAY_MORNING))
    second = posts.create_post(db.session, people["ria"], post_input(title="Lamp", timing=Timing.WEEKLY,
                                                                     weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    assert run_matching(db.session, utcnow())["suggestions"] == 2
    db.session.commit()
    linked = db.session.scalars(sa.select(Match.ask_id).where(Match.offer_id == offer.id)).all()
    assert len(linked) == 1 and linked[0] in (ask.id, second.id)


TUESDAY_AND_THURSDAY_MORNING = mask_of([(Weekday.TUESDAY, DayPart.MORNING), (Weekday.THURSDAY, DayPart.MORNING)])


def test_two_period_posts_name_the_morning_both_profiles_list_not_monday(app, client):
    """Issue 16: "both free on Monday morning" for two people free only on Tuesday and Thursday mornings."""
    hood = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ria, joost = (make_neighbour(hood, email=f"{name}@example.org", name=name.capitalize(), latitude=52.1105,
                                 longitude=5.0935, availability=TUESDAY_AND_THURSDAY_MORNING)
                  for name in ("ria", "joost"))
    db.session.commit()
    # both "within a period" of two weeks: every weekday is in it, Monday first
    ask = posts.create_post(db.session, ria, post_input())
    offer = posts.create_post(db.session, joost, post_input(kind=PostKind.OFFER, title="Klusjes"))
    db.session.commit()
    run_matching(db.session, utcnow())
    db.session.commit()
    (only,) = suggestions(ask)
    assert only.offer_id == offer.id
    times = [r for r in only.reasons if r["code"] == "time"]
    assert times == [{"code": "time", "weekday": Weekday.TUESDAY, "part": DayPart.MORNING}]
    with app.test_request_context(), force_locale("en"):
        texts = [reason_text(r) for r in only.reasons]
    assert "Both free on Tuesday morning" in texts
    assert not any("Monday" in text for text in texts)
    client.login("ria@example.org")
    page = client.get(f"/posts/{ask.id}").get_data(as_text=True)
    with app.test_request_context(), force_locale("nl"):
        assert reason_text(times[0]) in page and gettext("Monday morning") not in page


def test_period_posts_of_people_without_a_shared_day_match_but_name_no_day(app):
    hood = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ria = make_neighbour(hood, email="ria@example.org", availability=TUESDAY_MORNING)
    joost = make_neighbour(hood, email="joost@example.org",
                           availability=mask_of([(Weekday.FRIDAY, DayPart.EVENING)]))
    db.session.commit()
    ask = posts.create_post(db.session, ria, post_input())
    posts.create_post(db.session, joost, post_input(kind=PostKind.OFFER, title="Klusjes"))
    db.session.commit()
    run_matching(db.session, utcnow())
    (only,) = suggestions(ask)  # both said "any day in these two weeks": they can still work it out
    assert not [r for r in only.reasons if r["code"] == "time"]


def test_two_periods_that_share_one_day_name_that_day(app):
    hood = make_neighbourhood("Zuilen", ["3554"], centre=(52.1105, 5.0935))
    ria, joost = make_neighbour(hood, email="ria@example.org"), make_neighbour(hood, email="joost@example.org")
    db.session.commit()
    today = local_today()
    ask = posts.create_post(db.session, ria, post_input(period_start=today, period_end=today + timedelta(days=3)))
    posts.create_post(db.session, joost, post_input(kind=PostKind.OFFER, title="Klusjes",
                                                    period_start=today + timedelta(days=3),
                                                    period_end=today + timedelta(days=10)))
    db.session.commit()
    run_matching(db.session, utcnow())
    (only,) = suggestions(ask)
    shared = (today + timedelta(days=3)).weekday()
    assert [r for r in only.reasons if r["code"] == "time"] == [{"code": "time", "weekday": shared, "part": 0}]


def test_within_the_week_other_news_is_mailed_without_the_suggestions(app, town, outbox):
    from buurthulp.posts.notifications import notify, send_notification_mails

    people, _ask = town
    ria = people["ria"]
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()
    send_notification_mails(db.session, now)
    db.session.commit()
    second = posts.create_post(db.session, ria, post_input(title="Lamp ophangen", timing=Timing.WEEKLY,
                                                           weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    later = now + timedelta(days=2)
    assert run_matching(db.session, later)["suggestions"] == 2
    notify(db.session, ria.id, NotificationKind.EXPIRING, post=second, now=later, mail=False)
    send_notification_mails(db.session, later)
    db.session.commit()
    to_ria = [m for m in outbox() if m["To"] == "ria@example.org"]
    assert len(to_ria) == 2
    assert "Lamp ophangen" in str(to_ria[-1].get_body(("plain",)).get_content())
    pending = db.session.scalars(sa.select(Notification).where(Notification.neighbour_id == ria.id,
                                                               Notification.mailed_at.is_(None))).all()
    assert pending == [], "the suggestions went into the app only, and are not mailed later either"
    assert db.session.get(type(ria), ria.id).suggestions_mailed_at == now
