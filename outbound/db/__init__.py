"""Storage: models, the two database back ends, and migrations."""

from outbound.db.database import (
    Database,
    DatabaseError,
    connect,
    open_database,
    opened_database,
    resolve_url,
)

__all__ = [
    "Database", "DatabaseError", "connect", "open_database", "opened_database", "resolve_url",
]
