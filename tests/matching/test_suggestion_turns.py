"""Suggestions take turns: unanswered ones end after two days and the next helper is suggested; a suggested
helper's yes is the match when the asker agreed to that on their ask; a matched ask's suggestions end; a no keeps
two people apart for a while, not for good; suggested helpers hear about it."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from markupsafe import escape

from buurthulp.accounts.models import InterestDirection, Neighbour
from buurthulp.accounts.services import set_interests
from buurthulp.categories import Category
from buurthulp.db import utcnow
from buurthulp.errors import DomainError
from buurthulp.extensions import db
from buurthulp.matching.load import load
from buurthulp.matching.services import run_matching
from buurthulp.posts import matches as match_flow
from buurthulp.posts import services as posts
from buurthulp.posts.models import Match, MatchStatus, Notification, NotificationKind, Post, PostStatus, Timing
from buurthulp.posts.notifications import send_notification_mails
from tests.conftest import IS_SQLITE
from tests.factories import make_initiative, make_neighbour
from tests.matching.conftest import TUESDAY_MORNING
from tests.matching.test_run_matching import suggestions
from tests.posts.conftest import post_input
from tests.races import at_once


def one_at_a_time(app):
    app.config["MATCH_SUGGESTIONS_PER_ASK"] = 1


def statuses(ask) -> dict[int, MatchStatus]:
    db.session.expire_all()
    return {m.helper_id: m.status for m in suggestions(ask)}


def test_an_unanswered_suggestion_ends_after_two_days_and_the_next_helper_is_suggested(app, town):
    one_at_a_time(app)
    people, ask = town
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()
    assert statuses(ask) == {people["ahmed"].id: MatchStatus.SUGGESTED}
    # a day and a half later nothing changes: the suggestion still has time
    assert run_matching(db.session, now + timedelta(days=1.5))["expired"] == 0
    db.session.commit()
    assert statuses(ask) == {people["ahmed"].id: MatchStatus.SUGGESTED}
    counts = run_matching(db.session, now + timedelta(days=2, minutes=1))
    db.session.commit()
    assert counts["expired"] == 1 and counts["suggestions"] == 1
    assert not counts["full"]  # the hourly run: the ended suggestion marks its ask's bucket as changed
    assert statuses(ask) == {people["ahmed"].id: MatchStatus.EXPIRED, people["joost"].id: MatchStatus.SUGGESTED}
    # the ended suggestion is nobody's conversation: not in either person's list
    assert all(m.ask_id != ask.id or m.status != MatchStatus.EXPIRED
               for m in match_flow.matches_of(db.session, people["ria"]))
    assert match_flow.matches_of(db.session, people["ahmed"]) == []


def agreed(ask):
    """The asker ticked "neighbours the app suggests may say yes straight away" (the form's default)."""
    ask.suggested_can_agree = True
    db.session.commit()


def test_a_suggested_helpers_yes_is_the_match_when_the_asker_agreed_beforehand(app, town, outbox):
    people, ask = town
    agreed(ask)
    run_matching(db.session, utcnow())
    db.session.commit()
    joosts = next(m for m in suggestions(ask) if m.helper_id == people["joost"].id)
    match = match_flow.respond(db.session, people["joost"], ask, note="Dinsdag kan ik")
    db.session.commit()
    assert match.id == joosts.id and match.status == MatchStatus.ACCEPTED
    assert match.asker_accepted_at is not None and match.helper_accepted_at is not None
    assert db.session.get(Post, ask.id).status == PostStatus.MATCHED
    # the other suggestion ended with it, and no longer counts as Ahmed's load (counted_as_load)
    assert statuses(ask) == {people["joost"].id: MatchStatus.ACCEPTED, people["ahmed"].id: MatchStatus.EXPIRED}
    told = db.session.scalars(sa.select(Notification.kind).where(Notification.neighbour_id == people["ria"].id,
                                                                 Notification.match_id == match.id)).all()
    assert told == [NotificationKind.ACCEPTED]


def test_without_that_agreement_the_yes_waits_for_the_asker(app, town):
    people, ask = town
    assert not ask.suggested_can_agree  # not chosen: a service's default, as for a lift ask
    run_matching(db.session, utcnow())
    db.session.commit()
    match = match_flow.respond(db.session, people["joost"], ask)
    db.session.commit()
    assert match.status == MatchStatus.PROPOSED and match.asker_accepted_at is None
    assert db.session.get(Post, ask.id).status == PostStatus.OPEN
    match_flow.accept(db.session, people["ria"], match)
    db.session.commit()
    assert statuses(ask) == {people["joost"].id: MatchStatus.ACCEPTED, people["ahmed"].id: MatchStatus.EXPIRED}


def test_a_helper_whose_suggestion_ended_can_still_respond(app, client, town):
    one_at_a_time(app)
    people, ask = town
    agreed(ask)
    now = utcnow()
    run_matching(db.session, now - timedelta(days=3))
    db.session.commit()
    run_matching(db.session, now)  # Ahmed's suggestion ran out, Joost is suggested now
    db.session.commit()
    client.login("ahmed@example.org")
    page = client.get(f"/posts/{ask.id}").get_data(as_text=True)
    assert f"/posts/{ask.id}/respond" in page
    assert client.post(f"/posts/{ask.id}/respond", {"note": ""}).status_code == 302
    # like anyone nearby: Ria agreed beforehand to the neighbours suggested now, and decides on his yes
    assert statuses(ask)[people["ahmed"].id] == MatchStatus.PROPOSED


def test_an_ask_that_is_matched_asks_nobody_else(app, town):
    people, ask = town
    agreed(ask)
    run_matching(db.session, utcnow())
    db.session.commit()
    match_flow.respond(db.session, people["ahmed"], ask)
    db.session.commit()
    with pytest.raises(DomainError):
        match_flow.respond(db.session, people["joost"], ask)
    db.session.rollback()
    assert run_matching(db.session, utcnow() + timedelta(hours=1))["suggestions"] == 0


def test_a_no_keeps_two_people_apart_for_a_while_not_for_good(app, town):
    one_at_a_time(app)
    people, ask = town
    set_interests(people["joost"], InterestDirection.OFFER, [])
    db.session.commit()
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()
    (only,) = suggestions(ask)
    match_flow.decline(db.session, people["ria"], only, now=now)
    db.session.commit()

    def new_ask(at):
        post = posts.create_post(db.session, people["ria"], post_input(title="Lamp", timing=Timing.WEEKLY,
                                                                       weekly_slots=TUESDAY_MORNING), now=at)
        db.session.commit()
        return post

    soon = now + timedelta(days=30)
    second = new_ask(soon)
    assert run_matching(db.session, soon, full=True)["suggestions"] == 0
    db.session.commit()
    later = now + timedelta(days=91)
    third = new_ask(later)
    run_matching(db.session, later, full=True)
    db.session.commit()
    assert [m.helper_id for m in suggestions(third)] == [people["ahmed"].id]
    assert suggestions(second) == []  # still never twice for the same ask: the ask he said no to is over anyway
    assert [m.helper_id for m in suggestions(ask)] == [people["ahmed"].id]


def test_suggested_helpers_are_told_in_the_app_and_by_mail_at_most_weekly(app, town, outbox):
    people, ask = town
    now = utcnow()
    counts = run_matching(db.session, now)
    db.session.commit()
    assert counts["helpers_told"] == 2 and counts["askers_told"] == 1
    told = db.session.execute(sa.select(Notification.neighbour_id, Notification.post_id).where(
        Notification.kind == NotificationKind.SUGGESTED_TO_HELP)).all()
    assert sorted(told) == sorted([(people["ahmed"].id, ask.id), (people["joost"].id, ask.id)])
    send_notification_mails(db.session, now)
    db.session.commit()
    assert sorted(m["To"] for m in outbox()) == ["ahmed@example.org", "joost@example.org", "ria@example.org"]
    # another ask two days later: Ahmed hears in the app, not by mail again
    other = make_neighbour(people["ria"].neighbourhood, email="els@example.org", latitude=52.1105, longitude=5.0935)
    db.session.commit()
    posts.create_post(db.session, other, post_input(timing=Timing.WEEKLY, weekly_slots=TUESDAY_MORNING))
    db.session.commit()
    later = now + timedelta(days=2)
    run_matching(db.session, later)
    send_notification_mails(db.session, later)
    db.session.commit()
    assert sorted(m["To"] for m in outbox()[3:]) == ["els@example.org"]


def test_the_notification_names_the_ask_and_leads_to_it(app, client, town):
    people, ask = town
    run_matching(db.session, utcnow())
    db.session.commit()
    client.login("ahmed@example.org")
    page = client.get("/notifications").get_data(as_text=True)
    assert ask.title in page and f"/posts/{ask.id}" in page


def _respond_at_once(app, ask_id: int, helper_ids: list[int]) -> list[BaseException]:
    return at_once(app, helper_ids, lambda i: (db.session, db.session.get(Neighbour, i), db.session.get(Post, ask_id)),
                   match_flow.respond)


@pytest.mark.skipif(IS_SQLITE, reason="needs PostgreSQL: several connections at once (CI runs it in its "
                                      "PostgreSQL step)")
def test_when_suggested_helpers_say_yes_at_once_one_match_is_made(app, town):
    people, ask = town
    agreed(ask)
    app.config["MATCH_SUGGESTIONS_PER_ASK"] = 6
    helpers = [people["ahmed"], people["joost"]]
    for i in range(4):
        helper = make_neighbour(people["ria"].neighbourhood, email=f"h{i}@example.org", latitude=52.111,
                                longitude=5.0935, availability=TUESDAY_MORNING)
        set_interests(helper, InterestDirection.OFFER, [Category.ODD_JOBS])
        helpers.append(helper)
    db.session.commit()
    app.config["MATCH_PROPOSALS_PER_HELPER_PER_WEEK"] = 5
    run_matching(db.session, utcnow())
    db.session.commit()
    assert len(suggestions(ask)) == 6
    assert _respond_at_once(app, ask.id, [h.id for h in helpers]) == []
    found = statuses(ask)
    assert sorted(found.values()) == sorted([MatchStatus.ACCEPTED] + [MatchStatus.EXPIRED] * 5)


# --- the choice on the ask form -----------------------------------------------------------------

def test_the_ask_form_offers_the_choice_ticked_and_keeps_what_the_asker_chose(app, client, town):
    from tests.posts.test_routes import post_form

    people, ask = town
    client.login("ria@example.org")
    page = client.get("/posts/new").get_data(as_text=True)
    (box,) = re.findall(r'<input[^>]*name="suggested_can_agree"[^>]*>', page)
    assert "checked" in box
    assert client.post("/posts/new", post_form(title="Met vinkje", suggested_can_agree="y")).status_code == 302
    assert client.post("/posts/new", post_form(title="Zonder vinkje")).status_code == 302
    assert client.post("/posts/new", post_form(kind="offer", title="Aanbod", suggested_can_agree="y")).status_code \
        == 302
    chosen = dict(db.session.execute(sa.select(Post.title, Post.suggested_can_agree)).all())
    assert chosen["Met vinkje"] is True and chosen["Zonder vinkje"] is False
    assert chosen["Aanbod"] is False  # an offer has no suggestions of its own
    # changing the ask keeps the choice visible and changeable
    edit = client.get(f"/posts/{ask.id}/edit").get_data(as_text=True)
    assert 'name="suggested_can_agree"' in edit
    assert client.post(f"/posts/{ask.id}/edit", post_form(title=ask.title)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, ask.id).suggested_can_agree is False


def test_others_cannot_change_the_choice(app, make_client, town):
    from tests.posts.test_routes import post_form

    people, ask = town
    agreed(ask)
    joost = make_client()
    joost.login("joost@example.org")
    assert joost.post(f"/posts/{ask.id}/edit", post_form(title=ask.title)).status_code in (403, 404)
    anonymous = make_client()
    assert anonymous.post(f"/posts/{ask.id}/edit", post_form(title=ask.title)).status_code == 302  # to log in
    db.session.expire_all()
    assert db.session.get(Post, ask.id).suggested_can_agree is True


def test_nobody_is_mailed_about_suggestions_who_does_not_want_mail_or_has_no_address(app, town, outbox):
    people, ask = town
    people["ahmed"].notify_by_mail = False
    people["joost"].email = None  # a neighbour the broker answers for
    db.session.commit()
    now = utcnow()
    run_matching(db.session, now)
    send_notification_mails(db.session, now)
    db.session.commit()
    assert [m["To"] for m in outbox()] == ["ria@example.org"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.mailed_at.is_(None))) == 0  # stamped: the hourly job does not pick them up again


def test_a_yes_to_the_askers_own_pick_after_a_suggested_helper_agreed_makes_no_second_match(app, town):
    people, ask = town
    agreed(ask)
    run_matching(db.session, utcnow())
    db.session.commit()
    by_helper = {m.helper_id: m for m in suggestions(ask)}
    match_flow.accept(db.session, people["ria"], by_helper[people["ahmed"].id])  # Ria asks Ahmed herself
    db.session.commit()
    match_flow.respond(db.session, people["joost"], ask)  # Joost, suggested too, says yes first: the match
    db.session.commit()
    ahmeds = db.session.get(Match, by_helper[people["ahmed"].id].id)
    assert ahmeds.status == MatchStatus.EXPIRED
    told = db.session.scalars(sa.select(Notification.kind).where(Notification.neighbour_id == people["ahmed"].id,
                                                                 Notification.match_id == ahmeds.id)).all()
    assert NotificationKind.ASK_HELPED in told
    with pytest.raises(DomainError):
        match_flow.accept(db.session, people["ahmed"], ahmeds)
    db.session.rollback()
    assert sorted(statuses(ask).values()) == [MatchStatus.ACCEPTED, MatchStatus.EXPIRED]


def test_the_suggestions_of_a_neighbour_the_broker_answers_for_do_not_run_out(app, town):
    people, ask = town
    initiative = make_initiative(people["ria"].neighbourhood)
    people["ria"].proxy_initiative_id = initiative.id
    db.session.commit()
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()
    assert run_matching(db.session, now + timedelta(days=3))["expired"] == 0
    db.session.commit()
    assert set(statuses(ask).values()) == {MatchStatus.SUGGESTED}


def test_the_helper_reads_what_their_yes_does_and_is_thanked_for_the_match(app, client, town):
    people, ask = town
    agreed(ask)
    run_matching(db.session, utcnow())
    db.session.commit()
    client.login("joost@example.org")
    page = client.get(f"/posts/{ask.id}").get_data(as_text=True)
    with force_locale("nl"):
        # (a template's own text is not escaped, only the values put into it)
        assert gettext("%(name)s agreed beforehand to a neighbour buurthulp suggests. Your yes is the match: you "
                       "will both see each other's contact details.", name="Ria") in page
    response = client.post(f"/posts/{ask.id}/respond", {"note": ""}, follow_redirects=True)
    with force_locale("nl"):
        assert str(escape(gettext("Thank you! You are helping %(name)s now. Make an appointment together.",
                                  name="Ria"))) in response.get_data(as_text=True)
    # the asker's page does not list the suggestion that ended with it among the responses
    client.logout()
    client.login("ria@example.org")
    page = client.get(f"/posts/{ask.id}").get_data(as_text=True)
    assert "Ahmed" not in page


def test_the_digest_keeps_to_the_same_turns(app, town):
    """The monthly digest lists asks a helper could take as the matcher sees them: an ask whose suggestion to them
    ran out is theirs to answer again, and a no from long ago no longer hides them from each other."""
    from buurthulp.digest.content import build
    from tests.digest.conftest import edition

    one_at_a_time(app)
    people, ask = town
    now = utcnow()
    run_matching(db.session, now - timedelta(days=3))
    db.session.commit()
    run_matching(db.session, now)  # Ahmed's suggestion ran out
    db.session.commit()
    ahmed = people["ahmed"]
    assert ask.id in [item.id for item in build(db.session, [ahmed], edition(), now)[ahmed.id].asks]
    second = posts.create_post(db.session, people["ria"], post_input(title="Lamp", timing=Timing.WEEKLY,
                                                                     weekly_slots=TUESDAY_MORNING))
    old_no = Match(ask=posts.create_post(db.session, people["ria"], post_input(title="Oud"), now=now - timedelta(
        days=120)), asker_id=people["ria"].id, helper_id=people["joost"].id, source="scheduler",
        status=MatchStatus.DECLINED, closed_at=now - timedelta(days=100), created_at=now - timedelta(days=101))
    db.session.add(old_no)
    db.session.commit()
    joost = people["joost"]
    assert second.id in [item.id for item in build(db.session, [joost], edition(), now)[joost.id].asks]
    old_no.closed_at = now - timedelta(days=10)  # a recent no: kept apart
    db.session.commit()
    assert second.id not in [item.id for item in build(db.session, [joost], edition(), now)[joost.id].asks]


def test_an_ask_that_opens_again_may_be_suggested_the_helpers_whose_suggestions_ended_with_the_match(app, town):
    people, ask = town
    agreed(ask)
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()
    match = match_flow.respond(db.session, people["joost"], ask, note="Dinsdag kan ik")
    db.session.commit()
    assert statuses(ask)[people["ahmed"].id] == MatchStatus.EXPIRED  # ended with the match
    match_flow.cancel(db.session, people["joost"], db.session.get(Match, match.id), "Ik ben ziek geworden",
                      now=now + timedelta(hours=2))
    db.session.commit()
    assert db.session.get(Post, ask.id).status == PostStatus.OPEN
    counts = run_matching(db.session, now + timedelta(hours=3))
    db.session.commit()
    assert not counts["full"]
    assert statuses(ask) == {people["ahmed"].id: MatchStatus.SUGGESTED, people["joost"].id: MatchStatus.CANCELLED}


def test_a_suggestion_that_ended_unanswered_is_no_load_for_its_helper(app, town):
    """The fair spread counts what was asked of a helper: not a suggestion that nobody answered
    (``matching.load.counted_as_load``, also the broker's candidates and a circle's suggested helpers)."""
    one_at_a_time(app)
    people, _ask = town
    now = utcnow()
    run_matching(db.session, now)
    db.session.commit()

    def load_of_ahmed(at):
        return load(db.session, at, max_metres=3000, k=1, m=2)[2].load.get(people["ahmed"].id, 0)

    assert load_of_ahmed(now + timedelta(hours=1)) == 1  # his suggestion is live
    assert run_matching(db.session, now + timedelta(days=2, minutes=1))["expired"] == 1
    db.session.commit()
    assert load_of_ahmed(now + timedelta(days=2, hours=1)) == 0
