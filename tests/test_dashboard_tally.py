"""The dashboard counts a round from a tally the database keeps, not by reading every
task: the tally must equal counting the tasks after anything that changes them, and
the dashboard's figures must be those counting would give, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select, text, update

from outbound.contacts import ContactFilter
from outbound.dashboard import agent_day, burndown, round_keys
from outbound.db.models import Attempt, Contact, Task, TaskTally
from outbound.queue.campaigns import create_campaign, enrol, generate_round
from outbound.queue.claim import claim_next_task
from outbound.queue.outcomes import escalated_tasks, overdue_callbacks, record_outcome
from outbound.queue.progress import campaign_progress
from tests.test_queue import ANSWERS, TEN_AM, WEDNESDAY, tracker

pytestmark = pytest.mark.clock(TEN_AM)
THURSDAY = WEDNESDAY + timedelta(days=1)


def counted(db):
    with db.read() as s:
        return {(c, r, st): n for c, r, st, n in s.execute(
            select(Task.campaign_id, Task.round_key, Task.status, func.count())
            .group_by(Task.campaign_id, Task.round_key, Task.status))}


def tallied(db):
    with db.read() as s:
        return {(c, r, st): int(n) for c, r, st, n in s.execute(
            select(TaskTally.campaign_id, TaskTally.round_key, TaskTally.status,
                   func.sum(TaskTally.tasks))
            .group_by(TaskTally.campaign_id, TaskTally.round_key, TaskTally.status)) if n}


def call(db, agent, cid, code, at, **extra):
    task = claim_next_task(db, agent, cid, now=at)
    assert task is not None
    record_outcome(db, task.task_id, agent, code, now=at, duration_seconds=120, **extra)
    return task


def test_the_tally_follows_every_change_to_the_tasks(db):
    cid = tracker(db, count=12)
    other = create_campaign(db, "care_capacity_tracker", "Second tracker")
    enrol(db, other, where=ContactFilter(source="Care providers"))
    generate_round(db, other, WEDNESDAY, now=TEN_AM)
    assert tallied(db) == counted(db) and sum(counted(db).values()) == 24

    at = TEN_AM
    for code, extra in (("completed", {"answers": ANSWERS}), ("no_answer", {}),
                        ("already_submitted", {}),
                        ("needs_supervisor", {"reason": "A complaint"}),
                        ("asked_not_to_be_called", {})):   # closes their task in both
        at += timedelta(minutes=3)
        call(db, "Sam", cid, code, at, **extra)
    claim_next_task(db, "Priya", cid, now=at)               # held: no status changes
    assert tallied(db) == counted(db)

    generate_round(db, cid, THURSDAY, now=TEN_AM + timedelta(days=1))  # closes Wednesday's
    assert ("round ended" in {t.close_reason for t in _tasks(db, cid)})
    assert tallied(db) == counted(db)

    with db.write() as s:
        first, second = s.scalars(select(Task.id).where(Task.campaign_id == other)
                                  .order_by(Task.id).limit(2)).all()
        s.execute(update(Task).where(Task.id == first).values(round_key="list"))
        s.execute(update(Task).where(Task.id == second).values(campaign_id=cid,
                                                                  round_key="moved"))
        s.execute(delete(Task).where(Task.campaign_id == other, Task.status == "open",
                                     Task.id > second + 3))
    assert tallied(db) == counted(db)

    with db.write() as s:   # a person removed takes their tasks with them
        lone = s.scalar(select(Contact.id).where(~Contact.id.in_(select(Attempt.contact_id)))
                        .order_by(Contact.id.desc()).limit(1))
        s.execute(text("DELETE FROM contact_phone WHERE contact_id = :c"), {"c": lone})
        s.execute(delete(Contact).where(Contact.id == lone))
    assert tallied(db) == counted(db)

    with pytest.raises(RuntimeError), db.write() as s:   # nothing of a rolled-back change
        s.execute(update(Task).values(status="done"))
        raise RuntimeError
    assert tallied(db) == counted(db)


def _tasks(db, cid):
    with db.read() as s:
        return list(s.scalars(select(Task).where(Task.campaign_id == cid)))


def test_progress_burn_down_and_rounds_are_what_counting_the_tasks_gives(db):
    cid = tracker(db, count=15)
    at = TEN_AM
    for code, extra in (("completed", {"answers": ANSWERS}), ("already_submitted", {}),
                        ("no_answer", {}), ("needs_supervisor", {"reason": "A complaint"})):
        at += timedelta(minutes=5)
        call(db, "Sam", cid, code, at, **extra)
    generate_round(db, cid, THURSDAY, now=TEN_AM + timedelta(days=1))
    thursday = TEN_AM + timedelta(days=1)
    at = thursday
    for code, extra in (("completed", {"answers": ANSWERS}),
                        ("call_back", {"callback_at": thursday + timedelta(hours=1)}),
                        ("asked_not_to_be_called", {})):
        at += timedelta(minutes=5)
        call(db, "Priya", cid, code, at, **extra)
    held = claim_next_task(db, "Tom", cid, now=at)
    assert held is not None
    now = thursday + timedelta(hours=2)

    assert round_keys(db, cid) == ["2026-11-26", "2026-11-25"]
    for key in ("2026-11-26", "2026-11-25", None):
        tasks = [t for t in _tasks(db, cid) if key in (None, t.round_key)]
        report = campaign_progress(db, cid, key, now=now)
        assert report.total == len(tasks)
        assert report.done == sum(t.status == "done" for t in tasks)
        assert report.closed == sum(t.status == "closed" for t in tasks)
        assert report.in_progress == sum(t.status == "open" and t.holder_id is not None
                                         for t in tasks)
        assert report.remaining == sum(t.status == "open" and t.holder_id is None
                                       for t in tasks)
        chart = burndown(db, cid, key, now=now)
        finished = sorted(t.completed_at for t in tasks
                          if t.status in ("done", "closed") and t.completed_at)
        assert chart.total == len(tasks) and chart.left_now == len(tasks) - len(finished)
        assert chart.points[0] == (min([*(t.created_at for t in tasks), *finished[:1]]),
                                   len(tasks))
        assert [p[0] for p in chart.points[1:-1]] == finished
    assert campaign_progress(db, cid, "2026-11-26", now=now).in_progress == 1
    assert [t.id for t, _ in escalated_tasks(db, cid)] == [
        t.id for t in _tasks(db, cid) if t.escalated and t.status == "open"]
    assert [t.id for t, _, _ in overdue_callbacks(db, now=now, campaign=cid)] == [
        t.id for t in _tasks(db, cid) if t.callback_at and t.status == "open"]
    assert agent_day(db, "Priya", now=now).callbacks_due == 1
    assert agent_day(db, "Sam", now=now).callbacks_due == 0


def test_a_round_with_no_tasks_left_has_no_round(db):
    cid = tracker(db, count=3)
    with db.write() as s:
        s.execute(delete(Task).where(Task.campaign_id == cid))
    assert round_keys(db, cid) == []
    assert campaign_progress(db, cid, "2026-11-25", now=TEN_AM).total == 0
    assert burndown(db, cid, "2026-11-25", now=TEN_AM).points == [(TEN_AM, 0)]
