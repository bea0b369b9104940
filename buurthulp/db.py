"""The declarative base, one constraint naming convention, and UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from sqlalchemy.dialects import postgresql, sqlite

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator):
    """An aware UTC datetime; SQLite hands back naive values, so tag them on load."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(so.DeclarativeBase):
    registry = so.registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


def utcnow() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def str_enum(enum_cls, length: int = 20) -> sa.Enum:
    """A StrEnum column stored as its values in a VARCHAR (no native enum to migrate)."""
    return sa.Enum(enum_cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


def render_item(type_, obj, autogen_context):
    """Alembic: write UTCDateTime as a plain aware DateTime, so migrations import no app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


@sa.event.listens_for(sa.engine.Engine, "connect")
def _connection_settings(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if module.startswith("sqlite3"):
        # SQLite ignores ON DELETE rules unless asked per connection.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    elif module.startswith("psycopg"):
        # PostgreSQL's JIT compiles a query whose estimated cost is high, which for the short queries of a page
        # costs more than it saves (45 ms of compiling for 5 ms of work on the broker's queue at 200,000 posts).
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


def upsert(session, model, values: dict, keys: list[str], add: tuple[str, ...] = (), lock: bool = False) -> None:
    """INSERT ... ON CONFLICT on PostgreSQL and SQLite: add ``add``'s amounts to the existing row; with
    ``lock``, touch it without change, which locks the row (PostgreSQL) or begins the write (SQLite)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model).values(**values)
    if add:
        changes = {name: getattr(model, name) + getattr(statement.excluded, name) for name in add}
    else:
        changes = {keys[0]: getattr(model, keys[0])} if lock else None
    if changes is None:
        session.execute(statement.on_conflict_do_nothing(index_elements=keys))
    else:
        session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))


LIKE_ESCAPE = "\\"


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains ``text``", with % and _ taken literally (use escape=LIKE_ESCAPE)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
