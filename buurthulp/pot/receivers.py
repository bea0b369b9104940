"""The pot answers other domains: done help is compensated; a person's bookings are exported, their wish erased."""

from buurthulp import privacy
from buurthulp.pot.services import export_pot, forget_pot_preferences
from buurthulp.pot.shares import on_circle_help_done, on_match_done
from buurthulp.signals import circle_help_done, match_done


@match_done.connect
def compensate_done_help(session, *, match, now):
    """Help confirmed done: book its compensation (pot mode) or record it as paid directly (direct mode)."""
    on_match_done(session, match, now)


@circle_help_done.connect
def compensate_circle_help(session, *, shift, slot, circle, now):
    """A help date of a support circle is done: counted like done help, when the circle's initiative wants it."""
    on_circle_help_done(session, shift, slot, circle, now)


# the bookkeeping stays, under the pseudonym: only the wish to stay under the limit goes
privacy.register("pot", export=lambda session, neighbour: {"pot": export_pot(session, neighbour)},
                 erase=forget_pot_preferences, order=30)
