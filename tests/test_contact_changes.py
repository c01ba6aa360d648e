"""Correcting a contact on a call, on both databases: numbers checked and normalised and
rung next, email, name and role changed, and every change kept with who, when, what it
was and what it is now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbound.audit import AuditFilter, search_audit
from outbound.contact_changes import (
    ContactChangeError,
    add_number,
    change_detail,
    contact_changes,
    correct_number,
)
from outbound.contacts import get_contact
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from tests.test_queue import TEN_AM, tracker


def first_contact(db, cid):
    task = claim_next_task(db, "Sam", cid, now=TEN_AM)
    return task, get_contact(db, task.contact_id)


def test_a_new_number_is_normalised_and_rung_next(db):
    cid = tracker(db, count=1)
    task, contact = first_contact(db, cid)
    old = contact.primary_phone
    shown = add_number(db, contact.id, "+44 (0)161 496 0123 ext 12", agent="Sam",
                       task=task.task_id, now=TEN_AM)
    assert shown == "0161 496 0123 ext. 12"
    after = get_contact(db, contact.id)
    assert (after.primary_phone, after.phone_extension) == ("+441614960123", "12")
    assert [p.e164 for p in after.phones] == ["+441614960123", old]
    [change] = contact_changes(db, contact.id)
    assert (change.field, change.old_value, change.new_value, change.changed_by) == (
        "phone_added", None, "0161 496 0123 ext. 12", "Sam")
    assert change.changed_at == TEN_AM
    [entry] = search_audit(db, AuditFilter(action="contact_corrected"))
    assert (entry.actor, entry.contact_id, entry.summary) == (
        "Sam", contact.id, f"Added a number on call {task.task_id}.")
    assert "0161" not in str(entry.detail)              # the number stays out of the trail
    # the next call rings the new number first
    record_outcome(db, task.task_id, "Sam", "no_answer", now=TEN_AM)
    again = claim_next_task(db, "Sam", cid, now=TEN_AM + timedelta(hours=3))
    assert get_contact(db, again.contact_id).primary_phone == "+441614960123"


def test_a_corrected_number_replaces_the_wrong_one(db):
    cid = tracker(db, count=1)
    _task, contact = first_contact(db, cid)
    add_number(db, contact.id, "0161 496 0123", agent="Sam", now=TEN_AM)
    wrong = get_contact(db, contact.id).phones[1].e164          # the imported one
    correct_number(db, contact.id, wrong, "0113 496 0999", agent="Priya",
                   now=TEN_AM + timedelta(minutes=1))
    after = get_contact(db, contact.id)
    assert [p.e164 for p in after.phones] == ["+441134960999", "+441614960123"]
    latest = contact_changes(db, contact.id)[0]
    assert (latest.field, latest.new_value, latest.changed_by) == (
        "phone", "0113 496 0999", "Priya")
    assert latest.old_value.replace(" ", "").endswith(wrong[-6:])
    assert "Number changed from" in latest.sentence() and "by Priya" in latest.sentence()


@pytest.mark.parametrize("typed, words", [
    ("", "Type the number"),
    ("999", "not a number we can call"),
    ("0113 496 0001, 0113 496 0002", "more than one number"),
    ("0906 512 3456", "premium-rate"),
])
def test_a_bad_number_is_refused_and_nothing_changes(db, typed, words):
    cid = tracker(db, count=1)
    _task, contact = first_contact(db, cid)
    with pytest.raises(ContactChangeError, match=words):
        add_number(db, contact.id, typed, agent="Sam", now=TEN_AM)
    assert [p.e164 for p in get_contact(db, contact.id).phones] == [contact.primary_phone]
    assert contact_changes(db, contact.id) == []


def test_email_name_and_role_are_changed_and_kept_in_the_history(db):
    cid = tracker(db, count=1)
    task, contact = first_contact(db, cid)
    change_detail(db, contact.id, "email", " manager@ivyhouse.org.uk ", agent="Sam",
                  task=task.task_id, now=TEN_AM)
    change_detail(db, contact.id, "name", "Priti  Shah", agent="Sam",
                  now=TEN_AM + timedelta(minutes=1))
    change_detail(db, contact.id, "role", "Deputy manager", agent="Sam",
                  now=TEN_AM + timedelta(minutes=2))
    after = get_contact(db, contact.id)
    assert (after.email, after.name, after.name_key, after.role) == (
        "manager@ivyhouse.org.uk", "Priti Shah", "priti shah", "Deputy manager")
    history = contact_changes(db, contact.id)
    assert [(c.field, c.old_value, c.new_value) for c in history] == [
        ("role", None, "Deputy manager"), ("name", contact.name, "Priti Shah"),
        ("email", None, "manager@ivyhouse.org.uk")]
    with pytest.raises(ContactChangeError, match="email address"):
        change_detail(db, contact.id, "email", "not an email", agent="Sam", now=TEN_AM)
    with pytest.raises(ContactChangeError, match="Type their name"):
        change_detail(db, contact.id, "name", "  ", agent="Sam", now=TEN_AM)
    with pytest.raises(ContactChangeError, match="already stored"):
        change_detail(db, contact.id, "role", "Deputy manager", agent="Sam", now=TEN_AM)
    assert len(contact_changes(db, contact.id)) == 3


def test_a_contact_with_no_usable_number_becomes_callable(db):
    from sqlalchemy import update

    from outbound.db.models import Contact
    cid = tracker(db, count=1)
    task, contact = first_contact(db, cid)
    record_outcome(db, task.task_id, "Sam", "no_answer", now=TEN_AM)
    with db.write() as s:
        s.execute(update(Contact).where(Contact.id == contact.id)
                  .values(primary_phone=None, phone_raw="ex-directory"))
    assert claim_next_task(db, "Sam", cid, now=TEN_AM + timedelta(hours=3)) is None
    add_number(db, contact.id, "0113 496 0777", agent="Sam", now=TEN_AM)
    assert claim_next_task(db, "Sam", cid, now=TEN_AM + timedelta(hours=3)) is not None
    assert [p.raw for p in get_contact(db, contact.id).phones] == [
        "0113 496 0777", "ex-directory"]
