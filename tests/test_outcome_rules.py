"""Outcomes that must be true to be recorded, on both databases: a booking outcome with
nothing booked, the waiting list, a wrong number that marks only that number, and the
reason a call is passed to a supervisor."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from sqlalchemy import select

from outbound import booking
from outbound.contacts import get_contact
from outbound.db.models import Attempt, Contact, ContactPhone, NumberEvent, Suppression, Task
from outbound.numbers import number_history
from outbound.queue.campaigns import create_campaign, enrol
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import OutcomeError, record_outcome
from tests.test_booking import (
    MONDAY,
    NOW,
    PHONE,
    SIGNING,
    add_contacts,
    agents,
    births,
    registrar_week,
    slot_at,
)

ANSWERS = {"baby_date_of_birth": "2026-10-01", "number_of_babies": 1,
           "parents_married": True, "both_parents_attending": True,
           "interpreter_needed": False, "bsl_needed": False}


def _births_call(db):
    registrar_week(db)
    agents(db)
    [parent] = add_contacts(db, 1)
    camp = births(db)
    enrol(db, camp, contact_ids=[parent], now=NOW)
    task = claim_next_task(db, "Sam", camp, now=NOW)
    assert task is not None
    return camp, parent, task


def test_both_appointments_booked_is_refused_when_nothing_is_booked(db):
    camp, parent, task = _births_call(db)
    with pytest.raises(OutcomeError, match="Nothing is booked for Parent 0 yet"):
        record_outcome(db, task.task_id, "Sam", "booked", answers=ANSWERS, now=NOW)
    booking.book(db, "Sam", parent, slot_at(db, PHONE, MONDAY, time(9)).id, campaign=camp,
                 task=task.task_id, answers=ANSWERS, now=NOW)
    with pytest.raises(OutcomeError, match="Signing the register is not booked for Parent 0"):
        record_outcome(db, task.task_id, "Sam", "booked", answers=ANSWERS, now=NOW)
    with db.read() as s:
        assert s.scalars(select(Attempt)).all() == []
    first = booking.get_appointments(db, parent)[0]
    booking.book(db, "Sam", parent,
                 slot_at(db, SIGNING, MONDAY + timedelta(days=1), time(13, 30)).id,
                 campaign=camp, task=task.task_id, first_part=first.booking_id, now=NOW)
    done = record_outcome(db, task.task_id, "Sam", "booked", answers=ANSWERS, now=NOW)
    assert done.task_status == "done"


def test_the_waiting_list_outcome_needs_them_on_the_waiting_list(db):
    camp, parent, task = _births_call(db)
    with pytest.raises(OutcomeError, match="Parent 0 is not on the waiting list for this "
                                           "campaign"):
        record_outcome(db, task.task_id, "Sam", "waiting_list", now=NOW)
    booking.add_to_waiting_list(db, camp, parent, PHONE, task=task.task_id, agent="Sam",
                                now=NOW)
    # On the waiting list, nothing is booked: "Both appointments booked" is still refused.
    with pytest.raises(OutcomeError, match=re.escape(
            "Nothing is booked for Parent 0 yet, so “Both appointments booked” cannot be "
            "recorded: they are on the waiting list, so record “Put on the waiting list”.")):
        record_outcome(db, task.task_id, "Sam", "booked", answers=ANSWERS, now=NOW)
    done = record_outcome(db, task.task_id, "Sam", "waiting_list", now=NOW)
    assert done.task_status == "done"
    with db.read() as s:
        assert s.get(Task, task.task_id).last_outcome == "waiting_list"


def _two_numbers(db) -> int:
    with db.write() as s:
        person = Contact(name="Brook Lodge", name_key="brook lodge",
                         primary_phone="+441134960001", phone_raw="0113 496 0001",
                         phone_line_type="landline")
        person.other_phones.append(ContactPhone(position=1, e164="+441614960002",
                                                raw="0161 496 0002", line_type="landline",
                                                usable=True))
        s.add(person)
        s.flush()
        return person.id


def test_a_wrong_number_marks_that_number_and_the_next_is_rung(db):
    agents(db)
    lodge = _two_numbers(db)
    welfare = create_campaign(db, "welfare_check", "Welfare")
    jabs = create_campaign(db, "vaccination_booking", "Jabs")
    for camp in (welfare, jabs):
        enrol(db, camp, contact_ids=[lodge], now=NOW)
    task = claim_next_task(db, "Sam", welfare, now=NOW)
    assert task is not None
    done = record_outcome(db, task.task_id, "Sam", "wrong_number", number="+441134960001",
                          now=NOW)
    assert done.task_status == "open" and "next number" in done.message
    contact = get_contact(db, lodge)
    assert contact.callable and not contact.do_not_call and contact.suppressions == []
    assert [(p.e164 or p.raw, p.usable, p.note) for p in contact.phones] == [
        ("+441614960002", True, None), ("+441134960001", False, "wrong number")]
    [event] = number_history(db, lodge)
    assert (event.number, event.event, event.recorded_by, event.recorded_at) == (
        "+441134960001", "wrong_number", "Sam", NOW)
    assert "marked as a wrong number by Sam" in event.sentence()
    # The next call to them (in any campaign) rings the other number.
    later = NOW + timedelta(minutes=1)
    again = claim_next_task(db, "Sam", welfare, now=later)
    assert again is not None and again.task_id == task.task_id
    record_outcome(db, again.task_id, "Sam", "wrong_number", now=later)
    # No usable number left: not callable, recorded as no usable number, nowhere called.
    contact = get_contact(db, lodge)
    assert not contact.callable and contact.primary_phone is None
    assert not contact.do_not_call
    with db.read() as s:
        assert s.scalars(select(Suppression)).all() == []
        tasks = s.scalars(select(Task).where(Task.contact_id == lodge)).all()
        assert {(t.status, t.close_reason) for t in tasks} == {("closed", "no usable number")}
    assert [e.number for e in number_history(db, lodge)] == ["+441134960001",
                                                             "+441614960002"]
    assert claim_next_task(db, "Sam", jabs, now=later) is None


def test_needs_supervisor_needs_a_one_line_reason(db):
    agents(db)
    [person] = add_contacts(db, 1)
    camp = create_campaign(db, "welfare_check", "Welfare")
    enrol(db, camp, contact_ids=[person], now=NOW)
    task = claim_next_task(db, "Sam", camp, now=NOW)
    assert task is not None
    for reason, words in ((None, "needs a reason"), ("   ", "needs a reason"),
                          ("Upset\nabout the bins", "one line"), ("x" * 301, "under 300")):
        with pytest.raises(OutcomeError, match=words):
            record_outcome(db, task.task_id, "Sam", "needs_supervisor", reason=reason,
                           notes="Long story in the notes.", now=NOW)
    record_outcome(db, task.task_id, "Sam", "needs_supervisor",
                   reason=" Says a carer has not been coming ", notes="Details.", now=NOW)
    with db.read() as s:
        attempt = s.scalars(select(Attempt)).one()
        assert attempt.reason == "Says a carer has not been coming"
        assert attempt.notes == "Details."
        stored = s.get(Task, task.task_id)
        assert stored.escalated
        assert stored.escalation_note == "Says a carer has not been coming"
        assert s.scalars(select(NumberEvent)).all() == []
