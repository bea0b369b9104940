"""Edge cases of the matcher on columns (review of the numpy rewrite)."""

from __future__ import annotations

import json
import signal

import numpy as np
import pytest

from buurthulp.geo import distance_m
from buurthulp.matching.columns import Codes, asks_side, helpers_side
from buurthulp.matching.engine import _order, match, match_sides
from buurthulp.matching.rules import FULL_WEEK, Ask, Context, Helper, Window, explain, score

ALL = Window(FULL_WEEK)


def ctx(**kw) -> Context:
    base = dict(adjacent={}, blocked=set(), declined=set(), taken=set(), taken_offers=set(), warm=set(),
                reciprocal=set(), load={}, live_per_ask={}, proposals_this_week={})
    return Context(**(base | kw))


def test_empty_inputs():
    assert match([], [], ctx()) == []
    assert match([Ask(1, 10, 0, "klussen", None, None, ALL)], [], ctx()) == []
    assert match([], [Helper(20, 0, "klussen", None, None, ALL)], ctx(adjacent={0: {1}})) == []
    codes = Codes()
    assert match_sides(asks_side([], codes), helpers_side([], codes), ctx()).reasons_json() == []


def test_location_on_one_side_only_negative_scores_and_far_distances():
    asks = [Ask(1, 10, 0, "klussen", 52.0, 5.0, ALL), Ask(2, 11, 0, "klussen", None, None, ALL)]
    helpers = [Helper(20, 0, "klussen", None, None, ALL), Helper(21, 1, "klussen", 52.3, 5.0, ALL)]
    c = ctx(adjacent={0: {1}}, load={20: 9, 21: 5}, max_metres=100_000.0, k=3, m=5)
    chosen = match(asks, helpers, c)
    assert {(s.ask, s.helper) for s in chosen} == {(1, 20), (1, 21), (2, 20), (2, 21)}
    for s in chosen:
        ask, helper = asks[s.ask - 1], helpers[s.helper - 20]
        d = distance_m(ask.lat, ask.lon, helper.lat, helper.lon) if ask.lat is not None and helper.lat is not None \
            else None
        assert abs(s.score - score(ask, helper, FULL_WEEK, d, c)) < 1e-5
        assert s.reasons == explain(ask, helper, FULL_WEEK, d, c)
    assert min(s.score for s in chosen) < 0  # a heavy load makes a score negative
    codes = Codes()
    stored = match_sides(asks_side(asks, codes), helpers_side(helpers, codes), c)
    assert [json.loads(t) for t in stored.reasons_json()] == [list(s.reasons) for s in stored.suggestions()]
    assert any({"code": "distance", "metres": 33400} in s.reasons for s in stored.suggestions())


def test_full_asks_capped_helpers_and_a_huge_per_ask():
    asks = [Ask(1, 10, 0, "klussen", None, None, ALL), Ask(2, 11, 0, "klussen", None, None, ALL)]
    helpers = [Helper(p, 0, "klussen", None, None, ALL) for p in (20, 21, 22)]
    c = ctx(live_per_ask={1: 2}, proposals_this_week={20: 1}, k=2, m=1, per_ask=10**30)
    assert sorted((s.ask, s.helper) for s in match(asks, helpers, c)) == [(2, 21), (2, 22)]


def test_a_person_with_offers_in_several_neighbourhoods_is_suggested_once_with_their_best():
    asks = [Ask(1, 10, 0, "klussen", None, None, ALL)]
    helpers = [Helper(20, 1, "klussen", None, None, ALL, offer=501), Helper(20, 0, "klussen", None, None, ALL),
               Helper(20, 0, "klussen", None, None, ALL, offer=502), Helper(21, 2, "klussen", None, None, ALL)]
    for order in (helpers, helpers[::-1]):
        (only,) = match(asks, order, ctx(adjacent={0: {1, 2}}, k=1, per_ask=1))
        assert (only.helper, only.offer) == (20, 502)


def test_order_packs_or_falls_back_to_lexsort_alike():
    rng = np.random.default_rng(1)
    small = [rng.integers(0, 4, 200) for _ in range(3)]
    wide = [rng.integers(0, 4, 200), rng.integers(0, 2**40, 200) // 2**38 * 2**38, rng.integers(0, 2**30, 200)]
    for keys in (small, wide):
        assert (_order(*keys) == np.lexsort(keys[::-1])).all()


# ---- bugs the review of the rewrite found (fixed) ---------------------------------------------------------------

def test_a_relinked_offer_keeps_the_reasons_of_its_score():
    """Two asks of one asker, one offer: the second suggestion is not linked to the offer, but it is still
    scored as an offer (+1.0), so its reasons must say so too, as explain() does for that pair (old engine)."""
    asks = [Ask(1, 10, 0, "klussen", None, None, ALL), Ask(2, 10, 0, "klussen", None, None, ALL)]
    helper = Helper(20, 0, "klussen", None, None, ALL, offer=500)
    c = ctx()
    chosen = match(asks, [helper], c)
    assert sorted(s.offer or 0 for s in chosen) == [0, 500]
    for s in chosen:
        assert abs(s.score - score(asks[s.ask - 1], helper, FULL_WEEK, None, c)) < 1e-5
        assert s.reasons == explain(asks[s.ask - 1], helper, FULL_WEEK, None, c)


@pytest.mark.parametrize("declined", [{(2**31 + 5, 7)}, {(0, 2**32 + 5)}], ids=["overflow", "collision"])
def test_ids_above_two_to_the_31(declined):
    """(a << 32) | b keys: a >= 2**31 overflows int64; b >= 2**32 collides ((0, 2**32 + 5) is (1, 5))."""
    asks = [Ask(1, 1, 0, "klussen", None, None, ALL)]
    chosen = match(asks, [Helper(5, 0, "klussen", None, None, ALL)], ctx(declined=declined))
    assert [(s.ask, s.helper) for s in chosen] == [(1, 5)]


def test_a_neighbourhood_listed_as_its_own_neighbour_gives_no_pair_twice():
    asks = [Ask(1, 10, 0, "klussen", None, None, ALL)]
    chosen = match(asks, [Helper(20, 0, "klussen", None, None, ALL)], ctx(adjacent={0: {0}}, k=3))
    assert [(s.ask, s.helper) for s in chosen] == [(1, 20)]


def test_per_ask_zero_terminates():
    def stop(*_):
        raise TimeoutError("match_sides loops forever")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        assert match([Ask(1, 10, 0, "klussen", None, None, ALL)], [Helper(20, 0, "klussen", None, None, ALL)],
                     ctx(per_ask=0)) == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
