"""An agent's day, signed in as their own login on a team's database: every service the
call screen uses works within what the database lets an agent do."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from outbound import booking
from outbound.contact_changes import add_number, change_detail, contact_changes
from outbound.contacts import get_contact
from outbound.dashboard import agent_day
from outbound.db.booking_models import Slot
from outbound.db.capture_models import AnswerSet
from outbound.db.models import Campaign, Task
from outbound.db.notify_models import Message
from outbound.forms import open_form, save_draft
from outbound.forms.examples import example_answers
from outbound.notify.outbox import queue_test_message
from outbound.queue.callbacks import promised_callbacks, take_callback
from outbound.queue.campaigns import list_campaigns, template_of
from outbound.queue.claim import claim_next_task, release_task, renew_lease, resume_held_task
from outbound.queue.history import call_history
from outbound.queue.outcomes import record_outcome
from outbound.queue.status import queue_status
from outbound.queue.undo import undo_last_outcome
from outbound.users import add_user
from tests.team import make_team
from tests.test_booking import MONDAY as BOOKING_MONDAY
from tests.test_booking import NOW as BOOKING_NOW
from tests.test_booking import PHONE, SIGNING, add_contacts, births, registrar_week, slot_at
from tests.ui.test_call_screen import MONDAY, TRACKER_FORM, at, make_tracker

TEN = at(MONDAY, 10)
ANSWERS = {**example_answers(TRACKER_FORM), "service_type": "Nursing home", "beds_max": 40,
           "beds_occupied": 30, "beds_vacant_reserved": 2, "beds_vacant_available": 8}
pytestmark = pytest.mark.clock(TEN)


@pytest.fixture
def team(scram_cluster):  # type: ignore[no-untyped-def]
    made = make_team(scram_cluster, make_tracker)
    yield made
    made.close()


def test_an_agent_works_through_their_calls_as_themselves(team):
    # At the server's yesterday: an agent goes on seeing whom they called for 7 days by
    # the server's clock, so this call must be recent by it.
    TEN = team.yesterday_at_ten()
    sam, account = team.sign_in("Sam")
    assert account.role == "agent"
    [campaign] = list_campaigns(sam)
    template = template_of(campaign)
    assert queue_status(sam, "Sam", campaign.id, now=TEN).callable_now == 2

    # A call: the card, its history, the form and a draft, then the answers.
    first = claim_next_task(sam, "Sam", campaign.id, now=TEN)
    assert first is not None
    assert renew_lease(sam, first.task_id, "Sam", now=TEN + timedelta(minutes=1))
    contact = get_contact(sam, first.contact_id)
    assert contact.name == "Margaret Pickles"
    assert call_history(sam, first.contact_id) == []
    opened = open_form(sam, first.task_id, template)
    save_draft(sam, first.task_id, "Sam", opened.form_version_id, {"beds_max": 40},
               notes="Manager on leave", now=TEN + timedelta(minutes=2))
    assert resume_held_task(sam, "Sam", campaign.id, now=TEN + timedelta(minutes=3)
                            ).task_id == first.task_id
    change_detail(sam, first.contact_id, "email", "ivy.house@example.org", agent="Sam",
                  task=first.task_id, now=TEN + timedelta(minutes=3))
    add_number(sam, first.contact_id, "0113 496 0999", agent="Sam", task=first.task_id,
               now=TEN + timedelta(minutes=3))
    assert len(contact_changes(sam, first.contact_id)) == 2
    record_outcome(sam, first.task_id, "Sam", "completed", answers=ANSWERS,
                   now=TEN + timedelta(minutes=4))
    # Undone within the minutes allowed, and recorded again.
    undone = undo_last_outcome(sam, "Sam", now=TEN + timedelta(minutes=5))
    assert undone.task.task_id == first.task_id
    record_outcome(sam, first.task_id, "Sam", "completed", answers=ANSWERS,
                   now=TEN + timedelta(minutes=6))

    # The next: a call-back the person asked for, owed by Sam, then made.
    second = claim_next_task(sam, "Sam", campaign.id, now=TEN + timedelta(minutes=7))
    assert second is not None and second.contact_id != first.contact_id
    record_outcome(sam, second.task_id, "Sam", "call_back",
                   callback_at=TEN + timedelta(hours=2), person_asked=True,
                   now=TEN + timedelta(minutes=8))
    due = promised_callbacks(sam, "Sam", now=TEN + timedelta(hours=2))
    assert [c.task_id for c in due] == [second.task_id]
    taken = take_callback(sam, "Sam", second.task_id, now=TEN + timedelta(hours=2))
    assert taken.contact_id == second.contact_id
    assert release_task(sam, second.task_id, "Sam")
    day = agent_day(sam, "Sam", now=TEN + timedelta(hours=2))
    assert day is not None
    with team.owner.read() as session:
        assert session.scalar(select(AnswerSet.agent_id).where(
            AnswerSet.task_id == first.task_id)) is not None
        assert session.get(Task, second.task_id).holder_id is None



def _births(owner):  # type: ignore[no-untyped-def]
    registrar_week(owner)
    add_user(owner, "Sam")
    [parent] = add_contacts(owner, 1)
    births(owner)
    with owner.write() as session:
        campaign = session.scalar(select(Campaign.id))
        session.add(Task(campaign_id=campaign, contact_id=parent, round_key="list",
                         status="open", priority=55, due_at=BOOKING_NOW, attempts=0))


def test_an_agent_books_an_appointment_and_adds_to_the_waiting_list(scram_cluster):
    team = make_team(scram_cluster, _births)
    try:
        sam, _ = team.sign_in("Sam")
        [campaign] = list_campaigns(sam)
        task = claim_next_task(sam, "Sam", campaign.id, now=BOOKING_NOW)
        assert task is not None
        slot = slot_at(team.owner, PHONE, BOOKING_MONDAY, time(9)).id
        hold = booking.hold_slot(sam, "Sam", slot, contact=task.contact_id, task=task.task_id,
                                 now=BOOKING_NOW)
        assert hold is not None
        made = booking.book(sam, "Sam", task.contact_id, slot, task=task.task_id,
                            answers={"number_of_babies": 1}, now=BOOKING_NOW)
        assert booking.get_appointments(sam, made.booking_id)
        # The confirmation was queued with the booking, from the agent's own login (a
        # landline and no email: nothing to send it to) ...
        with team.owner.read() as session:
            assert session.scalar(select(Message.reason).where(
                Message.occasion == f"booking:{made.reference}")) == \
                "no mobile number, no email address"
        # ... but an agent cannot queue a message to anyone they cannot see.
        with pytest.raises(DBAPIError, match="row-level security"):
            queue_test_message(sam, "text", "07400 123456",
                               "3c9e7a1b-4d2f-4e8a-9b6c-1f2e3d4c5b6a", by="Sam")
        booking.add_to_waiting_list(sam, campaign.id, task.contact_id, SIGNING,
                                    task=task.task_id, agent="Sam", now=BOOKING_NOW)
        with team.owner.read() as session:
            assert session.get(Slot, slot).booked == 1
    finally:
        team.close()
