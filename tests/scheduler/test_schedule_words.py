"""When a scheduled job runs is said in words, in the reader's language, on the admin's jobs page."""

import pytest
from flask_babel import force_locale

from buurthulp.extensions import db
from buurthulp.jobs import Job
from tests.factories import make_neighbour, make_neighbourhood


def nothing(session, now):
    return {}


@pytest.mark.parametrize(("job", "dutch", "english"), [
    (Job("a", nothing, every_minutes=60), "elk uur", "every hour"),
    (Job("b", nothing, every_minutes=10), "elke 10 minuten", "every 10 minutes"),
    (Job("c", nothing, every_minutes=180), "elke 3 uur", "every 3 hours"),
    (Job("d", nothing, cron={"hour": 3, "minute": 15}), "elke dag om 03:15", "every day at 03:15"),
    (Job("e", nothing, cron={"day": 1, "hour": 7}), "op de 1e van de maand om 07:00", "on day 1 of the month at 07:00"),
    (Job("f", nothing, cron={"day_of_week": "mon", "hour": 9}), "elke maandag om 09:00", "every Monday at 09:00"),
])
def test_a_schedule_reads_as_a_sentence(app, job, dutch, english):
    with app.test_request_context():
        with force_locale("nl"):
            assert job.schedule_label() == dutch
        with force_locale("en"):
            assert job.schedule_label() == english


def test_the_jobs_page_says_when_and_what_in_dutch(client):
    make_neighbour(make_neighbourhood(), email="admin@example.org", is_admin=True)
    db.session.commit()
    client.login("admin@example.org")
    page = client.get("/admin/jobs").get_data(as_text=True)
    assert "elke dag om 03:15" in page and "elk uur" in page
    assert "{'hour'" not in page and "{&#39;hour&#39;" not in page
    assert "Zoekt helpers voor open hulpvragen." in page and "Suggest helpers" not in page


def test_the_jobs_page_is_for_site_admins_only(client):
    make_neighbour(make_neighbourhood(), email="henk@example.org")
    db.session.commit()
    assert client.get("/admin/jobs").status_code in (302, 401, 403)
    client.login("henk@example.org")
    assert client.get("/admin/jobs").status_code in (403, 404)
