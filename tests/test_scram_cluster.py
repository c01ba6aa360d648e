"""The private cluster really checks passwords, unlike the main test server."""

from __future__ import annotations

import os
import secrets

import psycopg
import pytest
from psycopg import sql

from tests.scram_cluster import ScramCluster

pytestmark = pytest.mark.postgres


def _connect(url: str) -> psycopg.Connection:
    return psycopg.connect(url, connect_timeout=10, autocommit=True)


def test_the_superuser_signs_in_with_the_right_password(scram_cluster: ScramCluster):
    assert scram_cluster.url().startswith("postgresql://")
    with _connect(scram_cluster.url()) as conn:
        row = conn.execute("SELECT current_user, inet_server_port()").fetchone()
    assert row == (scram_cluster.superuser, scram_cluster.port)


def test_a_wrong_password_is_refused(scram_cluster: ScramCluster):
    wrong = scram_cluster.url(password=scram_cluster.superuser_password + "x")
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(wrong)


def test_no_password_is_refused(scram_cluster: ScramCluster):
    url = scram_cluster.url(user=scram_cluster.superuser)
    assert url.startswith(f"postgresql://{scram_cluster.superuser}@")
    with pytest.raises(psycopg.OperationalError, match="password"):
        # No password from the environment or a ~/.pgpass either.
        psycopg.connect(url, connect_timeout=10, password="", passfile=os.devnull)


def test_a_new_role_signs_in_with_its_password(scram_cluster: ScramCluster):
    role = f"agent_{secrets.token_hex(4)}"
    password = "Tea & biscuits: 100% / day @ 11"
    with _connect(scram_cluster.url()) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(role), sql.Literal(password)))
        stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s",
                              (role,)).fetchone()
    assert stored is not None and stored[0].startswith("SCRAM-SHA-256$")

    with _connect(scram_cluster.url(user=role, password=password)) as conn:
        assert conn.execute("SELECT current_user").fetchone() == (role,)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        _connect(scram_cluster.url(user=role, password="not " + password))


def test_create_database_makes_a_fresh_empty_one(scram_cluster: ScramCluster):
    url = scram_cluster.create_database("scram_fresh")
    assert url == scram_cluster.url("scram_fresh")
    with _connect(url) as conn:
        conn.execute("CREATE TABLE left_behind (id int)")
    url = scram_cluster.create_database("scram_fresh")
    with _connect(url) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == ("scram_fresh",)
        assert conn.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'left_behind'").fetchone() == (0,)
