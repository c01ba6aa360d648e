"""Steps for migration tests: move a test database to a revision and look at it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from outbound.db import Database
from outbound.db.migrate import alembic_config


def migrate(db: Database, step: str, revision: str) -> None:
    """``step`` is "upgrade" or "downgrade"; one transaction, as at start-up."""
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


def columns(db: Database, table: str) -> set[str]:
    return {c["name"] for c in inspect(db.engine).get_columns(table)}
