"""Alembic migrations, applied on start-up so an older file opens in a newer client."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from outbound.db.database import Database, DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic reads env.py, script.py.mako and versions/*.py as files: the package is
# installed as files, and the desktop bundle ships them as data (packaging/outbound.spec).
MIGRATIONS = Path(str(resources.files("outbound.db").joinpath("migrations")))
_PG_MIGRATION_LOCK = 7_364_211  # any constant shared by every client of a team


_REVISION = re.compile(r'^revision\s*(?::\s*str)?\s*=\s*["\']([^"\']+)["\']', re.M)
_DOWN = re.compile(r'^down_revision\s*(?::[^=]*)?=\s*["\']([^"\']+)["\']', re.M)


@lru_cache(maxsize=1)
def shipped_head() -> str | None:
    """The newest revision shipped, read from the migration files without importing
    alembic (a third of a second at every start-up)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found:
            revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down:
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def _stored_revision(database: Database) -> str | None:
    with database.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(database: Database) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database) -> None:
    """Migrate to the newest schema; several clients starting at once take turns."""
    head = shipped_head()
    if head is not None and _stored_revision(database) == head:
        return                                  # up to date: the usual start-up
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

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
