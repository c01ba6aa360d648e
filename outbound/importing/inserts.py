"""Inserting rows already in storage form, straight to the driver: the hot path of every
import (SQLAlchemy's per-row processing doubled it).

PostgreSQL takes them by COPY, as executemany costs a round of the protocol per row.
SQLite takes them by executemany of one prepared statement, where binding a value costs
about as much as SQLite's own work to store it; so a batch of contacts binds only the
columns that vary: a column blank on every row of the batch is left to be NULL, and the
values every row of the import shares (its time and id) are written into the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from outbound.db.models import Contact
from outbound.importing.rows import CONTACT_COLUMNS

# Contact columns that may be left out of an insert to be NULL: nullable, and with no
# default of the database's own.
_MAY_BE_LEFT_OUT = frozenset(
    column.name for column in Contact.__table__.c
    if column.nullable and column.server_default is None)


def insert_rows(connection: Connection, table: str, columns: Sequence[str],
                rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows, each a tuple of the columns' values."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    if connection.dialect.name == "sqlite":
        sql = f"INSERT INTO {table} ({quoted}) VALUES ({', '.join(['?'] * len(columns))})"
        # a list, or SQLAlchemy would take a tuple of rows for the parameters of one row
        connection.exec_driver_sql(sql, list(rows))
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    with driver.cursor() as cursor, \
            cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        write_row = copy.write_row
        for row in rows:
            write_row(row)


class ContactInserts:
    """Inserts contact rows (CONTACT_COLUMNS) with their ids, for one import.

    ``shared`` gives the columns whose value is the same on every row of the import
    (RowParser writes the import's time and id into each): on SQLite they are written
    into the statement as literals, once a batch is seen to hold them, so they must be
    whole numbers, or text the import made itself (never a person's text).
    """

    def __init__(self, dialect: str, shared: dict[str, bool | int | str]) -> None:
        self._sqlite = dialect == "sqlite"
        self._shared = [(CONTACT_COLUMNS.index(column), value, _literal(value))
                        for column, value in shared.items()] if self._sqlite else []
        self._statements: dict[tuple[int, ...], tuple[str, Callable[[Any], Any]]] = {}

    def insert(self, connection: Connection, ids: Sequence[int],
               contacts: Sequence[tuple[Any, ...]]) -> None:
        if not self._sqlite or not contacts:
            insert_rows(connection, "contact", ("id", *CONTACT_COLUMNS),
                        [(contact_id, *contact) for contact_id, contact
                         in zip(ids, contacts, strict=True)])
            return
        # What every row of the batch holds, by column: one pass in C each.
        literal: dict[int, str] = {}
        for at, value, sql in self._shared:
            if {value}.issuperset(map(itemgetter(at), contacts)):
                literal[at] = sql
        bound = tuple(at for at, column in enumerate(CONTACT_COLUMNS)
                      if at not in literal and not (
                          column in _MAY_BE_LEFT_OUT
                          and {None}.issuperset(map(itemgetter(at), contacts))))
        key = (*bound, -1, *literal)
        if key not in self._statements:
            columns = ", ".join(f'"{CONTACT_COLUMNS[at]}"' for at in (*bound, *literal))
            values = ", ".join(["?"] * (len(bound) + 1) + list(literal.values()))
            self._statements[key] = (
                f'INSERT INTO contact ("id", {columns}) VALUES ({values})',
                itemgetter(*bound) if len(bound) > 1 else lambda row: (row[bound[0]],))
        sql, values_of = self._statements[key]
        connection.exec_driver_sql(sql, [(contact_id, *values_of(contact)) for contact_id, contact
                                         in zip(ids, contacts, strict=True)])


def _literal(value: bool | int | str) -> str:
    """A value the import made itself, as SQL."""
    if isinstance(value, bool | int):
        return str(int(value))
    if not all(c.isalnum() or c in " -:." for c in value):
        raise ValueError(f"not a value to write into SQL: {value!r}")
    return f"'{value}'"
