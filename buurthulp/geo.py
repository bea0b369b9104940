"""Approximate distances: enough for "± 400 m", never an address."""

from __future__ import annotations

import math

KM_PER_DEGREE = 111.32


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Metres between two points (equirectangular: exact enough within a city)."""
    x = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = lat2 - lat1
    return math.hypot(x, y) * KM_PER_DEGREE * 1000


def rounded_distance_m(metres: float) -> int:
    """To the nearest 100 m, at least 100 m: locations are only known to about 100 m."""
    return max(100, int(round(metres / 100.0)) * 100)


def squared_km_expr(lat_col, lon_col, lat0: float, lon0: float):
    """A SQL expression for the squared distance in km from a point; plain arithmetic for any database."""
    cos_lat = math.cos(math.radians(lat0))
    dy = (lat_col - lat0) * KM_PER_DEGREE
    dx = (lon_col - lon0) * (KM_PER_DEGREE * cos_lat)
    return dy * dy + dx * dx
