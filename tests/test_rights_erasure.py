"""Erasure: a person's details are gone from every table but the audit trail, their
counts stay, and erasure is refused while something must be kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import JSON, String, Text, func, inspect, select, text

from outbound.audit import AuditFilter, search_audit
from outbound.db.booking_models import Booking, WaitingListEntry
from outbound.db.capture_models import AnswerSet, FormDraft
from outbound.db.models import Attempt, Contact, Task
from outbound.rights import RightsError, erase_person, lift_legal_hold, set_legal_hold
from tests.rights_people import (
    CALLED_AT,
    E164,
    EMAIL,
    NAME,
    NATIONAL,
    OTHER_E164,
    OTHER_NATIONAL,
    POSTCODE,
    SURNAME,
    add_rich_person,
)

AFTER = CALLED_AT + timedelta(days=30)
NEEDLES = [NAME, SURNAME, "Winifred", E164, NATIONAL, NATIONAL.replace(" ", ""), OTHER_E164,
           OTHER_NATIONAL, OTHER_NATIONAL.replace(" ", ""), POSTCODE, POSTCODE.replace(" ", ""),
           EMAIL, "WQ-1931", "Mill Lane", "04/05/1931", "1931-05-04"]


def text_columns(db) -> list[tuple[str, str]]:
    """Every text and JSON column of every table in the database."""
    found = []
    inspector = inspect(db.engine)
    for table in inspector.get_table_names():
        for column in inspector.get_columns(table):
            kind = column["type"]
            if isinstance(kind, String | Text | JSON) or type(kind).__name__ in ("JSONB",):
                found.append((table, column["name"]))
    return found


def where_found(db, needles, *, skip=("audit_event",)) -> list[tuple[str, str, str]]:
    hits = []
    with db.engine.connect() as connection:
        for table, column in text_columns(db):
            if table in skip:
                continue
            for needle in needles:
                count = connection.execute(text(
                    f'SELECT count(*) FROM "{table}" '
                    f'WHERE lower(CAST("{column}" AS TEXT)) LIKE :needle'),
                    {"needle": f"%{needle.lower()}%"}).scalar()
                if count:
                    hits.append((table, column, needle))
    return hits


def test_the_scan_sees_the_person_everywhere_before_erasure(db):
    add_rich_person(db)
    tables = {table for table, _, _ in where_found(db, NEEDLES)}
    assert {"contact", "contact_phone", "attempt", "task", "answer_set", "answer_flag",
            "form_draft", "number_event", "contact_change", "suppression", "import_issue",
            "booking", "waiting_list"} <= tables


def test_erasure_leaves_no_trace_but_keeps_the_counts(db):
    ids = add_rich_person(db)
    cid = ids["contact"]
    result = erase_person(db, cid, by="Priya", now=AFTER + timedelta(days=30))
    assert result.changed["call notes"] == 1 and result.changed["answer sets"] == 1
    assert where_found(db, NEEDLES) == []
    with db.read() as s:
        person = s.get(Contact, cid)
        assert person.name == f"Erased contact {cid}" and person.do_not_call
        assert person.erased_at is not None and person.district == "Ashworth"
        attempt = s.get(Attempt, ids["attempt"])
        assert (attempt.outcome, attempt.duration_seconds, attempt.contact_made) == (
            "needs_supervisor", 240, True)
        answers = s.get(AnswerSet, ids["answers"]).answers
        assert answers == {"beds_vacant": 3, "confident": True, "ppe": "Under a week"}
        assert s.get(Task, ids["task"]).status == "closed"
        assert s.scalar(select(func.count()).select_from(FormDraft)) == 0
        assert s.scalar(select(WaitingListEntry.status)) == "withdrawn"
        assert s.scalar(select(Booking.answers)) == {"doses": 2}
        # the other contact is untouched
        assert s.scalar(select(Contact.name).where(Contact.id != cid)) == "Albert Ruddock"
    entry = search_audit(db, AuditFilter(contact_id=cid, action="erased"))[0]
    assert entry.actor == "Priya" and NAME not in entry.summary
    assert entry.summary.startswith(f"Erased contact {cid}'s personal details (")
    assert where_found(db, NEEDLES, skip=()) == []      # nor in the entries made here
    with pytest.raises(RightsError, match="already erased"):
        erase_person(db, cid, by="Priya", now=AFTER + timedelta(days=31))


def snapshot(db) -> list:
    with db.engine.connect() as connection:
        return [connection.execute(text(f'SELECT * FROM "{t}" ORDER BY 1')).all()
                for t in ("contact", "attempt", "answer_set", "booking", "task")]


def test_an_appointment_still_to_come_stops_erasure_and_changes_nothing(db):
    ids = add_rich_person(db, starts_at=AFTER + timedelta(days=2))
    before = snapshot(db)
    with pytest.raises(RightsError, match=r"appointment still to come \(VX7K2Q on "):
        erase_person(db, ids["contact"], by="Priya", now=AFTER)
    assert snapshot(db) == before
    assert search_audit(db, AuditFilter(action="erased")) == []


def test_a_legal_hold_stops_erasure_until_it_is_lifted(db):
    ids = add_rich_person(db)
    cid = ids["contact"]
    set_legal_hold(db, cid, "Complaint 2026/114", by="Priya", now=AFTER)
    with pytest.raises(RightsError, match="Complaint 2026/114"):
        set_legal_hold(db, cid, "Again", by="Priya", now=AFTER)
    before = snapshot(db)
    with pytest.raises(RightsError, match=r"on legal hold, set by Priya.*lift it first"):
        erase_person(db, cid, by="Priya", now=AFTER + timedelta(days=30))
    assert snapshot(db) == before
    with pytest.raises(RightsError, match="Sam is an agent; only a supervisor"):
        lift_legal_hold(db, cid, by="Sam", now=AFTER)
    lift_legal_hold(db, cid, by="Priya", reason="Complaint closed", now=AFTER)
    erase_person(db, cid, by="Priya", now=AFTER + timedelta(days=30))
    actions = [e.action for e in search_audit(db, AuditFilter(contact_id=cid))]
    assert actions == ["erased", "legal_hold_lifted", "legal_hold_set"]


def test_only_a_supervisor_erases(db):
    ids = add_rich_person(db)
    with pytest.raises(RightsError, match="Sam is an agent"):
        erase_person(db, ids["contact"], by="Sam", now=AFTER + timedelta(days=30))
    with pytest.raises(RightsError, match="no contact number 999"):
        erase_person(db, 999, by="Priya")
