"""Opening a database: one SQLite file by default, a PostgreSQL server for a team.

Python's sqlite3 driver, left to its legacy transaction handling, does not begin a
transaction before a SELECT, so read-then-write logic races between processes without
any error. Here the driver's own handling is switched off and every transaction is
begun explicitly (SQLAlchemy's documented pysqlite recipe): ``BEGIN`` for reads and
``BEGIN IMMEDIATE`` for writes, so a writer takes the write lock before it reads.
SQLAlchemy drops ``with_for_update()`` on SQLite; nothing here relies on it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from outbound.site_settings import DATABASE_ENV_VAR, SiteSettingsError, database_address

log = logging.getLogger(__name__)

ENV_VAR = DATABASE_ENV_VAR
SQLITE_BUSY_TIMEOUT_S = 30.0
PING_AFTER_IDLE_S = 10.0
LONGEST_REMEMBERED_STATEMENT = 16384
T = TypeVar("T")


class DatabaseError(Exception):
    """The database cannot be used; the message is one sentence a person can act on.

    ``driver_message`` is what the driver said, whole, for callers that say it their
    own way (signing in tells a wrong password from a server out of reach).
    """

    def __init__(self, message: str, *, driver_message: str = "") -> None:
        super().__init__(message)
        self.driver_message = driver_message


def default_database_path() -> Path:
    return platformdirs.user_data_path("Outbound", appauthor=False) / "outbound.db"


def resolve_url(url: str | None = None) -> URL:
    """The database to use: ``url``, else $OUTBOUND_DATABASE_URL, else ``database_url``
    in the settings files IT deploys (outbound/site_settings.py), else the user's file."""
    given = _given_address(url)
    if given is None:
        return URL.create("sqlite", database=str(default_database_path()))
    if "://" not in given:
        return URL.create("sqlite", database=str(Path(given).expanduser().resolve()))
    try:
        parsed = make_url(given)
    except ArgumentError:
        raise DatabaseError(f"“{given}” is not a database address.") from None
    backend = parsed.get_backend_name()
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite")
    raise DatabaseError(
        f"Outbound works with an SQLite file or a PostgreSQL server, not “{backend}”."
    )


def _given_address(url: str | None) -> str | None:
    try:
        return database_address(url)
    except SiteSettingsError as exc:
        raise DatabaseError(str(exc)) from None


def describe(url: URL) -> str:
    """The database named for a person: a file path, or host/database without password."""
    if url.get_backend_name() == "sqlite":
        return url.database or "an in-memory database"
    return url.render_as_string(hide_password=True)


def _is_retryable(exc: BaseException) -> bool:
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in ("40001", "40P01", "55P03"):
        return True
    msg = str(orig).lower()
    return "database is locked" in msg or "database table is locked" in msg


class Database:
    """An open database with its engine and the two kinds of transaction."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.url = engine.url
        self.dialect = engine.dialect.name
        writer = engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else engine
        self._reader = sessionmaker(engine, expire_on_commit=False)
        self._writer = sessionmaker(writer, expire_on_commit=False)
        self.password: Password | None = None   # a person's own login (team mode)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def description(self) -> str:
        return describe(self.url)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A reading session; closing it ends the transaction and keeps loaded objects."""
        with self._reader() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A writing transaction, committed on success and rolled back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def run_write(self, work: Callable[[Session], T], *, attempts: int = 8) -> T:
        """Run ``work`` in a write transaction, retrying when the database is busy.

        Callers never see "database is locked" or a PostgreSQL serialization failure
        while the database is merely busy: the whole transaction is run again.
        """
        def once() -> T:
            with self.write() as session:
                return work(session)

        return _retrying(once, attempts)

    def run_statements(self, work: Callable[[Connection], T], *, attempts: int = 8) -> T:
        """Run ``work`` on a PostgreSQL connection in autocommit mode, retrying when the
        database is busy: each statement is its own transaction, with no BEGIN or
        COMMIT to wait for. Only for work whose every write is one statement (a claim
        made in one ``WITH ... UPDATE``), so a retry never finds half of it done."""
        def once() -> T:
            with self.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT")
                return work(connection)

        return _retrying(once, attempts)

    def close(self) -> None:
        self.engine.dispose()


def _retrying(once: Callable[[], T], attempts: int) -> T:
    """``once()``, run again after a short, growing pause while the database is busy."""
    for attempt in range(1, attempts + 1):
        try:
            return once()
        except (OperationalError, DBAPIError) as exc:
            if attempt == attempts or not _is_retryable(exc):
                raise
            delay = min(0.5, 0.01 * 2**attempt) * (0.5 + random.random())
            log.debug("database busy (attempt %d), retrying in %.3fs", attempt, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _sqlite_engine(url: URL) -> Engine:
    if url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(
                f"Cannot create the folder {folder} for the database: {exc.strerror}."
            ) from None
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Take transaction control away from the driver; see the module docstring.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


class Password:
    """A person's database password, held in memory only (never in the URL, a file or a
    log) and handed to each new connection; ``value`` changes when they change it."""

    __slots__ = ("value",)

    def __init__(self, value: str | None) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "Password(***)"


def _ping_when_idle(engine: Engine) -> None:
    """Make sure a pooled connection still works before handing it out, when it has
    sat unused for ``PING_AFTER_IDLE_S``: a server restarted or a connection dropped
    while idle is then replaced without the caller seeing an error. A connection used
    a moment ago is handed out as it is, so work done in quick succession (a claim,
    then its outcome; a dashboard's reads) does not pay a round trip each time."""

    @event.listens_for(engine, "connect")
    def _made(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:  # type: ignore[no-untyped-def]
        if record is not None:
            record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy) -> None:  # type: ignore[no-untyped-def]
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError(str(exc)) from exc   # the pool connects anew
            raise


def _convert_long_statements_once() -> None:
    """psycopg turns a statement's ``%(name)s`` placeholders into ``$1`` on every run,
    remembering the result only for statements up to 4 KB; the claim (7 KB, six tries
    in one statement) would be converted afresh each time, half a millisecond of the
    client's time. Let it remember statements up to 16 KB: Outbound's are built once
    with their values bound, so there are few of them."""
    try:
        from psycopg import _queries
    except ImportError:      # another driver, or psycopg without this module
        return
    if getattr(_queries, "MAX_CACHED_STATEMENT_LENGTH", 0) < LONGEST_REMEMBERED_STATEMENT:
        _queries.MAX_CACHED_STATEMENT_LENGTH = LONGEST_REMEMBERED_STATEMENT


def create_database_engine(url: URL, password: Password | None = None) -> Engine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    engine = create_engine(url, pool_size=5, max_overflow=5)
    _ping_when_idle(engine)
    _convert_long_statements_once()
    if password is not None:
        @event.listens_for(engine, "do_connect")
        def _with_password(_dialect, _record, _cargs, cparams) -> None:  # type: ignore[no-untyped-def]
            if password.value is not None:
                cparams["password"] = password.value

    return engine


def connect(url: str | URL | None = None, *, password: Password | None = None) -> Database:
    """Connect without migrating; raises DatabaseError with a clear sentence."""
    resolved = url if isinstance(url, URL) else resolve_url(url)
    engine = create_database_engine(resolved, password)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except DBAPIError as exc:
        engine.dispose()
        said = str(getattr(exc, "orig", exc)).strip()
        reason = said.splitlines()[0] if said else type(exc).__name__
        if "file is not a database" in reason:
            raise DatabaseError(f"{describe(resolved)} is not an Outbound database file.",
                                driver_message=said) from None
        raise DatabaseError(f"Cannot open the database {describe(resolved)}: {reason}.",
                            driver_message=said) from None
    database = Database(engine)
    database.password = password
    return database


def open_database(url: str | URL | None = None, *, migrate: bool = True) -> Database:
    """Open (creating if need be) and bring the schema up to date."""
    from outbound.db.migrate import upgrade

    database = connect(url)
    if migrate:
        try:
            upgrade(database)
        except BaseException:
            database.close()
            raise
    return database


@contextmanager
def opened_database(url: str | URL | None = None) -> Iterator[Database]:
    """An open, migrated database, closed when the block ends."""
    database = open_database(url)
    try:
        yield database
    finally:
        database.close()
