"""Migration 0010: the contact change history and waiting-list preferences come and go."""

from __future__ import annotations

from sqlalchemy import inspect, text

from outbound.db.migrate import current_revision, head_revision
from tests.migrating import columns, migrate


def test_contact_changes_and_waiting_preferences_come_and_go(db):
    assert current_revision(db) == head_revision()
    assert "contact_change" in inspect(db.engine).get_table_names()
    assert {"preferred_days", "preferred_times"} <= columns(db, "waiting_list")
    try:
        migrate(db, "downgrade", "0009")
        assert "contact_change" not in inspect(db.engine).get_table_names()
        assert not {"preferred_days", "preferred_times"} & columns(db, "waiting_list")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO contact (id, kind, name, name_key, source, attributes, "
                "do_not_call, created_at, updated_at) VALUES (1, 'person', 'Oak Lodge', "
                "'oak lodge', 'test', '{}', false, '2026-11-01 09:00:00', "
                "'2026-11-01 09:00:00')"))
        migrate(db, "upgrade", "0010")
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO contact_change (contact_id, field, old_value, new_value, "
                "changed_by, changed_at) VALUES (1, 'email', NULL, 'a@b.org', 'Sam', "
                "'2026-11-02 10:00:00')"))
            stored = connection.execute(text(
                "SELECT field, new_value, changed_by FROM contact_change")).all()
        assert [tuple(r) for r in stored] == [("email", "a@b.org", "Sam")]
        assert {"id", "contact_id", "field", "old_value", "new_value", "task_id",
                "changed_by", "changed_at"} == columns(db, "contact_change")
    finally:
        migrate(db, "upgrade", "head")
