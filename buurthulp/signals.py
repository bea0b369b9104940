"""What happened in one domain that others answer: blinker signals (each domain connects in its ``receivers.py``).

A receiver runs inside the sender's transaction and may add to the session; it never commits.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the session; keyword arguments: match (confirmed done), now
match_done = _signals.signal("match-done")

# sender: the session; keyword arguments: shift (a help date of a circle's rota, ticked done with minutes),
# slot, circle, now
circle_help_done = _signals.signal("circle-help-done")
