"""Figures for funders: the monthly figures service, the page, the CSV file and who may see them."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest

from buurthulp.broker import figures_routes  # noqa: F401  (broker/routes.py imports it too)
from buurthulp.broker.figures import monthly_figures
from buurthulp.categories import Category
from buurthulp.extensions import db
from buurthulp.neighbourhoods.models import Initiative, Neighbourhood, Role
from buurthulp.posts.models import Match, MatchSource, MatchStatus, Post, PostKind, PostStatus, Timing
from tests.factories import add_member, make_initiative, make_neighbour, make_neighbourhood
from tests.snapshots import built_once

LONG_AGO = datetime(2023, 6, 1, tzinfo=UTC)
PERIOD = "from=2024-01&to=2024-03"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def make_post(author, kind: PostKind, created_at: datetime, hood=None, **kw) -> Post:
    post = Post(kind=kind, author=author, neighbourhood_id=(hood or author.neighbourhood).id,
                category=Category.ODD_JOBS, title="Plank ophangen", timing=Timing.FLEXIBLE,
                status=kw.pop("status", PostStatus.OPEN), created_at=created_at,
                expires_at=created_at + timedelta(days=30), **kw)
    db.session.add(post)
    db.session.flush()
    return post


def make_match(*, asker, helper, source: MatchSource, status: MatchStatus, ask=None, offer=None,
               accepted_at=None, done_at=None, minutes=None) -> Match:
    created = (ask or offer).created_at + timedelta(hours=1)
    match = Match(ask_id=ask.id if ask else None, offer_id=offer.id if offer else None, asker_id=asker.id,
                  helper_id=helper.id, source=source, status=status, created_at=created, accepted_at=accepted_at,
                  done_at=done_at, minutes=minutes)
    db.session.add(match)
    db.session.flush()
    return match


@dataclass
class World:
    zuilen: object
    ondiep: object
    everdingen: object
    initiative: object
    other: object
    ria: object
    ahmed: object
    joost: object
    annie: object
    broker: object
    other_broker: object
    coordinator: object
    neighbour: object


@pytest.fixture
def world(app) -> World:
    return built_once("broker figures", build_world)


def build_world() -> World:
    """Two neighbourhoods of one initiative, a third of another, and three months of asking and helping.

    Times are UTC; Amsterdam is UTC+1 until 31 March 2024 01:00 UTC and UTC+2 after.
    """
    zuilen = make_neighbourhood("Zuilen", ["3554"])
    ondiep = make_neighbourhood("Ondiep", ["3552"], adjacent=[zuilen])
    everdingen = make_neighbourhood("Everdingen", ["4121"])
    people = {name: make_neighbour(hood, email=f"{name}@example.org", name=name.capitalize(), created_at=LONG_AGO)
              for name, hood in [("ria", zuilen), ("ahmed", zuilen), ("joost", ondiep), ("annie", everdingen),
                                 ("broker", zuilen), ("other_broker", everdingen), ("coordinator", zuilen),
                                 ("neighbour", zuilen)]}
    initiative = make_initiative(zuilen, ondiep, name="Kracht van Zuilen")
    other = make_initiative(everdingen, name="Everdingen Helpt")
    add_member(initiative, people["broker"], Role.BROKER)
    add_member(initiative, people["coordinator"], Role.COORDINATOR)
    add_member(other, people["other_broker"], Role.BROKER)
    ria, ahmed, joost, annie = people["ria"], people["ahmed"], people["joost"], people["annie"]
    ask, offer = PostKind.ASK, PostKind.OFFER

    # New neighbours: one in Zuilen in February; one in Ondiep at 00:30 on 1 February, Dutch time.
    make_neighbour(zuilen, created_at=at(2024, 2, 10, 9))
    make_neighbour(ondiep, created_at=at(2024, 1, 31, 23, 30))
    make_neighbour(everdingen, created_at=at(2024, 2, 10, 9))  # another initiative's

    # January
    a1 = make_post(ria, ask, at(2024, 1, 5, 10))
    make_match(ask=a1, asker=ria, helper=ahmed, source=MatchSource.SCHEDULER, status=MatchStatus.DONE,
               accepted_at=at(2024, 1, 8, 10), done_at=at(2024, 1, 20, 15), minutes=90)
    a2 = make_post(joost, ask, at(2024, 1, 10, 12))
    make_match(ask=a2, asker=joost, helper=ria, source=MatchSource.BROKER, status=MatchStatus.ACCEPTED,
               accepted_at=at(2024, 1, 25, 12))
    make_match(ask=a2, asker=joost, helper=ahmed, source=MatchSource.SCHEDULER, status=MatchStatus.DECLINED)
    o1 = make_post(ahmed, offer, at(2024, 1, 12, 8))
    make_post(ahmed, ask, at(2024, 1, 13, 8), hidden_at=at(2024, 1, 14), hidden_by_id=people["broker"].id)
    e1 = make_post(annie, ask, at(2024, 1, 15, 8))
    make_match(ask=e1, asker=annie, helper=joost, source=MatchSource.BROKER, status=MatchStatus.ACCEPTED,
               accepted_at=at(2024, 1, 16, 8))

    # February (the first ask at 00:30 on 1 February, Dutch time)
    a3 = make_post(ria, ask, at(2024, 1, 31, 23, 30))
    make_match(ask=a3, asker=ria, helper=joost, source=MatchSource.RESPONSE, status=MatchStatus.THANKED,
               accepted_at=at(2024, 2, 1, 10), done_at=at(2024, 2, 3, 10), minutes=120)
    make_post(ria, offer, at(2024, 2, 14, 10))
    make_match(offer=o1, asker=joost, helper=ahmed, source=MatchSource.RESPONSE, status=MatchStatus.DONE,
               accepted_at=at(2024, 2, 20, 10), done_at=at(2024, 2, 28, 10), minutes=60)
    make_post(joost, ask, at(2024, 2, 20, 10))

    # March (summer time from 31 March: 22:30 UTC that day is April in Amsterdam)
    a6 = make_post(ahmed, ask, at(2024, 3, 1, 9))
    make_match(ask=a6, asker=ahmed, helper=ria, source=MatchSource.SCHEDULER, status=MatchStatus.DONE,
               accepted_at=at(2024, 3, 9, 9), done_at=at(2024, 3, 31, 22, 30), minutes=30)
    a7 = make_post(joost, ask, at(2024, 3, 10, 12))
    make_match(ask=a7, asker=joost, helper=ahmed, source=MatchSource.RESPONSE, status=MatchStatus.ACCEPTED,
               accepted_at=at(2024, 3, 17, 12))  # exactly 7 days
    make_post(ahmed, ask, at(2024, 3, 31, 22, 30))  # April in Amsterdam
    db.session.commit()
    return World(zuilen, ondiep, everdingen, initiative, other, **people)


def figures_by_key(rows):
    return {(r.month.strftime("%Y-%m"), r.neighbourhood_name or "total"): r for r in rows}


# --- the service --------------------------------------------------------------------------------

def test_one_row_per_month_and_neighbourhood_and_a_total(world):
    rows = monthly_figures(db.session, world.initiative, date(2024, 1, 15), date(2024, 3, 2))
    assert [(r.month, r.neighbourhood_name) for r in rows] == [
        (date(2024, m, 1), name) for m in (1, 2, 3) for name in ("Ondiep", "Zuilen", "")]
    assert [r.is_total for r in rows] == [False, False, True] * 3


def test_january(world):
    f = figures_by_key(monthly_figures(db.session, world.initiative, date(2024, 1, 1), date(2024, 3, 31)))
    z, o, total = f["2024-01", "Zuilen"], f["2024-01", "Ondiep"], f["2024-01", "total"]
    # the ask hidden by a moderator and Everdingen's ask do not count
    assert (z.asks, z.offers, o.asks, o.offers, total.asks, total.offers) == (1, 1, 1, 0, 2, 1)
    assert (z.matches_scheduler, z.matches_broker, z.matches_response) == (1, 0, 0)
    assert (o.matches_scheduler, o.matches_broker, o.matches_response) == (0, 1, 0)  # declined does not count
    assert (total.matches_scheduler, total.matches_broker, total.matches) == (1, 1, 2)
    assert (z.share_matched_7d, z.share_matched_30d, z.median_days) == (1.0, 1.0, 3.0)
    assert (o.share_matched_7d, o.share_matched_30d, o.median_days) == (0.0, 1.0, 15.0)
    assert (total.share_matched_7d, total.share_matched_30d, total.median_days) == (0.5, 1.0, 9.0)
    assert (z.hours, o.hours, total.hours) == (1.5, 0, 1.5)
    # Ria asks in Zuilen and helps in Ondiep: active in both, once in the total, and there she asked and offered
    assert (z.active_neighbours, o.active_neighbours, total.active_neighbours) == (2, 2, 3)
    assert (z.asked_and_offered, o.asked_and_offered, total.asked_and_offered) == (0, 0, 1)
    assert (z.new_neighbours, o.new_neighbours, total.new_neighbours) == (0, 0, 0)


def test_february(world):
    f = figures_by_key(monthly_figures(db.session, world.initiative, date(2024, 2, 1), date(2024, 2, 29)))
    assert set(f) == {("2024-02", "Zuilen"), ("2024-02", "Ondiep"), ("2024-02", "total")}
    z, o, total = f["2024-02", "Zuilen"], f["2024-02", "Ondiep"], f["2024-02", "total"]
    # the ask of 23:30 UTC on 31 January is a February ask; a match on an offer counts where the offer is
    assert (z.asks, z.offers, z.matches_response, z.matches) == (1, 1, 2, 2)
    assert (o.asks, o.offers, o.matches) == (1, 0, 0)
    assert z.median_days == pytest.approx(10.5 / 24)
    assert (z.share_matched_7d, o.share_matched_7d, o.share_matched_30d, o.median_days) == (1.0, 0.0, 0.0, None)
    assert (total.share_matched_7d, total.share_matched_30d) == (0.5, 0.5)
    assert (z.hours, total.hours) == (3.0, 3.0)
    # Joost helps Ria and is helped by Ahmed in Zuilen; Ria asks and offers
    assert (z.active_neighbours, z.asked_and_offered) == (3, 2)
    assert (o.active_neighbours, o.asked_and_offered) == (1, 0)
    assert (total.active_neighbours, total.asked_and_offered) == (3, 2)
    assert (z.new_neighbours, o.new_neighbours, total.new_neighbours) == (1, 1, 2)


def test_march_and_the_summer_time_month_boundary(world):
    f = figures_by_key(monthly_figures(db.session, world.initiative, date(2024, 3, 1), date(2024, 4, 30)))
    z, o, total = f["2024-03", "Zuilen"], f["2024-03", "Ondiep"], f["2024-03", "total"]
    assert (z.asks, o.asks, total.asks) == (1, 1, 2)
    assert (z.matches_scheduler, o.matches_response, total.matches) == (1, 1, 2)
    assert (z.share_matched_7d, z.share_matched_30d, z.median_days) == (0.0, 1.0, 8.0)
    assert (o.share_matched_7d, o.median_days) == (1.0, 7.0)  # exactly 7 days is within 7 days
    assert total.median_days == 7.5
    assert total.hours == 0  # done at 00:30 on 1 April, Dutch time
    assert (total.active_neighbours, total.asked_and_offered) == (3, 1)
    april = f["2024-04", "Zuilen"]
    assert (april.asks, april.hours, april.active_neighbours) == (1, 0.5, 2)


def test_a_month_without_anything_has_zeros_and_no_shares(world):
    rows = monthly_figures(db.session, world.initiative, date(2023, 12, 1), date(2023, 12, 1))
    assert len(rows) == 3
    for r in rows:
        assert (r.asks, r.matches, r.hours, r.active_neighbours, r.new_neighbours) == (0, 0, 0, 0, 0)
        assert (r.share_matched_7d, r.share_matched_30d, r.median_days) == (None, None, None)


def test_another_initiative_sees_only_its_own_neighbourhood(world):
    f = figures_by_key(monthly_figures(db.session, world.other, date(2024, 1, 1), date(2024, 2, 1)))
    assert set(f) == {("2024-01", "Everdingen"), ("2024-01", "total"), ("2024-02", "Everdingen"),
                      ("2024-02", "total")}
    jan = f["2024-01", "Everdingen"]
    assert (jan.asks, jan.matches_broker, jan.active_neighbours, jan.median_days) == (1, 1, 2, 1.0)
    assert f["2024-02", "Everdingen"].new_neighbours == 1


def test_an_initiative_without_neighbourhoods_has_only_empty_totals(world):
    lonely = Initiative(name="Nog Nergens", slug="nog-nergens")  # the services refuse this; old data may not
    db.session.add(lonely)
    db.session.commit()
    rows = monthly_figures(db.session, lonely, date(2024, 1, 1), date(2024, 2, 1))
    assert [(r.month, r.is_total, r.asks, r.active_neighbours) for r in rows] == [
        (date(2024, 1, 1), True, 0, 0), (date(2024, 2, 1), True, 0, 0)]


def test_a_period_that_ends_before_it_starts_is_refused(world):
    with pytest.raises(ValueError):
        monthly_figures(db.session, world.initiative, date(2024, 3, 1), date(2024, 2, 1))


# --- the page and the CSV file ------------------------------------------------------------------

class Tables(HTMLParser):
    """The text of every cell of every table, row by row."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_a_broker_sees_the_figures_per_month(world, client):
    client.login("broker@example.org")
    response = client.get(f"/broker/kracht-van-zuilen/figures?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    tables = Tables(html).tables
    assert len(tables) == 3  # January, February, March
    january = tables[0]
    assert len(january[0]) == 14  # the header
    # neighbourhood, asks, offers, scheduler, broker, response, matches, 7 d, 30 d, median, hours, active, new, both
    assert january[1] == ["Ondiep", "1", "0", "0", "1", "0", "1", "0%", "100%", "15", "0", "2", "0", "0"]
    assert january[2] == ["Zuilen", "1", "1", "1", "0", "0", "1", "100%", "100%", "3", "1,5", "2", "0", "0"]
    assert january[3][1:] == ["2", "1", "1", "1", "0", "2", "50%", "100%", "9", "1,5", "3", "0", "1"]  # the total
    assert tables[1][1][9] == "—"  # nothing matched in Ondiep in February: no median
    assert tables[2][3][9] == "7,5"
    # the chart: no inline styles, a title and a description, the totals also as text
    assert "style=" not in html
    assert 'role="img" aria-labelledby="chart-title chart-desc"' in html
    desc = re.search(r'<desc id="chart-desc">([^<]*)</desc>', html).group(1)
    # asks, offers and agreed matches follow the colon, in any language
    assert re.search(r":\D*(\d+)\D+(\d+)\D+(\d+)", desc).groups() == ("6", "2", "6")
    assert "<caption" in html and 'scope="row"' in html
    assert 'href="/broker/kracht-van-zuilen/figures.csv?from=2024-01&amp;to=2024-03"' in html


def test_the_page_shows_the_last_six_months_by_default(world, client):
    client.login("broker@example.org")
    html = client.get("/broker/kracht-van-zuilen/figures").get_data(as_text=True)
    assert len(Tables(html).tables) == 6


def test_the_page_in_english(world, client):
    world.broker.locale = "en"
    db.session.commit()
    client.login("broker@example.org")
    html = client.get(f"/broker/kracht-van-zuilen/figures?{PERIOD}").get_data(as_text=True)
    assert "January 2024" in html
    assert Tables(html).tables[0][2][10] == "1.5"


def test_the_csv_file(world, client):
    world.broker.locale = "en"
    db.session.commit()
    client.login("broker@example.org")
    response = client.get(f"/broker/kracht-van-zuilen/figures.csv?{PERIOD}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == \
        'attachment; filename="figures-kracht-van-zuilen-2024-01-2024-03.csv"'
    # the Dutch spreadsheet convention, so that Dutch Excel opens it as columns: ";" and a decimal comma
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Month", "Neighbourhood", "Asks posted"] and len(rows[0]) == 15
    assert [r[:2] for r in rows[1:]] == [[m, n] for m in ("2024-01", "2024-02", "2024-03") for n in ("Ondiep", "Zuilen")]
    assert rows[2] == ["2024-01", "Zuilen", "1", "1", "1", "0", "0", "1", "100,0", "100,0", "3,0", "1,50", "2", "0", "0"]
    assert rows[3] == ["2024-02", "Ondiep", "1", "0", "0", "0", "0", "0", "0,0", "0,0", "", "0,00", "1", "1", "0"]
    assert rows[4][10] == "0,4"  # 10.5 hours


def test_the_csv_file_quotes_and_defuses_names(world, client):
    world.ondiep.name = '=Ondiep, "oost"'
    db.session.commit()
    client.login("broker@example.org")
    text = client.get(f"/broker/kracht-van-zuilen/figures.csv?{PERIOD}").data.decode("utf-8-sig")
    assert '"\'=Ondiep, ""oost"""' in text
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1][1] == "'=Ondiep, \"oost\""


@pytest.mark.parametrize("query", [
    "from=2024-13&to=2024-03", "from=januari&to=2024-03", "from=2024-03&to=2024-01", "from=2020-01&to=2024-01",
    "to=1999-12",
])
def test_a_bad_period_is_a_400_with_an_explanation(world, client, query):
    world.broker.locale = "en"
    db.session.commit()
    client.login("broker@example.org")
    page = client.get(f"/broker/kracht-van-zuilen/figures?{query}")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'aria-invalid="true"' in html
    assert Tables(html).tables == []
    assert any(text in html for text in ("for example 2025-03", "comes before the first month", "at most 36 months"))
    download = client.get(f"/broker/kracht-van-zuilen/figures.csv?{query}")
    assert download.status_code == 400 and download.mimetype == "text/plain"


@pytest.mark.parametrize("email", ["other_broker@example.org", "neighbour@example.org", "coordinator@example.org"])
def test_only_brokers_of_the_initiative_may_look(world, client, email):
    client.login(email)
    assert client.get("/broker/kracht-van-zuilen/figures").status_code == 403
    assert client.get("/broker/kracht-van-zuilen/figures.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    for url in ("/broker/kracht-van-zuilen/figures", "/broker/kracht-van-zuilen/figures.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_an_unknown_initiative_is_404(world, client):
    client.login("broker@example.org")
    assert client.get("/broker/nope/figures").status_code == 404
    assert client.get("/broker/nope/figures.csv").status_code == 404


def test_the_page_runs_as_many_queries_for_many_rows_as_for_few(world, client, count_queries):
    client.login("broker@example.org")
    url = "/broker/kracht-van-zuilen/figures?from=2023-10&to=2024-06"

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as q:
            assert client.get(url).status_code == 200
        return q.count

    hood_ids = [world.zuilen.id, world.ondiep.id]
    few = queries()
    hoods = [db.session.get(Neighbourhood, i) for i in hood_ids]
    people = [make_neighbour(hoods[i % 2], created_at=at(2023, 10 + i % 3, 1 + i, 9)) for i in range(20)]
    for i in range(120):
        author, other = people[i % 20], people[(i + 7) % 20]
        created = at(2023, 10, 1, 8) + timedelta(days=i * 2, hours=i)
        post = make_post(author, PostKind.ASK if i % 3 else PostKind.OFFER, created)
        if i % 2:
            source = list(MatchSource)[i % 3]
            ask, offer = (post, None) if post.kind == PostKind.ASK else (None, post)
            asker, helper = (author, other) if ask else (other, author)
            make_match(ask=ask, offer=offer, asker=asker, helper=helper, source=source, status=MatchStatus.DONE,
                       accepted_at=created + timedelta(days=i % 11), done_at=created + timedelta(days=12),
                       minutes=30 + i)
    db.session.commit()
    many = queries()
    assert many == few
    assert few <= 15 + 5, few  # + at most five for the activities (activities.figures)
