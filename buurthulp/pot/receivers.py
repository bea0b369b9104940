"""The pot answers other domains' signals: done help is compensated."""

from buurthulp.pot.shares import on_match_done
from buurthulp.signals import match_done


@match_done.connect
def compensate_done_help(session, *, match, now):
    """Help confirmed done: book its compensation (pot mode) or record it as paid directly (direct mode)."""
    on_match_done(session, match, now)
