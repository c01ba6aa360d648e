"""Test set-up: Qt offscreen, and every storage test on SQLite and on PostgreSQL.

No test depends on the day it runs: a test that needs "now" passes ``now=`` to the
engine, or sets the whole process's clock with ``@pytest.mark.clock(moment)`` (on a
test, or ``pytestmark`` for a module). CI runs the suite again on a moved clock.

PostgreSQL tests use $OUTBOUND_TEST_POSTGRES_URL (a server where the user may create
databases). Without it they skip, with the reason shown; with
OUTBOUND_REQUIRE_POSTGRES=1 (as in .ci/run) a missing or unreachable server fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("OUTBOUND_DATABASE_URL", None)
os.environ.pop("OUTBOUND_TEMPLATES", None)
# Not this computer's settings files (outbound/site_settings.py): none at all.
os.environ["OUTBOUND_SETTINGS"] = str(Path(__file__).with_name("no-settings-file.toml"))

import pytest
import time_machine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from outbound.db import Database, open_database
from outbound.db.models import Base

PG_ENV = "OUTBOUND_TEST_POSTGRES_URL"
REQUIRE_PG = os.environ.get("OUTBOUND_REQUIRE_POSTGRES") == "1"
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "clock(moment): run the test with the process's clock set to moment "
        "(an aware datetime); it ticks on from there")


@pytest.fixture(autouse=True)
def _clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Set the clock a ``clock`` marker asks for, before any other fixture runs.

    time-machine moves datetime.now(), date.today() and time.time() alike; the
    monotonic clock, and so Qt's timers, run on untouched.
    """
    marker = request.node.get_closest_marker("clock")
    if marker is None:
        yield
        return
    moment = marker.args[0]
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise TypeError("pytest.mark.clock needs an aware datetime")
    with time_machine.travel(moment, tick=marker.kwargs.get("tick", True)):
        yield


def _pg_admin_url() -> str | None:
    url = os.environ.get(PG_ENV)
    if not url:
        if REQUIRE_PG:
            pytest.fail(f"{PG_ENV} is not set, and PostgreSQL tests are required here.")
        return None
    return url


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated, dropped at the end."""
    admin = _pg_admin_url()
    if admin is None:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} "
                    "(e.g. postgresql://postgres@127.0.0.1:5432/test) to run them")
    name = f"outbound_test_{uuid.uuid4().hex[:10]}"
    admin_url = make_url(admin).set(drivername="postgresql+psycopg")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        engine.dispose()
        if REQUIRE_PG:
            pytest.fail(f"PostgreSQL at {admin_url.render_as_string()} cannot be used: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: cannot create a database ({exc})")
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    open_database(url).close()
    yield url
    with engine.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
            {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (cheaper than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    open_database(str(path)).close()
    return path


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        # The audit trail refuses TRUNCATE to everyone whose triggers run.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "outbound.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """SQLite only, for tests about the file itself."""
    path = tmp_path / "outbound.db"
    shutil.copy(sqlite_template, path)
    database = open_database(str(path))
    yield database
    database.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the public test data is not at {SHARED_DATA}")
    return SHARED_DATA


# --- A private PostgreSQL cluster that checks passwords (tests/scram_cluster.py) ---------

from tests.scram_cluster import ClusterUnavailable, ScramCluster  # noqa: E402


@pytest.fixture(scope="session")
def scram_cluster() -> Iterator[ScramCluster]:
    """A throwaway PostgreSQL cluster with password (SCRAM) sign-in, one per xdist worker.

    It has .host, .port, .superuser, .superuser_password, .url(database, user, password)
    and .create_database(name). Without the PostgreSQL server programs its tests skip,
    with the reason shown; with OUTBOUND_REQUIRE_POSTGRES=1 they fail.
    """
    try:
        cluster = ScramCluster.start()
    except ClusterUnavailable as exc:
        problem = str(exc)
    else:
        problem = None
    if problem is not None:
        if REQUIRE_PG:
            pytest.fail(f"The password-checking PostgreSQL cluster cannot start, and "
                        f"PostgreSQL tests are required here: {problem}")
        pytest.skip(f"password-checking PostgreSQL tests skipped: {problem}")
    try:
        yield cluster
    finally:
        cluster.stop()
