"""Approximate distances: enough for "± 400 m", never an address."""

from __future__ import annotations

import math

METRES_PER_DEGREE = 111_320.0  # of latitude, and of longitude at the equator
KM_PER_DEGREE = METRES_PER_DEGREE / 1000


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres from the first point to the second: equirectangular at the first point's latitude, exact
    enough within a city. The one formula of the app: the matcher's columns (``matching/engine.py``)
    and the feed's SQL (``squared_km_expr``) compute the same."""
    dx = (lon2 - lon1) * math.cos(math.radians(lat1)) * METRES_PER_DEGREE
    dy = (lat2 - lat1) * METRES_PER_DEGREE
    return math.sqrt(dx * dx + dy * dy)


def rounded_distance_m(metres: float) -> int:
    """To the nearest 100 m, at least 100 m: locations are only known to about 100 m."""
    return max(100, int(round(metres / 100.0)) * 100)


def squared_km_expr(lat_col, lon_col, lat0: float, lon0: float):
    """A SQL expression for the squared distance in km from a point; plain arithmetic for any database."""
    cos_lat = math.cos(math.radians(lat0))
    dy = (lat_col - lat0) * KM_PER_DEGREE
    dx = (lon_col - lon0) * (KM_PER_DEGREE * cos_lat)
    return dy * dy + dx * dx
