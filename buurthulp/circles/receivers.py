"""Circles take part in a person's export and in deleting their account."""

from buurthulp import privacy
from buurthulp.circles.privacy import export_circles, forget_circles

privacy.register("circles", export=export_circles, erase=forget_circles, order=15)
