"""Opening databases: the SQLite file's settings, addresses, and clear refusals."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from outbound.db import DatabaseError, open_database, resolve_url
from outbound.db.migrate import current_revision, head_revision


def test_sqlite_file_uses_wal_foreign_keys_and_busy_timeout(sqlite_db):
    with sqlite_db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert session.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_migrations_reach_head_on_both_databases(db):
    assert current_revision(db) == head_revision()


def test_plain_path_and_env_var_give_sqlite(tmp_path, monkeypatch):
    assert resolve_url(str(tmp_path / "a.db")).get_backend_name() == "sqlite"
    monkeypatch.setenv("OUTBOUND_DATABASE_URL", "postgresql://u@h/d")
    assert resolve_url().drivername == "postgresql+psycopg"
    monkeypatch.delenv("OUTBOUND_DATABASE_URL")
    assert resolve_url().database.endswith("outbound.db")


@pytest.mark.parametrize("url, words", [
    ("mysql://root@localhost/x", "not “mysql”"),
    ("postgresql+psycopg://nobody@127.0.0.1:1/none", "Cannot open the database"),
    ("::::://", "not a database address"),
])
def test_unusable_addresses_are_refused_in_a_sentence(url, words):
    with pytest.raises(DatabaseError, match=words):
        open_database(url)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.db"
    path.write_bytes(b"shopping list: milk, eggs\n" * 100)
    before = path.read_bytes()
    with pytest.raises(DatabaseError, match="not an Outbound database"):
        open_database(str(path))
    assert path.read_bytes() == before


def test_a_database_from_a_newer_client_is_refused(sqlite_db):
    with sqlite_db.write() as session:
        session.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    with pytest.raises(DatabaseError, match="newer version of Outbound"):
        open_database(sqlite_db.url)


def test_an_empty_file_from_an_older_client_is_migrated(tmp_path):
    path = tmp_path / "old.db"
    sqlite3.connect(path).close()
    db = open_database(str(path))
    assert current_revision(db) == head_revision()
    db.close()


def _claim_by_select_then_update(path: str, worker: int, results) -> None:
    db = open_database(path)
    claimed = []
    while True:
        def work(session):
            row = session.execute(text(
                "SELECT id FROM item WHERE holder IS NULL ORDER BY id LIMIT 1")).first()
            if row is None:
                return None
            session.execute(text("UPDATE item SET holder = :w WHERE id = :id"),
                            {"w": worker, "id": row.id})
            return row.id
        item = db.run_write(work)
        if item is None:
            break
        claimed.append(item)
    db.close()
    results.put(claimed)


def test_read_then_write_in_a_write_transaction_never_races_between_processes(tmp_path):
    """The legacy sqlite3 mode hands rows out twice here; BEGIN IMMEDIATE must not."""
    path = str(tmp_path / "race.db")
    db = open_database(path)
    with db.write() as session:
        session.execute(text("CREATE TABLE item (id INTEGER PRIMARY KEY, holder INTEGER)"))
        session.execute(text("INSERT INTO item (holder) VALUES " + ",".join(["(NULL)"] * 800)))
    db.close()
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    workers = [ctx.Process(target=_claim_by_select_then_update, args=(path, w, results))
               for w in range(4)]
    for p in workers:
        p.start()
    claimed = [item for _ in workers for item in results.get(timeout=120)]
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert len(claimed) == 800
    assert len(set(claimed)) == 800


def test_default_file_lives_in_the_user_data_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = resolve_url()
    assert Path(url.database).parent == tmp_path / "Outbound"


def test_the_quick_head_check_agrees_with_alembic():
    from outbound.db.migrate import head_revision, shipped_head

    assert shipped_head() == head_revision()
