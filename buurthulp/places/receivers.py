"""A person's stories, flags and places on the living map: exported, and erased on deletion."""

from buurthulp import privacy
from buurthulp.places.services import export_places, forget_places

privacy.register("places", export=lambda session, neighbour: {"living_map": export_places(session, neighbour)},
                 erase=forget_places, order=40)
