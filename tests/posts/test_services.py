"""Rules of asking and offering: posts, responses, matches, done and thanks, expiry, blocks, reports, mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from buurthulp import access
from buurthulp.categories import DayPart, Weekday, mask_of
from buurthulp.db import utcnow
from buurthulp.errors import DomainError, NotAllowed
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Role
from buurthulp.posts import matches as match_flow
from buurthulp.posts import moderation, services
from buurthulp.posts.models import (
    Match,
    MatchSource,
    MatchStatus,
    Message,
    Notification,
    NotificationKind,
    Post,
    PostKind,
    PostStatus,
    Report,
    ThankYou,
    Timing,
)
from buurthulp.posts.notifications import send_notification_mails
from buurthulp.timeutil import local_today
from tests.conftest import mail_text
from tests.factories import add_member, make_initiative, make_neighbour
from tests.posts.conftest import post_input


@pytest.fixture
def config_overrides():
    # Services run outside a request here, as in the scheduler: mail links come from PUBLIC_URL.
    return {"PUBLIC_URL": "https://buurthulp.example"}


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def notifications_of(neighbour, kind=None) -> list[Notification]:
    stmt = sa.select(Notification).where(Notification.neighbour_id == neighbour.id)
    if kind is not None:
        stmt = stmt.where(Notification.kind == kind)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def mails_to(outbox, address: str) -> list:
    return [m for m in outbox() if m["To"] == address]


@pytest.fixture
def ask(world, make_post):
    """Ria (Zuilen) asks for help."""
    return make_post(world.ria, title="Plank ophangen")


@pytest.fixture
def offer(world, make_post):
    """Joost (Ondiep, next to Zuilen) offers help."""
    return make_post(world.joost, kind=PostKind.OFFER, title="Samen wandelen")


@pytest.fixture
def proposed(world, ask):
    """Ahmed responded to Ria's ask; Ria has not answered yet."""
    match = match_flow.respond(db.session, world.ahmed, ask, "Ik heb een boormachine")
    db.session.commit()
    return match


@pytest.fixture
def agreed(world, proposed):
    """Ria said yes to Ahmed."""
    match_flow.accept(db.session, world.ria, proposed)
    db.session.commit()
    return proposed


@pytest.fixture
def done(world, agreed):
    """Ahmed said it is done; Ria confirmed."""
    match_flow.mark_done(db.session, world.ahmed, agreed, 90)
    match_flow.confirm_done(db.session, world.ria, agreed)
    db.session.commit()
    return agreed


@pytest.fixture
def other_broker(world):
    """A broker of another initiative, working in far-away Everdingen."""
    bram = make_neighbour(world.everdingen, email="bram@example.org", name="Bram")
    add_member(make_initiative(world.everdingen, name="Samen Everdingen"), bram, Role.BROKER)
    db.session.commit()
    return bram


# --- create, update, close, renew ---------------------------------------------------------------

def test_a_post_belongs_to_the_authors_neighbourhood_and_expires_in_30_days(world):
    now = utcnow()
    post = services.create_post(db.session, world.ria, post_input(title="  Plank ophangen  ",
                                                                  private_details=" Kerkweg 12 "), now=now)
    db.session.commit()
    assert post.neighbourhood_id == world.zuilen.id
    assert post.status == PostStatus.OPEN
    assert post.title == "Plank ophangen" and post.private_details == "Kerkweg 12"
    assert (post.latitude, post.longitude) == (world.ria.latitude, world.ria.longitude)
    assert post.expires_at == now + timedelta(days=30)


def test_fields_of_other_timings_are_not_kept(world):
    today = local_today()
    post = services.create_post(db.session, world.ria, post_input(
        timing=Timing.ONCE, on_date=today, day_part=DayPart.EVENING.value,
        period_start=today, period_end=today + timedelta(days=3), weekly_slots=5))
    assert post.on_date == today and post.day_part == DayPart.EVENING
    assert post.period_start is None and post.period_end is None and post.weekly_slots == 0


def test_a_weekly_post_with_slots_is_accepted(world):
    slots = mask_of([(Weekday.TUESDAY, DayPart.MORNING), (Weekday.FRIDAY, DayPart.AFTERNOON)])
    post = services.create_post(db.session, world.ria, post_input(timing=Timing.WEEKLY, weekly_slots=slots))
    assert post.timing == Timing.WEEKLY and post.weekly_slots == slots


def _yesterday():
    return local_today() - timedelta(days=1)


@pytest.mark.parametrize("fields", [
    pytest.param(lambda: dict(timing=Timing.ONCE, on_date=_yesterday()), id="once-date-in-the-past"),
    pytest.param(lambda: dict(timing=Timing.ONCE, on_date=None), id="once-without-date"),
    pytest.param(lambda: dict(timing=Timing.ONCE, on_date=local_today(), day_part=7), id="unknown-part-of-day"),
    pytest.param(lambda: dict(period_start=local_today() + timedelta(days=5),
                              period_end=local_today() + timedelta(days=2)), id="period-end-before-start"),
    pytest.param(lambda: dict(period_start=_yesterday() - timedelta(days=5), period_end=_yesterday()),
                 id="period-in-the-past"),
    pytest.param(lambda: dict(period_start=None), id="period-without-start"),
    pytest.param(lambda: dict(timing=Timing.WEEKLY, weekly_slots=0), id="weekly-without-slots"),
    pytest.param(lambda: dict(timing=Timing.WEEKLY, weekly_slots=1, weekly_until=_yesterday()),
                 id="weekly-until-in-the-past"),
    pytest.param(lambda: dict(duration_minutes=0), id="no-duration"),
    pytest.param(lambda: dict(duration_minutes=24 * 60 + 1), id="longer-than-a-day"),
    pytest.param(lambda: dict(expiry_days=91), id="shown-too-long"),
])
def test_bad_timing_is_refused_and_nothing_saved(world, fields):
    with pytest.raises(DomainError) as exc:
        services.create_post(db.session, world.ria, post_input(**fields()))
    assert not isinstance(exc.value, NotAllowed)
    assert count(Post) == 0


def test_a_neighbour_without_neighbourhood_cannot_post(app):
    nowhere = make_neighbour(None, email="nowhere@example.org")
    with pytest.raises(DomainError):
        services.create_post(db.session, nowhere, post_input())
    assert count(Post) == 0


def test_an_unconfirmed_email_is_not_allowed_to_post(world):
    newbie = make_neighbour(world.zuilen, confirmed=False)
    with pytest.raises(NotAllowed):
        services.create_post(db.session, newbie, post_input())
    assert count(Post) == 0


def test_a_proxy_neighbour_without_email_can_post(world):
    proxy = make_neighbour(world.zuilen, email=None)
    proxy.email = None
    proxy.email_confirmed_at = None
    db.session.flush()
    post = services.create_post(db.session, proxy, post_input())
    assert post.status == PostStatus.OPEN


def test_only_the_author_changes_a_post_and_the_kind_stays(world, ask):
    with pytest.raises(NotAllowed):
        services.update_post(db.session, world.ahmed, ask, post_input(title="Gekaapt"))
    services.update_post(db.session, world.ria, ask, post_input(kind=PostKind.OFFER, title="Lamp ophangen"))
    db.session.commit()
    db.session.refresh(ask)
    assert ask.title == "Lamp ophangen" and ask.kind == PostKind.ASK


def test_update_refuses_a_date_in_the_past(world, ask):
    with pytest.raises(DomainError):
        services.update_post(db.session, world.ria, ask, post_input(timing=Timing.ONCE, on_date=_yesterday()))


def test_a_closed_post_cannot_be_changed(world, ask):
    services.close_post(db.session, world.ria, ask)
    with pytest.raises(DomainError):
        services.update_post(db.session, world.ria, ask, post_input(title="Nog een keer"))


def test_closing_ends_unanswered_responses_but_not_agreed_matches(world, ask):
    waiting = match_flow.respond(db.session, world.joost, ask)
    agreed = match_flow.respond(db.session, world.ahmed, ask)
    match_flow.accept(db.session, world.ria, agreed)
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.close_post(db.session, world.ahmed, ask)
    services.close_post(db.session, world.ria, ask)
    db.session.commit()
    assert ask.status == PostStatus.CLOSED and ask.closed_at is not None
    assert waiting.status == MatchStatus.CANCELLED
    assert agreed.status == MatchStatus.ACCEPTED
    with pytest.raises(DomainError):
        services.close_post(db.session, world.ria, ask)


def test_renewing_an_expired_post_shows_it_again(world, ask):
    later = utcnow() + timedelta(days=40)
    services.remind_expiring_posts(db.session, ask.expires_at - timedelta(days=1))
    services.expire_posts(db.session, ask.expires_at)
    db.session.commit()
    assert ask.status == PostStatus.EXPIRED and ask.reminded_at is not None
    with pytest.raises(NotAllowed):
        services.renew_post(db.session, world.ahmed, ask, now=later)
    services.renew_post(db.session, world.ria, ask, now=later)
    db.session.commit()
    assert ask.status == PostStatus.OPEN
    assert ask.expires_at == later + timedelta(days=30)
    assert ask.reminded_at is None and ask.closed_at is None


def test_a_hidden_post_cannot_be_renewed(world, ask):
    moderation.hide_post(db.session, world.broker, ask)
    with pytest.raises(DomainError):
        services.renew_post(db.session, world.ria, ask)
    assert ask.status == PostStatus.CLOSED


def test_a_done_post_cannot_be_renewed(world, ask, done):
    assert ask.status == PostStatus.DONE
    with pytest.raises(DomainError):
        services.renew_post(db.session, world.ria, ask)
    assert ask.status == PostStatus.DONE


# --- respond ------------------------------------------------------------------------------------

def test_responding_to_an_ask_waits_for_the_asker(world, ask, outbox):
    match = match_flow.respond(db.session, world.ahmed, ask, "  Ik heb een boormachine  ")
    db.session.commit()
    assert (match.asker_id, match.helper_id) == (world.ria.id, world.ahmed.id)
    assert match.status == MatchStatus.PROPOSED and match.source == MatchSource.RESPONSE
    assert match_flow.waiting_for(match) == {world.ria.id}
    assert db.session.scalars(sa.select(Message.body).where(Message.match_id == match.id)).all() == [
        "Ik heb een boormachine"]
    assert [n.kind for n in notifications_of(world.ria)] == [NotificationKind.RESPONSE]
    assert len(mails_to(outbox, "ria@example.org")) == 1


def test_responding_to_an_offer_waits_for_the_one_who_offers(world, offer):
    match = match_flow.respond(db.session, world.ria, offer)
    assert (match.asker_id, match.helper_id) == (world.ria.id, world.joost.id)
    assert match.offer_id == offer.id and match.ask_id is None
    assert match_flow.waiting_for(match) == {world.joost.id}
    assert count(Message) == 0  # no note, no empty message


def test_nobody_responds_to_their_own_post(world, ask):
    with pytest.raises(DomainError):
        match_flow.respond(db.session, world.ria, ask)
    assert count(Match) == 0


def test_nobody_responds_twice(world, ask, proposed):
    with pytest.raises(DomainError):
        match_flow.respond(db.session, world.ahmed, ask, "nog een keer")
    assert count(Match) == 1


def test_nobody_responds_again_after_being_declined(world, ask, proposed):
    match_flow.decline(db.session, world.ria, proposed)
    db.session.commit()
    with pytest.raises(DomainError):
        match_flow.respond(db.session, world.ahmed, ask)
    assert count(Match) == 1


def _close(world, post):
    services.close_post(db.session, world.ria, post)


def _expire(world, post):
    services.expire_posts(db.session, post.expires_at)


def _past_expiry_not_yet_expired(world, post):
    post.expires_at = utcnow() - timedelta(minutes=1)  # the expiry job has not run yet


def _hide(world, post):
    moderation.hide_post(db.session, world.broker, post)


def _hidden_but_still_open(world, post):
    moderation.hide_post(db.session, world.broker, post)
    post.status = PostStatus.OPEN  # hidden is hidden, whatever the status


@pytest.mark.parametrize("make_unavailable", [_close, _expire, _past_expiry_not_yet_expired, _hide, _hidden_but_still_open])
def test_no_response_to_a_post_that_is_no_longer_open(world, ask, make_unavailable):
    make_unavailable(world, ask)
    db.session.commit()
    with pytest.raises(DomainError):
        match_flow.respond(db.session, world.ahmed, ask)
    assert count(Match) == 0


def test_a_neighbour_next_door_may_respond_but_not_one_far_away(world, ask):
    with pytest.raises(NotAllowed):
        match_flow.respond(db.session, world.annie, ask)
    assert match_flow.respond(db.session, world.joost, ask).helper_id == world.joost.id


@pytest.mark.parametrize("ria_blocks", [True, False])
def test_blocked_people_cannot_respond_to_each_other(world, ask, ria_blocks):
    if ria_blocks:
        moderation.block(db.session, world.ria, world.ahmed)
    else:
        moderation.block(db.session, world.ahmed, world.ria)
    db.session.commit()
    with pytest.raises(NotAllowed):
        match_flow.respond(db.session, world.ahmed, ask)
    assert count(Match) == 0


def test_an_unconfirmed_email_is_not_allowed_to_respond(world, ask):
    newbie = make_neighbour(world.zuilen, confirmed=False)
    with pytest.raises(NotAllowed):
        match_flow.respond(db.session, newbie, ask)


# --- accept, decline, cancel --------------------------------------------------------------------

def test_the_helper_who_responded_cannot_accept_their_own_response(world, ask, proposed):
    with pytest.raises(DomainError):
        match_flow.accept(db.session, world.ahmed, proposed)
    assert proposed.status == MatchStatus.PROPOSED and ask.status == PostStatus.OPEN


def test_the_asker_accepts_a_response_and_the_ask_is_matched(world, ask, proposed):
    match_flow.accept(db.session, world.ria, proposed)
    db.session.commit()
    assert proposed.status == MatchStatus.ACCEPTED and proposed.accepted_at is not None
    assert proposed.asker_accepted_at is not None and proposed.helper_accepted_at is not None
    assert ask.status == PostStatus.MATCHED
    assert [n.kind for n in notifications_of(world.ahmed)] == [NotificationKind.ACCEPTED]


def test_on_an_offer_only_the_one_who_offers_accepts(world, offer):
    match = match_flow.respond(db.session, world.ria, offer)
    with pytest.raises(DomainError):
        match_flow.accept(db.session, world.ria, match)
    match_flow.accept(db.session, world.joost, match)
    assert match.status == MatchStatus.ACCEPTED
    assert offer.status == PostStatus.OPEN  # an offer stays open for more neighbours


def test_someone_outside_the_match_cannot_answer_it(world, proposed):
    for outsider in (world.joost, world.broker):
        with pytest.raises(NotAllowed):
            match_flow.accept(db.session, outsider, proposed)
        with pytest.raises(NotAllowed):
            match_flow.decline(db.session, outsider, proposed)
        with pytest.raises(NotAllowed):
            match_flow.cancel(db.session, outsider, proposed, "zomaar")
    assert proposed.status == MatchStatus.PROPOSED


def _declined(world, match):
    match_flow.decline(db.session, world.ria, match)


def _cancelled(world, match):
    match_flow.cancel(db.session, world.ahmed, match, "Ik ben toch op vakantie")


@pytest.mark.parametrize("end", [_declined, _cancelled])
def test_an_ended_match_cannot_be_accepted(world, ask, proposed, end):
    end(world, proposed)
    db.session.commit()
    ended = proposed.status
    with pytest.raises(DomainError):
        match_flow.accept(db.session, world.ria, proposed)
    assert proposed.status == ended and ask.status == PostStatus.OPEN


def test_only_the_side_that_is_waited_for_declines(world, proposed):
    with pytest.raises(DomainError):
        match_flow.decline(db.session, world.ahmed, proposed)
    match_flow.decline(db.session, world.ria, proposed)
    db.session.commit()
    assert proposed.status == MatchStatus.DECLINED and proposed.declined_by_id == world.ria.id
    assert [n.kind for n in notifications_of(world.ahmed)] == [NotificationKind.DECLINED]


@pytest.mark.parametrize("reason", ["", "   ", "ok"])
def test_cancelling_needs_a_reason(world, agreed, reason):
    with pytest.raises(DomainError):
        match_flow.cancel(db.session, world.ahmed, agreed, reason)
    assert agreed.status == MatchStatus.ACCEPTED


def test_cancelling_an_agreed_match_reopens_the_ask(world, ask, agreed):
    assert ask.status == PostStatus.MATCHED
    match_flow.cancel(db.session, world.ahmed, agreed, "  Ik ben ziek geworden  ")
    db.session.commit()
    assert agreed.status == MatchStatus.CANCELLED
    assert agreed.cancel_reason == "Ik ben ziek geworden" and agreed.cancelled_by_id == world.ahmed.id
    assert ask.status == PostStatus.OPEN
    assert NotificationKind.CANCELLED in [n.kind for n in notifications_of(world.ria)]


def test_cancelling_after_the_ask_expired_leaves_it_expired(world, ask, agreed):
    later = ask.expires_at + timedelta(days=1)
    match_flow.cancel(db.session, world.ria, agreed, "Niet meer nodig", now=later)
    assert ask.status == PostStatus.EXPIRED


def test_the_ask_stays_matched_while_another_helper_is_agreed(world, ask):
    first = match_flow.respond(db.session, world.ahmed, ask)
    second = match_flow.respond(db.session, world.joost, ask)
    match_flow.accept(db.session, world.ria, first)
    match_flow.accept(db.session, world.ria, second)
    with pytest.raises(DomainError):
        match_flow.respond(db.session, world.broker, ask)  # a matched ask takes no new responses
    match_flow.cancel(db.session, world.ria, first, "Joost komt al")
    assert ask.status == PostStatus.MATCHED
    match_flow.cancel(db.session, world.joost, second, "Toch geen tijd")
    assert ask.status == PostStatus.OPEN


def test_a_done_match_cannot_be_cancelled(world, done):
    with pytest.raises(DomainError):
        match_flow.cancel(db.session, world.ria, done, "Toch niet")
    assert done.status == MatchStatus.DONE


# --- conversation -------------------------------------------------------------------------------

def test_only_the_two_people_write_in_the_conversation(world, proposed):
    with pytest.raises(NotAllowed):
        match_flow.post_message(db.session, world.broker, proposed, "Hallo")
    with pytest.raises(DomainError):
        match_flow.post_message(db.session, world.ria, proposed, "   ")
    message = match_flow.post_message(db.session, world.ria, proposed, " Welkom! ")
    assert message.body == "Welkom!"
    assert NotificationKind.MESSAGE in [n.kind for n in notifications_of(world.ahmed)]


def test_a_declined_conversation_is_closed(world, proposed):
    match_flow.decline(db.session, world.ria, proposed)
    with pytest.raises(DomainError):
        match_flow.post_message(db.session, world.ahmed, proposed, "Waarom niet?")


def test_an_appointment_needs_an_agreed_match(world, proposed):
    start = utcnow() + timedelta(days=2)
    with pytest.raises(DomainError):
        match_flow.set_agreed_start(db.session, world.ria, proposed, start)
    match_flow.accept(db.session, world.ria, proposed)
    with pytest.raises(NotAllowed):
        match_flow.set_agreed_start(db.session, world.joost, proposed, start)
    match_flow.set_agreed_start(db.session, world.ahmed, proposed, start)
    assert proposed.agreed_start == start


# --- done and confirm ---------------------------------------------------------------------------

def test_only_agreed_help_can_be_marked_done(world, proposed):
    with pytest.raises(DomainError):
        match_flow.mark_done(db.session, world.ahmed, proposed, 60)
    assert proposed.done_marked_at is None


@pytest.mark.parametrize("minutes, ok", [(0, False), (-5, False), (24 * 60 + 1, False), (1, True), (24 * 60, True)])
def test_hours_stay_within_a_day(world, agreed, minutes, ok):
    if ok:
        match_flow.mark_done(db.session, world.ahmed, agreed, minutes)
        assert agreed.minutes == minutes
    else:
        with pytest.raises(DomainError):
            match_flow.mark_done(db.session, world.ahmed, agreed, minutes)
        assert agreed.done_marked_at is None and agreed.minutes is None


def test_the_one_who_marked_done_cannot_confirm(world, ask, agreed):
    match_flow.mark_done(db.session, world.ahmed, agreed, 90)
    with pytest.raises(DomainError):
        match_flow.mark_done(db.session, world.ria, agreed, 60)  # already marked; Ria confirms instead
    with pytest.raises(DomainError):
        match_flow.confirm_done(db.session, world.ahmed, agreed)
    with pytest.raises(NotAllowed):
        match_flow.confirm_done(db.session, world.joost, agreed)
    assert agreed.status == MatchStatus.ACCEPTED
    match_flow.confirm_done(db.session, world.ria, agreed, minutes=120)
    db.session.commit()
    assert agreed.status == MatchStatus.DONE and agreed.done_at is not None
    assert agreed.minutes == 120
    assert ask.status == PostStatus.DONE
    assert [n.kind for n in notifications_of(world.ahmed)][-1] == NotificationKind.DONE


@pytest.mark.parametrize("minutes", [0, 24 * 60 + 1])
def test_confirming_with_hours_out_of_bounds_is_refused(world, agreed, minutes):
    match_flow.mark_done(db.session, world.ria, agreed, 60)
    with pytest.raises(DomainError):
        match_flow.confirm_done(db.session, world.ahmed, agreed, minutes=minutes)
    assert agreed.status == MatchStatus.ACCEPTED and agreed.minutes == 60


def test_nothing_to_confirm_before_it_is_marked(world, agreed):
    with pytest.raises(DomainError):
        match_flow.confirm_done(db.session, world.ria, agreed)


def test_done_is_confirmed_by_itself_after_seven_days_and_only_once(world, ask, agreed):
    marked = utcnow()
    match_flow.mark_done(db.session, world.ahmed, agreed, 45, now=marked)
    db.session.commit()

    assert match_flow.confirm_done_matches(db.session, marked + timedelta(days=7) - timedelta(minutes=1)) == 0
    db.session.commit()
    assert agreed.status == MatchStatus.ACCEPTED

    week_later = marked + timedelta(days=7)
    assert match_flow.confirm_done_matches(db.session, week_later) == 1
    db.session.commit()
    assert agreed.status == MatchStatus.DONE and agreed.done_at == week_later and agreed.minutes == 45
    assert ask.status == PostStatus.DONE
    done_notes = count(Notification, Notification.kind == NotificationKind.DONE)
    assert done_notes == 2  # both are told

    assert match_flow.confirm_done_matches(db.session, week_later) == 0
    assert match_flow.confirm_done_matches(db.session, week_later + timedelta(days=1)) == 0
    db.session.commit()
    assert agreed.done_at == week_later
    assert count(Notification, Notification.kind == NotificationKind.DONE) == done_notes


# --- thanks -------------------------------------------------------------------------------------

def test_only_the_asker_thanks_and_only_when_done(world, agreed):
    with pytest.raises(DomainError):
        match_flow.thank(db.session, world.ria, agreed, "Dank je wel!")
    match_flow.mark_done(db.session, world.ria, agreed, 60)
    match_flow.confirm_done(db.session, world.ahmed, agreed)
    for not_the_asker in (world.ahmed, world.joost, world.broker):
        with pytest.raises(NotAllowed):
            match_flow.thank(db.session, not_the_asker, agreed, "Dank je wel!")
    with pytest.raises(DomainError):
        match_flow.thank(db.session, world.ria, agreed, "   ")
    assert count(ThankYou) == 0

    note = match_flow.thank(db.session, world.ria, agreed, " Dank je wel, Ahmed! ")
    db.session.commit()
    assert note.body == "Dank je wel, Ahmed!" and note.helper_id == world.ahmed.id
    assert note.public is False
    assert agreed.status == MatchStatus.THANKED
    assert [n.kind for n in notifications_of(world.ahmed)][-1] == NotificationKind.THANKED
    with pytest.raises(DomainError):
        match_flow.thank(db.session, world.ria, agreed, "Nog eens bedankt")
    assert count(ThankYou) == 1


def test_the_helper_decides_whether_the_note_is_public(world, done):
    note = match_flow.thank(db.session, world.ria, done, "Top!")
    with pytest.raises(NotAllowed):
        match_flow.set_thanks_public(db.session, world.ria, note, True)
    assert note.public is False
    match_flow.set_thanks_public(db.session, world.ahmed, note, True)
    assert note.public is True
    match_flow.set_thanks_public(db.session, world.ahmed, note, False)
    assert note.public is False


# --- expiry and reminders -----------------------------------------------------------------------

def test_expiring_is_idempotent(world, make_post):
    post = make_post(world.ria)
    later = make_post(world.ria, expiry_days=60)
    suggestion = Match(ask=post, asker_id=world.ria.id, helper_id=world.joost.id, source=MatchSource.SCHEDULER,
                       status=MatchStatus.SUGGESTED)
    waiting = match_flow.respond(db.session, world.ahmed, post)
    db.session.add(suggestion)
    db.session.commit()
    now = post.expires_at

    assert services.expire_posts(db.session, now - timedelta(seconds=1)) == 0
    assert services.expire_posts(db.session, now) == 1
    db.session.commit()
    assert post.status == PostStatus.EXPIRED and later.status == PostStatus.OPEN
    assert suggestion.status == MatchStatus.EXPIRED and waiting.status == MatchStatus.EXPIRED
    assert len(notifications_of(world.ria, NotificationKind.EXPIRED)) == 1

    assert services.expire_posts(db.session, now) == 0
    db.session.commit()
    assert len(notifications_of(world.ria, NotificationKind.EXPIRED)) == 1


def test_a_matched_post_does_not_expire(world, ask, agreed):
    assert services.expire_posts(db.session, ask.expires_at + timedelta(days=1)) == 0
    assert ask.status == PostStatus.MATCHED and agreed.status == MatchStatus.ACCEPTED


def test_the_author_is_reminded_once_before_expiry(world, ask):
    expires = ask.expires_at
    assert services.remind_expiring_posts(db.session, expires - timedelta(days=4)) == 0
    now = expires - timedelta(days=2)
    assert services.remind_expiring_posts(db.session, now) == 1
    db.session.commit()
    assert ask.reminded_at == now

    assert services.remind_expiring_posts(db.session, now) == 0
    assert services.remind_expiring_posts(db.session, expires - timedelta(hours=1)) == 0
    db.session.commit()
    assert len(notifications_of(world.ria, NotificationKind.EXPIRING)) == 1
    assert services.remind_expiring_posts(db.session, expires) == 0  # expired, not expiring


def test_renewing_allows_a_new_reminder(world, ask):
    first = ask.expires_at - timedelta(days=2)
    services.remind_expiring_posts(db.session, first)
    services.renew_post(db.session, world.ria, ask, now=first)
    db.session.commit()
    assert ask.reminded_at is None
    assert services.remind_expiring_posts(db.session, ask.expires_at - timedelta(days=1)) == 1
    assert len(notifications_of(world.ria, NotificationKind.EXPIRING)) == 2


# --- blocks -------------------------------------------------------------------------------------

def test_blocking_ends_live_matches_both_ways_and_hides_posts_both_ways(world, make_post):
    ria_ask = make_post(world.ria, title="Plank ophangen")
    ahmed_ask = make_post(world.ahmed, title="Boodschappen")
    ahmed_offer = make_post(world.ahmed, kind=PostKind.OFFER, title="Koffie drinken")
    agreed = match_flow.respond(db.session, world.ahmed, ria_ask)
    match_flow.accept(db.session, world.ria, agreed)
    waiting = match_flow.respond(db.session, world.ria, ahmed_ask)
    asked = match_flow.respond(db.session, world.ria, ahmed_offer)
    db.session.commit()
    assert ria_ask.status == PostStatus.MATCHED

    moderation.block(db.session, world.ria, world.ahmed)
    db.session.commit()
    for match in (agreed, waiting, asked):
        assert match.status == MatchStatus.CANCELLED and match.cancelled_by_id == world.ria.id
    assert ria_ask.status == PostStatus.OPEN

    now = utcnow()
    feed_of = lambda who: db.session.scalars(services.feed_query(db.session, who, services.FeedFilters(), now)).all()  # noqa: E731
    assert ria_ask not in feed_of(world.ahmed)
    assert ahmed_ask not in feed_of(world.ria) and ahmed_offer not in feed_of(world.ria)
    assert ria_ask in feed_of(world.joost)
    assert not access.may_see_post(db.session, world.ahmed, ria_ask)
    assert not access.may_see_post(db.session, world.ria, ahmed_ask)


def test_blocking_keeps_finished_matches(world, done):
    moderation.block(db.session, world.ahmed, world.ria)
    assert done.status == MatchStatus.DONE


def test_blocking_twice_or_yourself(world):
    with pytest.raises(DomainError):
        moderation.block(db.session, world.ria, world.ria)
    moderation.block(db.session, world.ria, world.ahmed)
    moderation.block(db.session, world.ria, world.ahmed)
    db.session.commit()
    assert access.blocked_ids(db.session, world.ahmed.id) == {world.ria.id}
    moderation.unblock(db.session, world.ria, world.ahmed.id)
    db.session.commit()
    assert not access.is_blocked(db.session, world.ahmed.id, world.ria.id)


def test_a_blocked_neighbour_cannot_keep_writing_in_an_old_conversation(world, done):
    moderation.block(db.session, world.ria, world.ahmed)
    db.session.commit()
    with pytest.raises(DomainError):
        match_flow.post_message(db.session, world.ahmed, done, "Waarom blokkeer je mij?")


# --- reports and moderation ---------------------------------------------------------------------

def test_reporting_a_post(world, ask):
    with pytest.raises(DomainError):
        moderation.report(db.session, world.ahmed, "  x ", post=ask)
    with pytest.raises(NotAllowed):
        moderation.report(db.session, world.annie, "Niet netjes", post=ask)  # cannot see it
    item = moderation.report(db.session, world.ahmed, "Niet netjes", post=ask)
    assert item.neighbourhood_id == world.zuilen.id and item.reporter_id == world.ahmed.id
    with pytest.raises(DomainError):
        moderation.report(db.session, world.ahmed, "Nog steeds niet netjes", post=ask)
    assert count(Report) == 1


def test_only_people_in_the_conversation_report_a_message(world, proposed):
    message = db.session.scalar(sa.select(Message).where(Message.match_id == proposed.id))
    with pytest.raises(NotAllowed):
        moderation.report(db.session, world.joost, "Onaardig", message=message)
    item = moderation.report(db.session, world.ria, "Onaardig", message=message)
    assert item.message_id == message.id and item.neighbourhood_id == world.zuilen.id


def test_a_broker_of_the_neighbourhood_hides_a_post_and_its_reports_are_resolved(world, ask, proposed,
                                                                                   other_broker):
    item = moderation.report(db.session, world.joost, "Dit is reclame", post=ask)
    db.session.commit()
    for not_moderator in (world.ahmed, world.ria, other_broker):
        with pytest.raises(NotAllowed):
            moderation.hide_post(db.session, not_moderator, ask)
    assert ask.hidden_at is None

    moderation.hide_post(db.session, world.broker, ask)
    db.session.commit()
    assert ask.hidden_at is not None and ask.hidden_by_id == world.broker.id
    assert ask.status == PostStatus.CLOSED
    assert proposed.status == MatchStatus.CANCELLED
    assert (item.resolved_by_id, item.outcome) == (world.broker.id, "hidden")
    assert ask not in db.session.scalars(services.feed_query(db.session, world.ahmed, services.FeedFilters(),
                                                             utcnow())).all()


def test_coordinators_and_site_admins_moderate_too(world, make_post):
    coordinator = make_neighbour(world.ondiep, name="Cor")
    add_member(world.initiative, coordinator, Role.COORDINATOR)
    admin = make_neighbour(world.everdingen, name="Admin", is_admin=True)
    first, second = make_post(world.ria), make_post(world.joost)
    moderation.hide_post(db.session, coordinator, first)
    moderation.hide_post(db.session, admin, second)
    assert first.hidden_by_id == coordinator.id and second.hidden_by_id == admin.id


def test_a_member_without_a_role_does_not_moderate(world, ask):
    member = make_neighbour(world.zuilen)
    add_member(world.initiative, member)
    with pytest.raises(NotAllowed):
        moderation.hide_post(db.session, member, ask)


def test_only_moderators_of_that_neighbourhood_resolve_a_report(world, ask, other_broker):
    item = moderation.report(db.session, world.ahmed, "Niet netjes", post=ask)
    db.session.commit()
    for not_moderator in (world.ahmed, world.ria, other_broker):
        with pytest.raises(NotAllowed):
            moderation.resolve_report(db.session, not_moderator, item)
    assert item.resolved_at is None
    moderation.resolve_report(db.session, world.broker, item)
    assert (item.resolved_by_id, item.outcome) == (world.broker.id, "kept")
    assert ask.hidden_at is None
    with pytest.raises(DomainError):
        moderation.resolve_report(db.session, world.broker, item)


def test_moderated_neighbourhoods(world, other_broker):
    assert sorted(access.moderated_neighbourhood_ids(db.session, world.broker)) == sorted(
        [world.zuilen.id, world.ondiep.id])
    assert access.moderated_neighbourhood_ids(db.session, other_broker) == [world.everdingen.id]
    assert access.moderated_neighbourhood_ids(db.session, world.ria) == []


# --- who may see what ---------------------------------------------------------------------------

def test_private_details_for_the_author_the_agreed_neighbour_and_the_broker(world, ask, proposed, other_broker):
    assert access.may_see_private_details(db.session, world.ria, ask)
    assert access.may_see_private_details(db.session, world.broker, ask)
    assert not access.may_see_private_details(db.session, world.ahmed, ask)  # not agreed yet
    assert not access.may_see_private_details(db.session, world.joost, ask)
    assert not access.may_see_private_details(db.session, other_broker, ask)
    match_flow.accept(db.session, world.ria, proposed)
    assert access.may_see_private_details(db.session, world.ahmed, ask)
    match_flow.cancel(db.session, world.ahmed, proposed, "Gaat niet door")
    assert not access.may_see_private_details(db.session, world.ahmed, ask)


def test_a_site_admin_who_is_no_broker_does_not_see_private_details(world, ask):
    admin = make_neighbour(world.everdingen, name="Beheer", is_admin=True)
    assert access.moderates(db.session, admin, ask.neighbourhood_id)  # may moderate (hide, reports)
    assert not access.may_see_private_details(db.session, admin, ask)


# --- notification mail --------------------------------------------------------------------------

def test_notification_mail_is_batched_to_one_an_hour(world, make_post, outbox):
    shelf = make_post(world.ria, title="Plank ophangen")
    lamp = make_post(world.ria, title="Lamp vervangen")
    t0 = utcnow()

    match = match_flow.respond(db.session, world.ahmed, shelf, now=t0)
    db.session.commit()
    first = mails_to(outbox, "ria@example.org")
    assert len(first) == 1
    assert "Ahmed" in mail_text(first[0]) and "Plank ophangen" in mail_text(first[0])

    match_flow.respond(db.session, world.joost, lamp, now=t0 + timedelta(minutes=10))
    match_flow.post_message(db.session, world.ahmed, match, "Wanneer schikt het?", now=t0 + timedelta(minutes=20))
    db.session.commit()
    assert len(mails_to(outbox, "ria@example.org")) == 1
    assert count(Notification, Notification.neighbour_id == world.ria.id, Notification.mailed_at.is_(None)) == 2

    assert send_notification_mails(db.session, t0 + timedelta(minutes=59)) == 0
    db.session.commit()
    assert len(mails_to(outbox, "ria@example.org")) == 1

    assert send_notification_mails(db.session, t0 + timedelta(minutes=61)) == 1
    db.session.commit()
    mails = mails_to(outbox, "ria@example.org")
    assert len(mails) == 2
    text = mail_text(mails[1])
    assert "Joost" in text and "Lamp vervangen" in text
    assert "Ahmed" in text and "Plank ophangen" in text
    assert "https://buurthulp.example/notifications" in text
    assert count(Notification, Notification.mailed_at.is_(None)) == 0

    assert send_notification_mails(db.session, t0 + timedelta(minutes=61)) == 0
    assert send_notification_mails(db.session, t0 + timedelta(hours=5)) == 0
    db.session.commit()
    assert len(mails_to(outbox, "ria@example.org")) == 2


def test_a_rolled_back_notification_mails_nobody(world, ask, outbox):
    match_flow.respond(db.session, world.ahmed, ask)
    db.session.rollback()
    assert outbox() == []


def _mail_off(person):
    person.notify_by_mail = False


def _unconfirmed(person):
    person.email_confirmed_at = None


def _proxy(person):
    person.email = None
    person.email_confirmed_at = None


@pytest.mark.parametrize("no_mail", [_mail_off, _unconfirmed, _proxy])
def test_nobody_gets_mail_who_does_not_want_it_or_cannot_get_it(world, ask, outbox, no_mail):
    no_mail(world.ria)
    db.session.commit()
    t0 = utcnow()
    match_flow.respond(db.session, world.ahmed, ask, now=t0)
    match_flow.respond(db.session, world.joost, ask, now=t0 + timedelta(minutes=5))
    db.session.commit()
    assert len(notifications_of(world.ria, NotificationKind.RESPONSE)) == 2  # still shown in the app
    assert send_notification_mails(db.session, t0 + timedelta(hours=2)) == 0
    db.session.commit()
    assert outbox() == []


def test_notification_mail_is_in_the_recipients_language(world, ask, outbox):
    world.ria.locale = "en"
    db.session.commit()
    match_flow.respond(db.session, world.ahmed, ask)
    db.session.commit()
    [mail] = mails_to(outbox, "ria@example.org")
    assert "Ahmed responded to “Plank ophangen”." in mail_text(mail)
