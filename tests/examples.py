"""How many examples a property test draws: all of them in CI, a fifth on a developer's machine.

Set ``HYPOTHESIS_PROFILE=ci`` locally for the thorough run; CI (``CI=true``) uses it by default.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") == "true" else "dev")
settings.load_profile(PROFILE)


def examples(thorough: int) -> int:
    """``thorough`` examples in the ci profile; a fifth of them (at least 10) in the dev profile."""
    return thorough if PROFILE == "ci" else max(10, thorough // 5)
