"""How many examples a property test draws: all of them in CI, a fifth on a developer's machine.

Set ``HYPOTHESIS_PROFILE=ci`` locally for the thorough run; CI (``CI=true``) uses it by default. A property
test names its thorough count with ``examples(n)``; one that names none draws the profile's own count
(hypothesis's 100 in ci, 20 in dev). tests/conftest.py loads the profile for every test.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")


def examples(thorough: int) -> int:
    """``thorough`` examples in the ci profile; a fifth of them (at least 10) in the dev profile."""
    return thorough if PROFILE == "ci" else max(10, thorough // 5)


settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, max_examples=examples(100))  # 100: hypothesis's own default
settings.load_profile(PROFILE)
