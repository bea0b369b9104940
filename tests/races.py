"""Several people doing one thing at the same moment: a thread each, with its own session, released together."""

from __future__ import annotations

import threading
from collections.abc import Callable

from buurthulp.errors import DomainError
from buurthulp.extensions import db


def at_once(app, keys: list, prepare: Callable, act: Callable) -> list[BaseException]:
    """For each key, in a thread of its own: ``prepare(key)`` loads what it needs, all wait for each other, then
    ``act(*prepared)`` and commit. A refusal (DomainError) is rolled back and is fine; anything else is returned."""
    barrier = threading.Barrier(len(keys))
    errors: list = []

    def run(key):
        with app.app_context():
            try:
                loaded = prepare(key)
                barrier.wait(timeout=60)
                act(*loaded)
                db.session.commit()
            except DomainError:
                db.session.rollback()
            except BaseException as exc:  # noqa: BLE001 -- returned to the test
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(key,), daemon=True) for key in keys]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors
