"""Dutch as a Dutch person writes it: one word for a weekday and part of the day, the library's messages in our
own plain words, the log-in request in Dutch (issue 16)."""

from datetime import timedelta

from wtforms import DateField

from buurthulp.categories import DayPart, Weekday, mask_of
from buurthulp.forms import Form, LocalDecimalField
from buurthulp.posts.models import Timing
from buurthulp.timeutil import local_today


def test_a_weekly_post_says_its_slots_as_one_word(client, world, make_post):
    post = make_post(world.ria, timing=Timing.WEEKLY, period_start=None, period_end=None,
                     weekly_slots=mask_of([(Weekday.TUESDAY, DayPart.MORNING), (Weekday.WEDNESDAY, DayPart.AFTERNOON)]))
    client.login("ahmed@example.org")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Elke week: dinsdagochtend, woensdagmiddag" in page
    assert "Dinsdag ochtend" not in page and "Tuesday" not in page


def test_a_date_with_a_part_of_the_day(client, world, make_post):
    day = local_today() + timedelta(days=7 - local_today().weekday() + 2)  # a Wednesday, next week
    post = make_post(world.ria, timing=Timing.ONCE, on_date=day, day_part=DayPart.AFTERNOON, period_start=None,
                     period_end=None)
    client.login("ahmed@example.org")
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert f"woensdagmiddag {day.day} " in page


def test_the_post_form_offers_the_slots_in_dutch(client, world):
    client.login("ria@example.org")
    page = client.get("/posts/new").get_data(as_text=True)
    assert "Maandagochtend" in page and "Zondagavond" in page
    assert "Monday" not in page and "Morning" not in page and "Ochtend" in page  # the part of the day on its own


def test_in_english_the_slots_stay_english(client, world):
    client.login("ria@example.org")
    client.post("/language", {"locale": "en"})
    page = client.get("/posts/new").get_data(as_text=True)
    assert "Monday morning" in page and "maandagochtend" not in page.lower()


class NumbersForm(Form):
    hours = LocalDecimalField("hours")
    day = DateField("day")


def test_the_librarys_messages_are_our_plain_dutch(app):
    with app.test_request_context(method="POST", data={"hours": "veel", "day": "gisteren"}):
        form = NumbersForm(meta={"csrf": False})
        assert not form.validate()
        assert form.hours.errors == ["Vul een getal in, zoals 2,5."]
        assert form.day.errors == ["Vul een geldige datum in."]


def test_log_in_first_is_said_in_dutch(client, world):
    response = client.get("/my/posts", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Log eerst in om deze pagina te zien." in page
    assert "Please log in" not in page
