"""Migrations that move data: an older database's contents arrive whole in the new shape."""

from __future__ import annotations

from sqlalchemy import text

from outbound.contacts import get_contact
from outbound.db.migrate import current_revision, head_revision
from tests.migrating import migrate

CONTACT = ("INSERT INTO contact (id, kind, name, name_key, source, attributes, primary_phone, "
           "do_not_call, created_at, updated_at) VALUES (:id, 'person', :name, :key, 'test', "
           "'{}', :primary, false, '2026-11-01 09:00:00', '2026-11-01 09:00:00')")
PHONE = ("INSERT INTO contact_phone (contact_id, position, e164, extension, raw, line_type, "
         "usable, note) VALUES (:contact, :position, :e164, :ext, :raw, :type, :usable, :note)")


def _stored(db) -> tuple[list, list]:
    with db.engine.connect() as connection:
        phones = connection.execute(text(
            "SELECT contact_id, position, e164, raw FROM contact_phone "
            "ORDER BY contact_id, position")).all()
        contacts = connection.execute(text(
            "SELECT id, primary_phone FROM contact ORDER BY id")).all()
    return [tuple(row) for row in contacts], [tuple(row) for row in phones]


def test_the_first_number_moves_onto_the_contact_and_back(db):
    migrate(db, "downgrade", "0005")
    try:
        with db.engine.begin() as connection:
            connection.execute(text(CONTACT), [
                {"id": 1, "name": "Oak Lodge", "key": "oak lodge", "primary": "+441134960001"},
                {"id": 2, "name": "Heartly Green", "key": "heartly green", "primary": None},
                {"id": 3, "name": "No Number", "key": "no number", "primary": None},
            ])
            connection.execute(text(PHONE), [
                {"contact": 1, "position": 0, "e164": "+441134960001", "ext": "204",
                 "raw": "0113 496 0001 ext 204", "type": "landline", "usable": True,
                 "note": ""},
                {"contact": 1, "position": 1, "e164": "+441614960002", "ext": None,
                 "raw": "0161 496 0002", "type": "landline", "usable": True, "note": ""},
                {"contact": 2, "position": 0, "e164": None, "ext": None, "raw": "1617777e3",
                 "type": None, "usable": False, "note": "damaged by a spreadsheet"},
            ])
        before = _stored(db)
        migrate(db, "upgrade", "head")
        assert current_revision(db) == head_revision()

        oak = get_contact(db, 1)
        assert [(p.position, p.e164, p.extension, p.raw) for p in oak.phones] == [
            (0, "+441134960001", "204", "0113 496 0001 ext 204"),
            (1, "+441614960002", None, "0161 496 0002")]
        assert oak.phones[0].usable and oak.phone_line_type == "landline"
        heartly = get_contact(db, 2)
        assert [(p.e164, p.raw, p.usable, p.note) for p in heartly.phones] == [
            (None, "1617777e3", False, "damaged by a spreadsheet")]
        assert get_contact(db, 3).phones == []
        # only second and later numbers are left in contact_phone
        assert _stored(db)[1] == [(1, 1, "+441614960002", "0161 496 0002")]

        migrate(db, "downgrade", "0005")
        assert _stored(db) == before
    finally:
        migrate(db, "upgrade", "head")


def test_premium_numbers_are_held_back_and_the_number_history_comes_and_goes(db):
    from sqlalchemy import inspect

    migrate(db, "downgrade", "0008")
    try:
        with db.engine.begin() as connection:
            insert = text(CONTACT.replace(":primary, false", ":primary, false")
                          .replace("primary_phone, ", "primary_phone, phone_raw, "
                                   "phone_line_type, ")
                          .replace(":primary,", ":primary, :raw, :type,"))
            connection.execute(insert, [
                {"id": 1, "name": "Premium First", "key": "premium first",
                 "primary": "+449065123456", "raw": "09065 123456", "type": "premium"},
                {"id": 2, "name": "Only Premium", "key": "only premium",
                 "primary": "+449065123457", "raw": "09065 123457", "type": "premium"},
                {"id": 3, "name": "Plain", "key": "plain", "primary": "+441134960003",
                 "raw": "0113 496 0003", "type": "landline"},
            ])
            connection.execute(text(PHONE), [
                {"contact": 1, "position": 1, "e164": "+441614960002", "ext": None,
                 "raw": "0161 496 0002", "type": "landline", "usable": True, "note": ""},
                {"contact": 3, "position": 1, "e164": "+449065123458", "ext": None,
                 "raw": "09065 123458", "type": "premium", "usable": True, "note": ""},
            ])
        migrate(db, "upgrade", "head")     # the contact model is the newest one
        first = get_contact(db, 1)
        assert first.primary_phone == "+441614960002"
        assert [(p.e164, p.usable) for p in first.phones] == [
            ("+441614960002", True), ("+449065123456", False)]
        assert "supervisor allows it" in (first.phones[1].note or "")
        only = get_contact(db, 2)
        assert only.primary_phone is None and not only.callable
        assert "premium-rate" in (only.phone_note or "")
        plain = get_contact(db, 3)
        assert plain.primary_phone == "+441134960003"
        assert [p.usable for p in plain.phones] == [True, False]
        tables = inspect(db.engine).get_table_names()
        assert "number_event" in tables
        assert "reason" in {c["name"] for c in inspect(db.engine).get_columns("attempt")}

        migrate(db, "downgrade", "0008")
        inspector = inspect(db.engine)
        assert "number_event" not in inspector.get_table_names()
        assert "reason" not in {c["name"] for c in inspector.get_columns("attempt")}
        assert _stored(db)[0] == [(1, "+441614960002"), (2, None), (3, "+441134960003")]
    finally:
        migrate(db, "upgrade", "head")
