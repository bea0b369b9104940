"""The dates of a series: expanded on read, moved and cancelled dates on their new day, counted in one query."""

from __future__ import annotations

from datetime import date, time, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from buurthulp.activities import dates, services, signups
from buurthulp.activities.dates import expand, is_series_date, series_dates, week_of_month
from buurthulp.activities.models import Repeat
from buurthulp.extensions import db


def _series(repeat, starts_on, until=None):
    return SimpleNamespace(repeat=repeat, starts_on=starts_on, repeat_until=until,
                           last_on=dates.last_date(repeat, starts_on, until))


def test_weekly_and_fortnightly_dates_from_the_first():
    weekly = _series(Repeat.WEEKLY, date(2026, 12, 10), date(2027, 1, 7))
    assert series_dates(weekly, date(2026, 12, 1), date(2027, 12, 31)) == [
        date(2026, 12, 10), date(2026, 12, 17), date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 7)]
    fortnightly = _series(Repeat.FORTNIGHTLY, date(2026, 12, 10))
    assert series_dates(fortnightly, date(2026, 12, 11), date(2027, 1, 10)) == [date(2026, 12, 24), date(2027, 1, 7)]


def test_monthly_is_the_same_weekday_of_the_same_week_and_a_fifth_is_the_last():
    first_thursday = _series(Repeat.MONTHLY, date(2026, 12, 3))
    assert series_dates(first_thursday, date(2026, 12, 1), date(2027, 3, 31)) == [
        date(2026, 12, 3), date(2027, 1, 7), date(2027, 2, 4), date(2027, 3, 4)]
    fifth = _series(Repeat.MONTHLY, date(2026, 12, 31))  # the fifth Thursday of December
    assert series_dates(fifth, date(2026, 12, 1), date(2027, 2, 28)) == [
        date(2026, 12, 31), date(2027, 1, 28), date(2027, 2, 25)]


def test_a_single_date_is_its_only_date():
    once = _series(Repeat.ONCE, date(2026, 12, 10))
    assert series_dates(once, date(2026, 1, 1), date(2027, 1, 1)) == [date(2026, 12, 10)]
    assert series_dates(once, date(2026, 12, 11), date(2027, 1, 1)) == []


@given(st.sampled_from(list(Repeat)), st.dates(date(2026, 1, 1), date(2028, 12, 31)),
       st.integers(0, 400), st.integers(0, 120), st.integers(0, 120))
def test_every_expanded_date_is_a_series_date_in_the_window(repeat, first, until_days, start_off, length):
    series = _series(repeat, first, first + timedelta(days=until_days) if until_days % 3 else None)
    start = first + timedelta(days=start_off - 30)
    end = start + timedelta(days=length)
    days = series_dates(series, start, end)
    assert days == sorted(set(days))
    for day in days:
        assert start <= day <= end and day >= first and is_series_date(series, day)
        assert series.last_on is None or day <= series.last_on
        assert day.weekday() == first.weekday()
        if repeat == Repeat.MONTHLY and week_of_month(first) < 5:
            assert week_of_month(day) == week_of_month(first)
    # nothing is skipped: every day of the window that is a series date is in the list
    assert [d for d in (start + timedelta(days=i) for i in range(length + 1))
            if d >= first and is_series_date(series, d)] == days


def test_a_moved_date_shows_on_its_new_day_also_from_outside_the_window(aw):
    services.move_date(db.session, aw.otto, aw.coffee, aw.first, aw.first + timedelta(days=8), time(14, 0), "Later")
    in_week = expand(db.session, [aw.coffee], aw.first + timedelta(days=8), aw.first + timedelta(days=8))
    assert [(o.on_date, o.day, o.start_time) for o in in_week] == [
        (aw.first, aw.first + timedelta(days=8), time(14, 0))]
    assert [o.on_date for o in expand(db.session, [aw.coffee], aw.first, aw.first + timedelta(days=6))] == []


def test_a_cancelled_date_is_marked_or_left_out(aw):
    services.cancel_date(db.session, aw.otto, aw.coffee, aw.first, "Buurthuis dicht")
    window = (aw.first, aw.first + timedelta(days=7))
    assert [o.cancelled for o in expand(db.session, [aw.coffee], *window)] == [True, False]
    assert len(expand(db.session, [aw.coffee], *window, with_cancelled=False)) == 1


def test_counting_many_dates_takes_one_query(aw, count_queries):
    for person in (aw.anna, aw.bert, aw.joost):
        signups.join(db.session, person, aw.coffee, aw.first)
    signups.join(db.session, aw.anna, aw.coffee, aw.first + timedelta(days=7))
    occurrences = expand(db.session, [aw.coffee], aw.first, aw.first + timedelta(days=60))
    with count_queries() as counter:
        dates.count(db.session, occurrences, aw.anna.id)
    assert counter.count == 1
    assert [(o.coming, o.waiting, o.mine) for o in occurrences[:3]] == [
        (2, 1, "coming"), (1, 0, "coming"), (0, 0, None)]


@pytest.mark.parametrize("repeat", list(Repeat))
def test_repeat_labels_are_words(app, repeat):
    with app.test_request_context():
        series = _series(repeat, date(2026, 12, 3), date(2027, 6, 1))
        series.start_time = time(10, 0)
        label = dates.repeat_label(series)
    assert "10:00" in label and "{" not in label
