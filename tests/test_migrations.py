"""Migrations that move data: an older database's contents arrive whole in the new shape."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from outbound.contacts import get_contact
from outbound.db.migrate import alembic_config, current_revision, head_revision

CONTACT = ("INSERT INTO contact (id, kind, name, name_key, source, attributes, primary_phone, "
           "do_not_call, created_at, updated_at) VALUES (:id, 'person', :name, :key, 'test', "
           "'{}', :primary, false, '2026-11-01 09:00:00', '2026-11-01 09:00:00')")
PHONE = ("INSERT INTO contact_phone (contact_id, position, e164, extension, raw, line_type, "
         "usable, note) VALUES (:contact, :position, :e164, :ext, :raw, :type, :usable, :note)")


def _migrate(db, step: str, revision: str) -> None:
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


def _stored(db) -> tuple[list, list]:
    with db.engine.connect() as connection:
        phones = connection.execute(text(
            "SELECT contact_id, position, e164, raw FROM contact_phone "
            "ORDER BY contact_id, position")).all()
        contacts = connection.execute(text(
            "SELECT id, primary_phone FROM contact ORDER BY id")).all()
    return [tuple(row) for row in contacts], [tuple(row) for row in phones]


def test_the_first_number_moves_onto_the_contact_and_back(db):
    _migrate(db, "downgrade", "0005")
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
        _migrate(db, "upgrade", "head")
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

        _migrate(db, "downgrade", "0005")
        assert _stored(db) == before
    finally:
        _migrate(db, "upgrade", "head")
