"""Migration 0012: legal holds, erased contacts and suppression-list matches come and go."""

from __future__ import annotations

from sqlalchemy import inspect, text

from outbound.db.migrate import current_revision, head_revision
from tests.migrating import columns, migrate


def test_legal_holds_erasure_and_candidates_come_and_go(db):
    assert current_revision(db) == head_revision()
    assert {"legal_hold", "suppression_candidate"} <= set(inspect(db.engine).get_table_names())
    assert "erased_at" in columns(db, "contact")
    try:
        migrate(db, "downgrade", "0011")
        tables = set(inspect(db.engine).get_table_names())
        assert not {"legal_hold", "suppression_candidate"} & tables
        assert "erased_at" not in columns(db, "contact")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO contact (id, kind, name, name_key, source, attributes, "
                "do_not_call, created_at, updated_at) VALUES (1, 'person', 'Ann Lee', "
                "'ann lee', 'test', '{}', false, '2026-11-01 09:00:00', "
                "'2026-11-01 09:00:00')"))
        migrate(db, "upgrade", "0012")
        with db.engine.begin() as connection:
            assert connection.execute(text(
                "SELECT name, erased_at FROM contact")).one() == ("Ann Lee", None)
            connection.execute(text(
                "INSERT INTO legal_hold (contact_id, reason, set_by, set_at) VALUES "
                "(1, 'Complaint 2026/114', 'Priya', '2026-11-02 10:00:00')"))
            connection.execute(text(
                "INSERT INTO suppression_candidate (contact_id, reason, source, file_name, "
                "row_number, row_key, why, status, found_at) VALUES (1, 'deceased', "
                "'Tell Us Once', 'deaths.csv', 2, 'abc', 'same name, different postcode', "
                "'pending', '2026-11-02 10:00:00')"))
            held = connection.execute(text(
                "SELECT reason, set_by, lifted_at FROM legal_hold")).all()
        assert [tuple(r) for r in held] == [("Complaint 2026/114", "Priya", None)]
    finally:
        migrate(db, "upgrade", "head")
