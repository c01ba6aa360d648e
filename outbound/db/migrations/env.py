"""Alembic environment: runs on the connection Outbound hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from outbound.db.models import Base

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # the alembic command line, for writing new migrations
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        with engine.begin() as connection:
            _run(connection)
        return
    _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
