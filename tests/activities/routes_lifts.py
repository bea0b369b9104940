"""The lift routes' rows of the access matrix in tests/activities/test_access.py (filled in by the lifts work).

Every route of the activities blueprint must have a row there (a test compares the rows with ``app.url_map``).
A row is a dict:

    {"endpoint": "activities.lift_ask", "method": "POST",
     "url": "/activities/{coffee}/{first}/lift/ask",  # {key}: a key of the ``ids`` fixture, see below
     "form": {},                    # None for a GET; a POST's fields (values may hold {key} too)
     "status": {"anna": 302},       # role -> expected status; every role not named gets ``others``
     "others": 404,                 # optional, default 404 (as if not there)
     "anonymous": 302}              # optional, default 302 (sent to log in)

Roles: tests/activities/conftest.py ROLES (anonymous, otto, anna, joost, karin, broker, coordinator, treasurer,
admin). Otto's weekly coffee morning (Zuilen) is seen by everyone but Karin; otto organises it; broker,
coordinator and admin moderate it. Whoever gets anything but 200/302 must change nothing (the test compares a
snapshot of the activities' and posts' rows); every POST row needs a role with 302 (the CSRF test posts as it).

Keys of ``ids`` (all made before each test): coffee (id), first (its first date, coming; Anna is coming to it),
second (its second date), walk (id of Otto's weekly walk that began two weeks ago; Bert organises it too),
past (a date of the walk a week ago that Anna came to), today, otto, anna, bert, joost, jansen (ids; Jansen is
the proxy neighbour whom the broker represents).

``extra_ids(aw, ids)`` is called after those are made, in the test's database (commit what you make): return
more keys for your rows.
"""

# Getting there: anyone who sees the coffee morning may press the buttons. Anna is coming to its first date, so
# her ask is made; Otto organises, so his offer is made; whoever else sees it is sent back to the date page with
# why not (not coming: a 302 with a message, nothing made); Karin, far away, gets 404.
_SEE = ("otto", "anna", "joost", "broker", "coordinator", "treasurer", "admin")
ROUTES_LIFTS: list[dict] = [
    {"endpoint": "activities.lift_ask", "method": "POST", "url": "/activities/{coffee}/{first}/lift/ask",
     "form": {}, "status": dict.fromkeys(_SEE, 302)},
    {"endpoint": "activities.lift_offer", "method": "POST", "url": "/activities/{coffee}/{first}/lift/offer",
     "form": {}, "status": dict.fromkeys(_SEE, 302)},
]


def extra_ids(aw, ids: dict) -> dict:
    """More keys for the rows above; none yet."""
    return {}
