"""The audit trail on both databases: appended with the act, refused every change, the
server's own time, searched and exported."""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, literal_column, select, text, update
from sqlalchemy.exc import DBAPIError

from outbound.audit import (
    AuditError,
    AuditFilter,
    export_audit,
    file_digest,
    record,
    record_event,
    search_audit,
)
from outbound.db.audit_models import AuditEvent
from outbound.db.types import UTCDateTime
from tests.migrating import migrate


def entries(db) -> int:
    with db.read() as s:
        return s.scalar(select(func.count(AuditEvent.id)))


def test_an_entry_is_appended_with_its_act_and_found_again(db):
    record_event(db, "suppressed", "Stopped calls to Ann Lee: deceased.", actor="Priya",
                 contact_id=7, detail={"reason": "deceased"})
    record_event(db, "searched", "Searched contacts for “Lee”.", actor="Sam")
    [newest, first] = search_audit(db)
    assert (newest.action, newest.actor, newest.contact_id) == ("searched", "Sam", None)
    assert (first.summary, first.detail) == ("Stopped calls to Ann Lee: deceased.",
                                             {"reason": "deceased"})
    assert first.action_words == "Stopped calls to a person"
    with db.read() as s:         # the database's clock, which stamps the entries
        server_now = s.scalar(select(literal_column("CURRENT_TIMESTAMP",
                                                    type_=UTCDateTime())))
    assert abs(first.at - server_now) < timedelta(minutes=5)
    assert [e.id for e in search_audit(db, AuditFilter(contact_id=7))] == [first.id]
    assert [e.id for e in search_audit(db, AuditFilter(actor="sam"))] == [newest.id]
    assert [e.id for e in search_audit(db, AuditFilter(action="suppressed"))] == [first.id]
    assert [e.id for e in search_audit(db, AuditFilter(text="ann lee"))] == [first.id]


def test_an_act_rolled_back_leaves_no_entry(db):
    with pytest.raises(RuntimeError), db.write() as s:
        record(s, "imported", "Imported 3 rows.", actor="Sam")
        raise RuntimeError("the import failed")
    assert entries(db) == 0


def test_a_bad_search_or_action_is_one_sentence(db):
    with pytest.raises(AuditError, match="not an action the audit trail records"):
        record_event(db, "lunch", "Went to lunch.", actor="Sam")
    with pytest.raises(AuditError, match="wrong way round"):
        search_audit(db, AuditFilter(date_from=date(2026, 12, 2), date_to=date(2026, 12, 1)))


@pytest.mark.parametrize("change", ["update", "delete"])
def test_nobody_can_change_or_remove_an_entry(db, change):
    record_event(db, "exported", "Exported answers.", actor="Priya")
    statement = (update(AuditEvent).values(summary="nothing happened") if change == "update"
                 else delete(AuditEvent))
    with pytest.raises(DBAPIError, match="audit trail cannot be changed"), db.write() as s:
        s.execute(statement)
    with pytest.raises(DBAPIError, match="audit trail cannot be changed"), \
            db.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event"))
    [entry] = search_audit(db)
    assert entry.summary == "Exported answers."


def test_postgresql_writes_the_time_and_login_itself_and_refuses_truncate(db):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no logins or TRUNCATE")
    with db.write() as s:
        s.add(AuditEvent(actor="Sam", action="searched", summary="Back-dated.", detail={},
                         at=datetime(2020, 1, 1, tzinfo=UTC), db_user="someone else"))
    [entry] = search_audit(db)
    assert entry.at > datetime(2026, 1, 1, tzinfo=UTC)
    with db.engine.connect() as connection:
        login = connection.scalar(text("SELECT session_user"))
    assert entry.db_user == login != "someone else"
    with pytest.raises(DBAPIError, match="audit trail cannot be changed"), \
            db.engine.begin() as connection:
        connection.execute(text("TRUNCATE audit_event"))
    assert entries(db) == 1


def test_the_trail_is_exported_with_a_dictionary_and_the_export_is_audited(db, tmp_path):
    record_event(db, "suppressed", "Stopped calls to Ann\n=1+1 Lee.", actor="Priya",
                 contact_id=7, detail={"reason": "deceased"})
    out = tmp_path / "audit.csv"
    assert export_audit(db, out, fmt="csv", where=AuditFilter(contact_id=7),
                        actor="Priya") == 1
    with open(out, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["Entry", "When", "Who"] and len(rows) == 2
    assert rows[1][2] == "Priya" and rows[1][6] == "Stopped calls to Ann\n=1+1 Lee."
    assert json.loads(rows[1][7]) == {"reason": "deceased"}
    assert (tmp_path / "audit-dictionary.csv").exists()
    newest = search_audit(db)[0]
    assert newest.action == "audit_exported" and newest.detail["rows"] == 1
    assert newest.detail["files"][0] == {"name": str(out), "sha256": file_digest(out)}
    assert newest.detail["filters"] == {"person": 7}


def test_the_migration_comes_and_goes_with_its_triggers(db):
    record_event(db, "searched", "Searched.", actor="Sam")
    migrate(db, "downgrade", "0010")      # to before the audit trail
    migrate(db, "upgrade", "head")
    assert entries(db) == 0
    record_event(db, "searched", "Searched again.", actor="Sam")
    with pytest.raises(DBAPIError, match="audit trail cannot be changed"), db.write() as s:
        s.execute(delete(AuditEvent))
