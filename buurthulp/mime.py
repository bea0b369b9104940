"""Building MIME messages quickly: the standard library's default policy, minus the work it repeats per message.

``build_message`` in ``mail.py`` uses these; a digest run builds tens of thousands of messages whose headers are
mostly the same.
"""

from __future__ import annotations

import random
import sys
from email.policy import EmailPolicy
from functools import lru_cache


@lru_cache(maxsize=128)  # the repeated ones stay; per-mail values (Date, To, ...) pass through
def _parsed_header(factory, name: str, value: str):
    return factory(name, value)


class _ReusingPolicy(EmailPolicy):
    """``email.policy.default``, but a header value seen before is not parsed again: From, List-Id, Content-Type
    and the like are the same in every mail, and parsing them is most of what building a message costs. The
    parsed headers are immutable, so messages can share them."""

    def header_store_parse(self, name, value):
        if type(value) is str and len(value.splitlines()) <= 1:
            return (name, _parsed_header(self.header_factory, name, value))
        return super().header_store_parse(name, value)

    def fold_binary(self, name, value):
        # A parsed header folds the same way every time under the same line rules: fold each one once.
        if not hasattr(value, "name"):
            return super().fold_binary(name, value)
        key = (self.linesep, self.max_line_length, self.utf8, self.cte_type, type(value), value.name, str(value))
        folded = _FOLDED.get(key)
        if folded is None:
            if len(_FOLDED) >= 256:  # per-mail values (Date, To, ...) would fill it: start again
                _FOLDED.clear()
            folded = _FOLDED[key] = super().fold_binary(name, value)
        return folded


_FOLDED: dict[tuple, bytes] = {}


# Lines up to 998 characters (RFC 5322): a long List-Unsubscribe URL stays one plain, unencoded line.
MAIL_POLICY = _ReusingPolicy(max_line_length=998)


def new_boundary(*texts: str) -> str:
    """A MIME boundary as the generator would pick (it compiles a regular expression for each message to check its
    pick against the encoded parts; a boundary found in neither text cannot be in their encodings)."""
    while True:
        boundary = f"{'=' * 15}{random.randrange(sys.maxsize):019d}=="
        if not any(boundary in text for text in texts):
            return boundary
