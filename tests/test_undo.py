"""An agent undoing their last outcome, on both databases: a correction row appended,
the call back on their screen with what they had, and refused when it is too late or
someone else has acted since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from outbound.audit import AuditFilter, search_audit
from outbound.contacts import get_contact
from outbound.db.capture_models import AnswerSet
from outbound.db.models import Attempt, Task
from outbound.forms import open_form
from outbound.forms.examples import example_answers
from outbound.numbers import number_history
from outbound.queue.campaigns import create_campaign, enrol, template_of
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import record_outcome
from outbound.queue.undo import UNDO_WINDOW, UndoError, undo_last_outcome
from outbound.users import add_user
from tests.test_booking import NOW
from tests.test_outcome_rules import _two_numbers
from tests.ui.test_call_screen import MONDAY, TRACKER_FORM, at, make_tracker

TEN = at(MONDAY, 10)
ANSWERS = {**example_answers(TRACKER_FORM), "service_type": "Nursing home", "beds_max": 40,
           "beds_occupied": 30, "beds_vacant_reserved": 2, "beds_vacant_available": 8}


def _campaign(db):  # type: ignore[no-untyped-def]
    from outbound.queue.campaigns import list_campaigns

    camp = make_tracker(db)
    return camp, template_of(next(c for c in list_campaigns(db) if c.id == camp))


def test_undo_gives_the_call_back_with_its_answers(db):
    camp, template = _campaign(db)
    task = claim_next_task(db, "Sam", camp, now=TEN)
    record_outcome(db, task.task_id, "Sam", "completed", answers=ANSWERS,
                   notes="Manager new in post.", now=TEN)
    later = TEN + timedelta(minutes=4)
    undone = undo_last_outcome(db, "Sam", now=later)
    assert (undone.outcome_label, undone.contact_name) == ("Answers taken", "Margaret Pickles")
    assert undone.task.task_id == task.task_id
    with db.read() as s:
        stored = s.get(Task, task.task_id)
        assert (stored.status, stored.attempts, stored.last_outcome) == ("open", 0, None)
        assert stored.lease_expires_at == later + template.lease
        holder = stored.holder_id
        first, correction = s.scalars(select(Attempt).order_by(Attempt.id)).all()
        assert (first.outcome, first.supersedes_id) == ("completed", None)   # kept as it was
        assert (correction.outcome, correction.supersedes_id) == ("undone", first.id)
        assert correction.agent_id == holder and correction.recorded_at == later
        assert s.scalars(select(AnswerSet)).all() == []
    opened = open_form(db, task.task_id, template)
    assert opened.from_draft and opened.answers["beds_max"] == 40
    assert opened.notes == "Manager new in post."
    [entry] = search_audit(db, AuditFilter(action="outcome_undone"))
    assert (entry.actor, entry.contact_id) == ("Sam", task.contact_id)
    assert entry.summary == f"Undid “Answers taken” on call {task.task_id}."
    assert entry.detail["correction"] == correction.id
    # Recorded again, it counts once.
    record_outcome(db, task.task_id, "Sam", "completed", answers=ANSWERS, now=later)
    with db.read() as s:
        assert s.get(Task, task.task_id).attempts == 1
    with pytest.raises(UndoError, match=r"already been undone|not your last"):
        undo_last_outcome(db, "Sam", attempt_id=first.id, now=later)


def test_undo_is_refused_after_the_window_and_when_someone_else_acted(db):
    camp, _template = _campaign(db)
    add_user(db, "Jo")
    task = claim_next_task(db, "Sam", camp, now=TEN)
    record_outcome(db, task.task_id, "Sam", "no_answer", retry_after=timedelta(seconds=1), now=TEN)
    with pytest.raises(UndoError, match=r"“No answer” for Margaret Pickles was recorded "
                                        r"more than 5 minutes ago"):
        undo_last_outcome(db, "Sam", now=TEN + UNDO_WINDOW + timedelta(seconds=1))
    claimed = [claim_next_task(db, "Jo", camp, now=TEN + timedelta(minutes=1))
               for _ in range(2)]                       # the other provider, then this one
    assert task.task_id in [c.task_id for c in claimed if c is not None]
    with pytest.raises(UndoError, match="Someone has taken up the call to Margaret Pickles"):
        undo_last_outcome(db, "Sam", now=TEN + timedelta(minutes=2))
    with db.read() as s:
        assert [a.outcome for a in s.scalars(select(Attempt))] == ["no_answer"]
    with pytest.raises(UndoError, match="You have no outcome to undo"):
        undo_last_outcome(db, "Jo", now=TEN + timedelta(minutes=2))


def test_a_wrong_number_and_a_supervisor_call_undone_a_stop_refused(db):
    add_user(db, "Sam")
    lodge = _two_numbers(db)
    camp = create_campaign(db, "welfare_check", "Welfare")
    other = create_campaign(db, "vaccination_booking", "Jabs")
    for each in (camp, other):
        enrol(db, each, contact_ids=[lodge], now=NOW)
    task = claim_next_task(db, "Sam", camp, now=NOW)
    record_outcome(db, task.task_id, "Sam", "wrong_number", now=NOW)
    again = claim_next_task(db, "Sam", camp, now=NOW + timedelta(seconds=1))
    assert again is not None and again.task_id == task.task_id      # the other number
    record_outcome(db, task.task_id, "Sam", "wrong_number", now=NOW + timedelta(seconds=1))
    assert not get_contact(db, lodge).callable
    undo_last_outcome(db, "Sam", now=NOW + timedelta(minutes=1))
    contact = get_contact(db, lodge)
    assert contact.primary_phone == "+441614960002"
    assert [e.event for e in number_history(db, lodge)] == [
        "wrong_number", "wrong_number", "wrong_number_undone"]
    with db.read() as s:
        assert {t.status for t in s.scalars(select(Task))} == {"open"}
    record_outcome(db, task.task_id, "Sam", "needs_supervisor", reason="Confused",
                   now=NOW + timedelta(minutes=2))
    undo_last_outcome(db, "Sam", now=NOW + timedelta(minutes=3))
    with db.read() as s:
        stored = s.get(Task, task.task_id)
        assert not stored.escalated and stored.escalation_note is None
    record_outcome(db, task.task_id, "Sam", "deceased", now=NOW + timedelta(minutes=4))
    with pytest.raises(UndoError, match="stopped every call to them"):
        undo_last_outcome(db, "Sam", now=NOW + timedelta(minutes=5))
