"""What the audit trail records of the acts that touch people's data, on both databases:
imports, exports (with the file's SHA-256), suppressions, users, cancelled bookings."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from outbound import booking
from outbound.audit import AuditFilter, file_digest, search_audit
from outbound.cli import main
from outbound.contacts import lift_suppression, suppress_contact
from outbound.exports import export_answers
from outbound.importing import ImportRefused, MappingError, import_rows
from outbound.users import add_user
from tests.test_booking import MONDAY, NOW, PHONE, add_contacts, births, registrar_week, slot_at
from tests.test_exports_seed import seed_tracker


def actions(db) -> list[str]:
    return [entry.action for entry in reversed(search_audit(db))]


def test_an_import_is_recorded_and_a_refused_one_is_not(db):
    import_rows(db, ["Name", "Telephone"], [(2, ["Ann Lee", "0113 496 0001"])],
                file_name="people.csv", source="People", imported_by="Priya")
    [entry] = search_audit(db)
    assert (entry.action, entry.actor) == ("imported", "Priya")
    assert entry.summary == ("Imported people.csv into People: 1 new, 0 updated, "
                             "0 unchanged.")
    assert entry.detail["rows"] == 1 and entry.detail["file"] == "people.csv"
    with pytest.raises((ImportRefused, MappingError)):
        import_rows(db, ["Colour"], [(2, ["blue"])], file_name="bad.csv", imported_by="Priya")
    assert actions(db) == ["imported"]


def test_an_export_names_its_files_filters_rows_and_sha256(db, tmp_path):
    seeded = seed_tracker(db)
    out = tmp_path / "tracker.csv"
    result = export_answers(db, seeded.campaign_id, fmt="csv", layout="wide", out=out,
                            district="Northgate", actor="Priya")
    entry = search_audit(db, AuditFilter(action="exported"))[0]
    assert entry.actor == "Priya"
    assert entry.detail["rows"] == result.rows and entry.detail["what"] == "answers (wide)"
    assert entry.detail["filters"] == {"district": "Northgate"}
    assert entry.detail["files"] == [
        {"name": str(out), "sha256": file_digest(out)},
        {"name": str(result.dictionary_path), "sha256": file_digest(result.dictionary_path)}]


def test_stopping_and_allowing_calls_and_users_are_recorded(db):
    [person] = add_contacts(db, 1)
    suppress_contact(db, person, "asked_not_to_be_called", source="phone call",
                     recorded_by="Sam")
    lift_suppression(db, person, reason="asked to be called after all", lifted_by="Priya")
    add_user(db, "Jo", by="Priya")
    add_user(db, "Jo", "supervisor", by="Priya")
    add_user(db, "Jo", "supervisor", by="Priya")      # no change, nothing recorded
    mine = search_audit(db, AuditFilter(contact_id=person))
    assert [(e.action, e.actor) for e in mine] == [("suppression_lifted", "Priya"),
                                                   ("suppressed", "Sam")]
    assert mine[1].summary.startswith("Stopped calls: ")
    assert {e.person for e in mine} == {"Parent 0"}      # the name, from the contact now
    users = search_audit(db, AuditFilter(action="user_changed"))
    assert [e.summary for e in users] == ["Made Jo an active supervisor.",
                                          "Added Jo as agent."]


def test_a_cancelled_booking_is_recorded_against_the_person(db):
    registrar_week(db)
    add_user(db, "Sam")
    camp = births(db)
    [person] = add_contacts(db, 1)
    made = booking.book(db, "Sam", person, slot_at(db, PHONE, MONDAY, time(9)).id,
                        campaign=camp, now=NOW)
    booking.cancel(db, "Sam", made.reference, "unwell", now=NOW + timedelta(hours=1))
    [entry] = search_audit(db, AuditFilter(contact_id=person))
    assert (entry.action, entry.actor) == ("booking_cancelled", "Sam")
    assert entry.summary == f"Cancelled {made.reference}: unwell."


def test_the_audit_command_lists_and_exports(db, db_url, tmp_path, capsys):
    add_user(db, "Jo", by="Priya")
    assert main(["audit", "--user", "priya", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "\tPriya\tAdded or changed a user\t\tAdded Jo as agent." \
        in out
    assert main(["audit", "--action", "exported", "--db", db_url]) == 0
    assert capsys.readouterr().out == "No audit entries match.\n"
    target = tmp_path / "audit.xlsx"
    assert main(["audit", "--out", str(target), "--db", db_url]) == 0
    assert capsys.readouterr().out == f"Wrote 1 audit entry to {target}.\n"
    assert actions(db) == ["user_changed", "audit_exported"]
    with pytest.raises(SystemExit):
        main(["audit", "--action", "lunch", "--db", db_url])
    capsys.readouterr()
    assert main(["audit", "--from", "2026-12-02", "--to", "2026-12-01", "--db", db_url]) == 1
    assert capsys.readouterr().err == "Error: The dates run the wrong way round.\n"


def test_a_call_handed_out_is_a_record_opened(db):
    from outbound.queue.claim import claim_next_task, resume_held_task
    from tests.test_queue import TEN_AM, tracker

    cid = tracker(db, count=1)
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    again = resume_held_task(db, "Sam", cid, now=TEN_AM)
    assert again is not None and again.task_id == task.task_id
    opened = search_audit(db, AuditFilter(action="record_opened"))
    assert [(e.actor, e.contact_id, e.detail["how"]) for e in opened] == [
        ("Sam", task.contact_id, "held"), ("Sam", task.contact_id, "fresh")]
    assert opened[1].summary == f"Opened on the call screen: call {task.task_id} (fresh)."
    assert claim_next_task(db, "Sam", cid, now=TEN_AM) is None    # nothing more: no entry
    assert len(search_audit(db, AuditFilter(action="record_opened"))) == 2
