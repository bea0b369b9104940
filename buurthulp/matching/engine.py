"""The matcher on plain data: candidates, scores with reasons, and a fair global assignment.

No database here: ``load.py`` builds the inputs as columns (``columns.py``),
``services.py`` stores the result. Everything is deterministic for the same input, whatever its order
(ties break on ids).

The work is done on columns (numpy arrays, one row per ask or per helper
entry), not per object: for 100,000 open posts Python would spend seconds on
millions of candidate pairs that numpy checks in a few passes. ``rules.py``
(``Ask``, ``Helper``, ``score()``, ``explain()``) is the readable definition
of one pair; the digest uses it, and tests check the columns agree.

Assignment: every candidate pair gets a score; pairs are taken best first
(score, then ask id, then helper id) while the ask has fewer than ``k``
suggestions and the helper fewer than ``m`` new proposals this week. Taking
the best pair first is the greedy approximation of the maximum-weight
b-matching (at least half the optimum); unlike an exact solver it is
O(E log E), stable, and easy to explain to a broker.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from buurthulp.geo import METRES_PER_DEGREE
from buurthulp.matching.columns import MICRO, Chosen, Codes, Side, asks_side, helpers_side
from buurthulp.matching.rules import ALL_PARTS, FULL_WEEK, PARTS, Ask, Context, Helper, Suggestion

CHUNK = 16_384  # asks per pass: bounds the memory of the candidate pairs


def _pair_keys(pairs, base: int, symmetric: bool = False) -> np.ndarray:
    """(a, b) pairs as sorted int64 keys a * base + b, for a membership test on arrays.

    A pair with an id of ``base`` or more names nobody in this run and is left out.
    """
    values = [a * base + b for a, b in pairs if a < base and b < base]
    if symmetric:
        values += [b * base + a for a, b in pairs if a < base and b < base]
    return np.unique(np.asarray(values, dtype=np.int64))


def _key_base(asks: Side, helpers: Side) -> int:
    """One more than the largest id in this run, so that a * base + b is one number per pair of ids."""
    base = 1 + max(int(column.max(initial=0)) for column in (asks.person, asks.post, helpers.person))
    if base * base >= 2 ** 63:
        raise ValueError("ids too large for the matcher's pair keys")
    return base


def _isin(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if not len(sorted_keys):
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def shared_days(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """As ``rules.days_mask`` on columns: all parts of the weekdays from day ordinal ``first`` to ``last``."""
    span = last - first
    out = np.where(span >= 6, FULL_WEEK, 0).astype(np.int64)
    short = np.flatnonzero((span >= 0) & (span < 6))  # most pairs share weeks: only the few short ones are worked out
    if len(short):
        begin, length = first[short], span[short]
        bits = np.zeros(len(short), dtype=np.int64)
        for day in range(6):
            bits |= np.where(day <= length, ALL_PARTS << ((begin - 1 + day) % 7 * PARTS), 0)
        out[short] = bits
    return out


def _ramp(counts: np.ndarray) -> np.ndarray:
    """0..n-1 for each count in turn: [2, 3] -> [0, 1, 0, 1, 2]."""
    total = int(counts.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


def _order(*keys: np.ndarray) -> np.ndarray:
    """The stable sort order by several non-negative integer keys, the first the most significant."""
    bits = [max(int(k.max()).bit_length(), 1) if len(k) else 1 for k in keys]
    if sum(bits) > 62:
        return np.lexsort(keys[::-1])
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    for key, width in zip(keys, bits, strict=True):
        packed = (packed << width) | key
    return np.argsort(packed, kind="stable")


def _by_person(values: dict, people: np.ndarray) -> np.ndarray:
    """values[person] for each person (0 when absent), looked up once per distinct person."""
    distinct, back = np.unique(people, return_inverse=True)
    return np.asarray([values.get(p, 0) for p in distinct.tolist()], dtype=np.int64)[back]


@dataclass
class _Candidates:
    ask: np.ndarray        # index into the sorted asks
    helper: np.ndarray     # index into the sorted helpers
    score: np.ndarray      # millionths
    distance: np.ndarray
    overlap: np.ndarray
    warm: np.ndarray


class Pool:
    """The helpers sorted into (neighbourhood, category) buckets, with all that stays the same between rounds.

    ``asks`` and ``helpers`` must be in the canonical order ``canonical()`` sorts them into.
    """

    def __init__(self, asks: Side, helpers: Side, ctx: Context):
        self.asks, self.helpers, self.ctx = asks, helpers, ctx
        hoods = np.unique(np.concatenate([asks.hood, helpers.hood, np.asarray(list(ctx.adjacent), dtype=np.int64)]))
        code = {h: i for i, h in enumerate(hoods.tolist())}
        near_lists = [[i, *sorted({code[a] for a in ctx.adjacent.get(h, ()) if a in code} - {i})]
                      for i, h in enumerate(hoods.tolist())]
        self.near_len = np.asarray([len(n) for n in near_lists], dtype=np.int64)
        self.near_ptr = np.cumsum(self.near_len) - self.near_len
        self.near_flat = np.asarray([c for n in near_lists for c in n], dtype=np.int64)
        self.categories = categories = int(max(asks.category.max(initial=0), helpers.category.max(initial=0))) + 1

        bucket = np.searchsorted(hoods, helpers.hood) * categories + helpers.category
        self.by_bucket = by_bucket = np.argsort(bucket, kind="stable")  # within a bucket: canonical order
        self.keys = bucket[by_bucket]
        self.h_person, self.h_hood = helpers.person[by_bucket], helpers.hood[by_bucket]
        self.h_lat, self.h_lon, self.h_mask = helpers.lat[by_bucket], helpers.lon[by_bucket], helpers.mask[by_bucket]
        self.h_start, self.h_end = helpers.start[by_bucket], helpers.end[by_bucket]
        self.h_free = helpers.free[by_bucket]
        self.static = (np.where(helpers.post != 0, 1.0, 0.5)
                       + np.where(np.isin(helpers.person, np.fromiter(ctx.reciprocal, dtype=np.int64)), 0.3, 0.0)
                       - 0.6 * np.minimum(_by_person(ctx.load, helpers.person), 5))[by_bucket]
        # a person with two ways to help in a category (an offer and their profile, say) is suggested once: their best
        _, back, counts = np.unique(helpers.person * categories + helpers.category, return_inverse=True,
                                    return_counts=True)
        self.twin = (counts[back] > 1)[by_bucket]
        self.base = base = _key_base(asks, helpers)
        self.excluded = np.union1d(_pair_keys(ctx.blocked, base, symmetric=True), _pair_keys(ctx.declined, base))
        self.taken = _pair_keys(ctx.taken, base)
        self.warm = _pair_keys(ctx.warm, base)
        self.a_code = np.searchsorted(hoods, asks.hood)
        self.a_kx = np.cos(np.radians(asks.lat)) * METRES_PER_DEGREE
        self.people, self.person_code = np.unique(helpers.person, return_inverse=True)

    def take(self, asks: np.ndarray, people: np.ndarray) -> None:
        """Leave out these (ask id, helper) pairs from now on: they were just suggested."""
        self.taken = np.union1d(self.taken, asks * self.base + people)

    def candidates(self, state: Context, rows: np.ndarray | None = None) -> tuple[_Candidates, np.ndarray]:
        """The best few helpers for every ask (or the asks at ``rows``): near, free at the same time, not blocked, etc.

        Per ask only the helpers in the buckets of its category in its own and
        adjacent neighbourhoods are looked at, found by binary search. Helpers
        at their weekly cap are left out. Also returns the asks that had more
        candidates than the ``per_ask`` kept.
        """
        asks, ctx = self.asks, self.ctx
        near_len, near_ptr, near_flat, categories = self.near_len, self.near_ptr, self.near_flat, self.categories
        keys, by_bucket, h_person, h_hood = self.keys, self.by_bucket, self.h_person, self.h_hood
        h_lat, h_lon, h_mask, h_start, h_end = self.h_lat, self.h_lon, self.h_mask, self.h_start, self.h_end
        h_free = self.h_free
        static, twin, excluded, taken, warm = self.static, self.twin, self.excluded, self.taken, self.warm
        a_code, a_kx, person_code, base = self.a_code, self.a_kx, self.person_code, self.base
        usable = (_by_person(state.proposals_this_week, self.helpers.person) < ctx.m)[by_bucket]
        live = np.asarray([state.live_per_ask.get(a, 0) for a in asks.post.tolist()], dtype=np.int64) \
            if state.live_per_ask else np.zeros(len(asks), dtype=np.int64)
        open_asks = np.flatnonzero(live < ctx.k) if rows is None else rows[live[rows] < ctx.k]
        max_m = float(ctx.max_metres)

        found, truncated = [], []
        for first in range(0, len(open_asks), CHUNK):
            chunk = open_asks[first:first + CHUNK]
            # every (ask, near neighbourhood), then every helper in that bucket
            counts = near_len[a_code[chunk]]
            ask_rows = np.repeat(chunk, counts)
            near = near_flat[np.repeat(near_ptr[a_code[chunk]], counts) + _ramp(counts)]
            wanted = near * categories + asks.category[ask_rows]
            low = np.searchsorted(keys, wanted, "left")
            counts = np.searchsorted(keys, wanted, "right") - low
            pa = np.repeat(ask_rows, counts)
            ph = np.repeat(low, counts) + _ramp(counts)
            # the cheap rules first, on all pairs
            asker = asks.person[pa]
            days = shared_days(np.maximum(asks.start[pa], h_start[ph]), np.minimum(asks.end[pa], h_end[ph]))
            ok = (h_person[ph] != asker) & ((asks.mask[pa] & h_mask[ph] & days) != 0) & usable[ph]
            keep = np.flatnonzero(ok)
            pa, ph, asker = pa[keep], ph[keep], asker[keep]
            overlap = asks.free[pa] & h_free[ph] & days[keep]  # what the score and the reasons go by
            person = h_person[ph]
            dx = (h_lon[ph] - asks.lon[pa]) * a_kx[pa]
            dy = (h_lat[ph] - asks.lat[pa]) * METRES_PER_DEGREE
            with np.errstate(invalid="ignore"):
                distance = np.sqrt(dx * dx + dy * dy)  # NaN where either side has no location
                ok = ~(distance > max_m)
            if len(excluded):
                ok &= ~_isin(asker * base + person, excluded)
            if len(taken):
                ok &= ~_isin(asks.post[pa] * base + person, taken)
            keep = np.flatnonzero(ok)
            pa, ph, asker, overlap, person, distance = (pa[keep], ph[keep], asker[keep], overlap[keep], person[keep],
                                                        distance[keep])
            same = h_hood[ph] == asks.hood[pa]
            known = ~np.isnan(distance)
            value = np.where(known, 3.0 * (1.0 - np.where(known, distance, 0.0) / max_m), np.where(same, 1.5, 1.0))
            value += np.where(same, 0.5, 0.0) + np.minimum(np.bitwise_count(overlap), 6) / 6.0 + static[ph]
            is_warm = _isin(np.minimum(asker, person) * base + np.maximum(asker, person), warm) if len(warm) else \
                np.zeros(len(pa), dtype=bool)
            value += np.where(is_warm, 1.5, 0.0)
            micro = np.rint(value * MICRO).astype(np.int64)

            # twins: per (ask, person) keep the best row, the first in canonical order on a tie
            twins = twin[ph]
            if twins.any():
                at = np.flatnonzero(twins)
                at = at[np.lexsort((by_bucket[ph[at]], -micro[at], person[at], pa[at]))]
                first = np.concatenate([[True], (pa[at][1:] != pa[at][:-1]) | (person[at][1:] != person[at][:-1])])
                keep = np.sort(np.concatenate([np.flatnonzero(~twins), at[first]]))
                pa, ph, person, overlap, distance, is_warm, micro = (pa[keep], ph[keep], person[keep], overlap[keep],
                                                                     distance[keep], is_warm[keep], micro[keep])
            # the best ``per_ask`` per ask: by score, then person
            order = _order(pa - chunk.min(), micro.max(initial=0) - micro, person_code[by_bucket[ph]])
            pa_sorted = pa[order]
            rank = np.arange(len(order)) - np.searchsorted(pa_sorted, pa_sorted, "left")
            keep = order[rank < ctx.per_ask]
            truncated.append(pa_sorted[rank == ctx.per_ask])
            found.append(_Candidates(pa[keep], by_bucket[ph[keep]], micro[keep], distance[keep], overlap[keep],
                                     is_warm[keep]))
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return _Candidates(empty, empty, empty, np.zeros(0), empty, np.zeros(0, dtype=bool)), empty
        return _Candidates(*(np.concatenate([getattr(c, f.name) for c in found]) for f in fields(_Candidates))), \
            np.concatenate(truncated)


def assign(found: _Candidates, pool: Pool, state: Context) -> Chosen:
    """Best pairs first, at most k per ask (counting live ones) and m new per helper this week.

    ``state`` is updated with what is chosen: the counts per ask and per helper, and the offers linked.
    """
    asks, helpers, people, person_code = pool.asks, pool.helpers, pool.people, pool.person_code
    order = _order(found.score.max(initial=0) - found.score, found.ask, person_code[found.helper])
    ask_ids, person_ids = asks.post.tolist(), people.tolist()
    per_ask = [state.live_per_ask.get(a, 0) for a in ask_ids]
    per_helper = [state.proposals_this_week.get(p, 0) for p in person_ids]
    k, m = state.k, state.m
    taken = []
    for position, (a, p) in enumerate(zip(found.ask[order].tolist(), person_code[found.helper[order]].tolist(),
                                          strict=True)):
        if per_ask[a] < k and per_helper[p] < m:
            per_ask[a] += 1
            per_helper[p] += 1
            taken.append(position)
    index = order[np.asarray(taken, dtype=np.int64)]  # in the order they were taken
    ask_rows, helper_rows = found.ask[index], found.helper[index]
    helper = helpers.person[helper_rows]
    state.live_per_ask.update((ask_ids[a], per_ask[a]) for a in np.unique(ask_rows).tolist())
    state.proposals_this_week.update((person_ids[p], per_helper[p]) for p in np.unique(person_code[helper_rows]).tolist())
    offers = helpers.post[helper_rows].tolist()
    for i, (offer, asker) in enumerate(zip(offers, asks.person[ask_rows].tolist(), strict=True)):
        if offer:
            if (offer, asker) in state.taken_offers:
                offers[i] = 0  # one offer is linked to one asker once (two asks of the same person): the person only
            else:
                state.taken_offers.add((offer, asker))
    return Chosen(
        ask=asks.post[ask_rows], asker=asks.person[ask_rows], helper=helper, offer=np.asarray(offers, dtype=np.int64),
        offered=helpers.post[helper_rows] != 0,
        score=found.score[index], distance=found.distance[index], same_hood=helpers.hood[helper_rows] == asks.hood[
            ask_rows], overlap=found.overlap[index], warm=found.warm[index],
        reciprocal=np.isin(helper, np.fromiter(state.reciprocal, dtype=np.int64)),
        load=_by_person(state.load, helper))


def canonical(asks: Side, helpers: Side) -> tuple[Side, Side]:
    """Asks by id, helpers by person and then every other column: the result cannot depend on input order."""
    helpers = helpers.take(np.flatnonzero(helpers.mask != 0))
    order = np.lexsort((helpers.free, helpers.lon, helpers.lat, helpers.category, helpers.hood, helpers.end,
                        helpers.start, helpers.mask, helpers.post, helpers.person))
    return asks.take(np.argsort(asks.post, kind="stable")), helpers.take(order)


def match_sides(asks: Side, helpers: Side, ctx: Context) -> Chosen:
    """Candidates, then the global assignment, in rounds until no ask with room has a helper left.

    Only the best ``per_ask`` candidates of an ask go into a round. An ask
    that still has room afterwards, while it had more candidates, gets another
    round with the ones used or capped left out; so a run leaves nothing a
    rerun on the same data would still suggest.
    """
    asks, helpers = canonical(asks, helpers)
    state = replace(ctx, taken_offers=set(ctx.taken_offers), live_per_ask=dict(ctx.live_per_ask),
                    proposals_this_week=dict(ctx.proposals_this_week))
    pool = Pool(asks, helpers, ctx)
    rounds, rows = [], None
    while rows is None or len(rows):
        found, rows = pool.candidates(state, rows)
        chosen = assign(found, pool, state)
        pool.take(chosen.ask, chosen.helper)
        rounds.append(chosen)
        if not len(chosen):
            break  # nothing fitted: another round would see the same
    return Chosen(*(np.concatenate([getattr(c, f.name) for c in rounds]) for f in fields(Chosen)))


def match(asks: list[Ask], helpers: list[Helper], ctx: Context) -> list[Suggestion]:
    """The matcher on objects (tests, small callers): the same as on columns."""
    codes = Codes()
    return match_sides(asks_side(asks, codes), helpers_side(helpers, codes), ctx).suggestions()
