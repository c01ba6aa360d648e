"""Alembic migrations, applied on start-up so an older file opens in a newer client."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text

from outbound.db.database import Database, DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")
_PG_MIGRATION_LOCK = 7_364_211  # any constant shared by every client of a team


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database) -> None:
    """Migrate to the newest schema; several clients starting at once take turns."""
    config = alembic_config()
    script = ScriptDirectory.from_config(config)
    current = current_revision(database)
    if current is not None:
        try:
            script.get_revision(current)
        except CommandError:
            raise DatabaseError(
                f"The database {database.description} was made by a newer version of "
                "Outbound; update this client to open it."
            ) from None
        if current == script.get_current_head():
            return
    engine = database.engine
    if database.is_sqlite:
        engine = engine.execution_options(sqlite_begin="IMMEDIATE")
    with engine.begin() as connection:
        if not database.is_sqlite:
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
