"""Every domain that keeps something about a person takes part in their export and in deleting their account."""

from __future__ import annotations

import sqlalchemy as sa

from buurthulp import privacy
from buurthulp.broker.models import BrokerNote
from buurthulp.extensions import db
from tests.factories import make_initiative, make_neighbour, make_neighbourhood


def domains_with_links_to_people() -> dict[str, list[str]]:
    """Per domain package, its tables with a column that refers to a neighbour."""
    found: dict[str, list[str]] = {}
    for mapper in db.Model.registry.mappers:
        table = mapper.local_table
        if any(fk.column.table.name == "neighbour" for fk in table.foreign_keys) or table.name == "neighbour":
            domain = mapper.class_.__module__.split(".")[1]
            found.setdefault(domain, []).append(table.name)
    return found


def test_every_domain_that_stores_personal_data_registers_export_and_erase(app):
    parts = privacy.registered()
    missing = {domain: tables for domain, tables in domains_with_links_to_people().items()
               if domain not in parts or parts[domain].export is None or parts[domain].erase is None}
    assert missing == {}, f"register export and erase in <domain>/receivers.py for: {missing}"


def test_the_account_itself_is_erased_last(app):
    parts = privacy.registered()
    assert max(parts.values(), key=lambda part: part.order).domain == "accounts"


def test_broker_notes_are_in_the_export_and_gone_after_deletion(app):
    hood = make_neighbourhood("Zuilen", postcodes=["3554"])
    initiative = make_initiative(hood, name="Kracht van Zuilen")
    person = make_neighbour(hood, name="Annie")
    broker = make_neighbour(hood, name="Ahmed")
    db.session.add(BrokerNote(initiative_id=initiative.id, author_id=broker.id, neighbour_id=person.id,
                              body="Belt liever 's ochtends"))
    db.session.commit()
    data = privacy.export_data(db.session, person)
    assert data["broker"]["notes"][0]["note"] == "Belt liever 's ochtends"
    assert data["broker"]["notes"][0]["initiative"] == "Kracht van Zuilen"
    assert {"profile", "memberships", "posts", "pot", "living_map", "digests", "broker"} <= set(data)
    privacy.delete_account(db.session, person)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BrokerNote)) == 0
    assert person.deleted_at is not None and person.email is None
