"""`flask demo` puts on a weekly coffee morning at a demo place with a few neighbours coming, once."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp.activities.models import Activity, ActivitySignup, Repeat, SignupStatus
from buurthulp.core.cli import DEMO_ACTIVITY
from buurthulp.extensions import db


def test_the_demo_has_a_weekly_coffee_morning_with_sign_ups(runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "1 activities added" in result.output
    activity = db.session.scalar(sa.select(Activity).where(Activity.title == DEMO_ACTIVITY))
    assert activity.repeat == Repeat.WEEKLY and activity.place is not None
    assert activity.place.name == "Buurthuis De Boog" and activity.initiative.slug == "kracht-van-zuilen"
    coming = db.session.scalars(sa.select(ActivitySignup).where(ActivitySignup.activity_id == activity.id)).all()
    assert len(coming) == 5 and {s.status for s in coming} == {SignupStatus.COMING}

    again = runner.invoke(args=["demo"])
    assert "0 activities added" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ActivitySignup)) == 5

    client.login("henk@example.org", "zuilen-demo-2026")
    assert client.get(f"/places/{activity.place_id}").status_code == 200
    assert DEMO_ACTIVITY in client.get(f"/places/{activity.place_id}").get_data(as_text=True)
