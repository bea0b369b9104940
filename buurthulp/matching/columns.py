"""The matcher's data as columns: asks and helpers going in (``Side``), the suggestions coming out (``Chosen``).

``load.py`` fills a ``Side`` from the database, ``asks_side``/``helpers_side`` from objects (tests, small
callers); ``engine.py`` works on the columns; ``Chosen`` puts what it chose into words (``rules.reasons``) for
``services.py`` to store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields

import numpy as np

from buurthulp.matching.rules import FAR_FUTURE, FAR_PAST, Ask, Helper, Suggestion, reasons

FAR_PAST_DAY = FAR_PAST.toordinal()
FAR_FUTURE_DAY = FAR_FUTURE.toordinal()
MICRO = 1_000_000  # scores are compared as whole millionths, so that sorting is exact and the same everywhere


@dataclass(slots=True)
class Side:
    """Asks or helpers as columns: numpy arrays with one row per ask, or per way a helper could help.

    ``person`` is the asker or the helper, ``post`` the ask or offer (0 for a
    helper who comes from their profile), ``category`` a small integer code,
    ``lat``/``lon`` NaN when unknown, ``start``/``end`` day ordinals,
    ``mask`` and ``free`` as in ``rules.Window``.
    """

    person: np.ndarray
    hood: np.ndarray
    category: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    mask: np.ndarray
    start: np.ndarray
    end: np.ndarray
    post: np.ndarray
    free: np.ndarray

    def __len__(self) -> int:
        return len(self.person)

    def take(self, index: np.ndarray) -> Side:
        return Side(*(getattr(self, f.name)[index] for f in fields(Side)))

    @staticmethod
    def concat(*sides: Side) -> Side:
        return Side(*(np.concatenate([getattr(s, f.name) for s in sides]) for f in fields(Side)))

    @staticmethod
    def build(*, person, hood, category, lat, lon, mask, start, end, post, free=None) -> Side:
        """A side from sequences (lists or arrays), by column name; None in lat/lon becomes NaN, no ``free`` is
        ``mask``."""
        ints = lambda values: np.asarray(values, dtype=np.int64)  # noqa: E731
        floats = lambda values: np.asarray(values, dtype=np.float64)  # noqa: E731
        return Side(ints(person), ints(hood), ints(category), floats(lat), floats(lon), ints(mask), ints(start),
                    ints(end), ints(post), ints(mask if free is None else free))

    @staticmethod
    def empty() -> Side:
        """A side with no rows."""
        return Side(*(np.zeros(0, dtype=np.float64 if f.name in ("lat", "lon") else np.int64) for f in fields(Side)))


class Codes(dict):
    """Small integer codes for category names, shared by both sides of one run."""

    def __call__(self, name) -> int:
        name = str(name)
        code = self.get(name)
        if code is None:
            code = self[name] = len(self)
        return code

    def column(self, names) -> np.ndarray:
        """The codes of many names: each distinct name is coded once, the rest is a dictionary lookup."""
        for name in set(names):
            self(name)  # a StrEnum member and its value are the same key
        return np.fromiter(map(self.__getitem__, names), dtype=np.int64, count=len(names))


def _side_of(items: list, codes: Codes, person: list[int], post: list[int]) -> Side:
    """Asks or helpers (objects) as columns; ``person`` and ``post`` are what differs between the two."""
    return Side.build(person=person, hood=[x.hood for x in items], category=codes.column([x.category for x in items]),
                      lat=[x.lat for x in items], lon=[x.lon for x in items], mask=[x.window.mask for x in items],
                      start=[x.window.start.toordinal() for x in items],
                      end=[x.window.end.toordinal() for x in items], post=post,
                      free=[x.window.mask if x.window.free is None else x.window.free for x in items])


def asks_side(asks: list[Ask], codes: Codes) -> Side:
    return _side_of(asks, codes, [a.asker for a in asks], [a.id for a in asks])


def helpers_side(helpers: list[Helper], codes: Codes) -> Side:
    return _side_of(helpers, codes, [h.person for h in helpers], [h.offer or 0 for h in helpers])


@dataclass
class Chosen:
    """The suggestions a run makes, as columns, with what is needed to put them into words."""

    ask: np.ndarray
    asker: np.ndarray
    helper: np.ndarray
    offer: np.ndarray      # the offer linked to the suggestion; 0: the helper is suggested as a person
    offered: np.ndarray    # the helper came with an offer (scored and explained as one, even when not linked)
    score: np.ndarray      # millionths
    distance: np.ndarray   # metres, NaN when one side has no location
    same_hood: np.ndarray
    overlap: np.ndarray    # when both are really free (``free``): scored and named in the reasons
    warm: np.ndarray
    reciprocal: np.ndarray
    load: np.ndarray

    def __len__(self) -> int:
        return len(self.ask)

    def reason_keys(self) -> list[dict]:
        """Per suggestion, the arguments of ``reasons()``, by name."""
        distance = [None if d != d else d for d in self.distance.tolist()]
        return [{"distance": d, "same_hood": same, "overlap": overlap, "warm": warm, "offer": offer,
                 "reciprocal": reciprocal, "load": load}
                for d, same, overlap, warm, offer, reciprocal, load in zip(
                    distance, self.same_hood.tolist(), self.overlap.tolist(), self.warm.tolist(),
                    self.offered.tolist(), self.reciprocal.tolist(), self.load.tolist(), strict=True)]

    def reasons_json(self) -> list[str]:
        """Per suggestion, its reasons as JSON text (as the matches table stores them).

        Suggestions share a few thousand distinct reasons at most (metres are
        shown in hundreds), so each distinct set is written once.
        """
        if not len(self):
            return []
        hundreds = np.where(np.isnan(self.distance), -1, np.rint(np.nan_to_num(self.distance) / 100.0)).astype(np.int64)
        lowest = self.overlap & -self.overlap  # the first slot both are free: the lowest bit, 1-based (0: none)
        slot = np.where(lowest > 0, np.bitwise_count(np.maximum(lowest - 1, 0)) + 1, 0).astype(np.int64)
        key = (hundreds + 1) << 5 | slot
        for flag in (self.same_hood, self.warm, self.offered, self.reciprocal, self.load == 0):
            key = key << 1 | flag.astype(np.int64)
        distinct, back = np.unique(key, return_inverse=True)
        texts = []
        for value in distinct.tolist():
            same, warm, offer, reciprocal, fair = ((value >> shift) & 1 for shift in (4, 3, 2, 1, 0))
            slot, hundreds = (value >> 5) & 31, (value >> 10) - 1
            texts.append(json.dumps(reasons(None if hundreds < 0 else hundreds * 100.0, same_hood=bool(same),
                                            overlap=1 << (slot - 1) if slot else 0, warm=bool(warm),
                                            offer=bool(offer), reciprocal=bool(reciprocal), load=0 if fair else 1)))
        return [texts[i] for i in back.tolist()]

    def suggestions(self) -> list[Suggestion]:
        keys = self.reason_keys()
        return [Suggestion(a, asker, h, o or None, s / MICRO, reasons(**key)) for a, asker, h, o, s, key in zip(
            self.ask.tolist(), self.asker.tolist(), self.helper.tolist(), self.offer.tolist(), self.score.tolist(),
            keys, strict=True)]
