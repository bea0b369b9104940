"""How well the matcher matches, not only how fast: one seeded neighbourhood, the same weeks three ways.

buurthulp's matcher (the real ``engine.match`` with the app's MATCH_* settings, every day part); "feed only", as
on Hoplr or Nextdoor; "one at a time", as WeHelpen's app (the nearest willing helper; after a no, or no answer in
2 days, the next). For each: asks matched within 7 days, median days to a match, the Gini coefficient of help
given per person who could help (0: evenly spread) and matches between people who helped each other before
(warm). The figures compare ways on one made-up neighbourhood; they are not a promise. Assumptions:

 1. Time goes in day parts (3 ticks a day). The matcher runs at the start of every tick; then people act.
 2. Neighbourhoods are 1 x 1 km grid cells (about 250 neighbours each), each next to its 8 grid neighbours:
    "near" (own and adjacent, as the feed and the matcher take it) is within 2.8 km < MATCH_MAX_METRES. All
    ways reach as far.
 3. 40% of neighbours like to help, in 1-3 categories (groceries and odd jobs most); everyone has a weekly
    availability (two random 21-bit masks ANDed: about 5 of 21 weekday parts), a weekly cap of 1-3 yeses and a
    willingness b, uniform in 0.3-0.9.
 4. 35% of neighbours ever ask, some much more than others (log-normal weights). Asks come at 4% of the
    neighbours a week: half on a date 1-10 days ahead (a quarter of those at any part of the day), half within
    3-21 days from today; an ask closes when that has passed. Offers: 1% a week, from people who like to help,
    weekly on their available parts, for 28 days.
 5. A person is active in a tick with a fixed chance (daily chance from Beta(2, 2.5)); only then do they read
    the feed, notifications and suggestions, and answer. Activity and yes/no draws are the same in every way
    (common random numbers per person and tick, and per person and ask).
 6. Someone asked to help (a proposal, a suggestion on their page, a forwarded ask, a post in their feed) says
    yes with probability  p = b * exp(-d / 1500 m) * 0.5 ** open,  d between the two homes, open their yeses
    not yet done or ended; p = 0 after cap yeses in 7 days. Only the willing are asked or respond: they like
    the category (or have an open offer in it) and are free then (``Window.overlap``). Askers take any yes.
 7. Matcher, as the app does it: a suggestion nobody answered ends after MATCH_SUGGESTION_DAYS (2) and the next
    run suggests the next helper; suggested helpers are told, see the ask on their own page and may say yes,
    which is the match (every asker keeps the ask form's "suggested neighbours may say yes straight away"); the
    asker may also ask their best suggestion (the next after 2 days without an answer). A matched ask's other
    suggestions end. A no keeps the pair apart for MATCH_DECLINE_PAUSE_DAYS (90), never again for that ask.
 8. Feed: an active person looks at the first 20 posts of their feed (own and adjacent neighbourhoods, newest
    first, asks and offers), responds to asks they are willing for, and asks for an offer that fits an open ask
    of theirs (the offerer decides); the asker takes the first yes.
 9. One at a time: the nearest willing helper not asked yet for the ask; their yes is the match.
10. Nobody is asked twice for one ask. A match is done 1-4 days after the yes; then the two helped each other
    before. No broker, digest, circle or block in any way.

    .venv/bin/python benchmarks/outcomes.py           # 2,000 neighbours, 26 weeks
    .venv/bin/python benchmarks/outcomes.py --quick   # 500 neighbours, 8 weeks, a few seconds
No database. MATCH_* environment variables change the matcher's settings, as in the app.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from bisect import bisect_left
from collections import Counter, defaultdict, namedtuple
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from buurthulp.categories import Category  # noqa: E402
from buurthulp.geo import METRES_PER_DEGREE, distance_m  # noqa: E402
from buurthulp.matching import rules  # noqa: E402
from buurthulp.matching.engine import match  # noqa: E402
from buurthulp.matching.rules import Ask, Context, Helper, Window, pair  # noqa: E402
from config import Config  # noqa: E402

TICKS, START = 3, date(2025, 1, 6)  # day parts a day; a Monday
WEEK = 7 * TICKS
HOOD_PEOPLE, HOOD_M, DISTANCE_M = 250, 1000.0, 1500.0
FEED_CARDS = 20                     # what a person looks at in the feed
NO_ANSWER = 2 * TICKS               # one at a time: the next helper after this; askers pick the next suggestion
WEIGHTS = {Category.GROCERIES: 20, Category.ODD_JOBS: 20, Category.TRANSPORT: 15, Category.COMPANY: 12,
           Category.PAPERWORK: 10, Category.MINDING: 8, Category.MEALS: 6, Category.EXERCISE: 5, Category.OTHER: 4}
CATEGORIES = [c.value for c in WEIGHTS]
M64 = (1 << 64) - 1


def unit(*keys: int) -> float:
    """A uniform number in [0, 1) from integers (splitmix64): the same keys, the same number in every way."""
    x = 0
    for key in keys:
        x = (x + key + 0x9E3779B97F4A7C15) & M64
        x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
        x ^= x >> 31
    return (x >> 11) / float(1 << 53)


# An ask (on the date ``on`` at ``part``, None: any part; or within start..end) or a weekly offer on its ``slots``;
# ``posted`` and ``closes`` (no longer open from then) are ticks.
Post = namedtuple("Post", "id author hood kind category posted closes on part start end slots")


class World:
    """Neighbours, their profiles and activity, every ask and offer: the same for all ways."""

    def __init__(self, people: int, weeks: int, seed: int):
        rng = np.random.default_rng(seed)
        self.n, self.ticks, self.seed = people, weeks * WEEK, seed
        hoods = max(2, round(people / HOOD_PEOPLE))
        side = math.ceil(math.sqrt(hoods))
        self.adjacent = {h: {g for g in range(hoods) if g != h and abs(g // side - h // side) <= 1
                             and abs(g % side - h % side) <= 1} for h in range(hoods)}
        self.near = {h: {h} | a for h, a in self.adjacent.items()}
        lat_cell, lon_cell = HOOD_M / METRES_PER_DEGREE, HOOD_M / (METRES_PER_DEGREE * math.cos(math.radians(52)))
        ids = range(1, people + 1)  # person ids from 1, as in the app; index 0 is unused
        self.hood = [0] + rng.integers(0, hoods, people).tolist()
        self.lat = [0.0] + [52.0 + (self.hood[p] // side + rng.random()) * lat_cell for p in ids]
        self.lon = [0.0] + [5.0 + (self.hood[p] % side + rng.random()) * lon_cell for p in ids]
        weights = np.asarray(list(WEIGHTS.values()), dtype=float) / sum(WEIGHTS.values())
        self.likes: list[set[str]] = [set()] + [
            {CATEGORIES[i] for i in rng.choice(len(CATEGORIES), int(rng.integers(1, 4)) if rng.random() < 0.4 else 0,
                                               replace=False, p=weights)} for _ in ids]
        self.avail = [0] + [int(a & b) or 1 << int(c) for a, b, c in zip(
            rng.integers(0, 1 << 21, people), rng.integers(0, 1 << 21, people), rng.integers(0, 21, people),
            strict=True)]
        self.cap = [0] + rng.choice([1, 2, 3], people, p=[0.5, 0.35, 0.15]).tolist()
        self.base = [0.0] + rng.uniform(0.3, 0.9, people).tolist()
        per_tick = 1.0 - (1.0 - rng.beta(2.0, 2.5, people)) ** (1.0 / TICKS)
        active = rng.random((self.ticks, people)) < per_tick
        self.active = np.hstack([np.zeros((self.ticks, 1), dtype=bool), active]).tolist()  # [tick][person]
        ask_weight = np.where(rng.random(people) < 0.35, rng.lognormal(0.0, 1.0, people), 0.0)
        self.ask_interest = {p + 1 for p in np.flatnonzero(ask_weight).tolist()}
        likers = [p for p in ids if self.likes[p]]
        self.could_help, self.posts = set(likers), []
        for week in range(weeks):
            for _ in range(rng.poisson(0.04 * people)):
                author = int(rng.choice(people, p=ask_weight / ask_weight.sum())) + 1
                tick = week * WEEK + int(rng.integers(0, WEEK))
                day, category = self.day(tick), CATEGORIES[int(rng.choice(len(CATEGORIES), p=weights))]
                if rng.random() < 0.5:
                    on = day + timedelta(days=int(rng.integers(1, 11)))
                    part = None if rng.random() < 0.25 else int(rng.integers(0, 3))
                    self.add(author, "ask", category, tick, on, on, on, part)
                else:
                    self.add(author, "ask", category, tick, day, day + timedelta(days=int(rng.integers(3, 22))))
            for _ in range(rng.poisson(0.01 * people)):
                author = likers[int(rng.integers(0, len(likers)))]
                tick = week * WEEK + int(rng.integers(0, WEEK))
                category = sorted(self.likes[author])[int(rng.integers(0, len(self.likes[author])))]
                self.add(author, "offer", category, tick, self.day(tick), self.day(tick) + timedelta(days=28))
        self.posts.sort(key=lambda p: (p.posted, p.id))
        self.by_tick = defaultdict(list)
        for post in self.posts:
            self.by_tick[post.posted].append(post)
        self.asks = [p for p in self.posts if p.kind == "ask"]

    def add(self, author: int, kind: str, category: str, tick: int, start: date, end: date, on=None, part=None):
        closes = (end - START).days * TICKS + (TICKS if kind == "ask" else 0)  # an ask: after its last day
        self.posts.append(Post(len(self.posts) + 1, author, self.hood[author], kind, category, tick, closes, on, part,
                               start, end, self.avail[author] if kind == "offer" else 0))

    @staticmethod
    def day(tick: int) -> date:
        return START + timedelta(days=tick // TICKS)

    def window(self, post: Post, today: date) -> Window:
        """When a post can happen, as ``matching.load.post_window`` makes it."""
        if post.kind == "offer":
            return rules.window_weekly(post.slots, today, post.end)
        if post.on is not None:
            return rules.window_once(post.on, post.part)
        return rules.window_period(max(post.start, today), post.end, self.avail[post.author])

    def distance(self, a: int, b: int) -> float:
        return distance_m(self.lat[a], self.lon[a], self.lat[b], self.lon[b])


class Rec:
    """A suggestion of the matcher and what became of it, with the app's statuses."""

    __slots__ = ("ask", "helper", "score", "created", "status", "proposed")

    def __init__(self, ask: Post, helper: int, score: float, created: int):
        self.ask, self.helper, self.score, self.created, self.status, self.proposed = \
            ask, helper, score, created, "suggested", 0


LIVE = ("suggested", "proposed", "responded", "accepted")  # responded: the helper said yes, waiting for the asker


class Way:
    """One way of matching, run over the world's weeks; the subclasses say who is asked when."""

    def __init__(self, world: World):
        self.world, self.matched, self.helped, self.open = world, {}, Counter(), Counter()  # matched: ask -> tick
        self.yeses, self.due = defaultdict(list), defaultdict(list)  # person -> ticks of yes; tick -> done then
        self.warm, self.asked, self.warm_matches = set(), set(), 0   # asked: (ask, person) asked or decided once
        self.open_posts, self.offers_of = [], {}

    def run(self) -> None:
        w = self.world
        for t in range(w.ticks):
            self.open_posts = [p for p in self.open_posts if p.closes > t and p.id not in self.matched]
            self.open_posts += w.by_tick.get(t, [])
            self.offers_of = defaultdict(list)
            for post in self.open_posts:
                if post.kind == "offer":
                    self.offers_of[post.author].append(post)
            for asker, helper, rec in self.due.pop(t, []):
                self.warm.add(pair(asker, helper))
                self.open[helper] -= 1
                if rec is not None:
                    rec.status = "done"
            self.step(t, w.day(t), w.active[t])

    def willing(self, person: int, ask: Post, today: date, window: Window | None = None) -> bool:
        """Likes the category (or has an open offer in it) and is free when the ask can happen."""
        w = self.world
        likes = ask.category in w.likes[person]
        offers = [o for o in self.offers_of.get(person, ()) if o.category == ask.category]
        if person == ask.author or not (likes or offers):
            return False
        window = window or w.window(ask, today)
        return (likes and bool(window.overlap(Window(w.avail[person])))) or any(
            window.overlap(w.window(o, today)) for o in offers)

    def says_yes(self, person: int, ask: Post, t: int) -> bool:
        """The acceptance model (assumption 6); a yes counts as open until done or ended."""
        self.asked.add((ask.id, person))
        w = self.world
        recent = [s for s in self.yeses[person] if s > t - WEEK]
        p = 0.0 if len(recent) >= w.cap[person] else (
            w.base[person] * math.exp(-w.distance(person, ask.author) / DISTANCE_M) * 0.5 ** self.open[person])
        if unit(w.seed, ask.id, person) >= p:
            return False
        self.yeses[person] = recent + [t]
        self.open[person] += 1
        return True

    def agree(self, ask: Post, helper: int, t: int, rec: Rec | None = None) -> None:
        self.matched[ask.id] = t
        self.helped[helper] += 1
        self.warm_matches += pair(ask.author, helper) in self.warm
        self.due[t + (1 + int(unit(self.world.seed, ask.id, helper, 1) * 4)) * TICKS].append((ask.author, helper, rec))


# Until December 2026 the matcher lost here (seed 21, full run: 68% matched within 7 days, a median of 2 days; the
# feed 83% and 1 day, one at a time 75% and 1.7 days), though it spread help most evenly: its asks reached few
# people, slowly. A suggestion nobody acted on stayed live until the ask closed, keeping one of the k places; the
# helper was not told, and their yes still waited for the asker; suggestions on a matched ask stayed live and
# counted as the helper's load; one no barred the pair for good. The app changed on all four (assumption 7).
class Matcher(Way):
    """buurthulp: the matcher's inputs built as ``matching.load`` builds them from the app's tables."""

    def __init__(self, world: World):
        super().__init__(world)
        w = world
        self.recs, self.by_ask = [], defaultdict(list)
        self.live: dict[Rec, None] = {}  # in the order made, so that every run is the same
        self.declined: dict[tuple[int, int], int] = {}  # (asker, helper) -> tick of the no
        self.taken_offers = set()
        self.profiles = [Helper(p, w.hood[p], c, w.lat[p], w.lon[p], Window(w.avail[p]))  # load.py's "likers"
                         for p in range(1, w.n + 1) for c in sorted(w.likes[p])]

    def context(self, t: int, asks: list[Post]) -> Context:
        load, week = Counter(), Counter()
        for rec in self.recs[bisect_left(self.recs, t - 30 * TICKS, key=lambda r: r.created):]:  # live, or made in the last 30 days
            load[rec.helper] += rec.status != "unanswered"  # matching.load.counted_as_load: it asked nothing of them
            week[rec.helper] += rec.created > t - WEEK  # every match here comes from the scheduler
        for rec in self.live:
            load[rec.helper] += rec.created < t - 30 * TICKS and rec.status in LIVE
        live = {a.id: sum(r.status in LIVE for r in self.by_ask[a.id]) for a in asks}
        helpers = {h.person for h in self.profiles} | set(self.offers_of)
        return Context(
            adjacent=self.world.adjacent, blocked=set(),
            declined={p for p, at in self.declined.items() if at > t - Config.MATCH_DECLINE_PAUSE_DAYS * TICKS},
            taken={(a.id, r.helper) for a in asks for r in self.by_ask[a.id]}, taken_offers=self.taken_offers,
            warm=self.warm, reciprocal=(self.world.ask_interest | {a.author for a in asks}) & helpers,
            load={h: n for h, n in load.items() if n}, live_per_ask={a: n for a, n in live.items() if n},
            proposals_this_week={h: n for h, n in week.items() if n}, max_metres=Config.MATCH_MAX_METRES,
            k=Config.MATCH_SUGGESTIONS_PER_ASK, m=Config.MATCH_PROPOSALS_PER_HELPER_PER_WEEK)

    def accept(self, rec: Rec, t: int) -> None:
        """Both said yes. The ask's other suggestions end; other helpers' yeses (none here: a suggested helper's
        yes is the match) would stay waiting for the asker."""
        rec.status = "accepted"
        self.agree(rec.ask, rec.helper, t, rec)
        for other in self.by_ask[rec.ask.id]:
            self.open[other.helper] -= other.status == "responded"
            if other.status == "suggested":
                other.status = "unanswered"  # ended before anyone answered (the app: expired, posts.matches.unanswered)
                del self.live[other]

    def step(self, t: int, today: date, active: list[bool]) -> None:
        w = self.world
        for rec in list(self.live):  # the app's expire_posts: suggestions on an expired ask end with it
            if rec.status in LIVE[:3] and rec.ask.closes <= t and rec.ask.id not in self.matched:
                self.open[rec.helper] -= rec.status == "responded"
                rec.status = "unanswered" if rec.status == "suggested" else "expired"
                del self.live[rec]
            elif rec.status == "suggested" and t - rec.created >= Config.MATCH_SUGGESTION_DAYS * TICKS:
                rec.status = "unanswered"  # expire_suggestions: nobody answered in time; the next helper is suggested
                del self.live[rec]
        asks = [p for p in self.open_posts if p.kind == "ask"]
        helpers = self.profiles + [Helper(o.author, o.hood, o.category, w.lat[o.author], w.lon[o.author],
                                          w.window(o, today), offer=o.id)
                                   for offers in self.offers_of.values() for o in offers]
        by_id = {a.id: a for a in asks}
        for s in match([Ask(a.id, a.author, a.hood, a.category, w.lat[a.author], w.lon[a.author], w.window(a, today))
                        for a in asks], helpers, self.context(t, asks)):
            rec = Rec(by_id[s.ask], s.helper, s.score, t)
            self.recs.append(rec)
            self.by_ask[s.ask].append(rec)
            self.live[rec] = None
            if s.offer:
                self.taken_offers.add((s.offer, s.asker))
        for ask in asks:  # askers: take a helper's yes, else ask their best suggestion (the next after 2 days)
            recs = self.by_ask[ask.id]
            if not active[ask.author] or ask.id in self.matched:
                continue
            yes = [r for r in recs if r.status == "responded"]
            if yes:
                self.accept(yes[0], t)
                continue
            for rec in recs:
                if rec.status == "proposed" and t - rec.proposed >= NO_ANSWER:
                    rec.status = "cancelled"
                    del self.live[rec]
            waiting = [r for r in recs if r.status == "suggested"]
            if waiting and not any(r.status == "proposed" for r in recs):
                best = min(waiting, key=lambda r: (-r.score, r.helper))
                best.status, best.proposed = "proposed", t
        for rec in [r for r in self.live if active[r.helper] and r.status in ("suggested", "proposed")]:
            ask = rec.ask
            if ask.id in self.matched or ask.closes <= t:
                continue
            if rec.status == "suggested":  # told, and on their page: respond (which is the match), or leave it
                if (ask.id, rec.helper) not in self.asked and self.says_yes(rec.helper, ask, t):
                    self.accept(rec, t)
            elif (ask.id, rec.helper) not in self.asked and self.says_yes(rec.helper, ask, t):
                self.accept(rec, t)
            else:  # asked by the asker: no (or no again)
                rec.status = "declined"
                del self.live[rec]
                self.declined[ask.author, rec.helper] = t


class Feed(Way):
    """Feed only: active people look at the newest posts near them and respond; askers take the first yes."""

    def __init__(self, world: World):
        super().__init__(world)
        self.responses = defaultdict(list)  # ask id -> helpers who said yes, waiting for the asker
        self.requests = []                  # (offer, ask): the asker asked for the offer; waiting for the offerer

    def step(self, t: int, today: date, active: list[bool]) -> None:
        w = self.world
        open_asks = {p.id: p for p in self.open_posts if p.kind == "ask"}
        for ask_id in [a for a in self.responses if a not in open_asks]:  # matched or closed: their yeses end
            for helper in self.responses.pop(ask_id):
                self.open[helper] -= 1
        newest = sorted(self.open_posts, key=lambda p: (-p.posted, -p.id))
        feeds = {h: [p for p in newest if p.hood in near][:FEED_CARDS] for h, near in w.near.items()}
        my_asks = defaultdict(list)
        for ask in open_asks.values():
            my_asks[ask.author].append(ask)
        for person in (p for p in range(1, w.n + 1) if active[p]):
            for post in feeds[w.hood[person]]:
                if post.kind == "ask" and (post.id, person) not in self.asked and post.id not in self.matched and \
                        self.willing(person, post, today):
                    if self.says_yes(person, post, t):
                        self.responses[post.id].append(person)
                elif post.kind == "offer" and post.author != person:
                    for ask in my_asks[person]:
                        if ask.category == post.category and (ask.id, post.author) not in self.asked and \
                                w.window(ask, today).overlap(w.window(post, today)):
                            self.asked.add((ask.id, post.author))
                            self.requests.append((post, ask))
        for ask_id, helpers in list(self.responses.items()):  # askers take the first yes; the others end
            ask = open_asks[ask_id]
            if active[ask.author] and ask.id not in self.matched:
                self.agree(ask, helpers[0], t)
                for helper in self.responses.pop(ask_id)[1:]:
                    self.open[helper] -= 1
        waiting = []
        for offer, ask in self.requests:  # offerers answer
            if ask.id in self.matched or ask.closes <= t:
                continue
            if not active[offer.author]:
                waiting.append((offer, ask))
            elif self.says_yes(offer.author, ask, t):
                self.agree(ask, offer.author, t)
        self.requests = waiting


class OneAtATime(Way):
    """Each ask goes to the nearest willing helper not asked yet; after a no, or no answer in 2 days, the next."""

    def __init__(self, world: World):
        super().__init__(world)
        self.current, self.likers = {}, defaultdict(list)  # ask id -> (helper, tick from which they can answer)
        for person, category in ((p, c) for p in range(1, world.n + 1) for c in world.likes[p]):
            self.likers[world.hood[person], category].append(person)

    def forward(self, ask: Post, today: date, since: int) -> None:
        w, window = self.world, self.world.window(ask, today)
        near = [p for h in w.near[ask.hood] for p in self.likers[h, ask.category]]
        near += [o.author for o in self.open_posts if o.kind == "offer" and o.hood in w.near[ask.hood]]
        candidates = sorted({p for p in near if (ask.id, p) not in self.asked and self.willing(p, ask, today, window)},
                            key=lambda p: (w.distance(ask.author, p), p))
        if candidates:
            self.asked.add((ask.id, candidates[0]))
            self.current[ask.id] = (candidates[0], since)
        else:
            self.current.pop(ask.id, None)  # nobody (yet): tried again in the next tick

    def step(self, t: int, today: date, active: list[bool]) -> None:
        for ask in [p for p in self.open_posts if p.kind == "ask"]:
            if ask.id not in self.current:
                self.forward(ask, today, t)
                if ask.id not in self.current:
                    continue
            helper, since = self.current[ask.id]
            if t >= since and active[helper]:
                if self.says_yes(helper, ask, t):
                    self.agree(ask, helper, t)
                    del self.current[ask.id]
                else:
                    self.forward(ask, today, t + 1)
            elif t - since >= NO_ANSWER - 1:
                self.forward(ask, today, t + 1)


def gini(values: list[int]) -> float:
    ordered, n = sorted(values), len(values)
    total = sum(ordered)
    return 2 * sum(i * x for i, x in enumerate(ordered, 1)) / (n * total) - (n + 1) / n if total else 0.0


def figures(way: Way) -> dict:
    """Over the asks posted at least 7 days before the end, so that each had its 7 days."""
    w = way.world
    asks = [a for a in w.asks if a.posted <= w.ticks - WEEK]
    waits = [(way.matched[a.id] - a.posted) / TICKS for a in asks if a.id in way.matched]
    matches = sum(way.helped.values())
    return {"within_7": sum(d <= 7 for d in waits) / len(asks), "median": statistics.median(waits) if waits else
            math.inf, "gini": gini([way.helped[p] for p in w.could_help]), "warm": way.warm_matches / max(1, matches),
            "matched": len(waits) / len(asks), "matches": matches, "helpers": len(way.helped)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="500 neighbours over 8 weeks")
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--people", type=int, help="neighbours (default 2,000; 500 with --quick)")
    parser.add_argument("--weeks", type=int, help="weeks (default 26; 8 with --quick)")
    args = parser.parse_args()
    people, weeks = args.people or (500 if args.quick else 2_000), args.weeks or (8 if args.quick else 26)
    started = time.perf_counter()
    world = World(people, weeks, args.seed)
    print(f"seed {args.seed}: {people:,} neighbours ({len(world.could_help):,} like to help) in {len(world.near)} "
          f"neighbourhoods, {weeks} weeks, {len(world.asks):,} asks, {len(world.posts) - len(world.asks):,} offers; "
          f"k={Config.MATCH_SUGGESTIONS_PER_ASK}, m={Config.MATCH_PROPOSALS_PER_HELPER_PER_WEEK}, "
          f"{Config.MATCH_MAX_METRES} m", flush=True)
    print(f"{'':<15}{'matched <= 7 d':>15}{'median days':>13}{'Gini':>7}{'warm':>7}   "
          "(matched at all, matches, people who helped, run time)")
    results = {}
    for name, kind in (("matcher", Matcher), ("feed only", Feed), ("one at a time", OneAtATime)):
        way_started = time.perf_counter()
        way = kind(world)
        way.run()
        r = results[name] = figures(way)
        print(f"{name:<15}{r['within_7']:>14.1%}{r['median']:>13.2f}{r['gini']:>7.3f}{r['warm']:>7.1%}   "
              f"({r['matched']:.1%}, {r['matches']:,}, {r['helpers']:,}, {time.perf_counter() - way_started:.1f} s)",
              flush=True)
    mine, others = results["matcher"], [results["feed only"], results["one at a time"]]
    checks = {"more matched within 7 days": all(mine["within_7"] > o["within_7"] for o in others),
              "fewer median days": all(mine["median"] < o["median"] for o in others),
              "lower Gini": all(mine["gini"] < o["gini"] for o in others)}
    print(f"the matcher beats both baselines on all three at once: {'yes' if all(checks.values()) else 'no'} ("
          + ", ".join(f"{k}: {'yes' if v else 'no'}" for k, v in checks.items()) + ")")
    print(f"run time: {time.perf_counter() - started:.1f} s (a comparison on a made-up neighbourhood, not a promise)")


if __name__ == "__main__":
    main()
