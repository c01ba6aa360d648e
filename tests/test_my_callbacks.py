"""The agent's promised call-backs on both databases: today's and overdue ones listed,
and one taken now through the claim rules (leases, suppression, calling hours)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from outbound.contacts import suppress_contact
from outbound.db.models import Contact
from outbound.queue.callbacks import CallbackRefused, promised_callbacks, take_callback
from outbound.queue.campaigns import set_status
from outbound.queue.claim import claim_next_task, renew_lease
from outbound.queue.outcomes import record_outcome
from tests.test_queue import ANSWERS, TEN_AM, tracker


def promise(db, cid, agent, at, *, now=TEN_AM, note=None, asked=False):
    task = claim_next_task(db, agent, cid, now=now)
    record_outcome(db, task.task_id, agent, "call_back", now=now, callback_at=at,
                   notes=note, person_asked=asked)
    return task


def test_today_and_overdue_call_backs_are_listed_with_the_note(db):
    cid = tracker(db, count=5)
    tomorrow = TEN_AM + timedelta(days=1)
    old = promise(db, cid, "Sam", TEN_AM.replace(hour=15), note="Manager back from leave")
    three = promise(db, cid, "Sam", tomorrow.replace(hour=15), note="Ring the office line")
    promise(db, cid, "Sam", tomorrow + timedelta(days=1))              # not yet
    promise(db, cid, "Priya", tomorrow.replace(hour=11))               # Priya's own
    listed = promised_callbacks(db, "Sam", now=tomorrow.replace(hour=12))
    assert [c.task_id for c in listed] == [old.task_id, three.task_id]
    first, second = listed
    assert first.overdue and not second.overdue
    assert first.note == "Manager back from leave" and second.note == "Ring the office line"
    assert first.campaign == "Care tracker" and first.name.startswith("Home ")
    assert second.callback_at == tomorrow.replace(hour=15)
    assert len(promised_callbacks(db, "Priya", now=tomorrow)) == 1


def test_taking_one_now_makes_it_the_agents_call(db):
    cid = tracker(db, count=3)
    task = promise(db, cid, "Sam", TEN_AM.replace(hour=11))
    at_eleven = TEN_AM.replace(hour=11, minute=5)
    taken = take_callback(db, "Sam", task.task_id, now=at_eleven)
    assert (taken.task_id, taken.reason) == (task.task_id, "callback")
    assert renew_lease(db, task.task_id, "Sam", now=at_eleven) is not None
    # nobody else gets it, or the person, while Sam holds it
    for agent in ("Priya", "Tom"):
        other = claim_next_task(db, agent, cid, now=at_eleven)
        assert other is None or other.contact_id != task.contact_id
    with pytest.raises(CallbackRefused, match="Another agent is on the call"):
        take_callback(db, "Priya", task.task_id, now=at_eleven)
    record_outcome(db, task.task_id, "Sam", "completed", answers=ANSWERS, now=at_eleven)
    assert promised_callbacks(db, "Sam", now=at_eleven) == []
    with pytest.raises(CallbackRefused, match="already been made"):
        take_callback(db, "Sam", task.task_id, now=at_eleven)


def test_the_claim_rules_still_hold(db):
    cid = tracker(db, count=4)
    early = promise(db, cid, "Sam", TEN_AM.replace(hour=15))
    with pytest.raises(CallbackRefused, match=r"too early: the call-back to .* is at 15:00"):
        take_callback(db, "Sam", early.task_id, now=TEN_AM.replace(hour=11))
    # fifteen minutes early is fine
    assert take_callback(db, "Sam", early.task_id, now=TEN_AM.replace(hour=14, minute=50))

    gone = promise(db, cid, "Sam", TEN_AM.replace(hour=11))
    suppress_contact(db, gone.contact_id, "deceased", source="Tell Us Once")
    with pytest.raises(CallbackRefused):
        take_callback(db, "Sam", gone.task_id, now=TEN_AM.replace(hour=12))

    busy = promise(db, cid, "Sam", TEN_AM.replace(hour=11))
    with db.write() as s:    # on a call in another campaign until 12:03
        s.execute(update(Contact).where(Contact.id == busy.contact_id)
                  .values(busy_until=TEN_AM.replace(hour=12, minute=3)))
    with pytest.raises(CallbackRefused, match="on a call in another campaign"):
        take_callback(db, "Sam", busy.task_id, now=TEN_AM.replace(hour=12))

    evening = TEN_AM.replace(hour=20, minute=30)       # the tracker calls until 20:00
    with pytest.raises(CallbackRefused, match="outside Care tracker's calling hours"):
        take_callback(db, "Sam", busy.task_id, now=evening)

    set_status(db, cid, "paused")
    with pytest.raises(CallbackRefused, match="Care tracker is paused"):
        take_callback(db, "Sam", busy.task_id, now=TEN_AM.replace(hour=13))


def test_a_lapsed_lease_no_longer_stands_in_the_way(db):
    cid = tracker(db, count=2)
    task = promise(db, cid, "Sam", TEN_AM.replace(hour=11))
    assert take_callback(db, "Sam", task.task_id, now=TEN_AM.replace(hour=11))
    # Sam's client died; once the lease has run out the call-back can be taken again
    later = TEN_AM.replace(hour=11, minute=30)
    assert take_callback(db, "Sam", task.task_id, now=later).task_id == task.task_id
